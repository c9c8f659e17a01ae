"""Chebyshev collocation: chebdif, cheb4c, Clenshaw-Curtis weights.

Reference values are analytic (polynomials, exponentials, a Runge-type rational
function with known Bernstein-ellipse parameter) or come from independent
constructions written here (closed-form entries of D1, Trefethen's clencurt loop,
DMSuite's poldif recursion through ``cgle.spectral.polynomial.poldif``).
"""

from math import comb

import numpy as np
import numpy.polynomial.chebyshev as C
import numpy.polynomial.polynomial as P
import pytest

from cgle.spectral.chebyshev import cheb4c, chebdif, chebyshev_points, clenshaw_curtis_weights
from cgle.spectral.polynomial import poldif

EPS = np.finfo(float).eps


def roundoff(N, order, scale=1.0):
    """Roundoff level of an order-``order`` Chebyshev derivative on N points.

    The l-th derivative matrix has norm ~ N^(2l); 10x head-room.
    """
    return 10 * EPS * scale * max(N - 1, 1) ** (2 * order)


def runge_derivative(x, c, order):
    """d^order/dx^order of 1/(1 + c x^2) = Re[1/(1 + i s x)], s = sqrt(c).

    1/(1 + c x^2) = (1/2)[1/(1 + i s x) + 1/(1 - i s x)] and
    d^l/dx^l (1 + i s x)^(-1) = l! (-i s)^l (1 + i s x)^(-l-1).
    """
    s = np.sqrt(c)
    z = 1.0 + 1j * s * x
    from math import factorial

    return np.real(factorial(order) * (-1j * s) ** order * z ** (-order - 1))


def test_nodes_and_shapes():
    x, DM = chebdif(7, 3)
    assert DM.shape == (3, 7, 7)
    np.testing.assert_allclose(x, np.cos(np.pi * np.arange(7) / 6), atol=1e-15)
    assert x[0] == 1.0 and x[-1] == -1.0
    np.testing.assert_array_equal(x, -x[::-1])
    np.testing.assert_array_equal(chebyshev_points(7), x)


@pytest.mark.parametrize("N", [2, 3, 4, 5, 8, 17, 32])
def test_exact_for_polynomials_every_order(N):
    """DM[l] differentiates every polynomial of degree <= N-1 exactly (to roundoff)."""
    M = min(4, N - 1)
    x, DM = chebdif(N, M)
    rng = np.random.default_rng(N)
    coef = rng.standard_normal(N)  # Chebyshev series of degree N - 1
    f = C.chebval(x, coef)
    for ell in range(1, M + 1):
        exact = C.chebval(x, C.chebder(coef, ell))
        scale = max(1.0, np.abs(exact).max())
        assert np.abs(DM[ell - 1] @ f - exact).max() <= roundoff(N, ell, scale)


def test_first_derivative_closed_form_entries():
    """D1 against Trefethen's closed form (Spectral Methods in MATLAB, ch. 6)."""
    N = 12
    n = N - 1
    x, DM = chebdif(N, 1)
    c = np.ones(N)
    c[0] = c[-1] = 2.0
    D = np.empty((N, N))
    for i in range(N):
        for j in range(N):
            if i != j:
                D[i, j] = c[i] / c[j] * (-1) ** (i + j) / (x[i] - x[j])
    for j in range(1, n):
        D[j, j] = -x[j] / (2 * (1 - x[j] ** 2))
    D[0, 0] = (2 * n**2 + 1) / 6.0
    D[n, n] = -D[0, 0]
    np.testing.assert_allclose(DM[0], D, rtol=0, atol=50 * EPS * n**2)


def test_higher_orders_are_powers_of_first():
    """For polynomial interpolation D^(l) = D1^l exactly."""
    N = 20
    _, DM = chebdif(N, 4)
    for ell in range(2, 5):
        power = np.linalg.matrix_power(DM[0], ell)
        assert np.abs(DM[ell - 1] - power).max() <= 1e-12 * np.abs(power).max()


def test_same_as_dmsuite_poldif():
    """chebdif (trig identities, negative-sum) agrees with plain poldif on the same nodes."""
    N = 30
    x, DM = chebdif(N, 4)
    ref = poldif(x, 4)
    for ell in range(4):
        assert np.abs(DM[ell] - ref[ell]).max() <= 1e-11 * np.abs(ref[ell]).max()


@pytest.mark.parametrize("N", [28, 40])
def test_analytic_function_to_roundoff(N):
    """f = exp((1 + 2i) x): all orders at roundoff level once resolved."""
    a = 1.0 + 2.0j
    x, DM = chebdif(N, 4)
    f = np.exp(a * x)
    for ell in range(1, 5):
        exact = a**ell * f
        err = np.abs(DM[ell - 1] @ f - exact).max() / np.abs(exact).max()
        assert err <= roundoff(N, ell), (ell, err)


def test_spectral_decay():
    """Error for 1/(1 + 4x^2) decays like N^(2l) rho^-N, rho = (1 + sqrt 5)/2.

    The poles at +-i/2 fix the Bernstein-ellipse parameter rho; the measured
    exponential rate must match log(rho) (Trefethen, ATAP ch. 8 and 21).
    """
    c = 4.0
    rate = np.log(1 / np.sqrt(c) + np.sqrt(1 + 1 / c))
    Ns = np.arange(10, 43, 4)
    for ell in (1, 2, 3, 4):
        errs = []
        for N in Ns:
            x, DM = chebdif(N, ell)
            errs.append(np.abs(DM[ell - 1] @ (1 / (1 + c * x**2)) - runge_derivative(x, c, ell)).max())
        errs = np.array(errs)
        slope = np.polyfit(Ns, np.log(errs / Ns ** (2 * ell)), 1)[0]
        assert -1.25 * rate < slope < -0.85 * rate, (ell, slope, rate)
        # and past the pre-asymptotic range every step of 4 in N gains a factor >= 2
        assert np.all(errs[5:] < errs[4:-1] / 2), errs


# ---------------------------------------------------------------- cheb4c


def clamped_fourth_derivative(x, a):
    """u = (1 - x^2)^2 exp(a x): u'''' = sum_k C(4,k) p^(k) a^(4-k) exp(a x)."""
    p = np.array([1.0, 0.0, -2.0, 0.0, 1.0])
    return sum(comb(4, k) * P.polyval(x, P.polyder(p, k)) * a ** (4 - k) for k in range(5)) * np.exp(a * x)


def test_cheb4c_nodes_and_small_cases():
    x, D4 = cheb4c(6)
    assert D4.shape == (4, 4)
    np.testing.assert_allclose(x, np.cos(np.pi * np.arange(1, 5) / 5), atol=1e-15)
    x, D4 = cheb4c(3)  # one interior node x = 0; u = (1 - x^2)^2 has u'''' = 24
    assert x.shape == (1,) and abs(x[0]) < 1e-15
    np.testing.assert_allclose(D4, [[24.0]])


@pytest.mark.parametrize("N", [4, 5, 9, 16, 33])
def test_cheb4c_exact_for_clamped_polynomials(N):
    """u = (1 - x^2)^2 q, deg q <= N - 3, is differentiated exactly (Chebyshev series)."""
    x, D4 = cheb4c(N)
    rng = np.random.default_rng(N)
    # (1 - x^2)^2 = (3 - 4 T_2 + T_4) / 8
    u_coef = C.chebmul([3 / 8, 0.0, -1 / 2, 0.0, 1 / 8], rng.standard_normal(N - 2))
    exact = C.chebval(x, C.chebder(u_coef, 4))
    scale = max(1.0, np.abs(exact).max())
    assert np.abs(D4 @ C.chebval(x, u_coef) - exact).max() <= roundoff(N, 4, scale)


def test_cheb4c_same_as_weighted_poldif():
    """cheb4c agrees with DMSuite's generic weighted poldif, alpha = (1 - x^2)^2."""
    N = 24
    x, D4 = cheb4c(N)
    s2 = 1 - x**2
    alpha = s2**2
    B = np.vstack([-4 * x / s2, 4 * (3 * x**2 - 1) / alpha, 24 * x / alpha, 24 / alpha])
    ref = poldif(x, alpha, B)[3]
    assert np.abs(D4 - ref).max() <= 1e-10 * np.abs(ref).max()


def test_cheb4c_spectral_decay_and_roundoff():
    a = 1.5
    Ns = np.arange(8, 33, 4)
    errs = []
    for N in Ns:
        x, D4 = cheb4c(N)
        exact = clamped_fourth_derivative(x, a)
        errs.append(np.abs(D4 @ ((1 - x**2) ** 2 * np.exp(a * x)) - exact).max() / np.abs(exact).max())
    errs = np.array(errs)
    # entire function: faster than any exponential; >= a decade per step of 4 in N
    # until roundoff (~1e-11 here) is reached, and it stays there
    assert np.all(errs[1:3] < errs[:2] / 10), errs
    assert np.all(errs[3:] < 1e-10), errs


# ---------------------------------------------------------------- Clenshaw-Curtis


def clencurt_reference(N):
    """Trefethen's clencurt.m (Spectral Methods in MATLAB), N + 1 points, a loop per k."""
    theta = np.pi * np.arange(N + 1) / N
    w = np.zeros(N + 1)
    ii = np.arange(1, N)
    v = np.ones(N - 1)
    if N % 2 == 0:
        w[0] = w[N] = 1.0 / (N**2 - 1)
        for k in range(1, N // 2):
            v -= 2 * np.cos(2 * k * theta[ii]) / (4 * k**2 - 1)
        v -= np.cos(N * theta[ii]) / (N**2 - 1)
    else:
        w[0] = w[N] = 1.0 / N**2
        for k in range(1, (N - 1) // 2 + 1):
            v -= 2 * np.cos(2 * k * theta[ii]) / (4 * k**2 - 1)
    w[ii] = 2 * v / N
    return w


@pytest.mark.parametrize("N", [2, 3, 4, 5, 10, 11, 64, 65])
def test_clenshaw_curtis_matches_clencurt(N):
    np.testing.assert_allclose(clenshaw_curtis_weights(N), clencurt_reference(N - 1), rtol=0, atol=1e-15)


@pytest.mark.parametrize("N", [2, 3, 6, 7, 20, 21])
def test_clenshaw_curtis_polynomial_degree(N):
    """Exact for x^k, k <= N - 1 (k <= N for odd N, by symmetry)."""
    x = chebyshev_points(N)
    w = clenshaw_curtis_weights(N)
    assert np.all(w > 0)
    top = N if N % 2 == 1 else N - 1
    for k in range(top + 1):
        exact = 2.0 / (k + 1) if k % 2 == 0 else 0.0
        assert abs(w @ x**k - exact) <= 4 * EPS, (k, w @ x**k - exact)


def test_clenshaw_curtis_spectral_and_large_N():
    exact = np.e - 1 / np.e
    errs = [abs(clenshaw_curtis_weights(N) @ np.exp(chebyshev_points(N)) - exact) for N in (4, 6, 8, 10)]
    assert np.all(np.diff(np.log(errs)) < -3)
    w = clenshaw_curtis_weights(5001)
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    assert abs(w.sum() - 2) < 1e-13


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: chebdif(1, 1), r"N must be >= 2 \(got 1\)"),
        (lambda: chebdif(5, 0), r"M must be >= 1 \(got 0\)"),
        (lambda: chebdif(5, 5), r"M must be <= 4 \(got 5\)"),
        (lambda: chebdif(5.0, 1), r"N must be an integer"),
        (lambda: chebdif(True, 1), r"N must be an integer"),
        (lambda: cheb4c(2), r"N must be >= 3 \(got 2\)"),
        (lambda: clenshaw_curtis_weights(1), r"N must be >= 2 \(got 1\)"),
    ],
)
def test_input_checks(call, match):
    with pytest.raises(ValueError, match=match):
        call()
