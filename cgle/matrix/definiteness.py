"""Leading principal minors and positive definiteness (Sylvester's criterion)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.linalg

from cgle.matrix.adjugate import det_frexp
from cgle.matrix.checks import LU_KEEP, FloatRangeError, float_matrix, pow2_exponent, scale_pow2, square_matrix
from cgle.matrix.exact import bareiss_det, fraction_matrix, integer_scaled, object_array, use_exact

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
    some ``D_k`` is zero.  Floating point factorises ``A`` (divided by a power of two
    when its entries approach the ends of the range, as :func:`adjugate`) and carries
    each determinant as mantissa and exponent, so ``D_k(cA) = c^k D_k(A)`` holds at
    every scale; a nonzero minor outside the normal float64 range raises
    :class:`cgle.matrix.checks.FloatRangeError` (``exact=True`` gives it exactly).
    """
    arr = square_matrix(A, "A")
    n = arr.shape[0]
    if use_exact(arr, exact):
        F = fraction_matrix(arr, "A")
        out = np.empty(n, dtype=object)
        for k in range(1, n + 1):
            B, L = integer_scaled([row[:k] for row in F[:k]])
            # D_k(A) = D_k(B) / L^k  with B = L * A[:k, :k]
            out[k - 1] = Fraction(bareiss_det(B), L**k)
        return out
    Af = float_matrix(arr, "A")
    e = pow2_exponent(Af, keep=LU_KEEP)
    As = scale_pow2(Af, e)
    out = np.empty(n, dtype=As.dtype)
    for k in range(1, n + 1):
        mantissa, exponent = _minor_frexp(As, range(k))
        value = _ldexp_saturating(mantissa, exponent + k * e)
        if mantissa != 0 and (not np.isfinite(value) or abs(value) < np.finfo(float).tiny):
            raise FloatRangeError(
                f"leading minor D_{k} of A is about 2^{exponent + k * e + 1} (~10^{(exponent + k * e) * 0.30103:.0f}), "
                "outside the float64 range, as D_k(cA) = c^k D_k(A); rescale A or use exact=True"
            )
        out[k - 1] = value
    return out


def _minor_frexp(As: np.ndarray, idx) -> tuple:
    """``det(As[idx, idx])`` as (mantissa, exponent), by LU with partial pivoting."""
    idx = np.asarray(list(idx))
    getrf = scipy.linalg.get_lapack_funcs("getrf", (As,))
    lu, piv, info = getrf(As[np.ix_(idx, idx)])
    if info > 0:
        return 0.0 * lu[0, 0], 0
    return det_frexp(lu, piv)


def _ldexp_saturating(mantissa, exponent: int):
    """``mantissa * 2^exponent``, inf or 0 beyond the float64 range (no warning)."""
    with np.errstate(over="ignore", under="ignore"):
        if isinstance(mantissa, complex) or np.iscomplexobj(mantissa):
            m = complex(mantissa)
            return complex(np.ldexp(m.real, exponent), np.ldexp(m.imag, exponent))
        return float(np.ldexp(float(mantissa), exponent))


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
        ``det(H[I, I])`` for ``failing_minor`` (floating point: rounded to float64, so
        +-inf or 0 when the minor itself lies outside its range; the verdict and
        ``failing_minor`` come from the scaled matrix and do not depend on that).
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
        eigenvalue is ``>= -tol`` (an absolute bound, in the units of ``A``).
        Default ``n * eps * max|eigenvalue|`` (relative, so scale invariant).
    exact : bool or None, optional
        Exact rational arithmetic (real input only), as in :func:`adjugate`.

    Returns
    -------
    DefinitenessReport
        Truthy iff the test passes; carries the first failing minor.

    Notes
    -----
    Floating point works on ``A`` (divided by ``4^k`` when its entries approach the
    ends of the range, which commutes with every rounding of the Cholesky
    factorisation, and with minors carried as mantissa and exponent: nothing over- or
    underflows and the verdict does not depend on the scale): the
    definite test is a Cholesky factorisation of ``H``; LAPACK stops at the first
    non-positive pivot ``k``, which is Sylvester's first non-positive leading minor
    ``D_k``.  A pivot ``L_kk^2`` within ``4 k eps H_kk`` of zero (below its rounding
    error, so its sign is not determined by the data: ``H`` is singular to working
    precision, e.g. any rank-deficient ``H`` whatever its scale) also fails at ``k``;
    ``exact=True`` decides such matrices exactly.  The semidefinite test is the eigenvalue
    bound above, and a failing principal minor is located by symmetrically pivoted
    elimination.  Exact: leading minors by Bareiss, principal minors by exact
    symmetrically pivoted elimination.
    """
    arr = square_matrix(A, "A")
    n = arr.shape[0]
    if use_exact(arr, exact):
        F = fraction_matrix(arr, "A")
        H = [[(F[i][j] + F[j][i]) / 2 for j in range(n)] for i in range(n)]
        if semidefinite:
            found = _principal_minor_search(H, Fraction(0))
            if found is None:
                return DefinitenessReport(True, True, None, None, None)
            return DefinitenessReport(False, True, found[0], found[1], None)
        minors = leading_minors(object_array(H), exact=True)
        for k, d in enumerate(minors, start=1):
            if d <= 0:
                return DefinitenessReport(False, False, tuple(range(k)), d, None)
        return DefinitenessReport(True, False, None, None, None)

    Af = float_matrix(arr, "A")
    # H = (A + A^H) / 2, on A / 2^e with e even: Cholesky of the scaled matrix is an
    # exact rescaling of that of A
    e = pow2_exponent(Af, even=True, keep=LU_KEEP)
    As = scale_pow2(Af, e)
    H = (As + As.conj().T) / 2
    eig = np.linalg.eigvalsh(H)
    lam_min = _ldexp_saturating(float(eig[0]), e)
    if semidefinite:
        if tol is None:
            tol_s = n * np.finfo(float).eps * float(np.max(np.abs(eig)))
        elif isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)) or not (
            np.isfinite(tol) and tol >= 0
        ):
            raise ValueError(f"tol must be a finite number >= 0 (got {tol!r})")
        else:
            tol_s = float(np.ldexp(float(tol), -e)) if tol else 0.0
        if float(eig[0]) >= -tol_s:
            return DefinitenessReport(True, True, None, None, lam_min)
        found = _principal_minor_search(H.tolist(), tol_s)
        if found is None:
            return DefinitenessReport(False, True, None, None, lam_min)
        indices = found[0]
        mantissa, exponent = _minor_frexp(H, indices)
        value = _ldexp_saturating(mantissa, exponent + len(indices) * e)
        return DefinitenessReport(False, True, indices, float(np.real(value)), lam_min)
    potrf = scipy.linalg.get_lapack_funcs("potrf", (H,))
    L, info = potrf(H, lower=True)
    if info == 0:
        # pivot k, L_kk^2 = H_kk - sum_j L_kj^2, carries a rounding error of about
        # 2 k eps H_kk: a pivot below twice that has no determined sign
        pivots = np.diag(L).real ** 2
        bound = 4.0 * np.arange(1, n + 1) * np.finfo(float).eps * np.diag(H).real
        unsure = pivots <= bound
        if not np.any(unsure):
            return DefinitenessReport(True, False, None, None, lam_min)
        info = int(np.argmax(unsure)) + 1
    k = int(info)
    mantissa, exponent = _minor_frexp(H, range(k))
    value = _ldexp_saturating(mantissa, exponent + k * e)
    return DefinitenessReport(False, False, tuple(range(k)), float(np.real(value)), lam_min)
