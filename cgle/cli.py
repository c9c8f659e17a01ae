"""The ``cgle`` command line: argument parsing and printing only.

Exit status: 0 success; 1 a run that failed (blow-up) or a file that cannot be used;
2 a bad config, a bad argument or a missing file; 130/143 interrupted by SIGINT/SIGTERM.
Errors are printed as one paragraph, never as a traceback.
"""

import argparse
import os
import sys
import time
from pathlib import Path

EXIT_FAILED = 1
EXIT_USAGE = 2


def _error(message, code):
    print(f"cgle: {message}", file=sys.stderr)
    return code


class _Progress:
    """A progress bar on a terminal (t, steps/s, ETA); silent otherwise."""

    def __init__(self, t_end, dt, enabled):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=t_end, unit="t", bar_format="{l_bar}{bar}| t={n:.4g}/{total:.4g} "
                            "[{elapsed}<{remaining}, {postfix}]", file=sys.stderr, dynamic_ncols=True)
        self.dt = dt
        self.started = time.perf_counter()
        self.last = self.started
        self.last_step = 0

    def __call__(self, step, t):
        if self.bar is None or step & 63:
            return
        now = time.perf_counter()
        if now - self.last < 0.1:
            return
        rate = (step - self.last_step) / (now - self.last)
        self.last, self.last_step = now, step
        self.bar.set_postfix_str(f"{rate:.3g} steps/s", refresh=False)
        self.bar.update(t - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def cmd_run(args):
    from cgle.config import ConfigError, load_config
    from cgle.initial import InitialConditionError
    from cgle.output import OutputError, open_trajectory
    from cgle.precheck import UnstableTimeStep
    from cgle.runner import RunExists, RunFailed, run

    try:
        cfg = load_config(args.config)
    except (ConfigError, FileNotFoundError) as err:
        return _error(str(err), EXIT_USAGE)
    path = Path(args.output) if args.output else cfg.output_path
    show = not args.quiet and sys.stderr.isatty()
    progress = _Progress(cfg.time.t_end, cfg.time.dt, show)
    started = time.perf_counter()
    try:
        run(cfg, path, resume=args.resume, overwrite=args.overwrite, progress=progress if show else None,
            handle_signals=True)
    except (InitialConditionError, ConfigError, UnstableTimeStep) as err:
        return _error(str(err), EXIT_USAGE)
    except RunExists as err:
        return _error(str(err), EXIT_FAILED)
    except OutputError as err:
        _error(str(err), EXIT_FAILED)
        # a failed HDF5 write can leave objects that fail again when the interpreter
        # tears them down; what was flushed before is safe on disk, so leave at once
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_FAILED)
    except RunFailed as err:
        progress.close()
        resume = f" Continue with: cgle run {args.config} --resume" if err.status == "interrupted" else ""
        print(f"cgle: {err}\nThe file {err.path} keeps every frame written before (status {err.status}).{resume}",
              file=sys.stderr)
        if err.signum is not None:
            return 128 + int(err.signum)
        return EXIT_FAILED
    finally:
        progress.close()
    elapsed = time.perf_counter() - started
    traj = open_trajectory(path)
    attrs = traj.live_attrs()
    if not args.quiet:
        steps, loop = int(attrs.get("loop_steps", 0)), float(attrs.get("loop_seconds", 0.0))
        pace = f", {1e3 * loop / steps:.3g} ms/step" if steps else ""
        print(f"complete: {traj.nframes} frames (t = 0 .. {cfg.time.t_end:g}) written to {path} in {elapsed:.2f} s "
              f"({steps} steps of {cfg.time.scheme} in {loop:.2f} s{pace}; the rest is set-up)")
    return 0


def cmd_validate(args):
    from cgle.config import ConfigError, load_config
    from cgle.initial import InitialConditionError, initial_condition
    from cgle.model import build

    try:
        cfg = load_config(args.config)
        prob = build(cfg)
        q0 = initial_condition(cfg, prob)
    except (ConfigError, InitialConditionError, FileNotFoundError) as err:
        return _error(str(err), EXIT_USAGE)
    grid = "x".join(str(n) for n in cfg.grid.n)
    print(f"valid: {args.config} ({cfg.grid.basis} {grid}, scheme {cfg.time.scheme}, dt = {cfg.time.dt:g}, "
          f"t_end = {cfg.time.t_end:g}, max|q0| = {abs(q0).max():.3g}) -> {cfg.output_path}")
    return 0


def cmd_plot(args):
    from cgle.plotting import plot_trajectory

    try:
        out = plot_trajectory(args.run, args.output)
    except FileNotFoundError as err:
        return _error(str(err), EXIT_USAGE)
    except (OSError, ValueError, KeyError) as err:
        return _error(str(err), EXIT_FAILED)
    print(f"wrote {out}")
    return 0


def cmd_analyze(args):
    from cgle.analysis import analysis_figure, analyze

    if args.clusters < 1:
        return _error(f"--clusters must be >= 1 (got {args.clusters})", EXIT_USAGE)
    figure = args.output or str(Path(args.run).with_name(Path(args.run).stem + "_analysis.png"))
    try:
        result = analyze(args.run, n_regimes=args.clusters)
    except FileNotFoundError as err:
        return _error(str(err), EXIT_USAGE)
    except KeyError as err:
        return _error(f"cannot analyse {args.run}: {err.args[0]}", EXIT_FAILED)
    except (OSError, ValueError, RuntimeError) as err:
        return _error(f"cannot analyse {args.run}: {err}", EXIT_FAILED)
    reg = result.regimes
    sampled = f", every {result.stride}th frame" if result.stride > 1 else ""
    dropped = f", {result.dropped} non-finite left out" if result.dropped else ""
    print(f"file:     {result.path} ({result.status}, {result.frames} frames{sampled}{dropped})")
    print(f"regimes:  {reg.count} ({reg.method} linkage of |q| frames, at most {reg.requested})")
    for r, runs in enumerate(reg.intervals, start=1):
        spans = ", ".join(f"t = {a:g} .. {b:g}" for a, b in runs)
        n = int((reg.labels == r).sum())
        print(f"  {r}: {n} frame{'' if n == 1 else 's'}: {spans}")
    if result.correlation is not None:
        import numpy as np

        R = result.correlation
        undefined = int(np.count_nonzero(np.isnan(np.diag(R))))
        defined = R[np.isfinite(R)]
        low = f"min R = {defined.min():.4g}" if defined.size else "undefined everywhere"
        print(f"correlation of |q| across x: {R.shape[0]} x {R.shape[1]}, {low}"
              + (f", {undefined} points with constant |q| (undefined)" if undefined else ""))
    try:
        analysis_figure(result).savefig(figure, dpi=110)
    except OSError as err:
        return _error(f"cannot write the figure {figure}: {err}", EXIT_FAILED)
    print(f"figure:   {figure}")
    return 0


def cmd_info(args):
    import numpy as np

    from cgle.output import open_trajectory

    try:
        traj = open_trajectory(args.run)
        attrs = traj.live_attrs()
        t = traj.t
    except FileNotFoundError as err:
        return _error(str(err), EXIT_USAGE)
    except OSError as err:
        return _error(str(err), EXIT_FAILED)
    from cgle.runner import _writer_alive

    status = attrs.get("status")
    if status == "running" and not _writer_alive(attrs):
        status = (f"running, but its writer (process {attrs.get('pid')}) is gone: the run was killed; "
                  f"continue it with `cgle run CONFIG --resume`")
    print(f"file:     {traj.path}")
    print(f"status:   {status}" + (f" - {attrs['message']}" if attrs.get("message") else ""))
    print(f"created:  {attrs.get('created')}   finished: {attrs.get('finished') or '-'}")
    print(f"scheme:   {attrs.get('scheme')}   dt = {attrs.get('dt')}   basis: {attrs.get('basis')}")
    if len(t):
        print(f"frames:   {len(t)}   t = {t[0]:g} .. {t[-1]:g} (of t_end = {attrs.get('t_end')})")
        # a running file grows between reads: use the first len(t) frames throughout
        try:
            e = traj.energy[: len(t)]
            print(f"energy:   {e[0]:.6g} at t = {t[0]:g} -> {e[-1]:.6g} at t = {t[-1]:g}")
        except KeyError:
            pass
        try:
            q_last = traj.frame(len(t) - 1)
            print(f"max|q|:   {np.max(np.abs(q_last)):.6g} at t = {t[-1]:g}")
        except KeyError:
            pass
    else:
        print("frames:   0")
    if args.config:
        print("config:")
        print(traj.config)
    return 0


def cmd_sweep(args):
    from cgle.config import ConfigError
    from cgle.sweep import SchedulerError, SweepExists, load_sweep, run_sweep

    try:
        sweep = load_sweep(args.sweep)
    except (ConfigError, FileNotFoundError) as err:
        return _error(str(err), EXIT_USAGE)
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
        return _error(f"cgle sweep needs dask.distributed (pip install 'cgle[sweep]'): {err}", EXIT_USAGE)
    except (SchedulerError, ValueError) as err:
        return _error(str(err), EXIT_USAGE)
    except SweepExists as err:
        return _error(str(err), EXIT_FAILED)
    except KeyboardInterrupt:
        return _error(f"sweep interrupted; {directory}/manifest.csv lists the runs not done as pending: "
                      f"continue with `cgle sweep {args.sweep} --resume`", 130)
    failed = result.failed
    print(f"manifest: {result.manifest} ({len(result.rows) - len(failed)} complete, {len(failed)} failed, "
          f"{result.skipped} already complete and skipped) in {result.elapsed:.1f} s")
    if failed:
        return _error(f"{len(failed)} of {len(result.rows)} runs failed (see the message column of "
                      f"{result.manifest}); `cgle sweep {args.sweep} --resume` redoes them", EXIT_FAILED)
    return 0


def cmd_sweep_plot(args):
    from cgle.sweep_plot import plot_stability_map

    output = args.output or str(Path(args.manifest).with_suffix(".png"))
    try:
        plot_stability_map(args.manifest, output, x=args.x, y=args.y or None, value=args.value)
    except FileNotFoundError as err:
        return _error(str(err), EXIT_USAGE)
    except ValueError as err:
        return _error(str(err), EXIT_USAGE)
    except OSError as err:
        return _error(f"cannot write the figure {output}: {err}", EXIT_FAILED)
    print(f"figure: {output}")
    return 0


def _complex_text(z):
    return f"{z.real:+.10f} {z.imag:+.10f}i"


def cmd_stability(args):
    from cgle.config import ConfigError, load_config
    from cgle.model import build
    from cgle.stability import summary

    try:
        cfg = load_config(args.config)
    except (ConfigError, FileNotFoundError) as err:
        return _error(str(err), EXIT_USAGE)
    if args.modes < 1:
        return _error(f"--modes must be >= 1 (got {args.modes})", EXIT_USAGE)
    try:
        result = summary(cfg, k=args.modes)
    except ValueError as err:
        return _error(f"stability analysis of {args.config} failed: {err}", EXIT_FAILED)
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
        from cgle.plotting import stability_figure

        try:
            stability_figure(build(cfg)).savefig(args.plot, dpi=110)
        except OSError as err:
            return _error(f"cannot write the figure {args.plot}: {err}", EXIT_FAILED)
        print(f"figure:  {args.plot}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="cgle", description="Complex Ginzburg-Landau solver (spectral collocation)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a YAML config, write an HDF5 trajectory")
    p.add_argument("config", help="YAML config file")
    p.add_argument("-o", "--output", help="output file (default: output.path or runs/<name>.h5)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run in the output file")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in the output file from its last checkpoint (bitwise identical)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a config (and build its problem) without running it")
    p.add_argument("config", help="YAML config file")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plot", help="space-time diagram, energy and final profile of a run file, as PNG")
    p.add_argument("run", help="trajectory file (.h5); complete, failed or still running")
    p.add_argument("-o", "--output", help="PNG file (default: RUN.png beside the run file)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("analyze", help="regimes of a run's snapshots (hierarchical clustering) and the "
                       "correlation of |q| across x, printed and drawn as PNG")
    p.add_argument("run", help="trajectory file (.h5); complete, failed or still running")
    p.add_argument("--clusters", type=int, default=3, help="largest number of regimes (default 3)")
    p.add_argument("-o", "--output", help="PNG file (default: RUN_analysis.png beside the run file)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("info", help="status, times, frames and config of a run file")
    p.add_argument("run", help="trajectory file (.h5)")
    p.add_argument("--config", action="store_true", help="also print the resolved config")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("sweep", help="run a parameter sweep on dask (local cluster by default)")
    p.add_argument("sweep", help="sweep YAML file (base config + vary/zip/repeat)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of an existing dask scheduler")
    p.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--resume", action="store_true", help="skip runs whose file is complete; redo the rest")
    p.add_argument("--overwrite", action="store_true", help="redo every run of an existing sweep directory")
    p.add_argument("-d", "--directory", help="output directory (default: directory or runs/<name>)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("sweep-plot", help="stability map (Re lambda0 over two varied keys) from a sweep manifest")
    p.add_argument("manifest", help="manifest.csv of a sweep")
    p.add_argument("-o", "--output", help="figure file (default: the manifest name with .png)")
    p.add_argument("--x", default="flow.mu0", help="column for the x axis (default flow.mu0)")
    p.add_argument("--y", default="flow.cu", help="column for the y axis (default flow.cu; '' for a line plot)")
    p.add_argument("--value", default="lambda0_real", help="column to map (default lambda0_real)")
    p.set_defaults(func=cmd_sweep_plot)

    p = sub.add_parser("stability", help="leading eigenvalues, stability verdicts and transient growth of a config")
    p.add_argument("config", help="YAML config file")
    p.add_argument("-k", "--modes", type=int, default=5, help="number of leading eigenvalues (default 5)")
    p.add_argument("--plot", metavar="FIG.png", help="also write the spectrum and pseudospectra to this image")
    p.set_defaults(func=cmd_stability)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
