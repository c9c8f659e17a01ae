"""The kernels of the differentiation matrices, from numba when it is already loaded.

:mod:`cgle.spectral.kernels_numba` and :mod:`cgle.spectral.kernels_numpy` do the same
floating-point operations in the same order and give the same bits, so the choice only
decides speed: numba where a process has loaded it anyway (numba is 3-10x faster on
herdif at N >= 128), NumPy where loading it would cost more than it saves (0.3-0.6 s of
start-up against milliseconds of work: ``cgle run`` of the forum problem builds its N =
220 operator once). ``CGLE_KERNELS=numpy|numba`` forces one.
"""

import importlib
import os
import sys

import numpy as np


def _backend():
    forced = os.environ.get("CGLE_KERNELS", "").strip().lower()
    name = forced if forced in ("numpy", "numba") else ("numba" if "numba" in sys.modules else "numpy")
    return importlib.import_module(f"cgle.spectral.kernels_{name}")


def hermite_pair(x, n, h_prev, h, log_scale):
    """psi_{n-1}, psi_n at every x without overflow (``h_prev``, ``h``, ``log_scale``
    out): :func:`cgle.spectral.kernels_numba.hermite_pair` or its NumPy twin."""
    _backend().hermite_pair(x, n, h_prev, h, log_scale)


def poldif_matrices(x, C, B, known, n_known, DM):
    """DMSuite's poldif recursions into ``DM``:
    :func:`cgle.spectral.kernels_numba.poldif_matrices` or its NumPy twin."""
    _backend().poldif_matrices(x, C, B, known, n_known, DM)


def ratio_matrix(log_c, sign_c):
    """C_kj = c_k / c_j for c_k = sign_c[k] exp(log_c[k]) (any common factor dropped).

    As a product e_k (1 / e_j), e_k = sign_c[k] exp(log_c[k] - mid), when no e_k over- or
    underflows (N exponentials); else each ratio exponentiated (N^2)."""
    log_c = np.asarray(log_c, dtype=float)
    sign_c = np.asarray(sign_c, dtype=float)
    lo, hi = log_c.min(), log_c.max()
    if hi - lo < 600.0:
        e = sign_c * np.exp(log_c - 0.5 * (lo + hi))
        return e[:, None] * (1.0 / e)[None, :]
    return np.outer(sign_c, sign_c) * np.exp(log_c[:, None] - log_c[None, :])
