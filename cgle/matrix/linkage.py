"""Hierarchical agglomerative clustering in scipy's format.

:func:`linkage` returns the ``(m - 1) x 4`` matrix ``Z`` of
``scipy.cluster.hierarchy.linkage``, so ``dendrogram`` and ``fcluster`` accept it.  The
merges are computed by numba kernels: :mod:`cgle.matrix.linkage_vector` works on the
observation vectors (single, ward, centroid, median; O(m d) memory),
:mod:`cgle.matrix.linkage_condensed` on a condensed distance matrix (nearest-neighbour
chain and generic agglomeration), and :mod:`cgle.matrix.linkage_tree` holds the
minimum spanning tree of a condensed matrix and the relabelling into scipy's format.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.spatial.distance import pdist

from cgle.matrix import linkage_condensed as _condensed_kernels
from cgle.matrix import linkage_tree as _tree
from cgle.matrix import linkage_vector as _vector
from cgle.matrix.checks import FloatRangeError, as_array, finite_2d, pow2_exponent

# ------------------------------------------------------------------------- linkage

_METHODS = {
    "single": 0,
    "complete": _condensed_kernels.COMPLETE,
    "average": _condensed_kernels.AVERAGE,
    "weighted": _condensed_kernels.WEIGHTED,
    "ward": _condensed_kernels.WARD,
    "centroid": _condensed_kernels.CENTROID,
    "median": _condensed_kernels.MEDIAN,
}
_SQUARED = {"ward", "centroid", "median"}
_METRICS = ("euclidean", "precomputed")
# Relative tolerance (to the largest squared distance) of the Euclidean check.
_EUCLIDEAN_RTOL = 1e-9
# Relative tolerance (to the largest entry) for "symmetric" and "zero diagonal".
_SQUARE_RTOL = 1e-10


class DistanceMatrixWarning(UserWarning):
    """A square observation matrix looks like a distance matrix (scipy's ClusterWarning)."""


def _condensed(y: np.ndarray) -> tuple[np.ndarray, int]:
    if np.iscomplexobj(y) or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise ValueError(f"y must be real distances (got dtype {y.dtype})")
    D = y.astype(np.float64, copy=False)
    L = D.size
    m = int(round((1 + math.sqrt(1 + 8 * L)) / 2))
    if m * (m - 1) // 2 != L or m < 2:
        raise ValueError(
            f"y, a condensed distance matrix, must have length m (m - 1) / 2 for some m >= 2 (got {L})"
        )
    bad = ~np.isfinite(D)
    if np.any(bad):
        k = int(np.argmax(bad))
        raise ValueError(f"y must have finite distances (got y[{k}] = {D[k]})")
    if np.any(D < 0):
        k = int(np.argmax(D < 0))
        raise ValueError(f"y must have nonnegative distances (got y[{k}] = {D[k]})")
    return D, m


def _looks_like_distances(X: np.ndarray) -> bool:
    """Square, nonnegative, symmetric and zero on the diagonal (to ``_SQUARE_RTOL``)."""
    m, d = X.shape
    if m != d or np.any(X < 0):
        return False
    tol = _SQUARE_RTOL * float(np.max(X))
    return bool(np.all(np.abs(np.diag(X)) <= tol) and np.max(np.abs(X - X.T)) <= tol)


def _square_to_condensed(arr: np.ndarray) -> np.ndarray:
    """The strict upper triangle of a validated square distance matrix, row by row."""
    X = finite_2d(arr, "y", allow_complex=False)
    m = X.shape[0]
    if X.shape != (m, m) or m < 2:
        raise ValueError(f"y must be a square m x m distance matrix with m >= 2 for metric='precomputed' "
                         f"(got shape {X.shape})")
    if np.any(X < 0):
        i, j = np.argwhere(X < 0)[0]
        raise ValueError(f"y must have nonnegative distances (got y[{i}, {j}] = {X[i, j]})")
    tol = _SQUARE_RTOL * float(np.max(X))
    asym = float(np.max(np.abs(X - X.T)))
    if asym > tol:
        raise ValueError(f"y must be symmetric for metric='precomputed' (max |y - y^T| = {asym:.3e})")
    diag = float(np.max(np.abs(np.diag(X))))
    if diag > tol:
        raise ValueError(f"y must have a zero diagonal for metric='precomputed' (max |y_ii| = {diag:.3e})")
    return X[np.triu_indices(m, 1)]


def linkage(y, method: str = "single", *, metric: str = "euclidean", check_euclidean: bool = True) -> np.ndarray:
    """Hierarchical agglomerative clustering, returning scipy's linkage matrix.

    Parameters
    ----------
    y : (m, d), (m, m) or (m (m - 1) / 2,) array_like
        Observations in rows (real, finite; Euclidean distances are used), or a
        condensed distance matrix as from ``scipy.spatial.distance.pdist`` (finite,
        nonnegative), or with ``metric="precomputed"`` a square distance matrix
        (symmetric, zero diagonal, to a relative ``1e-10``; its upper triangle is used).
    method : {"single", "complete", "average", "weighted", "ward", "centroid", "median"}
        Cluster dissimilarity, as in ``scipy.cluster.hierarchy.linkage``.  Ward,
        centroid and median are defined for Euclidean distances: from vectors they
        use Euclidean distances; given distances must be Euclidean.
    metric : {"euclidean", "precomputed"}, optional
        How a 2-D ``y`` is read: observations (default) or a square distance matrix.
        A 1-D ``y`` is always a condensed distance matrix.  For another metric, pass
        ``pdist(X, metric)``.
    check_euclidean : bool, optional
        For ward/centroid/median on given distances: verify that they are Euclidean
        (Schoenberg's criterion: ``-J D^2 J / 2`` positive semidefinite, checked by
        pivoted Cholesky to within ``1e-9`` of the largest squared distance per
        entry; O(m^2 r) for an r-dimensional configuration) and raise ``ValueError``
        otherwise.  ``False`` skips the check (the heights of non-Euclidean input are
        then those of the Lance-Williams updates, negative squares clipped to 0).

    Returns
    -------
    Z : (m - 1, 4) ndarray
        Row k merges clusters ``Z[k, 0] < Z[k, 1]`` (observations are 0..m-1, the
        cluster formed in row k is ``m + k``) at height ``Z[k, 2]``, giving a cluster
        of ``Z[k, 3]`` observations.  Rows are sorted by height (single, complete,
        average, weighted, ward); centroid and median rows are in merge order, where
        heights may decrease (inversions), as in scipy.  Heights are distances, not
        squared; Ward's is scipy's ``sqrt(2 n_a n_b / (n_a + n_b)) |c_a - c_b|`` for
        clusters of sizes ``n_a, n_b`` and centroids ``c_a, c_b``.

    Raises
    ------
    ValueError
        Bad ``y`` or arguments; distances that are not Euclidean (see above).
    FloatRangeError
        (a ``ValueError`` and ``OverflowError``) when heights exceed the float64 range
        (e.g. Ward heights of coordinates near 1e308); no non-finite height is returned.

    Warns
    -----
    DistanceMatrixWarning
        When ``y`` is 2-D, ``metric="euclidean"``, and ``y`` is square, nonnegative,
        symmetric and zero on its diagonal: it is clustered as observations, as
        scipy does (with its ClusterWarning), but it is probably a distance matrix.

    Notes
    -----
    Scale: the input is divided by a power of two (exactly) so that its largest entry
    is below 1, and the heights, homogeneous of degree 1, are multiplied back; so
    ``linkage(c y)`` has the merges of ``linkage(y)`` and heights ``c`` times theirs
    at every representable scale.

    Algorithms (numba): from vectors -- single: Prim's minimum spanning tree (O(m^2 d)
    time, O(m d) memory); ward: nearest-neighbour chain on cluster centroids and
    sizes; centroid/median: Muellner's generic algorithm on cluster points (O(m d)
    memory, no distance matrix); complete/average/weighted need the condensed matrix
    (``pdist``, O(m^2) memory).  From distances: Prim, nearest-neighbour chain
    (complete/average/weighted/ward) and the generic algorithm (centroid/median) on a
    copy of the condensed matrix (``y`` is not modified).

    Tie rule (deterministic for a given input order): *single* -- Prim's tree grown
    from observation 0, adding the lowest-index vertex among those nearest to the
    tree; tree edges are merged in order of height, equal heights in the order the
    tree found them (the partitions at each height are unique anyway).
    *complete/average/weighted/ward* -- the chain starts at the lowest active
    cluster position; the nearest neighbour of the chain's tip is its predecessor
    when that attains the minimum, else the lowest position attaining it; rows are
    stably sorted by height.  *centroid/median* -- each step merges the active pair
    ``(i < j)`` minimising ``(distance, i, j)`` lexicographically.  Positions:
    observation i starts at position i, and a merged cluster is held at the larger
    of the two positions it was formed from.  These are scipy's rules for single and
    the chain; where distances tie exactly, the order of tied merges (and, for
    centroid/median, which tied pair merges first) may differ from scipy's, whose
    own choice there depends on its heap and update order.  Permuting the input can
    change how ties are resolved (never the heights or partitions of single linkage,
    nor anything when there are no ties).  Distances computed from vectors differ
    from those scipy derives through its Lance-Williams updates by rounding only
    (relative 1e-13 or so), which can reorder merges whose heights agree that closely.
    """
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)} (got {method!r})")
    if not isinstance(metric, str) or metric not in _METRICS:
        raise ValueError(
            f"metric must be 'euclidean' or 'precomputed' (got {metric!r}); for another metric "
            "pass the condensed distances scipy.spatial.distance.pdist(X, metric)"
        )
    arr = as_array(y, "y")
    if arr.ndim == 2 and metric == "euclidean":
        X = finite_2d(arr, "y", allow_complex=False)
        m, d = X.shape
        if m < 2:
            raise ValueError(f"y must have at least 2 observations (got {m})")
        if d < 1:
            raise ValueError(f"y must have at least one feature (column) (got shape {X.shape})")
        if _looks_like_distances(X):
            warnings.warn(
                f"y is a square ({m} x {m}), nonnegative, symmetric matrix with a zero diagonal: "
                "it looks like a distance matrix but is clustered as observations in rows "
                "(metric='euclidean'); pass metric='precomputed' to cluster it as distances",
                DistanceMatrixWarning,
                stacklevel=2,
            )
        return _from_vectors(X, method)
    if arr.ndim == 2:
        D = _square_to_condensed(arr)
        return _from_condensed(D, arr.shape[0], method, check_euclidean)
    if arr.ndim == 1:
        D, m = _condensed(arr)
        return _from_condensed(D, m, method, check_euclidean)
    raise ValueError(
        f"y must be 1-D (condensed distances) or 2-D (observations or, with metric='precomputed', "
        f"a square distance matrix) (got shape {arr.shape})"
    )


def _finish(pa, pb, h, m: int, e: int, sort: bool) -> np.ndarray:
    """Rows sorted by height (when ``sort``), heights times ``2^e``, labelled in scipy's format."""
    if sort:
        order = np.argsort(h, kind="stable")
        pa, pb, h = pa[order], pb[order], h[order]
    if not np.all(np.isfinite(h)):  # cannot happen for finite input; never returned silently
        raise FloatRangeError("linkage heights for y are not finite; check y")
    top = float(np.max(h))
    if top > 0 and math.frexp(top)[1] + e > 1024:
        raise FloatRangeError(
            "linkage heights for y exceed the float64 range (beyond 1.8e308: heights scale like y, "
            "and Ward's can reach sqrt(m / 2) times the largest distance); divide y by a constant "
            "and multiply the heights back"
        )
    h = np.ldexp(h, e)
    return _tree.label_merges(pa, pb, h, m)


def _from_vectors(X: np.ndarray, method: str) -> np.ndarray:
    m, d = X.shape
    e = pow2_exponent(X)
    # points as columns, divided by 2^e (exact): |entries| < 1, so no square overflows
    PT = np.empty((d, m))
    np.ldexp(X.T, -e, out=PT)
    if method == "single":
        u, v, w = _vector.mst_points(PT)
        return _finish(u, v, w, m, e, True)
    if method == "ward":
        pa, pb, h2 = _vector.ward_chain(PT)
        return _finish(pa, pb, np.sqrt(h2), m, e, True)
    if method in ("centroid", "median"):
        pa, pb, h2 = _vector.generic_points(PT, method == "median")
        return _finish(pa, pb, np.sqrt(h2), m, e, False)
    D = pdist(PT.T)
    del PT
    pa, pb, h = _condensed_kernels.nn_chain(D, m, _METHODS[method])
    return _finish(pa, pb, h, m, e, True)


def _from_condensed(D: np.ndarray, m: int, method: str, check_euclidean: bool) -> np.ndarray:
    e = pow2_exponent(D)
    # distances divided by 2^e (exact, and a copy: the kernels work in place)
    Ds = np.ldexp(D, -e)
    if method == "single":
        u, v, w = _tree.mst_condensed(Ds, m)
        return _finish(u, v, w, m, e, True)
    if method in _SQUARED and check_euclidean and m > 2:
        top = float(np.max(Ds))
        defect = _tree.euclidean_defect(Ds, m, _EUCLIDEAN_RTOL * top * top)
        if defect > 0:
            raise ValueError(
                f"y must be Euclidean distances for method={method!r}: the centred Gram "
                f"matrix -J D^2 J / 2 has a negative direction (defect {defect / (top * top):.3e} "
                "relative to the largest squared distance); use a Euclidean metric or "
                "check_euclidean=False"
            )
    code = _METHODS[method]
    if method in _SQUARED:
        np.multiply(Ds, Ds, out=Ds)
    if method in ("centroid", "median"):
        pa, pb, h = _condensed_kernels.generic_linkage(Ds, m, code)
    else:
        pa, pb, h = _condensed_kernels.nn_chain(Ds, m, code)
    if method in _SQUARED:
        # heights are distances, not squared (rounding can leave tiny negatives)
        h = np.sqrt(np.maximum(h, 0.0))
    return _finish(pa, pb, h, m, e, method not in ("centroid", "median"))
