"""Argument checks shared by the matrix utilities.

Bad input raises ``ValueError`` naming the argument, the rule and the offending value.
"""

from __future__ import annotations

import numpy as np


def square_matrix(A, name: str) -> np.ndarray:
    """Return ``A`` as a 2-D square ndarray (no copy), rejecting anything else."""
    arr = np.asarray(A)
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
        raise ValueError(f"{name} must have finite entries (found NaN or inf)")
    return out



def finite_2d(X, name: str, *, allow_complex: bool = True) -> np.ndarray:
    arr = np.asarray(X)
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
    arr = np.asarray(v)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (got shape {arr.shape})")
    if np.iscomplexobj(arr) or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be real (got dtype {arr.dtype})")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must have finite entries (found NaN or inf)")
    return arr
