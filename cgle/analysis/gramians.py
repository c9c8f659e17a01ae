"""Gramians and H2 norms: the Lyapunov equations of the linear system.

    dq/dt = L q + B u,    y = C q

with complex circular white noise u (E[dW dW^H] = I dt): the controllability Gramian
is the stationary covariance E[q q^H] of the forced system, the observability Gramian
its adjoint, and the H2 norm sqrt(trace(C P C^H)) (Bagheri et al., Appl. Mech. Rev. 62,
020803, 2009). The mean energy of the stochastically forced system is the quadratic
form mean E[q^H M q] = trace(M P) (:func:`stationary_energy`).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from cgle.analysis.energy import require_dense
from cgle.analysis.spectra import leading_eigenvalue
from cgle.problem import Problem
from cgle.threads import policed


def _as_columns(B, n, name):
    B = np.asarray(B, dtype=complex)
    if B.ndim == 1:
        B = B[:, None]
    if B.ndim != 2 or B.shape[0] != n:
        raise ValueError(f"{name} must have shape (N,) or (N, m) with N = {n} nodes (got {B.shape})")
    return B


def _as_rows(C, n, name):
    C = np.asarray(C, dtype=complex)
    if C.ndim == 1:
        C = C[None, :]
    if C.ndim != 2 or C.shape[1] != n:
        raise ValueError(f"{name} must have shape (N,) or (p, N) with N = {n} nodes (got {C.shape})")
    return C


def _require_stable(prob, what):
    lead = leading_eigenvalue(prob)
    if not lead.real < 0:
        raise ValueError(f"{what} needs a globally stable operator; the leading eigenvalue is "
                         f"{lead.real:.6g}{lead.imag:+.6g}i")


@policed
def controllability_gramian(prob: Problem, B: ArrayLike) -> np.ndarray:
    """P solving L P + P L^H + B B^H = 0 (``scipy.linalg.solve_continuous_lyapunov``).

    P is the stationary covariance E[q q^H] of dq = L q dt + B dW with complex
    circular white noise, E[dW dW^H] = I dt.

    Parameters
    ----------
    prob : Problem
        Globally stable, dense.
    B : array (N,) or (N, m)
        Input shapes on the nodes.
    """
    require_dense(prob, "controllability_gramian")
    _require_stable(prob, "controllability_gramian")
    B = _as_columns(B, prob.L.shape[0], "B")
    P = scipy.linalg.solve_continuous_lyapunov(prob.L, -B @ B.conj().T)
    return (P + P.conj().T) / 2


@policed
def observability_gramian(prob: Problem, C: ArrayLike) -> np.ndarray:
    """Q solving L^H Q + Q L + C^H C = 0.

    Parameters
    ----------
    prob : Problem
        Globally stable, dense.
    C : array (N,) or (p, N)
        Output rows: y = C q (quadrature weights included by the caller).
    """
    require_dense(prob, "observability_gramian")
    _require_stable(prob, "observability_gramian")
    C = _as_rows(C, prob.L.shape[0], "C")
    Q = scipy.linalg.solve_continuous_lyapunov(prob.L.conj().T, -C.conj().T @ C)
    return (Q + Q.conj().T) / 2


@policed
def h2_norm(prob: Problem, B: ArrayLike, C: ArrayLike) -> float:
    """H2 norm of the system dq/dt = L q + B u, y = C q.

        H2 = sqrt(trace(C P C^H)),   L P + P L^H + B B^H = 0

    (equal to sqrt(trace(B^H Q B)) with the observability Gramian Q; Bagheri et al.
    2009). B is a column (actuator shape on the nodes), C a row whose product with q is
    the output, e.g. C = weights * sensor(x) for a spatially weighted sensor.

    Returns
    -------
    float
    """
    P = controllability_gramian(prob, B)
    C = _as_rows(C, prob.L.shape[0], "C")
    return float(math.sqrt(max(np.trace(C @ P @ C.conj().T).real, 0.0)))


@policed
def stationary_covariance(prob: Problem, B: ArrayLike, dt: float | None = None) -> np.ndarray:
    """Stationary covariance of the white-noise-forced linear system.

    ``dt=None``: the continuous system dq = L q dt + B dW, i.e. the controllability
    Gramian P. ``dt`` given: the scheme of :mod:`cgle.problem.forcing` on the exact linear
    propagator, v_{n+1} = exp(dt L) v_n + sqrt(dt) B xi_n, whose stationary covariance
    solves the discrete Lyapunov equation P_h = A P_h A^H + dt B B^H, A = exp(dt L)
    (``scipy.linalg.solve_discrete_lyapunov``). P_h - P = O(dt).
    """
    if dt is None:
        return controllability_gramian(prob, B)
    require_dense(prob, "stationary_covariance")
    _require_stable(prob, "stationary_covariance")
    B = _as_columns(B, prob.L.shape[0], "B")
    dt = float(dt)
    if not dt > 0:
        raise ValueError(f"dt must be > 0 (got {dt!r})")
    A = scipy.linalg.expm(dt * prob.L)
    P = scipy.linalg.solve_discrete_lyapunov(A, dt * (B @ B.conj().T))
    return (P + P.conj().T) / 2


@policed
def stationary_energy(prob: Problem, B: ArrayLike, dt: float | None = None) -> float:
    """Mean energy E[q^H M q] = trace(M P) of the stationary forced state.

    The mean of a quadratic form of a zero-mean vector with covariance P:
    E[q^H M q] = trace(M P). ``dt`` as in :func:`stationary_covariance`.
    """
    P = stationary_covariance(prob, B, dt)
    return float(np.sum(prob.weights.reshape(-1) * np.diag(P).real))
