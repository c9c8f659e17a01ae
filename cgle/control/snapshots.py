"""Balanced proper orthogonal decomposition from impulse-response snapshots (Rowley 2005,
Int. J. Bifurcation Chaos 15, 997).

The Gramians are integrals over impulse responses,

    P = int_0^inf e^(tA) B B^H e^(tA^H) dt,    Q = int_0^inf e^(tA^H) C^H C e^(tA) dt,

so with snapshots at t_k = k dt, k = 0 .. n_t - 1, and trapezoidal weights delta_k the
snapshot matrices

    X = [sqrt(delta_k) e^(t_k A) B]_k,    Y = [sqrt(delta_k) e^(t_k A^H) C^H]_k

give P ~ X X^H and Q ~ Y Y^H: X and Y play the part of the square-root factors of
balanced truncation (:mod:`cgle.control.reduction`). The SVD Y^H X = U Sigma V^H then
gives the balancing bases T = X V_r Sigma_r^(-1/2), S = Sigma_r^(-1/2) U_r^H Y^H, which
tend to those of balanced truncation as dt -> 0 and t_{n_t - 1} -> infinity. Only
products with the snapshots are needed, never a Gramian: the method of large systems,
where the snapshots come from runs of the direct and the adjoint simulation (here the
exponential of the small matrix stands in for those runs).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from cgle.control.reduction import ReducedModel, project
from cgle.control.statespace import LinearSystem
from cgle.threads import policed


def impulse_snapshots(A: np.ndarray, B: np.ndarray, t_end: float, count: int) -> np.ndarray:
    """Trapezoid-weighted impulse-response snapshots [sqrt(delta_k) e^(t_k A) B].

    Parameters
    ----------
    A : ndarray (n, n)
    B : ndarray (n, m)
        Impulse inputs (for the adjoint system: A^H and C^H).
    t_end : float
        Time of the last snapshot.
    count : int
        Number of snapshot times (>= 2), equally spaced on [0, t_end].

    Returns
    -------
    ndarray (n, m count)
    """
    if count < 2 or not t_end > 0:
        raise ValueError(f"need count >= 2 snapshots and t_end > 0 (got {count}, {t_end})")
    dt = t_end / (count - 1)
    step = scipy.linalg.expm(dt * np.asarray(A, dtype=complex))
    weights = np.full(count, dt)
    weights[[0, -1]] = dt / 2
    columns, x = [], np.asarray(B, dtype=complex)
    for k in range(count):
        columns.append(np.sqrt(weights[k]) * x)
        # x_{k+1} = e^(dt A) x_k
        x = step @ x
    return np.hstack(columns)


def _compress(X: np.ndarray) -> np.ndarray:
    """A factor with at most n columns and the same X X^H: U diag(s) from the thin SVD of X.

    With X = U s W^H, Y^H X = (Y^H U s) W^H, so the SVD of Y^H (U s) gives the same
    singular values and, through X V = (U s) V', the same bases T and S: the result of
    :func:`bpod` is unchanged, but its SVD is of an n x n matrix instead of a
    (p count) x (m count) one (count^3 work for long snapshot series).
    """
    if X.shape[1] <= X.shape[0]:
        return X
    U, s, _ = np.linalg.svd(X, full_matrices=False)
    return U * s


@policed
def bpod(sys: LinearSystem, r: int, t_end: float, count: int) -> ReducedModel:
    """Balanced POD of order r from ``count`` direct and adjoint snapshots on [0, t_end].

    Parameters
    ----------
    sys : LinearSystem or StateSpace
        Stable; ``A``, ``B``, ``C``.
    r : int
        Order (at most the rank of Y^H X).
    t_end : float
        Time horizon of the impulse responses (several decay times of the slowest mode).
    count : int
        Number of snapshot times.

    Returns
    -------
    ReducedModel
        ``.hsv`` holds the singular values of Y^H X (approximate Hankel singular values).
    """
    X = _compress(impulse_snapshots(sys.A, sys.B, t_end, count))
    Y = _compress(impulse_snapshots(sys.A.conj().T, sys.C.conj().T, t_end, count))
    U, s, Vh = np.linalg.svd(Y.conj().T @ X, full_matrices=False)
    if not 1 <= r <= int(np.sum(s > s[0] * np.finfo(float).eps)):
        raise ValueError(f"the order must be at least 1 and at most the rank of the snapshot product (got {r})")
    scale = 1 / np.sqrt(s[:r])
    T = X @ Vh[:r].conj().T * scale
    S = (U[:, :r].conj().T @ Y.conj().T) * scale[:, None]
    return project(sys, T, S, s)
