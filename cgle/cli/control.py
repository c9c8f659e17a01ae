"""``cgle control CONFIG``: gains, closed-loop spectra, H2 norms and Hankel singular values."""

import argparse
from collections.abc import Callable

import numpy as np

from cgle.cli.messages import EXIT_FAILED, EXIT_USAGE, error, parse_overrides


def add_parser(sub: "argparse._SubParsersAction", overrides: Callable[[argparse.ArgumentParser], None],
               quiet: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``cgle control`` (``overrides``/``quiet`` add the shared options)."""
    p = sub.add_parser("control", help="LQR/Kalman/LQG design of a config with actuators and sensors: gains, "
                       "closed-loop spectra, H2 norms, Hankel singular values")
    p.add_argument("config", help="YAML config file with actuators and sensors (disturbances optional)")
    p.add_argument("-k", "--modes", type=int, default=5, help="leading eigenvalues of each spectrum (default 5)")
    p.add_argument("--hsv", type=int, default=10, help="Hankel singular values printed (default 10)")
    p.add_argument("-o", "--output", metavar="FILE.npz",
                   help="also save nodes, weights, gains K and L, their kernels on x and the spectra")
    overrides(p)
    quiet(p)
    p.set_defaults(func=cmd_control)


def _eig_line(values: np.ndarray) -> str:
    return ", ".join(f"{z.real:+.6f}{z.imag:+.6f}i" for z in values)


def _peak(x: np.ndarray, profile: np.ndarray) -> float:
    """x of the largest entry of a nonnegative profile on the nodes."""
    return float(x[int(np.argmax(profile))])


def cmd_control(args: argparse.Namespace) -> int:
    """Print the design of ``args.config`` (see :func:`cgle.control.report.control_report`)."""
    from cgle.config import ConfigError, load_config
    from cgle.control.report import control_report
    from cgle.control.riccati import SolverError

    try:
        cfg = load_config(args.config, overrides=parse_overrides(args.overrides))
    except (ConfigError, FileNotFoundError) as err:
        return error(str(err), EXIT_USAGE)
    for name in ("modes", "hsv"):
        if getattr(args, name) < 1:
            return error(f"--{name} must be >= 1 (got {getattr(args, name)})", EXIT_USAGE)
    try:
        rep = control_report(cfg, k=args.modes, hsv=args.hsv)
    except ValueError as err:
        return error(str(err), EXIT_USAGE)
    except SolverError as err:
        return error(f"control design of {args.config} failed: {err}", EXIT_FAILED)
    ss, c, comp = rep.ss, rep.control, rep.compensator
    pos = ss.positions
    print(f"{cfg.name}: {cfg.grid.basis} grid, N = {ss.n}; actuators at x = {list(pos['actuators'])}, sensors at "
          f"x = {list(pos['sensors'])} (noise {pos['noise']:g}), "
          f"{ss.B_d.shape[1]} disturbance source(s) at x = {list(pos['disturbances'] or [])}")
    print(f"design:  LQG, cost {c.cost}, R = {c.R:g}; Riccati residuals (relative): control "
          f"{comp.residuals[0]:.1e}, filter {comp.residuals[1]:.1e}")
    print(f"open loop:    {_eig_line(rep.open_loop)}  ({'stable' if rep.stable else 'UNSTABLE'})")
    print(f"A - B K:      {_eig_line(rep.feedback)}")
    print(f"A - L C:      {_eig_line(rep.estimator)}")
    print(f"LQG loop:     {_eig_line(rep.closed_loop)}")
    # kernels: gain (m x N) and estimator correction (N x p); their peaks over all inputs / sensors
    k_peak = _peak(ss.x, np.abs(rep.gain_kernel).max(axis=0))
    l_peak = _peak(ss.x, np.abs(rep.estimator_kernel).max(axis=1))
    print(f"gains:   |K| = {np.linalg.norm(comp.K):.6g} (kernel peak at x = {k_peak:.4g}), "
          f"|L| = {np.linalg.norm(comp.L):.6g} (peak at x = {l_peak:.4g})")
    print(f"H2 norms (noises to cost output): full-state feedback {rep.h2_lqr:.6g}, LQG {rep.h2_lqg:.6g}")
    if rep.open_energy is not None:
        ratio = rep.open_energy / rep.closed_energy if rep.closed_energy > 0 else float("inf")
        print(f"mean energy E[q^H M q]: uncontrolled {rep.open_energy:.6g}, LQG {rep.closed_energy:.6g} "
              f"(reduced {ratio:.3g}x)")
        print("Hankel singular values (actuator -> sensor): "
              + ", ".join(f"{s:.4e}" for s in rep.hsv))
    else:
        print(f"mean energy E[q^H M q]: uncontrolled unbounded (globally unstable), LQG {rep.closed_energy:.6g}")
        print(f"Hankel singular values of the stable part ({rep.unstable} unstable mode(s) kept apart): "
              + ", ".join(f"{s:.4e}" for s in rep.hsv))
    if rep.reduced:
        red = rep.reduced
        print(f"reduced LQG (order {red['order']}): loop {_eig_line(red['closed_loop'])}; H2 {red['h2']:.6g}, "
              f"mean energy {red['energy']:.6g}")
    if args.output:
        try:
            np.savez(args.output, **rep.arrays())
        except OSError as err:
            return error(f"cannot write {args.output}: {err}", EXIT_FAILED)
        print(f"saved:   {args.output}")
    return 0
