"""One sweep member on a worker: capped threads, the run, its summary figures."""

from __future__ import annotations

import contextlib
import math
import os
import socket
import time
from collections.abc import Callable, Iterator

import numpy as np

from cgle.config import Config
from cgle.io import open_trajectory
from cgle.workflow.manifest import FIGURE_COLUMNS
from cgle.workflow.runner import RunFailed
from cgle.workflow.runner import run as run_config
from cgle.workflow.sweep_file import SweepRun

# Environment of every worker process of the local cluster, set before it starts, so
# that BLAS, OpenMP and numba start with one thread each.
THREAD_CAPS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}

# --------------------------------------------------------------------------- one run


@contextlib.contextmanager
def capped_threads() -> Iterator[None]:
    """BLAS/OpenMP thread pools (threadpoolctl) and numba limited to one thread."""
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        numba.set_num_threads(previous)


def leading_eigenvalue(cfg: Config) -> complex:
    """The eigenvalue of the discretised linear operator L of ``cfg`` with the largest
    real part (:func:`cgle.analysis.spectra.leading_eigenvalue`)."""
    from cgle.analysis.spectra import leading_eigenvalue as leading
    from cgle.problem import build_problem

    return leading(build_problem(cfg))


def trajectory_figures(path: str | os.PathLike, tail: float = 0.1) -> dict[str, float]:
    """Summary figures of a run file (see the module docstring for definitions).

    Parameters
    ----------
    path : path-like
        A trajectory written by :func:`cgle.run`.
    tail : float
        Fraction of the frames, at the end, over which the saturated amplitude
        (max_x |q|) is averaged; at least one frame.

    Returns
    -------
    dict with final_energy, saturated_amplitude, t_final, frames (NaN where the file
    does not hold the field).
    """
    traj = open_trajectory(path)
    t = traj.t
    n = len(t)
    figures = {"final_energy": math.nan, "saturated_amplitude": math.nan,
               "t_final": float(t[-1]) if n else math.nan, "frames": n}
    if n == 0:
        return figures
    try:
        figures["final_energy"] = float(traj.energy[-1])
        has_energy = True
    except KeyError:
        has_energy = False
    try:
        last = n - max(1, math.ceil(tail * n))
        amplitudes = [float(np.max(np.abs(traj.frame(i)))) for i in range(last, n)]
    except KeyError:
        return figures
    figures["saturated_amplitude"] = float(np.mean(amplitudes))
    if not has_energy:
        q = traj.frame(-1)
        # E = sum_j w_j |q_j|^2
        figures["final_energy"] = float(np.sum(traj.weights * (q.real**2 + q.imag**2)))
    return figures


def execute_run(run: SweepRun, path: str, progress: Callable[[int, float], None] | None = None) -> dict[str, object]:
    """Run one sweep member (on a worker) and return its manifest figures.

    Parameters
    ----------
    run : SweepRun
    path : str
        Output file; replaced if it exists (the driver decided it must be redone).
    progress : callable(step, t), optional
        Passed to :func:`cgle.run`.

    Returns
    -------
    dict
        ``status`` ("complete"/"failed"), ``message``, ``wall_time_s``, ``worker`` and
        the figures of :data:`FIGURE_COLUMNS`. A run that raises is reported here as
        "failed" with its message; this function itself raises only for
        ``BaseException`` (a dying process does not return at all).
    """
    row = {"status": "complete", "message": "", "worker": f"{socket.gethostname()}:{os.getpid()}"}
    row.update({k: math.nan for k in FIGURE_COLUMNS})
    with capped_threads():
        started = time.perf_counter()
        try:
            run_config(run.config, path, overwrite=True, progress=progress)
        except RunFailed as err:
            row.update(status="failed", message=str(err))
        except Exception as err:  # recorded in the manifest; the sweep goes on
            row.update(status="failed", message=f"{type(err).__name__}: {err}")
        row["wall_time_s"] = time.perf_counter() - started
        notes = []
        try:
            lam = leading_eigenvalue(run.config)
            row.update(lambda0_real=lam.real, lambda0_imag=lam.imag)
        except Exception as err:  # a figure we cannot compute is reported, not hidden
            notes.append(f"leading eigenvalue unavailable: {type(err).__name__}: {err}")
        try:
            row.update(trajectory_figures(path))
        except (OSError, KeyError) as err:
            notes.append(f"figures unavailable: {err}")
    if notes:
        row["message"] = "; ".join(filter(None, [row["message"], *notes]))
    return row
