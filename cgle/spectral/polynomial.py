"""Differentiation matrices for polynomial (and weighted polynomial) interpolation.

``poldif`` follows DMSuite (Weideman & Reddy, ACM TOMS 26, 2000, section 3): given
distinct nodes x_j and a weight alpha(x), the interpolant is

    p(x) = sum_j alpha(x) / alpha(x_j) * l_j(x) * f_j,

with l_j the Lagrange polynomials, and DM[l] is the matrix of the (l+1)-th derivative.
The published algorithm forms c_j = alpha_j * prod_{k != j} (x_j - x_k), which overflows
for a few hundred nodes (and alpha_j itself underflows for Hermite weights). Here every
c_j is kept as a sign and a logarithm and only the ratios c_k / c_j, which are of
moderate size, are exponentiated; the recursions are otherwise DMSuite's, run row by
row in a kernel (:mod:`cgle.spectral.kernels`: numba, or its bitwise NumPy twin).
"""

import numpy as np

from cgle.spectral._checks import check_int, check_nodes
from cgle.spectral.kernels import poldif_matrices, ratio_matrix


def poldif(x, alpha_or_m, B=None):
    """Differentiation matrices on arbitrary distinct nodes (DMSuite ``poldif``).

    Two call forms, as in DMSuite:

    ``DM = poldif(x, M)``
        unit weight: DM[l] differentiates the polynomial interpolant l+1 times.
    ``DM = poldif(x, alpha, B)``
        weighted: ``alpha`` holds alpha(x_j) (non-zero) and ``B`` has shape (M, N)
        with ``B[l, j] = alpha^{(l+1)}(x_j) / alpha(x_j)``.

    Parameters
    ----------
    x : array_like, shape (N,)
        Distinct real nodes.
    alpha_or_m : int or array_like, shape (N,)
        The number of derivatives M (first form) or the weight values (second form).
    B : array_like, shape (M, N), optional
        Logarithmic derivatives of the weight (second form only).

    Returns
    -------
    DM : ndarray, shape (M, N, N)
        ``DM[l] @ f`` approximates the (l+1)-th derivative at the nodes.
    """
    x = check_nodes("x", x)
    N = x.size
    if B is None:
        M = check_int("M", alpha_or_m, 1, N - 1)
        return _poldif(x, *_log_c(x, np.zeros(N), np.ones(N)), np.zeros((M, N)))
    alpha = np.asarray(alpha_or_m, dtype=float)
    B = np.asarray(B, dtype=float)
    if alpha.shape != (N,):
        raise ValueError(f"alpha must have shape ({N},) like x (got {alpha.shape})")
    if not np.all(np.isfinite(alpha)) or np.any(alpha == 0.0):
        raise ValueError("alpha must be finite and non-zero at every node")
    if B.ndim != 2 or B.shape[1] != N or not 1 <= B.shape[0] <= N - 1:
        raise ValueError(f"B must have shape (M, {N}) with 1 <= M <= {N - 1} (got {B.shape})")
    if not np.all(np.isfinite(B)):
        raise ValueError("B must be finite")
    return _poldif(x, *_log_c(x, np.log(np.abs(alpha)), np.sign(alpha)), B)


def poldif_log(x, log_alpha, B):
    """Weighted ``poldif`` with the weight given by its logarithm (alpha > 0).

    Use this when alpha(x_j) under- or overflows, e.g. exp(-x^2/2) on many Hermite
    nodes. Arguments as :func:`poldif`, with ``log_alpha[j] = log(alpha(x_j))``.
    """
    x = check_nodes("x", x)
    log_alpha = np.asarray(log_alpha, dtype=float)
    B = np.asarray(B, dtype=float)
    if log_alpha.shape != x.shape or not np.all(np.isfinite(log_alpha)):
        raise ValueError(f"log_alpha must be finite with shape {x.shape}")
    if B.ndim != 2 or B.shape[1] != x.size or not 1 <= B.shape[0] <= x.size - 1:
        raise ValueError(f"B must have shape (M, {x.size}) with 1 <= M <= {x.size - 1} (got {B.shape})")
    return _poldif(x, *_log_c(x, log_alpha, np.ones(x.size)), B)


def _log_c(x, log_abs_alpha, sign_alpha):
    """log|c_k| and sign(c_k) for c_k = alpha_k prod_{j != k} (x_k - x_j)."""
    dx = x[:, None] - x[None, :]
    np.fill_diagonal(dx, 1.0)
    log_c = log_abs_alpha + np.log(np.abs(dx)).sum(axis=1)
    sign_c = sign_alpha * np.prod(np.sign(dx), axis=1)
    return log_c, sign_c


def _poldif(x, log_c, sign_c, B, known_diagonals=()):
    """DMSuite's recursions, given c_k as log|c_k| and sign(c_k) (any common factor
    may be dropped: only the ratios c_k / c_j enter). ``known_diagonals[l]``, where
    given, replaces the recursively computed diagonal of DM[l] (closed forms are
    free of the recursion's cancellation, and the recursion is then skipped when every
    order is known). :func:`cgle.spectral.kernels.poldif_matrices` does the work."""
    N = x.size
    M = B.shape[0]
    known = np.zeros((max(len(known_diagonals), 1), N))
    for ell, d in enumerate(known_diagonals):
        known[ell] = d
    DM = np.empty((M, N, N))
    poldif_matrices(np.ascontiguousarray(x, dtype=float), ratio_matrix(log_c, sign_c),
                    np.ascontiguousarray(B, dtype=float), known, len(known_diagonals), DM)
    return DM
