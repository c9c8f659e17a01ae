"""herdif against DMSuite where DMSuite works, and far beyond where it does not.

* N = 50, 200: a literal NumPy transcription of DMSuite's herroots/herdif/poldif
  (products of node differences, as published) agrees with ``herdif``.
* N = 1000, 2000 (DMSuite: NaN from N ~ 260): the matrices are finite and
  differentiate Hermite functions psi_n to <= 1e-9; the harmonic oscillator
  -u'' + x^2 u = E u has E_n = 2n + 1 to <= 1e-8 for n < 30.
"""

import numpy as np
import pytest
import scipy.sparse.linalg
from dmsuite_reference import dmsuite_herdif
from scipy.special import eval_hermite

from cgle.spectral import herdif, hermite_weights, herroots


@pytest.mark.parametrize("N", [50, 200])
@pytest.mark.parametrize("b", [1.0, 0.55])
def test_same_as_dmsuite(N, b):
    M = 4
    with np.errstate(over="ignore", invalid="ignore"):  # the published algorithm, as is
        x_ref, DM_ref = dmsuite_herdif(N, M, b)
    assert np.all(np.isfinite(DM_ref)), "DMSuite itself should still work at this N"
    x, DM = herdif(N, M, b)
    np.testing.assert_allclose(x, x_ref, rtol=1e-13, atol=1e-14)
    for ell in range(M):
        rel = np.abs(DM[ell] - DM_ref[ell]).max() / np.abs(DM_ref[ell]).max()
        assert rel < 1e-11, (ell, rel)


def test_dmsuite_transcription_breaks_beyond_260():
    """The reason for the logarithms: the published products overflow (NaN/inf)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _, DM_ref = dmsuite_herdif(300, 1, 1.0)
    assert not np.all(np.isfinite(DM_ref))
    _, DM = herdif(300, 1, 1.0)
    assert np.all(np.isfinite(DM))


# ---------------------------------------------------------------- spectral decay


def test_spectral_decay_every_order():
    """exp(-x^2) = sum_k a_k psi_2k with |a_k| ~ 3^-k: error ~ exp(-N log(3)/2), orders 1..4.

    (exp(-x^2) = exp(-x^2/2) * exp(-x^2/2) and the Hermite coefficients of
    exp(-x^2/2) against the weight exp(-x^2) fall like (1/3)^(n/2).)
    """
    rate = np.log(3) / 2
    Ns = np.arange(8, 49, 4)
    for ell in (1, 2, 3, 4):
        errs = []
        for N in Ns:
            x, DM = herdif(N, 4, 1.0)
            f = np.exp(-(x**2))
            # d^l/dx^l exp(-x^2) = (-1)^l H_l(x) exp(-x^2)
            errs.append(np.abs(DM[ell - 1] @ f - (-1) ** ell * eval_hermite(ell, x) * f).max())
        errs = np.array(errs)
        slope = np.polyfit(Ns, np.log(errs), 1)[0]
        assert -1.2 * rate < slope < -0.85 * rate, (ell, slope)
        assert np.all(errs[1:] < errs[:-1] / 3), errs
    # resolved: roundoff level, every order
    x, DM = herdif(96, 4, 1.0)
    f = np.exp(-(x**2))
    for ell in (1, 2, 3, 4):
        exact = (-1) ** ell * eval_hermite(ell, x) * f
        assert np.abs(DM[ell - 1] @ f - exact).max() < 1e-13 * (2 * 96) ** (ell / 2) * np.abs(exact).max()


# ---------------------------------------------------------------- large N


def hermite_functions(n, x):
    """psi_{n-1}, psi_n, psi_{n+1} (orthonormal Hermite functions) at x, no overflow.

    psi_{k+1} = sqrt(2/(k+1)) x psi_k - sqrt(k/(k+1)) psi_{k-1},
    psi_0 = pi^(-1/4) exp(-x^2/2); the recurrence runs on the polynomial part with
    a running log-scale, and exp(-x^2/2) is applied in logarithms at the end.
    """
    prev = np.zeros_like(x)
    cur = np.ones_like(x)
    log_scale = np.zeros_like(x)
    out = {}
    for k in range(n + 2):
        if k >= n - 1:
            out[k] = (cur.copy(), log_scale.copy())
        prev, cur = cur, np.sqrt(2.0 / (k + 1)) * x * cur - np.sqrt(k / (k + 1.0)) * prev
        big = np.abs(cur) > 1e100
        prev = np.where(big, prev / 1e100, prev)
        cur = np.where(big, cur / 1e100, cur)
        log_scale = log_scale + np.where(big, np.log(1e100), 0.0)

    def value(k):
        if k < 0:
            return np.zeros_like(x)
        v, s = out[k]
        with np.errstate(divide="ignore"):
            log_abs = np.log(np.abs(v)) + s - x**2 / 2 - 0.25 * np.log(np.pi)
        return np.sign(v) * np.exp(log_abs)

    return value(n - 1), value(n), value(n + 1)


@pytest.mark.parametrize("N", [1000, 2000])
def test_large_N_hermite_function_derivatives(N):
    """psi_n' = sqrt(n/2) psi_{n-1} - sqrt((n+1)/2) psi_{n+1},  psi_n'' = (x^2 - 2n - 1) psi_n."""
    b = 1.0
    x, DM = herdif(N, 2, b)
    assert np.all(np.isfinite(DM))
    for n in (0, 1, 7, 29, N // 2, N - 1):
        pm, p, pp = hermite_functions(n, x)
        d1 = np.sqrt(n / 2) * pm - np.sqrt((n + 1) / 2) * pp
        d2 = (x**2 - 2 * n - 1) * p
        err1 = np.abs(DM[0] @ p - d1).max() / max(1.0, np.abs(d1).max())
        err2 = np.abs(DM[1] @ p - d2).max() / max(1.0, np.abs(d2).max())
        assert err1 <= 1e-9 and err2 <= 1e-9, (n, err1, err2)


@pytest.mark.parametrize("N", [1000, 2000])
def test_large_N_harmonic_oscillator(N):
    """-u'' + x^2 u = E u: E_n = 2n + 1 to 1e-8 for the first 30 levels."""
    x, DM = herdif(N, 2, 1.0)
    A = -DM[1] + np.diag(x**2)
    # shift-invert about 0: the 30 eigenvalues nearest 0 are the lowest levels
    E = scipy.sparse.linalg.eigs(A, k=30, sigma=0.0, which="LM", return_eigenvectors=False, tol=1e-14)
    E = E[np.argsort(E.real)]
    assert np.abs(E.imag).max() < 1e-8
    np.testing.assert_allclose(E.real, 2 * np.arange(30) + 1, rtol=0, atol=1e-8)


def test_hermite_weights_finite_at_2000():
    x = herroots(2000)
    w = hermite_weights(2000)
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    # Gaussian moments: integral x^2k exp(-x^2) = Gamma(k + 1/2)
    from math import gamma

    for k in range(4):
        assert abs(w @ (x ** (2 * k) * np.exp(-(x**2))) / gamma(k + 0.5) - 1) < 1e-12
