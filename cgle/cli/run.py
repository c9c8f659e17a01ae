"""``cgle run`` and ``cgle validate``."""

import argparse
import os
import sys
import time
from pathlib import Path

from cgle.cli.messages import EXIT_FAILED, EXIT_USAGE, Progress, command_line, error, parse_overrides


def cmd_run(args: argparse.Namespace) -> int:
    """``cgle run CONFIG``: run a config into an HDF5 trajectory (with ``--resume``,
    ``--overwrite``, ``--set``); returns the exit status."""
    from cgle.config import ConfigError, load_config
    from cgle.errors import InitialConditionError
    from cgle.io import OutputError, open_trajectory
    from cgle.steppers.precheck import UnstableTimeStep
    from cgle.workflow.resources import RunRefused
    from cgle.workflow.runner import RunExists, RunFailed, run

    try:
        cfg = load_config(args.config, overrides=parse_overrides(args.overrides))
    except (ConfigError, FileNotFoundError) as err:
        return error(str(err), EXIT_USAGE)
    path = Path(args.output) if args.output else cfg.output_path
    show = not args.quiet and sys.stderr.isatty()
    progress = Progress(cfg.time.t_end, cfg.time.dt, show)
    started = time.perf_counter()
    try:
        run(cfg, path, resume=args.resume, overwrite=args.overwrite, progress=progress if show else None,
            handle_signals=True)
    except (InitialConditionError, ConfigError, UnstableTimeStep, RunRefused) as err:
        return error(str(err), EXIT_USAGE)
    except RunExists as err:
        return error(str(err), EXIT_FAILED)
    except OutputError as err:
        error(str(err), EXIT_FAILED)
        # a failed HDF5 write can leave objects that fail again when the interpreter
        # tears them down; what was flushed before is safe on disk, so leave at once
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_FAILED)
    except RunFailed as err:
        progress.close()
        resume = ""
        if err.status == "interrupted" or "--resume" in str(err):
            words = ["run", args.config] + (["-o", args.output] if args.output else [])
            resume = f" Continue with: {command_line(*words, overrides=args.overrides, extra=['--resume'])}"
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


def cmd_validate(args: argparse.Namespace) -> int:
    """``cgle validate CONFIG``: check a config, its limits and its initial state without
    running it; returns the exit status."""
    from cgle.config import ConfigError, load_config
    from cgle.errors import InitialConditionError
    from cgle.problem import build_problem
    from cgle.problem.initial import initial_condition
    from cgle.workflow.resources import RunRefused, check

    try:
        cfg = load_config(args.config, overrides=parse_overrides(args.overrides))
        # what the run would ask of the machine, before building anything of its size
        check(cfg, cfg.output_path)
        prob = build_problem(cfg)
        q0 = initial_condition(cfg, prob)
    except (ConfigError, InitialConditionError, RunRefused, FileNotFoundError) as err:
        return error(str(err), EXIT_USAGE)
    grid = "x".join(str(n) for n in cfg.grid.n)
    print(f"valid: {args.config} ({cfg.grid.basis} {grid}, scheme {cfg.time.scheme}, dt = {cfg.time.dt:g}, "
          f"t_end = {cfg.time.t_end:g}, max|q0| = {abs(q0).max():.3g}) -> {cfg.output_path}")
    return 0
