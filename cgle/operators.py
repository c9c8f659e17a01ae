"""The linear part of the equation as an operator, and functions of it.

Two kinds: :class:`DenseOperator` (Hermite and Chebyshev collocation: a full complex,
non-normal matrix) and :class:`DiagonalOperator` (Fourier: a symbol, diagonal in
wavenumber space). Steppers only use the methods below, so each scheme works on both.
A function of an operator (exp(hL), (I - aL)^{-1}, ...) is again an operator.
"""

import numpy as np
import scipy.linalg


class DenseOperator:
    """A dense complex matrix acting on 1-D states."""

    def __init__(self, matrix):
        self.matrix = np.ascontiguousarray(matrix, dtype=complex)

    @property
    def shape(self):
        return (self.matrix.shape[0],)

    def apply(self, v, out):
        """out = A v (``out`` must not be ``v``)."""
        np.dot(self.matrix, v, out=out)
        return out

    def identity(self):
        return np.eye(self.matrix.shape[0], dtype=complex)

    def expm(self, h):
        """exp(h A)."""
        return DenseOperator(scipy.linalg.expm(h * self.matrix))

    def shifted_inverse(self, a):
        """(I - a A)^{-1}, formed once from an LU factorisation."""
        lu = scipy.linalg.lu_factor(self.identity() - a * self.matrix, check_finite=False)
        return DenseOperator(scipy.linalg.lu_solve(lu, self.identity(), check_finite=False))

    def eigenvalues(self):
        return scipy.linalg.eigvals(self.matrix)

    def to_matrix(self):
        return self.matrix


class DiagonalOperator:
    """A diagonal operator given by its symbol (any array shape)."""

    def __init__(self, symbol):
        self.symbol = np.ascontiguousarray(symbol, dtype=complex)

    @property
    def shape(self):
        return self.symbol.shape

    def apply(self, v, out):
        """out = A v."""
        np.multiply(self.symbol, v, out=out)
        return out

    def expm(self, h):
        return DiagonalOperator(np.exp(h * self.symbol))

    def shifted_inverse(self, a):
        return DiagonalOperator(1.0 / (1.0 - a * self.symbol))

    def eigenvalues(self):
        return self.symbol.reshape(-1).copy()

    def to_matrix(self):
        return np.diag(self.symbol.reshape(-1))
