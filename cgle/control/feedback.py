"""LQR, the Kalman filter and the LQG compensator, in energy coordinates.

For the plant dz/dt = A z + B u + B_d d, y = C z + n (:mod:`cgle.control.statespace`)
with white noises of intensities W = B_d B_d^H and V, the LQG compensator minimises
the mean of z^H Q z + u^H R u (Bagheri et al. 2009; Zhou, Doyle & Glover,
*Robust and Optimal Control*, 1996, ch. 14). By the separation principle it is::

    LQR gain      K = R^(-1) B^H X,   A^H X + X A - X B R^(-1) B^H X + Q = 0
    Kalman gain   L = Y C^H V^(-1),   A Y + Y A^H - Y C^H V^(-1) C Y + W = 0
    compensator   dxh/dt = A_K xh + B_K y,  u = C_K xh,
                  A_K = A - B K - L C,  B_K = L,  C_K = -K.

With the plant and the compensator together, the closed loop is

    d/dt [z; xh] = [[A, B C_K], [B_K C, A_K]] [z; xh] + [[B_d, 0], [0, B_K V^(1/2)]] [d; n']

(n' white with unit intensity), and its H2 norm from the noises to the cost output
[Q^(1/2) z; R^(1/2) u] is J^(1/2) with J = trace(Q Y) + trace(X L V L^H)
(= trace(X W) + trace(Y K^H R K)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from cgle.control.riccati import care
from cgle.control.statespace import LinearSystem, StateSpace
from cgle.threads import policed


def _matrix(M, n, name, default):
    if M is None:
        return default
    M = np.asarray(M, dtype=complex)
    if M.ndim == 0:
        return complex(M) * np.eye(n)
    if M.shape != (n, n):
        raise ValueError(f"{name} must be a number or an {n} x {n} matrix (got shape {M.shape})")
    return M


def cost_matrix(ss: StateSpace, cost: str = "energy") -> np.ndarray:
    """The state cost Q: the identity (energy of q) or C^H C (sensor outputs)."""
    if cost == "energy":
        return np.eye(ss.n, dtype=complex)
    if cost == "output":
        return ss.C.conj().T @ ss.C
    raise ValueError(f"cost must be 'energy' or 'output' (got {cost!r})")


@dataclass
class Gain:
    """A gain and the Riccati solution it came from.

    Attributes
    ----------
    gain : ndarray
        K (m x n) for LQR, L (n x p) for the Kalman filter.
    riccati : ndarray (n, n)
        X or Y.
    residual : float
        Relative residual of the Riccati equation.
    """

    gain: np.ndarray
    riccati: np.ndarray
    residual: float


@policed
def lqr_gain(ss: LinearSystem, Q: ArrayLike | None = None, R: ArrayLike = 1.0) -> Gain:
    """The LQR gain with its Riccati solution X (see :func:`lqr`)."""
    n, m = ss.B.shape
    Q = _matrix(Q, n, "Q", np.eye(n, dtype=complex))
    R = _matrix(R, m, "R", None)
    sol = care(ss.A, ss.B, Q, R)
    K = np.linalg.solve(R, ss.B.conj().T @ sol.X)
    return Gain(K, sol.X, sol.residual)


def lqr(ss: LinearSystem, Q: ArrayLike | None = None, R: ArrayLike = 1.0) -> np.ndarray:
    """The LQR gain K: u = -K z minimises the integral of z^H Q z + u^H R u.

    Parameters
    ----------
    ss : LinearSystem or StateSpace
        In energy coordinates.
    Q : array (n, n) or number, optional
        State cost; default the identity (the energy of q).
    R : array (m, m) or number
        Input cost (a number means R times the identity).

    Returns
    -------
    ndarray (m, n)
        K = R^(-1) B^H X, X the stabilising solution of the control Riccati equation.
    """
    return lqr_gain(ss, Q, R).gain


@policed
def kalman_gain(ss: StateSpace, W: ArrayLike | None = None, V: ArrayLike | None = None) -> Gain:
    """The Kalman gain with its Riccati solution Y (see :func:`kalman`)."""
    n, p = ss.n, ss.C.shape[0]
    W = _matrix(W, n, "W", ss.W if hasattr(ss, "B_d") else None)
    V = _matrix(V, p, "V", getattr(ss, "V", None))
    if W is None or V is None:
        raise ValueError("kalman needs W and V (or a StateSpace that has B_d and V)")
    # the filter equation is the control equation of the dual system (A^H, C^H)
    sol = care(ss.A.conj().T, ss.C.conj().T, W, V, dual=True)
    L = np.linalg.solve(V.conj().T, ss.C @ sol.X).conj().T  # L = Y C^H V^(-1)
    return Gain(L, sol.X, sol.residual)


def kalman(ss: StateSpace, W: ArrayLike | None = None, V: ArrayLike | None = None) -> np.ndarray:
    """The Kalman filter gain L = Y C^H V^(-1) of the steady-state estimator.

    Parameters
    ----------
    ss : StateSpace
        In energy coordinates.
    W : array (n, n) or number, optional
        Process noise intensity; default B_d B_d^H.
    V : array (p, p) or number, optional
        Sensor noise intensity; default ``ss.V``.

    Returns
    -------
    ndarray (n, p)
    """
    return kalman_gain(ss, W, V).gain


@dataclass
class Compensator:
    """A dynamic output-feedback compensator dxh/dt = A_K xh + B_K y, u = C_K xh.

    Attributes
    ----------
    A_K : ndarray (r, r)
    B_K : ndarray (r, p)
    C_K : ndarray (m, r)
    K : ndarray (m, r)
        The state-feedback gain of the (possibly reduced) design model.
    L : ndarray (r, p)
        The estimator gain of the design model.
    A_est : ndarray (r, r)
        The estimator dynamics with the actuators off, A - L C (u = 0).
    X, Y : ndarray (r, r)
        The control and filter Riccati solutions of the design model.
    residuals : tuple of float
        Relative residuals of the two Riccati equations.
    kind : str
        "lqg", "lqr" or "reduced".
    """

    A_K: np.ndarray
    B_K: np.ndarray
    C_K: np.ndarray
    K: np.ndarray
    L: np.ndarray
    A_est: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    residuals: tuple
    kind: str = "lqg"

    @property
    def order(self) -> int:
        """Number of compensator states."""
        return self.A_K.shape[0]


@policed
def lqg(ss: StateSpace, Q: ArrayLike | None = None, R: ArrayLike = 1.0, W: ArrayLike | None = None,
        V: ArrayLike | None = None) -> Compensator:
    """The LQG compensator of ``ss`` (see the module docstring).

    Parameters
    ----------
    ss : StateSpace
    Q, R : optional
        Costs as in :func:`lqr` (default: energy, R = 1).
    W, V : optional
        Noise intensities as in :func:`kalman` (default: B_d B_d^H and ``ss.V``).

    Returns
    -------
    Compensator
    """
    control = lqr_gain(ss, Q, R)
    estimate = kalman_gain(ss, W, V)
    K, L = control.gain, estimate.gain
    A_est = ss.A - L @ ss.C
    return Compensator(A_K=A_est - ss.B @ K, B_K=L, C_K=-K, K=K, L=L, A_est=A_est, X=control.riccati,
                       Y=estimate.riccati, residuals=(control.residual, estimate.residual))


def discretise(A: ArrayLike, B: ArrayLike, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact zero-order-hold discretisation: (exp(hA), integral_0^h exp(sA) ds B).

    Both blocks come from one exponential of the augmented matrix [[A, B], [0, 0]] h
    (Van Loan 1978, IEEE Trans. Autom. Control 23, 395).

    Returns
    -------
    (Phi, Gamma) : ndarray (n, n), ndarray (n, m)
    """
    A = np.asarray(A, dtype=complex)
    B = np.asarray(B, dtype=complex)
    n, m = B.shape
    aug = np.zeros((n + m, n + m), dtype=complex)
    aug[:n, :n], aug[:n, n:] = A * h, B * h
    E = scipy.linalg.expm(aug)
    return E[:n, :n], E[:n, n:]
