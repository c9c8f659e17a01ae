"""Pseudospectra: sigma_min(z I - L) in the energy norm on a grid of z."""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from cgle import progress
from cgle.analysis.energy import diagonal_spectrum, energy_matrix, is_diagonal
from cgle.problem import FourierProblem, Problem
from cgle.threads import policed


def _sigma_min_triangular(T, z, start, tol, maxiter):
    """sigma_min(z I - T) for upper-triangular T by Lanczos on ((zI - T)^H (zI - T))^(-1).

    Inverse Lanczos (Trefethen & Embree, "Spectra and Pseudospectra", 2005, ch. 39;
    EigTool): the largest eigenvalue theta of A^(-1) A^(-H), A = zI - T, is
    1 / sigma_min^2; each step costs two triangular solves. Full reorthogonalisation.
    Returns (sigma_min, Ritz vector) so the next grid point can start from it.
    """
    A = z * np.eye(T.shape[0]) - T
    if np.any(A.diagonal() == 0):
        return 0.0, start
    n = T.shape[0]
    m = min(maxiter, n)
    Q = np.zeros((n, m + 1), dtype=complex)
    alpha = np.zeros(m)
    beta = np.zeros(m)
    Q[:, 0] = start / np.linalg.norm(start)
    theta_old = 0.0
    for j in range(m):
        # w = A^(-1) A^(-H) q_j
        y = scipy.linalg.solve_triangular(A, Q[:, j], trans="C", check_finite=False)
        w = scipy.linalg.solve_triangular(A, y, check_finite=False)
        alpha[j] = np.vdot(Q[:, j], w).real
        # full reorthogonalisation (twice is enough)
        w -= Q[:, :j + 1] @ (Q[:, :j + 1].conj().T @ w)
        w -= Q[:, :j + 1] @ (Q[:, :j + 1].conj().T @ w)
        beta[j] = np.linalg.norm(w)
        ritz, vec = scipy.linalg.eigh_tridiagonal(alpha[:j + 1], beta[:j], select="i",
                                                  select_range=(j, j))
        theta = ritz[0]
        # ||K x - theta x|| = beta_j |s_j| for the Ritz pair (theta, x = Q s); the error in
        # theta is at most residual^2 / gap (K Hermitian), so residual <= sqrt(tol) theta
        # gives ~tol relative accuracy unless the top of the spectrum of K is clustered
        residual = beta[j] * abs(vec[-1, 0])
        done = residual <= math.sqrt(tol) * theta or abs(theta - theta_old) <= tol * theta
        if done or j == m - 1:
            x = Q[:, :j + 1] @ vec[:, 0]
            return 1.0 / math.sqrt(theta), x
        theta_old = theta
        Q[:, j + 1] = w / beta[j]
    raise AssertionError("unreachable")


def sigma_min_triangular_grid(T: np.ndarray, z: ArrayLike, tol: float = 1e-12, maxiter: int = 60) -> np.ndarray:
    """sigma_min(z I - T) at every point of the array z (warm-started along the grid)."""
    z = np.asarray(z, dtype=complex)
    out = np.empty(z.shape)
    rng = np.random.default_rng(0)
    start = rng.standard_normal(T.shape[0]) + 1j * rng.standard_normal(T.shape[0])
    fresh = start.copy()
    with progress.task("sigma_min(z I - L) on the grid", total=z.size if z.size > 1 else None) as bar:
        for idx in np.ndindex(z.shape):
            # keep a little of a fixed random vector so the start is never orthogonal
            sigma, x = _sigma_min_triangular(T, z[idx], start + 1e-3 * np.linalg.norm(start) * fresh
                                             / np.linalg.norm(fresh), tol, maxiter)
            out[idx] = sigma
            start = x
            bar.advance()
    return out


@policed
def pseudospectrum(prob: Problem | FourierProblem, grid: ArrayLike, *, tol: float = 1e-12) -> np.ndarray:
    """sigma_min(z I - L) in the energy norm at every point z of ``grid``.

    The eps-pseudospectrum is the set where this is < eps (Trefethen & Embree 2005).
    Computed from the complex Schur form F = Z T Z^H (one O(N^3) factorisation), then
    per point by inverse Lanczos with two triangular solves per step.

    Parameters
    ----------
    prob : Problem
    grid : complex array of any shape, or a pair (re, im) of 1-D real arrays
        The pair form means the mesh ``re[None, :] + 1j * im[:, None]``
        (shape (len(im), len(re)), rows along the imaginary axis).
    tol : float
        Relative convergence tolerance of the Lanczos iteration on 1/sigma^2.

    Returns
    -------
    ndarray of float, shaped like the grid. The absolute accuracy is that of any backward
    stable method, a few eps ||F||: values far below that (z next to an eigenvalue) carry
    a large relative error, as they would with a direct SVD.
    """
    if isinstance(grid, tuple) and len(grid) == 2:
        re, im = (np.asarray(g, dtype=float).reshape(-1) for g in grid)
        z = re[None, :] + 1j * im[:, None]
    else:
        z = np.asarray(grid, dtype=complex)
    if not np.all(np.isfinite(z)):
        raise ValueError("grid must hold finite numbers")
    if is_diagonal(prob):
        lam = diagonal_spectrum(prob)
        # normal operator: sigma_min(z I - L) = distance from z to the spectrum
        return np.min(np.abs(z[..., None] - lam), axis=-1) if z.size else np.empty(z.shape)
    F, _ = energy_matrix(prob)
    T, _Z = scipy.linalg.schur(F, output="complex")
    return sigma_min_triangular_grid(T, z, tol=tol)
