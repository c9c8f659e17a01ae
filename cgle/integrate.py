"""The one time loop: step to the next output time, hand the frame over, watch for blow-up.

Steppers know nothing of output and the writer knows nothing of physics; this loop sits
between them. After every step it checks that the state is finite and below the growth
bound (from the amplitudes the stepper reports, so no extra transform); a step that
fails stops the run with a :class:`~cgle.errors.BlowUp` whose message says when, how
large, the likely cause and what to try.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from cgle import threads
from cgle.errors import BlowUp, FiniteTimeBlowUp, StepLimit
from cgle.problem import FourierProblem, Problem
from cgle.problem.forcing import WhiteNoiseForcing
from cgle.steppers.base import Stepper


class StopRequested(Exception):
    """Raised inside the loop when a signal asked the run to stop (after a full step)."""


# the longest run of steps handed to ``stepper.advance`` at once: chunks end at frames and
# at multiples of CHUNK steps (a function of the step count alone, so that a run stopped
# and resumed at a chunk boundary takes the same chunks as one that was not)
CHUNK = 64


def integrate(problem: Problem | FourierProblem, stepper: Stepper, v: np.ndarray, *, t_end: float, dt: float,
              every: float, step: int = 0, t: float | None = None, max_amplitude2: float,
              on_frame: Callable[[int, float, np.ndarray], None],
              on_step: Callable[[int, float], None] | None = None,
              should_stop: Callable[[], bool] | None = None,
              forcing: WhiteNoiseForcing | None = None,
              max_steps: float = math.inf) -> tuple[int, float]:
    """Advance state ``v`` (in place) from step ``step`` to ``t_end``.

    Frames are taken at t = k * every. With a fixed-step scheme ``every`` is a whole
    multiple of ``dt`` and time is always computed as ``step * dt`` (no accumulated
    roundoff); the steps between two frames go to ``stepper.advance(v, n, amplitude2)``
    in chunks of at most :data:`CHUNK` (so that a scheme may merge work across step
    boundaries), and the blow-up check reads the amplitude after every step from
    ``amplitude2``. With forcing every step is its own chunk (the noise enters between
    steps). An adaptive scheme (``stepper.adaptive``) chooses its own steps through
    ``stepper.adaptive_step(v, t, h_max) -> h``; steps are clipped so that frames land
    exactly on t = k * every.

    Parameters
    ----------
    problem, stepper
        The discretised problem and a prepared stepper.
    v : ndarray
        State at time ``step * dt``; updated in place.
    max_amplitude2 : float
        Growth bound on max |q|^2; exceeding it counts as blow-up.
    on_frame : callable(step, t, v)
        Called at every output time (not for the starting state).
    on_step : callable(step, t), optional
        Called for every step (after its chunk; progress display).
    should_stop : callable() -> bool, optional
        Checked after every chunk; True raises :class:`StopRequested` (args: step, t).
    forcing : object, optional
        Additive noise: ``forcing.apply(v, h)`` after every step of size h.
    max_steps : float, optional
        For an adaptive scheme: the step count (``step``, counted from the run's start)
        at which the loop stops with :class:`~cgle.errors.StepLimit` before reaching
        ``t_end``. A fixed-step run's count is known, and checked, before it starts.

    Returns
    -------
    (step, t) : the final step count and time.
    """
    adaptive = stepper.adaptive
    if t is None:
        t = step * dt
    if not adaptive:
        steps_per_frame = int(round(every / dt))
        total = int(round(t_end / dt))
        # the number of steps to come: a hint for how to form exp(hL) (the same at the same
        # step of a resumed run)
        stepper.prepare(dt, steps=total - step)
        amplitudes = np.empty(CHUNK)
    # frames already taken: t is a frame time k * every (up to rounding), or, for an
    # adaptive run stopped at limits.max_steps, a time between two frames
    frame = math.floor(t / every * (1.0 + 1e-12) + 1e-12)
    n_frames = int(round(t_end / every))
    # the set-up may have imported a BLAS (scipy) under a policy set before it loaded
    threads.refresh()
    m2 = problem.amplitude2(v)
    # overflow and NaN in a step are expected when a run blows up: the check after each
    # step reports them in one paragraph, without numpy's RuntimeWarnings on top
    with np.errstate(over="ignore", invalid="ignore"):
        while (step < total) if not adaptive else (frame < n_frames):
            previous = m2
            try:
                if adaptive:
                    # the next frame time, exactly; the stepper may take less than h_max
                    target = (frame + 1) * every
                    h = stepper.adaptive_step(v, t, target - t)
                    t = target if t + h >= target - 1e-12 * max(1.0, abs(target)) else t + h
                else:
                    h = dt
                    n = 1 if forcing is not None else min(steps_per_frame - step % steps_per_frame,
                                                          CHUNK - step % CHUNK, total - step)
                    stepper.advance(v, n, amplitudes)
            except FiniteTimeBlowUp as err:
                done = 0 if adaptive else getattr(err, "steps_done", 0)
                if done:
                    previous = float(amplitudes[done - 1])
                at = t if adaptive else (step + done + 1) * dt
                raise BlowUp(_paragraph(stepper, at, step + done + 1, dt, math.sqrt(previous), str(err),
                                        "use Re(beta) >= 0 or a smaller initial amplitude; with Re(beta) < 0 "
                                        "the cubic equation itself has no solution past this time"),
                             cause="finite-time") from None
            if adaptive or forcing is not None:
                step += 1
                if forcing is not None:
                    forcing.apply(v, h)
                if not adaptive:
                    t = step * dt
                m2 = problem.amplitude2(v)
            else:
                # the first step of the chunk whose amplitude passed the bound (or is NaN)
                over = np.flatnonzero(~(amplitudes[:n] <= max_amplitude2))
                if over.size:
                    bad = int(over[0])
                    previous = float(amplitudes[bad - 1]) if bad else previous
                    n = bad + 1
                step += n
                t = step * dt
                m2 = float(amplitudes[n - 1])
            if not m2 <= max_amplitude2:  # also true for NaN
                cause, advice = diagnose(problem, stepper, h, previous)
                shown = "NaN/inf" if not math.isfinite(m2) else f"{math.sqrt(m2):.3g}"
                raise BlowUp(
                    _paragraph(stepper, t, step, h, shown, cause, advice,
                               bound=math.sqrt(max_amplitude2) if math.isfinite(m2) else None),
                    cause=cause,
                )
            if on_step is not None:
                # once per step, as if the chunk had been taken step by step
                for k in range(step - n + 1 if not adaptive and forcing is None else step, step + 1):
                    on_step(k, t if adaptive else k * dt)
            if (not adaptive and step % steps_per_frame == 0) or (adaptive and t == (frame + 1) * every):
                frame += 1
                on_frame(step, t, v)
            if should_stop is not None and should_stop():
                raise StopRequested(step, t)
            if adaptive and step >= max_steps and frame < n_frames:
                raise StepLimit(
                    f"the adaptive run took limits.max_steps = {max_steps:g} steps and reached only t = {t:g} "
                    f"of time.t_end = {t_end:g} (mean step {t / step:.3g}, last step {h:.3g}); loosen "
                    f"time.rtol, or raise limits.max_steps and continue with `cgle run CONFIG --resume`",
                    step, t)
    return step, t


def _paragraph(stepper, t, step, dt, amplitude, cause, advice, bound=None):
    where = f"The run blew up at t = {t:g} (step {step}, scheme {stepper.name}, dt = {dt:g}): "
    size = f"max|q| = {amplitude}" if isinstance(amplitude, str) else f"max|q| = {amplitude:.3g}"
    if bound is not None:
        size += f" exceeded the bound {bound:.3g} (time.max_amplitude)"
    return f"{where}{size}. Likely cause: {cause}. Try: {advice}."


def diagnose(problem: Problem | FourierProblem, stepper: Stepper, dt: float, max_abs2_before: float) -> tuple[str, str]:
    """(cause, advice) for a step that produced non-finite values or passed the bound."""
    beta = problem.beta
    stiffness = dt * abs(beta) * max_abs2_before
    if stepper.explicit_cubic and beta != 0 and stiffness > 1.0:
        stable_dt = 2.0 / (abs(beta) * max_abs2_before)
        return (
            f"explicit cubic term unstable: dt*|beta|*max|q|^2 = {stiffness:.3g} >> 2 "
            f"(the explicit step of q' = -beta|q|^2 q amplifies by |1 - dt beta |q|^2| > 1)",
            f"`time.scheme: strang` (exact cubic flow, stable at any dt for Re(beta) >= 0), "
            f"or dt <~ {stable_dt:.3g}, or a smaller initial amplitude",
        )
    lam = problem.linear.eigenvalues()
    lead = lam[np.argmax(lam.real)]
    if lead.real > 0 and beta.real <= 0:
        return (
            f"the linear operator is unstable (leading eigenvalue {lead.real:.6g}{lead.imag:+.6g}i) and "
            f"Re(beta) = {beta.real:g} cannot saturate it: the growth is physical",
            "Re(beta) > 0 to saturate the instability, a stable configuration, or a larger time.max_amplitude",
        )
    amplification = np.max(stepper.stability_function(dt * lam))
    if amplification > 1.0 + 1e-12:
        return (
            f"the scheme is unstable on the linear operator at this dt: max|R(dt lambda)| = {amplification:.3g} > 1",
            "a smaller dt or an A-stable scheme (strang, cnab2)",
        )
    if lead.real > 0:
        return (
            f"the linear operator is unstable (leading eigenvalue {lead.real:.6g}{lead.imag:+.6g}i); the growth "
            f"passed time.max_amplitude before the cubic term saturated it",
            "a larger time.max_amplitude if this growth is expected",
        )
    return (
        "not identified (the linear part is stable and the scheme is stable on it)",
        "a smaller dt, or `time.scheme: strang`",
    )
