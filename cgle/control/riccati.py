"""The matrix equations of control, solved and checked.

    Riccati (control):   A^H X + X A - X B R^(-1) B^H X + Q = 0
    Riccati (filter):    A Y + Y A^H - Y C^H V^(-1) C Y + W = 0
    Lyapunov:            A P + P A^H + F = 0

through ``scipy.linalg.solve_continuous_are`` (Schur method on the Hamiltonian pencil,
Laub 1979; it works in complex arithmetic when any matrix is complex) and
``scipy.linalg.solve_continuous_lyapunov`` (Bartels-Stewart). Every solution is returned
Hermitian-symmetrised and with its relative residual

    ||residual||_F / (sum of the Frobenius norms of the terms),

the backward-error-like measure of Higham's *Functions of Matrices* applied to each
equation; a residual above :data:`MAX_RESIDUAL` raises :class:`SolverError` instead of
returning a solution that does not solve the equation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

# a solution whose relative residual exceeds this is refused
MAX_RESIDUAL = 1e-8


class SolverError(ArithmeticError):
    """A Riccati or Lyapunov solve whose relative residual is too large (or that failed)."""


@dataclass
class Solution:
    """A solution of a matrix equation and its relative residual.

    Attributes
    ----------
    X : ndarray (n, n)
        The Hermitian solution.
    residual : float
        Relative residual (see the module docstring).
    """

    X: np.ndarray
    residual: float


def _norm(M):
    return float(np.linalg.norm(M))


def _hermitian(X):
    return (X + X.conj().T) / 2


def care(A: ArrayLike, B: ArrayLike, Q: ArrayLike, R: ArrayLike, dual: bool = False) -> Solution:
    """The stabilising solution of A^H X + X A - X B R^(-1) B^H X + Q = 0.

    Parameters
    ----------
    A : array (n, n)
    B : array (n, m)
    Q : array (n, n), Hermitian positive semidefinite
    R : array (m, m), Hermitian positive definite
    dual : bool
        The equation is the filter equation of (A^H, C^H) = (``A``, ``B``): messages then
        speak of the sensors and detectability.

    Returns
    -------
    Solution

    Raises
    ------
    SolverError
        When scipy fails (no stabilising solution: (A, B) not stabilisable) or the
        relative residual exceeds :data:`MAX_RESIDUAL`.
    """
    which, pair, reach = (("filter", "(A, C) is not detectable", "a growing mode that no sensor sees") if dual
                          else ("control", "(A, B) is not stabilisable", "an unstable mode that no input reaches"))
    A, B, Q, R = (np.asarray(M, dtype=complex) for M in (A, B, Q, R))
    try:
        X = scipy.linalg.solve_continuous_are(A, B, Q, R)
    except (np.linalg.LinAlgError, ValueError) as err:
        raise SolverError(f"the {which} Riccati equation has no stabilising solution ({err})") from None
    X = _hermitian(X)
    XB = X @ B
    # a stabilising solution makes A - B R^(-1) B^H X stable; when none exists ((A, B) not
    # stabilisable: an unstable mode no input reaches) the solver returns something else
    closed = np.max(np.linalg.eigvals(A - B @ np.linalg.solve(R, XB.conj().T)).real)
    if not closed < 0:
        raise SolverError(f"the {which} Riccati equation has no stabilising solution: {pair} or the weights are too "
                          f"extreme (the closed loop keeps a growth rate {closed:.6g} >= 0; {reach})")
    quadratic = XB @ np.linalg.solve(R, XB.conj().T)
    AX = A.conj().T @ X
    res = AX + AX.conj().T - quadratic + Q
    scale = 2 * _norm(AX) + _norm(quadratic) + _norm(Q)
    rel = _norm(res) / scale if scale > 0 else 0.0
    if not rel <= MAX_RESIDUAL:
        raise SolverError(f"the {which} Riccati solution has relative residual {rel:.3g} > {MAX_RESIDUAL:g}")
    return Solution(X, rel)


def lyapunov(A: ArrayLike, F: ArrayLike) -> Solution:
    """The solution P of A P + P A^H + F = 0 (A stable, F Hermitian).

    Parameters
    ----------
    A : array (n, n)
        All eigenvalues in the open left half-plane.
    F : array (n, n)

    Returns
    -------
    Solution

    Raises
    ------
    SolverError
        When A has an eigenvalue with Re >= 0 (no bounded solution) or the relative
        residual exceeds :data:`MAX_RESIDUAL`.
    """
    A = np.asarray(A, dtype=complex)
    F = np.asarray(F, dtype=complex)
    lead = np.max(np.linalg.eigvals(A).real)
    if not lead < 0:
        raise SolverError(f"the Lyapunov equation needs a stable matrix; its largest growth rate is {lead:.6g}")
    P = _hermitian(scipy.linalg.solve_continuous_lyapunov(A, -F))
    AP = A @ P
    res = AP + AP.conj().T + F
    scale = 2 * _norm(AP) + _norm(F)
    rel = _norm(res) / scale if scale > 0 else 0.0
    if not rel <= MAX_RESIDUAL:
        raise SolverError(f"the Lyapunov solution has relative residual {rel:.3g} > {MAX_RESIDUAL:g}")
    return Solution(P, rel)


def discrete_lyapunov(F: ArrayLike, G: ArrayLike) -> Solution:
    """The solution P of P = F P F^H + G (all |eigenvalues of F| < 1).

    The stationary covariance of s_{k+1} = F s_k + noise with covariance G.

    Returns
    -------
    Solution
    """
    F = np.asarray(F, dtype=complex)
    G = np.asarray(G, dtype=complex)
    lead = np.max(np.abs(np.linalg.eigvals(F)))
    if not lead < 1:
        raise SolverError(f"the discrete Lyapunov equation needs |eigenvalues| < 1; the largest is {lead:.6g}")
    P = _hermitian(scipy.linalg.solve_discrete_lyapunov(F, G))
    FPF = F @ P @ F.conj().T
    res = FPF + G - P
    scale = _norm(P) + _norm(FPF) + _norm(G)
    rel = _norm(res) / scale if scale > 0 else 0.0
    if not rel <= MAX_RESIDUAL:
        raise SolverError(f"the discrete Lyapunov solution has relative residual {rel:.3g} > {MAX_RESIDUAL:g}")
    return Solution(P, rel)
