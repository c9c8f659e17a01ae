"""Argument checks shared by the differentiation-matrix constructors.

Each check raises ``ValueError`` naming the argument, the rule and the value.
"""

import numbers

import numpy as np


def check_int(name, value, minimum, maximum=None):
    """Return ``value`` as int after checking ``minimum <= value (<= maximum)``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer (got {value!r})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum} (got {value})")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum} (got {value})")
    return value


def check_positive(name, value):
    """Return ``value`` as float after checking it is finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number (got {value!r})")
    value = float(value)
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be finite and > 0 (got {value})")
    return value


def check_nodes(name, x):
    """Return ``x`` as a 1-D float array of distinct finite nodes."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 nodes (got shape {x.shape})")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (got non-finite entries)")
    if np.unique(x).size != x.size:
        raise ValueError(f"{name} must hold distinct nodes (got repeated values)")
    return x
