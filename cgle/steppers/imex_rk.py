"""Implicit-explicit (additive) Runge-Kutta schemes: L implicit (DIRK), N explicit.

With explicit tables (A^E, b^E), implicit tables (A^I, b^I) and shared nodes c, one
step of size h is (Ascher, Ruuth & Spiteri 1997, eq. 2.3; Kennedy & Carpenter 2003,
eq. 2):

    Y_i     = v + h sum_{j<i} A^E_ij N(Y_j) + h sum_{j<=i} A^I_ij L Y_j,   i = 1..s
    v_new   = v + h sum_j (b^E_j N(Y_j) + b^I_j L Y_j)

Each stage with A^I_ii = g != 0 is one solve with (I - h g L), formed once per h as an
explicit inverse (one matvec), and L Y_i = (Y_i - R_i) / (h g) is recovered from it;
an explicit first stage needs L v (one matvec) only when some weight uses it.
Stage values and L Y_j, N(Y_j) live in preallocated (s, N) arrays; each stage is one
numba combination, one matvec and one cubic evaluation.

Embedded pairs (``b_hat``, of order ``embedded_order``) adapt h for ``time.rtol`` /
``time.atol`` with the controller and dyadic step-size ladder of
:mod:`cgle.steppers.adaptive` (the error estimate is the embedded difference).
"""

import math

import numpy as np

from cgle.problem import kernels
from cgle.steppers.adaptive import DyadicController
from cgle.steppers.base import Stepper, work_array
from cgle.steppers.order_conditions import check_order


class IMEXRungeKutta(DyadicController, Stepper):
    """Family base: subclasses give ``a_explicit``, ``a_implicit`` (s x s, lower
    triangular; strictly lower for the explicit one), ``b_explicit``, ``b_implicit``,
    ``c``, ``order`` and optionally ``b_hat`` (embedded weights, used for both parts)
    with ``embedded_order``."""

    explicit_cubic = True
    adaptive = False
    a_explicit = a_implicit = b_explicit = b_implicit = c = ()
    b_hat = None
    embedded_order = None

    @classmethod
    def check_tables(cls):
        AE, AI = np.asarray(cls.a_explicit, float), np.asarray(cls.a_implicit, float)
        bE, bI, c = (np.asarray(t, float) for t in (cls.b_explicit, cls.b_implicit, cls.c))
        s = len(c)
        if AE.shape != (s, s) or AI.shape != (s, s) or bE.shape != (s,) or bI.shape != (s,):
            raise ValueError(f"{cls.name}: tables must be s x s and weights length s = {s}")
        if np.any(np.triu(AE) != 0) or np.any(np.triu(AI, 1) != 0):
            raise ValueError(f"{cls.name}: explicit table must be strictly lower, implicit lower triangular")
        # both parts share the nodes: row sums of each table equal c
        for A, label in ((AE, "explicit"), (AI, "implicit")):
            if np.max(np.abs(A.sum(axis=1) - c)) > 1e-14:
                raise ValueError(f"{cls.name}: {label} row sums differ from c")
        check_order(cls.name, {"E": AE, "I": AI}, {"E": bE, "I": bI}, cls.order)
        if cls.b_hat is not None:
            bh = np.asarray(cls.b_hat, float)
            check_order(cls.name, {"E": AE, "I": AI}, {"E": bh, "I": bh}, cls.embedded_order, "embedded ")

    def __init__(self, problem, rtol=None, atol=None):
        super().__init__(problem, rtol=rtol)
        self._init_controller(problem, rtol, atol)
        self.error_order = self.embedded_order
        s = len(self.c)
        AE, AI = np.asarray(self.a_explicit, float), np.asarray(self.a_implicit, float)
        bE, bI = np.asarray(self.b_explicit, float), np.asarray(self.b_implicit, float)
        n = work_array(problem).size
        self._shape = work_array(problem).shape
        # stacked stage derivatives: rows 0..s-1 are N(Y_j), rows s..2s-1 are L Y_j
        self._K = np.zeros((2 * s, n), dtype=complex)
        # stage i combination coefficients over the stacked rows (unscaled by h)
        self._rows = [np.concatenate([AE[i], np.where(np.arange(s) < i, AI[i], 0.0)]).astype(complex)
                      for i in range(s)]
        self._weights = np.concatenate([bE, bI]).astype(complex)
        self._diag = AI.diagonal().copy()
        # which N(Y_j), L Y_j are ever used
        self._need_n = (np.abs(AE).sum(axis=0) + np.abs(bE)) != 0
        self._need_l = (np.abs(AI).sum(axis=0) - np.abs(AI.diagonal()) + np.abs(bI)) != 0
        self._need_l |= self._diag != 0  # recovered for free from the solve
        self._Y = work_array(problem)
        self._R = work_array(problem)
        if self.b_hat is not None:
            bh = np.asarray(self.b_hat, float)
            self._error_weights = np.concatenate([bE - bh, bI - bh]).astype(complex)
            self._zero = np.zeros(n, dtype=complex)
            self._err = np.zeros(n, dtype=complex)
            self._trial = work_array(problem)

    # ----------------------------------------------------------------- fixed step
    def _solvers(self, h):
        """(I - h g L)^{-1} for each distinct diagonal entry g != 0, cached per h."""

        def build():
            solvers = {}
            for g in self._diag:
                if g != 0.0 and g not in solvers:
                    solvers[g] = self.problem.linear.shifted_inverse(h * g)
            return solvers

        return self._cached(h, build)

    def _prepare(self, dt):
        self._solvers(dt)

    def step(self, v):
        self._stages(v, self.dt, self._solvers(self.dt))
        # v_new = v + h sum_j (bE_j N_j + bI_j L Y_j)
        flat = v.reshape(-1)
        kernels.stage_sum(flat, self.dt, self._weights, self._K, flat)

    def _stages(self, v, h, solvers):
        """Fill self._K with N(Y_j) and L Y_j for all stages."""
        prob = self.problem
        s = len(self.c)
        flat = v.reshape(-1)
        Y, R = self._Y.reshape(-1), self._R.reshape(-1)
        K = self._K
        for i in range(s):
            g = self._diag[i]
            # R_i = v + h sum_{j<i} (AE_ij N_j + AI_ij L Y_j)
            kernels.stage_sum(flat, h, self._rows[i], K, R)
            if g != 0.0:
                # Y_i = (I - h g L)^{-1} R_i ;  L Y_i = (Y_i - R_i) / (h g)
                solvers[g].apply(self._R, self._Y)
                kernels.lincomb2(1.0 / (h * g), Y, -1.0 / (h * g), R, K[s + i])
            else:
                Y[:] = R
                if self._need_l[i]:
                    prob.linear.apply(self._Y, K[s + i].reshape(self._shape))
            if self._need_n[i]:
                prob.nonlinear(self._Y, K[i].reshape(self._shape))

    def _attempt(self, v, h):
        """Trial step into self._trial; the embedded difference, measured."""
        flat = v.reshape(-1)
        trial = self._trial.reshape(-1)
        self._stages(v, h, self._solvers(h))
        # v_new = v + h sum_j (bE_j N_j + bI_j L Y_j);  err = v_new - v_hat
        kernels.stage_sum(flat, h, self._weights, self._K, trial)
        kernels.stage_sum(self._zero, h, self._error_weights, self._K, self._err)
        return self._error_norm(self._err, flat, trial)


_G = 1.0 - 1.0 / math.sqrt(2.0)
_D = 1.0 - 1.0 / (2.0 * _G)


class ARS222(IMEXRungeKutta):
    """ARS(2,2,2): two implicit stages (L-stable SDIRK, gamma = 1 - 1/sqrt(2)) and three
    explicit ones, delta = 1 - 1/(2 gamma); order 2, stiffly accurate (Ascher, Ruuth &
    Spiteri 1997, Sec. 2.6)."""

    name = "ars222"
    order = 2
    c = (0.0, _G, 1.0)
    a_explicit = ((0.0, 0.0, 0.0),
                  (_G, 0.0, 0.0),
                  (_D, 1.0 - _D, 0.0))
    b_explicit = (_D, 1.0 - _D, 0.0)
    a_implicit = ((0.0, 0.0, 0.0),
                  (0.0, _G, 0.0),
                  (0.0, 1.0 - _G, _G))
    b_implicit = (0.0, 1.0 - _G, _G)


class ARS443(IMEXRungeKutta):
    """ARS(4,4,3): four L-stable implicit stages (diagonal 1/2) and four explicit ones;
    order 3, stiffly accurate (Ascher, Ruuth & Spiteri 1997, Sec. 2.8)."""

    name = "ars443"
    order = 3
    c = (0.0, 1 / 2, 2 / 3, 1 / 2, 1.0)
    a_explicit = ((0.0, 0.0, 0.0, 0.0, 0.0),
                  (1 / 2, 0.0, 0.0, 0.0, 0.0),
                  (11 / 18, 1 / 18, 0.0, 0.0, 0.0),
                  (5 / 6, -5 / 6, 1 / 2, 0.0, 0.0),
                  (1 / 4, 7 / 4, 3 / 4, -7 / 4, 0.0))
    b_explicit = (1 / 4, 7 / 4, 3 / 4, -7 / 4, 0.0)
    a_implicit = ((0.0, 0.0, 0.0, 0.0, 0.0),
                  (0.0, 1 / 2, 0.0, 0.0, 0.0),
                  (0.0, 1 / 6, 1 / 2, 0.0, 0.0),
                  (0.0, -1 / 2, 1 / 2, 1 / 2, 0.0),
                  (0.0, 3 / 2, -3 / 2, 1 / 2, 1 / 2))
    b_implicit = (0.0, 3 / 2, -3 / 2, 1 / 2, 1 / 2)


class ARK436(IMEXRungeKutta):
    """ARK4(3)6L[2]SA: six stages, ESDIRK part L-stable and stiffly accurate (diagonal
    1/4), order 4 with an embedded order-3 solution for step control (Kennedy &
    Carpenter 2003, Appl. Numer. Math. 44, Tables 4-6 / Appendix C)."""

    name = "ark436"
    order = 4
    embedded_order = 3
    adaptive = True
    # local errors add up over a run: on the dissipative forum problem they neither grow
    # nor decay relative to the solution, so the error at the frames grows ~linearly in
    # t. With the controller's usual 1/10 the error at t = 200 (10 frames of 20) was
    # 22 / 14 / 9 / 5.7 x rtol for rtol = 1e-3 .. 1e-6 (N = 64); 1/50 keeps it within
    # 10 x (tests/steppers/test_adaptive.py::test_tolerance_met_over_long_runs)
    tolerance_fraction = 0.02
    c = (0.0, 1 / 2, 83 / 250, 31 / 50, 17 / 20, 1.0)
    a_explicit = (
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (1 / 2, 0.0, 0.0, 0.0, 0.0, 0.0),
        (13861 / 62500, 6889 / 62500, 0.0, 0.0, 0.0, 0.0),
        (-116923316275 / 2393684061468, -2731218467317 / 15368042101831, 9408046702089 / 11113171139209,
         0.0, 0.0, 0.0),
        (-451086348788 / 2902428689909, -2682348792572 / 7519795681897, 12662868775082 / 11960479115383,
         3355817975965 / 11060851509271, 0.0, 0.0),
        (647845179188 / 3216320057751, 73281519250 / 8382639484533, 552539513391 / 3454668386233,
         3354512671639 / 8306763924573, 4040 / 17871, 0.0),
    )
    a_implicit = (
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (1 / 4, 1 / 4, 0.0, 0.0, 0.0, 0.0),
        (8611 / 62500, -1743 / 31250, 1 / 4, 0.0, 0.0, 0.0),
        (5012029 / 34652500, -654441 / 2922500, 174375 / 388108, 1 / 4, 0.0, 0.0),
        (15267082809 / 155376265600, -71443401 / 120774400, 730878875 / 902184768, 2285395 / 8070912,
         1 / 4, 0.0),
        (82889 / 524892, 0.0, 15625 / 83664, 69875 / 102672, -2260 / 8211, 1 / 4),
    )
    b_explicit = b_implicit = (82889 / 524892, 0.0, 15625 / 83664, 69875 / 102672, -2260 / 8211, 1 / 4)
    b_hat = (4586570599 / 29645900160, 0.0, 178811875 / 945068544, 814220225 / 1159782912,
             -3700637 / 11593932, 61727 / 225920)
