"""Benchmark cgle.matrix / cgle.matrix against scipy, fastcluster and scikit-learn.

Run:  python benchmarks/utilities.py [--quick]

Everything runs single-threaded (BLAS limited to one thread with threadpoolctl; the
numba kernels are serial) and every baseline is measured in the same run, so the
ratios are what matter.  Times are the best of ``repeat`` calls (n = 10000 linkage:
one call).  Numba compile time is reported separately: a fresh subprocess with an
empty numba cache (compile), one with the warm on-disk cache (first call), and later
calls.  fastcluster and scikit-learn are optional (benchmark-only) dependencies.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cgle import matrix  # noqa: E402

try:
    import fastcluster
except ImportError:  # optional baseline
    fastcluster = None
try:
    from sklearn.metrics import DistanceMetric
except ImportError:  # optional baseline
    DistanceMetric = None


def best_times(fns, repeat: int) -> list[float]:
    """Best-of-``repeat`` times of several functions, interleaved so that a change
    in machine load affects them alike."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for t, fn in zip(times, fns):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
    return [min(t) for t in times]


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, task, ours, baseline_name, baseline, note=""):
        self.rows.append((task, ours, baseline_name, baseline, note))

    def print(self):
        head = f"{'task':<34} {'ours [s]':>10} {'baseline':<24} {'base [s]':>10} {'base/ours':>9}  note"
        print(head)
        print("-" * len(head))
        for task, ours, bname, base, note in self.rows:
            ratio = base / ours if (base and ours) else float("nan")
            base_s = f"{base:10.4f}" if base is not None else f"{'-':>10}"
            print(f"{task:<34} {ours:10.4f} {bname:<24} {base_s} {ratio:9.2f}  {note}")
        print()


# ---------------------------------------------------------------- Mahalanobis


def bench_mahalanobis(table: Table, repeat: int) -> None:
    rng = np.random.default_rng(0)
    n, d = 2000, 50
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    VI = np.linalg.inv(np.cov(X, rowvar=False))
    ours = best_time(lambda: matrix.mahalanobis(X), repeat)
    ref = pdist(X, "mahalanobis", VI=VI)
    err = np.max(np.abs(matrix.mahalanobis(X)[np.triu_indices(n, 1)] - ref) / ref)
    table.add(f"mahalanobis n={n} d={d}", ours, "scipy pdist", best_time(
        lambda: pdist(X, "mahalanobis", VI=VI), 1), f"max rel diff {err:.1e}")
    if DistanceMetric is not None:
        metric = DistanceMetric.get_metric("mahalanobis", VI=VI)
        table.add("", ours, "sklearn DistanceMetric", best_time(lambda: metric.pairwise(X), 1))


# ---------------------------------------------------------------- linkage


def bench_linkage(table: Table, sizes, repeat: int) -> None:
    rng = np.random.default_rng(1)
    for n in sizes:
        X = rng.normal(size=(n, 10))
        rep = 1 if n >= 10000 else repeat
        for method in ("single", "complete", "average", "ward"):
            Z = None

            def ours_fn():
                nonlocal Z
                Z = matrix.linkage(X, method)

            task = f"linkage {method:<8} n={n}"
            if fastcluster is None:
                ours = best_time(ours_fn, rep)
            else:
                F = None
                name = "linkage_vector" if method == "single" else "linkage"

                def fc_fn():
                    nonlocal F
                    F = getattr(fastcluster, name)(X, method)

                ours, fc = best_times([ours_fn, fc_fn], rep)
                table.add(task, ours, f"fastcluster.{name}", fc,
                          f"heights equal: {np.allclose(Z[:, 2], F[:, 2], rtol=1e-12)}")
                task = ""
            if n <= 5000 or method == "single":
                table.add(task, ours, "scipy linkage", best_time(lambda: hierarchy.linkage(X, method), 1))


_MEMORY_PROBE = r"""
import resource, sys, numpy as np
sys.path.insert(0, {root!r})
from cgle import matrix
X = np.random.default_rng(2).normal(size=({n}, 10))
matrix.linkage(X[:50], {method!r})  # load kernels
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
matrix.linkage(X, {method!r})
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024.0)
"""


def linkage_memory(n: int, method: str) -> float:
    """Peak-RSS increase (MiB) of linkage from vectors, in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE.format(root=str(ROOT), n=n, method=method)],
        capture_output=True, text=True, check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- numba compile

_COMPILE_PROBE = r"""
import sys, time, numpy as np
from scipy.spatial.distance import pdist
sys.path.insert(0, {root!r})
from cgle import matrix
X = np.random.default_rng(3).normal(size=(200, 5))
D = pdist(X)
def calls():
    for method in ("single", "complete", "ward", "centroid"):
        matrix.linkage(X, method)
    matrix.linkage(D, "ward")
t1 = time.perf_counter()
calls()
t2 = time.perf_counter()
calls()
t3 = time.perf_counter()
print(t2 - t1, t3 - t2)
"""


def numba_compile_times() -> tuple[float, float, float]:
    """(cold-cache first call, warm-cache first call, later call), seconds."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", _COMPILE_PROBE.format(root=str(ROOT))],
                capture_output=True, text=True, check=True, env=env,
            )
            runs.append([float(v) for v in out.stdout.split()])
    return runs[0][0], runs[1][0], runs[1][1]


# ---------------------------------------------------------------- adjugate


def adjugate_by_minors(A: np.ndarray) -> np.ndarray:
    """The definition: n^2 cofactors, each an (n-1) x (n-1) LU determinant, O(n^5)."""
    n = A.shape[0]
    C = np.empty_like(A)
    for i, j in itertools.product(range(n), repeat=2):
        minor = np.delete(np.delete(A, i, axis=0), j, axis=1)
        C[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return C.T


def det_laplace(A: np.ndarray) -> float:
    """Cofactor (Laplace) expansion along the first row, O(n!)."""
    n = A.shape[0]
    if n == 1:
        return A[0, 0]
    return sum((-1) ** j * A[0, j] * det_laplace(np.delete(A[1:], j, axis=1)) for j in range(n))


def adjugate_laplace(A: np.ndarray) -> np.ndarray:
    n = A.shape[0]
    C = np.empty_like(A)
    for i, j in itertools.product(range(n), repeat=2):
        C[i, j] = (-1) ** (i + j) * det_laplace(np.delete(np.delete(A, i, axis=0), j, axis=1))
    return C.T


def bench_adjugate(table: Table, repeat: int) -> None:
    rng = np.random.default_rng(4)
    n = 50
    A = rng.normal(size=(n, n))
    S = A.copy()
    S[-1] = S[0] + S[1]  # singular: SVD path
    ref = adjugate_by_minors(A)
    err = np.max(np.abs(matrix.adjugate(A) - ref)) / np.max(np.abs(ref))
    table.add(f"adjugate n={n} (LU path)", best_time(lambda: matrix.adjugate(A), repeat),
              "n^2 minors (O(n^5))", best_time(lambda: adjugate_by_minors(A), 1), f"rel diff {err:.1e}")
    table.add(f"adjugate n={n} singular (SVD)", best_time(lambda: matrix.adjugate(S), repeat),
              "n^2 minors (O(n^5))", best_time(lambda: adjugate_by_minors(S), 1))
    k = 7
    B = rng.normal(size=(k, k))
    table.add(f"adjugate n={k}", best_time(lambda: matrix.adjugate(B), repeat),
              "Laplace expansion (O(n!))", best_time(lambda: adjugate_laplace(B), 1),
              f"n=50 Laplace: ~{math.factorial(49) * 2500 / 1e9 / 3.15e7:.0e} years at 1 GFlop/s")
    Bi = rng.integers(-9, 10, size=(k, k))
    table.add(f"adjugate n={k} exact (Fraction)", best_time(lambda: matrix.adjugate(Bi, exact=True), repeat),
              "-", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 2000 only for linkage")
    args = parser.parse_args()
    sizes = (2000,) if args.quick else (2000, 5000, 10000)
    repeat = 3
    print(f"numpy {np.__version__}, fastcluster {getattr(fastcluster, '__version__', 'absent')}, "
          f"sklearn {'present' if DistanceMetric else 'absent'}; BLAS threads limited to 1\n")

    cold, warm, later = numba_compile_times()
    print("numba (linkage kernels, 4 methods + condensed ward, m = 200):")
    print(f"  first call, empty cache (compile): {cold:8.3f} s")
    print(f"  first call, warm on-disk cache:    {warm:8.3f} s")
    print(f"  later calls:                       {later:8.3f} s\n")

    n_mem = sizes[-1]
    print(f"linkage from vectors, n = {n_mem}, d = 10, peak RSS increase in a fresh process "
          f"(condensed matrix: {n_mem * (n_mem - 1) / 2 * 8 / 2**20:.0f} MiB):")
    for method in ("single", "complete"):
        print(f"  {method:<9} {linkage_memory(n_mem, method):8.1f} MiB")
    print()

    table = Table()
    with threadpool_limits(1):
        matrix.linkage(np.zeros((3, 1)) + np.arange(3)[:, None], "single")  # load kernels
        bench_mahalanobis(table, repeat)
        bench_linkage(table, sizes, repeat)
        bench_adjugate(table, repeat)
    table.print()


if __name__ == "__main__":
    main()
