"""Splitting schemes: exact linear flow exp(hL) composed with the exact cubic flow.

The cubic substep dv/dt = -beta |v|^2 v is solved exactly (physics.md), so for
Re(beta) >= 0 these schemes are stable at any dt.
"""

import numpy as np

from cgle.errors import FiniteTimeBlowUp
from cgle.steppers.base import Stepper, work_array


class Splitting(Stepper):
    """Family base: ``steps`` is a tuple of ("N" or "L", fraction of dt) substeps."""

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

    def _prepare(self, dt):
        fractions = {f for p, f in self.substeps if p == "L"}
        self._propagators = {f: self.problem.linear.expm(f * dt) for f in fractions}

    def _cubic(self, v, t):
        # pointwise, so it may write over its input
        blown = self.problem.cubic_flow(v, t, v)
        if blown:
            raise FiniteTimeBlowUp(
                f"the cubic term blows up in finite time (Re(beta) < 0): {blown} nodes "
                f"reach the singularity 1 + 2 Re(beta) |q|^2 t = 0 within t = {t:g}"
            )

    def step(self, v):
        for part, f in self.substeps:
            if part == "N":
                self._cubic(v, f * self.dt)
            else:
                self._propagators[f].apply(v, self._work)
                v[...] = self._work

    def stability_function(self, z):
        # the linear flow is exact
        return np.abs(np.exp(np.asarray(z, dtype=complex)))


class Strang(Splitting):
    """Strang splitting N(dt/2) L(dt) N(dt/2); order 2 (Strang 1968)."""

    name = "strang"
    order = 2
    substeps = (("N", 0.5), ("L", 1.0), ("N", 0.5))
