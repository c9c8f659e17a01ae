"""Implicit-explicit linear multistep schemes: L implicit, N explicit.

An s-step scheme with tables a, b, c advances

    sum_{j=0}^{s} a_j v^{n+1-j} = dt sum_{j=0}^{s} b_j L v^{n+1-j} + dt sum_{j=1}^{s} c_j N(v^{n+1-j})

so each step is one solve with (a_0 I - dt b_0 L), formed once per dt as an explicit
inverse, i.e. one matrix-vector product. L v^{n+1} is recovered from that solve,
L v^{n+1} = (a_0 v^{n+1} - R) / (dt b_0), so Crank-Nicolson-type schemes need no
second matvec. The first steps, before the history is full, use the schemes named in
``startup`` (one per missing history level).
"""

import math

import numpy as np

from cgle import kernels
from cgle.steppers.base import Stepper, work_array


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
        s = self.steps
        self._v_hist = [work_array(problem) for _ in range(s)]  # v^n, v^{n-1}, ...
        self._l_hist = [work_array(problem) for _ in range(s)]  # L v^n, ...
        self._n_hist = [work_array(problem) for _ in range(s)]  # N(v^n), ...
        self._rhs = work_array(problem)
        self._filled = 0  # how many history levels are valid
        self._have_lv = False

    def _tables_for(self, level):
        """The (a, b, c) used when ``level`` history levels are known."""
        if level >= self.steps:
            return self.a, self.b, self.c
        from cgle.steppers.base import registry

        start = registry()[self.startup[level - 1]]
        return start.a, start.b, start.c

    def _prepare(self, dt):
        self._inverse = {}
        for level in range(1, self.steps + 1):
            a, b, _ = self._tables_for(level)
            key = b[0] / a[0]
            if key not in self._inverse:
                # (a0 I - dt b0 L)^{-1} = (1/a0) (I - dt (b0/a0) L)^{-1}
                self._inverse[key] = self.problem.linear.shifted_inverse(dt * key)
        self._tables = [self._tables_for(level) for level in range(1, self.steps + 1)]

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
        if not self._have_lv:
            prob.linear.apply(v, self._l_hist[0])
        else:
            self._l_hist[0][...] = self._lv_next
        prob.nonlinear(v, self._n_hist[0])
        self._filled = min(self._filled + 1, s)
        a, b, c = self._tables[self._filled - 1]

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
        if not hasattr(self, "_lv_next"):
            self._lv_next = work_array(prob)
        kernels.lincomb2(a[0] / (dt * b[0]), flat, -1.0 / (dt * b[0]), R, self._lv_next.reshape(-1))
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
        return state

    def set_state(self, state):
        self._filled = int(state["filled"])
        self._have_lv = bool(int(state["have_lv"]))
        for j in range(self._filled):
            self._v_hist[j][...] = state[f"v{j}"]
            self._l_hist[j][...] = state[f"l{j}"]
            self._n_hist[j][...] = state[f"n{j}"]
        if self._have_lv:
            self._lv_next = np.array(state["lv_next"], dtype=complex)

    def stability_function(self, z):
        """Largest root modulus of sum_j (a_j - z b_j) zeta^(s-j) = 0 (N = 0)."""
        z = np.atleast_1d(np.asarray(z, dtype=complex))
        a, b = np.asarray(self.a, float), np.asarray(self.b, float)
        out = np.empty(z.shape)
        for i, zi in np.ndenumerate(z):
            out[i] = np.max(np.abs(np.roots(a - zi * b)))
        return out


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
