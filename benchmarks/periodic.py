"""Periodic CGLE A_t = A + (1 + i b) Lap A - (1 + i c)|A|^2 A: cgle against a plain NumPy
ETDRK4 (written here), py-pde and Dedalus 3 (each skipped with a note when not installed).

    python benchmarks/periodic.py [--t-end 100] [--dt 0.05] [--sizes 256 128x128 256x256]
                                  [--params 0.5,-1.2 2,-2] [--schemes etdrk4 cnab2 sbdf2 strang]
                                  [--repeat 5] [--pypde]

Every run starts from the same seeded complex noise (amplitude 0.01) on a box of side
100 and takes t_end / dt fixed steps; cgle runs go through the production time loop
(:func:`cgle.integrate.integrate`, with its per-step blow-up check) without file output.
BLAS and scipy.fft use one thread. Times are medians of ``--repeat`` repetitions taken
in turn over all methods of a problem (benchmarks/timing.py), after a warm-up, with the
load average. The table gives wall time, steps, ratio to the NumPy ETDRK4 baseline of
the same problem, the cost of a step in FFT pairs (one inverse and one forward transform
of the grid, as the problem does them, timed in the same repetitions), and <|A|^2> at
t_end and averaged over the second half of the run (the flows are chaotic, so only the
averages are expected to agree between methods). Numba compile time is reported
separately: with an empty cache (first use on a machine) and with a warm cache (every
later process).
"""

import argparse
import math
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits
from timing import interleaved, load_average, median, numba_compile_times

LENGTH = 100.0
NOISE = 0.01
SEED = 1

def initial_noise(shape):
    """Seeded complex Gaussian noise with E|A|^2 = NOISE^2 (the same for every method)."""
    rng = np.random.default_rng(SEED)
    return NOISE * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2.0)


def wavenumber_grid(shape):
    ks = [2 * np.pi * np.fft.fftfreq(n, d=LENGTH / n) for n in shape]
    if len(shape) == 1:
        return ks[0] ** 2
    return ks[0][:, None] ** 2 + ks[1][None, :] ** 2


# ---------------------------------------------------------------------- NumPy ETDRK4
def numpy_etdrk4(shape, b, c, dt, t_end, q0):
    """ETDRK4 of Cox & Matthews (2002) in the form of Kassam & Trefethen (2005), NumPy FFTs.

    The coefficients are contour means over 32 points on a full circle of radius 1 about
    each h L (L complex, so neither the half circle nor the real part of their code).
    Returns (wall seconds, steps, times, <|A|^2> at every unit of time).
    """
    lin = 1.0 - (1 + 1j * b) * wavenumber_grid(shape)
    beta = 1 + 1j * c
    h = dt
    E, E2 = np.exp(h * lin), np.exp(h * lin / 2)
    r = np.exp(2j * np.pi * (np.arange(1, 33) - 0.5) / 32)
    LR = h * lin[..., None] + r
    Q = h * np.mean((np.exp(LR / 2) - 1) / LR, axis=-1)
    f1 = h * np.mean((-4 - LR + np.exp(LR) * (4 - 3 * LR + LR**2)) / LR**3, axis=-1)
    f2 = h * np.mean((2 + LR + np.exp(LR) * (-2 + LR)) / LR**3, axis=-1)
    f3 = h * np.mean((-4 - 3 * LR - LR**2 + np.exp(LR) * (4 - LR)) / LR**3, axis=-1)
    axes = tuple(range(len(shape)))

    def N(v):
        q = np.fft.ifftn(v, axes=axes)
        return np.fft.fftn(-beta * (q.real**2 + q.imag**2) * q, axes=axes)

    v = np.fft.fftn(q0)
    steps = int(round(t_end / dt))
    per_unit = int(round(1.0 / dt))
    times, means = [0.0], [float(np.mean(np.abs(q0) ** 2))]
    t0 = time.perf_counter()
    for n in range(1, steps + 1):
        Nv = N(v)
        a = E2 * v + Q * Nv
        Na = N(a)
        bb = E2 * v + Q * Na
        Nb = N(bb)
        cc = E2 * a + Q * (2 * Nb - Nv)
        Nc = N(cc)
        v = E * v + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3
        if n % per_unit == 0:
            q = np.fft.ifftn(v)
            times.append(n * dt)
            means.append(float(np.mean(q.real**2 + q.imag**2)))
    return time.perf_counter() - t0, steps, np.array(times), np.array(means)


# ---------------------------------------------------------------------- cgle
def cgle_run(shape, b, c, dt, t_end, q0, scheme):
    """The production loop without file output; (seconds, steps, times, <|A|^2>, setup seconds)."""
    from cgle.config import load_config
    from cgle.integrate import integrate
    from cgle.problem import build_problem
    from cgle.steppers import make_stepper

    setup0 = time.perf_counter()
    cfg = load_config({
        "equation": {"nu": 0, "gamma": complex(1, b), "mu": [1], "beta": complex(1, c)},
        "grid": {"basis": "fourier", "n": list(shape), "length": LENGTH},
        "initial": {"kind": "noise", "amplitude": NOISE, "seed": SEED},
        "time": {"scheme": scheme, "dt": dt, "t_end": t_end},
    })
    prob = build_problem(cfg)
    stepper = make_stepper(scheme, prob)
    v = prob.to_state(q0)
    stepper.prepare(dt)
    setup = time.perf_counter() - setup0
    times, means = [0.0], [float(np.mean(np.abs(q0) ** 2))]

    def frame(step, t, state):
        q = prob.to_physical(state)
        times.append(t)
        means.append(float(np.mean(q.real**2 + q.imag**2)))

    t0 = time.perf_counter()
    step, _ = integrate(prob, stepper, v, t_end=t_end, dt=dt, every=1.0, max_amplitude2=1e12, on_frame=frame)
    return time.perf_counter() - t0, step, np.array(times), np.array(means), setup


# ---------------------------------------------------------------------- py-pde, Dedalus
def pypde_run(shape, b, c, dt, t_end, q0):
    """py-pde, explicit Runge-Kutta (its "runge-kutta" solver) at fixed dt, 1D and 2D.

    Returns (wall seconds, steps, times, <|A|^2>, compile seconds): the first, short
    solve of the same PDE object compiles its numba right-hand side.
    """
    import pde

    grid = pde.CartesianGrid([[0, LENGTH]] * len(shape), list(shape), periodic=True)
    eq = pde.PDE({"A": f"A + (1 + {b!r} * I) * laplace(A) - (1 + {c!r} * I) * A * abs(A)**2"})
    t0 = time.perf_counter()
    eq.solve(pde.ScalarField(grid, q0.astype(complex), dtype=complex), t_range=2 * dt, dt=dt,
              solver="runge-kutta", adaptive=False, tracker=None)
    compile_s = time.perf_counter() - t0
    field = pde.ScalarField(grid, q0.astype(complex), dtype=complex)
    tracker = pde.trackers.DataTracker(lambda f, t: float(np.mean(np.abs(f.data) ** 2)), interrupts=1.0)
    t0 = time.perf_counter()
    eq.solve(field, t_range=t_end, dt=dt, solver="runge-kutta", adaptive=False, tracker=[tracker])
    wall = time.perf_counter() - t0
    return wall, int(round(t_end / dt)), np.array(tracker.times), np.array(tracker.data), compile_s


def dedalus_available():
    try:
        import dedalus.public  # noqa: F401
    except ImportError as err:
        return f"Dedalus 3 not importable ({err}); skipped"
    return None


# ---------------------------------------------------------------------- table
def fft_pairs(shape, pairs=50):
    """Seconds of ``pairs`` inverse + forward transforms of the grid, the way a
    FourierProblem does them (numpy.fft in place); returns the callable."""
    from cgle.config import load_config
    from cgle.problem import build_problem

    prob = build_problem(load_config({
        "equation": {"nu": 0, "gamma": 1, "mu": [1], "beta": 1},
        "grid": {"basis": "fourier", "n": list(shape), "length": LENGTH},
        "initial": {"kind": "noise", "amplitude": NOISE, "seed": SEED},
        "time": {"scheme": "strang", "dt": 0.1, "t_end": 1.0},
    }))
    buf = initial_noise(shape).astype(complex)

    def run():
        for _ in range(pairs):
            prob._inverse(buf)
            prob._forward(buf)
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--t-end", type=float, default=100.0)
    parser.add_argument("--dt", type=float, default=0.05)
    parser.add_argument("--sizes", nargs="+", default=["256", "128x128", "256x256"])
    parser.add_argument("--params", nargs="+", default=["0.5,-1.2", "2,-2"])
    parser.add_argument("--schemes", nargs="+", default=["etdrk4", "cnab2", "sbdf2", "strang"])
    parser.add_argument("--repeat", type=int, default=5, help="median of this many interleaved repetitions")
    parser.add_argument("--pypde", action="store_true",
                        help="also time py-pde in 1D (its numba compile takes ~15-20 s per problem)")
    args = parser.parse_args()

    from cgle.steppers import registry

    cold, warm = numba_compile_times()
    print(f"numba kernels: {cold:.2f} s to compile (empty cache), {warm:.2f} s to load (warm cache)")
    note = dedalus_available()
    if note:
        print(note)
    schemes = [s for s in args.schemes if s in registry()]
    missing = [s for s in args.schemes if s not in registry()]
    if missing:
        print("not registered, skipped: " + ", ".join(missing))
    print(f"t_end = {args.t_end:g}, dt = {args.dt:g}, box side {LENGTH:g}, threads = 1, "
          f"medians of {args.repeat} interleaved repetitions\n")
    header = f"{'grid':>9} {'b,c':>9} {'method':>16} {'steps':>6} {'wall s':>8} {'ms/step':>8} {'x base':>7} " \
             f"{'FFT pairs':>9} {'<|A|2>(T)':>10} {'avg 2nd half':>12}"
    print(header)
    print("-" * len(header))
    pairs = 50
    with threadpool_limits(1):
        for size in args.sizes:
            shape = tuple(int(s) for s in size.split("x"))
            q0 = initial_noise(shape)
            for bc in args.params:
                b, c = (float(s) for s in bc.split(","))
                results = {}

                def case(name, fn):
                    def run():
                        results.setdefault(name, []).append(fn())
                    return run

                cases = {"numpy etdrk4": case("numpy etdrk4", lambda: numpy_etdrk4(shape, b, c, args.dt, args.t_end,
                                                                                    q0))}
                for scheme in schemes:
                    # each run builds its problem and stepper: set-up is reported, not timed
                    cases[f"cgle {scheme}"] = case(f"cgle {scheme}", lambda scheme=scheme: cgle_run(
                        shape, b, c, args.dt, args.t_end, q0, scheme))
                cases["fft pair"] = fft_pairs(shape, pairs)
                times = interleaved(cases, repeats=args.repeat)
                load = load_average()
                pair = median(times.pop("fft pair")) / pairs
                base = None
                rows = []
                for name in times:
                    # the time loop's own wall time (set-up excluded, reported), median over the
                    # timed repetitions (the warm-up call is the first entry)
                    res = results[name][-1]
                    wall = median([r[0] for r in results[name][1:]])
                    base = wall if name == "numpy etdrk4" else base
                    extra = f"setup {res[4]:.2f} s" if len(res) > 4 else ""
                    rows.append((name, res[1], wall, res[2], res[3], extra))
                if args.pypde and len(shape) == 1:
                    try:
                        wall, steps, times_, means, compile_s = pypde_run(shape, b, c, args.dt, args.t_end, q0)
                        rows.append(("py-pde rk", steps, wall, times_, means, f"compile {compile_s:.1f} s (1 run)"))
                    except ImportError as err:
                        print(f"py-pde not importable ({err}); skipped")
                for name, steps, wall, times_, means, extra in rows:
                    half = times_ >= args.t_end / 2
                    per_step = wall / steps
                    print(f"{size:>9} {bc:>9} {name:>16} {steps:>6} {wall:>8.2f} {1e3 * per_step:>8.3f} "
                          f"{wall / base:>7.2f} {per_step / pair:>9.2f} {means[-1]:>10.5f} {np.mean(means[half]):>12.5f}"
                          f"  {extra}")
                print(f"{'':>9} {'':>9} {'(FFT pair)':>16} {'':>6} {'':>8} {1e3 * pair:>8.3f}   [{load}]")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
