"""The dt-stability pre-check: is the chosen scheme stable at the chosen dt?

Before a run, the amplification of one step of the scheme is evaluated on the test
equation v' = lambda v + mu v for

- every eigenvalue lambda of the linear operator L (z = dt lambda, the part each scheme
  treats implicitly or exactly), and
- for schemes that treat the cubic term explicitly (``explicit_cubic``), its
  linearisation at the largest initial amplitude: with r = max|q0|^2 and br = Re(beta),
  d(dq)/dt = -beta (2 r dq + q0^2 conj(dq)) has the rates (eigenvalues of the real 2x2
  system in (dq, conj(dq)))

      mu = -r (2 br -+ sqrt(4 br^2 - 3 |beta|^2))        (= -r, -3r for beta = 1)

  (w = dt mu, the part the scheme treats explicitly).

The two are checked separately (L and the linearised cubic term do not commute, so a
joint R(z, w) over all pairs would not be sharper). A value counts as unstable when
|R| > max(1 + 1e-9, 1.01 |e^z|): numerical growth beyond the exact one (physically
growing modes, Re z > 0, are not flagged). When unstable, the largest stable dt is
found by halving dt until stable and bisecting (in log dt) back up.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

from cgle.problem import kernels


class UnstableTimeStep(ValueError):
    """time.dt is unstable for the chosen scheme (``time.precheck: error``)."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class PrecheckResult:
    """Outcome of :func:`check_time_step`.

    Attributes
    ----------
    scheme : str
    dt : float
    stable : bool
    linear_amplification : float
        max |R(dt lambda)| over the spectrum of L.
    cubic_amplification : float or None
        max |R(dt mu)| over the linearised cubic rates (None when the scheme treats the
        cubic term exactly or beta = 0).
    cubic_rates : tuple of complex
        The rates mu (empty when not checked).
    stable_dt : float or None
        When unstable: the largest stable dt found below ``dt`` (None when none down to
        dt * 2^-100); when stable: ``dt``.
    message : str
        One paragraph for the user.
    """

    scheme: str
    dt: float
    stable: bool
    linear_amplification: float
    cubic_amplification: object
    cubic_rates: tuple
    stable_dt: object
    message: str


def cubic_rates(beta, amplitude2):
    """Rates mu of the cubic term -beta |q|^2 q linearised at |q|^2 = ``amplitude2``."""
    beta = complex(beta)
    root = np.sqrt(complex(4 * beta.real**2 - 3 * abs(beta) ** 2))
    return (-amplitude2 * (2 * beta.real - root), -amplitude2 * (2 * beta.real + root))


def _excess(scheme_cls, z, w_is_cubic):
    """max over points of |R| / allowed, allowed = max(1 + 1e-9, 1.01 |e^x|)."""
    if z.size == 0:
        return 0.0, 0.0
    if w_is_cubic:
        R = scheme_cls.amplification(0.0, z)
    else:
        R = scheme_cls.amplification(z, 0.0)
    with np.errstate(over="ignore"):
        allowed = np.maximum(1.0 + 1e-9, 1.01 * np.exp(np.minimum(z.real, 700.0)))
    return float(np.max(R / allowed)), float(np.max(R))


def _problem_spectrum(problem):
    lam = np.asarray(problem.linear.eigenvalues(), dtype=complex).reshape(-1)
    # diagonal symbols repeat values (symmetric wavenumbers): check each once
    return np.unique(np.round(lam, 12))


def check_time_step(problem, scheme, dt, v0):
    """Amplification of ``scheme`` at step ``dt`` on ``problem`` from state ``v0``.

    Parameters
    ----------
    problem : Problem
        Provides ``linear`` (with ``eigenvalues()``) and ``beta``.
    scheme : str or Stepper subclass or instance
    dt : float
    v0 : ndarray
        Initial state (problem coordinates); its largest physical amplitude sets the
        cubic linearisation.

    Returns
    -------
    PrecheckResult
    """
    from cgle.steppers import registry

    cls = registry()[scheme] if isinstance(scheme, str) else (scheme if isinstance(scheme, type) else type(scheme))
    lam = _problem_spectrum(problem)
    beta = complex(problem.beta)
    if hasattr(problem, "amplitude2"):
        a2 = float(problem.amplitude2(v0))
    else:
        a2 = float(kernels.max_abs2(np.ascontiguousarray(v0).reshape(-1)))
    check_cubic = cls.explicit_cubic and beta != 0 and a2 > 0
    mu = np.array(cubic_rates(beta, a2) if check_cubic else (), dtype=complex)

    def measure(h):
        lin_excess, lin_amp = _excess(cls, h * lam, False)
        cub_excess, cub_amp = _excess(cls, h * mu, True) if check_cubic else (0.0, None)
        return max(lin_excess, cub_excess) <= 1.0, lin_amp, cub_amp

    stable, lin_amp, cub_amp = measure(dt)
    stable_dt = dt
    if not stable:
        stable_dt = _largest_stable(lambda h: measure(h)[0], dt)
    message = _message(cls.name, dt, stable, lin_amp, cub_amp, mu, a2, stable_dt, lam)
    return PrecheckResult(cls.name, dt, stable, lin_amp, cub_amp, tuple(complex(m) for m in mu), stable_dt, message)


def _largest_stable(is_stable, dt):
    """Halve until stable, then bisect in log dt between the stable and unstable ends."""
    hi = dt
    lo = None
    for _ in range(100):
        trial = hi / 2
        if is_stable(trial):
            lo = trial
            break
        hi = trial
    if lo is None:
        return None
    for _ in range(30):
        mid = math.sqrt(lo * hi)
        if is_stable(mid):
            lo = mid
        else:
            hi = mid
        if hi / lo < 1.001:
            break
    return lo


def _message(name, dt, stable, lin_amp, cub_amp, mu, a2, stable_dt, lam):
    if stable:
        text = (f"time.dt = {dt:g} is stable for scheme {name}: max |R(dt lambda)| = {lin_amp:.3g} on the "
                f"spectrum of L")
        if cub_amp is not None:
            text += (f" and {cub_amp:.3g} on the cubic term linearised at max|q0| = {math.sqrt(a2):.3g}")
        return text + "."
    causes = []
    lead = lam[np.argmax(np.abs(lam))] if lam.size else 0
    if lin_amp is not None and lin_amp > 1.0 + 1e-9:
        causes.append(f"on the spectrum of L one step amplifies by up to {lin_amp:.3g} "
                      f"(|lambda| up to {abs(lead):.3g})")
    if cub_amp is not None and cub_amp > 1.0 + 1e-9:
        rate = min(mu, key=lambda m: m.real)
        causes.append(f"the explicitly treated cubic term, linearised at max|q0| = {math.sqrt(a2):.3g} "
                      f"(rates down to {rate.real:.3g}), amplifies by {cub_amp:.3g} per step")
    where = "; ".join(causes) or "the amplification exceeds the exact growth"
    fix = (f"the largest stable dt is about {stable_dt:.3g}" if stable_dt is not None
           else "no stable dt was found down to dt * 2^-100")
    return (f"time.dt = {dt:g} is unstable for scheme {name}: {where}. For this scheme {fix}. Use a smaller "
            f"time.dt, a scheme that treats the cubic term exactly (time.scheme: strang or strang_richardson), "
            f"or set time.precheck: warn (or off) to run anyway.")


def enforce(problem, scheme, dt, v0, mode):
    """Run the pre-check according to ``time.precheck``.

    ``"error"`` raises :class:`UnstableTimeStep`, ``"warn"`` issues a ``UserWarning``,
    ``"off"`` skips the check. Returns the :class:`PrecheckResult` (None when off).
    """
    if mode == "off":
        return None
    if mode not in ("error", "warn"):
        raise ValueError(f"precheck mode must be 'error', 'warn' or 'off' (got {mode!r})")
    result = check_time_step(problem, scheme, dt, v0)
    if not result.stable:
        if mode == "error":
            raise UnstableTimeStep(result.message, result)
        warnings.warn(result.message, UserWarning, stacklevel=2)
    return result
