"""Studies of a configuration: ``cgle stability``, ``cgle sweep``, ``cgle sweep-plot``."""

import argparse
from pathlib import Path

from cgle.cli.messages import EXIT_FAILED, EXIT_USAGE, error, parse_overrides


def cmd_sweep(args: argparse.Namespace) -> int:
    """``cgle sweep SWEEP``: run a parameter sweep on Dask; returns the exit status."""
    from cgle.config import ConfigError
    from cgle.workflow.sweep import SchedulerError, SweepExists, run_sweep
    from cgle.workflow.sweep_file import load_sweep

    try:
        sweep = load_sweep(args.sweep, overrides=parse_overrides(args.overrides))
    except (ConfigError, FileNotFoundError) as err:
        return error(str(err), EXIT_USAGE)
    directory = Path(args.directory) if args.directory else sweep.directory
    where = f"scheduler {args.scheduler}" if args.scheduler else "a local cluster"
    print(f"sweep {sweep.name}: {len(sweep.runs)} runs over {', '.join(sweep.keys) or '(no keys)'} -> {directory}/ "
          f"on {where}", flush=True)

    def show(row, done, total):
        line = f"[{done}/{total}] {row['run_id']}: {row['status']}"
        if row["status"] == "complete":
            line += (f" in {row['wall_time_s']:.2f} s, Re lambda0 = {row['lambda0_real']:.6g}, "
                     f"amplitude {row['saturated_amplitude']:.4g}")
        else:
            line += f" ({row['message']})"
        print(line, flush=True)

    try:
        result = run_sweep(sweep, directory=directory, scheduler=args.scheduler, workers=args.workers,
                           resume=args.resume, overwrite=args.overwrite, on_result=show)
    except ImportError as err:
        return error(f"cgle sweep needs dask.distributed (pip install 'cgle[sweep]'): {err}", EXIT_USAGE)
    except (SchedulerError, ValueError) as err:
        return error(str(err), EXIT_USAGE)
    except SweepExists as err:
        return error(str(err), EXIT_FAILED)
    except KeyboardInterrupt:
        return error(f"sweep interrupted; {directory}/manifest.csv lists the runs not done as pending: "
                      f"continue with `cgle sweep {args.sweep} --resume`", 130)
    failed = result.failed
    print(f"manifest: {result.manifest} ({len(result.rows) - len(failed)} complete, {len(failed)} failed, "
          f"{result.skipped} already complete and skipped) in {result.elapsed:.1f} s")
    if failed:
        return error(f"{len(failed)} of {len(result.rows)} runs failed (see the message column of "
                      f"{result.manifest}); `cgle sweep {args.sweep} --resume` redoes them", EXIT_FAILED)
    return 0


def cmd_sweep_plot(args: argparse.Namespace) -> int:
    """``cgle sweep-plot MANIFEST``: the stability map of a sweep, as PNG; returns the exit status."""
    from cgle.plots.stability_map import plot_stability_map

    output = args.output or str(Path(args.manifest).with_suffix(".png"))
    try:
        plot_stability_map(args.manifest, output, x=args.x, y=args.y or None, value=args.value)
    except FileNotFoundError as err:
        return error(str(err), EXIT_USAGE)
    except ValueError as err:
        return error(str(err), EXIT_USAGE)
    except OSError as err:
        return error(f"cannot write the figure {output}: {err}", EXIT_FAILED)
    print(f"figure: {output}")
    return 0


def _complex_text(z):
    return f"{z.real:+.10f} {z.imag:+.10f}i"


def cmd_stability(args: argparse.Namespace) -> int:
    """``cgle stability CONFIG``: leading eigenvalues against the analytic ones, verdicts and
    transient growth; returns the exit status."""
    from cgle.analysis.verdicts import summary
    from cgle.config import ConfigError, load_config
    from cgle.problem import build_problem

    try:
        cfg = load_config(args.config, overrides=parse_overrides(args.overrides))
    except (ConfigError, FileNotFoundError) as err:
        return error(str(err), EXIT_USAGE)
    if args.modes < 1:
        return error(f"--modes must be >= 1 (got {args.modes})", EXIT_USAGE)
    try:
        result = summary(cfg, k=args.modes)
    except ValueError as err:
        return error(f"stability analysis of {args.config} failed: {err}", EXIT_FAILED)
    spec = result.spectrum
    grid = cfg.grid
    print(f"{cfg.name}: {grid.basis} grid, N = {'x'.join(str(n) for n in grid.n)}")
    print("leading eigenvalues (sorted by growth rate Re lambda):")
    if spec.analytic is not None:
        print(f"  {'n':>3}  {'numerical':<30}  {'analytic':<30}  |difference|")
        for n, (lam, exact) in enumerate(zip(spec.values, spec.analytic)):
            print(f"  {n:>3}  {_complex_text(lam):<30}  {_complex_text(exact):<30}  {abs(lam - exact):.2e}")
    else:
        print(f"  {'n':>3}  numerical (no analytic spectrum: mu(x) is not quadratic on the real line)")
        for n, lam in enumerate(spec.values):
            print(f"  {n:>3}  {_complex_text(lam)}")
    lead = spec.leading
    print(f"verdict: {result.verdict} (Re lambda_0 = {lead.real:.8g})")
    if result.local is not None:
        loc = result.local
        line = (f"local:   {loc.verdict} (at x = {loc.x_peak:g}: absolute growth rate {loc.absolute_growth:.6g}, "
                f"largest temporal growth rate {loc.temporal_growth:.6g})")
        for label, region in (("convectively unstable", loc.unstable_region),
                              ("absolutely unstable", loc.absolute_region)):
            if region is not None and region[0] > float("-inf"):
                line += f"; {label} for {region[0]:.4g} < x < {region[1]:.4g}"
        print(line)
    if result.thresholds is not None:
        th = result.thresholds
        mu_c = f"{th.mu_c:.6f}" if th.mu_c is not None else "none (mu2 >= 0)"
        print(f"flow:    mu0 = {cfg.flow.mu0:g}; thresholds: convective mu0 > 0, absolute mu0 > mu_t = {th.mu_t:.6f}, "
              f"global mu0 > mu_c = {mu_c}")
    if result.growth is not None:
        g = result.growth
        print(f"max transient growth: G = {g.gain:.6g} at t = {g.t:.6g} (energy-norm amplitude gain; "
              f"searched 0 <= t <= {g.horizon:.4g})")
    else:
        print("max transient growth: unbounded (globally unstable: G(t) grows like exp(Re lambda_0 t))")
    if args.plot:
        from cgle.plots.stability import stability_figure

        try:
            stability_figure(build_problem(cfg)).savefig(args.plot, dpi=110)
        except OSError as err:
            return error(f"cannot write the figure {args.plot}: {err}", EXIT_FAILED)
        print(f"figure:  {args.plot}")
    return 0
