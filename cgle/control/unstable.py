"""The unstable and the stable part of a linear system, decoupled.

Balanced truncation needs Gramians, which exist only for a stable A. For a globally
unstable Ginzburg-Landau system the usual remedy (Zhou, Salomon & Wu 1999, Int. J. Robust
Nonlinear Control 9, 183; Barbagallo, Sipp & Schmid 2009, J. Fluid Mech. 641, 1) keeps
the few unstable modes exactly and balances the stable rest. With the ordered complex
Schur form

    A = U [[T11, T12], [0, T22]] U^H,   eig(T11): Re >= 0,  eig(T22): Re < 0,

the Sylvester equation T11 X - X T22 = -T12 (solvable: the two spectra are disjoint)
block-diagonalises it: with W = [[I, X], [0, I]], W^(-1) U^H A U W = diag(T11, T22).
The columns of U W are the bases of the two invariant subspaces and the rows of
W^(-1) U^H their dual (left) bases:

    V_u = U_1,            S_u = U_1^H - X U_2^H,
    V_s = U_1 X + U_2,    S_s = U_2^H,

so that S_u V_u = I, S_s V_s = I, S_u V_s = 0, S_s V_u = 0, and the transfer function
splits as G = C V_u (sI - T11)^(-1) S_u B + C V_s (sI - T22)^(-1) S_s B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from cgle.control.statespace import LinearSystem


@dataclass
class Split:
    """The decoupled unstable (u) and stable (s) parts of a system (module docstring).

    Attributes
    ----------
    k : int
        Number of eigenvalues with Re >= 0 (the order of the unstable part).
    V_u : ndarray (n, k)
    S_u : ndarray (k, n)
    V_s : ndarray (n, n - k)
    S_s : ndarray (n - k, n)
    stable : LinearSystem
        (S_s A V_s, S_s B, C V_s), the stable part.
    unstable : LinearSystem
        (S_u A V_u, S_u B, C V_u), the unstable part.
    """

    k: int
    V_u: np.ndarray
    S_u: np.ndarray
    V_s: np.ndarray
    S_s: np.ndarray
    stable: LinearSystem
    unstable: LinearSystem


def split(sys: LinearSystem) -> Split:
    """Decouple the eigenvalues with Re >= 0 of ``sys.A`` from the rest (module docstring).

    Parameters
    ----------
    sys : LinearSystem

    Returns
    -------
    Split
        ``k = 0`` (empty unstable part) for a stable system.
    """
    A = np.asarray(sys.A, dtype=complex)
    # ordered Schur form: the sort puts the eigenvalues with Re >= 0 first
    T, U, k = scipy.linalg.schur(A, output="complex", sort=lambda z: z.real >= 0)
    U1, U2 = U[:, :k], U[:, k:]
    # T11 X - X T22 = -T12 (scipy solves a X + X b = q)
    X = scipy.linalg.solve_sylvester(T[:k, :k], -T[k:, k:], -T[:k, k:]) if 0 < k < A.shape[0] else \
        np.zeros((k, A.shape[0] - k), dtype=complex)
    V_u, S_u = U1, U1.conj().T - X @ U2.conj().T
    V_s, S_s = U1 @ X + U2, U2.conj().T
    B, C = np.asarray(sys.B, dtype=complex), np.asarray(sys.C, dtype=complex)
    return Split(k=int(k), V_u=V_u, S_u=S_u, V_s=V_s, S_s=S_s,
                 stable=LinearSystem(S_s @ A @ V_s, S_s @ B, C @ V_s),
                 unstable=LinearSystem(S_u @ A @ V_u, S_u @ B, C @ V_u))
