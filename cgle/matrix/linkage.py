"""Hierarchical agglomerative clustering in scipy's format.

:func:`linkage` returns the ``(m - 1) x 4`` matrix ``Z`` of
``scipy.cluster.hierarchy.linkage``, so ``dendrogram`` and ``fcluster`` accept it; the
merges are computed by the numba kernels of :mod:`cgle.matrix.linkage_condensed`
(nearest-neighbour chain and generic agglomeration on a condensed distance matrix) and
:mod:`cgle.matrix.linkage_tree` (minimum spanning tree for single linkage).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.distance import pdist

from cgle.matrix import linkage_condensed as _condensed_kernels
from cgle.matrix import linkage_tree as _tree
from cgle.matrix.checks import finite_2d

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
# Relative tolerance (to the largest squared distance) of the Euclidean check.
_EUCLIDEAN_RTOL = 1e-9


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


def linkage(y, method: str = "single", *, check_euclidean: bool = True) -> np.ndarray:
    """Hierarchical agglomerative clustering, returning scipy's linkage matrix.

    Parameters
    ----------
    y : (m, d) or (m (m - 1) / 2,) array_like
        Either observations in rows (real, finite; Euclidean distances are used), or
        a condensed distance matrix as from ``scipy.spatial.distance.pdist`` (finite,
        nonnegative).
    method : {"single", "complete", "average", "weighted", "ward", "centroid", "median"}
        Cluster dissimilarity, as in ``scipy.cluster.hierarchy.linkage``.  Ward,
        centroid and median are defined for Euclidean distances: from vectors they
        use Euclidean distances; a condensed ``y`` must be Euclidean.
    check_euclidean : bool, optional
        For ward/centroid/median on a condensed ``y``: verify that ``y`` is Euclidean
        (Schoenberg's criterion: ``-J D^2 J / 2`` positive semidefinite, checked by
        pivoted Cholesky to within ``1e-9`` of the largest squared distance per
        entry; O(m^2 r) for an r-dimensional configuration) and raise ``ValueError``
        otherwise.  ``False`` skips the check.

    Returns
    -------
    Z : (m - 1, 4) ndarray
        Row k merges clusters ``Z[k, 0] < Z[k, 1]`` (observations are 0..m-1, the
        cluster formed in row k is ``m + k``) at height ``Z[k, 2]``, giving a cluster
        of ``Z[k, 3]`` observations.  Rows are sorted by height (single, complete,
        average, weighted, ward); centroid and median rows are in merge order, where
        heights may decrease (inversions), as in scipy.

    Notes
    -----
    Algorithms (numba): single -- Prim's minimum spanning tree, computing distances
    on the fly from vectors (O(m^2 d) time, O(m) extra memory) or reading the
    condensed matrix; complete/average/weighted/ward -- nearest-neighbour chain on the
    condensed matrix (O(m^2)); centroid/median -- Muellner's generic algorithm with a
    heap of lower bounds.  The last two families need the condensed matrix (O(m^2)
    memory, a copy of ``y`` -- ``y`` is not modified).

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
    of the two positions it was formed from.  Permuting the input can therefore
    change how ties are resolved (never the heights or partitions of single
    linkage, nor anything when there are no ties).
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)} (got {method!r})")
    arr = np.asarray(y)
    if arr.ndim == 2:
        X = finite_2d(arr, "y", allow_complex=False)
        m = X.shape[0]
        if m < 2:
            raise ValueError(f"y must have at least 2 observations (got {m})")
        if method == "single":
            u, v, w = _tree.mst_vectors(np.ascontiguousarray(X))
            order = np.argsort(w, kind="stable")
            return _tree.label_merges(u[order], v[order], w[order], m)
        D = pdist(X)
    elif arr.ndim == 1:
        D, m = _condensed(arr)
        if method == "single":
            u, v, w = _tree.mst_condensed(np.ascontiguousarray(D), m)
            order = np.argsort(w, kind="stable")
            return _tree.label_merges(u[order], v[order], w[order], m)
        if method in _SQUARED and check_euclidean and m > 2:
            top = float(np.max(D)) if D.size else 0.0
            defect = _tree.euclidean_defect(np.ascontiguousarray(D), m, _EUCLIDEAN_RTOL * top * top)
            if defect > 0:
                raise ValueError(
                    f"y must be Euclidean distances for method={method!r}: the centred Gram "
                    f"matrix -J D^2 J / 2 has a negative direction (defect {defect / (top * top):.3e} "
                    "relative to the largest squared distance); use a Euclidean metric or "
                    "check_euclidean=False"
                )
        D = np.array(D, dtype=np.float64, copy=True)
    else:
        raise ValueError(f"y must be 1-D (condensed distances) or 2-D (observations) (got shape {arr.shape})")

    code = _METHODS[method]
    if method in _SQUARED:
        np.multiply(D, D, out=D)
    if method in ("centroid", "median"):
        pa, pb, h = _condensed_kernels.generic_linkage(D, m, code)
    else:
        pa, pb, h = _condensed_kernels.nn_chain(D, m, code)
        order = np.argsort(h, kind="stable")
        pa, pb, h = pa[order], pb[order], h[order]
    if method in _SQUARED:
        # heights are distances, not squared (rounding can leave tiny negatives)
        h = np.sqrt(np.maximum(h, 0.0))
    return _tree.label_merges(pa, pb, h, m)
