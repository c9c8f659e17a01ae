"""The numba kernels of cgle.spectral and their NumPy twins give the same bits."""

import numpy as np
import pytest

from cgle.spectral import herroots
from cgle.spectral import kernels_numba, kernels_numpy
from cgle.spectral.kernels import ratio_matrix
from cgle.spectral.polynomial import _log_c


@pytest.mark.parametrize("N", [1, 2, 7, 64, 700])
def test_hermite_pair_twin(N):
    x = np.concatenate([herroots(N), [0.0, 3.5, -40.0, 60.0]])  # roots and points past them
    for n in (0, 1, N, 2 * N):
        h_prev, h, log_scale = (np.empty_like(x) for _ in range(3))
        kernels_numba.hermite_pair(x, n, h_prev, h, log_scale)
        ref = tuple(np.empty_like(x) for _ in range(3))
        kernels_numpy.hermite_pair(x, n, *ref)
        # the same operations in the same order: the same numbers
        for got, want in zip((h_prev, h, log_scale), ref):
            np.testing.assert_array_equal(got, want)


def _pair(x, n):
    out = tuple(np.empty_like(x) for _ in range(3))
    kernels_numpy.hermite_pair(x, n, *out)
    return out


def poldif_both(x, log_c, sign_c, B, known=()):
    N, M = x.size, B.shape[0]
    K = np.zeros((max(len(known), 1), N))
    for ell, d in enumerate(known):
        K[ell] = d
    C = ratio_matrix(log_c, sign_c)
    DM, ref = np.empty((M, N, N)), np.empty((M, N, N))
    kernels_numba.poldif_matrices(x, C, B, K, len(known), DM)
    kernels_numpy.poldif_matrices(x, C, B, K, len(known), ref)
    return DM, ref


def close(DM, ref):
    # the same operations in the same order: the same bits (a run's operator must not
    # depend on whether numba happened to be loaded)
    np.testing.assert_array_equal(DM, ref)


@pytest.mark.parametrize("N, M", [(3, 1), (16, 2), (40, 4), (150, 3)])
def test_poldif_twin_hermite_weights(N, M):
    xi = herroots(N)
    h_prev, _, log_scale = _pair(xi, N)
    beta = np.empty((M + 1, N))
    beta[0], beta[1] = 1.0, -xi
    for ell in range(2, M + 1):
        beta[ell] = -xi * beta[ell - 1] - (ell - 1) * beta[ell - 2]
    args = (xi, np.log(np.abs(h_prev)) + log_scale, np.sign(h_prev), beta[1:])
    close(*poldif_both(*args))  # every diagonal from the recursion
    known = (np.zeros(N), (xi**2 - 2 * N - 1) / 3.0)
    close(*poldif_both(*args, known[: min(M, 2)]))  # closed-form diagonals (recursion skipped for M <= 2)


def test_poldif_twin_unit_weight():
    x = np.cos(np.pi * np.arange(30) / 29)  # Chebyshev points, unit weight
    log_c, sign_c = _log_c(x, np.zeros(30), np.ones(30))
    close(*poldif_both(x, log_c, sign_c, np.zeros((3, 30))))


def test_poldif_twin_wide_range_of_c():
    # c_k spanning e^660: past the e_k (1 / e_j) shortcut, each ratio is exponentiated
    rng = np.random.default_rng(3)
    N = 60
    x = np.sort(rng.uniform(-1, 1, N))
    log_c = np.linspace(-330, 330, N)[rng.permutation(N)]
    close(*poldif_both(x, log_c, rng.choice([-1.0, 1.0], N), 0.1 * rng.normal(size=(2, N))))
