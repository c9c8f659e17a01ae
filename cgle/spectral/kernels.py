"""Numba kernels of the differentiation matrices: the Hermite-function recurrence and
DMSuite's poldif recursions.

Top-level pure functions taking every array and scalar as an argument and writing into
``out`` arrays, compiled with ``cache=True`` and without fastmath (no reassociation, so
the kernels add in the order their NumPy twins do, and NaN/inf propagate).  Each kernel
has a NumPy twin (suffix ``_numpy``) that the tests compare it with.
"""

import numba
import numpy as np

# the Hermite-function recurrence rescales by 2^-500 (exactly) once |h| exceeds 2^500
_RESCALE_EXP = 500
_BIG = 2.0**_RESCALE_EXP
_SMALL = 2.0**-_RESCALE_EXP
_LOG_BIG = _RESCALE_EXP * np.log(2.0)


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
        log_scale[j] = -0.5 * x[j] * x[j] - 0.25 * np.log(np.pi)
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


def hermite_pair_numpy(x, n):
    """NumPy twin of :func:`hermite_pair`: returns ``(h_prev, h, log_scale)``."""
    x = np.asarray(x, dtype=float)
    log_scale = -0.5 * x * x - 0.25 * np.log(np.pi)
    h_prev = np.zeros_like(x)
    h = np.ones_like(x)
    for k in range(n):
        nxt = np.sqrt(2.0 / (k + 1)) * x * h - np.sqrt(k / (k + 1.0)) * h_prev
        big = np.abs(nxt) > _BIG
        f = np.where(big, _SMALL, 1.0)
        h_prev, h = h * f, nxt * f
        log_scale = log_scale + np.where(big, _LOG_BIG, 0.0)
    return h_prev, h, log_scale


# -------------------------------------------------------- poldif recursions


@numba.njit(cache=True)
def poldif_matrices(x, log_c, sign_c, B, known, n_known, DM):
    """DMSuite's poldif recursions into ``DM`` (M, N, N), one row at a time.

    ``c_k = sign_c[k] exp(log_c[k])`` (any common factor dropped) and
    ``C_kj = c_k / c_j``; ``B`` (M, N) holds the weight's logarithmic derivatives.
    Off the diagonal, ``D_1 = C_kj / (x_k - x_j)`` and
    ``D_l = l (C_kj D_{l-1,kk} - D_{l-1,kj}) / (x_k - x_j)``.  The diagonal of D_l is
    ``known[l-1]`` for ``l <= n_known`` (closed forms), else DMSuite's cumulative-sum
    recursion on column k, run only when some l exceeds ``n_known`` (O(M N) per row).
    O(M N^2) work and O(N) memory besides ``DM``.
    """
    N = x.size
    M = B.shape[0]
    lo = log_c.min()
    hi = log_c.max()
    # c_k / c_j as a product e_k (1 / e_j) when no e_k over- or underflows
    small_range = hi - lo < 600.0
    mid = 0.5 * (lo + hi)
    e = np.empty(N)
    inv_e = np.empty(N)
    for k in range(N):
        e[k] = sign_c[k] * np.exp(log_c[k] - mid)
        inv_e[k] = 1.0 / e[k]
    z = np.empty(N)
    crow = np.empty(N)
    diag = np.empty(M)
    y_old = np.empty(N)
    y_new = np.empty(N)
    for k in range(N):
        xk = x[k]
        for j in range(N):
            z[j] = 1.0 / (xk - x[j]) if j != k else 0.0
        if small_range:
            for j in range(N):
                crow[j] = e[k] * inv_e[j]
        else:
            for j in range(N):
                crow[j] = sign_c[k] * sign_c[j] * np.exp(log_c[k] - log_c[j])
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


def poldif_matrices_numpy(x, log_c, sign_c, B, known=()):
    """NumPy twin of :func:`poldif_matrices` (DMSuite's matrix form): returns ``DM``."""
    N = x.size
    M = B.shape[0]
    off = ~np.eye(N, dtype=bool)
    dx = x[:, None] - x[None, :]
    np.fill_diagonal(dx, 1.0)
    # C[k, j] = c_k / c_j
    C = np.outer(sign_c, sign_c) * np.exp(log_c[:, None] - log_c[None, :])
    Z = 1.0 / dx
    np.fill_diagonal(Z, 0.0)
    # X[:, j] = 1 / (x_j - x_k) for k != j (column j of Z^T without its diagonal)
    X = Z[off].reshape(N, N - 1).T
    DM = np.empty((M, N, N))
    Y = np.ones((N - 1, N))
    D = np.eye(N)
    for ell in range(1, M + 1):
        if M > len(known):
            # diagonal: DMSuite's cumulative-sum recursion on the weight's log-derivatives
            Y = np.cumsum(np.vstack([B[ell - 1], ell * Y[: N - 1] * X]), axis=0)
        # off-diagonal: D_kj <- ell (C_kj D_kk - D_kj) / (x_k - x_j)
        D = ell * Z * (C * np.diag(D)[:, None] - D)
        np.fill_diagonal(D, known[ell - 1] if ell <= len(known) else Y[N - 1])
        DM[ell - 1] = D
    return DM
