"""Benchmark: a 16-run sweep serially, on 1 dask worker and on 2 dask workers.

    python benchmarks/sweep.py [--n 120] [--t-end 300] [--dir benchmarks/out/sweep]

The 16 runs are 4 values of mu0 x 4 of c_u (flow form, standard values, Hermite N, Strang
dt = 0.1, noise seed). Every case does the same work per run, :func:`cgle.workflow.sweep.execute_run`
(the run, its file, the leading eigenvalue and the figures), with one BLAS/numba thread:

- serial:    ``execute_run`` in a loop in this process, which sets the same thread caps
  in its environment as the workers get (before numpy loads) and threadpool_limits(1);
- serial, threadpoolctl only: the same in a child process started *without* the
  environment caps, limited only by threadpoolctl/numba.set_num_threads at run time (what
  a naive in-process loop gets);
- k workers: :func:`cgle.workflow.sweep.run_sweep` on a :func:`cgle.workflow.sweep.local_cluster` of k
  single-threaded worker processes, started and warmed up (cgle imported, numba cache
  loaded, one tiny run) before the clock starts.

Printed: numba compile/cache-load time (first run in this process) and cluster start-up
time separately; wall time of each case, its ratio to serial and the speed-up over one
worker; the overhead per run against serial, (k * T_k - T_serial) / runs, which is the
core-seconds per run that the k busy workers spend beyond the serial work (dask
scheduling, pickling, the manifest rewrites, and on a shared machine, contention); and
the sum of the per-run wall times the workers measured, which shows whether runs
themselves got slower when two ran at once.
"""

import os
import sys

# the thread caps the sweep's workers get, set before numpy and numba load (see the docstring)
CAPS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "VECLIB_MAXIMUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
if "--no-env-caps" not in sys.argv:
    os.environ.update(CAPS)

import argparse  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from threadpoolctl import threadpool_limits  # noqa: E402

from cgle.workflow.manifest import read_manifest  # noqa: E402
from cgle.workflow.sweep import local_cluster, run_sweep  # noqa: E402
from cgle.workflow.sweep_file import load_sweep  # noqa: E402
from cgle.workflow.sweep_worker import THREAD_CAPS, execute_run  # noqa: E402

assert THREAD_CAPS == CAPS, "keep CAPS in step with cgle.workflow.sweep.THREAD_CAPS"


def sweep_spec(n, t_end):
    return {
        "name": "bench",
        "base": {
            "flow": {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu0": 0.41, "mu2": -0.01, "beta": 0.1},
            "grid": {"basis": "hermite", "n": n, "scale": "auto"},
            "initial": {"kind": "noise", "amplitude": 1.0e-3, "seed": 7},
            "time": {"scheme": "strang", "dt": 0.1, "t_end": t_end},
            "output": {"every": 5.0},
        },
        "vary": {"flow.mu0": [0.36, 0.39, 0.42, 0.45], "flow.cu": [0.15, 0.2, 0.25, 0.3]},
    }


def warm_up(run, path):
    """Import cgle and load its numba kernels in a worker (one tiny run)."""
    return execute_run(run, path)


def serial_pass(sweep, folder):
    """Every run in this process, one after the other: (wall, sum of run times)."""
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    rows = [execute_run(run, str(folder / f"{run.run_id}.h5")) for run in sweep.runs]
    wall = time.perf_counter() - t0
    assert all(r["status"] == "complete" for r in rows)
    return wall, sum(r["wall_time_s"] for r in rows)


def sweep_pass(sweep, folder, client):
    """The sweep on a warm cluster: (wall, sum of run times measured by the workers)."""
    t0 = time.perf_counter()
    result = run_sweep(sweep, directory=folder, scheduler=client)
    wall = time.perf_counter() - t0
    assert not result.failed, result.failed
    return wall, sum(r["wall_time_s"] for r in read_manifest(result.manifest))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="Hermite nodes per run (default 120)")
    parser.add_argument("--t-end", type=float, default=300.0, help="time span per run (default 300, dt = 0.1)")
    parser.add_argument("--repeat", type=int, default=3, help="passes of every case, interleaved (default 3)")
    parser.add_argument("--dir", help="work directory (default: a temporary one, removed at the end)")
    parser.add_argument("--serial-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-env-caps", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="cgle-bench-sweep-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)

    sweep = load_sweep(sweep_spec(args.n, args.t_end))
    tiny = load_sweep({**sweep_spec(40, 5.0), "vary": {}}).runs[0]
    runs = len(sweep.runs)
    steps = int(round(args.t_end / 0.1))

    with threadpool_limits(1):
        t0 = time.perf_counter()
        execute_run(tiny, str(work / "compile.h5"))
        compile_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        execute_run(tiny, str(work / "compile.h5"))
        compile_s -= time.perf_counter() - t0
        if args.serial_only:  # the child process without environment caps
            for i in range(args.repeat):
                print("SERIAL", *serial_pass(sweep, work / f"serial{i}"))
            if not args.dir:
                shutil.rmtree(work)
            return
        print(f"sweep of {runs} runs: Hermite N = {args.n}, {steps} Strang steps each; {args.repeat} passes "
              f"per case; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"numba compile / cache load (first tiny run minus a second one): {compile_s:.2f} s")

        from distributed import Client

        clusters, startup = {}, {}
        for k in (1, 2):
            t0 = time.perf_counter()
            cluster = local_cluster(k)
            client = Client(cluster)
            client.wait_for_workers(k)
            for w in client.scheduler_info()["workers"]:
                client.submit(warm_up, tiny, str(work / f"warm-{k}-{w.rsplit(':', 1)[-1]}.h5"), workers=[w],
                              pure=False).result()
            startup[k] = time.perf_counter() - t0
            clusters[k] = (cluster, client)
        passes = {"serial": [], 1: [], 2: []}
        try:
            for i in range(args.repeat):
                passes["serial"].append(serial_pass(sweep, work / f"serial{i}"))
                for k in (1, 2):
                    passes[k].append(sweep_pass(sweep, work / f"workers{k}-{i}", clusters[k][1]))
        finally:
            # closing a cluster logs the comms it cuts; those are not results
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            for cluster, client in clusters.values():
                client.close()
                cluster.close()

    env = {k: v for k, v in os.environ.items() if k not in CAPS}
    child = subprocess.run([sys.executable, __file__, "--serial-only", "--no-env-caps", "--n", str(args.n),
                            "--t-end", str(args.t_end), "--repeat", str(args.repeat)],
                           env=env, capture_output=True, text=True, check=True)
    passes["naive"] = [tuple(float(v) for v in line.split()[1:]) for line in child.stdout.splitlines()
                       if line.startswith("SERIAL")]

    def best(case):
        return min(passes[case])

    def median(case):
        return statistics.median(w for w, _ in passes[case])

    serial = best("serial")[0]
    print()
    print(f"{'case (best of ' + str(args.repeat) + ')':<24}{'wall [s]':>9}{'median':>9}{'/ serial':>10}"
          f"{'speed-up':>10}{'overhead/run [ms]':>19}{'sum of run times [s]':>22}{'start-up [s]':>14}")
    rows = [("serial, this process", "serial", None), ("serial, no env caps", "naive", None),
            ("sweep, 1 worker", 1, 1), ("sweep, 2 workers", 2, 2)]
    for label, case, k in rows:
        wall, run_sum = best(case)
        line = f"{label:<24}{wall:>9.2f}{median(case):>9.2f}{wall / serial:>10.2f}"
        if k is None:
            line += f"{'':>10}{'':>19}{run_sum:>22.2f}"
        else:
            # core-seconds per run beyond the serial work, with k workers busy
            overhead = (k * wall - serial) / runs * 1e3
            line += f"{best(1)[0] / wall:>10.2f}{overhead:>19.1f}{run_sum:>22.2f}{startup[k]:>14.2f}"
        print(line)
    print()
    print("overhead/run = (workers * wall - serial wall) / runs; start-up = cluster start + one warm-up run "
          "per worker, not in the wall times")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if not args.dir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
