"""``cgle example``: the example configs that ship with the package.

The YAML files of the repository's ``configs/`` folder are installed as package data
(``cgle/examples/`` in a wheel, mapped from ``configs/`` at build time, so the files
exist once). In a source checkout or an editable install they are read from
``configs/`` directly.

    cgle example                       # list the examples, one line each
    cgle example forum_hermite > f.yaml
    cgle example --copy DIR            # every example into DIR (the sweep finds its base)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from cgle.cli.messages import EXIT_USAGE, error


def examples_dir() -> Path:
    """The folder that holds the example configs.

    Returns
    -------
    pathlib.Path
        ``cgle/examples`` of an installed wheel, or ``configs/`` of a source checkout.

    Raises
    ------
    FileNotFoundError
        When neither exists (a broken installation).
    """
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "examples", package.parent / "configs"):
        if folder.is_dir() and any(folder.glob("*.yaml")):
            return folder
    raise FileNotFoundError(f"no example configs found (looked in {package / 'examples'} and "
                            f"{package.parent / 'configs'})")


def examples() -> dict[str, Path]:
    """Example name (file stem) -> path, sorted by name."""
    return {p.stem: p for p in sorted(examples_dir().glob("*.yaml"))}


def summary(path: Path) -> str:
    """The first comment line of an example, without the ``#``."""
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
        if line.strip():
            break
    return ""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``example`` subcommand to the subparsers ``sub`` of ``cgle``."""
    p = sub.add_parser("example", help="list the example configs, print one (YAML on stdout) or copy them all",
                       description="Without NAME: list the example configs. With NAME: print that config "
                       "to stdout, e.g. `cgle example forum_hermite > forum.yaml && cgle run forum.yaml`.")
    p.add_argument("name", nargs="?", help="example to print (see the list)")
    p.add_argument("--copy", metavar="DIR",
                   help="copy every example into DIR (kept together, so that the sweep example finds its base)")
    p.set_defaults(func=cmd_example)


def cmd_example(args: argparse.Namespace) -> int:
    """Run ``cgle example``: list, print or copy the examples; returns the exit status."""
    try:
        found = examples()
    except FileNotFoundError as err:
        return error(str(err), EXIT_USAGE)
    if args.copy:
        if args.name:
            return error("give NAME or --copy DIR, not both", EXIT_USAGE)
        target = Path(args.copy)
        target.mkdir(parents=True, exist_ok=True)
        for path in found.values():
            shutil.copyfile(path, target / path.name)
        print(f"copied {len(found)} examples to {target}", file=sys.stderr)
        return 0
    if args.name is None:
        width = max(len(name) for name in found)
        for name, path in found.items():
            print(f"{name:<{width}}  {summary(path)}")
        return 0
    name = args.name[:-5] if args.name.endswith(".yaml") else args.name
    if name not in found:
        return error(f"no example named {args.name!r}; the examples are " + ", ".join(found), EXIT_USAGE)
    sys.stdout.write(found[name].read_text())
    return 0
