"""The plant and its compensator together: closed-loop matrices, spectrum, H2 norms and
the stationary statistics a closed-loop run should show.

Continuous time (:mod:`cgle.control.feedback` for the notation): the LQG loop has the state
[z; xh] and the matrices of :func:`lqg_loop`; full-state feedback u = -K z has
A - B K. The H2 norm of a stable system (A, B, C) is sqrt(trace(C P C^H)) with
A P + P A^H + B B^H = 0, and the mean energy of the plant state, E|z|^2 = E[q^H M q],
is trace of the z-block of P (Bagheri et al. 2009).

Discrete time: a closed-loop run (:mod:`cgle.control.simulation`) advances the plant
exactly over a step h (exp(hA) and the zero-order hold Gamma of the input held over the
step), adds the disturbance increment sqrt(h) B_d xi as :mod:`cgle.problem.forcing`
does, reads the sensors with noise of variance V/h (white noise of intensity V averaged
over h) and advances the compensator exactly with its input y held over the step:

    z_{k+1}  = Phi z_k + Gamma u_k + sqrt(h) B_d xi_k,          u_k = C_K xh_k
    xh_{k+1} = Phi_K xh_k + Gamma_K (C z_k + sqrt(V/h) eta_k)

Its stationary covariance solves the discrete Lyapunov equation of
:func:`discrete_loop`; it differs from the continuous one by O(h).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from cgle.control.feedback import Compensator, discretise
from cgle.control.riccati import discrete_lyapunov, lyapunov
from cgle.control.statespace import LinearSystem, StateSpace
from cgle.threads import policed


def _sqrtm(M):
    """Hermitian square root of a positive semidefinite matrix."""
    lam, U = np.linalg.eigh((M + M.conj().T) / 2)
    return (U * np.sqrt(np.clip(lam, 0, None))) @ U.conj().T


def lqg_loop(ss: StateSpace, comp: Compensator, Q: ArrayLike | None = None, R: ArrayLike = 1.0) -> LinearSystem:
    """The closed loop of plant and compensator as a system from the noises to the cost.

    Inputs [d; n'] (disturbances, unit-intensity sensor noise), outputs
    [Q^(1/2) z; R^(1/2) u], state [z; xh].

    Returns
    -------
    LinearSystem
    """
    n, r = ss.n, comp.order
    m, p, k = ss.B.shape[1], ss.C.shape[0], ss.B_d.shape[1]
    Qh = np.eye(n) if Q is None else _sqrtm(np.asarray(Q, dtype=complex) * np.eye(n) if np.ndim(Q) == 0 else Q)
    Rh = _sqrtm(np.asarray(R, dtype=complex) * np.eye(m) if np.ndim(R) == 0 else np.asarray(R, dtype=complex))
    A = np.block([[ss.A, ss.B @ comp.C_K], [comp.B_K @ ss.C, comp.A_K]])
    B = np.block([[ss.B_d, np.zeros((n, p))], [np.zeros((r, k)), comp.B_K @ _sqrtm(ss.V)]])
    C = np.block([[Qh, np.zeros((n, r))], [np.zeros((m, n)), Rh @ comp.C_K]])
    return LinearSystem(A, B, C)


def state_feedback_loop(ss: StateSpace, K: ArrayLike, Q: ArrayLike | None = None, R: ArrayLike = 1.0) -> LinearSystem:
    """Full-state feedback u = -K z: (A - B K, B_d, [Q^(1/2); -R^(1/2) K]).

    Returns
    -------
    LinearSystem
    """
    K = np.asarray(K, dtype=complex)
    m = ss.B.shape[1]
    Qh = np.eye(ss.n) if Q is None else _sqrtm(np.asarray(Q, dtype=complex) * np.eye(ss.n) if np.ndim(Q) == 0 else Q)
    Rh = _sqrtm(np.asarray(R, dtype=complex) * np.eye(m) if np.ndim(R) == 0 else np.asarray(R, dtype=complex))
    return LinearSystem(ss.A - ss.B @ K, ss.B_d, np.vstack([Qh, -Rh @ K]))


def eigenvalues(A: ArrayLike, count: int | None = None) -> np.ndarray:
    """Eigenvalues of A sorted by decreasing real part (the first ``count``).

    Returns
    -------
    ndarray, complex
    """
    lam = scipy.linalg.eigvals(np.asarray(A, dtype=complex))
    lam = lam[np.argsort(-lam.real, kind="stable")]
    return lam if count is None else lam[:count]


@policed
def h2_norm(sys: LinearSystem) -> float:
    """H2 norm sqrt(trace(C P C^H)), A P + P A^H + B B^H = 0, of a stable system.

    Returns
    -------
    float

    Raises
    ------
    cgle.control.riccati.SolverError
        When A is not stable (the H2 norm is infinite).
    """
    return loop_statistics(sys, 0)[0]


@policed
def mean_energy(sys: LinearSystem, n: int) -> float:
    """Stationary E|z|^2 of the first ``n`` states of a stable system driven by unit white noise.

    Returns
    -------
    float
        trace(P[:n, :n]) with A P + P A^H + B B^H = 0.
    """
    return loop_statistics(sys, n)[1]


@policed
def loop_statistics(sys: LinearSystem, n: int) -> tuple[float, float]:
    """(H2 norm, stationary E|z|^2 of the first ``n`` states) from one Lyapunov solve.

    Both come from the stationary covariance P, A P + P A^H + B B^H = 0: the H2 norm is
    sqrt(trace(C P C^H)), the mean energy trace(P[:n, :n]).

    Returns
    -------
    (float, float)

    Raises
    ------
    cgle.control.riccati.SolverError
        When A is not stable.
    """
    P = lyapunov(sys.A, sys.B @ sys.B.conj().T).X
    h2 = float(np.sqrt(max(np.trace(sys.C @ P @ sys.C.conj().T).real, 0.0)))
    return h2, float(np.trace(P[:n, :n]).real)


def discrete_loop(ss: StateSpace, comp: Compensator | None, h: float, on: bool = True,
                  K: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(F, G): the step s_{k+1} = F s_k + G noise_k of a closed-loop run (module docstring).

    Parameters
    ----------
    ss : StateSpace
    comp : Compensator or None
        None: no compensator states (open loop, or full-state feedback with ``K``).
    h : float
        Time step.
    on : bool
        Whether the actuators are on (off: u = 0, the estimator runs on A - L C).
    K : array (m, n), optional
        Full-state feedback gain (``comp`` None): u_k = -K z_k.

    Returns
    -------
    F : ndarray (n + r, n + r)
    G : ndarray (n + r, k + p)
        Unit-variance complex noises: the covariance added per step is G G^H.
    """
    Phi, Gamma = discretise(ss.A, ss.B, h)
    n, k = ss.n, ss.B_d.shape[1]
    Gd = np.sqrt(h) * ss.B_d
    if comp is None:
        F = Phi - Gamma @ np.asarray(K, dtype=complex) if (K is not None and on) else Phi
        return F, Gd
    r, p = comp.order, ss.C.shape[0]
    Phi_K, Gamma_K = discretise(comp.A_K if on else comp.A_est, comp.B_K, h)
    F = np.block([[Phi, Gamma @ comp.C_K if on else np.zeros((n, r))], [Gamma_K @ ss.C, Phi_K]])
    G = np.block([[Gd, np.zeros((n, p))], [np.zeros((r, k)), Gamma_K @ _sqrtm(ss.V / h)]])
    return F, G


@policed
def discrete_mean_energy(ss: StateSpace, comp: Compensator | None, h: float, K: ArrayLike | None = None) -> float:
    """Stationary mean energy E|z_k|^2 of the discrete closed loop of :func:`discrete_loop`
    (actuators on), from the discrete Lyapunov equation P = F P F^H + G G^H.

    Returns
    -------
    float
    """
    F, G = discrete_loop(ss, comp, h, True, K)
    P = discrete_lyapunov(F, G @ G.conj().T).X
    return float(np.trace(P[:ss.n, :ss.n]).real)
