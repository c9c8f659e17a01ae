"""Adaptive step-size control on a dyadic ladder, shared by the adaptive schemes.

A scheme mixes in :class:`DyadicController`, sets ``adaptive = True`` and
``error_order`` (q: its error estimate scales as h^(q+1)), and provides
``_attempt(v, h)``: one trial step from ``v`` written into ``self._trial``, returning
the error estimate measured by :meth:`DyadicController._error_norm`. The controller
decides acceptance and the next step size and keeps every step on the ladder.

Why a ladder. For a dense operator each new h needs a new factorisation or propagator
((I - h g L)^{-1}, exp(hL): ~ms at N = 220, tens of steps' worth). Restricting h to
H 2^(j - D), H the frame interval (``output.every``), and starting a step of level j
only at positions that are multiples of 2^j makes every step size recur (a small LRU
cache of operators suffices) and makes the steps of a frame add up to H exactly, so
frames land on t = k * every with no clipped, off-ladder last step. The price: steps are
at most a factor 2 smaller than the controller asks.

The first step. Without a ``dt`` the run starts from the estimate of
:meth:`DyadicController._initial_step`, which aims at an error of 1 % of the tolerance
from derivatives at the start. On the ladder a start that is too small is expensive: a
step of size h may start only at a multiple of h, so from position 0 the steps can at
best double each time, and every factor 2 of that climb is a level with its own
propagator or factorisation. The first attempt is therefore measured before it is
accepted: while its estimate, scaled to a step 4 times as long by the asymptotic law
err ~ h^(q+1), stays within STARTING_ERROR (the same 1 %), the first step is attempted
anew 4 times as long (from the same state, at position 0, never past the frame). On the
forum problem from q0 = 1e4 (strang_richardson, rtol 1e-4) the estimate at the starting
step H / 2^11 was 6.6e-6; the first step became H / 2^9 (estimate 4.7e-4): 2 steps and
one level fewer, 17.7 -> 16.4 ms (medians of 15 interleaved runs), global error at
t = 20 1.7e-7 -> 2.4e-7.
"""

import math
from collections import OrderedDict

import numpy as np

from cgle.problem import kernels


# the first step's error estimate aimed at, as a fraction of the tolerance (module docstring)
STARTING_ERROR = 0.01


class DyadicController:
    """Mixin: ``adaptive_step`` with the standard controller on a dyadic ladder.

    The controller (Hairer, Norsett & Wanner 1993, II.4, eq. 4.13):
    h_new = h min(4, max(0.2, 0.9 err^(-1/(q+1)))), err the error estimate measured
    normwise, max_j |e_j| / (atol + rtol max_j |v_j|): the max norm, not the RMS, so that
    an error concentrated in a few nodes or modes is not diluted by the grid size, and
    over the whole field, so that the tails of a localised solution are not resolved
    relative to themselves. The error is held to ``tolerance_fraction`` of the tolerance:
    an error estimate undershoots outside the asymptotic range, and local errors add up
    over the steps (global error at the frames <= 10 rtol is tested in
    tests/steppers/test_adaptive.py). The state advances with the higher-order solution.
    """

    adaptive = True
    error_order = None
    safety = 0.9
    grow_max = 4.0
    shrink_min = 0.2
    tolerance_fraction = 0.1
    ladder_depth = 40  # smallest step: the frame interval / 2^40
    cache_size = 6  # step sizes whose operators are kept

    def _init_controller(self, problem, rtol, atol):
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
        self._operator_cache = OrderedDict()
        self._reset_controller()

    def _cached(self, key, build):
        """An operator for step-size key ``key`` from the LRU cache (built on a miss)."""
        if key in self._operator_cache:
            self._operator_cache.move_to_end(key)
            return self._operator_cache[key]
        value = build()
        self._operator_cache[key] = value
        while len(self._operator_cache) > self.cache_size:
            self._operator_cache.popitem(last=False)
        return value

    def _error_norm(self, e, y0, y1):
        return kernels.normwise_error(e, y0, y1, self.tolerance_fraction * self.rtol,
                                      self.tolerance_fraction * self._atol_state)

    def _reset_controller(self):
        self._frame = None  # length H of the current frame interval
        self._pos = 0  # position inside it, in units H / 2^ladder_depth
        self._level = None  # log2 of the next step size in those units

    def reset(self):
        self._reset_controller()

    def adaptive_step(self, v, t, h_max):
        """One accepted step of size h <= h_max from time t; returns h (h_max exactly when
        the step completes the frame)."""
        D = self.ladder_depth
        units = 1 << D
        if self._frame is None or self._pos == 0 and abs(h_max - self._frame) > 1e-12 * self._frame:
            self._frame = h_max
            self._pos = 0
        first = self._level is None and self.dt is None
        if self._level is None:
            # first step: the ladder size below dt (after prepare(dt)) or the starting step
            self._level = self._ladder_level(min(h_max, self.dt if self.dt is not None else self._initial_step(v)))
        flat = v.reshape(-1)
        trial = self._trial.reshape(-1)
        q = self.error_order
        while True:
            level = self._level
            # the step must start on a multiple of its own size
            while level > 0 and self._pos % (1 << level):
                level -= 1
            h = self._frame * (1 << level) / units
            # a step that is far too large may overflow: it is rejected below
            with np.errstate(over="ignore", invalid="ignore"):
                err = self._attempt(v, h)
            if not math.isfinite(err):
                err = 1e10
            if first and err * 4.0 ** (q + 1) <= STARTING_ERROR and level + 2 <= D and self._pos == 0 \
                    and self._frame * (4 << level) / units <= h_max:
                # a first step 4 times as long would still meet STARTING_ERROR: try it
                # instead (module docstring)
                self._level = level + 2
                continue
            first = False
            factor = self.safety * err ** (-1.0 / (q + 1)) if err > 0 else self.grow_max
            if err <= 1.0:
                flat[:] = trial
                self._pos += 1 << level
                factor = min(self.grow_max, max(self.shrink_min, factor))
                self._level = self._ladder_level(h * factor)
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

    def _attempt(self, v, h):
        raise NotImplementedError

    def _initial_step(self, v):
        """Starting step of Hairer, Norsett & Wanner (1993, II.4, p. 169) for
        f = :meth:`_error_source` (L v + N(v) unless the scheme integrates L exactly),
        norms as in the error test: h0 = 0.01 |v| / |f(v)|, an Euler step to
        v1 = v + h0 f(v), d2 = |f(v1) - f(v)| / h0, and
        h = min(100 h0, (0.01 / max(|f(v)|, d2))^(1/(q+1))). A step far beyond the
        asymptotic range could pass a Richardson test by accident (both solutions
        collapse under the strongly damping cubic flow), so the first step comes from
        this estimate, not from the frame length."""
        f0, f1, work = (np.empty_like(v) for _ in range(3))

        def rhs(y, out):
            return self._error_source(y, out, work)

        with np.errstate(over="ignore", invalid="ignore"):
            flat = v.reshape(-1)
            scale = self.tolerance_fraction * (self._atol_state + self.rtol * float(np.max(np.abs(flat))))
            d0 = float(np.max(np.abs(flat))) / scale
            d1 = float(np.max(np.abs(rhs(v, f0)))) / scale
            h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
            # v1 = v + h0 f(v)
            d2 = float(np.max(np.abs(rhs(v + h0 * f0, f1) - f0))) / scale / h0
        if not math.isfinite(d2):
            return h0
        big = max(d1, d2)
        h1 = max(1e-6, h0 * 1e-3) if big <= 1e-15 else (0.01 / big) ** (1.0 / (self.error_order + 1))
        return min(100 * h0, h1)

    def _error_source(self, y, out, work):
        """out = the part of f(y) = L y + N(y) whose integration makes local error, for the
        starting step (all of it here; a scheme that integrates L exactly overrides)."""
        self.problem.linear.apply(y, out)
        self.problem.nonlinear(y, work)
        out += work
        return out

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
