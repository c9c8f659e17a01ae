"""Per-step cost of the dense Hermite step loop against bare matrix-vector products,
and numba compile time with a cold and a warm cache.

    python benchmarks/step_cost.py [--n 220] [--steps 20000]

Prints a table; ratios are against two bare N x N complex matvecs measured in the same
process (the floor for a dense operator with two products per step), with BLAS
limited to one thread.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits

COMPILE_SNIPPET = """
import time, numpy as np
t0 = time.perf_counter()
from cgle.problem import kernels
q = np.ones(8, complex); out = np.empty_like(q)
kernels.cubic_flow(q, 1+0j, 0.1, out); kernels.cubic_term(q, 1+0j, out); kernels.max_abs2(q)
kernels.weighted_energy(q, np.ones(8)); kernels.axpy(1j, q, out); kernels.lincomb2(1j, q, 1.0, q, out)
print(time.perf_counter() - t0)
"""


def best_per_call(fn, repeats, rounds=5):
    best = np.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - t0) / repeats)
    return best


def compile_times():
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        return [float(subprocess.run([sys.executable, "-c", COMPILE_SNIPPET], env=env, capture_output=True,
                                     text=True, check=True).stdout) for _ in range(2)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=220)
    parser.add_argument("--steps", type=int, default=20000)
    args = parser.parse_args()

    import cgle
    from cgle.steppers import make_stepper

    cold, warm = compile_times()
    cfg = cgle.config.with_values(cgle.load_config("configs/forum_hermite.yaml"), {"grid.n": args.n})
    prob = cgle.build(cfg)
    rng = np.random.default_rng(0)
    v0 = (rng.standard_normal(args.n) + 1j * rng.standard_normal(args.n)) * 0.1
    A, B = prob.L.copy(), prob.L.T.copy()
    x, y, z = v0.copy(), np.empty_like(v0), np.empty_like(v0)

    rows = []
    with threadpool_limits(1):
        def two_matvecs():
            np.dot(A, x, out=y)
            np.dot(B, y, out=z)

        base = best_per_call(two_matvecs, args.steps)
        rows.append(("two bare matvecs (baseline)", base))
        for scheme in ("strang", "cnab2", "cnfe"):
            stepper = make_stepper(scheme, prob)
            stepper.prepare(0.01)
            stepper.reset()
            v = v0.copy()
            stepper.step(v)  # warm up (start-up step, compilation)
            rows.append((f"{scheme} step (N={args.n}, dt=0.01)", best_per_call(lambda: stepper.step(v), args.steps)))

    print(f"numba compile (6 kernels): cold cache {cold:.2f} s, warm cache {warm:.2f} s (import + load)")
    print(f"{'what':40s} {'us/step':>10s} {'ratio':>8s}")
    for name, t in rows:
        print(f"{name:40s} {1e6 * t:10.2f} {t / base:8.2f}")


if __name__ == "__main__":
    main()
