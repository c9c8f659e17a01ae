"""One thread policy for dense linear algebra, at every entry point (CLI and API).

BLAS runs on ``CGLE_THREADS`` threads (default 1) inside every public function that
does dense linear algebra: ``cgle.run``, the stability functions, the control designs,
each sweep worker, and every ``cgle`` command as a whole. The products and
factorisations of this package are small (N <= a few thousand) and memory-bound; on a
loaded 2-core machine a threaded OpenBLAS made ``cgle stability`` 50x slower and the
steps of a run 25x slower than one thread (measured; see benchmarks/startup.py), while
on an idle machine two threads gain little at these sizes.

Override it with the environment variable ``CGLE_THREADS`` (a positive integer, or
``auto`` to leave the BLAS libraries as they are), the ``--threads`` option of the
command line, or :func:`set_threads` from Python. Calls nest: an inner policed call
inside an outer one touches the thread pools again only when libraries were loaded in
between (a command enters the policy before it imports scipy, whose BLAS is then
limited at the first policed call).
"""

import functools
import os
import sys
from contextlib import contextmanager

ENV = "CGLE_THREADS"
DEFAULT = 1

_override = None  # set_threads(): wins over the environment
_depth = 0  # how many policed calls are active (nested calls do nothing)
_controller = None  # threadpoolctl.ThreadpoolController, rebuilt when modules were loaded
_modules_seen = -1


def _parse(value, where):
    text = str(value).strip().lower()
    if text == "auto":
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{where} must be a positive integer or 'auto' (got {value!r})")
    return n


def set_threads(n):
    """Use ``n`` BLAS threads from now on (an int >= 1, "auto", or None to go back to
    ``CGLE_THREADS`` / the default of 1)."""
    global _override
    _override = None if n is None else ("auto" if _parse(n, "threads") is None else _parse(n, "threads"))


def configured_threads():
    """The number of BLAS threads the policy sets, or None for "leave them alone"."""
    if _override is not None:
        return None if _override == "auto" else _override
    raw = os.environ.get(ENV)
    if raw is None or not raw.strip():
        return DEFAULT
    return _parse(raw, f"the environment variable {ENV}")


def _stale():
    """Whether modules (which may bring a BLAS) were loaded since the last scan."""
    return _controller is None or len(sys.modules) != _modules_seen


def _pools():
    """A ThreadpoolController of the BLAS libraries loaded now; scanning the process
    costs ~1 ms, so it is redone only when new modules loaded."""
    global _controller, _modules_seen
    if _stale():
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
        _modules_seen = len(sys.modules)
    return _controller


@contextmanager
def blas_threads(n=None):
    """Run the block with ``n`` BLAS threads (default: :func:`configured_threads`)."""
    global _depth
    limit = configured_threads() if n is None else _parse(n, "threads")
    if limit is None or (_depth and not _stale()):
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
        return
    with _pools().limit(limits=limit, user_api="blas"):
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1


def policed(func):
    """Decorator: ``func`` runs under :func:`blas_threads`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with blas_threads():
            return func(*args, **kwargs)

    return wrapper
