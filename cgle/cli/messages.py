"""What every command prints through: one-paragraph errors, exit codes, progress bars."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

EXIT_FAILED = 1
EXIT_USAGE = 2


def error(message: str, code: int) -> int:
    """Print ``cgle: message`` on stderr and return the exit status ``code``."""
    print(f"cgle: {message}", file=sys.stderr)
    return code


def parse_overrides(items: Iterable[str] | None) -> dict[str, str]:
    """``--set KEY=VALUE`` options as a mapping {KEY: VALUE} (VALUE read as YAML later)."""
    from cgle.config import ConfigError

    updates = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("", f"--set needs KEY=VALUE with a dotted key, e.g. --set grid.n=300 (got {item!r})",
                              show_value=False)
        updates[key.strip()] = value
    return updates


def command_line(*words: str, overrides: Iterable[str] = (), extra: Iterable[str] = ()) -> str:
    """A shell command line a user can paste: ``cgle run CFG -o OUT --set k=v --resume``."""
    parts = ["cgle", *words]
    for item in overrides:
        parts += ["--set", item]
    return shlex.join(parts + list(extra))


class Progress:
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

    def close(self) -> None:
        """Remove the bar (nothing when there is none)."""
        if self.bar is not None:
            self.bar.close()


class _Bar:
    """One tqdm bar on stderr for a :func:`cgle.progress.task`."""

    def __init__(self, label, total):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=label, file=sys.stderr, dynamic_ncols=True, leave=False, mininterval=0.2)

    def advance(self, n=1):
        self.bar.update(n)

    def close(self):
        self.bar.close()


class _Nothing:
    def advance(self, n=1):
        pass

    def close(self):
        pass


def progress_display(enabled: bool) -> Callable[[str, int | None], Any] | None:
    """The display :func:`cgle.progress.showing` installs: bars for tasks of known
    length, on a terminal only (None when ``enabled`` is False)."""
    if not enabled:
        return None
    return lambda label, total: _Bar(label, total) if total is not None and total >= 2 else _Nothing()
