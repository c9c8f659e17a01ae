"""Inputs and outputs of the linear Ginzburg-Landau system, in energy coordinates.

On the collocation nodes x_k with quadrature weights w_k (M = diag(w)) the linearised
equation with inputs, disturbances and outputs is

    dq/dt = L q + b u + f d,     y = c q + n,     (c q)_j = sum_k w_k s_j(x_k) q_k,

with actuator shapes b_j(x) = exp(-((x - xa_j)/width)^2) (columns of b), disturbance
sources f_j(x) = sqrt(variance) exp(-((x - xd_j)/width)^2), sensor shapes s_j and the
sensor outputs read as quadrature integrals of s_j q. The energy of q is
q^H M q = |M^(1/2) q|^2, so in the *energy coordinates*

    z = M^(1/2) q,   A = M^(1/2) L M^(-1/2),   B = M^(1/2) b,   B_d = M^(1/2) f,
    C = c M^(-1/2) = s^T M^(1/2)

the Euclidean inner product is the energy inner product: |z|^2 = q^H M q, the adjoint of
A is its conjugate transpose, and every Riccati and Lyapunov equation of
:mod:`cgle.control` is solved in these coordinates, where "Q = identity" is the energy
cost and the transfer function y(s) = C (sI - A)^(-1) B u(s) is the same as in the nodal
coordinates (Bagheri, Henningson, Hoepffner & Schmid 2009, Appl. Mech. Rev. 62, 020803,
use the same change of variables with a Cholesky factor of the weight matrix).

The noises are complex circular white noises, as in :mod:`cgle.problem.forcing`:
E[d(t) d(s)^H] = I delta(t - s) and E[n(t) n(s)^H] = V delta(t - s), V = diag(noise).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from cgle.config import ConfigError
from cgle.problem import Problem, build_problem


def gaussian(x: ArrayLike, centres: Sequence[float], width: float) -> np.ndarray:
    """Gaussian shapes exp(-((x - c)/width)^2) on the nodes, one column per centre.

    Parameters
    ----------
    x : array (N,)
        Nodes.
    centres : sequence of float
        Centres c_j.
    width : float
        Width (> 0).

    Returns
    -------
    ndarray (N, len(centres)), real
    """
    x = np.asarray(x, dtype=float)[:, None]
    c = np.asarray(centres, dtype=float).reshape(1, -1)
    # far from a narrow shape ((x - c)/width)^2 overflows to inf, and exp(-inf) = 0 is right
    with np.errstate(over="ignore"):
        return np.exp(-(((x - c) / width) ** 2))


def gaussian_derivative(x: ArrayLike, centres: Sequence[float], width: float) -> np.ndarray:
    """Derivative of :func:`gaussian` with respect to each centre: 2 (x - c)/width^2 times the shape.

    Returns
    -------
    ndarray (N, len(centres)), real
    """
    xx = np.asarray(x, dtype=float)[:, None]
    c = np.asarray(centres, dtype=float).reshape(1, -1)
    return 2 * (xx - c) / width**2 * gaussian(x, centres, width)


class ResolutionWarning(UserWarning):
    """An actuator, sensor or disturbance shape narrower than the nodes can integrate."""


# a shape whose quadrature integral is off by more than this is reported
SHAPE_TOLERANCE = 1e-3


# a shape whose largest value on the nodes is below this is not seen by the grid at all
VISIBLE = 1e-3


def check_shapes(x: np.ndarray, weights: np.ndarray, centres: Sequence[float], width: float, key: str) -> None:
    """Refuse a Gaussian shape the nodes do not see; warn when they cannot integrate it.

    A shape whose largest value on the nodes is below :data:`VISIBLE` (a centre far
    outside the nodes, or a width far below their spacing) would make an input that acts
    on nothing or an output that reads nothing: :class:`~cgle.config.ConfigError` naming
    ``key``.x0 or ``key``.width. The quadrature integral sum_k w_k exp(-((x_k - c)/width)^2)
    of a shape well inside the grid must equal sqrt(pi) width; where the node spacing is
    comparable to the width it does not, and every gain, H2 norm and energy of the system
    is off by as much (12 % for the energies of the Bagheri set-up on a 100-node grid
    whose spacing 0.65 exceeds the width 0.4): :class:`ResolutionWarning`.
    """
    inside = (x.min() + 4 * width, x.max() - 4 * width)
    for j, c in enumerate(centres):
        shape = gaussian(x, [c], width)[:, 0]
        near = np.sort(x[np.argsort(np.abs(x - c))[:2]])
        if not shape.max() >= VISIBLE:
            if x.min() <= c <= x.max():
                raise ConfigError(f"{key}.width", f"the shape at x = {c:g} falls between the nodes (spacing "
                                  f"{near[1] - near[0]:.3g} there): it must be wider than the spacing", width)
            raise ConfigError(f"{key}.x0[{j}]", f"the shape lies outside the nodes, which span {x.min():.4g} .. "
                              f"{x.max():.4g}", c)
        if not inside[0] <= c <= inside[1]:
            continue
        exact = np.sqrt(np.pi) * width
        # the integral of the shape by the grid's quadrature
        error = abs(float(np.sum(weights * shape)) / exact - 1)
        if error > SHAPE_TOLERANCE:
            warnings.warn(ResolutionWarning(
                f"{key}.width = {width:g}: the shape at x = {c:g} is integrated {100 * error:.2g} % wrong on this grid "
                f"(node spacing {near[1] - near[0]:.3g} there); raise grid.n or lower grid.scale until the spacing is "
                "well below the width"), stacklevel=3)


@dataclass
class LinearSystem:
    """A linear system dz/dt = A z + B u, y = C z (dense NumPy arrays).

    Attributes
    ----------
    A : ndarray (n, n)
    B : ndarray (n, m)
    C : ndarray (p, n)
    """

    A: np.ndarray
    B: np.ndarray
    C: np.ndarray

    @property
    def n(self) -> int:
        """Number of states."""
        return self.A.shape[0]

    def transfer(self, s: complex) -> np.ndarray:
        """The transfer function G(s) = C (sI - A)^(-1) B (p x m) at one point."""
        return self.C @ np.linalg.solve(s * np.eye(self.n) - self.A, self.B)


@dataclass
class StateSpace(LinearSystem):
    """The input-output system of a collocation problem in energy coordinates.

    See the module docstring for the transformation. ``A``, ``B`` (actuators), ``C``
    (sensors) and ``B_d`` (disturbance sources, one column each) act on z = M^(1/2) q.

    Attributes
    ----------
    B_d : ndarray (n, k)
        Disturbance input matrix (k = 0 columns when there are none).
    V : ndarray (p, p)
        Sensor noise intensity, diagonal.
    x : ndarray (n,)
        Nodes.
    weights : ndarray (n,)
        Quadrature weights.
    problem : Problem
        The problem the system was built from.
    positions : dict
        ``{"actuators": ..., "sensors": ..., "disturbances": ...}`` centres, and the widths.
    """

    B_d: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    V: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    problem: Any = None
    positions: dict = field(default_factory=dict)

    @property
    def sqrt_weights(self) -> np.ndarray:
        """M^(1/2) as a vector: sqrt(w)."""
        return np.sqrt(self.weights)

    def to_energy(self, q: ArrayLike) -> np.ndarray:
        """z = M^(1/2) q (nodal values to energy coordinates; columns of a matrix too)."""
        q = np.asarray(q)
        return (self.sqrt_weights.reshape((-1,) + (1,) * (q.ndim - 1))) * q

    def to_state(self, z: ArrayLike) -> np.ndarray:
        """q = M^(-1/2) z (energy coordinates to nodal values)."""
        z = np.asarray(z)
        return z / self.sqrt_weights.reshape((-1,) + (1,) * (z.ndim - 1))

    @property
    def W(self) -> np.ndarray:
        """Process noise intensity B_d B_d^H (n x n)."""
        return self.B_d @ self.B_d.conj().T

    def plant(self) -> LinearSystem:
        """The actuator-to-sensor system (A, B, C)."""
        return LinearSystem(self.A, self.B, self.C)

    def with_positions(self, actuators: Sequence[float] | None = None,
                       sensors: Sequence[float] | None = None) -> StateSpace:
        """The same system with the actuators and/or sensors moved to new centres."""
        pos = self.positions
        return from_problem(self.problem, pos["actuators"] if actuators is None else actuators,
                            pos["sensors"] if sensors is None else sensors, pos["disturbances"],
                            actuator_width=pos["actuator_width"], sensor_width=pos["sensor_width"],
                            disturbance_width=pos["disturbance_width"], variance=pos["variance"],
                            noise=pos["noise"], B_d=self.B_d if pos["disturbances"] is None else None)


def from_problem(prob: Problem, actuators: Sequence[float], sensors: Sequence[float],
                 disturbances: Sequence[float] | None = (), *, actuator_width: float = 0.4,
                 sensor_width: float = 0.4, disturbance_width: float = 1.6, variance: float = 1.0,
                 noise: float = 0.1, B_d: ArrayLike | None = None) -> StateSpace:
    """The :class:`StateSpace` of a collocation problem with Gaussian inputs and outputs.

    Parameters
    ----------
    prob : Problem
        A Hermite or Chebyshev problem (dense L, nodes, weights).
    actuators, sensors : sequence of float
        Centres of the actuator and sensor shapes.
    disturbances : sequence of float or None
        Centres of the disturbance sources; None with ``B_d`` given.
    actuator_width, sensor_width, disturbance_width : float
        Widths of the Gaussian shapes.
    variance : float
        Intensity of each disturbance source.
    noise : float
        Intensity of each sensor's noise.
    B_d : array (n, k), optional
        Disturbance input matrix in energy coordinates, given directly (e.g. the identity
        for "disturbances everywhere"); replaces ``disturbances``.

    Returns
    -------
    StateSpace
    """
    w = np.asarray(prob.weights, dtype=float).reshape(-1)
    sw = np.sqrt(w)
    x = np.asarray(prob.x, dtype=float).reshape(-1)
    check_shapes(x, w, actuators, actuator_width, "actuators")
    check_shapes(x, w, sensors, sensor_width, "sensors")
    if B_d is None:
        check_shapes(x, w, disturbances or (), disturbance_width, "disturbances")
    # A = M^(1/2) L M^(-1/2)
    A = sw[:, None] * np.asarray(prob.L, dtype=complex) / sw[None, :]
    B = (sw[:, None] * gaussian(x, actuators, actuator_width)).astype(complex)
    # C = s^T M M^(-1/2) = s^T M^(1/2)
    C = (gaussian(x, sensors, sensor_width).T * sw[None, :]).astype(complex)
    if B_d is not None:
        Bd = np.asarray(B_d, dtype=complex)
    else:
        Bd = (np.sqrt(variance) * sw[:, None] * gaussian(x, disturbances or (), disturbance_width)).astype(complex)
    V = noise * np.eye(C.shape[0])
    positions = {"actuators": tuple(float(a) for a in actuators), "sensors": tuple(float(s) for s in sensors),
                 "disturbances": None if B_d is not None else tuple(float(d) for d in disturbances or ()),
                 "actuator_width": actuator_width, "sensor_width": sensor_width,
                 "disturbance_width": disturbance_width, "variance": variance, "noise": noise}
    return StateSpace(A=A, B=B, C=C, B_d=Bd, V=V, x=x, weights=w, problem=prob, positions=positions)


def state_space(cfg: Any) -> StateSpace:
    """The input-output system of a validated config, in energy coordinates.

    Parameters
    ----------
    cfg : Config
        With an ``actuators`` and/or ``sensors`` section (a missing one gives zero
        columns or rows) and optionally ``disturbances``; Hermite or Chebyshev grid.

    Returns
    -------
    StateSpace
        ``.A``, ``.B``, ``.C``, ``.B_d``, ``.V`` (NumPy arrays), ``.x``, ``.weights``;
        the Euclidean norm of a state z is the energy norm of q = ``to_state(z)``.

    Raises
    ------
    ValueError
        When the config has neither actuators nor sensors.
    """
    if cfg.actuators is None and cfg.sensors is None:
        raise ValueError(f"the config {cfg.name!r} has no actuators and no sensors: add an `actuators:` and a "
                         "`sensors:` section (see the control how-to)")
    if cfg.grid.basis == "fourier":  # config validation makes this unreachable
        raise ValueError("inputs and outputs need a hermite or chebyshev grid")
    prob = build_problem(cfg)
    act, sen, dist = cfg.actuators, cfg.sensors, cfg.disturbances
    return from_problem(prob, act.x0 if act else (), sen.x0 if sen else (), dist.x0 if dist else (),
                        actuator_width=act.width if act else 0.4, sensor_width=sen.width if sen else 0.4,
                        disturbance_width=dist.width if dist else 1.6, variance=dist.variance if dist else 1.0,
                        noise=sen.noise if sen else 0.1)
