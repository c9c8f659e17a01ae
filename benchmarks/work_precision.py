"""Work-precision of every time stepper against scipy's solve_ivp (issue 4).

    python benchmarks/work_precision.py [--quick] [--out benchmarks/out/work_precision.png]

Problems: the forum problem (Hermite N = 220) from q0 = 1e-2 and from q0 = 1e4 (constant
at every node), and configs/gl_supercritical.yaml (N = 120, noise seed). For every
registered scheme at several dt (the adaptive ones at several rtol), and for solve_ivp with
RK45, DOP853, BDF and Radau (BDF and Radau with the analytic Jacobian), the wall time to
reach t = 20 and t = 200 and the relative error there,

    err(t) = ||q - q_ref||_M / ||q_ref||_M       (M = quadrature weights),

against a tight reference (DOP853, rtol 1e-13, on the solution rescaled by e^{sigma t},
see :func:`reference`). The forum solutions decay by ~1e-12 over t = 200, so solve_ivp
and ark436 get an absolute tolerance scaled to the smallest amplitude of the run,
atol = rtol a, a = min(max|q(0)|, max|q(200)|) (a from a quick Strang run). Fixed-step
runs that the dt pre-check flags as unstable are not run (listed as "unstable"). In the same process: the bare
loop of two N x N complex matvecs per step, the floor for a dense operator. BLAS is
limited to one thread (threadpoolctl). Every timing includes the set-up (stepper
construction, propagators, factorisations).

The screening table times each configuration once. The goal table (issue 17, goal 1)
then takes, for each forum cell (q0 1e-2 and 1e4, t = 20 and 200), the three fastest
cgle and the three fastest solve_ivp configurations with relative error <= 1e-6 there
and times each again, run to that t only, as medians of REPEATS repetitions interleaved
over all six (benchmarks/timing.py), with the load average; the ratio is best
solve_ivp / best cgle. Numba compile time (cold and warm cache, fresh processes) is
reported apart; every timing follows a warm-up. Writes a work-precision PNG. No timed
asserts anywhere.
"""

import argparse
import math
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from threadpoolctl import threadpool_limits
from timing import interleaved, load_average, median, numba_compile_times

TIMES = (20.0, 200.0)
DTS = (1.0, 0.5, 0.25, 0.2, 0.125, 0.1, 0.05, 0.02)
QUICK_DTS = (0.5, 0.1, 0.02)
RTOLS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
QUICK_RTOLS = (1e-4, 1e-6, 1e-8)
SCIPY_RTOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
QUICK_SCIPY_RTOLS = (1e-4, 1e-6)
SCIPY_METHODS = ("RK45", "DOP853", "BDF", "Radau")
SCIPY_BUDGET = 15.0  # seconds per solve_ivp run (the fastest method needs ~1.5 s)
CGLE_BUDGET = 15.0  # seconds per adaptive cgle run (ark436 at q0 = 1e4 crawls)
GOAL_ERROR = 1e-6
REPEATS = 5
CANDIDATES = 3

FORUM = {
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 220, "scale": "auto"},
    "time": {"scheme": "strang", "dt": 0.1, "t_end": 200.0},
    "output": {"every": 20.0},
}


def problems():
    import cgle
    from cgle.problem.initial import initial_condition

    out = []
    for label, amp in (("forum q0=1e-2", 1e-2), ("forum q0=1e4", 1e4)):
        cfg = cgle.load_config(dict(FORUM, name="wp", initial={"kind": "constant", "amplitude": amp}))
        out.append((label, cfg))
    sup = cgle.load_config("configs/gl_supercritical.yaml")
    out.append(("supercritical N=120", sup))
    result = []
    for label, cfg in out:
        prob = cgle.build(cfg)
        q0 = np.asarray(initial_condition(cfg, prob), dtype=complex)
        result.append((label, prob, q0))
    return result


def real_form(prob):
    """f and its analytic Jacobian for y = [Re q, Im q]."""
    n = prob.x.size
    L, beta = prob.L, prob.beta

    def f(_t, y):
        r = prob.rhs(y[:n] + 1j * y[n:])
        return np.concatenate([r.real, r.imag])

    def jac(_t, y):
        q = y[:n] + 1j * y[n:]
        # d(-beta |q|^2 q) = A dq + B conj(dq), A = -2 beta |q|^2, B = -beta q^2
        A = L - np.diag(2 * beta * np.abs(q) ** 2)
        B = -np.diag(beta * q**2)
        return np.block([[(A + B).real, -(A - B).imag], [(A + B).imag, (A - B).real]])

    return f, jac


def rel_error(prob, q, ref):
    return math.sqrt(prob.energy(q - ref) / prob.energy(ref))


def amplitude_floor(prob, q0):
    """min(max|q(0)|, max|q(200)|), the latter from Strang at dt = 0.1 (a scale, not a result)."""
    from cgle.steppers import make_stepper

    stepper = make_stepper("strang", prob)
    stepper.prepare(0.1)
    v = prob.to_state(q0)
    for _ in range(int(round(TIMES[-1] / 0.1))):
        stepper.step(v)
    return min(float(np.max(np.abs(q0))), float(np.max(np.abs(prob.to_physical(v)))))


def reference(prob, q0):
    """q(t) at TIMES: DOP853, rtol 1e-13, on the rescaled p = e^{sigma t} q, sigma = -max Re
    lambda(L), p' = (L + sigma) p - beta e^{-2 sigma t} |p|^2 p, so that one atol
    (1e-16 max|q0|) is relative to the solution at all times although q decays by ~1e-12."""
    n = q0.size
    sigma = -float(np.max(prob.linear.eigenvalues().real))
    Ls = prob.L + sigma * np.eye(n)
    beta = prob.beta

    def f(t, y):
        p = y[:n] + 1j * y[n:]
        r = Ls @ p - beta * np.exp(-2 * sigma * t) * np.abs(p) ** 2 * p
        return np.concatenate([r.real, r.imag])

    t0 = time.perf_counter()
    sol = solve_ivp(f, (0.0, TIMES[-1]), np.concatenate([q0.real, q0.imag]), method="DOP853", rtol=1e-13,
                    atol=1e-16 * float(np.max(np.abs(q0))), t_eval=TIMES)
    elapsed = time.perf_counter() - t0
    if sol.status != 0:
        raise RuntimeError(f"reference failed: {sol.message}")
    refs = [(sol.y[:n, i] + 1j * sol.y[n:, i]) * math.exp(-sigma * t) for i, t in enumerate(TIMES)]
    return refs, elapsed, sol.nfev


class _OverBudget(Exception):
    """A solve_ivp run passed SCIPY_BUDGET seconds (raised from inside its f)."""


def run_scipy(prob, q0, refs, method, rtol, floor):
    """One solve_ivp run per output time (0 -> 20 and 0 -> 200), each timed on its own."""
    f_plain, jac = real_form(prob)
    n = q0.size
    kwargs = {"jac": jac} if method in ("BDF", "Radau") else {}
    times, errs, work = [], [], []
    for i, T in enumerate(TIMES):
        t0 = time.perf_counter()

        def f(t, y):
            if time.perf_counter() - t0 > SCIPY_BUDGET:
                raise _OverBudget
            return f_plain(t, y)

        try:
            sol = solve_ivp(f, (0.0, T), np.concatenate([q0.real, q0.imag]), method=method, rtol=rtol,
                            atol=rtol * floor, **kwargs)
        except _OverBudget:
            return f"stopped after {SCIPY_BUDGET:g} s to t = {T:g} (over budget)"
        times.append(time.perf_counter() - t0)
        if sol.status != 0:
            return None
        errs.append(rel_error(prob, sol.y[:n, -1] + 1j * sol.y[n:, -1], refs[i]))
        work.append(str(sol.nfev))
    return {"times": times, "errors": errs, "work": "nfev " + ", ".join(work), "per_step": None}


def run_fixed(prob, q0, refs, scheme, dt):
    from cgle.steppers import make_stepper
    from cgle.steppers.precheck import check_time_step

    if not check_time_step(prob, scheme, dt, prob.to_state(q0)).stable:
        return "unstable"
    stepper = make_stepper(scheme, prob)
    v = prob.to_state(q0)
    t0 = time.perf_counter()
    stepper.prepare(dt)
    stepper.reset()
    setup = time.perf_counter() - t0
    times, errs, step_times = [], [], []
    done = 0
    with np.errstate(all="ignore"):
        for T in TIMES:
            n = int(round(T / dt))
            ts = time.perf_counter()
            for _ in range(n - done):
                stepper.step(v)
            step_times.append((time.perf_counter() - ts) / max(1, n - done))
            done = n
            times.append(time.perf_counter() - t0)
            q = prob.to_physical(v)
            errs.append(rel_error(prob, q, refs[len(errs)]) if np.all(np.isfinite(q)) else np.inf)
    return {"times": times, "errors": errs, "work": f"setup {setup * 1e3:.0f} ms", "per_step": step_times}


class _CgleOverBudget(Exception):
    """An adaptive cgle run passed CGLE_BUDGET seconds."""


def run_adaptive(prob, q0, refs, scheme, rtol, floor, t_end=TIMES[-1]):
    """An adaptive run through the one time loop, frames every 20; the stepper is made
    inside the timing."""
    from cgle.integrate import integrate
    from cgle.steppers import make_stepper

    v = prob.to_state(q0)
    count = {"steps": 0}
    times, errs = [], []
    t0 = time.perf_counter()
    stepper = make_stepper(scheme, prob, rtol=rtol, atol=rtol * floor)
    stepper.reset()

    def on_frame(step, t, state):
        if any(abs(t - T) < 1e-9 for T in TIMES):
            times.append(time.perf_counter() - t0)
            errs.append(rel_error(prob, prob.to_physical(state), refs[len(errs)]))
        count["steps"] = step

    def on_step(step, t):
        if time.perf_counter() - t0 > CGLE_BUDGET:
            raise _CgleOverBudget

    try:
        integrate(prob, stepper, v, t_end=t_end, dt=0.1, every=TIMES[0], t=0.0, max_amplitude2=1e30,
                  on_frame=on_frame, on_step=on_step)
    except _CgleOverBudget:
        return f"stopped after {CGLE_BUDGET:g} s (over budget)"
    return {"times": times, "errors": errs, "work": f"steps {count['steps']}", "per_step": None}


def goal_case(prob, q0, refs, floor, kind, name, param, T):
    """A callable running one configuration to t = T only (for the interleaved timing)."""
    i = TIMES.index(T)
    if kind == "scipy":
        f_plain, jac = real_form(prob)
        kwargs = {"jac": jac} if name in ("BDF", "Radau") else {}

        def run():
            solve_ivp(f_plain, (0.0, T), np.concatenate([q0.real, q0.imag]), method=name, rtol=param,
                      atol=param * floor, **kwargs)
    elif name.endswith(" rtol"):
        def run():
            res = run_adaptive(prob, q0, refs, name[:-5], param, floor, t_end=T)
            assert res["errors"][i] <= GOAL_ERROR
    else:
        def run():
            from cgle.steppers import make_stepper

            stepper = make_stepper(name, prob)
            v = prob.to_state(q0)
            stepper.prepare(param)
            stepper.reset()
            with np.errstate(all="ignore"):
                for _ in range(int(round(T / param))):
                    stepper.step(v)
    return run


def bare_loop(prob, steps=4000):
    """Seconds per step of the bare loop of two N x N complex matvecs."""
    A = prob.L.copy()
    B = prob.L.T.copy()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(A.shape[0]) + 1j * rng.standard_normal(A.shape[0])
    y, z = np.empty_like(x), np.empty_like(x)
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(steps):
            np.dot(A, x, out=y)
            np.dot(B, y, out=z)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def best_per_step(prob, scheme, dt=0.05, steps=2000):
    """Seconds per step of ``scheme`` (best of 5 rounds), from a small-amplitude state."""
    from cgle.steppers import make_stepper

    stepper = make_stepper(scheme, prob)
    stepper.prepare(dt)
    stepper.reset()
    v = np.full(prob.shape, 1e-2, dtype=complex)
    for _ in range(5):
        stepper.step(v)
    best = np.inf
    for _ in range(5):
        v[...] = 1e-2
        t0 = time.perf_counter()
        for _ in range(steps):
            stepper.step(v)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def numba_warmup():
    """Seconds for the first call of every kernel in this process (a cache load, or a
    compile if cold)."""
    from timing import first_kernel_calls

    t0 = time.perf_counter()
    first_kernel_calls()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer dt / rtol values")
    parser.add_argument("--forum-only", action="store_true", help="only the two forum problems")
    parser.add_argument("--out", default="benchmarks/out/work_precision.png")
    args = parser.parse_args()

    cold, warm_cache = numba_compile_times()
    warm = numba_warmup()
    from cgle.steppers import registry

    schemes = sorted(registry())
    dts = QUICK_DTS if args.quick else DTS
    rtols = QUICK_RTOLS if args.quick else RTOLS
    scipy_rtols = QUICK_SCIPY_RTOLS if args.quick else SCIPY_RTOLS
    rows = []
    print(f"numba kernels, fresh process: {cold:.2f} s to compile (empty cache), {warm_cache:.2f} s to load "
          f"(warm cache); here {warm:.2f} s; all timings below after a warm-up")
    print(load_average())
    with threadpool_limits(1):
        probs = problems()[:2] if args.forum_only else problems()
        forum_prob = probs[0][1]
        base = bare_loop(forum_prob)
        costs = {s: best_per_step(forum_prob, s) for s in schemes}
        context = {}
        for label, prob, q0 in probs:
            floor = amplitude_floor(prob, q0)
            refs, ref_time, ref_nfev = reference(prob, q0)
            context[label] = (prob, q0, refs, floor)
            print(f"\n== {label}: reference DOP853 rtol 1e-13 took {ref_time:.2f} s ({ref_nfev} rhs evaluations); "
                  f"amplitude floor {floor:.3g}", flush=True)
            print(f"{'method':23s} {'dt/rtol':>8s} {'t=20: s':>9s} {'err':>9s} {'t=200: s':>9s} {'err':>9s}  "
                  f"{'us/step 0-20, 20-200':>21s}  work")
            for scheme in schemes:
                for dt in dts:
                    res = run_fixed(prob, q0, refs, scheme, dt)
                    rows.append((label, "cgle", scheme, dt, res))
                    show(scheme, f"{dt:g}", res)
            for scheme in (s for s in schemes if registry()[s].adaptive):
                for rtol in rtols:
                    res = run_adaptive(prob, q0, refs, scheme, rtol, floor)
                    rows.append((label, "cgle", f"{scheme} rtol", rtol, res))
                    show(f"{scheme} rtol", f"{rtol:.0e}", res)
            for method in SCIPY_METHODS:
                for rtol in scipy_rtols:
                    res = run_scipy(prob, q0, refs, method, rtol, floor)
                    rows.append((label, "scipy", method, rtol, res))
                    show(f"scipy {method}", f"{rtol:.0e}", "failed" if res is None else res)
            print(load_average())
        goals = goal_table(rows, context)

    print(f"\nper-step cost at N = 220 (best of 5 x 2000 steps, one BLAS thread); baseline: two bare complex "
          f"matvecs = {base * 1e6:.1f} us")
    for s in sorted(costs, key=costs.get):
        print(f"  {s:18s} {costs[s] * 1e6:8.1f} us   {costs[s] / base:5.2f} x baseline")
    summarize(rows)
    print(goals)
    plot(rows, args.out)


def goal_table(rows, context):
    """The issue-17 goal: per forum cell, medians of REPEATS interleaved runs of the
    CANDIDATES fastest configurations of each side with error <= GOAL_ERROR."""
    lines = [f"\ngoal (issue 17): best solve_ivp / best cgle at relative error <= {GOAL_ERROR:g}, medians of "
             f"{REPEATS} interleaved repetitions (each run to that t only, set-up included)"]
    for label in (lab for lab in context if lab.startswith("forum")):
        prob, q0, refs, floor = context[label]
        for i, T in enumerate(TIMES):
            cases = {}
            for kind in ("cgle", "scipy"):
                ok = [(res["times"][i], name, param) for lab, k, name, param, res in rows
                      if lab == label and k == kind and isinstance(res, dict) and res["errors"][i] <= GOAL_ERROR]
                for _t, name, param in sorted(ok)[:CANDIDATES]:
                    cases[(kind, name, param)] = goal_case(prob, q0, refs, floor, kind, name, param, T)
            if not any(k == "cgle" for k, _n, _p in cases) or not any(k == "scipy" for k, _n, _p in cases):
                lines.append(f"  {label:16s} t = {T:5g}: one side reached no error <= {GOAL_ERROR:g}")
                continue
            times = interleaved(cases, repeats=REPEATS)
            med = {key: median(ts) for key, ts in times.items()}
            best = {kind: min((m, key) for key, m in med.items() if key[0] == kind) for kind in ("cgle", "scipy")}
            (tc, kc), (ts, ks) = best["cgle"], best["scipy"]
            lines.append(f"  {label:16s} t = {T:5g}: cgle {kc[1]} ({kc[2]:g}) {tc * 1e3:8.1f} ms, "
                         f"scipy {ks[1]} ({ks[2]:g}) {ts * 1e3:8.1f} ms -> {ts / tc:5.1f} x   "
                         f"[{load_average()}]")
            for key in sorted(med, key=med.get):
                spread = f"{min(times[key]) * 1e3:.1f}..{max(times[key]) * 1e3:.1f}"
                lines.append(f"      {key[0]:5s} {key[1]:22s} {key[2]:8g} median {med[key] * 1e3:8.1f} ms  "
                             f"(range {spread} ms)")
    return "\n".join(lines)


def show(name, param, res):
    if isinstance(res, str):
        print(f"{name:23s} {param:>8s} {res}", flush=True)
        return
    per = res["per_step"]
    per_text = f"{per[0] * 1e6:9.1f} {per[1] * 1e6:9.1f}" if per else f"{'-':>9s} {'-':>9s}"
    print(f"{name:23s} {param:>8s} {res['times'][0]:9.3f} {res['errors'][0]:9.2e} {res['times'][1]:9.3f} "
          f"{res['errors'][1]:9.2e}  {per_text:>21s}  {res['work']}", flush=True)


def summarize(rows):
    print("\nscreening (one run each): at relative error <= 1e-6, fastest cgle vs fastest solve_ivp")
    for label in dict.fromkeys(r[0] for r in rows):
        for i, T in enumerate(TIMES):
            best = {}
            for lab, kind, name, param, res in rows:
                if lab != label or not isinstance(res, dict) or not res["errors"][i] <= 1e-6:
                    continue
                if kind not in best or res["times"][i] < best[kind][0]:
                    best[kind] = (res["times"][i], f"{name} ({param:g})")
            if "cgle" in best and "scipy" in best:
                ratio = best["scipy"][0] / best["cgle"][0]
                print(f"  {label:22s} t = {T:5g}: cgle {best['cgle'][1]} {best['cgle'][0]:.3f} s, "
                      f"scipy {best['scipy'][1]} {best['scipy'][0]:.3f} s -> {ratio:.0f} x")
            else:
                print(f"  {label:22s} t = {T:5g}: " + ", ".join(f"{k}: {v[1]} {v[0]:.3f} s" for k, v in best.items())
                      + " (one side reached no error <= 1e-6)")


def plot(rows, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(r[0] for r in rows))
    # one colour per method across all panels (the legend is drawn once)
    methods = sorted({(kind, name) for _lab, kind, name, _param, res in rows if isinstance(res, dict)})
    palette = plt.cm.tab20(np.linspace(0.0, 1.0, 20))
    colour = {method: palette[i % 20] for i, method in enumerate(methods)}
    fig, axes = plt.subplots(len(labels), len(TIMES), figsize=(12, 4.2 * len(labels)), squeeze=False)
    for r, label in enumerate(labels):
        for c, T in enumerate(TIMES):
            ax = axes[r, c]
            series = {}
            for lab, kind, name, param, res in rows:
                if lab == label and isinstance(res, dict) and np.isfinite(res["errors"][c]):
                    series.setdefault((kind, name), []).append((max(res["errors"][c], 1e-16), res["times"][c]))
            for (kind, name), pts in sorted(series.items()):
                pts.sort()
                e, t = zip(*pts)
                ax.loglog(e, t, "o-" if kind == "cgle" else "s--", ms=3, lw=1, label=name, color=colour[(kind, name)])
            ax.set_title(f"{label}, t = {T:g}")
            ax.set_xlabel("relative error")
            ax.set_ylabel("wall time [s]")
            ax.axvline(1e-6, color="0.7", lw=0.8)
            ax.grid(True, which="both", alpha=0.3)
    # one legend with every method of every panel
    handles = {}
    for ax in axes.flat:
        for line in ax.get_lines():
            if not line.get_label().startswith("_"):
                handles.setdefault(line.get_label(), line)
    axes[0, -1].legend(handles.values(), handles.keys(), fontsize=6, ncol=2)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
