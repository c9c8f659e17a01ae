"""H2-optimal placement of Gaussian actuators and sensors (Chen & Rowley 2011).

Objective
---------
For the plant dz/dt = A z + B u + B_d d, y = C z + n of :mod:`cgle.control.statespace`
(energy coordinates, W = B_d B_d^H, V the sensor noise intensity) the LQG compensator
with the energy cost Q = I and input cost R minimises the stationary mean of
z^H z + u^H R u. Its optimal value is

    J(x_a, x_s) = trace(Q Y) + trace(X L V L^H) = trace(X W) + trace(Y K^H R K),

the *squared* H2 norm of the closed loop from the noises [d; n] to [Q^(1/2) z; R^(1/2) u]
(:func:`cgle.control.closed_loop.lqg_loop`). Here X, K = R^(-1) B^H X solve the control
Riccati equation, which involves B (the actuator centres x_a) but not C, and Y,
L = Y C^H V^(-1) the filter Riccati equation, which involves C (the sensor centres x_s)
but not B. This module reports and minimises J itself, not sqrt(J): J is the quantity
that is a *cost* (the mean energy plus the mean control effort), its gradient has the
closed form below, and it is the expected quadratic cost whose minimum over the
positions is the "H2-optimal placement" of K. K. Chen & C. W. Rowley, "H2 optimal
actuator and sensor placement in the linearised complex Ginzburg-Landau system",
J. Fluid Mech. 681, 241-260 (2011). A ratio of costs J is the square of the ratio of
the closed-loop H2 norms (:attr:`Placement.h2_norm`), so say which one is compared.

Gradient
--------
With A_c = A - B K (the LQR closed loop) and A_e = A - L C (the estimator), one
Lyapunov solve per Riccati equation gives the whole gradient:

    A_c P + P A_c^H + L V L^H = 0,        dJ/dx_a,j = -2 Re [K P X dB]_jj,
    A_e^H O + O A_e + K^H R K = 0,        dJ/dx_s,j = -2 Re [dC Y O L]_jj,

where dB (n x m) and dC (p x n) hold the derivatives of each actuator column / sensor row
with respect to its own centre: dB = M^(1/2) g'(x; x_a), dC = g'(x; x_s)^T M^(1/2) with g'
from :func:`cgle.control.statespace.gaussian_derivative`. The derivation is in
:func:`lqg_cost_gradient`: differentiating each Riccati equation gives a Lyapunov
equation for dX (dY) with the closed-loop matrix A_c (A_e), and the trace of dX (dY)
against a fixed matrix needs only the solution of the adjoint Lyapunov equation.

Resolution
----------
The shapes are sampled on the collocation nodes, so the nodes must resolve them: where
the node spacing exceeds the Gaussian width, J oscillates as a centre moves between
nodes, with spurious local minima at the nodes (measured: width 0.4 on the "auto"
Hermite grid of the flow-form problem, spacing ~0.7; :func:`cgle.control.statespace.check_shapes`
warns of such a grid). Width 0.4 on 120 nodes at scale 0.6 (spacing 0.37 near the
origin), or width 0.566 at scale 0.7, gives a smooth J.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.optimize
from numpy.typing import ArrayLike

from cgle.control.feedback import kalman_gain, lqr_gain
from cgle.control.riccati import SolverError, lyapunov
from cgle.control.statespace import LinearSystem, StateSpace, gaussian_derivative
from cgle.control.unstable import split
from cgle.threads import policed


@dataclass
class Placement:
    """Positions of the actuators and sensors with the LQG cost they achieve.

    Attributes
    ----------
    actuators, sensors : tuple of float
        Gaussian centres.
    cost : float
        The LQG cost J (the squared closed-loop H2 norm, see the module docstring).
    iterations : int
        Optimiser iterations (0 for a heuristic).
    converged : bool
        Whether the optimiser reported success (True for a heuristic).
    history : list of float
        J at the start and after each optimiser iteration.
    method : str
        "optimal", "global mode", "gramian" or "wavemaker".
    """

    actuators: tuple[float, ...]
    sensors: tuple[float, ...]
    cost: float
    iterations: int = 0
    converged: bool = True
    history: list[float] = field(default_factory=list)
    method: str = "optimal"

    @property
    def h2_norm(self) -> float:
        """sqrt(cost): the H2 norm of the closed loop."""
        return float(np.sqrt(self.cost))


def _input_cost(R: ArrayLike, m: int) -> np.ndarray:
    R = np.asarray(R, dtype=complex)
    return complex(R) * np.eye(m) if R.ndim == 0 else R


def _design(ss: StateSpace, R: ArrayLike) -> tuple[np.ndarray, ...]:
    """Both Riccati solutions and gains: (X, K, Y, L, R as a matrix)."""
    Rm = _input_cost(R, ss.B.shape[1])
    control = lqr_gain(ss, None, Rm)
    estimate = kalman_gain(ss)
    return control.riccati, control.gain, estimate.riccati, estimate.gain, Rm


@policed
def lqg_cost(ss: StateSpace, R: ArrayLike = 1.0) -> float:
    """The optimal LQG cost J of ``ss`` at its current actuator and sensor positions.

    Parameters
    ----------
    ss : StateSpace
        In energy coordinates; W = B_d B_d^H and V = ``ss.V`` are the noise intensities.
    R : number or array (m, m)
        Input cost (a number means R times the identity); the state cost is the energy,
        Q = I.

    Returns
    -------
    float
        J = trace(Y) + trace(X L V L^H), the squared H2 norm of the LQG closed loop.

    Raises
    ------
    cgle.control.riccati.SolverError
        When (A, B) is not stabilisable or (A, C) not detectable.
    """
    X, _, Y, L, _ = _design(ss, R)
    # trace(Q Y) + trace(X L V L^H) with Q = I
    return float((np.trace(Y) + np.trace(X @ L @ ss.V @ L.conj().T)).real)


@policed
def lqg_cost_gradient(ss: StateSpace, R: ArrayLike = 1.0) -> tuple[float, np.ndarray, np.ndarray]:
    """The LQG cost J and its gradient with respect to the actuator and sensor centres.

    Derivation. Write G = L V L^H, which depends on C only. In J = trace(Y) +
    trace(X G) only X moves with an actuator centre. Differentiating the control
    Riccati equation A^H X + X A - X B R^(-1) B^H X + I = 0 gives, with A_c = A - B K,

        A_c^H dX + dX A_c + S = 0,   S = -(X dB K + K^H dB^H X).

    If P solves the adjoint equation A_c P + P A_c^H + G = 0, then
    trace(dX G) = -trace(dX (A_c P + P A_c^H)) = -trace((A_c^H dX + dX A_c) P)
    = trace(S P) = -2 Re trace(K P X dB): one Lyapunov solve, whatever the number of
    centres. Actuator j moves column j of B only, so dJ/dx_a,j = -2 Re [K P X dB]_jj.

    Dually, J = trace(X W) + trace(Y H) with H = K^H R K (B only); the filter
    equation A Y + Y A^H - Y C^H V^(-1) C Y + W = 0 gives, with A_e = A - L C,
    A_e dY + dY A_e^H + T = 0, T = -(L dC Y + Y dC^H L^H), and with
    A_e^H O + O A_e + H = 0, trace(dY H) = trace(O T) = -2 Re trace(Y O L dC), so
    dJ/dx_s,j = -2 Re [dC Y O L]_jj.

    Parameters
    ----------
    ss : StateSpace
        With Gaussian actuators and sensors (``ss.positions`` holds their centres and
        widths).
    R : number or array (m, m)
        Input cost, as in :func:`lqg_cost`.

    Returns
    -------
    J : float
        The cost of :func:`lqg_cost`.
    dJ_dactuators : ndarray (m,)
        Derivatives with respect to each actuator centre.
    dJ_dsensors : ndarray (p,)
        Derivatives with respect to each sensor centre.
    """
    X, K, Y, L, Rm = _design(ss, R)
    pos, sw = ss.positions, ss.sqrt_weights
    # dB = M^(1/2) dg/dc (one column per actuator), dC = (dg/dc)^T M^(1/2)
    dB = sw[:, None] * gaussian_derivative(ss.x, pos["actuators"], pos["actuator_width"])
    dC = gaussian_derivative(ss.x, pos["sensors"], pos["sensor_width"]).T * sw[None, :]
    G = L @ ss.V @ L.conj().T
    J = float((np.trace(Y) + np.trace(X @ G)).real)
    P = lyapunov(ss.A - ss.B @ K, G).X
    # [K P X dB]_jj = sum_i (K P X)_ji dB_ij
    grad_a = -2 * np.sum((K @ P @ X).T * dB, axis=0).real
    O = lyapunov((ss.A - L @ ss.C).conj().T, K.conj().T @ Rm @ K).X
    # [dC Y O L]_jj = sum_i dC_ji (Y O L)_ij
    grad_s = -2 * np.sum(dC * (Y @ O @ L).T, axis=1).real
    return J, grad_a, grad_s


def _bounds(ss: StateSpace, bounds, count: int) -> list[tuple[float, float]]:
    if bounds is None:
        # the inner half of the node range, where the Gaussians stay resolved
        half = 0.5 * float(np.max(np.abs(ss.x)))
        return [(-half, half)] * count
    bounds = np.asarray(bounds, dtype=float)
    if bounds.shape == (2,):
        return [(float(bounds[0]), float(bounds[1]))] * count
    if bounds.shape != (count, 2):
        raise ValueError(f"bounds must be a (low, high) pair or {count} such pairs (got shape {bounds.shape})")
    return [(float(lo), float(hi)) for lo, hi in bounds]


@policed
def optimal_placement(ss: StateSpace, x0: ArrayLike | None = None,
                      bounds: ArrayLike | Sequence[tuple[float, float]] | None = None, R: ArrayLike = 1.0,
                      gtol: float = 1e-7, ftol: float = 1e-13, maxiter: int = 200) -> Placement:
    """Minimise the LQG cost over the actuator and sensor centres (L-BFGS-B, analytic gradient).

    Parameters
    ----------
    ss : StateSpace
        Its actuator and sensor count, widths, noises and disturbances are kept; its
        current centres are the default starting point.
    x0 : array (m + p,), optional
        Starting centres, actuators first then sensors (moved into ``bounds`` if outside).
    bounds : (low, high) or sequence of m + p pairs, optional
        Box constraints on the centres; default the inner half of the node range,
        [-max|x|/2, max|x|/2], for every centre.
    R : number or array (m, m)
        Input cost.
    gtol, ftol : float
        Tolerances of L-BFGS-B on the projected gradient and on the relative decrease of
        the normalised cost J / J(x0) (so both are relative to the starting cost).
    maxiter : int
        Most iterations.

    Returns
    -------
    Placement
        The optimal centres (``method`` "optimal") and J at each iterate.
    """
    m, p = ss.B.shape[1], ss.C.shape[0]
    pos = ss.positions
    start = np.asarray(pos["actuators"] + pos["sensors"] if x0 is None else x0, dtype=float).reshape(-1)
    if start.size != m + p:
        raise ValueError(f"x0 must hold {m} actuator and {p} sensor centres (got {start.size} numbers)")
    box = _bounds(ss, bounds, m + p)
    # a starting point outside the box starts from its nearest point inside
    start = np.clip(start, [lo for lo, _ in box], [hi for _, hi in box])
    seen: dict[bytes, float] = {}

    def cost_and_gradient(c):
        J, ga, gs = lqg_cost_gradient(ss.with_positions(c[:m], c[m:]), R)
        seen[c.tobytes()] = J
        return J, np.concatenate([ga, gs])

    J0 = cost_and_gradient(start)[0]
    history = [J0]

    def objective(c):
        # J / J0 is minimised, so that gtol is relative to the starting cost
        try:
            J, g = cost_and_gradient(c)
        except SolverError:
            # a centre so far out that (A, B) or (A, C) is numerically not stabilisable /
            # detectable: a large cost whose gradient points back to the start makes the
            # line search step back
            return 1e3, 1e3 * (c - start) / max(float(np.linalg.norm(c - start)), 1e-300)
        return J / J0, g / J0

    def record(c):
        c = np.asarray(c, dtype=float)
        history.append(seen[c.tobytes()] if c.tobytes() in seen else cost_and_gradient(c)[0])

    res = scipy.optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=box,
                                  callback=record, options={"gtol": gtol, "ftol": ftol, "maxiter": maxiter})
    best = np.asarray(res.x, dtype=float)
    return Placement(actuators=tuple(float(a) for a in best[:m]), sensors=tuple(float(s) for s in best[m:]),
                     cost=seen.get(best.tobytes(), float(res.fun) * J0), iterations=int(res.nit),
                     converged=bool(res.success), history=history)


def _peak(x: np.ndarray, f: np.ndarray) -> float:
    """Position of the maximum of a positive nodal profile f.

    The largest node and its two neighbours are interpolated by a parabola in log f
    (exact for a Gaussian peak, and a Ginzburg-Landau global mode is locally Gaussian:
    a Hermite-function envelope); its vertex, kept between the neighbours, is returned.
    """
    k = int(np.argmax(f))
    if k == 0 or k == len(x) - 1:
        return float(x[k])
    xs = x[k - 1:k + 2]
    logs = np.log(np.maximum(f[k - 1:k + 2], np.finfo(float).tiny))
    # log f ~ a t^2 + b t + c through the three points; vertex at t = -b / (2a)
    a, b, _ = np.polyfit(xs - x[k], logs, 2)
    if not a < 0:
        return float(x[k])
    return float(np.clip(x[k] - b / (2 * a), xs[0], xs[-1]))


def _leading_modes(ss: StateSpace) -> tuple[np.ndarray, np.ndarray]:
    """|direct| and |adjoint| leading global mode in nodal values (any normalisation)."""
    lam, left, right = scipy.linalg.eig(ss.A, left=True, right=True)
    j = int(np.argmax(lam.real))
    # A z = lam z with z = M^(1/2) q: the direct mode is q = M^(-1/2) z. The left
    # eigenvector w (w^H A = lam w^H) gives the adjoint of L in the energy inner product,
    # L^+ psi = conj(lam) psi with psi = M^(-1/2) w, since L^+ = M^(-1) L^H M.
    return np.abs(ss.to_state(right[:, j])), np.abs(ss.to_state(left[:, j]))


def _frequency_gramian(A: np.ndarray, F: np.ndarray) -> np.ndarray:
    """(1/2pi) int (i w - A)^(-1) F (i w - A)^(-H) dw for A with no imaginary eigenvalue.

    With the spectral split A = V_u T_u S_u + V_s T_s S_s of :func:`split`, the cross terms
    integrate to zero (both poles of the integrand lie in one half-plane), leaving
    V_s P_s V_s^H + V_u P_u V_u^H with T_s P_s + P_s T_s^H + S_s F S_s^H = 0 and
    (-T_u) P_u + P_u (-T_u)^H + S_u F S_u^H = 0 (Zhou, Salomon & Wu 1999).
    """
    n = A.shape[0]
    parts = split(LinearSystem(A, np.eye(n, dtype=complex), np.eye(n, dtype=complex)))
    total = np.zeros((n, n), dtype=complex)
    for V, S, T, sign in ((parts.V_s, parts.S_s, parts.stable.A, 1), (parts.V_u, parts.S_u, parts.unstable.A, -1)):
        if T.shape[0]:
            total += V @ lyapunov(sign * T, S @ F @ S.conj().T).X @ V.conj().T
    return total


@policed
def gramian_profiles(ss: StateSpace) -> tuple[np.ndarray, np.ndarray]:
    """Nodal densities of the frequency-domain Gramians that the Gramian heuristic maximises.

    For an unstable A the Lyapunov Gramians do not exist; the frequency-domain Gramians
    of Zhou, Salomon & Wu (1999, Int. J. Robust Nonlinear Control 9, 183) do (A has no
    eigenvalue on the imaginary axis) and equal the usual ones for a stable A:

    - controllability, P = (1/2pi) int (iw - A)^(-1) W (iw - A)^(-H) dw with W = B_d B_d^H:
      P_kk / w_k is the (frequency-integrated) variance of q at node k, what a point
      sensor there would see of the disturbances;
    - observability, O = (1/2pi) int (iw - A)^(-H) (iw - A)^(-1) dw (Q = I): O_kk / w_k
      is the energy of the response to a point impulse of unit integral at node k,
      what a point actuator there could act on.

    Parameters
    ----------
    ss : StateSpace

    Returns
    -------
    (sensor_profile, actuator_profile) : ndarray (n,), ndarray (n,)
        diag(P) / w and diag(O) / w.
    """
    n = ss.n
    P = _frequency_gramian(ss.A, ss.W)
    O = _frequency_gramian(ss.A.conj().T, np.eye(n, dtype=complex))
    return np.diag(P).real / ss.weights, np.diag(O).real / ss.weights


@policed
def heuristic_placements(ss: StateSpace, R: ArrayLike = 1.0) -> dict[str, Placement]:
    """One actuator and one sensor placed by the three classic heuristics, with their LQG costs.

    - "global mode": the actuator at the maximum of the adjoint leading global mode
      |psi(x)| (where forcing excites the mode most), the sensor at the maximum of the
      direct mode |phi(x)| (where the mode is largest);
    - "gramian": the sensor at the maximum of the controllability density diag(P)/w,
      the actuator at the maximum of the observability density diag(O)/w of the
      frequency-domain Gramians (:func:`gramian_profiles`; the disturbances are those of
      ``ss``, the output is the energy);
    - "wavemaker": both at the maximum of |phi(x)| |psi(x)|, the structural sensitivity of
      the global mode (Chomaz 2005, Annu. Rev. Fluid Mech. 37, 357; Giannetti & Luchini
      2007, J. Fluid Mech. 581, 167).

    Each maximum is the largest node refined by a parabola through log f at it and its
    two neighbours (:func:`_peak`), which is exact for a Gaussian profile; near the peaks
    the Hermite node spacing is below the Gaussian width of the modes.

    Parameters
    ----------
    ss : StateSpace
        Its widths, noise intensity and disturbances are kept; whatever its number of
        actuators and sensors, each heuristic places one of each.
    R : number
        Input cost.

    Returns
    -------
    dict of str to Placement
        Keys "global mode", "gramian", "wavemaker".
    """
    direct, adjoint = _leading_modes(ss)
    seen, sought = gramian_profiles(ss)
    chosen = {"global mode": (_peak(ss.x, adjoint), _peak(ss.x, direct)),
              "gramian": (_peak(ss.x, sought), _peak(ss.x, seen))}
    maker = _peak(ss.x, direct * adjoint)
    chosen["wavemaker"] = (maker, maker)
    out = {}
    for name, (xa, xs) in chosen.items():
        cost = lqg_cost(ss.with_positions([xa], [xs]), R)
        out[name] = Placement(actuators=(xa,), sensors=(xs,), cost=cost, history=[cost], method=name)
    return out
