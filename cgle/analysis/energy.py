"""The energy inner product on collocation nodes, and the operator in its coordinates.

Every analysis of the linear system dq/dt = L q uses the energy norm

    ||q||_M^2 = q^H M q = sum(weights * |q|^2),    M = diag(weights)

(Gauss quadrature weights on the nodes, so ||q||_M is the L2 norm of the interpolant to
roundoff). Every M-norm of an operator A equals the 2-norm of the similar matrix
M^(1/2) A M^(-1/2): :func:`energy_matrix` forms F = M^(1/2) L M^(-1/2) once, and the
analysis modules work with F, so matrix functions and singular values are those of
ordinary 2-norm theory.

Fourier problems (diagonal operator, energy norm proportional to the coefficient
2-norm by Parseval) are normal; :func:`is_diagonal` lets each analysis take its exact
shortcut for them.
"""

from __future__ import annotations

import numpy as np

from cgle.problem import FourierProblem, Problem
from cgle.problem.operators import DiagonalOperator


def is_diagonal(prob: Problem | FourierProblem) -> bool:
    """Whether the problem's operator is diagonal (a Fourier problem), so that exact
    shortcuts apply."""
    return isinstance(prob.linear, DiagonalOperator)


def require_dense(prob: Problem | FourierProblem, what: str) -> None:
    """Raise ValueError, naming ``what``, unless the problem has a dense operator
    (Hermite or Chebyshev collocation)."""
    if is_diagonal(prob):
        raise ValueError(f"{what} needs a collocation problem with a dense operator "
                         f"(grid.basis hermite or chebyshev); got grid.basis {prob.basis}")


def energy_matrix(prob: Problem) -> tuple[np.ndarray, np.ndarray]:
    """F = M^(1/2) L M^(-1/2): the operator in coordinates where the energy norm is the 2-norm.

    Parameters
    ----------
    prob : Problem
        A collocation problem (dense ``prob.L``, positive ``prob.weights``).

    Returns
    -------
    F : ndarray (N, N) complex
    sqrt_w : ndarray (N,)
        The square roots of the weights, so that q = p / sqrt_w maps back.
    """
    require_dense(prob, "energy_matrix")
    w = np.asarray(prob.weights, dtype=float).reshape(-1)
    if not np.all(w > 0):
        raise ValueError(f"prob.weights must all be > 0 for the energy norm (min {w.min():g})")
    sqrt_w = np.sqrt(w)
    # F_ij = sqrt(w_i) L_ij / sqrt(w_j)
    F = sqrt_w[:, None] * np.asarray(prob.L, dtype=complex) / sqrt_w[None, :]
    return F, sqrt_w


def diagonal_spectrum(prob: FourierProblem) -> np.ndarray:
    """The eigenvalues of a diagonal operator: its symbol, flattened, complex."""
    return np.asarray(prob.L, dtype=complex).reshape(-1)
