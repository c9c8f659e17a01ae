"""Fourier collocation: fourdif (even and odd N, any order), grid, trapezoid weights.

References: trigonometric polynomials (exact), the Poisson kernel
P(x) = (1 - r^2)/(1 - 2 r cos x + r^2) = sum_k r^|k| e^{ikx} whose derivatives are
summed from the (absolutely convergent) series, and DMSuite's FFT construction of
the matrix, transcribed here independently.
"""

import numpy as np
import pytest

from cgle.spectral.fourier import fourdif, fourier_grid, fourier_weights

EPS = np.finfo(float).eps
ORDERS = range(0, 7)


def poisson_derivative(x, r, m, kmax=200):
    """m-th derivative of the Poisson kernel from its Fourier series (truncation < 1e-60)."""
    k = np.arange(1, kmax)
    # sum_{k>=1} r^k [(ik)^m e^{ikx} + (-ik)^m e^{-ikx}] = 2 Re sum r^k (ik)^m e^{ikx}
    terms = (r**k * (1j * k) ** m)[None, :] * np.exp(1j * np.outer(x, k))
    return (1.0 if m == 0 else 0.0) + 2 * terms.sum(axis=1).real


def dmsuite_fourdif_fft(N, m):
    """DMSuite's construction for any m: first column by FFT, then a Toeplitz matrix."""
    N1 = (N - 1) // 2
    nyquist = [-N / 2 * ((m + 1) % 2)] if N % 2 == 0 else []
    mwave = 1j * np.concatenate([np.arange(N1 + 1), nyquist, np.arange(-N1, 0)])
    e0 = np.zeros(N)
    e0[0] = 1.0
    col = np.real(np.fft.ifft(mwave**m * np.fft.fft(e0)))
    if m % 2 == 1:
        col[0] = 0.0
    # circulant: D_ij = col[(i - j) mod N]
    idx = (np.arange(N)[:, None] - np.arange(N)[None, :]) % N
    return col[idx]


@pytest.mark.parametrize("N", [1, 2, 3, 4, 7, 8, 31, 32])
@pytest.mark.parametrize("m", ORDERS)
def test_exact_on_trigonometric_polynomials(N, m):
    """e^{ikx}, |k| < N/2, differentiated exactly, every order, even and odd N."""
    x, D = fourdif(N, m)
    assert D.shape == (N, N)
    np.testing.assert_allclose(x, 2 * np.pi * np.arange(N) / N, rtol=0, atol=0)
    tol = 20 * EPS * N * max(1.0, (N / 2) ** m)
    for k in range(-((N - 1) // 2), (N - 1) // 2 + 1):
        f = np.exp(1j * k * x)
        assert np.abs(D @ f - (1j * k) ** m * f).max() <= tol, (k, m)


@pytest.mark.parametrize("N", [4, 10, 16])
@pytest.mark.parametrize("m", ORDERS)
def test_nyquist_mode_convention(N, m):
    """Even N: cos(N x/2) has odd derivatives 0 and even ones (-N^2/4)^(m/2) cos(N x/2)."""
    x, D = fourdif(N, m)
    f = np.cos(N * x / 2)
    exact = (-(N**2) / 4.0) ** (m // 2) * f if m % 2 == 0 else np.zeros(N)
    assert np.abs(D @ f - exact).max() <= 20 * EPS * N * (N / 2) ** m


@pytest.mark.parametrize("N", [5, 6, 17, 24])
@pytest.mark.parametrize("m", ORDERS)
def test_structure_and_dmsuite_fft_construction(N, m):
    """Circulant, (anti)symmetric by parity of m, and equal to DMSuite's FFT matrix."""
    _, D = fourdif(N, m)
    np.testing.assert_array_equal(D, (-1) ** m * D.T)
    np.testing.assert_array_equal(D, np.roll(np.roll(D, 1, axis=0), 1, axis=1))
    ref = dmsuite_fourdif_fft(N, m)
    assert np.abs(D - ref).max() <= 50 * EPS * N * max(1.0, (N / 2) ** m)


@pytest.mark.parametrize("N", [9, 25])
def test_odd_N_orders_are_powers(N):
    """Without a Nyquist mode, D^(m) = (D^(1))^m."""
    _, D1 = fourdif(N, 1)
    for m in range(2, 7):
        _, Dm = fourdif(N, m)
        power = np.linalg.matrix_power(D1, m)
        assert np.abs(Dm - power).max() <= 1e-12 * np.abs(power).max()


def test_spectral_decay_on_poisson_kernel():
    """Error ~ r^(N/2) (the kernel is analytic in |Im x| < log(1/r)), even and odd N."""
    r = 0.3
    rate = -np.log(r) / 2
    Ns = np.arange(8, 41, 3)  # mixes even and odd N
    for m in (1, 2, 3, 4, 6):
        errs = []
        for N in Ns:
            x, D = fourdif(N, m)
            errs.append(np.abs(D @ poisson_derivative(x, r, 0) - poisson_derivative(x, r, m)).max())
        errs = np.array(errs)
        # aliasing error ~ N^m r^(N/2): remove the algebraic factor before fitting
        slope = np.polyfit(Ns, np.log(errs / Ns**m), 1)[0]
        assert -1.3 * rate < slope < -0.8 * rate, (m, slope, rate)
        assert errs[-1] < 1e-4 * errs[0]


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_roundoff_once_resolved(m):
    r = 0.3
    for N in (64, 65):
        x, D = fourdif(N, m)
        exact = poisson_derivative(x, r, m)
        err = np.abs(D @ poisson_derivative(x, r, 0) - exact).max() / np.abs(exact).max()
        assert err < 100 * EPS * N * (N / 2) ** (m - 1), (N, m, err)


def test_grid_and_trapezoid_weights():
    L = 7.5
    x = fourier_grid(12, L)
    np.testing.assert_allclose(x, L * np.arange(12) / 12)
    w = fourier_weights(12, L)
    np.testing.assert_allclose(w, L / 12)
    # exact for exp(2 pi i k x / L), |k| < N
    for k in range(-11, 12):
        exact = L if k == 0 else 0.0
        assert abs(w @ np.exp(2j * np.pi * k * x / L) - exact) < 1e-13
    # spectral for smooth periodic functions: integral of the Poisson kernel over [0, 2pi) = 2 pi
    errs = [abs(fourier_weights(N) @ poisson_derivative(fourier_grid(N), 0.3, 0) - 2 * np.pi) for N in (10, 20, 40)]
    # trapezoid error = 2 pi * 2 r^N / (1 - r^N) for the Poisson kernel (aliasing onto k = 0)
    np.testing.assert_allclose(errs[:2], [4 * np.pi * 0.3**10 / (1 - 0.3**10), 4 * np.pi * 0.3**20], rtol=1e-3)
    assert errs[2] < 1e-14


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fourdif(0, 1), r"N must be >= 1 \(got 0\)"),
        (lambda: fourdif(8, -1), r"m must be >= 0 \(got -1\)"),
        (lambda: fourdif(8, 1.5), r"m must be an integer"),
        (lambda: fourdif(1000, 200), r"m must satisfy \(N/2\)\^m < 1e300 for N = 1000 \(got m = 200\)"),
        (lambda: fourier_grid(8, 0.0), r"length must be finite and > 0"),
        (lambda: fourier_weights(8, float("inf")), r"length must be finite and > 0"),
    ],
)
def test_input_checks(call, match):
    with pytest.raises(ValueError, match=match):
        call()
