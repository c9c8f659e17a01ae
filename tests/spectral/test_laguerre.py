"""Laguerre collocation: lagroots, lagdif (every order), Gauss-Laguerre weights.

References: Laguerre functions exp(-x/2) L_n(x) (in the interpolation space, so
differentiated exactly) with derivatives from generalised Laguerre polynomials,
exp(-x) cos x (geometric Laguerre coefficients), scipy's Gauss-Laguerre rule,
mpmath roots, and a straightforward transcription of DMSuite's lagdif/poldif.
"""

from math import comb, factorial

import mpmath
import numpy as np
import pytest
from dmsuite_reference import dmsuite_poldif
from scipy.special import eval_genlaguerre, roots_laguerre

from cgle.spectral.laguerre import lagdif, lagroots, laguerre_weights

EPS = np.finfo(float).eps


def laguerre_function_derivative(n, t, order):
    """d^order/dt^order [exp(-t/2) L_n(t)] = sum_k C(l,k) (-1/2)^(l-k) exp(-t/2) L_n^(k)(t).

    with L_n^(k) = (-1)^k L^{(k)}_{n-k} (generalised Laguerre), zero for k > n.
    """
    total = np.zeros_like(t)
    for k in range(min(order, n) + 1):
        dk = (-1) ** k * eval_genlaguerre(n - k, k, t)
        total = total + comb(order, k) * (-0.5) ** (order - k) * dk
    return np.exp(-t / 2) * total


def dmsuite_lagdif(N, M, b):
    """DMSuite's lagdif + poldif, transcribed literally (products of differences)."""
    # lagroots.m: eigenvalues of the Jacobi matrix, diagonal 2k + 1, off-diagonal k
    off = np.arange(1.0, N - 1)
    J = np.diag(2 * np.arange(N - 1) + 1.0) + np.diag(off, 1) + np.diag(off, -1)
    x = np.concatenate([[0.0], np.sort(np.linalg.eigvalsh(J))])
    alpha = np.exp(-x / 2)
    B = np.array([(-0.5) ** ell * np.ones(N) for ell in range(1, M + 1)])
    DM = dmsuite_poldif(x, alpha, B)
    return x / b, DM * (b ** np.arange(1, M + 1))[:, None, None]


# ---------------------------------------------------------------- roots


@pytest.mark.parametrize("N", [1, 2, 3, 10, 37, 60])
def test_lagroots_match_scipy(N):
    r = lagroots(N)
    ref = roots_laguerre(N)[0]
    assert np.all(np.diff(r) > 0)
    np.testing.assert_allclose(r, ref, rtol=4 * EPS * N, atol=0)


def test_lagroots_small_roots_to_full_relative_accuracy():
    """Newton polishing on the difference recurrence: smallest roots to a few ulps."""
    r = lagroots(100)
    with mpmath.workdps(30):
        for i in (0, 1, 2):
            exact = mpmath.findroot(lambda t: mpmath.laguerre(100, 0, t), mpmath.mpf(r[i]))
            assert abs(float((r[i] - exact) / exact)) < 8 * EPS


def test_lagroots_large_N_finite():
    r = lagroots(2000)
    assert np.all(np.isfinite(r)) and np.all(np.diff(r) > 0)
    assert 0 < r[0] < 1e-3 and r[-1] < 4 * 2000 + 2


# ---------------------------------------------------------------- lagdif


def test_nodes_shapes_scaling():
    x, DM = lagdif(12, 3, 1.0)
    assert DM.shape == (3, 12, 12) and x[0] == 0.0
    np.testing.assert_array_equal(x[1:], lagroots(11))
    b = 2.5
    xb, DMb = lagdif(12, 3, b)
    np.testing.assert_allclose(xb, x / b, rtol=1e-15)
    for ell in range(3):
        np.testing.assert_allclose(DMb[ell], b ** (ell + 1) * DM[ell], rtol=1e-14, atol=0)


@pytest.mark.parametrize("N", [2, 3, 5, 12, 24])
@pytest.mark.parametrize("b", [1.0, 0.7])
def test_exact_for_laguerre_functions_every_order(N, b):
    """exp(-b x/2) L_n(b x), n <= N-1: all orders 1..min(4, N-1) to roundoff."""
    M = min(4, N - 1)
    x, DM = lagdif(N, M, b)
    t = b * x
    for n in sorted({0, 1, N // 2, N - 1}):
        f = laguerre_function_derivative(n, t, 0)
        for ell in range(1, M + 1):
            exact = b**ell * laguerre_function_derivative(n, t, ell)
            scale = np.abs(exact).max()
            err = np.abs(DM[ell - 1] @ f - exact).max()
            # the l-th matrix has norm ~ (4N)^(l) ... N^(2l) near x = 0
            assert err <= 1e3 * EPS * N ** (2 * ell) * max(scale, 1.0), (n, ell, err)


def test_same_as_dmsuite_transcription():
    """Where DMSuite works (N = 30), the logarithmic construction agrees with it."""
    N, M, b = 30, 4, 1.3
    x, DM = lagdif(N, M, b)
    xr, DMr = dmsuite_lagdif(N, M, b)
    np.testing.assert_allclose(x, xr, rtol=1e-12, atol=1e-15)
    for ell in range(M):
        assert np.abs(DM[ell] - DMr[ell]).max() <= 1e-9 * np.abs(DMr[ell]).max()


def test_spectral_decay():
    """exp(-x) cos x = exp(-x/2) sum_n c_n L_n(x) with |c_n| ~ (sqrt(1.25)/sqrt(3.25))^n."""
    rate = 0.5 * np.log(3.25 / 1.25)
    Ns = np.arange(8, 41, 4)
    a = -1.0 + 1.0j
    for ell in (1, 2, 3, 4):
        errs = []
        for N in Ns:
            x, DM = lagdif(N, ell, 1.0)
            f = np.real(np.exp(a * x))
            errs.append(np.abs(DM[ell - 1] @ f - np.real(a**ell * np.exp(a * x))).max())
        errs = np.array(errs)
        slope = np.polyfit(Ns, np.log(errs), 1)[0]
        assert -1.3 * rate < slope < -0.75 * rate, (ell, slope, rate)
        assert np.all(errs[1:] < errs[:-1]), errs


def test_large_N_finite_and_accurate():
    """N = 1000 (DMSuite: NaN): finite, Laguerre functions differentiated to roundoff.

    Roundoff level: the smallest node spacing x_1 ~ 1.44 / (4N) makes the l-th
    matrix ~ x_1^-l, so errors ~ 1e-12 (l = 1) and ~ 1e-8 (l = 2) near x = 0.
    """
    N = 1000
    x, DM = lagdif(N, 2, 1.0)
    assert np.all(np.isfinite(DM))
    near = x < 600  # where exp(-x/2) L_n(x) is representable in double precision
    for n in (0, 7, 40):
        f = np.zeros(N)
        f[near] = laguerre_function_derivative(n, x[near], 0)
        for ell in (1, 2):
            exact = laguerre_function_derivative(n, x[near], ell)
            err = np.abs((DM[ell - 1] @ f)[near] - exact).max()
            assert err < 100 * EPS / x[1] ** ell * max(1.0, np.abs(exact).max()), (n, ell, err)


# ---------------------------------------------------------------- weights


@pytest.mark.parametrize("N", [2, 3, 6, 15, 40])
def test_weights_exact_moments(N):
    """integral_0^inf x^k exp(-x) dx = k!, exact for k <= 2N - 3; w[0] = 0."""
    b = 1.0
    x, _ = lagdif(N, 1, b)
    w = laguerre_weights(N, b)
    assert w[0] == 0.0 and np.all(w[1:] > 0)
    for k in range(2 * N - 2):
        assert abs(w @ (x**k * np.exp(-x)) / factorial(k) - 1) < 5e-14 * max(1, k), k


def test_weights_match_scipy_mpmath_and_scale():
    for n in (1, 5, 50, 150):
        r, lam = roots_laguerre(n)
        w = laguerre_weights(n + 1)
        np.testing.assert_allclose(w[1:], lam * np.exp(r), rtol=5e-12)
    # scipy itself is good to ~1e-12 at the largest roots; mpmath decides to 1e-13
    n = 150
    r, w = lagroots(n), laguerre_weights(n + 1)[1:]
    with mpmath.workdps(50):
        for i in (0, 75, 147, 149):
            root = mpmath.findroot(
                lambda t: mpmath.laguerre(n, 0, t) * mpmath.exp(-t / 2), mpmath.mpf(r[i]), tol=1e-60
            )
            # exp(x) * Gauss-Laguerre weight = exp(x) x / ((n+1)^2 L_{n+1}(x)^2)
            exact = root / ((n + 1) ** 2 * mpmath.laguerre(n + 1, 0, root) ** 2) * mpmath.exp(root)
            assert abs(float((w[i] - exact) / exact)) < 3e-13, i
    b = 3.0
    x, _ = lagdif(20, 1, b)
    w = laguerre_weights(20, b)
    # integral_0^inf x^2 exp(-b x) dx = 2 / b^3
    assert abs(w @ (x**2 * np.exp(-b * x)) - 2 / b**3) < 1e-15


def test_weights_large_N_finite():
    N = 2000
    w = laguerre_weights(N)
    x = np.concatenate([[0.0], lagroots(N - 1)])
    assert np.all(np.isfinite(w)) and np.all(w[1:] > 0)
    for k in range(6):
        assert abs(w @ (x**k * np.exp(-x)) / factorial(k) - 1) < 1e-11


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: lagdif(1, 1), r"N must be >= 2 \(got 1\)"),
        (lambda: lagdif(6, 6), r"M must be <= 5 \(got 6\)"),
        (lambda: lagdif(6, 0), r"M must be >= 1 \(got 0\)"),
        (lambda: lagdif(6, 2, 0.0), r"b must be finite and > 0 \(got 0.0\)"),
        (lambda: lagdif(6, 2, -1), r"b must be finite and > 0"),
        (lambda: lagroots(0), r"N must be >= 1 \(got 0\)"),
        (lambda: laguerre_weights(1), r"N must be >= 2 \(got 1\)"),
        (lambda: laguerre_weights(5, float("nan")), r"b must be finite and > 0"),
    ],
)
def test_input_checks(call, match):
    with pytest.raises(ValueError, match=match):
        call()
