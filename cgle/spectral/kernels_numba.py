"""Numba kernels of the differentiation matrices: the Hermite-function recurrence and
DMSuite's poldif recursions.

Top-level pure functions taking every array and scalar as an argument and writing into
``out`` arrays, compiled with ``cache=True`` and without fastmath: no reassociation and
no transcendental function inside (the ratios c_k / c_j come in as a matrix), so they
do exactly the floating-point operations of their NumPy twins in
:mod:`cgle.spectral.kernels_numpy`, in the same order, and give the same bits.
:mod:`cgle.spectral.kernels` chooses between them.
"""

import numba
import numpy as np

from cgle.spectral.kernels_numpy import _BIG, _LOG_BIG, _LOG_PI_4, _SMALL

# -------------------------------------------------------- Hermite functions


@numba.njit(cache=True)
def hermite_pair(x, n, h_prev, h, log_scale):
    """Normalised Hermite functions psi_{n-1}, psi_n at every x, without overflow.

    psi_k(x) = (2^k k! sqrt(pi))^(-1/2) H_k(x) exp(-x^2/2) obeys
    psi_{k+1} = sqrt(2/(k+1)) x psi_k - sqrt(k/(k+1)) psi_{k-1}.  The recurrence runs
    on h_k = psi_k exp(x^2/2) pi^(1/4), all x at once (the inner loop is over x, so
    it vectorises), scaling both h by 2^-500 wherever |h| exceeds 2^500; on return
    psi_{n-1} = h_prev exp(log_scale) and psi_n = h exp(log_scale).
    """
    m = x.size
    for j in range(m):
        h_prev[j] = 0.0
        h[j] = 1.0
        log_scale[j] = -0.5 * x[j] * x[j] - _LOG_PI_4
    for k in range(n):
        a = np.sqrt(2.0 / (k + 1))
        b = np.sqrt(k / (k + 1.0))
        for j in range(m):
            # h_{k+1} = sqrt(2/(k+1)) x h_k - sqrt(k/(k+1)) h_{k-1}
            nxt = a * x[j] * h[j] - b * h_prev[j]
            big = abs(nxt) > _BIG
            f = _SMALL if big else 1.0
            h_prev[j] = h[j] * f
            h[j] = nxt * f
            log_scale[j] += _LOG_BIG if big else 0.0


# -------------------------------------------------------- poldif recursions


@numba.njit(cache=True)
def poldif_matrices(x, C, B, known, n_known, DM):
    """DMSuite's poldif recursions into ``DM`` (M, N, N), one row at a time.

    ``C_kj = c_k / c_j`` (:func:`cgle.spectral.kernels.ratio_matrix`); ``B`` (M, N)
    holds the weight's logarithmic derivatives.
    Off the diagonal, ``D_1 = C_kj / (x_k - x_j)`` and
    ``D_l = l (C_kj D_{l-1,kk} - D_{l-1,kj}) / (x_k - x_j)``.  The diagonal of D_l is
    ``known[l-1]`` for ``l <= n_known`` (closed forms), else DMSuite's cumulative-sum
    recursion on column k, run only when some l exceeds ``n_known`` (O(M N) per row).
    O(M N^2) work and O(N) memory besides ``DM`` and ``C``.
    """
    N = x.size
    M = B.shape[0]
    z = np.empty(N)
    diag = np.empty(M)
    y_old = np.empty(N)
    y_new = np.empty(N)
    for k in range(N):
        xk = x[k]
        for j in range(N):
            z[j] = 1.0 / (xk - x[j]) if j != k else 0.0
        crow = C[k]
        if M > n_known:
            # Y_l = cumsum([B[l-1, k], l Y_{l-1} X[:, k]]), X[:, k] = 1/(x_k - x_i), i != k
            for i in range(N - 1):
                y_old[i] = 1.0
            for ell in range(1, M + 1):
                s = B[ell - 1, k]
                y_new[0] = s
                i = 0
                for t in range(N):
                    if t != k:
                        s += ell * y_old[i] * z[t]
                        i += 1
                        y_new[i] = s
                diag[ell - 1] = s
                for i in range(N):
                    y_old[i] = y_new[i]
        for ell in range(min(M, n_known)):
            diag[ell] = known[ell, k]
        row = DM[0, k]
        for j in range(N):
            row[j] = crow[j] * z[j]
        for ell in range(1, M):
            prev = DM[ell - 1, k]
            row = DM[ell, k]
            d = diag[ell - 1]
            f = ell + 1.0
            for j in range(N):
                # D_l = l Z (C D_{l-1,kk} - D_{l-1})
                row[j] = f * z[j] * (crow[j] * d - prev[j])
        for ell in range(M):
            DM[ell, k, k] = diag[ell]
