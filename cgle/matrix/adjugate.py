"""Adjugate, cofactors and Cramer's rule, in floating point or exactly.

Two arithmetic paths:

- floating point (default): LAPACK LU, with an SVD fallback for singular or
  ill-conditioned input where the result exists (the adjugate);
- exact (``exact=True``, or automatically for ``dtype=object`` input): rational
  arithmetic (:mod:`cgle.matrix.exact`); integer, ``Fraction`` and float entries are
  accepted (a float at its exact binary value), complex entries are not, and the result
  is an ``object`` array of ``Fraction``.

Inputs are never modified; matrices are square 2-D arrays, real or complex, with
finite entries.  Floating point keeps determinants as mantissa and exponent and, when
the largest entry of ``A`` lies outside [2^-1000, 2^1000], works on ``A / 2^e`` (exact)
with ``max |A / 2^e|`` in [1/2, 1), so that no intermediate over- or underflows; the
homogeneity of each result (``adj(cA) = c^(n-1) adj(A)``,
``inv(cA) = inv(A) / c``) is applied at the end, and a result outside the float64 range
raises :class:`cgle.matrix.checks.FloatRangeError`.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import scipy.linalg

from cgle.matrix.checks import LU_KEEP, as_array, float_matrix, pow2_exponent, rescaled, scale_pow2, square_matrix
from cgle.matrix.exact import exact_adjugate_det, fraction_matrix, object_array, use_exact

# Below this reciprocal condition number (LAPACK 1-norm estimate) the float path of
# the adjugate switches from det(A) * inv(A) to the SVD product formula.
_ADJ_LU_RCOND = float(np.sqrt(np.finfo(float).eps))


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


def frexp_product(values: np.ndarray) -> tuple:
    """``prod(values) = mantissa * 2^exponent`` without over- or underflow.

    Real or complex entries; ``|mantissa|`` in [1/2, 1) unless the product is zero.
    Each factor is split as ``f_i 2^(k_i)`` with ``|f_i|`` in [1/2, 1); the ``f_i`` are
    multiplied 64 at a time (a partial product stays above ``2^-64``) and
    renormalised.
    """
    vals = np.asarray(values)
    if vals.size == 0:
        return 1.0, 0
    if np.any(vals == 0):
        return 0.0 * vals.flat[0], 0
    _, k = np.frexp(np.abs(vals))
    f = scale_pow2(vals, k) if np.iscomplexobj(vals) else np.ldexp(vals, -k)
    mantissa = 1.0 + 0.0 * f.flat[0]
    exponent = int(np.sum(k, dtype=np.int64))
    for start in range(0, f.size, 64):
        mantissa = mantissa * np.prod(f[start : start + 64])
        shift = math.frexp(abs(mantissa))[1]
        mantissa = mantissa * 2.0**-shift
        exponent += shift
    return mantissa, exponent


def det_frexp(lu: np.ndarray, piv: np.ndarray) -> tuple:
    """``det(A) = mantissa * 2^exponent`` from LAPACK LU factors of A."""
    # det(A) = (-1)^(number of row interchanges) * prod(diag(U))
    swaps = np.count_nonzero(piv != np.arange(piv.size))
    mantissa, exponent = frexp_product(np.diag(lu))
    return (-mantissa if swaps % 2 else mantissa), exponent


def _adjugate_svd(A: np.ndarray) -> tuple:
    """Adjugate from the SVD, valid for singular ``A``: ``(M, e)`` with ``adj(A) = M 2^e``.

    With ``A = U S V^H``: ``adj(XY) = adj(Y) adj(X)`` and ``adj(Q) = det(Q) Q^H`` for
    unitary ``Q``, so ``adj(A) = det(U) det(V^H) V adj(S) U^H`` where ``adj(S)`` is
    diagonal with entries ``prod_{j != i} s_j`` (formed in mantissa and exponent,
    without dividing by a zero ``s_i``).
    """
    U, s, Vh = np.linalg.svd(A)
    n = s.size
    zero = s == 0
    others = np.zeros(n)
    shift = 0
    if np.count_nonzero(zero) == 1:
        z = int(np.argmax(zero))
        mant, shift = frexp_product(np.delete(s, z))
        others[z] = mant
    elif not np.any(zero):
        # prod_{j != i} s_j = prod_j s_j / s_i, all in mantissa and exponent
        mant, total = frexp_product(s)
        f, k = np.frexp(s)
        # factor 2^shift out only where the largest of them would leave the range
        top = total - int(np.min(k)) + 1
        shift = 0 if -LU_KEEP <= top <= LU_KEEP else top
        others = np.ldexp(mant / f, total - k - shift)
    phase = np.linalg.det(U) * np.linalg.det(Vh)
    phase = phase / abs(phase)
    # adj(A) = phase * V diag(others) U^H
    return phase * ((Vh.conj().T * others) @ U.conj().T), shift


def _adjugate_float(A: np.ndarray) -> tuple:
    """``(M, e)`` with ``adj(A) = M 2^e``, for ``A`` scaled to ``max |A|`` in [1/2, 1)."""
    lu, piv, info, rcond = _lu_with_rcond(A)
    if info == 0 and rcond >= _ADJ_LU_RCOND:
        getri = scipy.linalg.get_lapack_funcs("getri", (lu,))
        inv, rinfo = getri(lu, piv)
        mantissa, exponent = det_frexp(lu, piv)
        # adj(A) = det(A) A^{-1}
        return mantissa * inv, exponent
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
    Floating point (scaled as the module docstring says; ``FloatRangeError``
    where the true adjugate overflows): when the LU factorisation's reciprocal
    condition estimate is at least ``sqrt(eps)``, ``adj(A) = det(A) A^{-1}`` from the
    LU factors, the determinant carried as mantissa and exponent; otherwise
    (singular or nearly so) the SVD product formula
    ``adj(A) = det(U) det(V^H) V diag(prod_{j != i} s_j) U^H`` is used, which needs
    no inverse.  Both are O(n^3); cofactor expansion is O(n!) and the minor-by-minor
    definition O(n^5).
    """
    arr = square_matrix(A, "A")
    if use_exact(arr, exact):
        adj, _ = exact_adjugate_det(arr, "A")
        return object_array(adj)
    Af = float_matrix(arr, "A")
    n = Af.shape[0]
    e = pow2_exponent(Af, keep=LU_KEEP)
    M, shift = _adjugate_float(scale_pow2(Af, e))
    return rescaled(M, shift + e * (n - 1), "A", f"adj(cA) = c^(n-1) adj(A) with n = {n}")


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
    The floating path uses LU with partial pivoting (LAPACK ``getrf``/``getri``)
    (scaled as the module docstring says), not ``adj(A) / det(A)``, which over- or underflows for moderate n;
    ``FloatRangeError`` where the true inverse leaves the float64 range.
    """
    arr = square_matrix(A, "A")
    if use_exact(arr, exact):
        adj, det = exact_adjugate_det(arr, "A")
        if det == 0:
            raise np.linalg.LinAlgError("A must be nonsingular: det(A) == 0 exactly")
        return object_array([[v / det for v in row] for row in adj])
    Af = float_matrix(arr, "A")
    e = pow2_exponent(Af, keep=LU_KEEP)
    lu, piv, info, rcond = _lu_with_rcond(scale_pow2(Af, e))
    if info > 0 or rcond < np.finfo(float).eps:
        raise _singular_error(rcond, info)
    getri = scipy.linalg.get_lapack_funcs("getri", (lu,))
    inv, _ = getri(lu, piv)
    return rescaled(inv, -e, "A", "inv(cA) = inv(A) / c")


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
    Floating point uses LU with partial pivoting (``getrf``/``getrs``), ``A`` and
    ``b`` scaled separately, O(n^3) once and O(n^2) per right-hand side; evaluating
    n + 1 determinants is both slower and less stable.  Exact arithmetic computes ``adj(A) b / det(A)``.
    """
    arr = square_matrix(A, "A")
    n = arr.shape[0]
    barr = as_array(b, "b")
    if barr.ndim not in (1, 2) or barr.shape[0] != n:
        raise ValueError(
            f"b must have shape ({n},) or ({n}, k) to match A (got shape {barr.shape})"
        )
    if exact is None:
        exact = arr.dtype == object or barr.dtype == object
    if exact:
        adj, det = exact_adjugate_det(arr, "A")
        if det == 0:
            raise np.linalg.LinAlgError("A must be nonsingular: det(A) == 0 exactly")
        bcols = fraction_matrix(barr.reshape(n, -1), "b")
        k = len(bcols[0])
        x = [
            [sum((adj[i][l] * bcols[l][j] for l in range(n)), Fraction(0)) / det for j in range(k)]
            for i in range(n)
        ]
        return object_array(x).reshape(barr.shape)
    Af = float_matrix(arr, "A")
    bf = float_matrix(barr.reshape(n, -1), "b")
    ea = pow2_exponent(Af, keep=LU_KEEP)
    eb = pow2_exponent(bf, keep=LU_KEEP)
    lu, piv, info, rcond = _lu_with_rcond(scale_pow2(Af, ea))
    if info > 0 or rcond < np.finfo(float).eps:
        raise _singular_error(rcond, info)
    bs = scale_pow2(bf, eb)
    if np.iscomplexobj(bs) and not np.iscomplexobj(lu):
        lu = lu.astype(np.complex128)
    getrs = scipy.linalg.get_lapack_funcs("getrs", (lu, bs))
    x, _ = getrs(lu, piv, bs.astype(lu.dtype, copy=False))
    # A x = b with A = 2^ea A_s, b = 2^eb b_s:  x = 2^(eb - ea) A_s^{-1} b_s
    return rescaled(x, eb - ea, "A and b", "x(cA, sb) = (s / c) x(A, b)").reshape(barr.shape)
