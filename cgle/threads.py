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
command line, or :func:`set_threads` from Python. Calls nest: the outermost policed
call sets the limit and an inner one keeps it, touching the thread pools again only
when libraries were loaded in between (:func:`refresh`: a command enters the policy
before it imports scipy, whose BLAS is then limited until the command ends).
"""

import functools
import os
import sys
from contextlib import ExitStack, contextmanager

ENV = "CGLE_THREADS"
DEFAULT = 1

_override = None  # set_threads(): wins over the environment
_depth = 0  # how many policed calls are active (nested ones only refresh)
_controller = None  # threadpoolctl.ThreadpoolController, rebuilt when modules were loaded
_modules_seen = -1
_active = None  # the limit of the outermost policed block (None: none, or "auto")
_stack = None  # the limits it applied, undone when it ends


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
    """Run the block with ``n`` BLAS threads (default: :func:`configured_threads`).

    The outermost block sets the limit; nested blocks keep it (and extend it to libraries
    loaded since, see :func:`refresh`). Everything is restored when the outermost ends."""
    global _depth, _active, _stack
    limit = configured_threads() if n is None else _parse(n, "threads")  # checked when nested too
    if _depth:
        refresh()
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
        return
    _active, _stack = limit, ExitStack()
    _depth += 1
    try:
        if limit is not None:
            _stack.enter_context(_pools().limit(limits=limit, user_api="blas"))
        yield
    finally:
        _depth -= 1
        stack, _active, _stack = _stack, None, None
        stack.close()


def refresh():
    """Inside a policed block, limit the BLAS libraries loaded since it began (a scipy
    imported on first use, say) for the rest of the block; elsewhere nothing. Called by
    nested policed functions, by the time loop before it starts and where a module
    imports scipy.linalg lazily, so that a lazy import cannot leave a threaded BLAS
    running under the policy."""
    if _depth and _active is not None and _stale():
        _stack.enter_context(_pools().limit(limits=_active, user_api="blas"))


def policed(func):
    """Decorator: ``func`` runs under :func:`blas_threads`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with blas_threads():
            return func(*args, **kwargs)

    return wrapper
