"""The pointwise kernels of every time step, from NumPy or numba: whichever pays.

Callers use ``kernels.cubic_flow(q, beta, t, out)`` and so on; the names are bound to
:mod:`cgle.problem.kernels_numpy` or :mod:`cgle.problem.kernels_numba` (identical
signatures and results to roundoff). Loading numba with its cached kernels costs
0.5-1 s of start-up (measured: 0.24 s import, 0.35 s to load four cached kernels), so
it is loaded only for runs whose elementwise work it shortens by more than that:
numba saves ~50 ns per grid point and step (measured on 2 cores: cubic flow at 65536
points 2.2 ms against 4.8 ms with NumPy), hence :func:`choose` takes numba when

    points * steps > NUMBA_BREAK_EVEN  (= 1.2e7: about 0.6 s saved)

The forum problem (220 points, 200 steps) runs on NumPy; a 256^2 periodic run of
2000 steps on numba. ``CGLE_KERNELS=numpy|numba`` forces one. Until :func:`use` or
:func:`choose` is called (the runner calls :func:`choose`), the first kernel called
binds numba, as before this module chose.

The choice is made from the config alone, so a resumed run uses the same kernels as
the run it continues (bitwise restarts).
"""

import importlib
import os

import numpy as np

NUMBA_BREAK_EVEN = 1.2e7
NAMES = ("cubic_term", "cubic_flow", "cubic_flow_max", "max_abs2", "weighted_energy", "lincomb2", "lincomb3", "axpy",
         "diagonal_row", "stage_sum", "normwise_error", "same_values", "penta_taylor",
         "penta_taylor_eye", "penta_taylor_eye_sym", "symmetric_nodal", "band_maxima", "banded_square_sym",
         "banded_modal_apply")
BACKENDS = ("numpy", "numba")

_backend = None


def use(backend):
    """Bind every kernel name of this module to ``backend`` ("numpy" or "numba")."""
    global _backend
    if backend not in BACKENDS:
        raise ValueError(f"kernel backend must be one of {', '.join(BACKENDS)} (got {backend!r})")
    module = importlib.import_module(f"cgle.problem.kernels_{backend}")
    for name in NAMES:
        globals()[name] = getattr(module, name)
    _backend = backend
    return backend


def choose(points, steps):
    """Bind the backend that pays for ``steps`` steps on ``points`` grid points (or the
    one ``CGLE_KERNELS`` names); returns its name."""
    forced = os.environ.get("CGLE_KERNELS", "").strip().lower()
    if forced:
        if forced not in BACKENDS:
            raise ValueError(f"CGLE_KERNELS must be one of {', '.join(BACKENDS)} (got {forced!r})")
        return use(forced)
    return use("numba" if float(points) * float(steps) > NUMBA_BREAK_EVEN else "numpy")


def backend():
    """The backend bound now (None before the first kernel call or choice)."""
    return _backend


def flow_work(size):
    """Work arrays (y, log1p(y), factor) of the numba ``cubic_flow_max`` on large grids."""
    return np.empty(size), np.empty(size), np.empty(size, dtype=complex)


def _first_call(name):
    def stub(*args):
        use("numba")
        return globals()[name](*args)

    stub.__name__ = name
    stub.__doc__ = (f"{name} of the backend chosen for the run (:func:`choose`); numba when called before "
                    f"any choice. See :func:`cgle.problem.kernels_numpy.{name}`.")
    return stub


for _name in NAMES:
    globals()[_name] = _first_call(_name)
