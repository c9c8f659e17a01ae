"""Exact rational arithmetic for the matrix utilities (``exact=True``).

Entries are taken as :class:`fractions.Fraction` (a float at its exact binary value),
scaled to integers by their common denominator, and eliminated fraction-free (Bareiss
1968), so every intermediate is an exact integer; the adjugate of the scaled matrix
comes from the Faddeev-LeVerrier recurrence.
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Integral, Rational

import numpy as np


def use_exact(arr: np.ndarray, exact: bool | None) -> bool:
    """Decide the arithmetic path: exact when asked, or for object arrays."""
    if exact is None:
        return arr.dtype == object
    return bool(exact)


def fraction_matrix(arr: np.ndarray, name: str) -> list[list[Fraction]]:
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


def integer_scaled(F: list[list[Fraction]]) -> tuple[list[list[int]], int]:
    """Return ``(B, L)`` with ``B = L * F`` an integer matrix, ``L`` the lcm of denominators."""
    L = 1
    for row in F:
        for v in row:
            L = math.lcm(L, v.denominator)
    return [[int(v * L) for v in row] for row in F], L


def object_array(rows) -> np.ndarray:
    n = len(rows)
    m = len(rows[0]) if n else 0
    out = np.empty((n, m), dtype=object)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            out[i, j] = v
    return out


# ------------------------------------------------------------------ exact kernels


def bareiss_gauss_jordan(B: list[list[int]]):
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


def bareiss_det(B: list[list[int]]) -> int:
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


def faddeev_leverrier_adj(B: list[list[int]]) -> list[list[int]]:
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


def exact_adjugate_det(arr: np.ndarray, name: str):
    """Exact ``(adj(A), det(A))`` as Fractions, for any square rational ``A``."""
    F = fraction_matrix(arr, name)
    B, L = integer_scaled(F)
    n = len(B)
    res = bareiss_gauss_jordan(B)
    if res is None:
        det_B = 0
        adj_B = faddeev_leverrier_adj(B)
    else:
        det_B, adj_B = res
    # adj(B) = adj(L A) = L^(n-1) adj(A);  det(B) = L^n det(A)
    scale = L ** (n - 1)
    adj = [[Fraction(v, scale) for v in row] for row in adj_B]
    return adj, Fraction(det_B, L**n)
