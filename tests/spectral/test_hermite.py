"""herroots / herdif / hermite_weights / poldif against analytic results."""

import numpy as np
import pytest
from numpy.polynomial.hermite import hermgauss
from scipy.special import eval_hermite

from cgle.spectral import herdif, hermite_weights, herroots, poldif, poldif_log


def hermite_function_derivatives(n, x, b):
    """f = exp(-(bx)^2/2) H_n(bx) and its first two x-derivatives, exactly."""
    xi = b * x
    g = np.exp(-xi**2 / 2)
    hn = eval_hermite(n, xi)
    hn1 = eval_hermite(n - 1, xi) if n > 0 else np.zeros_like(xi)
    f = g * hn
    # d/dxi [H_n e^{-xi^2/2}] = (2n H_{n-1} - xi H_n) e^{-xi^2/2}; the function solves
    # f'' = (xi^2 - (2n + 1)) f in xi
    return f, b * (2 * n * hn1 - xi * hn) * g, b**2 * (xi**2 - (2 * n + 1)) * f


@pytest.mark.parametrize("N", [16, 64, 128, 220])
@pytest.mark.parametrize("b", [0.338223, 1.0, 1.7])
def test_herdif_hermite_functions(N, b):
    x, DM = herdif(N, 2, b)
    assert DM.shape == (2, N, N)
    for n in range(0, min(N // 2, 12)):
        f, d1, d2 = hermite_function_derivatives(n, x, b)
        assert np.max(np.abs(DM[0] @ f - d1)) <= 1e-11 * np.max(np.abs(d1) + (n == 0))
        assert np.max(np.abs(DM[1] @ f - d2)) <= 1e-11 * np.max(np.abs(d2))


def test_herdif_higher_orders_on_gaussian():
    # g = exp(-x^2/2): g^{(k)} = (-1)^k He_k(x) g with the probabilists' He_k
    from scipy.special import eval_hermitenorm

    N = 40
    x, DM = herdif(N, 4, 1.0)
    g = np.exp(-x**2 / 2)
    for k in range(1, 5):
        exact = (-1) ** k * eval_hermitenorm(k, x) * g
        # roundoff grows with the norm of the k-th derivative matrix, ~ (2N)^(k/2)
        tol = 1e-14 * (2 * N) ** (k / 2)
        assert np.max(np.abs(DM[k - 1] @ g - exact)) < tol * np.max(np.abs(exact))


def test_herroots_match_numpy_and_are_symmetric():
    for N in [1, 2, 7, 50, 150]:
        x = herroots(N)
        xr, _ = hermgauss(N)
        assert np.max(np.abs(x - xr)) < 2e-14 * max(1.0, np.max(np.abs(xr)))
        assert np.array_equal(x, -x[::-1])


@pytest.mark.parametrize("N", [200, 513, 900])
def test_herroots_dense_and_tridiagonal_solvers_agree(monkeypatch, N):
    """The Jacobi matrix goes to NumPy's dense solver up to a cutoff, to scipy's
    tridiagonal one above it; after the Newton polish both give the same roots."""
    import cgle.spectral.hermite as hermite

    monkeypatch.setattr(hermite, "_DENSE_ROOTS_UP_TO", 10**6)
    dense = herroots(N)
    monkeypatch.setattr(hermite, "_DENSE_ROOTS_UP_TO", 0)
    tridiagonal = herroots(N)
    assert np.max(np.abs(dense - tridiagonal)) <= 4e-15 * np.max(np.abs(dense))


def test_hermite_weights_match_gauss_hermite():
    for N in [1, 5, 40, 120]:
        _, w_classic = hermgauss(N)
        xr = herroots(N)
        w = hermite_weights(N)
        np.testing.assert_allclose(w, w_classic * np.exp(xr**2), rtol=1e-12)


@pytest.mark.parametrize("N", [20, 220, 2000])
@pytest.mark.parametrize("b", [0.5, 2.0])
def test_hermite_weights_integrate_gaussian_moments(N, b):
    x = herroots(N) / b
    w = hermite_weights(N, b)
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    # integral of x^{2k} exp(-(b x)^2) = Gamma(k + 1/2) / b^{2k+1}
    from scipy.special import gamma

    for k in range(0, 4):
        exact = gamma(k + 0.5) / b ** (2 * k + 1)
        assert abs(w @ (x ** (2 * k) * np.exp(-((b * x) ** 2))) - exact) < 1e-13 * exact * 10


def test_poldif_unit_weight_differentiates_polynomials_exactly():
    N = 12
    x = np.cos(np.pi * (np.arange(N) + 0.5) / N)
    DM = poldif(x, 3)
    p = np.polynomial.Polynomial(np.arange(1.0, N + 1))  # degree N - 1
    for ell in range(1, 4):
        np.testing.assert_allclose(DM[ell - 1] @ p(x), p.deriv(ell)(x), atol=1e-10 * np.max(np.abs(p.deriv(ell)(x))))


def test_poldif_weighted_forms_agree_and_are_exact_on_weight_times_polynomial():
    N = 16
    x = np.linspace(-2, 2, N)
    alpha = np.exp(x)
    B = np.ones((2, N))  # alpha' / alpha = alpha'' / alpha = 1
    DM = poldif(x, alpha, B)
    np.testing.assert_allclose(DM, poldif_log(x, x, B), rtol=1e-13, atol=1e-12)
    f = np.exp(x) * x**3
    np.testing.assert_allclose(DM[0] @ f, np.exp(x) * (x**3 + 3 * x**2), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(DM[1] @ f, np.exp(x) * (x**3 + 6 * x**2 + 6 * x), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: herdif(1, 1), "N must be >= 2"),
        (lambda: herdif(10, 10), "M must be <= 9"),
        (lambda: herdif(10, 0), "M must be >= 1"),
        (lambda: herdif(10, 2, -1.0), "b must be finite and > 0"),
        (lambda: herdif(10.5, 2), "N must be an integer"),
        (lambda: hermite_weights(10, 0.0), "b must be finite and > 0"),
        (lambda: poldif([0.0, 0.0, 1.0], 1), "x must hold distinct nodes"),
        (lambda: poldif([0.0, 1.0], [1.0, 0.0], np.ones((1, 2))), "alpha must be finite and non-zero"),
        (lambda: poldif([0.0, 1.0, 2.0], [1.0, 1.0, 1.0], np.ones((1, 2))), "B must have shape"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
