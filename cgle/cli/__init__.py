"""The ``cgle`` command line: argument parsing and printing only.

Exit status: 0 success; 1 a run that failed (blow-up) or a file that cannot be used;
2 a bad config, a bad argument or a missing file; 130/143 interrupted by SIGINT/SIGTERM.
Errors are printed as one paragraph, never as a traceback (``CGLE_DEBUG=1`` shows the
traceback of an unexpected error).

Every command runs under the thread policy of :mod:`cgle.threads` (``--threads N`` or
``CGLE_THREADS``) and shows progress bars on a terminal unless ``--quiet``.
"""

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from cgle._version import __version__
from cgle.cli import control, example
from cgle.cli.files import cmd_analyze, cmd_info, cmd_plot, cmd_repair
from cgle.cli.messages import EXIT_FAILED, EXIT_USAGE, error, progress_display
from cgle.cli.run import cmd_run, cmd_validate
from cgle.cli.study import cmd_stability, cmd_sweep, cmd_sweep_plot

_PYTHON_SHOWWARNING = warnings.showwarning


def _overrides(p, what="the config"):
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help=f"set a dotted key of {what}, validated like the YAML (repeatable), e.g. --set grid.n=300")


def _quiet(p):
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cgle`` command (the CLI reference is generated from it)."""
    parser = argparse.ArgumentParser(prog="cgle", description="Complex Ginzburg-Landau solver (spectral collocation)")
    parser.add_argument("--version", action="version", version=f"cgle {__version__}")
    parser.add_argument("--threads", metavar="N", help="BLAS threads for dense linear algebra: a number or 'auto' "
                        "(default: the environment variable CGLE_THREADS, else 1)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a YAML config, write an HDF5 trajectory")
    p.add_argument("config", help="YAML config file")
    p.add_argument("-o", "--output", help="output file (default: output.path or runs/<name>.h5)")
    _overrides(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run in the output file")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in the output file from its last checkpoint (bitwise identical)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a config (and build its problem) without running it")
    p.add_argument("config", help="YAML config file")
    _overrides(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plot", help="space-time diagram, energy and final profile of a run file, as PNG")
    p.add_argument("run", help="trajectory file (.h5); complete, failed or still running")
    p.add_argument("-o", "--output", help="PNG file (default: RUN.png beside the run file)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("analyze", help="regimes of a run's snapshots (hierarchical clustering) and the "
                       "correlation of |q| across x, printed and drawn as PNG")
    p.add_argument("run", help="trajectory file (.h5); complete, failed or still running")
    p.add_argument("--clusters", type=int, default=3, help="largest number of regimes (default 3)")
    _quiet(p)
    p.add_argument("-o", "--output", help="PNG file (default: RUN_analysis.png beside the run file)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("info", help="status, times, frames and config of a run file")
    p.add_argument("run", help="trajectory file (.h5)")
    p.add_argument("--config", action="store_true", help="also print the resolved config")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("repair", help="make a run file whose writer was killed readable by every HDF5 tool "
                       "(h5py, xarray, h5dump), keeping every frame")
    p.add_argument("run", help="trajectory file (.h5)")
    p.set_defaults(func=cmd_repair)

    p = sub.add_parser("sweep", help="run a parameter sweep on dask (local cluster by default)")
    p.add_argument("sweep", help="sweep YAML file (base config + vary/zip/repeat)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of an existing dask scheduler")
    p.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--resume", action="store_true", help="skip runs whose file is complete; redo the rest")
    p.add_argument("--overwrite", action="store_true", help="redo every run of an existing sweep directory")
    p.add_argument("-d", "--directory", help="output directory (default: directory or runs/<name>)")
    _overrides(p, "every run's config")
    _quiet(p)
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
    _overrides(p)
    _quiet(p)
    p.set_defaults(func=cmd_stability)

    control.add_parser(sub, _overrides, _quiet)
    example.add_parser(sub)
    return parser


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: object = None, line: str | None = None) -> None:
    """cgle's own warnings as one line ``cgle: warning: ...``; others as Python shows them."""
    if f"{os.sep}cgle{os.sep}" in filename:
        print(f"cgle: warning: {message}", file=sys.stderr)
    else:
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cgle`` command line; returns the exit status."""
    warnings.showwarning = _show_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    from cgle import progress, threads
    from cgle.io.checkpoint import DamagedCheckpoint
    from cgle.io.reader import DamagedFile

    try:
        threads.set_threads(args.threads)
        threads.configured_threads()
    except ValueError as err:
        return error(str(err).replace("threads must", "--threads must"), EXIT_USAGE)
    quiet = getattr(args, "quiet", False)
    try:
        with threads.blas_threads(), progress.showing(progress_display(enabled=not quiet and sys.stderr.isatty())):
            return args.func(args)
    except KeyboardInterrupt:
        return error("interrupted", 130)
    except BrokenPipeError:
        # the reader of our output went away (cgle info RUN.h5 | head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (DamagedFile, DamagedCheckpoint) as err:
        # a run file found damaged while a command read it (the checks on opening passed)
        return error(str(err), EXIT_FAILED)
    except Exception as err:  # the last line of defence: one paragraph, never a traceback
        if os.environ.get("CGLE_DEBUG"):
            raise
        return error(f"unexpected error in `cgle {args.command}`: {type(err).__name__}: {err}. This is a bug in cgle; "
                     "please report it with the command and its input (CGLE_DEBUG=1 shows the traceback)",
                     EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
