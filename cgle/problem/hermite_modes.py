"""The Hermite collocation operator in the basis of Hermite functions: pentadiagonal.

On the nodes x_j = xi_j / b (xi_j the roots of H_N) the collocation interpolant of
nodal values v is p(x) = sum_k c_k psi_k(b x), psi_k the normalised Hermite functions,
and Gauss-Hermite quadrature (exact for the products psi_k psi_l, k, l < N) inverts
the map exactly:

    v = P c,   c = b P^T W v,      P_jk = psi_k(xi_j),  W = diag(weights).

In the coefficients c the operator L = gamma D2 - nu D1 + diag(mu(x)) of a quadratic
mu(x) = mu0 + mu1 x + mu2 x^2 is B = P^{-1} L P, with (Xi the multiplication by xi,
psi_k' = sqrt(k/2) psi_{k-1} - sqrt((k+1)/2) psi_{k+1},
xi psi_k = sqrt(k/2) psi_{k-1} + sqrt((k+1)/2) psi_{k+1}):

- D1: the derivative of p has a psi_N component, which vanishes at the nodes (they are
  the roots of psi_N), so D1 = P (b Dxi) P^{-1} with Dxi the N x N truncation of the
  antisymmetric tridiagonal above, exactly;
- diag(x) = P (Xi_N / b) P^{-1} for the same reason, so diag(x^2) = P (Xi_N^2 / b^2) P^{-1};
- D2: psi_k'' = b^2 (xi^2 - (2k + 1)) psi_k, so D2 = P b^2 (Xi_N^2 - diag(2k + 1)) P^{-1}.

Hence B = gamma b^2 (Xi_N^2 - diag(2k + 1)) - nu b Dxi + mu0 + mu1 Xi_N / b
+ mu2 Xi_N^2 / b^2: pentadiagonal, built here from these formulas (tests compare it
with P^{-1} L P). A product with B costs 5N multiply-adds against N^2 for L, which is
what makes exp(hL) v by a Taylor series (:class:`ModalExponentialAction`) cheap: two
transforms (a real N x N matrix on a complex vector each) around m s banded products.
Higher-degree mu(x) widens the band and is not handled here (no modes: the dense route).
For an even mu(x) the formed exp(hL) is kept, squared and applied on its band in a
complex symmetric form of B (:mod:`cgle.problem.hermite_symmetric`,
:mod:`cgle.problem.hermite_banded`).
"""

import numpy as np

from cgle.problem import expm_action, hermite_banded, hermite_symmetric, kernels, recycled

# The cost model's units are dense N x N complex matrix-vector products (one BLAS
# thread). Measured at N = 220: dense 12.4 us, one banded product inside the Taylor
# kernel 1.1 us (numba); one transform (a real N x N matrix on a complex vector, two
# real matrix-vector products) 13-15 us against 15-16 us dense (measured together,
# later, on a slower machine state than the first two figures).
# A dense product costs ~N^2, a banded one ~N, a transform about a dense one (it reads
# its real matrix twice).
BANDED_IN_MATVECS = 20.0  # / N
TRANSFORM_IN_MATVECS = 0.9
# Forming exp(hL) (:meth:`HermiteModes.expm`), in dense N x N complex products (1.85 ms
# at N = 220). The base T_m(hB / 2^s): term p is banded (half-width 2p), so the kernel
# costs ~3.6 us m^2 at N = 220, i.e. ~95 m^2 / N^2 products (it grows as N m^2, a product
# as N^3). One change of basis of a matrix (a product with the real P, halved by parity)
# ~0.35; a squaring 1.
BASE_IN_PRODUCTS = 95.0  # m^2 / N^2
MATRIX_TRANSFORM_IN_PRODUCTS = 0.35
# The base is the Taylor series on ||hB||_1 / 2^s <= MODAL_BASE_NORM. Doubling the base
# norm saves one squaring and costs ~5-11 more terms; with the m^2 cost above the total
# is flat between ~2.4 and ~3.5 at N = 220 (dense expm's base: 0.78): THETA_ACTION[25].
MODAL_BASE_NORM = 2.4285825


def hermite_function_matrix(xi):
    """P_jk = psi_k(xi_j), k = 0..N-1, by the normalised three-term recurrence with a
    per-node scale, so that no value overflows on the way (entries below the smallest
    double underflow to 0, as they would exactly rounded)."""
    xi = np.asarray(xi, dtype=float)
    n = xi.size
    P = np.empty((n, n))
    log_scale = -0.5 * xi**2
    prev = np.zeros(n)
    cur = np.full(n, np.pi**-0.25)
    for k in range(n):
        P[:, k] = cur * np.exp(log_scale)
        # psi_{k+1} = sqrt(2/(k+1)) xi psi_k - sqrt(k/(k+1)) psi_{k-1}
        nxt = np.sqrt(2.0 / (k + 1)) * xi * cur - np.sqrt(k / (k + 1.0)) * prev
        prev, cur = cur, nxt
        big = np.abs(cur) > 1e100
        if big.any():
            prev[big] *= 1e-100
            cur[big] *= 1e-100
            log_scale[big] += 100.0 * np.log(10.0)
    return P


def modal_bands(n, b, nu, gamma, mu):
    """The diagonals of B (module docstring) as bands[k + 2, i] = B[i, i + k], k = -2..2
    (entries outside the matrix are 0). ``mu``: ascending coefficients, degree <= 2."""
    mu = list(mu) + [0.0] * (3 - len(mu))
    k = np.arange(n, dtype=float)
    # Xi_N: off-diagonal sqrt(k/2) between k-1 and k; Xi_N^2 diagonal k/2 + (k+1)/2,
    # except (N-1)/2 in the last row (the psi_N term is truncated)
    off = np.sqrt(k[1:] / 2.0)
    diag2 = k / 2.0 + (k + 1.0) / 2.0
    diag2[-1] = (n - 1) / 2.0
    off2 = off[:-1] * off[1:]  # (Xi^2)[i, i + 2] = sqrt((i+1)/2) sqrt((i+2)/2)
    bands = np.zeros((5, n), dtype=complex)
    g, v = complex(gamma), complex(nu)
    c0, c1, c2 = (complex(c) for c in mu[:3])
    # diagonal: gamma b^2 (Xi^2 - (2k+1)) + mu0 + mu2 Xi^2 / b^2
    bands[2] = g * b**2 * (diag2 - (2.0 * k + 1.0)) + c0 + c2 * diag2 / b**2
    # +-1: -nu b Dxi (Dxi[i, i+1] = sqrt((i+1)/2) = -Dxi[i+1, i]) + mu1 Xi / b
    bands[3, :-1] = -v * b * off + c1 * off / b
    bands[1, 1:] = v * b * off + c1 * off / b
    # +-2: (gamma b^2 + mu2 / b^2) Xi^2
    bands[4, :-2] = (g * b**2 + c2 / b**2) * off2
    bands[0, 2:] = (g * b**2 + c2 / b**2) * off2
    return bands


class HermiteModes:
    """Transforms between nodal values and Hermite-function coefficients, and the
    pentadiagonal operator B there (module docstring); formed on first use."""

    def __init__(self, x, weights, b, nu, gamma, mu):
        self._args = (np.asarray(x, dtype=float), np.asarray(weights, dtype=float), float(b), nu, gamma, mu)
        self._formed = False

    @classmethod
    def for_equation(cls, equation, x, weights, b):
        """The modes of a Hermite problem, or None where mu(x) has degree > 2."""
        mu = np.trim_zeros(np.atleast_1d(np.asarray(equation.mu, dtype=complex)), "b")
        if mu.size > 3:
            return None
        return cls(x, weights, b, equation.nu, equation.gamma, list(mu))

    def form(self):
        """Compute P, P^{-1}, the bands of B and its shift (on first use; once)."""
        if self._formed:
            return
        x, w, b, nu, gamma, mu = self._args
        n = x.size
        self._b, self._weights = b, w
        P = hermite_function_matrix(b * x)
        self.P = np.ascontiguousarray(P)
        self.Pinv = np.ascontiguousarray(b * (P.T * w))
        self.bands = modal_bands(n, b, nu, gamma, mu)
        # the parity blocks of P for :meth:`_p_times` (herroots makes the nodes symmetric
        # to the bit; other nodes take the plain product)
        self._symmetric = bool(np.array_equal(x, -x[::-1]) and np.array_equal(w, w[::-1]))
        half = n // 2
        self._P_even = np.ascontiguousarray(P[: half + n % 2, 0::2])
        self._P_odd = np.ascontiguousarray(P[:half, 1::2])
        # the shift of Al-Mohy & Higham (trace / n) where it lowers the 1-norm
        absb = np.abs(self.bands)
        norm = _banded_norm1(absb)
        shift = complex(self.bands[2].mean())
        shifted = self.bands.copy()
        shifted[2] -= shift
        norm_s = _banded_norm1(np.abs(shifted))
        if norm_s < norm:
            self.shifted, self.shift, self.norm = shifted, shift, norm_s
        else:
            self.shifted, self.shift, self.norm = self.bands, 0j, norm
        # the complex symmetric form (even mu, paired nodes, weights whose square roots
        # are normal numbers): :mod:`cgle.problem.hermite_symmetric`
        self.symmetric = None
        cbands = hermite_symmetric.symmetric_bands(self.shifted) if self._symmetric else None
        if cbands is not None and np.all(np.isfinite(w)) and w.min() > 1e-290:
            self._cbands = cbands
            self.symmetric = hermite_symmetric.SymmetricForm(P, w, b)
        self._formed = True

    @property
    def n(self):
        """The number of nodes (and of Hermite functions)."""
        return self._args[0].size

    def _p_times(self, M):
        """P M for a complex n x k matrix M (C-ordered), by parity: the nodes are symmetric
        (x_{n-1-j} = -x_j) and psi_k(-xi) = (-1)^k psi_k(xi), so with U = P_e M_even and
        W = P_o M_odd (the left half of the nodes, even and odd k) the rows of P M are
        U + W on the left half and U - W, mirrored, on the right (half the flops)."""
        if not self._symmetric:
            return hermite_symmetric.real_times_complex(self.P, M)
        n = self.n
        h = n // 2
        U = hermite_symmetric.real_times_complex(self._P_even, np.ascontiguousarray(M[0::2]))
        W = hermite_symmetric.real_times_complex(self._P_odd, np.ascontiguousarray(M[1::2]))
        out = np.empty(M.shape, dtype=complex)
        np.add(U[:h], W, out=out[:h])
        np.subtract(U[:h], W, out=out[::-1][:h])
        if n % 2:
            # the middle node x = 0, where the odd functions vanish
            out[h] = U[h]
        return out

    def matrix(self):
        """B as a dense matrix (for tests and inspection)."""
        self.form()
        return banded_matrix(self.bands)

    def action_plan(self, h):
        """(m, s) of :func:`cgle.problem.expm_action.action_plan` for exp(hB)."""
        self.form()
        return expm_action.action_plan(abs(h) * self.norm)

    def action_cost(self, h):
        """One application of :meth:`expm_action` (h) in dense matrix-vector products."""
        m, s = self.action_plan(h)
        return 2 * TRANSFORM_IN_MATVECS + m * s * BANDED_IN_MATVECS / self.n

    def expm_action(self, h):
        """exp(hL) as a :class:`ModalExponentialAction` (never formed)."""
        return ModalExponentialAction(self, h)

    def expm_squarings(self, h):
        """s: exp(hL) is formed as exp(hL / 2^s) squared s times, the fewest squarings
        with ||hB / 2^s||_1 <= MODAL_BASE_NORM. The rule commutes with halving h (bit
        for bit), so exp(hL) for s >= 1 is exactly the square of exp(hL / 2)."""
        self.form()
        norm = abs(h) * self.norm
        if not np.isfinite(norm):
            raise ValueError(f"matrix exponential of a matrix with non-finite entries (1-norm {norm})")
        s = 0
        while norm > MODAL_BASE_NORM * 2.0**s:
            s += 1
        return s

    def matrix_cost(self, h):
        """Dense N x N products that :meth:`expm` (h) costs (module constants)."""
        s = self.expm_squarings(h)
        m, k = self.action_plan(h / 2.0**s)
        taylor = BASE_IN_PRODUCTS * (m * k) ** 2 / self.n**2
        if self.symmetric is not None:
            return (hermite_symmetric.BASE_FRACTION * taylor + hermite_symmetric.TRANSFORM_IN_PRODUCTS
                    + self.squaring_cost() * s + hermite_symmetric.NODAL_IN_PRODUCTS)
        return taylor + 2 * MATRIX_TRANSFORM_IN_PRODUCTS + s

    def squaring_cost(self):
        """One squaring of a formed exp(hL), in dense N x N products."""
        self.form()
        if self.symmetric is not None:
            return hermite_symmetric.SQUARING_IN_PRODUCTS + hermite_symmetric.NODAL_IN_PRODUCTS
        return 1.0

    def expm_banded(self, h):
        """exp(hL) as a :class:`cgle.problem.hermite_banded.BandedExponential` (None where
        there is no symmetric form): the base of :meth:`expm` on its band, squared s times
        on the band."""
        self.form()
        if self.symmetric is None:
            return None
        s = self.expm_squarings(h)
        base = h / 2.0**s
        m, _k = self.action_plan(base)
        S = hermite_symmetric.taylor_base(self._cbands, base, m, complex(np.exp(base * self.shift)))
        E = hermite_banded.BandedExponential.from_matrix(S, min(2 * m, self.n - 1), self)
        for _ in range(s):
            E = E.squared()
        return E

    def expm(self, h, symmetric=True):
        """exp(hL) on the nodes: (I + P (exp(hB / 2^s) - I) P^{-1})^(2^s), s = :meth:`expm_squarings`,
        the base by the banded Taylor series on the identity (the plan, shift and cut of
        :class:`ModalExponentialAction`: backward error <= 2^-53 ||hB / 2^s||_1); squared on
        its band in Hermite functions where there is a symmetric form (:meth:`expm_banded`),
        unless ``symmetric`` is False (then on the nodes: the plain route, for comparison)."""
        E = self.expm_banded(h) if symmetric else None
        if E is not None:
            return E.matrix
        s = self.expm_squarings(h)
        base = h / 2.0**s
        m, k = self.action_plan(base)
        n = self.n
        # ||hB / 2^s||_1 <= MODAL_BASE_NORM < THETA_ACTION[55]: one Taylor factor (k = 1)
        E, work1, work2 = (recycled.empty((n, n)) for _ in range(3))
        kernels.penta_taylor_eye(self.shifted, base, m, complex(np.exp(base * self.shift)), E, work1, work2)
        # I + P (E - I) P^{-1}: the change of basis rounds relative to E - I (~hB for a
        # small step), not to E; P (E - I) P^{-1} = b P (P (E - I)^T)^T W, two products
        # with P, each split by parity
        E[np.diag_indices(n)] -= 1.0
        X = self._p_times(np.ascontiguousarray(self._p_times(np.ascontiguousarray(E.T)).T))
        X *= self._b * self._weights[None, :]
        X[np.diag_indices(n)] += 1.0
        for _ in range(s):
            X = np.matmul(X, X, out=recycled.empty((n, n)))
        return X


def banded_matrix(bands):
    """The dense matrix of bands[k + 2, i] = M[i, i + k], k = -2..2."""
    n = bands.shape[1]
    M = np.zeros((n, n), dtype=bands.dtype)
    for k in range(-2, 3):
        i = np.arange(max(0, -k), min(n, n - k))
        M[i, i + k] = bands[k + 2, i]
    return M


def _banded_norm1(absb):
    """The 1-norm (largest column sum) of a banded matrix from |bands|."""
    n = absb.shape[1]
    cols = np.zeros(n)
    for k in range(-2, 3):
        i = np.arange(max(0, -k), min(n, n - k))
        cols[i + k] += absb[k + 2, i]
    return float(cols.max()) if n else 0.0


class ModalExponentialAction:
    """exp(hL) v = P exp(hB) P^{-1} v, exp(hB) by the scaled Taylor series of
    :class:`cgle.problem.expm_action.ExponentialAction` (Al-Mohy & Higham 2011, with the
    same plan, shift and truncation rule) on the pentadiagonal B: backward error
    <= 2^-53 ||hB||_1 in the coefficients, plus the rounding of the two transforms.

    ``apply(v, out)`` computes out = exp(hL) v; ``cost`` is its price in dense
    matrix-vector products (:meth:`HermiteModes.action_cost`).
    """

    def __init__(self, modes, h):
        modes.form()
        self.modes = modes
        self.t = h
        self.m, self.s = modes.action_plan(h)
        self.cost = modes.action_cost(h)
        self._eta = complex(np.exp(h * modes.shift / self.s))
        # ||hB||_1 <= 1: exp(hB) - I is O(||hB||), and the result is taken as v plus the
        # change (for larger steps the decaying result would be a difference of O(|v|) terms)
        self._near_identity = abs(h) * modes.norm <= 1.0
        n = modes.n
        self._c = np.empty(n, dtype=complex)
        self._out = np.empty(n, dtype=complex)
        self._term = np.empty(n, dtype=complex)
        self._next = np.empty(n, dtype=complex)
        # the real and imaginary parts of a transform (two real matrix-vector products)
        self._re = np.empty(n)
        self._im = np.empty(n)

    @property
    def shape(self):
        """(n,): the length of the vectors this action applies to."""
        return (self.modes.n,)

    def apply(self, v, out):
        """out = exp(hL) v (``v`` and ``out`` contiguous complex vectors, not the same)."""
        modes = self.modes
        self._real_product(modes.Pinv, v, self._c)
        kernels.penta_taylor(modes.shifted, self._c, self.t / self.s, self.m, self.s, self._eta, self._out,
                             self._term, self._next)
        if self._near_identity:
            # out = v + P (exp(hB) c - c): the change of basis rounds relative to the change
            self._out -= self._c
            self._real_product(modes.P, self._out, out)
            out += v
        else:
            self._real_product(modes.P, self._out, out)
        return out

    def _real_product(self, A, x, out):
        """out = A x for a real A and complex x as two real matrix-vector products (BLAS
        dgemv on the strided parts): 14.7 us at N = 220 against 32 us for one product
        with the two columns [Re x, Im x], a shape the BLAS handles poorly (measured,
        one thread)."""
        np.dot(A, x.real, out=self._re)
        np.dot(A, x.imag, out=self._im)
        out.real = self._re
        out.imag = self._im
