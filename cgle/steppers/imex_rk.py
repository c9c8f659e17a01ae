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
``time.atol``: see :class:`IMEXRungeKutta.adaptive_step` for the controller and the
dyadic step-size ladder that keeps the number of factorisations small.
"""

import math
from collections import OrderedDict

import numpy as np

from cgle import kernels
from cgle.steppers.base import Stepper, work_array
from cgle.steppers.order_conditions import check_order


class IMEXRungeKutta(Stepper):
    """Family base: subclasses give ``a_explicit``, ``a_implicit`` (s x s, lower
    triangular; strictly lower for the explicit one), ``b_explicit``, ``b_implicit``,
    ``c``, ``order`` and optionally ``b_hat`` (embedded weights, used for both parts)
    with ``embedded_order``."""

    explicit_cubic = True
    a_explicit = a_implicit = b_explicit = b_implicit = c = ()
    b_hat = None
    embedded_order = None

    # controller constants (Hairer, Norsett & Wanner 1993, II.4, eq. 4.13)
    safety = 0.9
    grow_max = 4.0
    shrink_min = 0.2
    # the local error estimate is held to this fraction of (atol + rtol |v|): the embedded
    # difference underestimates the error of the propagated solution outside the
    # asymptotic range, and local errors add up over the steps (measured in
    # tests/steppers/test_adaptive.py: global error at the frames <= 10 rtol)
    tolerance_fraction = 0.1
    ladder_depth = 40  # smallest step: the frame interval / 2^40
    cache_size = 6  # factorisations kept for the step-size ladder

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
        if rtol is not None and not 0 < rtol <= 1:
            raise ValueError(f"rtol must be in (0, 1] (got {rtol!r})")
        if atol is not None and not atol > 0:
            raise ValueError(f"atol must be > 0 (got {atol!r})")
        self.rtol = rtol
        # the error is relative to the field's largest amplitude; atol only matters once
        # the whole field is below ~1e-12 (and keeps a zero field well defined)
        self.atol = atol if atol is not None else (1e-12 * rtol if rtol is not None else None)
        self.adaptive = rtol is not None
        if self.adaptive:
            # atol bounds the amplitude of a node (collocation) or of a Fourier mode: in
            # state coordinates that is atol * max|to_state(1)| (N for an unnormalised FFT)
            unit = np.asarray(problem.to_state(np.ones(problem.shape, dtype=complex)))
            self._atol_state = self.atol * float(np.max(np.abs(unit)))
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
        self._inverses = OrderedDict()  # h -> {g: (I - h g L)^{-1}}
        self._reset_controller()

    # ----------------------------------------------------------------- fixed step
    def _solvers(self, h):
        """(I - h g L)^{-1} for each distinct diagonal entry g != 0, cached per h."""
        if h in self._inverses:
            self._inverses.move_to_end(h)
            return self._inverses[h]
        solvers = {}
        for g in self._diag:
            if g != 0.0 and g not in solvers:
                solvers[g] = self.problem.linear.shifted_inverse(h * g)
        self._inverses[h] = solvers
        while len(self._inverses) > self.cache_size:
            self._inverses.popitem(last=False)
        return solvers

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

    # ----------------------------------------------------------------- adaptive
    def _reset_controller(self):
        self._frame = None  # length H of the current frame interval
        self._pos = 0  # position inside it, in units H / 2^ladder_depth
        self._level = None  # log2 of the next step size in those units
        self._h_taken = 0.0

    def reset(self):
        self._reset_controller()

    def adaptive_step(self, v, t, h_max):
        """One accepted step of size h <= h_max; returns h.

        Step sizes are restricted to the dyadic ladder h = H 2^(j - D), H the frame
        interval (h_max at the first call of a frame), D = ``ladder_depth``, and a step
        of level j starts only at positions that are multiples of 2^j: the steps of a
        frame then add up to H exactly, every step size recurs, and the factorisations
        (I - h g L)^{-1} come from a small LRU cache (``cache_size`` sizes) instead of one
        per step (~ms each at N = 220). The controller is the standard one,
        h_new = h min(4, max(0.2, 0.9 err^(-1/(q+1)))), q = ``embedded_order``, err the
        embedded difference measured normwise, max_j |e_j| / (atol + rtol max_j |v_j|)
        (Hairer, Norsett & Wanner 1993, II.4; the max norm, not the RMS, so that an error
        concentrated in a few nodes or modes is not diluted by the grid size, and over the
        whole field, so that the tails of a localised solution are not resolved relative
        to themselves),
        rounded down to the ladder (so steps are at most a factor 2 smaller than the
        controller asks). The new state is the higher-order solution (local extrapolation).
        """
        D = self.ladder_depth
        units = 1 << D
        if self._frame is None or self._pos == 0 and abs(h_max - self._frame) > 1e-12 * self._frame:
            self._frame = h_max
            self._pos = 0
        if self._pos == 0 and self._level is None:
            # first step: the ladder size nearest below dt (or the frame)
            first = self.dt if self.dt is not None else h_max
            self._level = self._ladder_level(first)
        flat = v.reshape(-1)
        trial = self._trial.reshape(-1)
        while True:
            level = self._level
            # the step must start on a multiple of its own size
            while level > 0 and self._pos % (1 << level):
                level -= 1
            level = min(level, D)
            h = self._frame * (1 << level) / units
            solvers = self._solvers(h)
            # a step that is far too large may overflow: it is rejected below
            with np.errstate(over="ignore", invalid="ignore"):
                self._stages(v, h, solvers)
            # v_new = v + h sum_j (bE_j N_j + bI_j L Y_j);  err = v_new - v_hat
            kernels.stage_sum(flat, h, self._weights, self._K, trial)
            kernels.stage_sum(self._zero, h, self._error_weights, self._K, self._err)
            err = kernels.normwise_error(self._err, flat, trial, self.tolerance_fraction * self.rtol,
                                           self.tolerance_fraction * self._atol_state)
            if not math.isfinite(err):
                err = 1e10
            q = self.embedded_order
            factor = self.safety * err ** (-1.0 / (q + 1)) if err > 0 else self.grow_max
            if err <= 1.0:
                flat[:] = trial
                self._pos += 1 << level
                factor = min(self.grow_max, max(self.shrink_min, factor))
                self._level = max(0, min(D, self._ladder_level(h * factor)))
                if self._pos >= units:
                    # the frame is complete: report the remaining distance exactly
                    self._pos = 0
                    return h_max
                return h
            if level == 0:
                raise FloatingPointError(
                    f"{self.name}: step size underflow at t = {t:g} (h = {h:.3g} still fails rtol = {self.rtol:g})")
            factor = max(self.shrink_min, min(factor, 0.9))
            self._level = min(level - 1, self._ladder_level(h * factor))

    def _ladder_level(self, h):
        """Largest j with H 2^(j - D) <= h (clipped to 0..D)."""
        ratio = h / self._frame
        if not ratio > 0:
            return 0
        j = self.ladder_depth + math.floor(math.log2(ratio) + 1e-12)
        return max(0, min(self.ladder_depth, j))

    def get_state(self):
        if not self.adaptive:
            return {}
        return {"frame": -1.0 if self._frame is None else self._frame, "pos": self._pos,
                "level": -1 if self._level is None else self._level}

    def set_state(self, state):
        if not self.adaptive or "frame" not in state:
            return
        frame = float(state["frame"])
        self._frame = None if frame < 0 else frame
        self._pos = int(state["pos"])
        level = int(state["level"])
        self._level = None if level < 0 else level


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
