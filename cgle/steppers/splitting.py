"""Splitting schemes: exact linear flow exp(hL) composed with the exact cubic flow.

The cubic substep dv/dt = -beta |v|^2 v is solved exactly (docs/theory/time-schemes.md), so for
Re(beta) >= 0 these schemes are stable at any dt.

Merged steps. When a scheme starts and ends with a cubic substep (Strang:
N(h/2) L(h) N(h/2)), the last cubic substep of one step and the first of the next are
one flow, N(h/2) N(h/2) = N(h) (the exact flow of an autonomous equation is a one-
parameter group), so n steps between two outputs cost n + 1 cubic substeps instead of
2n: :meth:`Splitting.advance`. For a Fourier problem each cubic substep is an inverse and
a forward FFT, so a merged Strang step costs one FFT pair instead of two (three with the
amplitude check, which here comes from the cubic substep's own pass over the nodes).
The states at the inner step boundaries are not formed (their amplitudes are: exactly,
from the cubic flow's closed form); with dealiasing the 2/3 rule is then applied after
each merged substep rather than after each half.

Beyond order 2. Every composition of real flows of order > 2 has a negative substep
(Sheng 1989; Goldman & Kaper 1996), i.e. a backward heat flow exp(-|h| gamma D2): not
an option for this parabolic problem. The remedy of Castella, Chartier, Descombes &
Vilmart (2009) and Hansen & Ostermann (2009) is complex substeps with Re > 0, which
needs both flows for complex time. exp(tau L) is fine, but the cubic flow is not:
-beta |v|^2 v is not holomorphic in v, so its flow for complex tau is only defined on
the doubled system (v, w = conj(v)) with v' = -beta v^2 w, w' = -conj(beta) w^2 v,
which leaves w != conj(v) after a complex substep: twice the state, twice the work,
and the conjugate symmetry of the state only restored at the end of each step. We
therefore raise the order by Richardson extrapolation of the symmetric Strang step
instead (:mod:`cgle.steppers.richardson`): only real, positive substeps, exact flows.
"""

import numpy as np

from cgle.errors import FiniteTimeBlowUp
from cgle.steppers.base import Stepper, work_array
from cgle.steppers.propagators import Propagators


def cubic_substep(problem, v, t):
    """v <- exact flow of v' = -beta |v|^2 v over time t (pointwise, so in place);
    FiniteTimeBlowUp when Re(beta) < 0 and a node reaches the singularity."""
    _raise_if_blown(problem.cubic_flow(v, t, v), t)


def cubic_substep_amplitude(problem, v, t, at):
    """:func:`cubic_substep`, returning max |q|^2 of the flow at time ``at`` (0 <= at <= t)."""
    blown, amplitude2 = problem.cubic_flow_max(v, t, at, v)
    _raise_if_blown(blown, t)
    return amplitude2


def _raise_if_blown(blown, t):
    if blown:
        raise FiniteTimeBlowUp(
            f"the cubic term blows up in finite time (Re(beta) < 0): {blown} nodes "
            f"reach the singularity 1 + 2 Re(beta) |q|^2 t = 0 within t = {t:g}"
        )


class Splitting(Stepper):
    """Family base: ``substeps`` is a tuple of ("N" or "L", fraction of dt) substeps.

    exp(f dt L) comes from :class:`cgle.steppers.propagators.Propagators`: formed as a
    matrix at once when the steps still to come (``prepare(dt, steps)``) would pay for it,
    else applied by action until that has paid for it (always formed for a Fourier
    symbol); what was spent is part of :meth:`get_state`.
    """

    substeps = ()

    @classmethod
    def check_tables(cls):
        for part in ("L", "N"):
            total = sum(f for p, f in cls.substeps if p == part)
            if abs(total - 1.0) > 1e-14:
                raise ValueError(f"{cls.name}: {part} fractions sum to {total}, not 1")

    def __init__(self, problem):
        super().__init__(problem)
        self._work = work_array(problem)
        self._props = Propagators(problem.linear)
        subs = self.substeps
        # the first and last substeps merge across a step boundary
        self._merges = len(subs) > 2 and subs[0][0] == "N" and subs[-1][0] == "N"
        self._uses, self._ready = {}, None
        self.remaining = None

    def _prepare(self, dt):
        self._uses = {}
        for part, f in self.substeps:
            if part == "L":
                self._uses[f] = self._uses.get(f, 0) + 1
        self._ready = None

    def reset(self):
        self._props.reset()
        self._ready = None

    def get_state(self):
        """The step sizes of the cached propagators (rebuilt from them on resume)."""
        return {f"prop.{k}": v for k, v in self._props.get_state().items()}

    def set_state(self, state):
        self._props.set_state({k[5:]: v for k, v in state.items() if k.startswith("prop.")})
        self._ready = None

    def _propagators(self):
        """exp(f dt L) for this step, keyed by f (one cost-model decision per step; once
        every one is a formed matrix the choice is final and the dict is kept)."""
        if self._ready is not None:
            return self._ready
        props = {f: self._props.get(f * self.dt, uses, horizon=self.remaining) for f, uses in self._uses.items()}
        if all(f * self.dt in self._props.formed for f in props):
            self._ready = props
        return props

    def _linear(self, v, propagator):
        propagator.apply(v, self._work)
        v[...] = self._work

    def step(self, v):
        props = self._propagators()
        for part, f in self.substeps:
            if part == "N":
                cubic_substep(self.problem, v, f * self.dt)
            else:
                self._linear(v, props[f])
        self._count_step()

    def advance(self, v, n, amplitude2):
        """n steps, consecutive cubic substeps merged (module docstring); ``amplitude2[i]``
        is max |q|^2 after step i + 1, from the cubic flow at that step boundary."""
        if not self._merges:
            return super().advance(v, n, amplitude2)
        dt, subs, prob = self.dt, self.substeps, self.problem
        first, last = subs[0][1] * dt, subs[-1][1] * dt
        i = 0
        try:
            cubic_substep(prob, v, first)
            for i in range(n):
                props = self._propagators()
                for part, f in subs[1:-1]:
                    if part == "N":
                        cubic_substep(prob, v, f * dt)
                    else:
                        self._linear(v, props[f])
                self._count_step()
                if i < n - 1:
                    # N(first) N(last) = N(first + last); the boundary lies at `last`
                    amplitude2[i] = cubic_substep_amplitude(prob, v, last + first, last)
                else:
                    amplitude2[i] = cubic_substep_amplitude(prob, v, last, last)
        except FiniteTimeBlowUp as err:
            err.steps_done = i
            raise

    def stability_function(self, z):
        # the linear flow is exact
        return np.abs(np.exp(np.asarray(z, dtype=complex)))


class Strang(Splitting):
    """Strang splitting N(dt/2) L(dt) N(dt/2); order 2 (Strang 1968)."""

    name = "strang"
    order = 2
    substeps = (("N", 0.5), ("L", 1.0), ("N", 0.5))
