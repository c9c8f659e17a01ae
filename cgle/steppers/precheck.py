"""The dt pre-check: is the chosen scheme stable, and truthful, at the chosen dt?

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
joint R(z, w) over all pairs would not be sharper). Two rules, both on the spectrum:

1. stability: a value counts as unstable when |R| > max(1 + 1e-9, 1.01 |e^z|), numerical
   growth beyond the exact one;
2. truthfulness: a growing mode (Re lambda > 0) must keep growing, at no less than half
   its rate: log|R(dt lambda)| >= dt Re(lambda) / 2 (``GROWTH_KEPT``). An L-stable
   scheme at a large dt damps it (sbdf1 at dt = 5 on a supercritical flow: energy 3e-10
   where the true solution saturates at 52) -- a wrong answer that looks like a
   converged one; the factor keeps the fix from stopping at a dt where the mode barely
   grows.

When either fails, the largest dt that passes is found by halving dt and bisecting in
log dt. A scheme that is exact on the linear part (|R(z, 0)| = |e^z|, found by probing
it: the splitting and exponential schemes) passes both rules on every spectrum, so L's
eigenvalues are not computed for it.
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
    linear_amplification : float or None
        max |R(dt lambda)| over the spectrum of L (None for a scheme exact on the linear
        part, for which it is max |e^(dt lambda)| and the spectrum is not computed).
    cubic_amplification : float or None
        max |R(dt mu)| over the linearised cubic rates (None when the scheme treats the
        cubic term exactly or beta = 0).
    cubic_rates : tuple of complex
        The rates mu (empty when not checked).
    stable_dt : float or None
        When unstable or untruthful: the largest dt found below ``dt`` that passes both
        rules (None when none down to dt * 2^-100); else ``dt``.
    damped_modes : int
        Growing modes of L (Re lambda > 0) whose growth one step does not keep (rule 2).
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
    damped_modes: int = 0


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


# sample points of the left and right half-planes and the imaginary axis
_PROBES = np.array([-1e3, -30.0 + 20.0j, -2.0, -0.5 + 3.0j, 4.0j, 0.3 + 0.1j, 2.0 - 1.0j])


GROWTH_KEPT = 0.5  # rule 2: the least fraction of a growing mode's rate a step must keep


def exact_on_linear(scheme_cls):
    """Whether one step multiplies v' = z v by a factor of modulus |e^z| (to 1e-10)."""
    with np.errstate(all="ignore"):
        R = np.asarray(scheme_cls.amplification(_PROBES, 0.0), dtype=float)
    exact = np.exp(_PROBES.real)
    return bool(np.all(np.abs(R - exact) <= 1e-10 * np.maximum(exact, 1e-300) + 1e-300))


def saturation_amplitude2(problem):
    """|q|^2 at which the cubic term balances the largest local growth rate,
    Re(beta) |q|^2 = max_x Re mu(x): what a growing state saturates at, at most
    (diffusion and advection only lower it). Needs Re(beta) > 0."""
    mu = np.asarray(problem.config.equation.mu, dtype=complex)
    x = np.asarray(problem.x, dtype=float)
    growth = float(np.max(np.polynomial.polynomial.polyval(x, mu).real))
    return max(growth, 0.0) / complex(problem.beta).real


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
    lam = np.empty(0, dtype=complex) if exact_on_linear(cls) else _problem_spectrum(problem)
    # the modes that grow, whose growth a step must keep (rule 2)
    growing = lam[lam.real > 1e-12 * max(1.0, float(np.max(np.abs(lam), initial=0.0)))]
    beta = complex(problem.beta)
    if hasattr(problem, "amplitude2"):
        a2 = float(problem.amplitude2(v0))
    else:
        a2 = float(kernels.max_abs2(np.ascontiguousarray(v0).reshape(-1)))
    if cls.explicit_cubic and beta.real > 0:
        # a linearly unstable state grows until the cubic term saturates it: check the
        # explicit cubic step at that amplitude too (|q|^2 where br |q|^2 = max Re mu(x))
        spectrum = lam if lam.size else _problem_spectrum(problem)
        if np.any(spectrum.real > 0):
            a2 = max(a2, saturation_amplitude2(problem))
    check_cubic = cls.explicit_cubic and beta != 0 and a2 > 0
    mu = np.array(cubic_rates(beta, a2) if check_cubic else (), dtype=complex)

    def damped(h):
        if growing.size == 0:
            return 0
        with np.errstate(all="ignore"):
            kept = np.log(np.asarray(cls.amplification(h * growing, 0.0), dtype=float))
        return int(np.count_nonzero(~(kept >= GROWTH_KEPT * h * growing.real)))

    def measure(h):
        lin_excess, lin_amp = _excess(cls, h * lam, False) if lam.size else (0.0, None)
        cub_excess, cub_amp = _excess(cls, h * mu, True) if check_cubic else (0.0, None)
        return max(lin_excess, cub_excess) <= 1.0 and damped(h) == 0, lin_amp, cub_amp

    ok, lin_amp, cub_amp = measure(dt)
    n_damped = damped(dt)
    stable_dt = dt
    if not ok:
        stable_dt = _largest_stable(lambda h: measure(h)[0], dt)
    message = _message(cls.name, dt, ok, lin_amp, cub_amp, mu, a2, stable_dt, lam, n_damped, growing)
    return PrecheckResult(cls.name, dt, ok, lin_amp, cub_amp, tuple(complex(m) for m in mu), stable_dt, message,
                          n_damped)


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


def _message(name, dt, stable, lin_amp, cub_amp, mu, a2, stable_dt, lam, n_damped=0, growing=()):
    if stable:
        if not lam.size:
            text = f"time.dt = {dt:g} is stable for scheme {name}: it is exact on the linear part"
        else:
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
    if n_damped:
        lead = growing[np.argmax(growing.real)]
        causes.append(f"{n_damped} growing mode(s) of L (the fastest, lambda = {lead.real:.4g}{lead.imag:+.4g}i, "
                      f"grows like exp({lead.real:.4g} t)) grow at less than half their rate, or decay, in the "
                      f"scheme's steps: the run would report a wrong, too weak or decaying solution")
    unstable = (lin_amp is not None and lin_amp > 1.0 + 1e-9) or (cub_amp is not None and cub_amp > 1.0 + 1e-9)
    where = "; ".join(causes) or "the amplification exceeds the exact growth"
    word = "unstable" if unstable or not n_damped else "untruthful"
    goal = "stable dt" if not n_damped else "dt that is stable and keeps the growth"
    fix = (f"the largest {goal} is about {stable_dt:.3g}" if stable_dt is not None
           else f"no {goal} was found down to dt * 2^-100")
    return (f"time.dt = {dt:g} is {word} for scheme {name}: {where}. For this scheme {fix}. Use a smaller "
            f"time.dt, a scheme that is exact on the linear part and the cubic term (time.scheme: strang or "
            f"strang_richardson), or set time.precheck: warn (or off) to run anyway.")


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
