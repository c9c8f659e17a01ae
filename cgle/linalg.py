"""Supporting matrix utilities: adjugate, Cramer's rule, minors, definiteness,
moments of quadratic forms and second-order Volterra responses.

Conventions
-----------
* Inputs are never modified; every function works on copies where it needs to.
* Matrices are square 2-D arrays, real or complex, with finite entries; anything
  else raises ``ValueError`` naming the argument, the rule and the offending value.
* Two arithmetic paths are offered wherever it makes sense:

  - floating point (default): LAPACK LU, with an SVD fallback for singular or
    ill-conditioned input where the result exists (the adjugate);
  - exact (``exact=True``, or automatically for ``dtype=object`` input): rational
    arithmetic with :class:`fractions.Fraction`. Integer, ``Fraction`` and float
    entries are accepted (a float is taken at its exact binary value); complex
    entries are not. The result is an ``object`` array of ``Fraction``.

* The quadratic form of a matrix ``W`` at a real vector ``x`` is ``x^T W x``; only the
  symmetric part ``W_s = (W + W^T) / 2`` matters for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Rational

import numpy as np
import scipy.linalg
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "adjugate",
    "cofactor_matrix",
    "cramer_inverse",
    "cramer_solve",
    "leading_minors",
    "is_positive_definite",
    "DefinitenessReport",
    "quadform_mean",
    "quadform_var",
    "volterra2_response",
    "volterra2_mean",
]

# Below this reciprocal condition number (LAPACK 1-norm estimate) the float path of
# the adjugate switches from det(A) * inv(A) to the SVD product formula.
_ADJ_LU_RCOND = float(np.sqrt(np.finfo(float).eps))


# --------------------------------------------------------------------------- input


def _square_matrix(A, name: str) -> np.ndarray:
    """Return ``A`` as a 2-D square ndarray (no copy), rejecting anything else."""
    arr = np.asarray(A)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square 2-D matrix (got shape {arr.shape})")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must be at least 1 x 1 (got shape {arr.shape})")
    return arr


def _float_matrix(arr: np.ndarray, name: str) -> np.ndarray:
    """Cast a validated matrix to float64/complex128 and check it is finite."""
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise ValueError(
            f"{name} must have a numeric dtype for floating-point arithmetic "
            f"(got dtype {arr.dtype}); use exact=True for Fraction entries"
        )
    out = arr.astype(np.complex128 if np.iscomplexobj(arr) else np.float64, copy=False)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must have finite entries (found NaN or inf)")
    return out


def _use_exact(arr: np.ndarray, exact: bool | None) -> bool:
    """Decide the arithmetic path: exact when asked, or for object arrays."""
    if exact is None:
        return arr.dtype == object
    return bool(exact)


def _fraction_matrix(arr: np.ndarray, name: str) -> list[list[Fraction]]:
    """Entries of ``arr`` as exact Fractions (ints, Fractions and finite floats)."""
    rows = []
    for i, row in enumerate(arr.tolist()):
        out = []
        for j, v in enumerate(row):
            if isinstance(v, bool):
                v = int(v)
            if isinstance(v, (Integral, Rational)):
                out.append(Fraction(v))
            elif isinstance(v, float) and math.isfinite(v):
                out.append(Fraction(v))
            else:
                raise ValueError(
                    f"{name}[{i}, {j}] must be an integer, Fraction or finite real "
                    f"for exact arithmetic (got {v!r})"
                )
        rows.append(out)
    return rows


def _integer_scaled(F: list[list[Fraction]]) -> tuple[list[list[int]], int]:
    """Return ``(B, L)`` with ``B = L * F`` an integer matrix, ``L`` the lcm of denominators."""
    L = 1
    for row in F:
        for v in row:
            L = math.lcm(L, v.denominator)
    return [[int(v * L) for v in row] for row in F], L


def _object_array(rows) -> np.ndarray:
    n = len(rows)
    m = len(rows[0]) if n else 0
    out = np.empty((n, m), dtype=object)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            out[i, j] = v
    return out


# ------------------------------------------------------------------ exact kernels


def _bareiss_gauss_jordan(B: list[list[int]]):
    """Fraction-free Gauss-Jordan elimination of ``[B | I]`` over the integers.

    Every intermediate entry is a minor of ``[B | I]``, so each division by the
    previous pivot is exact.  At the end the left block is ``d I`` and the right
    block ``R`` satisfies ``B R = d I`` with ``d = sign * det(B)``, ``sign`` the
    parity of the row swaps; hence ``adj(B) = sign * R`` and ``det(B) = sign * d``.

    Returns ``(det, adj)`` or ``None`` when ``B`` is singular.
    """
    n = len(B)
    M = [list(row) + [int(i == j) for j in range(n)] for i, row in enumerate(B)]
    prev, sign = 1, 1
    for k in range(n):
        p = next((i for i in range(k, n) if M[i][k] != 0), None)
        if p is None:
            return None
        if p != k:
            M[p], M[k] = M[k], M[p]
            sign = -sign
        pivot_row = M[k]
        piv = pivot_row[k]
        for i in range(n):
            if i == k:
                continue
            row = M[i]
            f = row[k]
            # Bareiss step: m_ij <- (m_kk m_ij - m_ik m_kj) / m_{k-1,k-1}  (exact)
            M[i] = [(piv * a - f * b) // prev for a, b in zip(row, pivot_row)]
        prev = piv
    adj = [[sign * v for v in row[n:]] for row in M]
    return sign * prev, adj


def _bareiss_det(B: list[list[int]]) -> int:
    """Exact determinant of an integer matrix by Bareiss elimination with row swaps."""
    n = len(B)
    M = [list(row) for row in B]
    prev, sign = 1, 1
    for k in range(n - 1):
        p = next((i for i in range(k, n) if M[i][k] != 0), None)
        if p is None:
            return 0
        if p != k:
            M[p], M[k] = M[k], M[p]
            sign = -sign
        piv = M[k][k]
        for i in range(k + 1, n):
            f = M[i][k]
            M[i] = [0] * (k + 1) + [
                (piv * M[i][j] - f * M[k][j]) // prev for j in range(k + 1, n)
            ]
        prev = piv
    return sign * M[n - 1][n - 1]


def _faddeev_leverrier_adj(B: list[list[int]]) -> list[list[int]]:
    """Adjugate of an integer matrix from the characteristic polynomial, O(n^4).

    With ``det(t I - B) = t^n + c_{n-1} t^{n-1} + ... + c_0`` (integer ``c_k``),
    ``M_1 = I``, ``M_k = B M_{k-1} + c_{n-k+1} I`` and ``c_{n-k} = -tr(B M_k) / k``;
    Cayley-Hamilton gives ``adj(B) = (-1)^(n-1) M_n``, valid for singular ``B``.
    """
    n = len(B)
    Bm = np.array(B, dtype=object)
    eye = np.array([[int(i == j) for j in range(n)] for i in range(n)], dtype=object)
    Mk = eye.copy()
    for k in range(1, n):
        BM = Bm.dot(Mk)
        trace = sum(BM[i, i] for i in range(n))
        c = -trace // k
        Mk = BM + c * eye
    s = 1 if n % 2 == 1 else -1
    return [[s * Mk[i, j] for j in range(n)] for i in range(n)]


def _exact_adjugate_det(arr: np.ndarray, name: str):
    """Exact ``(adj(A), det(A))`` as Fractions, for any square rational ``A``."""
    F = _fraction_matrix(arr, name)
    B, L = _integer_scaled(F)
    n = len(B)
    res = _bareiss_gauss_jordan(B)
    if res is None:
        det_B = 0
        adj_B = _faddeev_leverrier_adj(B)
    else:
        det_B, adj_B = res
    # adj(B) = adj(L A) = L^(n-1) adj(A);  det(B) = L^n det(A)
    scale = L ** (n - 1)
    adj = [[Fraction(v, scale) for v in row] for row in adj_B]
    return adj, Fraction(det_B, L**n)


# ------------------------------------------------------------------ float kernels


def _lu_with_rcond(A: np.ndarray):
    """LU factors of ``A`` with the LAPACK 1-norm reciprocal condition estimate.

    Returns ``(lu, piv, info, rcond)``; ``info > 0`` means an exactly zero pivot.
    """
    getrf, gecon = scipy.linalg.get_lapack_funcs(("getrf", "gecon"), (A,))
    lu, piv, info = getrf(A)
    if info < 0:
        raise ValueError(f"LAPACK getrf rejected argument {-info}")
    if info > 0:
        return lu, piv, info, 0.0
    anorm = np.max(np.sum(np.abs(A), axis=0))
    rcond, cinfo = gecon(lu, anorm, norm="1")
    return lu, piv, info, float(rcond)


def _det_from_lu(lu: np.ndarray, piv: np.ndarray):
    # det(A) = (-1)^(number of row interchanges) * prod(diag(U))
    swaps = np.count_nonzero(piv != np.arange(piv.size))
    d = np.prod(np.diag(lu))
    return -d if swaps % 2 else d


def _adjugate_svd(A: np.ndarray) -> np.ndarray:
    """Adjugate from the SVD, valid for singular ``A``.

    With ``A = U S V^H``: ``adj(XY) = adj(Y) adj(X)`` and ``adj(Q) = det(Q) Q^H`` for
    unitary ``Q``, so ``adj(A) = det(U) det(V^H) V adj(S) U^H`` where ``adj(S)`` is
    diagonal with entries ``prod_{j != i} s_j`` (formed from prefix and suffix
    products, without dividing by a possibly zero ``s_i``).
    """
    U, s, Vh = np.linalg.svd(A)
    n = s.size
    prefix = np.ones(n + 1)
    suffix = np.ones(n + 1)
    # prefix[i] = s_0 ... s_{i-1};  suffix[i] = s_i ... s_{n-1}
    prefix[1:] = np.cumprod(s)
    suffix[:-1] = np.cumprod(s[::-1])[::-1]
    others = prefix[:-1] * suffix[1:]
    phase = np.linalg.det(U) * np.linalg.det(Vh)
    phase = phase / abs(phase)
    # adj(A) = phase * V diag(others) U^H
    return phase * ((Vh.conj().T * others) @ U.conj().T)


def _adjugate_float(A: np.ndarray) -> np.ndarray:
    lu, piv, info, rcond = _lu_with_rcond(A)
    if info == 0 and rcond >= _ADJ_LU_RCOND:
        getri = scipy.linalg.get_lapack_funcs("getri", (lu,))
        inv, rinfo = getri(lu, piv)
        # adj(A) = det(A) A^{-1}
        return _det_from_lu(lu, piv) * inv
    # real A: real U, V and phase +-1, so the SVD result is real as well
    return _adjugate_svd(A)


# ------------------------------------------------------------------ public: adjugate


def adjugate(A, *, exact: bool | None = None) -> np.ndarray:
    """Adjugate (classical adjoint) of a square matrix.

    ``adj(A)`` is the transpose of the cofactor matrix; ``A adj(A) = adj(A) A =
    det(A) I`` holds for every square ``A``, singular or not.  The adjugate of a
    1 x 1 matrix is ``[[1]]``.

    Parameters
    ----------
    A : (n, n) array_like
        Real or complex matrix with finite entries, or integer / ``Fraction``
        entries for exact arithmetic.
    exact : bool or None, optional
        ``True``: exact rational arithmetic (fraction-free Bareiss Gauss-Jordan,
        O(n^3) big-integer operations; singular input falls back to the
        Faddeev-LeVerrier recurrence, O(n^4)).  ``False``: floating point.
        ``None`` (default): exact for ``dtype=object`` input, floating otherwise.

    Returns
    -------
    ndarray
        ``float64``/``complex128`` in floating point, ``object`` (``Fraction``)
        when exact.

    Notes
    -----
    Floating point: when the LU factorisation's reciprocal condition estimate is at
    least ``sqrt(eps)``, ``adj(A) = det(A) A^{-1}`` from the LU factors; otherwise
    (singular or nearly so) the SVD product formula
    ``adj(A) = det(U) det(V^H) V diag(prod_{j != i} s_j) U^H`` is used, which needs
    no inverse.  Both are O(n^3); cofactor expansion is O(n!) and the minor-by-minor
    definition O(n^5).
    """
    arr = _square_matrix(A, "A")
    if _use_exact(arr, exact):
        adj, _ = _exact_adjugate_det(arr, "A")
        return _object_array(adj)
    return _adjugate_float(_float_matrix(arr, "A"))


def cofactor_matrix(A, *, exact: bool | None = None) -> np.ndarray:
    """Cofactor matrix ``C`` with ``C[i, j] = (-1)^(i+j) det(A without row i, col j)``.

    ``C = adj(A)^T`` (plain transpose, also for complex ``A``); see :func:`adjugate`
    for the parameters, the arithmetic paths and the cost.
    """
    return adjugate(A, exact=exact).T.copy()


def _singular_error(rcond: float, info: int) -> np.linalg.LinAlgError:
    if info > 0:
        why = f"U[{info - 1}, {info - 1}] of its LU factorisation is exactly zero"
    else:
        why = f"reciprocal condition estimate {rcond:.3e} is below machine epsilon"
    return np.linalg.LinAlgError(f"A must be nonsingular: {why}")


def cramer_inverse(A, *, exact: bool | None = None) -> np.ndarray:
    """Inverse ``A^{-1} = adj(A) / det(A)`` (the matrix Cramer's rule defines).

    Parameters
    ----------
    A : (n, n) array_like
        Nonsingular matrix; see :func:`adjugate` for accepted entries.
    exact : bool or None, optional
        As in :func:`adjugate`.

    Returns
    -------
    ndarray
        The inverse (``object`` array of ``Fraction`` when exact).

    Raises
    ------
    numpy.linalg.LinAlgError
        (a ``ValueError`` subclass) if ``A`` is singular: exactly, on the exact
        path; to working precision (LU reciprocal 1-norm condition estimate below
        machine epsilon) on the floating path.

    Notes
    -----
    The floating path uses LU with partial pivoting (LAPACK ``getrf``/``getri``),
    not ``adj(A) / det(A)``, which over- or underflows for moderate n.
    """
    arr = _square_matrix(A, "A")
    if _use_exact(arr, exact):
        adj, det = _exact_adjugate_det(arr, "A")
        if det == 0:
            raise np.linalg.LinAlgError("A must be nonsingular: det(A) == 0 exactly")
        return _object_array([[v / det for v in row] for row in adj])
    Af = _float_matrix(arr, "A")
    lu, piv, info, rcond = _lu_with_rcond(Af)
    if info > 0 or rcond < np.finfo(float).eps:
        raise _singular_error(rcond, info)
    getri = scipy.linalg.get_lapack_funcs("getri", (lu,))
    inv, _ = getri(lu, piv)
    return inv


def cramer_solve(A, b, *, exact: bool | None = None) -> np.ndarray:
    """Solve ``A x = b``; the solution Cramer's rule ``x_i = det(A_i) / det(A)`` gives.

    Parameters
    ----------
    A : (n, n) array_like
        Nonsingular matrix; see :func:`adjugate` for accepted entries.
    b : (n,) or (n, k) array_like
        Right-hand side(s), one per column.
    exact : bool or None, optional
        As in :func:`adjugate`; ``None`` means exact when ``A`` or ``b`` has
        ``dtype=object``.

    Returns
    -------
    ndarray
        ``x`` with the shape of ``b``.

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``A`` is singular (see :func:`cramer_inverse`).

    Notes
    -----
    Floating point uses LU with partial pivoting (``getrf``/``getrs``), O(n^3) once
    and O(n^2) per right-hand side; evaluating n + 1 determinants is both slower and
    less stable.  Exact arithmetic computes ``adj(A) b / det(A)``.
    """
    arr = _square_matrix(A, "A")
    n = arr.shape[0]
    barr = np.asarray(b)
    if barr.ndim not in (1, 2) or barr.shape[0] != n:
        raise ValueError(
            f"b must have shape ({n},) or ({n}, k) to match A (got shape {barr.shape})"
        )
    if exact is None:
        exact = arr.dtype == object or barr.dtype == object
    if exact:
        adj, det = _exact_adjugate_det(arr, "A")
        if det == 0:
            raise np.linalg.LinAlgError("A must be nonsingular: det(A) == 0 exactly")
        bcols = _fraction_matrix(barr.reshape(n, -1), "b")
        k = len(bcols[0])
        x = [
            [sum((adj[i][l] * bcols[l][j] for l in range(n)), Fraction(0)) / det for j in range(k)]
            for i in range(n)
        ]
        return _object_array(x).reshape(barr.shape)
    Af = _float_matrix(arr, "A")
    bf = _float_matrix(barr.reshape(n, -1), "b")
    lu, piv, info, rcond = _lu_with_rcond(Af)
    if info > 0 or rcond < np.finfo(float).eps:
        raise _singular_error(rcond, info)
    if np.iscomplexobj(bf) and not np.iscomplexobj(lu):
        lu = lu.astype(np.complex128)
    getrs = scipy.linalg.get_lapack_funcs("getrs", (lu, bf))
    x, _ = getrs(lu, piv, bf.astype(lu.dtype, copy=False))
    return x.reshape(barr.shape)


# --------------------------------------------------------------- minors, definiteness


def leading_minors(A, *, exact: bool | None = None) -> np.ndarray:
    """Leading principal minors ``D_k = det(A[:k, :k])`` for ``k = 1, ..., n``.

    Parameters
    ----------
    A : (n, n) array_like
        Square matrix (not symmetrised; pass ``(A + A^H) / 2`` for Sylvester's
        criterion, or use :func:`is_positive_definite`).
    exact : bool or None, optional
        As in :func:`adjugate`.

    Returns
    -------
    ndarray, shape (n,)
        ``D_1, ..., D_n`` (``object`` array of ``Fraction`` when exact).

    Notes
    -----
    Each minor is an independent pivoted determinant (LU in floating point, Bareiss
    exactly), so a zero minor does not spoil the later ones: O(n^4) in total.  The
    O(n^3) shortcut through the pivots of an unpivoted LU breaks down exactly when
    some ``D_k`` is zero.
    """
    arr = _square_matrix(A, "A")
    n = arr.shape[0]
    if _use_exact(arr, exact):
        F = _fraction_matrix(arr, "A")
        out = np.empty(n, dtype=object)
        for k in range(1, n + 1):
            B, L = _integer_scaled([row[:k] for row in F[:k]])
            # D_k(A) = D_k(B) / L^k  with B = L * A[:k, :k]
            out[k - 1] = Fraction(_bareiss_det(B), L**k)
        return out
    Af = _float_matrix(arr, "A")
    return np.array([np.linalg.det(Af[:k, :k]) for k in range(1, n + 1)])


@dataclass(frozen=True)
class DefinitenessReport:
    """Outcome of :func:`is_positive_definite`; true in a boolean context iff definite.

    Attributes
    ----------
    definite : bool
        The verdict for the Hermitian part ``H = (A + A^H) / 2``.
    semidefinite : bool
        Whether the test was for semidefiniteness (``>= 0``) or definiteness (``> 0``).
    failing_minor : tuple of int or None
        0-based indices ``I`` of a principal submatrix ``H[I, I]`` whose determinant
        violates the criterion: the first failing *leading* minor (Sylvester) for the
        definite test, a failing principal minor for the semidefinite test; ``None``
        when the matrix passes (or, in floating point, when rounding left no
        conclusive minor although the eigenvalue test failed).
    minor_value : float, Fraction or None
        ``det(H[I, I])`` for ``failing_minor``.
    min_eigenvalue : float or None
        Smallest eigenvalue of ``H`` (floating-point path only).
    """

    definite: bool
    semidefinite: bool
    failing_minor: tuple | None
    minor_value: object
    min_eigenvalue: float | None

    def __bool__(self) -> bool:
        return self.definite


def _principal_minor_search(H: list[list], tol) -> tuple | None:
    """Find a principal minor of the Hermitian ``H`` that is negative, or ``None``.

    Symmetric pivoting: eliminate on the largest remaining diagonal entry; the
    determinant of ``H[I, I]`` for the eliminated set ``I`` plus one more index is
    the product of the pivots times the Schur complement's diagonal (1 x 1 case),
    or times the Schur complement's 2 x 2 principal minor.  ``H`` is PSD iff no
    Schur complement diagonal is negative and a zero diagonal has a zero row.
    Works on Fractions (``tol = 0``, exact) or floats (``tol`` absolute).

    Returns ``(indices, det)`` of a negative principal minor, or ``None``.
    """
    n = len(H)
    S = [list(row) for row in H]
    remaining = list(range(n))
    chosen: list[int] = []
    prod = 1
    while remaining:
        diag = [S[i][i].real if isinstance(S[i][i], complex) else S[i][i] for i in remaining]
        neg = min(range(len(remaining)), key=lambda t: (diag[t], t))
        if diag[neg] < -tol:
            i = remaining[neg]
            return tuple(sorted(chosen + [i])), prod * diag[neg]
        best = max(range(len(remaining)), key=lambda t: (diag[t], -t))
        if diag[best] <= tol:
            for a in range(len(remaining)):
                for c in range(a + 1, len(remaining)):
                    i, j = remaining[a], remaining[c]
                    # 2 x 2 minor of the Schur complement: s_ii s_jj - |s_ij|^2
                    m2 = diag[a] * diag[c] - abs(S[i][j]) ** 2
                    if m2 < -tol * tol and abs(S[i][j]) > tol:
                        return tuple(sorted(chosen + [i, j])), prod * m2
            return None
        p = remaining.pop(best)
        d = S[p][p]
        chosen.append(p)
        prod = prod * d
        # Schur complement: S <- S - S[:, p] S[p, :] / S[p, p]
        for i in remaining:
            f = S[i][p] / d
            row_i, row_p = S[i], S[p]
            for j in remaining:
                row_i[j] = row_i[j] - f * row_p[j]
    return None


def is_positive_definite(
    A, *, semidefinite: bool = False, tol: float | None = None, exact: bool | None = None
) -> DefinitenessReport:
    """Positive (semi)definiteness of the quadratic form of ``A``.

    Tests the Hermitian part ``H = (A + A^H) / 2`` (the symmetric part for real
    ``A``): ``Re(x^H A x) = x^H H x``, so a non-symmetric ``A`` is positive definite
    exactly when ``H`` is.  Testing the leading minors of ``A`` itself is wrong
    (``[[1, 0], [5, 1]]`` has minors 1, 1 but ``x = (1, -1)`` gives -3).

    Parameters
    ----------
    A : (n, n) array_like
        Square matrix.
    semidefinite : bool, optional
        ``False``: test ``x^H H x > 0`` for all ``x != 0`` (Sylvester: all leading
        minors of ``H`` positive).  ``True``: test ``>= 0``, which needs *all*
        principal minors ``>= 0``; nonnegative leading minors are not enough
        (``[[0, 0], [0, -1]]`` has leading minors 0, 0).
    tol : float, optional
        Floating-point semidefinite test only: ``H`` passes when its smallest
        eigenvalue is ``>= -tol``.  Default ``n * eps * max|eigenvalue|``.
    exact : bool or None, optional
        Exact rational arithmetic (real input only), as in :func:`adjugate`.

    Returns
    -------
    DefinitenessReport
        Truthy iff the test passes; carries the first failing minor.

    Notes
    -----
    Floating point: the definite test is a Cholesky factorisation of ``H``; LAPACK
    stops at the first non-positive pivot ``k``, which is Sylvester's first
    non-positive leading minor ``D_k``.  The semidefinite test is the eigenvalue
    bound above, and a failing principal minor is located by symmetrically pivoted
    elimination.  Exact: leading minors by Bareiss, principal minors by exact
    symmetrically pivoted elimination.
    """
    arr = _square_matrix(A, "A")
    n = arr.shape[0]
    if _use_exact(arr, exact):
        F = _fraction_matrix(arr, "A")
        H = [[(F[i][j] + F[j][i]) / 2 for j in range(n)] for i in range(n)]
        if semidefinite:
            found = _principal_minor_search(H, Fraction(0))
            if found is None:
                return DefinitenessReport(True, True, None, None, None)
            return DefinitenessReport(False, True, found[0], found[1], None)
        minors = leading_minors(_object_array(H), exact=True)
        for k, d in enumerate(minors, start=1):
            if d <= 0:
                return DefinitenessReport(False, False, tuple(range(k)), d, None)
        return DefinitenessReport(True, False, None, None, None)

    Af = _float_matrix(arr, "A")
    # H = (A + A^H) / 2
    H = (Af + Af.conj().T) / 2
    eig = np.linalg.eigvalsh(H)
    lam_min = float(eig[0])
    if semidefinite:
        if tol is None:
            tol = n * np.finfo(float).eps * float(np.max(np.abs(eig)))
        elif not (np.isfinite(tol) and tol >= 0):
            raise ValueError(f"tol must be a finite number >= 0 (got {tol!r})")
        if lam_min >= -tol:
            return DefinitenessReport(True, True, None, None, lam_min)
        found = _principal_minor_search(H.tolist(), tol)
        if found is None:
            return DefinitenessReport(False, True, None, None, lam_min)
        return DefinitenessReport(False, True, found[0], float(np.real(found[1])), lam_min)
    potrf = scipy.linalg.get_lapack_funcs("potrf", (H,))
    _, info = potrf(H, lower=True)
    if info == 0:
        return DefinitenessReport(True, False, None, None, lam_min)
    k = int(info)
    return DefinitenessReport(
        False, False, tuple(range(k)), float(np.real(np.linalg.det(H[:k, :k]))), lam_min
    )


# ------------------------------------------------------------- quadratic forms


def _real_vector(v, name: str, n: int) -> np.ndarray:
    arr = np.asarray(v)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (got shape {arr.shape})")
    if np.iscomplexobj(arr) or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be real (got dtype {arr.dtype})")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must have finite entries (found NaN or inf)")
    return arr


def _covariance_matrix(cov, n: int) -> np.ndarray:
    arr = _square_matrix(cov, "cov")
    if arr.shape != (n, n):
        raise ValueError(f"cov must have shape ({n}, {n}) to match W (got shape {arr.shape})")
    if np.iscomplexobj(arr):
        raise ValueError(f"cov must be real (got dtype {arr.dtype})")
    C = _float_matrix(arr, "cov")
    scale = max(float(np.max(np.abs(C))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(C - C.T)))
    if asym > 1e-12 * scale:
        raise ValueError(f"cov must be symmetric (max |cov - cov^T| = {asym:.3e})")
    lam = float(np.linalg.eigvalsh((C + C.T) / 2)[0])
    if lam < -n * np.finfo(float).eps * scale * 10:
        raise ValueError(f"cov must be positive semidefinite (smallest eigenvalue {lam:.3e})")
    return C


def _quadform_inputs(W, mean, cov):
    Warr = _float_matrix(_square_matrix(W, "W"), "W")
    n = Warr.shape[0]
    return Warr, _real_vector(mean, "mean", n), _covariance_matrix(cov, n)


def quadform_mean(W, mean, cov):
    """Mean of the quadratic form ``Q = x^T W x`` of a random real vector ``x``.

    ``E[x^T W x] = tr(W Sigma) + mu^T W mu`` for any distribution with mean ``mu``
    and covariance ``Sigma`` (no Gaussian assumption).

    Parameters
    ----------
    W : (n, n) array_like
        Real or complex matrix (not necessarily symmetric).
    mean : (n,) array_like
        ``mu = E[x]``.
    cov : (n, n) array_like
        ``Sigma = E[(x - mu)(x - mu)^T]``, symmetric positive semidefinite.

    Returns
    -------
    float or complex
    """
    Wf, mu, C = _quadform_inputs(W, mean, cov)
    # tr(W Sigma) = sum_ij W_ij Sigma_ji
    value = np.sum(Wf * C.T) + mu @ Wf @ mu
    return complex(value) if np.iscomplexobj(value) else float(value)


def _gaussian_var(Ws: np.ndarray, mu: np.ndarray, C: np.ndarray) -> float:
    WC = Ws @ C
    # Var = 2 tr((W_s Sigma)^2) + 4 mu^T W_s Sigma W_s mu
    return float(2 * np.sum(WC * WC.T) + 4 * (mu @ WC @ Ws @ mu))


def _rademacher_var(Ws: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> float:
    B = sd[:, None] * Ws * sd[None, :]
    off = B - np.diag(np.diag(B))
    g = sd * (Ws @ mu)
    # Var = 2 sum_{i != j} B_ij^2 + 4 |D W_s mu|^2,  B = D W_s D,  D = diag(sd)
    return float(2 * np.sum(off * off) + 4 * (g @ g))


def quadform_var(W, mean, cov, dist: str = "gaussian") -> float:
    """Variance of ``Q = x^T W x`` for a Gaussian or Rademacher-type random vector.

    Only ``W_s = (W + W^T) / 2`` matters.  For complex ``W`` the variance is
    ``E|Q - E Q|^2 = Var(x^T Re(W) x) + Var(x^T Im(W) x)``.

    Parameters
    ----------
    W : (n, n) array_like
        Real or complex matrix.
    mean : (n,) array_like
        ``mu = E[x]``.
    cov : (n, n) array_like
        ``Sigma``, symmetric positive semidefinite.
    dist : {"gaussian", "rademacher"}
        ``"gaussian"``: ``x ~ N(mu, Sigma)``,
        ``Var Q = 2 tr((W_s Sigma)^2) + 4 mu^T W_s Sigma W_s mu``.
        ``"rademacher"``: independent two-point components
        ``x_i = mu_i + sigma_i eps_i`` with ``eps_i = +-1`` equally likely and
        ``sigma_i^2 = Sigma_ii`` (``Sigma`` must be diagonal); with
        ``B = D W_s D``, ``D = diag(sigma)``:
        ``Var Q = 2 sum_{i != j} B_ij^2 + 4 |D W_s mu|^2``
        (plain +-1 inputs: ``mu = 0``, ``Sigma = I``).

    Returns
    -------
    float
    """
    Wf, mu, C = _quadform_inputs(W, mean, cov)
    if dist not in ("gaussian", "rademacher"):
        raise ValueError(f"dist must be 'gaussian' or 'rademacher' (got {dist!r})")
    parts = [Wf.real, Wf.imag] if np.iscomplexobj(Wf) else [Wf]
    if dist == "rademacher":
        off = C - np.diag(np.diag(C))
        if np.any(off != 0):
            raise ValueError(
                "cov must be diagonal for dist='rademacher' (independent components); "
                f"max |off-diagonal| = {np.max(np.abs(off)):.3e}"
            )
        sd = np.sqrt(np.diag(C))
        return float(sum(_rademacher_var((P + P.T) / 2, mu, sd) for P in parts))
    return float(sum(_gaussian_var((P + P.T) / 2, mu, C) for P in parts))


# ------------------------------------------------------------- Volterra responses


def _volterra_kernel(w, M) -> np.ndarray:
    """Upper triangle (diagonal included) of ``w[:M, :M]`` as float/complex."""
    if isinstance(M, bool) or not isinstance(M, Integral) or M < 1:
        raise ValueError(f"M must be an integer >= 1 (got {M!r})")
    M = int(M)
    warr = np.asarray(w)
    if warr.ndim != 2 or warr.shape[0] < M or warr.shape[1] < M:
        raise ValueError(f"w must be a 2-D array of shape at least ({M}, {M}) (got shape {warr.shape})")
    wf = _float_matrix(warr[:M, :M], "w")
    return np.triu(wf)


def volterra2_response(a, w, M: int, *, mode: str = "causal") -> np.ndarray:
    """Second-order Volterra response ``r(k) = sum_{0<=i<=j<M} w[i, j] a(k-i) a(k-j)``.

    Vectorised form of the double loop::

        for k in range(len(a)):
            for i in range(M):
                for j in range(i, M):
                    r[k] += w[i, j] * a[k - i] * a[k - j]    # a[<0] = 0

    Parameters
    ----------
    a : (n,) array_like
        Input sequence ``a(0), ..., a(n-1)`` (real or complex, finite).
    w : (p, q) array_like with p, q >= M
        Kernel; only the upper triangle ``i <= j`` of ``w[:M, :M]`` enters (the
        lower triangle is ignored, as in the loop).
    M : int
        Memory length (number of lags).
    mode : {"causal", "valid"}
        ``"causal"``: ``a(k) = 0`` for ``k < 0`` (zero initial state), output
        ``r(0), ..., r(n-1)``.  ``"valid"``: only the ``n - M + 1`` outputs
        ``r(M-1), ..., r(n-1)`` that see no padding (needs ``n >= M``).

    Returns
    -------
    ndarray
        Real for real ``a`` and ``w``.

    Notes
    -----
    ``r(k) = x_k^T U x_k`` with the lag vector ``x_k = (a(k), ..., a(k-M+1))`` and
    ``U = triu(w)``; the lag vectors are a strided view, and the work is one
    matrix product, O(n M^2).  See :func:`volterra2_mean` for the mean.
    """
    U = _volterra_kernel(w, M)
    M = U.shape[0]
    arr = np.asarray(a)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"a must be a non-empty 1-D sequence (got shape {arr.shape})")
    af = _float_matrix(arr[None, :], "a")[0]
    if mode not in ("causal", "valid"):
        raise ValueError(f"mode must be 'causal' or 'valid' (got {mode!r})")
    if mode == "valid":
        if af.size < M:
            raise ValueError(f"a must have at least M = {M} samples for mode='valid' (got {af.size})")
        padded = af
    else:
        padded = np.concatenate([np.zeros(M - 1, dtype=af.dtype), af])
    # lags[k, i] = a(k - i): reversed sliding windows of the (padded) input
    lags = sliding_window_view(padded, M)[:, ::-1]
    # r(k) = sum_ij lags[k, i] U[i, j] lags[k, j]
    return np.sum((lags @ U) * lags, axis=1)


def volterra2_mean(w, M: int, *, input_mean: float = 0.0, input_var: float = 1.0):
    """Exact stationary mean of :func:`volterra2_response` for i.i.d. inputs.

    For independent ``a(k)`` with mean ``m`` and variance ``s^2``,
    ``E[a(k-i) a(k-j)] = s^2 delta_ij + m^2``, so for every ``k >= M - 1``
    (every output in ``mode="valid"``)::

        E[r(k)] = s^2 sum_i w[i, i] + m^2 sum_{i<=j} w[i, j]

    i.e. ``quadform_mean(triu(w), m 1, s^2 I)``.  It is *not* zero for zero-mean
    inputs: i.i.d. +-1 inputs (the defaults, ``m = 0``, ``s^2 = 1``) give the trace
    of ``w[:M, :M]``.  For +-1 inputs with ``P(+1) = p`` use ``m = 2p - 1`` and
    ``s^2 = 4 p (1 - p)``.  (In ``mode="causal"`` an output ``k < M - 1`` sees only
    the lags ``i, j <= k``.)

    Parameters
    ----------
    w : array_like, M : int
        As in :func:`volterra2_response`.
    input_mean, input_var : float
        ``m`` and ``s^2 >= 0``.

    Returns
    -------
    float or complex
    """
    U = _volterra_kernel(w, M)
    m = float(input_mean)
    s2 = float(input_var)
    if not (math.isfinite(m) and math.isfinite(s2) and s2 >= 0):
        raise ValueError(
            f"input_mean must be finite and input_var finite and >= 0 (got {input_mean!r}, {input_var!r})"
        )
    n = U.shape[0]
    return quadform_mean(U, np.full(n, m), s2 * np.eye(n))
