"""Propagator set-up and action: cgle.problem.matrix_functions / expm_action against
scipy.linalg.expm and scipy.sparse.linalg.expm_multiply (issues 4 and 17).

    python benchmarks/expm.py [--repeat 5] [--skip-1024]

1. exp(hL) formed, for the forum operator (Hermite N = 220) and the supercritical one
   (N = 120), h from 1e-8 to 200: ours (trace shift, Taylor, Paterson-Stockmeyer,
   squaring; its plan (m, s) and product count) against scipy's Pade algorithm, the
   ratio, and the relative 1-norm difference.
2. exp(hL) v by action: ours (Al-Mohy & Higham 2011 Taylor with the 1-norm plan and
   early termination) against scipy's expm_multiply, the same h; error against
   expm(hL) v; the work m s; and what forming the matrix would cost.
3. N = 1024 (the forum config at grid.n = 1024): exp(L) formed, ours against scipy;
   the set-up a strang run really pays (the cost model forms exp(dt L) at once for a
   long run, applies it by action for a short one) and the ETDRK4 set-up.
4. The ETDRK4 set-up at N = 220 and 120: phi_0..3 at h and h/2 by one modified-squaring
   pass (what the stepper uses) against scipy.linalg.expm of the augmented 4N x 4N block
   matrix (twice).
5. In Hermite functions (cgle.problem.hermite_modes, numba kernels), forum N = 220:
   exp(hL) formed (kept on its band in a complex symmetric form, cgle.problem.hermite_banded,
   with and without its matrix on the nodes; and squared on the nodes) and exp(hL) v by
   action, against the dense routes of 1. and 2. and scipy; at N = 1024 the formed exp(L)
   is in 3.

Every time is the median of ``--repeat`` repetitions interleaved over the methods
compared (benchmarks/timing.py), with the load average. One BLAS thread. No timed
asserts.
"""

import argparse

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import expm_multiply
from threadpoolctl import threadpool_limits
from timing import interleaved, load_average, median

FORUM = {
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 220, "scale": "auto"},
}
HS = (1e-8, 1e-5, 1e-3, 0.02, 0.1, 0.5, 1.0, 5.0, 20.0, 200.0)
ACTION_HS = (1e-8, 1e-4, 1e-2, 0.1, 1.0, 20.0)


def medians(cases, repeat):
    return {name: median(ts) for name, ts in interleaved(cases, repeats=repeat).items()}


def augmented_phi(A, kmax):
    n = A.shape[0]
    M = np.zeros((n * (kmax + 1),) * 2, dtype=complex)
    M[:n, :n] = A
    M[np.arange(n * kmax), np.arange(n, n * (kmax + 1))] = 1.0
    E = scipy.linalg.expm(M)
    return [E[:n, k * n:(k + 1) * n] for k in range(kmax + 1)]


def formed(label, L, repeat):
    from cgle.problem import matrix_functions as me

    n = L.shape[0]
    A = np.random.default_rng(0).standard_normal((n, n)) + 0j
    product = medians({"product": lambda: A @ A}, repeat)["product"]
    print(f"\n== {label}: one complex product {product * 1e3:.2f} ms, ||L||_1 = {np.linalg.norm(L, 1):.4g}, "
          f"shifted {me.expm_norm(L):.4g}   [{load_average()}]")
    print(f"{'h':>8s} {'plan norm':>9s} {'plan':>8s} {'products':>8s} {'ours ms':>8s} {'scipy ms':>9s} "
          f"{'scipy/ours':>10s} {'rel diff':>9s}")
    for h in HS:
        norm = me.expm_norm(h * L)
        m, s = me.plan(norm)
        t = medians({"ours": lambda: me.expm(h * L), "scipy": lambda: scipy.linalg.expm(h * L)}, repeat)
        ours, ref = me.expm(h * L), scipy.linalg.expm(h * L)
        diff = np.linalg.norm(ours - ref, 1) / np.linalg.norm(ref, 1)
        print(f"{h:8.0e} {norm:9.3g} {f'({m},{s})':>8s} {me.PRODUCTS[m] + s:8d} {t['ours'] * 1e3:8.2f} "
              f"{t['scipy'] * 1e3:9.2f} {t['scipy'] / t['ours']:10.2f} {diff:9.1e}")


def action(label, L, repeat):
    from cgle.problem.operators import DenseOperator

    op = DenseOperator(L)
    n = L.shape[0]
    rng = np.random.default_rng(1)
    # a smooth state (the solutions are) and a rough one
    vectors = {"smooth": np.exp(-np.linspace(-4, 4, n) ** 2).astype(complex),
               "random": rng.standard_normal(n) + 1j * rng.standard_normal(n)}
    print(f"\n== {label}: exp(hL) v by action, ours vs scipy expm_multiply   [{load_average()}]")
    print(f"{'h':>8s} {'v':>7s} {'m,s':>7s} {'ours ms':>8s} {'scipy ms':>9s} {'scipy/ours':>10s} {'err ours':>9s} "
          f"{'err scipy':>9s} {'form: matvecs':>13s}")
    for h in ACTION_HS:
        act = op.expm_action(h)
        _a, build = op.expm_costs(h)
        exact = scipy.linalg.expm(h * L)
        for kind, v in vectors.items():
            out = np.empty_like(v)
            t = medians({"ours": lambda: act.apply(v, out), "scipy": lambda: expm_multiply(h * L, v)}, repeat)
            ref = exact @ v
            e_ours = np.linalg.norm(act.apply(v, out) - ref) / np.linalg.norm(ref)
            e_scipy = np.linalg.norm(expm_multiply(h * L, v) - ref) / np.linalg.norm(ref)
            print(f"{h:8.0e} {kind:>7s} {f'{act.m},{act.s}':>7s} {t['ours'] * 1e3:8.3f} {t['scipy'] * 1e3:9.3f} "
                  f"{t['scipy'] / t['ours']:10.1f} {e_ours:9.1e} {e_scipy:9.1e} {build:13.0f}")


def large(repeat):
    import cgle
    from cgle.problem import matrix_functions as me
    from cgle.steppers import make_stepper

    cfg = cgle.config.with_values(cgle.load_config("configs/forum_hermite.yaml"), {"grid.n": 1024})
    prob = cgle.build(cfg)
    L = prob.L
    v = np.full(prob.shape, 1e-2 + 0j)
    print(f"\n== forum N = 1024: ||L||_1 = {np.linalg.norm(L, 1):.4g}, shifted {me.expm_norm(L):.4g}, "
          f"plan {me.plan(me.expm_norm(L))}   [{load_average()}]")

    def strang(steps):
        def run():
            s = make_stepper("strang", prob)
            s.prepare(1.0, steps=steps)
            s.reset()
            s.step(v.copy())
        return run

    from cgle.problem import kernels

    kernels.use("numba")
    t = medians({"ours expm(L)": lambda: me.expm(L), "scipy expm(L)": lambda: scipy.linalg.expm(L),
                 "Hermite functions expm(L)": lambda: prob.linear.modes.expm(1.0),
                 "strang set-up + 1st step, 200 to come": strang(200),
                 "strang set-up + 1st step, 1 to come": strang(1)}, repeat)
    for name, sec in t.items():
        print(f"  {name:40s} {sec:8.2f} s   {t['scipy expm(L)'] / sec:6.2f} x scipy expm")
    E, R, H = me.expm(L), scipy.linalg.expm(L), prob.linear.modes.expm(1.0)
    print(f"  relative 1-norm difference ours - scipy: {np.linalg.norm(E - R, 1) / np.linalg.norm(R, 1):.1e}, "
          f"Hermite functions - scipy: {np.linalg.norm(H - R, 1) / np.linalg.norm(R, 1):.1e}")
    t = medians({"etdrk4 set-up (phi_0..3 at dt, dt/2)": lambda: make_stepper("etdrk4", prob).prepare(1.0),
                 "scipy expm(L)": lambda: scipy.linalg.expm(L)}, max(1, repeat // 2))
    for name, sec in t.items():
        print(f"  {name:40s} {sec:8.2f} s   {t['scipy expm(L)'] / sec:6.2f} x scipy expm   (median of "
              f"{max(1, repeat // 2)})")


def etdrk4_setup(label, L, repeat):
    from cgle.problem import matrix_functions as me

    print(f"ETDRK4 set-up, phi_0..3 at h and h/2 ({label}):   [{load_average()}]")
    print(f"{'h':>8s} {'ours ms':>8s} {'augmented ms':>13s} {'ratio':>6s} {'rel diff':>9s}")
    for h in (0.1, 1.0):
        t = medians({"ours": lambda: me.phi_halvings(h * L, 3, 1),
                     "augmented": lambda: [augmented_phi(h * L, 3), augmented_phi(h * L / 2, 3)]}, repeat)
        ours = me.phi_halvings(h * L, 3, 1)
        ref = [augmented_phi(h * L, 3), augmented_phi(h * L / 2, 3)]
        diff = max(np.linalg.norm(o - r, 1) / np.linalg.norm(r, 1)
                   for level_o, level_r in zip(ours, ref) for o, r in zip(level_o, level_r))
        print(f"{h:8.2g} {t['ours'] * 1e3:8.1f} {t['augmented'] * 1e3:13.1f} {t['augmented'] / t['ours']:6.1f} "
              f"{diff:9.1e}")


def modal(label, prob, repeat):
    """exp(hL) formed and applied in Hermite functions against the dense routes."""
    from cgle.problem import kernels
    from cgle.problem import matrix_functions as me
    from cgle.problem.expm_action import ExponentialAction, shifted
    from cgle.problem.hermite_modes import ModalExponentialAction

    kernels.use("numba")
    modes, L = prob.linear.modes, prob.L
    modes.form()
    print(f"\n== {label}: in Hermite functions (pentadiagonal B, ||B||_1 = {modes.norm:.4g} shifted)   "
          f"[{load_average()}]")
    print("formed: 'banded' is exp(hC) kept on its band in Hermite functions (cgle.problem.hermite_banded, "
          "what a stepper keeps for an even mu), 'nodes' that and its matrix on the nodes, 'modal' squares on "
          "the nodes")
    print(f"{'h':>8s} {'squarings':>9s} {'band':>5s} {'banded ms':>9s} {'nodes ms':>9s} {'modal ms':>9s} "
          f"{'dense ms':>9s} {'scipy ms':>9s} {'modal/nod':>9s} {'dense/nod':>9s} {'diff nod':>9s} "
          f"{'diff modal':>10s} {'diff dense':>10s}")
    for h in HS[:-1]:
        t = medians({"banded": lambda: modes.expm_banded(h), "nodes": lambda: modes.expm(h),
                     "modal": lambda: modes.expm(h, symmetric=False), "dense": lambda: me.expm(h * L),
                     "scipy": lambda: scipy.linalg.expm(h * L)}, repeat)
        ref = scipy.linalg.expm(h * L)
        diffs = [np.linalg.norm(E - ref, 1) / np.linalg.norm(ref, 1)
                 for E in (modes.expm(h), modes.expm(h, symmetric=False), me.expm(h * L))]
        print(f"{h:8.0e} {modes.expm_squarings(h):9d} {modes.expm_banded(h).band:5d} {t['banded'] * 1e3:9.2f} "
              f"{t['nodes'] * 1e3:9.2f} {t['modal'] * 1e3:9.2f} {t['dense'] * 1e3:9.2f} {t['scipy'] * 1e3:9.2f} "
              f"{t['modal'] / t['nodes']:9.2f} {t['dense'] / t['nodes']:9.2f} {diffs[0]:9.1e} {diffs[1]:10.1e} "
              f"{diffs[2]:10.1e}")
    B, mu, norm = shifted(L)
    v = np.random.default_rng(1).standard_normal(L.shape[0]) + 0j
    out = np.empty_like(v)
    print(f"{'h':>8s} {'m,s':>7s} {'modal us':>9s} {'dense us':>9s} {'ratio':>6s} {'err modal':>9s}")
    for h in ACTION_HS:
        act, dense = ModalExponentialAction(modes, h), ExponentialAction(B, mu, norm, h)
        t = medians({"modal": lambda: act.apply(v, out), "dense": lambda: dense.apply(v, out)}, repeat)
        ref = scipy.linalg.expm(h * L) @ v
        err = np.linalg.norm(act.apply(v, out) - ref) / np.linalg.norm(ref)
        print(f"{h:8.0e} {f'{act.m},{act.s}':>7s} {t['modal'] * 1e6:9.1f} {t['dense'] * 1e6:9.1f} "
              f"{t['dense'] / t['modal']:6.1f} {err:9.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-1024", action="store_true", help="leave out the N = 1024 section (~2 min)")
    args = parser.parse_args()

    import cgle

    forum = cgle.build(cgle.load_config(dict(FORUM, name="expm")))
    ops = [("forum N=220", forum.L),
           ("supercritical N=120", cgle.build(cgle.load_config("configs/gl_supercritical.yaml")).L)]
    print(f"medians of {args.repeat} interleaved repetitions, one BLAS thread")
    with threadpool_limits(1):
        for label, L in ops:
            formed(label, L, args.repeat)
            etdrk4_setup(label, L, args.repeat)
        action(ops[0][0], ops[0][1], args.repeat)
        modal(ops[0][0], forum, args.repeat)
        if not args.skip_1024:
            large(args.repeat)


if __name__ == "__main__":
    main()
