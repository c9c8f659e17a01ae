"""Stand-alone matrix utilities (they import nothing else of cgle).

=====================================  =============================================
topic                                  functions
=====================================  =============================================
adjugate and Cramer's rule             :func:`adjugate`, :func:`cofactor_matrix`,
                                       :func:`cramer_inverse`, :func:`cramer_solve`
definiteness (Sylvester)               :func:`leading_minors`,
                                       :func:`is_positive_definite`
quadratic forms, Volterra kernels      :func:`quadform_mean`, :func:`quadform_var`,
                                       :func:`volterra2_response`, :func:`volterra2_mean`
covariance and correlation             :func:`covariance`, :func:`cov2corr`
Mahalanobis distances                  :func:`mahalanobis`
hierarchical clustering                :func:`linkage`
=====================================  =============================================

Conventions: inputs are never modified; rows are observations unless an argument says
otherwise (the opposite of ``numpy.cov``'s default); distances are not squared unless
``squared=True``; :func:`linkage` returns the (n-1) x 4 matrix of scipy's format, so
``scipy.cluster.hierarchy.dendrogram`` and ``fcluster`` accept it; bad input raises
``ValueError`` naming the argument, the rule and the value.  Scale: inputs are divided
by a power of two before any arithmetic and the result's homogeneity applied at the end
(``adj(cA) = c^(n-1) adj(A)``, ``cov(cX) = c^2 cov(X)``, Mahalanobis distances and
definiteness are scale invariant), so results hold at every representable scale; a
result outside the float64 range raises :class:`FloatRangeError` (a ``ValueError``)
instead of returning inf, 0 or NaN.
"""

from cgle.matrix.adjugate import adjugate, cofactor_matrix, cramer_inverse, cramer_solve
from cgle.matrix.covariance import cov2corr, covariance
from cgle.matrix.definiteness import DefinitenessReport, is_positive_definite, leading_minors
from cgle.matrix.checks import FloatRangeError
from cgle.matrix.linkage import DistanceMatrixWarning, linkage
from cgle.matrix.mahalanobis import ConstantDistanceWarning, MahalanobisInfo, mahalanobis
from cgle.matrix.quadratic_forms import quadform_mean, quadform_var, volterra2_mean, volterra2_response

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
    "covariance",
    "cov2corr",
    "mahalanobis",
    "MahalanobisInfo",
    "ConstantDistanceWarning",
    "linkage",
    "DistanceMatrixWarning",
    "FloatRangeError",
]
