"""What ``cgle control CONFIG`` prints: the design of a config's compensator, checked.

:func:`control_report` gathers, for the inputs and outputs of a config
(:func:`cgle.control.state_space`):

- the open-loop spectrum (the leading eigenvalues of A) and, when A is stable, the
  Hankel singular values of the actuator-to-sensor system and the stationary energy
  E[q^H M q] the disturbances drive (trace of the Gramian of (A, B_d));
- the LQR gain K and the Kalman gain L with the relative residuals of their Riccati
  equations, and their *kernels* on the nodes: u = -K z = -sum_k w_k k(x_k) q_k with
  k = K M^(-1/2) (the gain a user plots against x),
  and the estimator correction M^(-1/2) L;
- the closed-loop spectra of full-state feedback (A - B K), of the estimator (A - L C)
  and of the LQG loop (their union, by the separation principle), the H2 norms of the
  loops from the noises to the cost output, and the controlled stationary energy;
- for ``control.compensator: reduced``, the same for the compensator designed on the
  balanced truncation of order ``control.order``.

A config without a ``control:`` section is designed with the defaults of that section
(LQG, energy cost, R = 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cgle import progress
from cgle.config.schema import Control
from cgle.control.closed_loop import eigenvalues, h2_norm, loop_statistics, lqg_loop, state_feedback_loop
from cgle.control.feedback import Compensator, cost_matrix, lqg
from cgle.control.reduction import hankel_singular_values, reduced_lqg
from cgle.control.riccati import lyapunov
from cgle.control.statespace import StateSpace, state_space
from cgle.threads import policed


@dataclass
class ControlReport:
    """The design of a config's compensator (see the module docstring).

    Attributes
    ----------
    ss : StateSpace
        The plant in energy coordinates.
    control : Control
        The control section used (the config's, or the defaults).
    compensator : Compensator
        The full-order LQG compensator.
    open_loop : ndarray
        Leading eigenvalues of A.
    stable : bool
        Whether every eigenvalue of A has Re < 0.
    unstable : int
        Number of eigenvalues of A with Re >= 0.
    hsv : ndarray
        Hankel singular values of (A, B, C) (of its stable part when A is unstable).
    open_energy : float or None
        Stationary E[q^H M q] without control (None when A is unstable).
    feedback, estimator, closed_loop : ndarray
        Leading eigenvalues of A - B K, A - L C and of the LQG loop.
    h2_lqr, h2_lqg : float
        H2 norms from the noises to [Q^(1/2) z; R^(1/2) u] with full-state feedback and
        with the LQG compensator (h2_lqg^2 is the optimal LQG cost).
    closed_energy : float
        Stationary E[q^H M q] with the LQG compensator.
    gain_kernel, estimator_kernel : ndarray
        k_j(x_k) (m x N) and the correction M^(-1/2) L (N x p) on the nodes.
    reduced : dict
        For a reduced compensator: ``order``, ``closed_loop`` eigenvalues, ``stable``,
        ``h2``, ``energy`` (inf when the loop is unstable; empty otherwise).
    """

    ss: StateSpace
    control: Any
    compensator: Compensator
    open_loop: np.ndarray
    stable: bool
    unstable: int
    hsv: np.ndarray
    open_energy: float | None
    feedback: np.ndarray
    estimator: np.ndarray
    closed_loop: np.ndarray
    h2_lqr: float
    h2_lqg: float
    closed_energy: float
    gain_kernel: np.ndarray
    estimator_kernel: np.ndarray
    reduced: dict = field(default_factory=dict)

    def arrays(self) -> dict[str, np.ndarray]:
        """The report as named arrays (for ``np.savez``): nodes, weights, gains, kernels, spectra."""
        out = {"x": self.ss.x, "weights": self.ss.weights, "K": self.compensator.K, "L": self.compensator.L,
               "gain_kernel": self.gain_kernel, "estimator_kernel": self.estimator_kernel,
               "open_loop": self.open_loop, "closed_loop": self.closed_loop, "feedback": self.feedback,
               "estimator": self.estimator}
        out["hsv"] = self.hsv
        return out


@policed
def control_report(cfg: Any, k: int = 5, hsv: int = 10) -> ControlReport:
    """Design and check the compensator of a config (module docstring).

    Parameters
    ----------
    cfg : Config
        With ``actuators`` and ``sensors`` (and usually ``disturbances``).
    k : int
        Number of leading eigenvalues kept of each spectrum.
    hsv : int
        Number of Hankel singular values kept.

    Returns
    -------
    ControlReport

    Raises
    ------
    ValueError
        When the config lacks actuators or sensors.
    cgle.control.riccati.SolverError
        When a Riccati equation has no stabilising solution.
    """
    if cfg.actuators is None or cfg.sensors is None:
        missing = "actuators" if cfg.actuators is None else "sensors"
        raise ValueError(f"cgle control designs an LQG compensator, which needs actuators and sensors: the config "
                         f"{cfg.name!r} has no `{missing}:` section")
    c = cfg.control if cfg.control is not None else Control()
    with progress.task("control design", total=5) as bar:
        ss = state_space(cfg)
        bar.advance()
        Q = cost_matrix(ss, c.cost)
        comp = lqg(ss, Q=Q, R=c.R)
        bar.advance()
        open_loop = eigenvalues(ss.A)
        stable = bool(open_loop[0].real < 0)
        open_energy = None
        # for an unstable plant, the values of its stable part
        hankel = hankel_singular_values(ss.plant())[:hsv]
        if stable:
            if ss.B_d.shape[1]:
                open_energy = float(np.trace(lyapunov(ss.A, ss.W).X).real)
            else:
                open_energy = 0.0
        bar.advance()
        loop = lqg_loop(ss, comp, Q=Q, R=c.R)
        h2_lqg, closed_energy = loop_statistics(loop, ss.n)
        h2_lqr = h2_norm(state_feedback_loop(ss, comp.K, Q=Q, R=c.R))
        bar.advance()
        reduced = {}
        if cfg.control is not None and c.compensator == "reduced":
            rcomp = reduced_lqg(ss, c.order, Q=Q, R=c.R)
            rloop = lqg_loop(ss, rcomp, Q=Q, R=c.R)
            spectrum = eigenvalues(rloop.A)
            # a reduced compensator may fail to stabilise the full plant: then H2 and energy are unbounded
            bounded = bool(spectrum[0].real < 0)
            h2, energy = loop_statistics(rloop, ss.n) if bounded else (float("inf"), float("inf"))
            reduced = {"order": c.order, "closed_loop": spectrum[:k], "stable": bounded, "h2": h2, "energy": energy}
        bar.advance()
    sw = ss.sqrt_weights
    return ControlReport(
        ss=ss, control=c, compensator=comp, open_loop=open_loop[:k], stable=stable,
        unstable=int(np.sum(open_loop.real >= 0)), hsv=hankel,
        open_energy=open_energy, feedback=eigenvalues(ss.A - ss.B @ comp.K, k),
        estimator=eigenvalues(comp.A_est, k), closed_loop=eigenvalues(loop.A, k), h2_lqr=h2_lqr, h2_lqg=h2_lqg,
        closed_energy=closed_energy,
        # u = -K z = -K M^(1/2) q = -sum_k w_k (K M^(-1/2))_k q_k
        gain_kernel=comp.K / sw[None, :],
        # the estimator's correction of the nodal state: M^(-1/2) L
        estimator_kernel=comp.L / sw[:, None],
        reduced=reduced)

