"""Argument checks and exact power-of-two scaling shared by the matrix utilities.

Bad input raises ``ValueError`` naming the argument, the rule and the offending value.
A result outside the float64 range raises :class:`FloatRangeError` (a ``ValueError``
and an ``OverflowError``) naming the argument and the scaling rule.

Scaling: the utilities factor ``A = 2^e A_s`` with ``max |A_s|`` in [1/2, 1) before any
arithmetic (multiplying by a power of two is exact, barring subnormal results), work
on ``A_s``, and apply the known homogeneity of the result (``adj(cA) = c^(n-1) adj(A)``,
``cov(cX) = c^2 cov(X)``, ...) at the end with :func:`rescaled`.  So no intermediate
over- or underflows at any scale, and a result is returned exactly when it is
representable.  LU and Cholesky based utilities scale only when the entries approach
the ends of the float64 range (``keep``), since their intermediates stay near the size
of the entries and determinants are carried as mantissa and exponent.
"""

from __future__ import annotations

import math

import numpy as np


# LU/Cholesky based utilities work on A unscaled while max |A| lies in [2^-1000, 2^1000]
# (room for a pivot growth of 2^23; determinants are carried as mantissa and exponent)
LU_KEEP = 1000


class FloatRangeError(OverflowError, ValueError):
    """A result (or its largest entry) lies outside the normal float64 range."""


def as_array(x, name: str) -> np.ndarray:
    """``np.asarray(x)``, with numpy's complaint about ragged input naming the argument."""
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of numbers ({exc})") from None


def pow2_exponent(arr: np.ndarray, *, even: bool = False, keep: int | None = None) -> int:
    """``e`` with ``max |arr| = f 2^e``, ``f`` in [1/2, 1); 0 for an all-zero (or empty) array.

    ``even=True`` rounds ``e`` up to an even number (``f`` in [1/4, 1)), so that square
    roots of the scaled entries are exact rescalings of those of the original ones
    (Cholesky factors, standard deviations).  ``keep=K`` returns 0 (no scaling) while
    ``max |arr|`` lies in [2^-K, 2^K]: for factorisations whose intermediates stay near
    the size of the entries (LU, Cholesky), which need scaling only near the ends of
    the range, and keep every entry of a matrix spanning more than 10^308 that way.
    """
    e = _pow2_exponent(arr)
    if keep is not None and -keep < e <= keep:
        return 0
    return e + (e % 2) if even else e


def _pow2_exponent(arr: np.ndarray) -> int:
    if arr.size == 0:
        return 0
    top = float(np.max(np.abs(arr)))
    if top == 0.0 or not math.isfinite(top):
        # |complex| can overflow although both parts are finite: bound by the parts
        if np.iscomplexobj(arr) and top != 0.0:
            top = max(float(np.max(np.abs(arr.real))), float(np.max(np.abs(arr.imag))))
            return math.frexp(top)[1] + 1
        return 0
    return math.frexp(top)[1]


def scale_pow2(arr: np.ndarray, e: int) -> np.ndarray:
    """``arr / 2^e`` exactly (real and imaginary parts separately), as a new array."""
    if np.iscomplexobj(arr):
        out = np.empty(arr.shape, dtype=np.complex128)
        out.real = np.ldexp(arr.real, -e)
        out.imag = np.ldexp(arr.imag, -e)
        return out
    return np.ldexp(arr, -e)


def rescaled(value, e: int, name: str, rule: str):
    """``value * 2^e``, raising :class:`FloatRangeError` when the result leaves float64's range.

    Overflow anywhere, or a nonzero result whose largest entry falls below the normal
    range (so that all of it would be lost to underflow), raises; entries much smaller
    than the largest may underflow gradually (they are below its rounding error).
    ``name`` and ``rule`` (e.g. ``"adj(cA) = c^(n-1) adj(A)"``) go into the message.
    """
    arr = np.asarray(value)
    if arr.size == 0:
        return value
    if np.iscomplexobj(arr):
        top = max(float(np.max(np.abs(arr.real))), float(np.max(np.abs(arr.imag))))
    else:
        top = float(np.max(np.abs(arr)))
    if top == 0.0:
        return value
    if not math.isfinite(top):
        raise FloatRangeError(f"the result for {name} overflows float64, as {rule}; rescale {name}")
    top_e = math.frexp(top)[1] + e  # the largest |entry| is in [2^(top_e - 1), 2^top_e)
    if top_e < -1021:
        raise FloatRangeError(
            f"the result for {name} underflows float64: its largest entry is about 2^{top_e} "
            f"(~10^{top_e * math.log10(2):.0f}), below the smallest normal number, as {rule}; rescale {name}"
        )
    if top_e > 1024:
        raise FloatRangeError(
            f"the result for {name} overflows float64: its largest entry is about 2^{top_e} "
            f"(~10^{top_e * math.log10(2):.0f}), as {rule}; rescale {name}"
        )
    out = scale_pow2(arr, -e)
    return out[()] if np.ndim(value) == 0 else out


def square_matrix(A, name: str) -> np.ndarray:
    """Return ``A`` as a 2-D square ndarray (no copy), rejecting anything else."""
    arr = as_array(A, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square 2-D matrix (got shape {arr.shape})")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must be at least 1 x 1 (got shape {arr.shape})")
    return arr


def float_matrix(arr: np.ndarray, name: str) -> np.ndarray:
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
        raise ValueError(f"{name} must have finite entries (found NaN or inf in float64)")
    return out


def finite_2d(X, name: str, *, allow_complex: bool = True) -> np.ndarray:
    """``X`` as a finite 2-D float64 (or complex128) array, rejecting anything else."""
    arr = as_array(X, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (got shape {arr.shape})")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be numeric (got dtype {arr.dtype})")
    if np.iscomplexobj(arr):
        if not allow_complex:
            raise ValueError(f"{name} must be real (got dtype {arr.dtype})")
        arr = arr.astype(np.complex128, copy=False)
    else:
        arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must have finite entries (got {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)})"
        )
    return arr


def real_vector(v, name: str, n: int) -> np.ndarray:
    """``v`` as a finite real float64 vector of length n."""
    arr = as_array(v, name)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (got shape {arr.shape})")
    if np.iscomplexobj(arr) or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be real (got dtype {arr.dtype})")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must have finite entries (found NaN or inf)")
    return arr
