"""Hermite collocation on the real line: nodes, differentiation matrices, quadrature.

Nodes are the roots of the physicists' Hermite polynomial H_N, divided by a scale b;
the interpolant is exp(-x^2/2) times a polynomial (Weideman & Reddy 2000, ``herdif``).

Everything that DMSuite computes as a product over nodes is carried here in logarithms,
so the matrices and weights stay finite for N in the thousands (DMSuite's own herdif
overflows near N = 260).  The Hermite-function recurrence and the matrix recursions run
in kernels (:mod:`cgle.spectral.kernels`: numba where it is loaded, else NumPy; the same
bits either way): no Python loop over rows.
"""

import numpy as np

from cgle.spectral._checks import check_int, check_positive
from cgle.spectral.kernels import hermite_pair
from cgle.spectral.polynomial import _poldif


def _hermite_function_pair(x, n):
    """Normalised Hermite functions psi_{n-1}(x), psi_n(x) without overflow.

    Returns (h_{n-1}, h_n, log_scale) with psi_k = h_k exp(log_scale); see
    :func:`cgle.spectral.kernels.hermite_pair` (the recurrence, one pass over the degrees).
    """
    x = np.ascontiguousarray(x, dtype=float)
    h_prev = np.empty_like(x)
    h = np.empty_like(x)
    log_scale = np.empty_like(x)
    hermite_pair(x, n, h_prev, h, log_scale)
    return h_prev, h, log_scale


# Up to this N the Jacobi matrix goes to NumPy's dense symmetric eigensolver (<= 12 ms
# at N = 512, one thread): a run at such N then never imports scipy.linalg (~0.14 s).
# Above it, scipy's tridiagonal solver (O(N^2): 13 ms against 70 ms at N = 1000).
_DENSE_ROOTS_UP_TO = 512


def herroots(N):
    """Roots of the physicists' Hermite polynomial H_N, ascending.

    Golub-Welsch eigenvalues of the symmetric Jacobi matrix (off-diagonal sqrt(k/2)),
    polished by two Newton steps on the normalised Hermite function.

    Parameters
    ----------
    N : int
        Number of roots, N >= 1.

    Returns
    -------
    x : ndarray, shape (N,)
    """
    N = check_int("N", N, 1)
    if N == 1:
        return np.zeros(1)
    off = np.sqrt(np.arange(1, N) / 2.0)
    if N <= _DENSE_ROOTS_UP_TO:
        x = np.linalg.eigvalsh(np.diag(off, 1) + np.diag(off, -1))
    else:
        from scipy.linalg import eigh_tridiagonal

        x = eigh_tridiagonal(np.zeros(N), off, eigvals_only=True)
    for _ in range(2):
        h_prev, h, _scale = _hermite_function_pair(x, N)
        # Newton on psi_N: psi_N' = sqrt(2N) psi_{N-1} - x psi_N (common factors cancel)
        x = x - h / (np.sqrt(2.0 * N) * h_prev - x * h)
    # the roots are symmetric about 0; impose it exactly
    x = 0.5 * (x - x[::-1])
    return x


def herdif(N, M, b=1.0):
    """Hermite differentiation matrices (DMSuite ``herdif``).

    Parameters
    ----------
    N : int
        Number of nodes, N >= 2.
    M : int
        Number of derivatives, 1 <= M <= N - 1.
    b : float
        Scale, b > 0: nodes are ``herroots(N) / b``.

    Returns
    -------
    x : ndarray, shape (N,)
        Nodes, ascending.
    DM : ndarray, shape (M, N, N)
        ``DM[l]`` is the (l+1)-th derivative matrix for functions exp(-(b x)^2/2) p(x).
    """
    N = check_int("N", N, 2)
    M = check_int("M", M, 1, N - 1)
    b = check_positive("b", b)
    xi = herroots(N)
    # B[l] = alpha^{(l+1)} / alpha for alpha = exp(-xi^2/2):
    # beta_0 = 1, beta_1 = -xi, beta_l = -xi beta_{l-1} - (l-1) beta_{l-2}
    beta = np.empty((M + 1, N))
    beta[0] = 1.0
    beta[1] = -xi
    for ell in range(2, M + 1):
        beta[ell] = -xi * beta[ell - 1] - (ell - 1) * beta[ell - 2]
    # c_j = exp(-xi_j^2/2) prod_{k != j} (xi_j - xi_k) = exp(-xi_j^2/2) H_N'(xi_j) / 2^N
    # is proportional to psi_{N-1}(xi_j) since H_N' = 2N H_{N-1}; the normalised
    # recurrence gives it to a few ulps where summing N logarithms would not.
    h_prev, _h, log_scale = _hermite_function_pair(xi, N)
    log_c = np.log(np.abs(h_prev)) + log_scale
    # Closed-form diagonals at the roots of H_N (Stieltjes/Calogero sums
    # sum_{k != j} 1/(xi_j - xi_k) = xi_j, sum_{k != j} 1/(xi_j - xi_k)^2 = (2N - 2 - xi_j^2)/3):
    # D1_jj = -xi_j + xi_j = 0, D2_jj = (xi_j^2 - 1) - 2 xi_j^2 + xi_j^2 - S2_j = (xi_j^2 - 2N - 1)/3
    diagonals = (np.zeros(N), (xi**2 - 2 * N - 1) / 3.0)
    DM = _poldif(xi, log_c, np.sign(h_prev), beta[1:], diagonals)
    # chain rule for x = xi / b
    DM *= (b ** np.arange(1, M + 1))[:, None, None]
    return xi / b, DM


def hermite_weights(N, b=1.0):
    """Gauss-Hermite weights for the integral of f over the real line on herdif nodes.

    ``sum(w * f(x))`` with ``x = herroots(N) / b`` approximates the integral of f over
    (-inf, inf); it is exact for f = exp(-(b x)^2) p(x) with deg p <= 2N - 1.
    The weight at xi_j is 1 / (N psi_{N-1}(xi_j)^2) / b (the classical Gauss-Hermite
    weight times exp(xi_j^2)), evaluated in logarithms so it never overflows.

    Parameters
    ----------
    N : int
        Number of nodes, N >= 1.
    b : float
        Scale, b > 0.

    Returns
    -------
    w : ndarray, shape (N,)
    """
    N = check_int("N", N, 1)
    b = check_positive("b", b)
    xi = herroots(N)
    h_prev, _h, log_scale = _hermite_function_pair(xi, N)
    log_psi = np.log(np.abs(h_prev)) + log_scale
    return np.exp(-np.log(N) - 2.0 * log_psi) / b
