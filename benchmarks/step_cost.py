"""Per-step cost of the dense Hermite step loop against bare matrix-vector products,
and numba compile time with a cold and a warm cache.

    python benchmarks/step_cost.py [--n 220] [--steps 20000]

Prints a table; ratios are against two bare N x N complex matvecs measured in the same
process (the floor for a dense operator with two products per step), with BLAS
limited to one thread. Times per step are medians of 5 repetitions of ``--steps``
steps, interleaved over the cases (benchmarks/timing.py), with the load average.
"""

import argparse

import numpy as np
from threadpoolctl import threadpool_limits
from timing import interleaved, load_average, median, numba_compile_times


def loop(fn, repeats):
    def run():
        for _ in range(repeats):
            fn()
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=220)
    parser.add_argument("--steps", type=int, default=20000)
    args = parser.parse_args()

    import cgle
    from cgle.steppers import make_stepper

    cold, warm = numba_compile_times()
    cfg = cgle.config.with_values(cgle.load_config("configs/forum_hermite.yaml"), {"grid.n": args.n})
    prob = cgle.build(cfg)
    rng = np.random.default_rng(0)
    v0 = (rng.standard_normal(args.n) + 1j * rng.standard_normal(args.n)) * 0.1
    A, B = prob.L.copy(), prob.L.T.copy()
    x, y, z = v0.copy(), np.empty_like(v0), np.empty_like(v0)

    cases = {}
    with threadpool_limits(1):
        def two_matvecs():
            np.dot(A, x, out=y)
            np.dot(B, y, out=z)

        cases["two bare matvecs (baseline)"] = loop(two_matvecs, args.steps)
        for scheme in ("strang", "strang_richardson", "cnab2", "cnfe"):
            stepper = make_stepper(scheme, prob)
            stepper.prepare(0.01, steps=10**9)  # a long run: propagators formed at once
            stepper.reset()
            v = v0.copy()
            stepper.step(v)  # warm up (start-up step, compilation)
            cases[f"{scheme} step (N={args.n}, dt=0.01)"] = loop(lambda stepper=stepper, v=v: stepper.step(v),
                                                                 args.steps)
            amps = np.empty(64)
            cases[f"{scheme} advance(64) per step"] = loop(
                lambda stepper=stepper, v=v, amps=amps: stepper.advance(v, 64, amps), max(1, args.steps // 64))
        times = interleaved(cases, repeats=5)
    per_step = {name: median(ts) / (args.steps if "advance" not in name else max(1, args.steps // 64) * 64)
                for name, ts in times.items()}
    base = per_step["two bare matvecs (baseline)"]

    print(f"numba kernels: cold cache {cold:.2f} s, warm cache {warm:.2f} s (fresh process: import + compile/load)")
    print(load_average())
    print(f"{'what':40s} {'us/step':>10s} {'ratio':>8s}")
    for name, t in per_step.items():
        print(f"{name:40s} {1e6 * t:10.2f} {t / base:8.2f}")


if __name__ == "__main__":
    main()
