"""Strang splitting raised in order by Richardson extrapolation (only real, positive
substeps and exact flows; see :mod:`cgle.steppers.splitting` for why not a composition).

With S(h) = N(h/2) L(h) N(h/2) symmetric (S(-h) = S(h)^{-1}), the local error of
S(h/k)^k has only odd powers of h, and its global error an expansion in even powers
e_2 h^2 + e_4 h^4 + ... (Hairer, Lubich & Wanner 2006, Geometric Numerical Integration,
Sec. II.4; Descombes, Duarte, Dumont, Louvet & Massot 2015 for splitting of
reaction-diffusion). Writing T_k1 = S(h/n_k)^{n_k} v for the step numbers n = 1, 2, 4,
the Aitken-Neville tableau in h^2 (Hairer, Norsett & Wanner 1993, II.9, eq. 9.10),

    T_k,j+1 = T_kj + (T_kj - T_k-1,j) / ((n_k / n_k-j)^2 - 1),

gives T_22 = (4 T_21 - T_11) / 3 (order 4) and, with the third row,
T_33 = (64 T_31 - 20 T_21 + T_11) / 45 (order 6).

- Fixed steps: v_new = T_22, order 4, three Strang steps (two propagators,
  exp(hL) and exp(hL/2)).
- Adaptive steps (``time.rtol``): all three rows, seven Strang steps. The state advances
  with T_33 and the error estimate is that of T_32 = (4 T_31 - T_21) / 3,

      err = T_33 - T_32 = (4 T_31 - 5 T_21 + T_11) / 45 = O(h^5),

  the standard choice of extrapolation codes (HNW 1993, II.9: the estimate of the
  second-highest entry, local extrapolation with the highest). An order-4 estimate lets
  the step grow where the two-row estimate (T_21 - T_11) / 3, that of the order-2 fine
  solution, would hold it at the size an order-2 method needs: on the forum problem
  at rtol 1e-6 that was h ~ 0.05 where T_32 is accurate to 1e-6 at h ~ 0.5.

Stiff initial layer. From a large amplitude (the forum's q0 = 1e4) the solution first
follows the cubic decay |q|^2 ~ 1 / (2 Re(beta) t), whose derivatives are unbounded as
t -> 0: h |q|^2 ~ h / t is the same at every step of a uniform grid near t = 0, the error
expansion above does not hold there, and uniform steps leave a global error ~ C h^2
(measured on configs/forum_hermite.yaml at t = 20, dt = 1/32, 1/64, 1/128: 5.1e-7,
1.3e-7, 3.1e-8, order 2.0; order 4 from amplitude 1). A step of size h at time t in the
layer leaves a local error ~ h^5 / t^4 relative to |q| (t |q|^2 ~ 1 / (2 Re(beta))),
of which the cubic contraction keeps a fraction ~ t at later times: over a mesh
h(t) = dt (t / T)^a the sum is C dt^4 int t^(4a - 3) dt, finite iff a > 1/2, with
O(dt / (1 - a)) steps iff a < 1 (the graded meshes of weakly singular problems). With
t ~ 1 / (2 Re(beta) |q|^2) in the layer that is a rule on the state alone:

    split a step of size h in halves while  h > dt x^(-a),  x = 2 Re(beta) max|q|^2 T > 1,

for the first time T after a start (a saturated state with 2 Re(beta) |q|^2 T > 1 has no
layer and is not graded beyond that), a = 0.6, T = 1 (the scale of the linear rates of
the nondimensional equation: the layer ends where the cubic rate 2 Re(beta) |q|^2 falls
to it, t ~ T). Fixed-step runs do this inside
``step`` (each half is tested anew, so the substeps follow the decay; their propagators
are applied by action until one pays to form, :mod:`cgle.steppers.propagators`), which
restores order 4 on the forum problem (tests/steppers/test_convergence_forum.py: 2.7e-10,
1.7e-11, 1.1e-12 at dt = 1/32, 1/64, 1/128, orders 3.99, 4.00) for 14-18 % more
substeps at those dt (37 instead of 20 at dt = 1). Adaptive steps need no such rule: the controller
grades the steps itself.
"""

import math

from cgle.problem import kernels
from cgle.steppers.adaptive import DyadicController
from cgle.steppers.base import Stepper, work_array
from cgle.steppers.propagators import Propagators
from cgle.steppers.splitting import cubic_substep


class StrangRichardson(DyadicController, Stepper):
    """Strang splitting extrapolated to order 4 (module docstring), with optional
    step-size control on the dyadic ladder of :mod:`cgle.steppers.adaptive`::

        fixed:     v_new = (4 S(h/2)^2 v - S(h) v) / 3
        adaptive:  v_new = (64 S(h/4)^4 v - 20 S(h/2)^2 v + S(h) v) / 45,
                   err   = ( 4 S(h/4)^4 v -  5 S(h/2)^2 v + S(h) v) / 45.

    Within S(h/k)^k consecutive cubic half-steps are merged; fixed steps start graded in
    a stiff initial layer (module docstring). All substeps are real and
    positive and both flows exact, so the linear part stays exact (R(z) = e^z) and the
    scheme is stable at any h for Re(beta) >= 0: the adaptive scheme for large amplitudes.
    On the ladder, exp(hL/2) and exp(hL/4) of one level are exp(hL) of the two below, so
    propagators are shared between levels; each is applied by action or formed by the
    cost model of :mod:`cgle.steppers.propagators` (formed by squaring the level below
    where expm would square anyway, and at most three levels in a row; the half and
    quarter steps at once where their own half is formed, as on any climbing ladder).
    """

    name = "strang_richardson"
    order = 4
    adaptive = True
    error_order = 4
    # the estimate is that of T_32 while the state advances with T_33: ample margin
    # without the controller's usual 1/10
    tolerance_fraction = 1.0
    # fixed steps: the graded start in the stiff layer (module docstring)
    layer_time = 1.0
    layer_exponent = 0.6

    def __init__(self, problem, rtol=None, atol=None):
        super().__init__(problem, rtol=rtol)
        self._init_controller(problem, rtol, atol)
        self._props = Propagators(problem.linear)
        self._elapsed = 0.0
        self.remaining = None
        self._coarse = work_array(problem)
        self._mid = work_array(problem)
        self._work = work_array(problem)
        self._trial = work_array(problem)
        self._err = work_array(problem)

    # ----------------------------------------------------------------- propagators
    def _squarable(self, h):
        """exp(hL) may be formed as the square of exp(hL/2) on ladder levels j % 4 != 0
        (besides wherever expm squares anyway): at most three squarings in a row of a
        direct expm, so the relative backward error stays ~2^-53
        (:mod:`cgle.problem.matrix_functions`)."""
        level = self.ladder_depth + round(math.log2(h / self._frame))
        return bool(level % 4)

    def _prepare(self, dt):
        pass

    def reset(self):
        self._reset_controller()
        self._props.reset()
        self._elapsed = 0.0  # fixed steps: time since the start (the graded start's clock)

    def get_state(self):
        """Controller state, the cached propagators' step sizes and, on fixed steps, the
        time since the start (which the graded start needs)."""
        state = super().get_state()
        state.update({f"prop.{k}": v for k, v in self._props.get_state().items()})
        if not self.adaptive:
            state["elapsed"] = self._elapsed
        return state

    def set_state(self, state):
        super().set_state(state)
        self._props.set_state({k[5:]: v for k, v in state.items() if k.startswith("prop.")})
        if "elapsed" in state:
            self._elapsed = float(state["elapsed"])

    # ----------------------------------------------------------------- Strang powers
    def _strang_power(self, v, h, k, propagator):
        """v <- S(h/k)^k v, consecutive cubic half-steps merged:
        N(h/2k) [L(h/k) N(h/k)]^(k-1) L(h/k) N(h/2k)."""
        prob, work, sub = self.problem, self._work, h / k
        cubic_substep(prob, v, sub / 2)
        for i in range(k):
            propagator.apply(v, work)
            v[...] = work
            cubic_substep(prob, v, sub if i < k - 1 else sub / 2)

    def _initial_step(self, v):
        """The larger of the starting steps of :meth:`DyadicController._initial_step` for
        f = N(v) and for f = L v. Both flows are exact, so the local error comes from
        their non-commutation alone and vanishes with either part: the time scale of one
        part alone is not a limit. From the forum's q0 = 1e4 the cubic scale alone
        (1 / (100 |q0|^2) ~ 1e-10) would climb ~25 ladder levels through the stiff layer,
        each a new propagator, where the first step measured from the linear scale
        (~1e-3) already meets rtol = 1e-6 (a step too large is rejected and shrunk)."""
        steps = []
        for source in ("N", "L"):
            self._source = source
            steps.append(super()._initial_step(v))
        return max(steps)

    def _error_source(self, y, out, work):
        """N(y) or L y for :meth:`_initial_step`."""
        if getattr(self, "_source", "N") == "L":
            return self.problem.linear.apply(y, out)
        return self.problem.nonlinear(y, out)

    # ----------------------------------------------------------------- steps
    def step(self, v):
        """One extrapolated step of size dt, in place."""
        self._graded(v, self.dt, None)
        self._elapsed += self.dt
        self._count_step()

    def advance(self, v, n, amplitude2):
        """n steps; the amplitude after each (which the time loop needs anyway) is the
        one the next step's grading test needs."""
        known = None
        for i in range(n):
            self._graded(v, self.dt, known)
            self._elapsed += self.dt
            self._count_step()
            known = amplitude2[i] = self.problem.amplitude2(v)

    def _graded(self, v, h, amplitude2):
        """A step of size h, split in halves (recursively, the second half tested anew)
        while h > dt x^(-a) with x = 2 Re(beta) max |v|^2 T > 1, within the time T of a
        start (module docstring)."""
        beta_r = self.problem.beta.real
        if beta_r > 0.0 and self._elapsed < self.layer_time and h > self.dt * 2.0**-self.ladder_depth:
            if amplitude2 is None:
                amplitude2 = self.problem.amplitude2(v)
            x = 2.0 * beta_r * amplitude2 * self.layer_time
            if x > 1.0 and h > self.dt * x ** -self.layer_exponent:
                self._graded(v, h / 2.0, amplitude2)
                self._graded(v, h / 2.0, None)
                return
        self._richardson(v, h)

    def _richardson(self, v, h):
        """v <- (4 S(h/2)^2 v - S(h) v) / 3."""
        props = self._props
        # the steps still to come need exp(dt L / 2) and exp(dt L); graded substeps are few
        horizon = self.remaining if h == self.dt else None
        half = props.get(h / 2, 2, horizon=horizon)
        full = props.get(h, 1, horizon=horizon)
        self._coarse[...] = v
        self._strang_power(self._coarse, h, 1, full)
        self._strang_power(v, h, 2, half)
        # v_new = (4 fine - coarse) / 3
        kernels.lincomb2(4.0 / 3.0, v.reshape(-1), -1.0 / 3.0, self._coarse.reshape(-1), v.reshape(-1))

    def _attempt(self, v, h):
        """Trial step T_33 into self._trial; the measured error estimate T_33 - T_32."""
        props, squarable = self._props, self._squarable
        # the smallest first, so that a larger one may be its square
        quarter = props.get(h / 4, 4, squarable, ladder=True)
        half = props.get(h / 2, 2, squarable, ladder=True)
        full = props.get(h, 1, squarable, ladder=True)
        coarse, mid, trial = self._coarse, self._mid, self._trial
        coarse[...] = v
        self._strang_power(coarse, h, 1, full)
        mid[...] = v
        self._strang_power(mid, h, 2, half)
        trial[...] = v
        self._strang_power(trial, h, 4, quarter)
        t1, t2, t4 = coarse.reshape(-1), mid.reshape(-1), trial.reshape(-1)
        # err = (4 T_31 - 5 T_21 + T_11) / 45 ;  trial = (64 T_31 - 20 T_21 + T_11) / 45
        kernels.lincomb3(4.0 / 45.0, t4, -5.0 / 45.0, t2, 1.0 / 45.0, t1, self._err.reshape(-1))
        kernels.lincomb3(64.0 / 45.0, t4, -20.0 / 45.0, t2, 1.0 / 45.0, t1, t4)
        return self._error_norm(self._err.reshape(-1), v.reshape(-1), t4)
