"""Benchmark cgle.matrix against scipy, fastcluster and scikit-learn.

Run:  python benchmarks/utilities.py [--quick] [--repeat 5]

Everything runs single-threaded (BLAS limited to one thread with threadpoolctl; the
numba kernels are serial) and every baseline is measured in the same run, interleaved
with ours (ours, baseline, ours, baseline, ...), so that a change of machine load
affects both alike; a table entry is the median of ``--repeat`` (>= 5) such rounds,
wall clock, with the CPU-time median beside it, and the load average is printed with
each table.  The ratio column is ours / baseline (below 1: ours is faster).  Numba
compile time is reported separately: a fresh subprocess with an empty numba cache
(compile), one with the warm on-disk cache (first call), and later calls.  Memory is
the peak resident set of a fresh process, both the increase during the one call
(what the algorithm holds) and the whole process (what importing the libraries
costs).  fastcluster and scikit-learn are optional (benchmark-only) dependencies.
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

VECTOR_METHODS = ("single", "ward", "centroid", "median")


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def interleaved(fns, repeat: int):
    """Median wall and CPU seconds of each function over ``repeat`` interleaved rounds."""
    wall = [[] for _ in fns]
    cpu = [[] for _ in fns]
    for _ in range(repeat):
        for w, c, fn in zip(wall, cpu, fns):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            w.append(time.perf_counter() - t0)
            c.append(time.process_time() - c0)
    return [(float(np.median(w)), float(np.median(c))) for w, c in zip(wall, cpu)]


class Table:
    def __init__(self, title: str):
        self.title = title
        self.rows = []

    def add(self, task, ours, baseline_name, baseline, note=""):
        self.rows.append((task, ours, baseline_name, baseline, note))

    def print(self):
        print(f"{self.title} (load average {load_average()})")
        head = (f"{'task':<30} {'ours [s]':>9} {'cpu':>7} {'baseline':<24} {'base [s]':>9} {'cpu':>7} "
                f"{'ours/base':>9}  note")
        print(head)
        print("-" * len(head))
        for task, ours, bname, base, note in self.rows:
            ratio = ours[0] / base[0] if base else float("nan")
            b = f"{base[0]:9.4f} {base[1]:7.3f}" if base else f"{'-':>9} {'-':>7}"
            print(f"{task:<30} {ours[0]:9.4f} {ours[1]:7.3f} {bname:<24} {b} {ratio:9.2f}  {note}")
        print()


# ---------------------------------------------------------------- Mahalanobis


def bench_mahalanobis(table: Table, repeat: int) -> None:
    rng = np.random.default_rng(0)
    n, d = 2000, 50
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    VI = np.linalg.inv(np.cov(X, rowvar=False))
    fns = [lambda: matrix.mahalanobis(X), lambda: pdist(X, "mahalanobis", VI=VI)]
    names = ["scipy pdist"]
    if DistanceMetric is not None:
        metric = DistanceMetric.get_metric("mahalanobis", VI=VI)
        fns.append(lambda: metric.pairwise(X))
        names.append("sklearn DistanceMetric")
    times = interleaved(fns, repeat)
    ref = pdist(X, "mahalanobis", VI=VI)
    err = np.max(np.abs(matrix.mahalanobis(X)[np.triu_indices(n, 1)] - ref) / ref)
    for i, name in enumerate(names):
        table.add(f"mahalanobis n={n} d={d}" if i == 0 else "", times[0], name, times[i + 1],
                  f"max rel diff {err:.1e}" if i == 0 else "")


# ---------------------------------------------------------------- linkage


def bench_linkage_vectors(table: Table, sizes, repeat: int) -> None:
    """Linkage from observation vectors: ours against fastcluster.linkage_vector."""
    rng = np.random.default_rng(1)
    for n in sizes:
        X = rng.normal(size=(n, 10))
        for method in VECTOR_METHODS:
            out = {}

            def ours():
                out["Z"] = matrix.linkage(X, method)

            def fc():
                out["F"] = fastcluster.linkage_vector(X, method)

            t_ours, t_fc = interleaved([ours, fc], repeat)
            Z, F = out["Z"], out["F"]
            same = np.array_equal(Z[:, [0, 1, 3]], F[:, [0, 1, 3]])
            rel = float(np.max(np.abs(Z[:, 2] - F[:, 2]) / np.maximum(F[:, 2], 1e-300)))
            table.add(f"{method:<8} n={n}", t_ours, "fastcluster.linkage_vector", t_fc,
                      f"same merges: {same}, heights rel diff {rel:.0e}")


def bench_linkage_condensed(table: Table, sizes, repeat: int) -> None:
    """Methods that need the distance matrix: ours against fastcluster.linkage and scipy."""
    rng = np.random.default_rng(2)
    for n in sizes:
        X = rng.normal(size=(n, 10))
        for method in ("complete", "average"):
            fns = [lambda: matrix.linkage(X, method), lambda: fastcluster.linkage(X, method),
                   lambda: hierarchy.linkage(X, method)]
            t = interleaved(fns, repeat)
            table.add(f"{method:<8} n={n}", t[0], "fastcluster.linkage", t[1])
            table.add("", t[0], "scipy linkage", t[2])


_MEMORY_PROBE = r"""
import sys, numpy as np
sys.path.insert(0, {root!r})
which, n, method = {which!r}, {n}, {method!r}
if which == "ours":
    from cgle import matrix
    run = lambda Y: matrix.linkage(Y, method)
else:
    import fastcluster
    run = lambda Y: fastcluster.linkage_vector(Y, method)
def status(key):
    with open("/proc/self/status") as f:
        return next(float(line.split()[1]) / 1024 for line in f if line.startswith(key))
X = np.random.default_rng(3).normal(size=(n, 10))
run(X[:50])  # libraries and kernels loaded
peak_so_far = status("VmHWM:")
before = status("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak (VmHWM) to the current resident set
run(X)
after = status("VmHWM:")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
print(after - before, max(after, peak_so_far))
"""


def peak_memory(which: str, n: int, method: str) -> tuple[float, float]:
    """(peak-RSS increase during the call over the RSS before it, process peak RSS) in MiB,
    in a fresh process (Linux /proc: VmHWM, reset through /proc/self/clear_refs)."""
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE.format(root=str(ROOT), which=which, n=n, method=method)],
        capture_output=True, text=True, check=True,
    )
    inc, peak = out.stdout.split()
    return float(inc), float(peak)


_IMPORT_PROBE = r"""
import sys
sys.path.insert(0, {root!r})
def rss():  # VmHWM: the peak of this process since exec (ru_maxrss would count the fork)
    with open("/proc/self/status") as f:
        return next(float(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
steps = [("python", rss())]
import numpy as np; steps.append(("numpy", rss()))
import scipy.linalg, scipy.spatial.distance; steps.append(("scipy.linalg, scipy.spatial", rss()))
import numba; steps.append(("numba", rss()))
from cgle import matrix; steps.append(("cgle.matrix", rss()))
matrix.linkage(np.random.default_rng(0).normal(size=(50, 3)), "single")
steps.append(("first call: cached kernels", rss()))
print(";".join(f"{{k}}={{v:.1f}}" for k, v in steps))
"""


def memory_report(sizes) -> None:
    print(f"linkage from vectors, d = 10: peak RSS in a fresh process, MiB (load average {load_average()})")
    print(f"{'method':<9} {'n':>6} {'ours: call':>11} {'fc: call':>9} {'call ratio':>10} "
          f"{'ours: process':>14} {'fc: process':>12} {'condensed matrix':>17}")
    for n in sizes:
        for method in VECTOR_METHODS:
            ours = peak_memory("ours", n, method)
            fc = peak_memory("fastcluster", n, method) if fastcluster else (float("nan"),) * 2
            ratio = ours[0] / fc[0] if fc[0] > 0 else float("nan")
            print(f"{method:<9} {n:6d} {ours[0]:11.1f} {fc[0]:9.1f} {ratio:10.2f} "
                  f"{ours[1]:14.1f} {fc[1]:12.1f} {n * (n - 1) / 2 * 8 / 2**20:17.0f}")
    out = subprocess.run([sys.executable, "-c", _IMPORT_PROBE.format(root=str(ROOT))],
                         capture_output=True, text=True, check=True).stdout.strip()
    steps = [s.split("=") for s in out.split(";")]
    print("where the process memory goes (peak RSS after each step, MiB): "
          + ", ".join(f"{k} {float(v):.0f}" for k, v in steps))
    print()


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
    matrix.linkage(D, "centroid")
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
    t = interleaved([lambda: matrix.adjugate(A), lambda: adjugate_by_minors(A)], max(2, repeat // 2))
    table.add(f"adjugate n={n} (LU path)", t[0], "n^2 minors (O(n^5))", t[1], f"rel diff {err:.1e}")
    t = interleaved([lambda: matrix.adjugate(S), lambda: adjugate_by_minors(S)], max(2, repeat // 2))
    table.add(f"adjugate n={n} singular (SVD)", t[0], "n^2 minors (O(n^5))", t[1])
    k = 7
    B = rng.normal(size=(k, k))
    t = interleaved([lambda: matrix.adjugate(B), lambda: adjugate_laplace(B)], max(2, repeat // 2))
    table.add(f"adjugate n={k}", t[0], "Laplace expansion (O(n!))", t[1],
              f"n=50 Laplace: ~{math.factorial(49) * 2500 / 1e9 / 3.15e7:.0e} years at 1 GFlop/s")
    Bi = rng.integers(-9, 10, size=(k, k))
    table.add(f"adjugate n={k} exact (Fraction)", interleaved([lambda: matrix.adjugate(Bi, exact=True)], repeat)[0],
              "-", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 2000, 5000 only for linkage")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds per entry (>= 5)")
    args = parser.parse_args()
    repeat = max(args.repeat, 5)
    vector_sizes = (2000, 5000) if args.quick else (10000, 20000)
    print(f"numpy {np.__version__}, fastcluster {getattr(fastcluster, '__version__', 'absent')}, "
          f"sklearn {'present' if DistanceMetric else 'absent'}; BLAS threads limited to 1; "
          f"median of {repeat} interleaved rounds; load average {load_average()}\n")

    cold, warm, later = numba_compile_times()
    print("numba (linkage kernels: 4 methods from vectors + condensed ward and centroid, m = 200):")
    print(f"  first call, empty cache (compile): {cold:8.3f} s")
    print(f"  first call, warm on-disk cache:    {warm:8.3f} s")
    print(f"  later calls:                       {later:8.3f} s\n")

    if fastcluster is not None:
        memory_report(vector_sizes)

    with threadpool_limits(1):
        matrix.linkage(np.arange(6.0).reshape(3, 2), "single")  # load kernels
        if fastcluster is not None:
            table = Table("linkage from vectors (O(m d) memory), d = 10")
            bench_linkage_vectors(table, vector_sizes, repeat)
            table.print()
            table = Table("linkage that needs the distance matrix, d = 10")
            bench_linkage_condensed(table, (2000, 5000), repeat)
            table.print()
        table = Table("Mahalanobis distances and adjugates")
        bench_mahalanobis(table, repeat)
        bench_adjugate(table, repeat)
        table.print()


if __name__ == "__main__":
    main()
