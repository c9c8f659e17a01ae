"""Deprecated alias of :mod:`cgle.matrix` (kept for release 0.2 only).

Every matrix utility (adjugate, Cramer's rule, definiteness, quadratic forms, covariance,
Mahalanobis distances, linkage) now lives in one namespace: use ``from cgle import
matrix`` and ``matrix.mahalanobis(...)``, ``matrix.adjugate(...)``.
"""

import warnings

from cgle.matrix import *  # noqa: F401,F403
from cgle.matrix import __all__  # noqa: F401

warnings.warn("cgle.linalg is deprecated and will be removed in cgle 0.3: use cgle.matrix", DeprecationWarning,
              stacklevel=2)
