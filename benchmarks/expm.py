"""Propagator set-up: cgle.problem.matrix_functions against scipy.linalg.expm (issue 4).

    python benchmarks/expm.py [--repeat 5]

For the forum operator (Hermite N = 220) and the supercritical one (N = 120), exp(hL)
for h from 1e-8 to 200: wall time of ours (Taylor, Paterson-Stockmeyer, squaring; its
plan (m, s) and product count) and of scipy's Pade algorithm, the ratio, and the
relative 1-norm difference. Then the ETDRK4 set-up, phi_0..3 at h and h/2: one
modified-squaring pass (what the stepper uses) against scipy.linalg.expm of the
augmented 4N x 4N block matrix (twice), and their difference. One BLAS thread; best of
``--repeat`` runs; no timed asserts.
"""

import argparse
import time

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

FORUM = {
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 220, "scale": "auto"},
}
HS = (1e-8, 1e-5, 1e-3, 0.02, 0.1, 0.5, 1.0, 5.0, 20.0, 200.0)


def best(f, repeat):
    out, t = None, np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        t = min(t, time.perf_counter() - t0)
    return out, t


def augmented_phi(A, kmax):
    n = A.shape[0]
    M = np.zeros((n * (kmax + 1),) * 2, dtype=complex)
    M[:n, :n] = A
    M[np.arange(n * kmax), np.arange(n, n * (kmax + 1))] = 1.0
    E = scipy.linalg.expm(M)
    return [E[:n, k * n:(k + 1) * n] for k in range(kmax + 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import cgle
    from cgle.problem import matrix_functions as me

    ops = [("forum N=220", cgle.build(cgle.load_config(dict(FORUM, name="expm"))).L),
           ("supercritical N=120", cgle.build(cgle.load_config("configs/gl_supercritical.yaml")).L)]
    with threadpool_limits(1):
        for label, L in ops:
            n = L.shape[0]
            A = np.random.default_rng(0).standard_normal((n, n)) + 0j
            _p, product = best(lambda: A @ A, args.repeat)
            print(f"\n== {label}: one complex product {product * 1e3:.2f} ms, ||L||_1 = {np.linalg.norm(L, 1):.4g}")
            print(f"{'h':>8s} {'||hL||_1':>9s} {'plan':>8s} {'products':>8s} {'ours ms':>8s} {'scipy ms':>9s} "
                  f"{'scipy/ours':>10s} {'rel diff':>9s}")
            for h in HS:
                norm = float(np.linalg.norm(h * L, 1))
                m, s = me.plan(norm)
                ours, t_ours = best(lambda: me.expm(h * L), args.repeat)
                ref, t_ref = best(lambda: scipy.linalg.expm(h * L), args.repeat)
                diff = np.linalg.norm(ours - ref, 1) / np.linalg.norm(ref, 1)
                print(f"{h:8.0e} {norm:9.3g} {f'({m},{s})':>8s} {me.PRODUCTS[m] + s:8d} {t_ours * 1e3:8.2f} "
                      f"{t_ref * 1e3:9.2f} {t_ref / t_ours:10.2f} {diff:9.1e}")
            print(f"ETDRK4 set-up, phi_0..3 at h and h/2 ({label}):")
            print(f"{'h':>8s} {'ours ms':>8s} {'augmented ms':>13s} {'ratio':>6s} {'rel diff':>9s}")
            for h in (0.1, 1.0):
                ours, t_ours = best(lambda: me.phi_halvings(h * L, 3, 1), args.repeat)
                ref, t_ref = best(lambda: [augmented_phi(h * L, 3), augmented_phi(h * L / 2, 3)], max(1, args.repeat // 2))
                diff = max(np.linalg.norm(o - r, 1) / np.linalg.norm(r, 1)
                           for level_o, level_r in zip(ours, ref) for o, r in zip(level_o, level_r))
                print(f"{h:8.2g} {t_ours * 1e3:8.1f} {t_ref * 1e3:13.1f} {t_ref / t_ours:6.1f} {diff:9.1e}")


if __name__ == "__main__":
    main()
