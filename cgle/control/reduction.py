"""Balanced truncation by the square-root method, and reduced LQG compensators.

For a stable system (A, B, C) the Gramians solve A P + P A^H + B B^H = 0 and
A^H Q + Q A + C^H C = 0; the Hankel singular values are sigma_j = sqrt(lambda_j(P Q)).
They are computed without forming P Q: with factors P = Z_c Z_c^H and Q = Z_o Z_o^H,
sigma_j are the singular values of Z_o^H Z_c (Laub, Heath, Paige & Ward 1987,
IEEE Trans. Autom. Control 32, 115; Tombs & Postlethwaite 1987). With the SVD
Z_o^H Z_c = U Sigma V^H, the balancing projections of order r are

    T = Z_c V_r Sigma_r^(-1/2),   S = Sigma_r^(-1/2) U_r^H Z_o^H,   S T = I_r,

and the reduced model is (S A T, S B, C T). Its error obeys the a priori bound
||G - G_r||_inf <= 2 (sigma_{r+1} + ... + sigma_n) (Glover 1984, Int. J. Control 39,
1115; Enns 1984). The factors here are eigen-factors Z = U diag(sqrt(max(lambda, 0)))
of the Hermitian Gramians, which, unlike a Cholesky factor, exist when a Gramian is
numerically singular (the Gramians of the Ginzburg-Landau system are: their
eigenvalues fall to roundoff within a few dozen).

An unstable system keeps its unstable modes exactly and only its stable part is balanced
(:mod:`cgle.control.unstable`).

A reduced LQG compensator (:func:`reduced_lqg`) is the LQG compensator of the balanced
truncation of the plant with inputs [B, B_d] and outputs [C; Q^(1/2)] (the sensors and
the cost), acting on the full plant (Bagheri et al. 2009). Its closed-loop H2
norm tends to the full compensator's as r grows (Bagheri configuration: 3.9518, 3.1634,
3.15379 at r = 2, 8, 12 against 3.15370).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from cgle.control.feedback import Compensator, lqg
from cgle.control.riccati import lyapunov
from cgle.control.statespace import LinearSystem, StateSpace
from cgle.control.unstable import split
from cgle.threads import policed


@dataclass
class ReducedModel(LinearSystem):
    """A reduced model (S A T, S B, C T) and its projections.

    Attributes
    ----------
    T : ndarray (n, r)
        Columns: the (direct) balanced modes; z is approximated by T a.
    S : ndarray (r, n)
        Rows: the adjoint balanced modes; a = S z, S T = I.
    hsv : ndarray
        The Hankel singular values (all of them for balanced truncation, of the stable
        part for an unstable system; the leading ones for balanced POD).
    unstable : int
        Number of unstable modes kept exactly (the first ``unstable`` states).
    """

    T: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    S: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    hsv: np.ndarray = field(default_factory=lambda: np.zeros(0))
    unstable: int = 0

    def discarded(self) -> float:
        """Sum of the Hankel singular values left out (the H-infinity error bound is twice this)."""
        return float(np.sum(self.hsv[self.A.shape[0] - self.unstable:]))


@policed
def gramians(sys: LinearSystem) -> tuple[np.ndarray, np.ndarray]:
    """Controllability and observability Gramians (P, Q) of a stable system.

    Returns
    -------
    (P, Q) : ndarray (n, n) each
        A P + P A^H + B B^H = 0 and A^H Q + Q A + C^H C = 0 (residual-checked).
    """
    P = lyapunov(sys.A, sys.B @ sys.B.conj().T).X
    Q = lyapunov(sys.A.conj().T, sys.C.conj().T @ sys.C).X
    return P, Q


def factor(G: ArrayLike) -> np.ndarray:
    """A square-root factor Z with Z Z^H = G of a Hermitian positive semidefinite G.

    Eigen-factor: Z = U diag(sqrt(max(lambda, 0))) for G = U diag(lambda) U^H; the
    columns of negligible eigenvalues (<= n eps max lambda) are dropped.

    Returns
    -------
    ndarray (n, k)
    """
    G = np.asarray(G, dtype=complex)
    lam, U = np.linalg.eigh((G + G.conj().T) / 2)
    keep = lam > G.shape[0] * np.finfo(float).eps * max(lam.max(initial=0.0), 0.0)
    return U[:, keep] * np.sqrt(lam[keep])


def _balancing_svd(sys):
    P, Q = gramians(sys)
    Zc, Zo = factor(P), factor(Q)
    U, s, Vh = np.linalg.svd(Zo.conj().T @ Zc, full_matrices=False)
    return Zc, Zo, U, s, Vh


@policed
def hankel_singular_values(sys: LinearSystem) -> np.ndarray:
    """The Hankel singular values sqrt(eig(P Q)) of a stable system, decreasing.

    Computed as the singular values of Z_o^H Z_c (square-root factors of the Gramians),
    padded with zeros to n entries. For an unstable system (eigenvalues with Re >= 0),
    those of its stable part (:mod:`cgle.control.unstable`), n - k entries.

    Parameters
    ----------
    sys : LinearSystem or StateSpace
        Uses ``A``, ``B`` (actuators) and ``C`` (sensors).

    Returns
    -------
    ndarray (n,)
    """
    stable = split(sys).stable
    s = _balancing_svd(stable)[3]
    out = np.zeros(stable.n)
    out[: s.size] = s
    return out


def project(sys: LinearSystem, T: np.ndarray, S: np.ndarray, hsv: np.ndarray) -> ReducedModel:
    """The Petrov-Galerkin projection (S A T, S B, C T) with its bases.

    Returns
    -------
    ReducedModel
    """
    return ReducedModel(A=S @ sys.A @ T, B=S @ sys.B, C=sys.C @ T, T=T, S=S, hsv=hsv)


@policed
def balanced_truncation(sys: LinearSystem, r: int) -> ReducedModel:
    """Balanced truncation of order r by the square-root method (module docstring).

    An unstable system keeps its k unstable modes exactly and balances its stable part
    to order r - k (:mod:`cgle.control.unstable`); the error bound then holds with the
    Hankel singular values of the stable part.

    Parameters
    ----------
    sys : LinearSystem or StateSpace
        ``A``, ``B``, ``C``.
    r : int
        Order, k <= r <= k + the number of nonzero Hankel singular values.

    Returns
    -------
    ReducedModel
        ``.A``, ``.B``, ``.C``, the bases ``.T``, ``.S``, all Hankel singular values
        ``.hsv`` and ``.unstable`` = k.
    """
    parts = split(sys)
    k = parts.k
    Zc, Zo, U, s, Vh = _balancing_svd(parts.stable)
    positive = int(np.sum(s > s[0] * np.finfo(float).eps)) if s.size else 0
    if not max(k, 1) <= r <= k + positive:
        what = f"{k} unstable mode(s) kept exactly plus at most " if k else "between 1 and "
        raise ValueError(f"the order must be {what}{positive}, the number of nonzero Hankel singular "
                         f"values{' of the stable part' if k else ''} (got {r})")
    rs = r - k
    scale = 1 / np.sqrt(s[:rs])
    # the stable part's balancing bases, in the coordinates of parts.stable
    Ts = Zc @ Vh[:rs].conj().T * scale
    Ss = (U[:, :rs].conj().T @ Zo.conj().T) * scale[:, None]
    # back to the coordinates of sys: z = V_u x_u + V_s x_s, x_u = S_u z, x_s = S_s z
    T = np.hstack([parts.V_u, parts.V_s @ Ts])
    S = np.vstack([parts.S_u, Ss @ parts.S_s])
    hsv = np.zeros(parts.stable.n)
    hsv[: s.size] = s
    red = project(sys, T, S, hsv)
    red.unstable = k
    return red


@policed
def hinf_error(full: LinearSystem, reduced: LinearSystem, omegas: ArrayLike) -> float:
    """max over the frequencies of ||G(i omega) - G_r(i omega)||_2 (a lower estimate of
    the H-infinity norm of the error).

    Returns
    -------
    float
    """
    worst = 0.0
    for w in np.asarray(omegas, dtype=float):
        E = full.transfer(1j * w) - reduced.transfer(1j * w)
        worst = max(worst, float(np.linalg.norm(E, 2)))
    return worst


@policed
def reduced_lqg(ss: StateSpace, r: int, Q: ArrayLike | None = None, R: ArrayLike = 1.0) -> Compensator:
    """An LQG compensator of order r designed on the balanced truncation of the plant.

    The plant with inputs [B, B_d] and outputs [C; Q^(1/2)] (sensors and cost) is balanced
    and truncated to (A_r, [B_r, B_d,r], [C_r; Q_r^(1/2)]); the cost on the reduced state
    a (z ~ T a) is Q_r = T^H Q T, the process noise B_d,r B_d,r^H, the sensor noise that
    of ``ss``. The compensator reads the full plant's sensors and
    drives its actuators.

    Parameters
    ----------
    ss : StateSpace
        The plant (an unstable one keeps its unstable modes exactly in the design model).
    r : int
        Order.
    Q, R : optional
        Costs of the full system (default energy, R = 1).

    Returns
    -------
    Compensator
        ``kind`` "reduced"; its states are the balanced coordinates.
    """
    m, p = ss.B.shape[1], ss.C.shape[0]
    Qf = np.eye(ss.n) if Q is None else np.asarray(Q, dtype=complex) * (np.eye(ss.n) if np.ndim(Q) == 0 else 1)
    # the cost output Q^(1/2) z is an output of the balanced system too: balancing the
    # sensors alone keeps what the sensors see, not the energy the compensator must lower
    lam, V = np.linalg.eigh((Qf + Qf.conj().T) / 2)
    Qh = (V * np.sqrt(np.clip(lam, 0, None))) @ V.conj().T
    joint = LinearSystem(ss.A, np.hstack([ss.B, ss.B_d]), np.vstack([ss.C, Qh]))
    red = balanced_truncation(joint, r)
    design = StateSpace(A=red.A, B=red.B[:, :m], C=red.C[:p], B_d=red.B[:, m:], V=ss.V)
    cost = red.C[p:]
    comp = lqg(design, Q=cost.conj().T @ cost, R=R)
    comp.kind = "reduced"
    return comp
