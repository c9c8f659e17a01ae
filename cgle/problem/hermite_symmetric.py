"""The complex symmetric form of the Hermite operator for an even mu(x), and its way to the nodes.

For an even mu(x) (mu1 = 0) the pentadiagonal B of :mod:`cgle.problem.hermite_modes`
has an antisymmetric +-1 band (-nu b Dxi) and a symmetric +-2 band, so with
D = diag(i^k)

    C = D^{-1} B D,   C[k, l] = B[k, l] i^(l - k),

is complex symmetric (C^T = C; the factors i^(l-k) are +-1 and +-i, exact). Every
polynomial in C, exp(hC) included, is then symmetric, and squaring a symmetric S is
S S^T (on its band: :mod:`cgle.problem.hermite_banded`).

The same holds on the nodes after a cheap change of variables. With the nodes paired
(x_{n-1-j} = -x_j, j < n // 2), s_j = sqrt(w_j) (w: the quadrature weights, symmetric)
and the sums and differences

    (F v)_j^e = s_j (v_j + v_{n-1-j}),   (F v)_j^o = i s_j (v_j - v_{n-1-j}),

(a middle node m, for odd n: (F v)_m^e = sqrt(2) s_m v_m), F^T F = 2 W R (R the reversal of
the nodes), and G = F P D is real and block diagonal by parity: the even combinations
see only the even Hermite functions (psi_k(-xi) = (-1)^k psi_k(xi)) with the real factors
i^k, the odd ones only the odd functions with i i^k. From P^{-1} = b P^T W and
P J = R P (J = diag((-1)^k)) follows G^{-1} = (b / 2) G^T, so that

    Z = F exp(hL) F^{-1} = I + (b / 2) G (exp(hC) - I) G^T

is a congruence of a symmetric matrix, and exp(hL) itself is F^{-1} Z F, an O(N^2)
pass. The same congruence applies exp(hL) to a vector without forming Z
(:mod:`cgle.problem.hermite_banded`). The base exp(hC / 2^s) is the banded Taylor
polynomial of :meth:`cgle.problem.hermite_modes.HermiteModes.expm` (same plan, shift and
cut), computed on its upper band only.
"""

import numpy as np

from cgle.problem import kernels, recycled

# Cost constants in dense N x N complex products (1.80 ms at N = 220, one BLAS thread),
# measured at N = 220: a squaring S S^T (zsyrk) 1.04 ms, the price the cost model puts
# on one (the banded squaring of :mod:`cgle.problem.hermite_banded` costs 0.11-0.48 ms
# up to h ~ 1 on the forum problem and never more); back to the nodes, F^{-1} Z F,
# 0.06 ms; the symmetric Taylor base 0.54 of the plain banded one (half the band); the
# congruence with G (:meth:`SymmetricForm.from_modes`, three parity blocks) 0.86 ms.
SQUARING_IN_PRODUCTS = 0.6
NODAL_IN_PRODUCTS = 0.04
BASE_FRACTION = 0.55
TRANSFORM_IN_PRODUCTS = 0.5


def symmetric_bands(bands):
    """The bands of C = D^{-1} B D (module docstring), or None where C is not symmetric:
    C[i, i + k] = B[i, i + k] i^k."""
    ok = (np.array_equal(bands[3, :-1], -bands[1, 1:]) and np.array_equal(bands[4, :-2], bands[0, 2:]))
    if not ok:
        return None
    out = bands.copy()
    out[0] = -bands[0]  # i^-2
    out[1] = -1j * bands[1]  # i^-1
    out[3] = 1j * bands[3]  # i^1
    out[4] = -bands[4]  # i^2
    return out


class SymmetricForm:
    """The change of variables F of the module docstring for given nodes, and the real
    parity blocks of G = F P D; built from the Hermite-function matrix P."""

    def __init__(self, P, weights, b):
        n = P.shape[0]
        h = n // 2
        self.n, self._he = n, h + n % 2
        s = np.sqrt(np.asarray(weights, dtype=float))
        self._s = s[:h]
        self._mid = float(np.sqrt(2.0) * s[h]) if n % 2 else 0.0
        k = np.arange(n)
        even, odd = k[0::2], k[1::2]
        # the real factors of D: i^k = (-1)^(k/2) on even k; i i^k = (-1)^((k+1)/2) on odd k
        sign_e = np.where((even // 2) % 2 == 0, 1.0, -1.0)
        sign_o = np.where(((odd + 1) // 2) % 2 == 0, 1.0, -1.0)
        # (F P)_jk = 2 s_j P_jk on the left half (the sum or the difference of P_jk and
        # P_{n-1-j,k} = (-1)^k P_jk doubles or cancels)
        Ge = np.empty((self._he, even.size))
        Ge[:h] = 2.0 * self._s[:, None] * P[:h, 0::2] * sign_e
        if n % 2:
            Ge[h] = self._mid * P[h, 0::2] * sign_e
        self.Ge = np.ascontiguousarray(Ge)
        self.Go = np.ascontiguousarray(2.0 * self._s[:, None] * P[:h, 1::2] * sign_o)
        # their transposes, rows contiguous (G^T y in :mod:`cgle.problem.hermite_banded`)
        self.GeT = np.ascontiguousarray(self.Ge.T)
        self.GoT = np.ascontiguousarray(self.Go.T)
        self._b = float(b)

    def from_modes(self, S):
        """Z = I + (b / 2) G (S - I) G^T for the symmetric modal matrix S (natural order of
        k), symmetric exactly; rows and columns: the even combinations, then the odd.
        By parity, Z_ee = Ge A_ee Ge^T, Z_eo = Ge A_eo Go^T = Z_oe^T, Z_oo = Go A_oo Go^T
        (A = S - I): three of the four blocks are computed."""
        n, he = self.n, self._he
        A = recycled.empty((n, n))
        A[...] = S
        A[np.diag_indices(n)] -= 1.0
        Te = real_times_complex(self.Ge, np.ascontiguousarray(A[0::2]))  # Ge [A_ee, A_eo], columns in k order
        Too = real_times_complex(self.Go, np.ascontiguousarray(A[1::2, 1::2]))
        # X Gb^T = (Gb X^T)^T
        Zee = real_times_complex(self.Ge, np.ascontiguousarray(Te[:, 0::2].T)).T
        Zeo = real_times_complex(self.Go, np.ascontiguousarray(Te[:, 1::2].T)).T
        Zoo = real_times_complex(self.Go, np.ascontiguousarray(Too.T)).T
        Z = recycled.empty((n, n))
        f = 0.25 * self._b  # b / 2, and 1/2 of the symmetrisation below
        # the products round differently above and below the diagonal of each block
        np.multiply(Zee + Zee.T, f, out=Z[:he, :he])
        np.multiply(Zoo + Zoo.T, f, out=Z[he:, he:])
        np.multiply(Zeo, 2.0 * f, out=Z[:he, he:])
        Z[he:, :he] = Z[:he, he:].T
        Z[np.diag_indices(n)] += 1.0
        return Z

    def nodal(self, Z):
        """exp(hL) = F^{-1} Z F on the nodes, from its symmetric form Z (one O(N^2) pass)."""
        X = recycled.empty(Z.shape)
        return kernels.symmetric_nodal(Z, self._s, self._mid, X)


def real_times_complex(A, X):
    """A X for real A and complex C-ordered X: one real product with twice the columns
    (also the products with P of :mod:`cgle.problem.hermite_modes`)."""
    n, k = X.shape
    return (A @ X.view(np.float64).reshape(n, 2 * k)).view(np.complex128)


def taylor_base(cbands, tau, m, eta):
    """eta T_m(tau C) for the symmetric bands of C (symmetric exactly)."""
    n = cbands.shape[1]
    out, work1, work2 = (recycled.empty((n, n)) for _ in range(3))
    return kernels.penta_taylor_eye_sym(cbands, tau, m, eta, out, work1, work2)
