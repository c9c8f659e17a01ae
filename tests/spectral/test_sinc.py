"""Sinc collocation: sincdif (every order) and its trapezoid weights.

References: closed-form entries of the first two sinc matrices (Stenger 1993),
the recursion's values checked against mpmath differentiation of sin(t)/t, and
Gaussian derivatives d^l/dx^l exp(-x^2) = (-1)^l H_l(x) exp(-x^2).
"""

import mpmath
import numpy as np
import pytest
from scipy.special import eval_hermite

from cgle.spectral.sinc import sinc_weights, sincdif

EPS = np.finfo(float).eps


def gaussian_derivative(x, order):
    return (-1) ** order * eval_hermite(order, x) * np.exp(-(x**2))


@pytest.mark.parametrize("N", [1, 2, 7, 8])
def test_nodes_and_structure(N):
    h = 0.4
    x, DM = sincdif(N, 5, h)
    assert DM.shape == (5, N, N)
    np.testing.assert_allclose(x, h * (np.arange(N) - (N - 1) / 2), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(x, -x[::-1])
    for ell in range(5):
        D = DM[ell]
        # Toeplitz and (anti)symmetric by the parity of the order l + 1
        np.testing.assert_array_equal(D[1:, 1:], D[:-1, :-1])
        np.testing.assert_array_equal(D, (-1) ** (ell + 1) * D.T)


def test_closed_form_first_and_second():
    """D1_ij = (-1)^(i-j) / (h (i-j)), D2_ii = -pi^2/(3h^2), D2_ij = -2(-1)^(i-j)/(h^2 (i-j)^2)."""
    N, h = 9, 0.3
    _, DM = sincdif(N, 2, h)
    k = np.arange(N)[:, None] - np.arange(N)[None, :]
    off = k != 0
    kk = np.where(off, k, 1)
    D1 = np.where(off, (-1.0) ** k / (h * kk), 0.0)
    D2 = np.where(off, -2 * (-1.0) ** k / (h**2 * kk**2), -np.pi**2 / (3 * h**2))
    np.testing.assert_allclose(DM[0], D1, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(DM[1], D2, rtol=1e-14, atol=1e-14)


def test_entries_against_mpmath_every_order():
    """D^(l)_ij = (pi/h)^l s^(l)(pi (i - j)), s(t) = sin(t)/t, for l = 1..8."""
    N, h, M = 6, 0.5, 8
    _, DM = sincdif(N, M, h)
    with mpmath.workdps(40):
        s = lambda t: mpmath.sin(t) / t if t != 0 else mpmath.mpf(1)  # noqa: E731
        for ell in range(1, M + 1):
            for k in range(N):
                exact = (np.pi / h) ** ell * float(mpmath.diff(s, mpmath.pi * k, ell))
                assert abs(DM[ell - 1][k, 0] - exact) <= 1e-13 * (np.pi / h) ** ell, (ell, k)


@pytest.mark.parametrize("N", [40, 60])
def test_gaussian_to_roundoff_every_order(N):
    """exp(-x^2) with h = sqrt(pi / N): resolved, all orders 1..6 near roundoff."""
    h = np.sqrt(np.pi / N)
    x, DM = sincdif(N, 6, h)
    f = np.exp(-(x**2))
    for ell in range(1, 7):
        exact = gaussian_derivative(x, ell)
        err = np.abs(DM[ell - 1] @ f - exact).max() / np.abs(exact).max()
        # truncation ~ exp(-pi N / 4) plus roundoff ~ eps N (pi/h)^l
        assert err < 1e-10 + 100 * EPS * N * (np.pi / h) ** ell, (ell, err)


def test_spectral_decay():
    """With h = sqrt(pi/N) both error sources fall like exp(-pi N / 4)."""
    Ns = np.arange(8, 33, 4)
    for ell in (1, 2, 3, 4):
        errs = []
        for N in Ns:
            x, DM = sincdif(N, ell, np.sqrt(np.pi / N))
            errs.append(np.abs(DM[ell - 1] @ np.exp(-(x**2)) - gaussian_derivative(x, ell)).max())
        errs = np.array(errs)
        slope = np.polyfit(Ns, np.log(errs), 1)[0]
        assert -1.4 * np.pi / 4 < slope < -0.7 * np.pi / 4, (ell, slope)


def test_weights():
    for N in (20, 40):
        h = np.sqrt(np.pi / N)
        x, _ = sincdif(N, 1, h)
        err = abs(sinc_weights(N, h) @ np.exp(-(x**2)) - np.sqrt(np.pi))
        assert err < (1e-6 if N == 20 else 1e-13)
    np.testing.assert_array_equal(sinc_weights(5, 0.25), np.full(5, 0.25))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sincdif(0, 1, 0.1), r"N must be >= 1 \(got 0\)"),
        (lambda: sincdif(5, 0, 0.1), r"M must be >= 1 \(got 0\)"),
        (lambda: sincdif(5, 1, 0.0), r"h must be finite and > 0 \(got 0.0\)"),
        (lambda: sincdif(5, 1, -0.1), r"h must be finite and > 0"),
        (lambda: sincdif(5, 1, "0.1"), r"h must be a real number"),
        (lambda: sinc_weights(5, float("inf")), r"h must be finite and > 0"),
        (lambda: sincdif(5, 400, 0.01), r"M must satisfy \(pi/h\)\^M < 1e300"),
    ],
)
def test_input_checks(call, match):
    with pytest.raises(ValueError, match=match):
        call()
