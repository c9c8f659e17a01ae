"""Progress of long computations, shown by whoever installed a display.

Library code announces its work and says how far it got; it never prints::

    with progress.task("transient growth scan", total=n) as bar:
        for ...:
            bar.advance()

Nothing is shown unless a display is installed with :func:`showing` (the command line
does, on a terminal and without ``--quiet``), so the API stays silent.
"""

from contextlib import contextmanager

_display = None  # callable(label, total) -> object with advance(n) and close()


class _Silent:
    def advance(self, n=1):
        pass

    def close(self):
        pass


_SILENT = _Silent()


@contextmanager
def showing(display):
    """Install ``display`` (callable(label, total) -> bar with advance(n), close())."""
    global _display
    previous, _display = _display, display
    try:
        yield
    finally:
        _display = previous


@contextmanager
def task(label, total=None):
    """A unit of work with ``total`` steps (None: unknown); yields a bar to advance."""
    bar = _display(label, total) if _display is not None else _SILENT
    try:
        yield bar
    finally:
        bar.close()
