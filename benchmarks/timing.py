"""Timing shared by the solver benchmarks (work_precision, periodic, expm, step_cost).

- :func:`interleaved`: medians of repetitions taken round-robin over the cases, so that a
  change of machine load hits every case alike (a best-of-N on one case, then on the
  next, compares different moments of a shared machine);
- :func:`load_average`: the 1, 5 and 15 minute load averages, printed with every table;
- :func:`numba_compile_times`: the first call of every cgle kernel in a fresh process,
  with an empty numba cache (compile) and with the warm cache (load), reported apart
  from the timings, which all start after a warm-up.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def first_kernel_calls():
    """Call every numba kernel of cgle.problem.kernels once (small and large paths)."""
    import numpy as np

    from cgle.problem import kernels

    q = np.ones(8, complex)
    out = np.empty_like(q)
    big = np.ones(4096, complex)
    kernels.cubic_flow(q, 1 + 0j, 0.1, out)
    kernels.cubic_term(q, 1 + 0j, out)
    kernels.max_abs2(q)
    kernels.cubic_flow_max(q, 1 - 1j, 0.1, 0.05, out)
    kernels.cubic_flow_max(big, 1 - 1j, 0.1, 0.05, big)
    kernels.weighted_energy(q, np.ones(8))
    kernels.axpy(1j, q, out)
    kernels.lincomb2(1j, q, 1.0, q, out)
    kernels.lincomb3(1j, q, 1.0, q, 2.0, q, out)
    kernels.normwise_error(q, q, q, 1e-6, 1e-9)
    kernels.stage_sum(q, 0.1, np.ones(2, complex), np.ones((2, 8), complex), out)
    kernels.same_values(q, q)
    kernels.diagonal_row(np.ones((2, 8), complex), np.ones((2, 2)), np.ones((2, 8), complex), out)
    bands = np.ones((5, 8), complex)
    kernels.penta_taylor(bands, q, 0.1, 3, 1, 1 + 0j, out, np.empty_like(q), np.empty_like(q))
    block = [np.empty((8, 8), complex) for _ in range(3)]
    kernels.penta_taylor_eye(bands, 0.1, 3, 1 + 0j, *block)
    kernels.penta_taylor_eye_sym(bands, 0.1, 3, 1 + 0j, *block)
    kernels.symmetric_nodal(block[0], np.ones(4), 0.0, block[1])
    S = np.zeros((2, 8, 8))
    S[0] = np.eye(8)
    kernels.band_maxima(S, 2, np.empty(3))
    kernels.banded_square_sym(S, 2, 4, np.empty((2, 8, 8)))
    G = np.eye(4)
    kernels.banded_modal_apply(S, 2, G, G, G, G, np.ones(4), 0.0, 0.5, q, out, np.empty((8, 8)))


KERNELS_SNIPPET = f"""
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {HERE!r})
from timing import first_kernel_calls
first_kernel_calls()
print(time.perf_counter() - t0)
"""


def load_average():
    """'load average 1.02 0.87 0.66 on 2 cores' (os.getloadavg)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def interleaved(cases, repeats=5, warmup=True):
    """{name: [seconds of each repetition]} for ``cases`` = {name: callable}, the cases
    taken in turn within each repetition (after one untimed warm-up call each)."""
    if warmup:
        for fn in cases.values():
            fn()
    times = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def median(values):
    return statistics.median(values)


def numba_compile_times(snippet=KERNELS_SNIPPET):
    """(cold, warm) seconds of ``snippet`` (which prints its own seconds) in fresh
    processes: first with an empty numba cache, then with the cache it left."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        return [float(subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True,
                                     check=True).stdout) for _ in range(2)]
