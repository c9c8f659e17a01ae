"""A direct NumPy transcription of DMSuite's poldif.m (Weideman & Reddy 2000), the
independent reference the Hermite and Laguerre tests compare with. It forms the products
of node differences as published, so it overflows for a few hundred nodes. With herroots.m
and herdif.m on top: the reference of the Hermite tests and of benchmarks/spectral.py."""

import numpy as np


def dmsuite_poldif(x, alpha, B):
    """poldif.m, weighted form: c = alpha .* prod(DX); MATLAB column-major kept."""
    N = x.size
    M = B.shape[0]
    L = np.eye(N, dtype=bool)
    XX = np.repeat(x[:, None], N, axis=1)
    DX = XX - XX.T
    DX[L] = 1.0
    c = alpha * np.prod(DX, axis=1)
    C = np.repeat(c[:, None], N, axis=1)
    C = C / C.T
    Z = 1.0 / DX
    Z[L] = 0.0
    # X = Z'; X(L) = []; X = reshape(X, N-1, N)
    X = Z.T.ravel(order="F")[~L.ravel(order="F")].reshape((N - 1, N), order="F")
    Y = np.ones((N - 1, N))
    D = np.eye(N)
    DM = np.empty((M, N, N))
    for ell in range(1, M + 1):
        Y = np.cumsum(np.vstack([B[ell - 1], ell * Y[: N - 1] * X]), axis=0)
        D = ell * Z * (C * np.repeat(np.diag(D)[:, None], N, axis=1) - D)
        D[L] = Y[N - 1]
        DM[ell - 1] = D
    return DM


def dmsuite_herroots(N):
    """herroots.m: eigenvalues of the Jacobi matrix of the Hermite polynomials."""
    off = np.sqrt(np.arange(1, N) / 2)
    J = np.diag(off, 1) + np.diag(off, -1)
    return np.sort(np.linalg.eigvalsh(J))


def dmsuite_herdif(N, M, b):
    """herdif.m: weight exp(-x^2/2), beta recursion, scale by b."""
    x = dmsuite_herroots(N)
    alpha = np.exp(-(x**2) / 2)
    beta = np.empty((M + 1, N))
    beta[0] = 1.0
    beta[1] = -x
    for ell in range(3, M + 2):
        beta[ell - 1] = -x * beta[ell - 2] - (ell - 2) * beta[ell - 3]
    DM = dmsuite_poldif(x, alpha, beta[1:])
    return x / b, DM * (b ** np.arange(1, M + 1))[:, None, None]
