"""Splitting schemes: exact linear flow exp(hL) composed with the exact cubic flow.

The cubic substep dv/dt = -beta |v|^2 v is solved exactly (docs/theory/time-schemes.md), so for
Re(beta) >= 0 these schemes are stable at any dt.

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
instead (:class:`StrangRichardson`): only real, positive substeps, exact flows, order 4.
"""

import numpy as np

from cgle.errors import FiniteTimeBlowUp
from cgle.problem import kernels
from cgle.steppers.adaptive import DyadicController
from cgle.steppers.base import Stepper, work_array


def cubic_substep(problem, v, t):
    """v <- exact flow of v' = -beta |v|^2 v over time t (pointwise, so in place);
    FiniteTimeBlowUp when Re(beta) < 0 and a node reaches the singularity."""
    blown = problem.cubic_flow(v, t, v)
    if blown:
        raise FiniteTimeBlowUp(
            f"the cubic term blows up in finite time (Re(beta) < 0): {blown} nodes "
            f"reach the singularity 1 + 2 Re(beta) |q|^2 t = 0 within t = {t:g}"
        )


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
        cubic_substep(self.problem, v, t)

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


class StrangRichardson(DyadicController, Stepper):
    """Strang splitting extrapolated to order 4, with optional step-size control:

        v_new = (4 S(h/2) S(h/2) v - S(h) v) / 3,   S = N(h/2) L(h) N(h/2).

    S is symmetric (S(-h) = S(h)^{-1}), so its local error has only odd powers of h and
    one extrapolation step removes the h^3 term (Hairer, Lubich & Wanner 2006, Geometric
    Numerical Integration, Sec. II.4; Descombes, Duarte, Dumont, Louvet & Massot 2015
    for splitting of reaction-diffusion). All substeps are real and positive and both
    flows exact, so the linear part stays exact (R(z) = e^z). Cost: three Strang steps
    (two propagators, exp(hL) and exp(hL/2), formed once per dt).

    The same two solutions give an error estimate for free: the fine one's local error
    is (S(h/2)^2 v - S(h) v) / 3 + O(h^5) (error order 2), which drives the step-size
    control of :mod:`cgle.steppers.adaptive` when ``time.rtol`` is set (step doubling
    with Richardson extrapolation: Hairer, Norsett & Wanner 1993, II.4). On the ladder
    exp(hL/2) of one level is exp(hL) of the level below, so the propagators are shared,
    and most levels are the square of the level below (one matrix product instead of an
    expm; see :meth:`_ladder_propagator`). With the exact cubic flow this stays stable at
    any h, which makes it the adaptive scheme for large amplitudes (the forum's
    q0 = 1e4).
    """

    name = "strang_richardson"
    order = 4
    adaptive = True
    error_order = 2
    # the estimate is that of the order-2 fine solution, while the state advances with the
    # order-4 extrapolation: ample margin without the controller's usual 1/10
    tolerance_fraction = 1.0

    def __init__(self, problem, rtol=None, atol=None):
        super().__init__(problem, rtol=rtol)
        self._init_controller(problem, rtol, atol)
        self._coarse = work_array(problem)
        self._work = work_array(problem)
        self._trial = work_array(problem)
        self._err = work_array(problem)

    def _prepare(self, dt):
        linear = self.problem.linear
        self._half = linear.expm(dt / 2)
        # the same bits as linear.expm(dt) where that ends by squaring exp(dt L / 2)
        self._full = self._half.squared() if linear.expm_uses_half(dt) else linear.expm(dt)

    def _ladder_propagator(self, level):
        """exp(h_j L) for ladder level j (h_j = H 2^(j - D)): the square of level j - 1
        where expm would square exp(h_j L / 2) anyway, and for the small steps below that
        range at levels j % 4 != 0 (at most 3 squarings of a direct expm: the relative
        backward error stays 2^-53, see :mod:`cgle.problem.matrix_functions`); else direct. A
        function of j alone, whatever the cache holds."""
        linear = self.problem.linear
        h = self._frame * 2.0 ** (level - self.ladder_depth)

        def build():
            if level > 0 and (level % 4 or linear.expm_uses_half(h)):
                return self._ladder_propagator(level - 1).squared()
            return linear.expm(h)

        return self._cached((self._frame, level), build)

    def _cubic(self, v, t):
        cubic_substep(self.problem, v, t)

    def _error_source(self, y, out, work):
        """Only N(y) for the starting step: the linear flow is exact in both solutions of
        the Richardson pair, so with N = 0 the estimate is zero at any h (a small-amplitude
        start may try a whole frame at once; a rejection falls back on cached levels)."""
        return self.problem.nonlinear(y, out)

    def _strang(self, v, h, propagator):
        self._cubic(v, h / 2)
        propagator.apply(v, self._work)
        v[...] = self._work
        self._cubic(v, h / 2)

    def _coarse_and_fine(self, v, h, full, half):
        """v <- S(h/2)^2 v, self._coarse <- S(h) v."""
        self._coarse[...] = v
        self._strang(self._coarse, h, full)
        self._strang(v, h / 2, half)
        self._strang(v, h / 2, half)

    def step(self, v):
        self._coarse_and_fine(v, self.dt, self._full, self._half)
        # v_new = (4 fine - coarse) / 3
        kernels.lincomb2(4.0 / 3.0, v.reshape(-1), -1.0 / 3.0, self._coarse.reshape(-1), v.reshape(-1))

    def _attempt(self, v, h):
        """Trial step into self._trial; the fine solution's error (fine - coarse) / 3, measured."""
        trial = self._trial
        trial[...] = v
        level = self._ladder_level(h)
        half = self._ladder_propagator(level - 1)
        self._coarse_and_fine(trial, h, self._ladder_propagator(level), half)
        fine, coarse = trial.reshape(-1), self._coarse.reshape(-1)
        # err = (fine - coarse) / 3 ;  trial = (4 fine - coarse) / 3
        kernels.lincomb2(1.0 / 3.0, fine, -1.0 / 3.0, coarse, self._err.reshape(-1))
        kernels.lincomb2(4.0 / 3.0, fine, -1.0 / 3.0, coarse, fine)
        return self._error_norm(self._err.reshape(-1), v.reshape(-1), fine)
