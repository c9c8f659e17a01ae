"""Numba kernels for single linkage and for writing merges in scipy's format.

- :func:`mst_condensed`: Prim's minimum spanning tree of the observations from a
  condensed distance matrix (single linkage is the MST, its edges sorted by length;
  Gower & Ross 1969; from vectors: :func:`cgle.matrix.linkage_vector.mst_points`);
- :func:`label_merges`: merges given by positions relabelled into scipy's cluster ids
  (union-find);
- :func:`euclidean_defect`: how far a condensed matrix is from being Euclidean (the
  centroid and median updates assume it is).

Condensed layout and positions as in :mod:`cgle.matrix.linkage_condensed`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cgle.matrix.linkage_condensed import condensed_index

# ----------------------------------------------------------------- single linkage


@njit(cache=True, error_model="numpy")
def mst_condensed(D, m):
    """Prim's minimum spanning tree from a condensed distance matrix; O(m) extra memory.

    Same output and tie rule as :func:`cgle.matrix.linkage_vector.mst_points`.
    """
    best = np.full(m, np.inf)
    near = np.zeros(m, dtype=np.int64)
    in_tree = np.zeros(m, dtype=np.bool_)
    u = np.empty(m - 1, dtype=np.int64)
    v = np.empty(m - 1, dtype=np.int64)
    w = np.empty(m - 1)
    cur = 0
    in_tree[0] = True
    for k in range(m - 1):
        nxt = -1
        nxt_d = np.inf
        for j in range(m):
            if in_tree[j]:
                continue
            s = D[condensed_index(m, cur, j)]
            if s < best[j]:
                best[j] = s
                near[j] = cur
            if best[j] < nxt_d or nxt == -1:
                nxt_d = best[j]
                nxt = j
        in_tree[nxt] = True
        u[k] = near[nxt]
        v[k] = nxt
        w[k] = nxt_d
        cur = nxt
    return u, v, w



# ------------------------------------------------------------------- labelling


@njit(cache=True, error_model="numpy")
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(cache=True, error_model="numpy")
def label_merges(pa, pb, h, m):
    """scipy Z matrix from merges of observations' clusters, in the given order.

    Row k merges the clusters holding observations pa[k] and pb[k] at height h[k];
    the new cluster gets id m + k; the smaller id is written first.
    """
    Z = np.empty((m - 1, 4))
    parent = np.arange(m)
    label = np.arange(m)
    count = np.ones(m)
    for k in range(m - 1):
        ra = _find(parent, pa[k])
        rb = _find(parent, pb[k])
        la = label[ra]
        lb = label[rb]
        if la > lb:
            la, lb = lb, la
        Z[k, 0] = la
        Z[k, 1] = lb
        Z[k, 2] = h[k]
        Z[k, 3] = count[ra] + count[rb]
        if count[ra] < count[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        count[ra] += count[rb]
        label[ra] = m + k
    return Z


# ------------------------------------------------------------ Euclidean check


@njit(cache=True, error_model="numpy")
def euclidean_defect(D, m, tol):
    """Check that the condensed distances D are Euclidean, up to ``tol``.

    Schoenberg: D is Euclidean iff ``G = -J D2 J / 2`` (``D2`` the squared distances,
    ``J`` the centring projector) is positive semidefinite.  G is factorised by
    Cholesky with diagonal pivoting, stopping once every residual diagonal entry is
    ``<= tol``; then every residual entry ``R_ij`` is checked.  A residual diagonal
    ``< -tol``, or ``|R_ij| > tol`` next to diagonals ``<= tol`` (a negative 2 x 2
    principal minor of the Schur complement), certifies that G is not PSD.  When
    neither occurs, ``G + m tol I`` is PSD (Gershgorin), so D is within that of a
    Euclidean matrix.  O(m^2 r) time and O(m r) memory for an r-dimensional
    embedding.

    Returns the largest violation found (0.0 when accepted).
    """
    rowmean = np.zeros(m)
    for i in range(m - 1):
        base = m * i - (i * (i + 1)) // 2 - i - 1
        for j in range(i + 1, m):
            d2 = D[base + j] * D[base + j]
            rowmean[i] += d2
            rowmean[j] += d2
    rowmean /= m
    total = rowmean.sum() / m
    # G_ii = rowmean_i - total / 2
    resid = rowmean - 0.5 * total
    cap = 8
    L = np.zeros((m, cap))
    r = 0
    while r < m:
        p = 0
        for i in range(m):
            if resid[i] > resid[p]:
                p = i
        if resid[p] <= tol:
            break
        if r == cap:
            cap *= 2
            L2 = np.zeros((m, cap))
            L2[:, :r] = L[:, :r]
            L = L2
        piv = np.sqrt(resid[p])
        for i in range(m):
            if i == p:
                L[i, r] = piv
                continue
            dd = D[condensed_index(m, i, p)]
            # G_ip = -(d2_ip - rowmean_i - rowmean_p + total) / 2
            g = -0.5 * (dd * dd - rowmean[i] - rowmean[p] + total)
            for l in range(r):
                g -= L[i, l] * L[p, l]
            L[i, r] = g / piv
        lowest = 0.0
        for i in range(m):
            resid[i] -= L[i, r] * L[i, r]
            if resid[i] < lowest:
                lowest = resid[i]
        resid[p] = 0.0
        r += 1
        if -lowest > tol:
            # a negative Schur-complement diagonal certifies non-PSD: stop early
            return -lowest
    worst = 0.0
    for i in range(m):
        if -resid[i] > tol and -resid[i] > worst:
            worst = -resid[i]
    for i in range(m - 1):
        for j in range(i + 1, m):
            dd = D[condensed_index(m, i, j)]
            g = -0.5 * (dd * dd - rowmean[i] - rowmean[j] + total)
            for l in range(r):
                g -= L[i, l] * L[j, l]
            if abs(g) > tol and abs(g) > worst:
                worst = abs(g)
    return worst
