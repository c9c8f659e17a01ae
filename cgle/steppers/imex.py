"""Implicit-explicit linear multistep schemes: L implicit, N explicit.

An s-step scheme with tables a, b, c advances

    sum_{j=0}^{s} a_j v^{n+1-j} = dt sum_{j=0}^{s} b_j L v^{n+1-j} + dt sum_{j=1}^{s} c_j N(v^{n+1-j})

so each step is one solve with (a_0 I - dt b_0 L), formed once per dt as an explicit
inverse, i.e. one matrix-vector product. L v^{n+1} is recovered from that solve,
L v^{n+1} = (a_0 v^{n+1} - R) / (dt b_0), so Crank-Nicolson-type schemes need no
second matvec (it is recomputed when something outside the stepper, e.g. additive
forcing, changed v between steps).

Start-up: the first s - 1 steps, before the history is full, use the schemes named in
``startup`` (one per missing history level). A multistep name lends its tables; a
one-step name (an IMEX Runge-Kutta scheme) takes the step itself. A start-up scheme of
order >= ``order - 1`` keeps the declared order: each of the fixed number of start-up
steps adds a local error O(dt^(order_start + 1)) to the global error (Hairer, Norsett &
Wanner 1993, III.4). SBDF3 therefore starts with ARS(4,4,3), not SBDF1/SBDF2.
"""

import math

import numpy as np

from cgle.problem import kernels
from cgle.steppers.base import Stepper, registered, work_array


class IMEXMultistep(Stepper):
    """Family base: subclasses give ``a``, ``b``, ``c`` (tuples, index j as above;
    c[0] must be 0), ``order`` and ``startup``."""

    explicit_cubic = True
    a = b = c = ()
    startup = ()

    @classmethod
    def check_tables(cls):
        a, b, c = (np.asarray(t, dtype=float) for t in (cls.a, cls.b, cls.c))
        if not (len(a) == len(b) == len(c)) or c[0] != 0 or a[0] <= 0:
            raise ValueError(f"{cls.name}: a, b, c must have equal length, c[0] = 0, a[0] > 0")
        j = np.arange(len(a))
        # order conditions, q = 0..p: sum_j a_j (-j)^q / q! = sum_j b_j (-j)^(q-1) / (q-1)!
        # and the same with c (both sides vanish at q = 0 for b, c)
        for q in range(0, cls.order + 1):
            lhs = np.sum(a * (-j) ** q) / math.factorial(q)
            for coef, label in ((b, "b"), (c, "c")):
                rhs = 0.0 if q == 0 else np.sum(coef * (-j) ** (q - 1)) / math.factorial(q - 1)
                if abs(lhs - rhs) > 1e-12:
                    raise ValueError(f"{cls.name}: table ({label}) fails the order-{q} condition")
        if len(cls.startup) != len(a) - 2:
            raise ValueError(f"{cls.name}: needs {len(a) - 2} start-up schemes")

    @property
    def steps(self):
        return len(self.a) - 1

    def __init__(self, problem):
        super().__init__(problem)
        # start-up schemes of this family, registered when the family module was loaded
        schemes = registered()
        s = self.steps
        # per history level 1..s-1: ("tables", (a, b, c)) or ("onestep", stepper)
        self._starters = []
        for name in self.startup:
            start = schemes[name]
            if start.order < self.order - 1:
                raise ValueError(f"{self.name}: start-up scheme {name} has order {start.order} < "
                                 f"{self.order - 1}, which would lower the declared order")
            if issubclass(start, IMEXMultistep):
                self._starters.append(("tables", (start.a, start.b, start.c)))
            else:
                self._starters.append(("onestep", start(problem)))
        self._v_hist = [work_array(problem) for _ in range(s)]  # v^n, v^{n-1}, ...
        self._l_hist = [work_array(problem) for _ in range(s)]  # L v^n, ...
        self._n_hist = [work_array(problem) for _ in range(s)]  # N(v^n), ...
        self._rhs = work_array(problem)
        self._lv_next = work_array(problem)  # L v^{n+1}, valid when _have_lv
        self._v_last = work_array(problem)  # v^{n+1} as this stepper left it
        self._filled = 0  # how many history levels are valid
        self._have_lv = False

    def _prepare(self, dt):
        self._inverse = {}
        self._tables = []
        for level in range(1, self.steps + 1):
            if level < self.steps and self._starters[level - 1][0] == "onestep":
                self._starters[level - 1][1].prepare(dt)
                self._tables.append(None)
                continue
            a, b, c = self.a, self.b, self.c
            if level < self.steps:
                a, b, c = self._starters[level - 1][1]
            key = b[0] / a[0]
            if key not in self._inverse:
                # (a0 I - dt b0 L)^{-1} = (1/a0) (I - dt (b0/a0) L)^{-1}
                self._inverse[key] = self.problem.linear.shifted_inverse(dt * key)
            self._tables.append((a, b, c))

    def reset(self):
        self._filled = 0
        self._have_lv = False

    def step(self, v):
        dt = self.dt
        prob = self.problem
        s = self.steps
        # rotate history: slot 0 becomes v^n
        self._v_hist.insert(0, self._v_hist.pop())
        self._l_hist.insert(0, self._l_hist.pop())
        self._n_hist.insert(0, self._n_hist.pop())
        flat = v.reshape(-1)
        self._v_hist[0][...] = v
        if self._have_lv and kernels.same_values(flat, self._v_last.reshape(-1)):
            self._l_hist[0][...] = self._lv_next
        else:
            prob.linear.apply(v, self._l_hist[0])
        prob.nonlinear(v, self._n_hist[0])
        self._filled = min(self._filled + 1, s)
        tables = self._tables[self._filled - 1]
        if tables is None:
            # start-up by a one-step scheme (it forms L v and N(v) itself)
            self._starters[self._filled - 1][1].step(v)
            self._have_lv = False
            return
        a, b, c = tables

        # R = -sum_{j>=1} a_j v^{n+1-j} + dt sum_{j>=1} (b_j L v^{n+1-j} + c_j N^{n+1-j})
        R = self._rhs.reshape(-1)
        R[:] = 0.0
        for j in range(1, len(a)):
            if a[j] != 0.0:
                kernels.axpy(-a[j], self._v_hist[j - 1].reshape(-1), R)
            if b[j] != 0.0:
                kernels.axpy(dt * b[j], self._l_hist[j - 1].reshape(-1), R)
            if c[j] != 0.0:
                kernels.axpy(dt * c[j], self._n_hist[j - 1].reshape(-1), R)
        # v^{n+1} = (a0 I - dt b0 L)^{-1} R
        inv = self._inverse[b[0] / a[0]]
        inv.apply(self._rhs, v)
        if a[0] != 1.0:
            v *= 1.0 / a[0]
        # L v^{n+1} = (a0 v^{n+1} - R) / (dt b0), kept for the next step
        kernels.lincomb2(a[0] / (dt * b[0]), flat, -1.0 / (dt * b[0]), R, self._lv_next.reshape(-1))
        self._v_last[...] = v
        self._have_lv = True

    def get_state(self):
        k = self._filled
        state = {"filled": k, "have_lv": int(self._have_lv)}
        for j in range(k):
            state[f"v{j}"] = self._v_hist[j].copy()
            state[f"l{j}"] = self._l_hist[j].copy()
            state[f"n{j}"] = self._n_hist[j].copy()
        if self._have_lv:
            state["lv_next"] = self._lv_next.copy()
            state["v_last"] = self._v_last.copy()
        return state

    def checkpoint_layout(self):
        """The history levels appear as the start-up fills them: all of them reserved."""
        field = (self._v_last.shape, self._v_last.dtype)
        layout = {"filled": ((), np.dtype(int)), "have_lv": ((), np.dtype(int))}
        for j in range(len(self._v_hist)):
            layout.update({f"v{j}": field, f"l{j}": field, f"n{j}": field})
        layout.update(lv_next=field, v_last=field)
        return layout

    def set_state(self, state):
        self._filled = int(state["filled"])
        self._have_lv = bool(int(state["have_lv"]))
        for j in range(self._filled):
            self._v_hist[j][...] = state[f"v{j}"]
            self._l_hist[j][...] = state[f"l{j}"]
            self._n_hist[j][...] = state[f"n{j}"]
        if self._have_lv:
            self._lv_next[...] = state["lv_next"]
            self._v_last[...] = state["v_last"]

    @classmethod
    def amplification(cls, z, w):
        """Largest root modulus of sum_j (a_j - z b_j - w c_j) zeta^(s-j) = 0 (root
        condition on v' = lambda v + mu v, z = dt lambda implicit, w = dt mu explicit)."""
        z, w = np.broadcast_arrays(np.asarray(z, dtype=complex), np.asarray(w, dtype=complex))
        a, b, c = (np.asarray(t, dtype=float) for t in (cls.a, cls.b, cls.c))
        p = a[None, :] - z.reshape(-1, 1) * b[None, :] - w.reshape(-1, 1) * c[None, :]
        s = len(a) - 1
        out = np.full(p.shape[0], np.inf)
        ok = np.abs(p[:, 0]) > 0
        if s == 1:
            out[ok] = np.abs(p[ok, 1] / p[ok, 0])
        else:
            # companion matrices of the monic polynomials, all points at once
            comp = np.zeros((int(ok.sum()), s, s), dtype=complex)
            comp[:, 0, :] = -p[ok, 1:] / p[ok, :1]
            comp[:, np.arange(1, s), np.arange(s - 1)] = 1.0
            out[ok] = np.max(np.abs(np.linalg.eigvals(comp)), axis=1)
        return out.reshape(z.shape)


class CNFE(IMEXMultistep):
    """Crank-Nicolson on L, forward Euler on N (the forum's scheme); order 1.

    v^{n+1} - v^n = dt (L v^{n+1} + L v^n) / 2 + dt N(v^n). Kept so users can reproduce
    the forum's blow-up: the explicit cubic term needs dt |beta| max|v|^2 <~ 2.
    """

    name = "cnfe"
    order = 1
    a = (1.0, -1.0)
    b = (0.5, 0.5)
    c = (0.0, 1.0)


class CNAB2(IMEXMultistep):
    """Crank-Nicolson / second-order Adams-Bashforth; order 2 (Ascher, Ruuth & Wetton
    1995, eq. 2.6 with gamma = 1/2). The first step is cnfe."""

    name = "cnab2"
    order = 2
    a = (1.0, -1.0, 0.0)
    b = (0.5, 0.5, 0.0)
    c = (0.0, 1.5, -0.5)
    startup = ("cnfe",)


class SBDF1(IMEXMultistep):
    """Backward Euler on L, forward Euler on N ("IMEX Euler"); order 1 (Ascher, Ruuth &
    Wetton 1995, eq. 2.4)."""

    name = "sbdf1"
    order = 1
    a = (1.0, -1.0)
    b = (1.0, 0.0)
    c = (0.0, 1.0)


class SBDF2(IMEXMultistep):
    """Semi-implicit BDF2: BDF2 on L, second-order extrapolation of N; order 2 (Ascher,
    Ruuth & Wetton 1995, eq. 2.8). The first step is sbdf1 (order 1 >= 2 - 1)."""

    name = "sbdf2"
    order = 2
    a = (1.5, -2.0, 0.5)
    b = (1.0, 0.0, 0.0)
    c = (0.0, 2.0, -1.0)
    startup = ("sbdf1",)


class SBDF3(IMEXMultistep):
    """Semi-implicit BDF3: BDF3 on L, third-order extrapolation of N; order 3 (Ascher,
    Ruuth & Wetton 1995, Sec. 2, the s = 3 member of the SBDF family; Wang & Ruuth 2008,
    eq. 2.3). The first two steps are ARS(4,4,3) (order 3 >= 3 - 1)."""

    name = "sbdf3"
    order = 3
    a = (11.0 / 6.0, -3.0, 1.5, -1.0 / 3.0)
    b = (1.0, 0.0, 0.0, 0.0)
    c = (0.0, 3.0, -3.0, 1.0)
    startup = ("ars443", "ars443")
