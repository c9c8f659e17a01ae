"""NumPy twins of the numba kernels of :mod:`cgle.spectral.kernels_numba`.

The same signatures (``out`` arrays) and the same floating-point operations in the same
order, so the same bits: a matrix does not depend on which of the two built it.
"""

import math

import numpy as np

# the Hermite-function recurrence rescales by 2^-500 (exactly) once |h| exceeds 2^500
_RESCALE_EXP = 500
_BIG = 2.0**_RESCALE_EXP
_SMALL = 2.0**-_RESCALE_EXP
_LOG_BIG = _RESCALE_EXP * np.log(2.0)
_LOG_PI_4 = 0.25 * np.log(np.pi)  # computed once, so both twins use the same bits


def hermite_pair(x, n, h_prev, h, log_scale):
    """Normalised Hermite functions psi_{n-1}, psi_n at every x, into ``h_prev``, ``h``
    and ``log_scale`` (see :func:`cgle.spectral.kernels_numba.hermite_pair`)."""
    x = np.asarray(x, dtype=float)
    log_scale[...] = -0.5 * x * x - _LOG_PI_4
    hp = np.zeros_like(x)
    hk = np.ones_like(x)
    nxt = np.empty_like(x)
    tmp = np.empty_like(x)
    for k in range(n):
        # h_{k+1} = sqrt(2/(k+1)) x h_k - sqrt(k/(k+1)) h_{k-1}, rescaled past 2^500
        # (math.sqrt and np.sqrt are both correctly rounded: the same bits)
        np.multiply(math.sqrt(2.0 / (k + 1)), x, out=nxt)
        nxt *= hk
        np.multiply(math.sqrt(k / (k + 1.0)), hp, out=tmp)
        nxt -= tmp
        # the old h_{k-1} buffer takes h_{k+1}
        hp, hk, nxt = hk, nxt, hp
        # (any, not max: max is NaN when one value is, and fails on no values)
        big = np.abs(hk) > _BIG
        if big.any():
            # where |h| passed 2^500 both h scale by 2^-500 (exact); elsewhere by 1
            f = np.where(big, _SMALL, 1.0)
            hp *= f
            hk *= f
            log_scale += np.where(big, _LOG_BIG, 0.0)
    h_prev[...] = hp
    h[...] = hk


def poldif_matrices(x, C, B, known, n_known, DM):
    """DMSuite's poldif recursions into ``DM`` (M, N, N), all rows at once (see
    :func:`cgle.spectral.kernels_numba.poldif_matrices`)."""
    N = x.size
    M = B.shape[0]
    off = ~np.eye(N, dtype=bool)
    dx = x[:, None] - x[None, :]
    np.fill_diagonal(dx, 1.0)
    Z = 1.0 / dx
    np.fill_diagonal(Z, 0.0)
    diag = np.empty((M, N))
    if M > n_known:
        # X[:, k] = 1 / (x_k - x_i), i != k; Y_l = cumsum([B[l-1], l Y_{l-1} X]) down each column
        X = Z[off].reshape(N, N - 1).T
        Y = np.ones((N - 1, N))
        for ell in range(1, M + 1):
            Y = np.cumsum(np.vstack([B[ell - 1], ell * Y[: N - 1] * X]), axis=0)
            diag[ell - 1] = Y[N - 1]
    for ell in range(min(M, n_known)):
        diag[ell] = known[ell]
    DM[0] = C * Z
    for ell in range(1, M):
        # D_l = l Z (C D_{l-1,kk} - D_{l-1})
        DM[ell] = (ell + 1.0) * Z * (C * diag[ell - 1][:, None] - DM[ell - 1])
    idx = np.arange(N)
    for ell in range(M):
        DM[ell, idx, idx] = diag[ell]
