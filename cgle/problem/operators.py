"""The linear part of the equation as an operator, and functions of it.

Two kinds: :class:`DenseOperator` (Hermite and Chebyshev collocation: a full complex,
non-normal matrix) and :class:`DiagonalOperator` (Fourier: a symbol, diagonal in
wavenumber space). Steppers only use the methods below, so each scheme works on both.
A function of an operator (exp(hL), (I - aL)^{-1}, phi_k(hL), ...) is again an operator.

The phi functions of exponential integrators (Hochbruck & Ostermann, Acta Numerica 19,
2010, eq. 2.10),

    phi_0(z) = e^z,   phi_{k+1}(z) = (phi_k(z) - 1/k!) / z,   phi_k(0) = 1/k!,

are computed without eigenvectors and without cancellation for small |hL|: for a dense
(non-normal, complex) matrix by scaling, Taylor series and modified squaring on N x N
matrices (Skaflestad & Wright 2009), or, as an independent check, from one exponential
of an augmented block matrix (Sidje 1998, Theorem 1; Al-Mohy & Higham 2011, eq. 2.11);
for a diagonal symbol by the full-circle contour mean of Kassam & Trefethen (2005,
eq. 2.4) near 0 and the recurrence itself elsewhere (no ``real()``: the symbol is complex).
"""

import math

# NumPy's LAPACK (not scipy.linalg) for the solves and eigenvalues below: importing
# scipy.linalg costs ~0.14 s, as much as a whole 200-step Hermite run
import numpy as np

from cgle.problem import expm_action, kernels, matrix_functions, recycled

# diagonal phi functions: for |z| < _PHI_CONTOUR_BELOW the mean over _PHI_CONTOUR_POINTS
# nodes on the circle of radius _PHI_CONTOUR_RADIUS around z (every node has modulus >= 1,
# where the recurrence loses < 1 digit); for |z| >= _PHI_CONTOUR_BELOW the recurrence.
_PHI_CONTOUR_BELOW = 1.0
_PHI_CONTOUR_RADIUS = 2.0
_PHI_CONTOUR_POINTS = 32


def _phi_recurrence(z, kmax):
    """[phi_0(z), ..., phi_kmax(z)] by the defining recurrence (accurate for |z| >= 1)."""
    out = [np.exp(z)]
    for k in range(kmax):
        out.append((out[-1] - 1.0 / math.factorial(k)) / z)
    return out


def phi_functions(z, kmax):
    """phi_0(z), ..., phi_kmax(z) elementwise for complex ``z`` of any shape.

    Parameters
    ----------
    z : array_like of complex
    kmax : int
        Highest index, >= 0.

    Returns
    -------
    list of ndarray
        ``kmax + 1`` complex arrays shaped like ``z``.

    Notes
    -----
    For |z| >= 1 the recurrence phi_{k+1} = (phi_k - 1/k!) / z is used directly (relative
    error < 1e-14 there). For |z| < 1 it would cancel (phi_3 loses ~ log10(1/|z|^3)
    digits), so phi_k(z) is taken as the mean of phi_k over the FULL circle
    z + 2 e^{i theta_m}, theta_m = 2 pi (m + 1/2) / 32 (Kassam & Trefethen 2005, eq. 2.4,
    without their half circle and ``real()``, which assume a real symbol). By the mean
    value property of the entire function phi_k the mean equals phi_k(z) up to the
    aliasing error ~ 2^32 / 32! ~ 1e-26, and every node has modulus >= 1.
    """
    z = np.asarray(z, dtype=complex)
    kmax = int(kmax)
    if kmax < 0:
        raise ValueError(f"kmax must be >= 0 (got {kmax})")
    result = [np.empty_like(z) for _ in range(kmax + 1)]
    near = np.abs(z) < _PHI_CONTOUR_BELOW
    far = ~near
    if far.any():
        for k, value in enumerate(_phi_recurrence(z[far], kmax)):
            result[k][far] = value
    if near.any():
        m = np.arange(_PHI_CONTOUR_POINTS)
        circle = _PHI_CONTOUR_RADIUS * np.exp(2j * np.pi * (m + 0.5) / _PHI_CONTOUR_POINTS)
        # phi_k(z) = mean_m phi_k(z + r e^{i theta_m})
        nodes = z[near][:, None] + circle[None, :]
        for k, value in enumerate(_phi_recurrence(nodes, kmax)):
            result[k][near] = value.mean(axis=1)
    return result


class DenseOperator:
    """A dense complex matrix acting on 1-D states.

    ``modes`` (optional, :class:`cgle.problem.hermite_modes.HermiteModes`): a basis in
    which the matrix is pentadiagonal; exponentials (:meth:`expm`, :meth:`expm_action`)
    are then computed there, with the numba kernels (for an even mu(x) as a
    :class:`cgle.problem.hermite_banded.BandedExponential`, which a stepper uses like this
    class: ``apply``, ``squared``, ``matrix``).
    """

    def __init__(self, matrix, modes=None):
        self._matrix = np.ascontiguousarray(matrix, dtype=complex)
        self.modes = modes

    @property
    def matrix(self):
        """The matrix on the nodes."""
        return self._matrix

    @property
    def shape(self):
        return (self._matrix.shape[0],)

    def apply(self, v, out):
        """out = A v (``out`` must not be ``v``)."""
        np.dot(self.matrix, v, out=out)
        return out

    def identity(self):
        return np.eye(self.matrix.shape[0], dtype=complex)

    def _modal(self):
        """Whether exponentials go through :attr:`modes`: where there are modes and the
        kernels are numba's (bound from the config, so a restarted run makes the same
        choices; before any choice the first kernel call binds numba). In NumPy a banded
        product costs about a dense one at N ~ 200 (five calls of a few microseconds)."""
        return self.modes is not None and kernels.backend() != "numpy"

    def expm(self, h):
        """exp(h A) (:func:`cgle.problem.matrix_functions.expm`, or in :attr:`modes`:
        :meth:`cgle.problem.hermite_modes.HermiteModes.expm`)."""
        if self._modal():
            banded = self.modes.expm_banded(h)
            if banded is not None:
                return banded
            return DenseOperator(self.modes.expm(h))
        return DenseOperator(matrix_functions.expm(h * self.matrix))

    def expm_uses_half(self, h):
        """Whether :meth:`expm` (h) is computed as expm(h / 2) squared (then
        ``expm(h / 2).squared()`` gives the same bits for one matrix product); remembered
        per h (the norm of h A is what :meth:`expm` computes, an N^2 pass)."""
        if self._modal():
            return self.modes.expm_squarings(h) >= 1
        known = self.__dict__.setdefault("_uses_half", {})
        if h not in known:
            # |h| ||A - mu I||_1 is the norm expm(h) plans with up to rounding: decisive
            # unless a plan threshold lies within that rounding, then computed as expm does
            approx = abs(h) * self._shift()[2]
            low, high = (matrix_functions.ends_by_squaring(approx * (1.0 + d)) for d in (-1e-12, 1e-12))
            if low == high:
                known[h] = low
            else:
                known[h] = matrix_functions.ends_by_squaring(matrix_functions.expm_norm(h * self.matrix))
        return known[h]

    def _shift(self):
        """(A - mu I, mu, ||A - mu I||_1) for the exponential action, formed once."""
        if getattr(self, "_shifted", None) is None:
            self._shifted = expm_action.shifted(self.matrix)
        return self._shifted

    def _modal_pays(self, h):
        """Whether exp(h A) v is cheaper in :attr:`modes` than by dense products."""
        if not self._modal():
            return False
        _B, _mu, norm = self._shift()
        m, s = expm_action.action_plan(abs(h) * norm)
        return self.modes.action_cost(h) < m * s

    def expm_action(self, h):
        """exp(h A) as an operator that is never formed: each ``apply`` sums a scaled
        Taylor series of matrix-vector products (:class:`cgle.problem.expm_action.ExponentialAction`),
        of banded ones in :attr:`modes` where that is cheaper
        (:class:`cgle.problem.hermite_modes.ModalExponentialAction`)."""
        if self._modal_pays(h):
            return self.modes.expm_action(h)
        B, mu, norm = self._shift()
        return expm_action.ExponentialAction(B, mu, norm, h)

    def expm_costs(self, h):
        """(one application of :meth:`expm_action` (h), forming :meth:`expm` (h)), in
        matrix-vector products: the numbers the steppers' cost model compares. An action
        is priced at its dense products m s also where :attr:`modes` apply it for less
        (2 to 8 times less at N = 220): renting is then cheaper than the model says, which
        only makes it buy the matrix earlier than it would need to."""
        known = self.__dict__.setdefault("_expm_costs", {})
        key = (h, self._modal())
        if key not in known:
            # the shift of the action is the one expm plans with: one norm for both
            _B, _mu, norm = self._shift()
            m, s = expm_action.action_plan(abs(h) * norm)
            n = self.matrix.shape[0]
            if key[1]:
                build = self.modes.matrix_cost(h) * expm_action.product_in_matvecs(n)
            else:
                build = expm_action.matrix_cost(abs(h) * norm, n)
            known[key] = (float(m * s), build)
        return known[key]

    def squaring_cost(self):
        """Matrix-vector products of one :meth:`squared` of a formed exponential (a dense
        product, or where :attr:`modes` have a symmetric form the price of its rank-k
        update, an upper bound of the banded squaring used there)."""
        n = self.matrix.shape[0]
        if self._modal():
            return self.modes.squaring_cost() * expm_action.product_in_matvecs(n)
        return expm_action.squaring_cost(n)

    def exponential_nbytes(self):
        """Bytes that one formed exp(hA) may hold: twice the matrix where :attr:`modes` may
        keep the banded form beside the matrix on the nodes (two real N x N arrays)."""
        n = self.matrix.shape[0]
        return 16 * n * n * (1 if self.modes is None else 2)

    def squared(self):
        """A^2."""
        return DenseOperator(np.matmul(self.matrix, self.matrix, out=recycled.empty(self.matrix.shape)))

    def shifted_inverse(self, a):
        """(I - a A)^{-1}, formed once from an LU factorisation."""
        return DenseOperator(np.linalg.solve(self.identity() - a * self.matrix, self.identity()))

    def phi(self, h, kmax, method="squaring"):
        """[phi_0(hA), ..., phi_kmax(hA)] as operators (no eigenvectors: A is non-normal).

        Parameters
        ----------
        h : float or complex
        kmax : int
            Highest index, >= 0.
        method : {"squaring", "augmented"}
            ``"squaring"`` (default): Taylor series of phi_kmax(Y), Y = hA / 2^s with
            ||Y||_1 <= 1, the recurrence down to phi_0(Y), then s modified squarings
            (Skaflestad & Wright 2009, eq. 2.5; :func:`cgle.problem.matrix_functions.phi_halvings`),
            all on N x N matrices (kmax + 1 products per squaring).
            ``"augmented"``: one exponential of the ((kmax + 1) N)-square block matrix
            (Sidje 1998, Theorem 1; Al-Mohy & Higham 2011, eq. 2.11)

                M = [[hA, I, 0, ..., 0], [0, 0, I, ..., 0], ..., [0, 0, 0, ..., 0]],

            exp(M)[0, j] = phi_j(hA); (kmax + 1)^3 times the work of one expm, kept as an
            independent cross-check. Neither cancels for small ||hA||.
        """
        kmax = int(kmax)
        if kmax < 0:
            raise ValueError(f"kmax must be >= 0 (got {kmax})")
        if method == "augmented":
            mats = self._phi_augmented(h, kmax)
        elif method == "squaring":
            mats = self._phi_squaring(h, kmax)
        else:
            raise ValueError(f"method must be 'squaring' or 'augmented' (got {method!r})")
        return [DenseOperator(m) for m in mats]

    def _phi_augmented(self, h, kmax):
        import scipy.linalg  # the cross-check only

        n = self.matrix.shape[0]
        if kmax == 0:
            return [scipy.linalg.expm(h * self.matrix)]
        size = n * (kmax + 1)
        M = np.zeros((size, size), dtype=complex)
        M[:n, :n] = h * self.matrix
        M[np.arange(size - n), np.arange(n, size)] = 1.0
        E = scipy.linalg.expm(M)
        return [E[:n, j * n:(j + 1) * n].copy() for j in range(kmax + 1)]

    def _phi_squaring(self, h, kmax):
        return matrix_functions.phi_halvings(h * self.matrix, kmax)[0]

    def phi_halvings(self, h, kmax, halvings):
        """[[phi_0(hA / 2^i), ..., phi_kmax(hA / 2^i)] for i = 0..halvings], from one
        modified-squaring pass (:func:`cgle.problem.matrix_functions.phi_halvings`)."""
        levels = matrix_functions.phi_halvings(h * self.matrix, kmax, halvings)
        return [[DenseOperator(m) for m in level] for level in levels]

    @staticmethod
    def combine(terms):
        """sum_k w_k A_k for ``terms`` = [(w_k, A_k), ...] (all dense)."""
        matrix = sum(w * A.matrix for w, A in terms)
        return DenseOperator(matrix)

    @staticmethod
    def block_row(operators):
        """[A_1 | ... | A_m]: ``apply_mixed(W, G, X, out)`` = sum_k A_k (W G)[k]."""
        return DenseBlockRow([A.matrix for A in operators])

    def eigenvalues(self):
        """Eigenvalues (computed once; the matrix is not changed after construction)."""
        if getattr(self, "_eigenvalues", None) is None:
            self._eigenvalues = np.linalg.eigvals(self.matrix)
        return self._eigenvalues.copy()

    def to_matrix(self):
        return self.matrix


class DenseBlockRow:
    """[A_1 | A_2 | ... | A_m] acting on mixed stacked states (the blocks stored side by
    side: one BLAS call)."""

    def __init__(self, blocks):
        self.matrix = np.ascontiguousarray(np.hstack(blocks), dtype=complex)
        self.count = len(blocks)

    def apply_mixed(self, W, G, X, out):
        """out = sum_k A_k (sum_i W[k, i] G[i]) for a real (m, r) W and states G (r, N);
        X (at least m rows) is work space for the mixed inputs."""
        m = self.count
        # X = W G as a real GEMM on the float views (several times faster than a complex
        # GEMM with a real matrix), then out = [A_1 | ... | A_m] [X_1; ...; X_m], one BLAS call
        np.dot(W, G.reshape(G.shape[0], -1).view(np.float64), out=X[:m].reshape(m, -1).view(np.float64))
        np.dot(self.matrix, X[:m].reshape(-1), out=out)
        return out


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

    def expm_uses_half(self, h):
        """Never: exp of a symbol is elementwise."""
        return False

    def expm_action(self, h):
        """exp(h A) itself: elementwise, there is nothing to save by not forming it."""
        return self.expm(h)

    def expm_costs(self, h):
        """(inf, 0): forming exp(h A) costs one pass over the symbol, always worth it."""
        return math.inf, 0.0

    def exponential_nbytes(self):
        """Bytes that one formed exp(hA) holds."""
        return 16 * self.symbol.size

    def squaring_cost(self):
        """0: squaring a diagonal costs no matrix-vector product."""
        return 0.0

    def squared(self):
        return DiagonalOperator(self.symbol * self.symbol)

    def shifted_inverse(self, a):
        return DiagonalOperator(1.0 / (1.0 - a * self.symbol))

    def phi(self, h, kmax):
        """[phi_0(hA), ..., phi_kmax(hA)]: :func:`phi_functions` of the symbol."""
        return [DiagonalOperator(p) for p in phi_functions(h * self.symbol, kmax)]

    def phi_halvings(self, h, kmax, halvings):
        """[phi(h / 2^i, kmax) for i = 0..halvings] (each directly: elementwise)."""
        return [self.phi(h / 2.0**i, kmax) for i in range(halvings + 1)]

    @staticmethod
    def combine(terms):
        """sum_k w_k A_k for ``terms`` = [(w_k, A_k), ...] (all diagonal)."""
        return DiagonalOperator(sum(w * A.symbol for w, A in terms))

    @staticmethod
    def block_row(operators):
        """[A_1 | ... | A_m]: ``apply_mixed(W, G, X, out)`` = sum_k A_k (W G)[k]."""
        return DiagonalBlockRow([A.symbol for A in operators])

    def eigenvalues(self):
        return self.symbol.reshape(-1).copy()

    def to_matrix(self):
        return np.diag(self.symbol.reshape(-1))


class DiagonalBlockRow:
    """[S_1 | ... | S_m] for diagonal symbols (one numba kernel)."""

    def __init__(self, symbols):
        self.symbols = np.ascontiguousarray(np.stack([s.reshape(-1) for s in symbols]), dtype=complex)
        self.count = len(symbols)

    def apply_mixed(self, W, G, X, out):
        """out = sum_k S_k * (sum_i W[k, i] G[i]) elementwise (X unused: the mixing is
        done on the fly, :func:`cgle.problem.kernels.diagonal_row`)."""
        from cgle.problem.kernels import diagonal_row

        diagonal_row(self.symbols, W, G.reshape(G.shape[0], -1), out.reshape(-1))
        return out
