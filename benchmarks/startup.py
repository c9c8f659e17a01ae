"""Whole-process timings of what a user types, against plain baselines, interleaved.

    python benchmarks/startup.py [--repeat 5] [--load 0] [--skip-stability]

Three comparisons, each timed as a separate process (wall clock, median of
``--repeat`` rounds; the two sides of a pair alternate within every round so that both
see the same machine):

1. ``cgle run configs/forum_hermite.yaml`` against ``benchmarks/forum_plain.py``, a
   plain NumPy/SciPy script of the same computation (goal: ratio <= 1.5); the frames of
   both are compared afterwards.
2. ``python -c "import cgle"`` against ``python -c "import numpy"``.
3. ``cgle stability configs/forum_hermite.yaml`` with the environment as it is against
   ``OPENBLAS_NUM_THREADS=1`` (goal: ratio <= 1.2, i.e. the thread policy makes the
   default as fast as the capped run).

``--load N`` keeps N busy-looping processes running during the measurements, the
"busy machine" on which a threaded BLAS collapses. The load average is printed.
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _burn(stop):
    while not stop.is_set():
        sum(i * i for i in range(10000))


def timed(cmd, env=None):
    """Wall time of one process; raises when it fails."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return elapsed


def pair(name, a, b, repeat):
    """Median wall times of the two (label, cmd, env) sides, interleaved."""
    times = {a[0]: [], b[0]: []}
    for r in range(repeat):
        for label, cmd, env in (a, b) if r % 2 == 0 else (b, a):
            times[label].append(timed(cmd, env))
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med[a[0]] / med[b[0]]
    print(f"| {name} | {a[0]} | {med[a[0]]:.3f} | {b[0]} | {med[b[0]]:.3f} | {ratio:.2f} |", flush=True)
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--load", type=int, default=0, help="busy processes running meanwhile")
    parser.add_argument("--skip-stability", action="store_true")
    args = parser.parse_args()
    stop = multiprocessing.Event()
    burners = [multiprocessing.Process(target=_burn, args=(stop,), daemon=True) for _ in range(args.load)]
    for p in burners:
        p.start()
    python = sys.executable
    cgle = [python, "-m", "cgle"]
    env = dict(os.environ)
    env.pop("CGLE_THREADS", None)
    capped = {**env, "OPENBLAS_NUM_THREADS": "1"}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run_file, plain_file = str(Path(tmp) / "forum.h5"), str(Path(tmp) / "forum.npy")
            # warm the numba cache and the file system once, outside the timings
            timed(cgle + ["run", "configs/forum_hermite.yaml", "-o", run_file, "--overwrite", "--quiet"], env)
            print(f"load average before: {os.getloadavg()[0]:.2f} ({args.load} busy processes added), "
                  f"{os.cpu_count()} cores, median of {args.repeat}\n")
            print("| comparison | cgle | s | baseline | s | ratio |")
            print("| --- | --- | --- | --- | --- | --- |")
            pair("forum run, whole process",
                 ("cgle run", cgle + ["run", "configs/forum_hermite.yaml", "-o", run_file, "--overwrite", "--quiet"],
                  env),
                 ("plain script", [python, "benchmarks/forum_plain.py", plain_file], env), args.repeat)
            pair("import", ("import cgle", [python, "-c", "import cgle"], env),
                 ("import numpy", [python, "-c", "import numpy"], env), args.repeat)
            if not args.skip_stability:
                pair("cgle stability forum",
                     ("default env", cgle + ["stability", "configs/forum_hermite.yaml", "--quiet"], env),
                     ("OPENBLAS_NUM_THREADS=1", cgle + ["stability", "configs/forum_hermite.yaml", "--quiet"], capped),
                     args.repeat)
            import h5py

            with h5py.File(run_file, "r") as f:
                q = f["q"][()]
            p = np.load(plain_file)
            rel = float(np.max(np.abs(q - p).max(axis=1) / np.abs(q).max(axis=1)))
            print(f"\nframes of cgle vs the plain script: max relative difference {rel:.2e} over {len(q)} frames")
            print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        stop.set()
        for p in burners:
            p.join(timeout=5)


if __name__ == "__main__":
    main()
