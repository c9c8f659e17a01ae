"""Numba kernels for hierarchical clustering directly on observation vectors (used by :func:`cgle.matrix.linkage`).

O(m d) memory: no distance matrix is stored.  Each cluster is represented by one
point and its size, and the dissimilarities of scipy's Lance-Williams recurrences are
evaluated from them in closed form (valid for Euclidean input):

==========  ===================================================  =========================================
method      squared height of merging clusters a and b           point of the merged cluster
==========  ===================================================  =========================================
ward        ``2 n_a n_b / (n_a + n_b) |c_a - c_b|^2``            centroid ``(n_a c_a + n_b c_b) / (n_a + n_b)``
centroid    ``|c_a - c_b|^2``                                    centroid
median      ``|w_a - w_b|^2``                                    midpoint ``(w_a + w_b) / 2`` (Gower's WPGMC)
==========  ===================================================  =========================================

(scipy's Ward height is ``sqrt(2 n_a n_b / (n_a + n_b)) |c_a - c_b|``, which is the
Euclidean distance for two singletons.)  Kernels return squared heights; the caller
takes roots.  Positions and the tie rules are those of
:mod:`cgle.matrix.linkage_condensed`: observation i starts at position i, and a merged
cluster is held at the larger of its two positions.

The kernels take the points as columns, ``PT`` of shape (d, m) (overwritten: the caller
passes its own copy), so that the squared distances from one point to a run of others
are one vectorised pass per feature (numba's loop vectoriser; each sum still runs over
the features in order, so every distance is the same to the last bit however it is
evaluated, which the algorithms' equality tests rely on).

Each kernel has a NumPy twin (suffix ``_numpy``), a plain transcription that the tests
compare it with.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cgle.matrix.linkage_condensed import _sift_down, _sift_up

# ----------------------------------------------------------- squared distances


@njit(cache=True, error_model="numpy")
def _add_squares(col, p, out):
    """``out[k] += (p - col[k])^2`` (vectorised)."""
    for k in range(out.size):
        e = p - col[k]
        out[k] += e * e


@njit(cache=True, error_model="numpy")
def _sq_run(PT, x, k0, k1, out):
    """``out[k] = sum_t (x_t - PT[t, k])^2`` for ``k0 <= k < k1``, summed over t in order."""
    o = out[k0:k1]
    o[:] = 0.0
    for t in range(PT.shape[0]):
        _add_squares(PT[t, k0:k1], x[t], o)


@njit(cache=True, error_model="numpy")
def _sqdist(PT, i, j):
    """``|PT[:, i] - PT[:, j]|^2``, summed over the features in order."""
    q = 0.0
    for t in range(PT.shape[0]):
        e = PT[t, i] - PT[t, j]
        q += e * e
    return q


@njit(cache=True, error_model="numpy")
def _column(PT, k, x):
    for t in range(PT.shape[0]):
        x[t] = PT[t, k]


# --------------------------------------------------------- single: Prim's tree


@njit(cache=True, error_model="numpy")
def mst_points(PT):
    """Prim's minimum spanning tree of the Euclidean complete graph on the columns of ``PT``.

    Single linkage is this tree's edges sorted by length (Gower & Ross 1969).  The
    vertices outside the tree are kept in the first ``n_out`` columns (a column that
    joins the tree is refilled by the last one; ``PT`` is overwritten), each with its
    squared distance to the tree.  O(m^2 d) time, O(m) extra memory.  Returns
    ``(u, v, w)``: edge k joins observations u[k] (already in the tree) and v[k]
    (added at step k) at Euclidean distance w[k].  Ties: the lowest-index vertex
    nearest to the tree is added first; its tree neighbour is the first tree vertex
    (in insertion order) that attains the distance.
    """
    d, m = PT.shape
    best = np.full(m, np.inf)  # squared distance to the tree, by column
    near = np.zeros(m, dtype=np.int64)
    obs = np.arange(m)  # observation held in each column
    q = np.empty(m)
    x = np.empty(d)
    u = np.empty(m - 1, dtype=np.int64)
    v = np.empty(m - 1, dtype=np.int64)
    w = np.empty(m - 1)
    cur = 0
    _column(PT, 0, x)
    n_out = m
    k_new = 0
    for k in range(m):
        # the vertex in column k_new joins the tree: refill its column with the last one
        n_out -= 1
        if k_new != n_out:
            for t in range(d):
                PT[t, k_new] = PT[t, n_out]
            best[k_new] = best[n_out]
            near[k_new] = near[n_out]
            obs[k_new] = obs[n_out]
        if k == m - 1:
            break
        _sq_run(PT, x, 0, n_out, q)
        k_new = -1
        nd = np.inf
        for c in range(n_out):
            if q[c] < best[c]:
                best[c] = q[c]
                near[c] = cur
            if best[c] < nd or (best[c] == nd and obs[c] < obs[k_new]) or k_new < 0:
                nd = best[c]
                k_new = c
        u[k] = near[k_new]
        v[k] = obs[k_new]
        w[k] = np.sqrt(nd)
        cur = obs[k_new]
        _column(PT, k_new, x)
    return u, v, w


def mst_points_numpy(PT):
    """NumPy twin of :func:`mst_points` (vertices by index); ``PT`` is not modified."""
    P = np.array(PT, dtype=np.float64).T.copy()
    m = P.shape[0]
    best = np.full(m, np.inf)
    near = np.zeros(m, dtype=np.int64)
    out = np.ones(m, dtype=bool)
    out[0] = False
    cur = 0
    u, v, w = [], [], []
    for _ in range(m - 1):
        q = np.sum((P - P[cur]) ** 2, axis=1)
        closer = out & (q < best)
        best[closer] = q[closer]
        near[closer] = cur
        cand = np.where(out, best, np.inf)
        nxt = int(np.argmin(cand))  # lowest index attaining the minimum
        u.append(near[nxt])
        v.append(nxt)
        w.append(np.sqrt(cand[nxt]))
        out[nxt] = False
        cur = nxt
    return np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), np.array(w)


# ------------------------------------------------------------------ Ward: NN chain


@njit(cache=True, error_model="numpy")
def ward_chain(PT):
    """Nearest-neighbour chain for Ward's method on the columns of ``PT`` (overwritten).

    Active clusters are kept in the first ``nact`` columns ("slots"; a merged-away
    cluster's slot is refilled by the last one), so each nearest-neighbour search is
    one pass over contiguous memory.  The half-Ward dissimilarity
    ``n_a n_x / (n_a + n_x) |c_a - c_x|^2`` is symmetric to the last bit, which the
    chain's reciprocal-neighbour test relies on.

    Tie rule (as scipy's ``nn_chain``): the chain starts at the lowest active position;
    the nearest neighbour of the tip is its predecessor in the chain when that attains
    the minimum, else the lowest position attaining it.  Returns ``(pa, pb, h2)`` in
    merge order: positions ``pa < pb`` and squared heights, made monotone along the
    tree (a merge is never lower than the merges below it; rounding only).
    """
    d, m = PT.shape
    size = np.ones(m)
    height = np.zeros(m)  # squared height of the cluster in each slot
    pos = np.arange(m)  # position of the cluster in each slot
    slot = np.arange(m)  # slot of the cluster at each position; -1 once merged away
    nact = m
    low = 0
    chain = np.empty(m, dtype=np.int64)
    clen = 0
    pa = np.empty(m - 1, dtype=np.int64)
    pb = np.empty(m - 1, dtype=np.int64)
    h2 = np.empty(m - 1)
    v = np.empty(m)  # dissimilarities from the chain's tip, by slot
    x = np.empty(d)
    for step in range(m - 1):
        if clen == 0:
            while slot[low] < 0:
                low += 1
            chain[0] = low
            clen = 1
        while True:
            a = chain[clen - 1]
            sa = slot[a]
            na = size[sa]
            pred = chain[clen - 2] if clen >= 2 else -1
            _column(PT, sa, x)
            _sq_run(PT, x, 0, nact, v)
            for s in range(nact):
                # half of Ward's d^2: n_a n_s / (n_a + n_s) |c_a - c_s|^2
                v[s] *= (na * size[s]) / (na + size[s])
            best = np.inf
            bpos = m
            for s in range(nact):
                if s != sa and (v[s] < best or (v[s] == best and pos[s] < bpos)):
                    best = v[s]
                    bpos = pos[s]
            if pred >= 0 and v[slot[pred]] <= best:
                break
            chain[clen] = bpos
            clen += 1
        clen -= 2
        p1 = min(a, pred)
        p2 = max(a, pred)
        s1 = slot[p1]
        s2 = slot[p2]
        h = max(2.0 * v[slot[pred]], height[s1], height[s2])
        pa[step] = p1
        pb[step] = p2
        h2[step] = h
        n1 = size[s1]
        n2 = size[s2]
        n = n1 + n2
        for t in range(d):
            # c = (n_1 c_1 + n_2 c_2) / (n_1 + n_2)
            PT[t, s2] = (n1 * PT[t, s1] + n2 * PT[t, s2]) / n
        size[s2] = n
        height[s2] = h
        last = nact - 1
        if s1 != last:
            for t in range(d):
                PT[t, s1] = PT[t, last]
            size[s1] = size[last]
            height[s1] = height[last]
            pos[s1] = pos[last]
            slot[pos[last]] = s1
        slot[p1] = -1
        nact -= 1
    return pa, pb, h2


def ward_chain_numpy(PT):
    """NumPy twin of :func:`ward_chain` (points by position, no slots); ``PT`` is not modified."""
    P = np.array(PT, dtype=np.float64).T.copy()
    m = P.shape[0]
    size = np.ones(m)
    height = np.zeros(m)
    active = np.ones(m, dtype=bool)
    chain = []
    out = []
    for _ in range(m - 1):
        if not chain:
            chain.append(int(np.argmax(active)))
        while True:
            a = chain[-1]
            others = np.flatnonzero(active & (np.arange(m) != a))
            q = np.sum((P[others] - P[a]) ** 2, axis=1)
            v = (size[a] * size[others]) / (size[a] + size[others]) * q
            k = int(np.argmin(v))  # lowest position attaining the minimum
            if len(chain) >= 2 and v[others == chain[-2]][0] <= v[k]:
                break
            chain.append(int(others[k]))
        pred = chain[-2]
        del chain[-2:]
        p1, p2 = min(a, pred), max(a, pred)
        h = max(2.0 * v[others == pred][0], height[p1], height[p2])
        out.append((p1, p2, h))
        n = size[p1] + size[p2]
        P[p2] = (size[p1] * P[p1] + size[p2] * P[p2]) / n
        size[p2] = n
        height[p2] = h
        active[p1] = False
    pa, pb, h2 = (np.array(c) for c in zip(*out))
    return pa.astype(np.int64), pb.astype(np.int64), h2.astype(np.float64)


# --------------------------------------------- centroid, median: generic algorithm


@njit(cache=True, error_model="numpy")
def _row_nearest(PT, x, act, k0, ntot, size, q):
    """Lowest live position ``j = act[k]``, ``k0 <= k < ntot``, minimising ``|x - PT[:, k]|^2``.

    Column k holds the point of position ``act[k]`` (ascending; merged-away positions,
    ``size == 0``, stay until the next compaction); ``(-1, inf)`` when none is live.
    """
    _sq_run(PT, x, k0, ntot, q)
    best = np.inf
    arg = -1
    for k in range(k0, ntot):
        if q[k] < best and size[act[k]] > 0:
            best = q[k]
            arg = act[k]
    return arg, best


@njit(cache=True, error_model="numpy")
def generic_points(PT, median):
    """Muellner's generic algorithm on cluster points: centroid (``median=False``) or median.

    As :func:`cgle.matrix.linkage_condensed.generic_linkage`, with each distance
    evaluated from the points when needed instead of read from a matrix: every active
    position i < m - 1 keeps a lower bound ``mindist[i]`` on its squared distances to
    the active positions j > i and a candidate ``nghbr[i]``, in a binary heap ordered by
    ``(mindist[i], i)``; a candidate is validated (its distance recomputed, O(d)) when
    it reaches the top and its row rescanned when stale.  Each step merges the active
    pair ``(i < j)`` minimising ``(d(i, j), i, j)`` lexicographically; the merged
    cluster takes position j.  After a merge, the distances from j to every active
    position are computed once (O(m d)): those below j may undercut their bounds, and
    those above are j's new row.  Points are stored by ascending position (column
    ``rank[p]`` holds position p, ``act`` is the inverse), compacted whenever a quarter
    of the columns are dead, so every scan is a pass over contiguous columns.  Returns
    ``(pa, pb, h2)`` in merge order; heights may decrease (inversions).
    """
    d, m = PT.shape
    size = np.ones(m)
    act = np.arange(m)
    rank = np.arange(m)
    ntot = m
    ndead = 0
    q = np.empty(m)
    x = np.empty(d)
    nghbr = np.empty(m, dtype=np.int64)
    mindist = np.full(m, np.inf)
    heap = np.empty(m, dtype=np.int64)
    where = np.full(m, -1, dtype=np.int64)
    for i in range(m - 1):
        _column(PT, i, x)
        nghbr[i], mindist[i] = _row_nearest(PT, x, act, i + 1, m, size, q)
        heap[i] = i
        where[i] = i
    hn = m - 1
    for k in range(hn // 2 - 1, -1, -1):
        _sift_down(heap, where, mindist, k, hn)
    pa = np.empty(m - 1, dtype=np.int64)
    pb = np.empty(m - 1, dtype=np.int64)
    h2 = np.empty(m - 1)
    for step in range(m - 1):
        while True:
            a = heap[0]
            b = nghbr[a]
            if size[b] > 0 and mindist[a] == _sqdist(PT, rank[a], rank[b]):
                break
            _column(PT, rank[a], x)
            nghbr[a], mindist[a] = _row_nearest(PT, x, act, rank[a] + 1, ntot, size, q)
            _sift_down(heap, where, mindist, 0, hn)
        pa[step] = a
        pb[step] = b
        h2[step] = mindist[a]
        last = heap[hn - 1]
        hn -= 1
        if where[a] != hn:
            heap[where[a]] = last
            where[last] = where[a]
            _sift_down(heap, where, mindist, where[last], hn)
            _sift_up(heap, where, mindist, where[last])
        where[a] = -1
        na = size[a]
        nb = size[b]
        ka = rank[a]
        kb = rank[b]
        if median:
            for t in range(d):
                # w = (w_a + w_b) / 2
                PT[t, kb] = 0.5 * (PT[t, ka] + PT[t, kb])
        else:
            for t in range(d):
                # c = (n_a c_a + n_b c_b) / (n_a + n_b)
                PT[t, kb] = (na * PT[t, ka] + nb * PT[t, kb]) / (na + nb)
        size[b] = na + nb
        size[a] = 0.0
        ndead += 1
        if 4 * ndead > ntot:
            n_live = 0
            for k in range(ntot):
                j = act[k]
                if size[j] > 0:
                    if k != n_live:
                        for t in range(d):
                            PT[t, n_live] = PT[t, k]
                    act[n_live] = j
                    rank[j] = n_live
                    n_live += 1
            ntot = n_live
            ndead = 0
            kb = rank[b]
        _column(PT, kb, x)
        _sq_run(PT, x, 0, ntot, q)
        # positions below b: the new distance d(x, b) may undercut the bound
        for k in range(kb):
            y = act[k]
            if size[y] > 0 and (q[k] < mindist[y] or (q[k] == mindist[y] and b < nghbr[y])):
                mindist[y] = q[k]
                nghbr[y] = b
                _sift_up(heap, where, mindist, where[y])
        # position b: its whole row changed
        if b < m - 1:
            best = np.inf
            arg = -1
            for k in range(kb + 1, ntot):
                if q[k] < best and size[act[k]] > 0:
                    best = q[k]
                    arg = act[k]
            nghbr[b] = arg
            mindist[b] = best
            _sift_down(heap, where, mindist, where[b], hn)
            _sift_up(heap, where, mindist, where[b])
    return pa, pb, h2


def generic_points_numpy(PT, median):
    """NumPy twin of :func:`generic_points`: the primitive algorithm (every step scans all
    active pairs for the lexicographic minimum of ``(d(i, j), i, j)``), O(m^3)."""
    P = np.array(PT, dtype=np.float64).T.copy()
    m = P.shape[0]
    size = np.ones(m)
    active = list(range(m))
    out = []
    for _ in range(m - 1):
        A = np.array(active)
        diff = P[A][:, None, :] - P[A][None, :, :]
        q = np.sum(diff * diff, axis=2)
        q[np.tril_indices(A.size)] = np.inf
        i, j = np.unravel_index(int(np.argmin(q)), q.shape)  # row-major: lowest (i, j)
        a, b = int(A[i]), int(A[j])
        out.append((a, b, q[i, j]))
        if median:
            P[b] = 0.5 * (P[a] + P[b])
        else:
            P[b] = (size[a] * P[a] + size[b] * P[b]) / (size[a] + size[b])
        size[b] += size[a]
        active.remove(a)
    pa, pb, h2 = (np.array(c) for c in zip(*out))
    return pa.astype(np.int64), pb.astype(np.int64), h2.astype(np.float64)
