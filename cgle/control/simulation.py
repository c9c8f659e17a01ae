"""A closed-loop run: the plant of ``cgle run`` and its compensator, advanced together.

:func:`cgle.integrate.integrate` calls ``apply(v, h)`` after every plant step, as it
does for :class:`~cgle.problem.forcing.WhiteNoiseForcing`. With k the step just taken
(from t_k to t_{k+1} = t_k + h), :meth:`ClosedLoopForcing.apply`

1. adds the input held over the step, exactly for the linear plant: v += Gamma u_k with
   Gamma = int_0^h e^(sL) ds b (zero-order hold; u_k = 0 while the actuators are off,
   t_k outside [control.t_on, control.t_off));
2. adds the disturbance increment sqrt(h) sum_j f_j xi_j (independent complex circular
   unit normals, as :mod:`cgle.problem.forcing`);
3. advances the compensator over the step with the reading y_k held:
   xh_{k+1} = Phi_K xh_k + Gamma_K y_k, the exact exponential of the compensator;
4. reads the sensors at t_{k+1}: y_{k+1} = c v + sqrt(V/h) eta (white noise of intensity
   V averaged over a step), and forms the next input u_{k+1} = C_K xh_{k+1} (LQG), or
   u_{k+1} = -K z_{k+1} for full-state feedback.

The linear recursion this makes is :func:`cgle.control.closed_loop.discrete_loop`,
whose discrete Lyapunov equation predicts the run's stationary statistics exactly.
Everything the next step needs (xh, y, u, the step count, the generator state) is in
:meth:`get_state`, so a resumed run continues bit for bit.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from cgle.control.closed_loop import _sqrtm, discrete_loop
from cgle.control.feedback import Compensator, cost_matrix, discretise, lqg, lqr_gain
from cgle.control.reduction import reduced_lqg
from cgle.control.statespace import StateSpace, state_space
from cgle.steppers.precheck import UnstableTimeStep


class ClosedLoopForcing:
    """The compensator, the disturbances and the sensor noise of a closed-loop run.

    Parameters
    ----------
    ss : StateSpace
        The plant's inputs and outputs (energy coordinates).
    compensator : Compensator or None
        None: no compensator states (full-state feedback with ``K``, or open loop).
    h : float
        The run's time step.
    seed : int
        Seed of the PCG64 generator of both noises.
    t_on, t_off : float
        The actuators act for t_on <= t < t_off (``t_off`` None: to the end).
    K : ndarray (m, n), optional
        Full-state feedback gain (LQR).

    Attributes
    ----------
    y : ndarray (p,)
        The latest sensor reading.
    u : ndarray (m,)
        The input applied over the next step.
    """

    PREFIX = "control"

    def __init__(self, ss: StateSpace, compensator: Compensator | None, h: float, seed: int, t_on: float = 0.0,
                 t_off: float | None = None, K: np.ndarray | None = None) -> None:
        self.ss, self.comp, self.h, self.seed = ss, compensator, float(h), int(seed)
        self.t_on, self.t_off = float(t_on), (math.inf if t_off is None else float(t_off))
        self.K = None if K is None else np.asarray(K, dtype=complex)
        sw = ss.sqrt_weights
        _, Gamma = discretise(ss.A, ss.B, self.h)
        # the zero-order hold in nodal coordinates: M^(-1/2) Gamma
        self.hold = Gamma / sw[:, None]
        self.sources = np.sqrt(self.h) * ss.B_d / sw[:, None]  # sqrt(h) f, one column per source
        self.c_rows = ss.C * sw[None, :]  # y = c q = C M^(1/2) q
        self.noise_factor = _sqrtm(ss.V / self.h)
        if compensator is not None:
            self.step_on = discretise(compensator.A_K, compensator.B_K, self.h)
            self.step_off = discretise(compensator.A_est, compensator.B_K, self.h)
            self.xh = np.zeros(compensator.order, dtype=complex)
        else:
            self.xh = np.zeros(0, dtype=complex)
        self.rng = np.random.Generator(np.random.PCG64(self.seed))
        self.k = 0
        self.y = np.zeros(ss.C.shape[0], dtype=complex)
        self.u = np.zeros(ss.B.shape[1], dtype=complex)
        self._draws = 2 * (ss.B_d.shape[1] + ss.C.shape[0])

    def active(self, k: int) -> bool:
        """Whether the actuators act over step k (from t_k = k h)."""
        # t_k = k h rounds below a switching time it equals (3 * 0.3 = 0.8999999999999999):
        # compare with a tolerance far below a step, so the switch is not a step late
        t = k * self.h + 1e-9 * self.h
        return self.t_on <= t < self.t_off

    def _measure(self, v, noise):
        p = self.c_rows.shape[0]
        self.y = self.c_rows @ v + self.noise_factor @ noise[:p] if p else self.y
        on = self.active(self.k)
        if not on:
            self.u[:] = 0
        elif self.comp is not None:
            self.u = self.comp.C_K @ self.xh
        elif self.K is not None:
            self.u = -self.K @ (self.ss.sqrt_weights * v)

    def _normals(self):
        ab = self.rng.standard_normal(self._draws)
        # xi = (a + i b) / sqrt(2): E|xi|^2 = 1, E xi^2 = 0
        return (ab[0::2] + 1j * ab[1::2]) / math.sqrt(2.0)

    def start(self, v: np.ndarray) -> None:
        """Read the sensors of the initial state (before the first step)."""
        xi = self._normals()
        self._measure(v, xi[self.ss.B_d.shape[1]:])

    def apply(self, v: np.ndarray, h: float) -> np.ndarray:
        """Steps 1-4 of the module docstring, in place on the plant state ``v``."""
        on = self.active(self.k)
        if on and self.u.size:
            v += self.hold @ self.u
        xi = self._normals()
        k_d = self.ss.B_d.shape[1]
        if k_d:
            v += self.sources @ xi[:k_d]
        if self.comp is not None:
            Phi, Gamma = self.step_on if on else self.step_off
            self.xh = Phi @ self.xh + Gamma @ self.y
        self.k += 1
        self._measure(v, xi[k_d:])
        return v

    def signals(self) -> dict[str, float]:
        """The series of a frame: ``sensor_<j>_real``/``_imag`` and ``actuator_<j>_real``/``_imag``."""
        out = {}
        for name, values in (("sensor", self.y), ("actuator", self.u)):
            for j, value in enumerate(values):
                out[f"{name}_{j}_real"], out[f"{name}_{j}_imag"] = float(value.real), float(value.imag)
        return out

    def series_names(self) -> tuple[str, ...]:
        """The names :meth:`signals` returns, in order."""
        return tuple(self.signals())

    def get_state(self) -> dict[str, Any]:
        """Checkpoint entries: the compensator state, the latest reading and input, the
        step count and the generator state (JSON text)."""
        return {"xh": self.xh.copy(), "y": self.y.copy(), "u": self.u.copy(), "k": np.int64(self.k),
                "rng_state": json.dumps(self.rng.bit_generator.state)}

    def checkpoint_layout(self) -> dict[str, tuple]:
        """name -> (shape, dtype) of every entry of :meth:`get_state`."""
        return {"xh": (self.xh.shape, np.dtype(complex)), "y": (self.y.shape, np.dtype(complex)),
                "u": (self.u.shape, np.dtype(complex)), "k": ((), np.dtype(np.int64)),
                "rng_state": ((), np.dtype("S1024"))}

    def set_state(self, state: Mapping[str, object]) -> None:
        """Restore what :meth:`get_state` returned (0-d arrays and bytes accepted)."""
        def plain(value):
            value = value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value
            return value.decode() if isinstance(value, bytes) else value

        self.xh = np.array(state["xh"], dtype=complex).reshape(self.xh.shape)
        self.y = np.array(state["y"], dtype=complex).reshape(self.y.shape)
        self.u = np.array(state["u"], dtype=complex).reshape(self.u.shape)
        self.k = int(plain(state["k"]))
        self.rng.bit_generator.state = json.loads(str(plain(state["rng_state"])))


def design(cfg: Any, ss: StateSpace | None = None) -> tuple[Compensator | None, np.ndarray | None]:
    """The compensator (or LQR gain) that a config's ``control:`` section asks for.

    Returns
    -------
    (compensator, K)
        ``compensator`` for lqg/reduced, ``K`` for lqr, both None for none.
    """
    ss = state_space(cfg) if ss is None else ss
    c = cfg.control
    Q = cost_matrix(ss, c.cost)
    if c.compensator == "lqg":
        return lqg(ss, Q=Q, R=c.R), None
    if c.compensator == "reduced":
        return reduced_lqg(ss, c.order, Q=Q, R=c.R), None
    if c.compensator == "lqr":
        return None, lqr_gain(ss, Q, c.R).gain
    return None, None


def plant_config(cfg: Any) -> Any:
    """The config whose problem a run integrates: with ``control.plant: linear`` the
    cubic term is dropped (beta = 0), else ``cfg`` itself."""
    if cfg.control is None or cfg.control.plant != "linear":
        return cfg
    return cfg.replace("flow.beta" if cfg.flow is not None else "equation.beta", 0)


def make_closed_loop(cfg: Any, prob: Any) -> ClosedLoopForcing | None:
    """The :class:`ClosedLoopForcing` of a validated config on the problem ``prob``, or
    None without a ``control:`` section."""
    if cfg.control is None:
        return None
    ss = state_space(cfg)
    comp, K = design(cfg, ss)
    if comp is not None or K is not None:
        check_sampled_loop(ss, comp, K, cfg.time.dt, cfg.time.precheck)
    return ClosedLoopForcing(ss, comp, cfg.time.dt, cfg.control.seed, cfg.control.t_on, cfg.control.t_off, K)


def _spectral_radius(ss: StateSpace, comp: Compensator | None, K: np.ndarray | None, h: float) -> float:
    F, _ = discrete_loop(ss, comp, h, True, K)
    return float(np.max(np.abs(np.linalg.eigvals(F))))


def check_sampled_loop(ss: StateSpace, comp: Compensator | None, K: np.ndarray | None, h: float,
                       mode: str = "error") -> float:
    """Refuse (``mode`` "error") or warn ("warn") when the sampled closed loop is unstable.

    The compensator is designed in continuous time but a run holds its input over each
    step and reads the sensors once per step (:func:`cgle.control.closed_loop.discrete_loop`):
    a delay of up to one step, which can make a stable design unstable (measured: the LQG
    loop of the supercritical flow at dt = 0.2 has spectral radius 1.0016). The loop is
    stable when every eigenvalue of the step matrix F has modulus < 1.

    Returns
    -------
    float
        The spectral radius of F.

    Raises
    ------
    cgle.steppers.precheck.UnstableTimeStep
        With ``mode`` "error", naming time.dt and the largest of h/2, h/4, ... that gives
        a stable loop.
    """
    radius = _spectral_radius(ss, comp, K, h)
    if mode == "off" or radius < 1:
        return radius
    smaller = h
    for _ in range(12):
        smaller /= 2
        if _spectral_radius(ss, comp, K, smaller) < 1:
            break
    else:
        smaller = None
    advice = (f"time.dt <= {smaller:g} gives a stable loop" if smaller is not None
              else "no dt down to h/4096 gives a stable loop")
    message = (f"time.dt = {h:g}: the sampled closed loop is unstable (spectral radius {radius:.6g} >= 1 of the step "
               f"with the input held over it), although the continuous design is stable; {advice}")
    if mode == "warn":
        warnings.warn(message, UserWarning, stacklevel=2)
        return radius
    raise UnstableTimeStep(message, None)
