"""Every scheme of every family: importing the family modules registers their schemes.

:func:`registry` and :func:`make_stepper` are the entry points of the steppers layer;
the registry test runs each scheme found here, so none can be forgotten.
"""

from cgle.steppers import exponential, imex, imex_rk, richardson, splitting  # noqa: F401  (registration)
from cgle.steppers.base import registered


def registry():
    """All registered schemes, name -> class."""
    return registered()


def make_stepper(name, problem, *, rtol=None, atol=None):
    """An instance of scheme ``name`` for ``problem``.

    Parameters
    ----------
    name : str
        A registered scheme (``time.scheme``).
    problem : Problem
        Provides ``linear``, ``nonlinear`` and ``cubic_flow``.
    rtol, atol : float, optional
        Tolerances for an adaptive run (``time.rtol``, ``time.atol``); only for schemes
        with ``adaptive = True``. The error is measured relative to the largest amplitude
        of the field; ``atol`` (an amplitude) defaults to ``1e-12 * rtol``.
    """
    schemes = registry()
    if name not in schemes:
        raise ValueError(f"unknown scheme {name!r}; registered: {', '.join(sorted(schemes))}")
    if rtol is None:
        if atol is not None:
            raise ValueError(f"atol needs rtol (got atol={atol!r}, rtol=None)")
        return schemes[name](problem)
    if not schemes[name].adaptive:
        adaptive = ", ".join(sorted(k for k, cls in schemes.items() if cls.adaptive))
        raise ValueError(f"scheme {name} has fixed steps, so rtol must be None (got {rtol!r}); adaptive: {adaptive}")
    return schemes[name](problem, rtol=rtol, atol=atol)
