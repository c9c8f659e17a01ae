"""Commands on run files: ``cgle info``, ``cgle plot``, ``cgle analyze``."""

import argparse
from pathlib import Path

from cgle.cli.messages import EXIT_FAILED, EXIT_USAGE, error


def cmd_plot(args: argparse.Namespace) -> int:
    """``cgle plot RUN.h5``: the overview figure of a run file, as PNG; returns the exit status."""
    from cgle.plots.trajectory import plot_trajectory

    try:
        out = plot_trajectory(args.run, args.output)
    except FileNotFoundError as err:
        return error(str(err), EXIT_USAGE)
    except (OSError, ValueError, KeyError) as err:
        return error(str(err), EXIT_FAILED)
    print(f"wrote {out}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """``cgle analyze RUN.h5``: regimes of the snapshots and the correlation of |q| across x,
    printed and drawn; returns the exit status."""
    from cgle.analysis.regimes import analyze
    from cgle.plots.regimes import analysis_figure

    if args.clusters < 1:
        return error(f"--clusters must be >= 1 (got {args.clusters})", EXIT_USAGE)
    figure = args.output or str(Path(args.run).with_name(Path(args.run).stem + "_analysis.png"))
    try:
        result = analyze(args.run, n_regimes=args.clusters)
    except FileNotFoundError as err:
        return error(str(err), EXIT_USAGE)
    except KeyError as err:
        return error(f"cannot analyse {args.run}: {err.args[0]}", EXIT_FAILED)
    except (OSError, ValueError, RuntimeError) as err:
        return error(f"cannot analyse {args.run}: {err}", EXIT_FAILED)
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
        return error(f"cannot write the figure {figure}: {err}", EXIT_FAILED)
    print(f"figure:   {figure}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """``cgle info RUN.h5``: status (with the ways forward for a killed run), times, frames,
    energy and amplitude of a run file; returns the exit status."""
    import numpy as np

    from cgle.io import DamagedCheckpoint, open_trajectory, writer_alive
    from cgle.io.lock import holder

    try:
        traj = open_trajectory(args.run)
        attrs = traj.live_attrs()
        t = traj.t
    except FileNotFoundError as err:
        return error(str(err), EXIT_USAGE)
    except OSError as err:
        return error(str(err), EXIT_FAILED)
    status = attrs.get("status")
    if status == "running" and writer_alive(traj.path):
        status = f"running ({holder(traj.path)} is writing it)"
    elif status == "running":
        try:
            has_checkpoint = traj.checkpoint() is not None
        except (DamagedCheckpoint, OSError):
            has_checkpoint = False
        ways = (f"continue it with `cgle run CONFIG -o {traj.path} --resume`, or " if has_checkpoint else
                "it holds no checkpoint yet, so it cannot be resumed (start again with --overwrite); ")
        status = (f"running, but the run was killed (or its writer stopped on a write error, e.g. a full disk): "
                  f"its writer (process {attrs.get('pid')}) is gone, so only SWMR readers "
                  f"(cgle, h5py swmr=True) open it; {ways}make it readable by every HDF5 tool, keeping its "
                  f"{len(t)} frames, with `cgle repair {traj.path}`")
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


def cmd_repair(args: argparse.Namespace) -> int:
    """``cgle repair RUN.h5``: a killed run file made readable by every HDF5 tool."""
    from cgle.io import DamagedFile, Locked, repair
    from cgle.io.recovery import NothingToRepair

    try:
        frames = repair(args.run)
    except FileNotFoundError as err:
        return error(str(err), EXIT_USAGE)
    except NothingToRepair as err:
        print(str(err))
        return 0
    except Locked as err:
        return error(str(err), EXIT_FAILED)
    except (DamagedFile, OSError) as err:
        return error(f"cannot repair {args.run}: {err}", EXIT_FAILED)
    print(f"repaired: {args.run} ({frames} frames kept bit for bit; status interrupted); plain HDF5 readers, "
          "xarray and h5dump open it now")
    return 0
