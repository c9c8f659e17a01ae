"""Numba kernels for hierarchical agglomerative clustering on a condensed distance matrix (used by :func:`cgle.matrix.linkage`).

Pure functions of their arguments; no globals beyond method codes.  Distances live in
a condensed vector ``D`` (scipy's ``pdist`` layout): for observations ``i < j`` of
``m``, ``D[m i - i (i + 1) / 2 + j - i - 1] = d(i, j)``.

A cluster is stored at a *position*, the index of one of its observations, so the
final labelling can be done by union-find on observation indices.

Method codes: 1 complete, 2 average, 3 weighted, 4 ward, 5 centroid, 6 median.
Ward, centroid and median work on squared Euclidean distances (the Lance-Williams
formulas are affine in d^2); the caller squares before and takes roots after.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

COMPLETE, AVERAGE, WEIGHTED, WARD, CENTROID, MEDIAN = 1, 2, 3, 4, 5, 6


@njit(cache=True, error_model="numpy")
def condensed_index(m, i, j):
    """Index of the pair {i, j} (i != j) in a condensed matrix of m observations."""
    if i > j:
        i, j = j, i
    return m * i - (i * (i + 1)) // 2 + j - i - 1


@njit(cache=True, error_model="numpy")
def _row_base(m, i):
    """``condensed_index(m, i, j) == _row_base(m, i) + j`` for every j > i."""
    return m * i - ((i * (i + 1)) >> 1) - i - 1


# The hot loops index with uint64 so that numba omits its negative-index
# wraparound test (measured 2x on the nearest-neighbour search); every index is
# nonnegative by construction.  Linked lists of active positions end in the
# sentinel m.


@njit(cache=True, error_model="numpy")
def _merge_update(D, m, a, b, head, nxt, size, method, dab, ia, ib, nx):
    """Lance-Williams update: D(x, b) <- d(x, a u b) for every active x != a, b.

    ``ia``, ``ib``, ``nx`` are scratch arrays of length m.  The condensed indices are
    gathered first so that each method's update is one tight loop.
    """
    na = size[a]
    nb = size[b]
    ra = _row_base(m, a)
    rb = _row_base(m, b)
    k = 0
    x = head
    while x < m:
        if x != a and x != b:
            if x < a:
                cx = _row_base(m, x)
                ia[k] = cx + a
                ib[k] = cx + b
            elif x < b:
                ia[k] = ra + x
                ib[k] = _row_base(m, x) + b
            else:
                ia[k] = ra + x
                ib[k] = rb + x
            nx[k] = size[uint64(x)]
            k += 1
        x = nxt[uint64(x)]
    if method == COMPLETE:
        for t in range(k):
            i_a = uint64(ia[t])
            i_b = uint64(ib[t])
            if D[i_a] > D[i_b]:
                D[i_b] = D[i_a]
    elif method == AVERAGE:
        # (n_a d_ax + n_b d_bx) / (n_a + n_b)
        fa = na / (na + nb)
        fb = nb / (na + nb)
        for t in range(k):
            i_b = uint64(ib[t])
            D[i_b] = fa * D[uint64(ia[t])] + fb * D[i_b]
    elif method == WEIGHTED:
        for t in range(k):
            i_b = uint64(ib[t])
            D[i_b] = 0.5 * (D[uint64(ia[t])] + D[i_b])
    elif method == WARD:
        # ((n_a + n_x) d2_ax + (n_b + n_x) d2_bx - n_x d2_ab) / (n_a + n_b + n_x)
        for t in range(k):
            n_x = nx[t]
            i_b = uint64(ib[t])
            D[i_b] = ((na + n_x) * D[uint64(ia[t])] + (nb + n_x) * D[i_b] - n_x * dab) / (na + nb + n_x)
    elif method == CENTROID:
        # (n_a d2_ax + n_b d2_bx) / n - n_a n_b d2_ab / n^2,  n = n_a + n_b
        n = na + nb
        fa = na / n
        fb = nb / n
        c = fa * fb * dab
        for t in range(k):
            i_b = uint64(ib[t])
            D[i_b] = fa * D[uint64(ia[t])] + fb * D[i_b] - c
    else:
        # MEDIAN: d2_ax / 2 + d2_bx / 2 - d2_ab / 4
        c = 0.25 * dab
        for t in range(k):
            i_b = uint64(ib[t])
            D[i_b] = 0.5 * D[uint64(ia[t])] + 0.5 * D[i_b] - c


@njit(cache=True, error_model="numpy")
def _nearest_active(D, m, a, head, nxt, best, b):
    """First active position x != a (ascending) with D(a, x) < best, else (b, best).

    Distances are finite, so ``best = inf`` always yields a neighbour.
    """
    x = head
    while x < a:
        dx = D[uint64(_row_base(m, x) + a)]
        if dx < best:
            best = dx
            b = x
        x = nxt[uint64(x)]
    ra = _row_base(m, a)
    x = nxt[uint64(a)]
    while x < m:
        dx = D[uint64(ra + x)]
        if dx < best:
            best = dx
            b = x
        x = nxt[uint64(x)]
    return b, best


@njit(cache=True, error_model="numpy")
def _unlink(a, head, nxt, prv, m):
    """Remove position a from the active list; return the new head."""
    if prv[a] == -1:
        head = nxt[a]
    else:
        nxt[prv[a]] = nxt[a]
    if nxt[a] < m:
        prv[nxt[a]] = prv[a]
    return head



# ------------------------------------------------------ nearest-neighbour chain


@njit(cache=True, error_model="numpy")
def nn_chain(D, m, method):
    """Nearest-neighbour-chain clustering (reducible methods 1-4), in place on D.

    O(m^2) time, O(m) memory beyond D.  Returns merges in the order performed:
    ``(pa, pb, h)`` with positions pa < pb (the new cluster takes position pb).
    Tie rule: the chain starts at the lowest active position; the nearest
    neighbour of the chain's tip is its predecessor if that attains the minimum,
    otherwise the lowest position attaining it.  Heights are made monotone along
    the tree (a merge is never lower than the merges below it), which only
    matters for one-ulp rounding effects.
    """
    size = np.ones(m)
    height = np.zeros(m)  # height of the cluster at each position
    nxt = np.arange(1, m + 1)  # doubly linked list of active positions (ascending)
    prv = np.arange(-1, m - 1)
    head = 0
    chain = np.empty(m, dtype=np.int64)
    clen = 0
    pa = np.empty(m - 1, dtype=np.int64)
    pb = np.empty(m - 1, dtype=np.int64)
    hh = np.empty(m - 1)
    ia = np.empty(m, dtype=np.int64)
    ib = np.empty(m, dtype=np.int64)
    nx = np.empty(m)
    for step in range(m - 1):
        if clen == 0:
            chain[0] = head
            clen = 1
        while True:
            a = chain[clen - 1]
            if clen >= 2:
                b = chain[clen - 2]
                best = D[condensed_index(m, a, b)]
            else:
                b = -1
                best = np.inf
            b, best = _nearest_active(D, m, a, head, nxt, best, b)
            if clen >= 2 and b == chain[clen - 2]:
                break
            chain[clen] = b
            clen += 1
        clen -= 2
        if a > b:
            a, b = b, a
        na = size[a]
        nb = size[b]
        dab = best
        h = best
        if height[a] > h:
            h = height[a]
        if height[b] > h:
            h = height[b]
        pa[step] = a
        pb[step] = b
        hh[step] = h
        # Lance-Williams update of the row of the new cluster (position b)
        _merge_update(D, m, a, b, head, nxt, size, method, dab, ia, ib, nx)
        size[b] = na + nb
        size[a] = 0.0
        height[b] = h
        head = _unlink(a, head, nxt, prv, m)
    return pa, pb, hh


# ------------------------------------------------- generic (Muellner) algorithm


@njit(cache=True, error_model="numpy")
def _heap_less(key, i, j):
    return key[i] < key[j] or (key[i] == key[j] and i < j)


@njit(cache=True, error_model="numpy")
def _sift_up(heap, where, key, k):
    while k > 0:
        parent = (k - 1) // 2
        if _heap_less(key, heap[k], heap[parent]):
            heap[k], heap[parent] = heap[parent], heap[k]
            where[heap[k]] = k
            where[heap[parent]] = parent
            k = parent
        else:
            break


@njit(cache=True, error_model="numpy")
def _sift_down(heap, where, key, k, n):
    while True:
        left = 2 * k + 1
        if left >= n:
            break
        c = left
        if left + 1 < n and _heap_less(key, heap[left + 1], heap[left]):
            c = left + 1
        if _heap_less(key, heap[c], heap[k]):
            heap[k], heap[c] = heap[c], heap[k]
            where[heap[k]] = k
            where[heap[c]] = c
            k = c
        else:
            break


@njit(cache=True, error_model="numpy")
def _row_nearest(D, m, i, nxt):
    """Lowest active position j > i minimising D(i, j) (one exists: m - 1 stays active)."""
    best = np.inf
    arg = -1
    ri = _row_base(m, i)
    j = nxt[i]
    while j < m:
        dj = D[uint64(ri + j)]
        if dj < best:
            best = dj
            arg = j
        j = nxt[uint64(j)]
    return arg, best


@njit(cache=True, error_model="numpy")
def generic_linkage(D, m, method):
    """Muellner's generic algorithm (any Lance-Williams method), in place on D.

    Keeps, for every active position i < m - 1, a lower bound ``mindist[i]`` on its
    distances to the active positions j > i and a candidate ``nghbr[i]``, in a
    binary heap ordered by ``(mindist[i], i)``; stale candidates are recomputed
    lazily when they reach the top.  The merged pair is therefore always the active
    pair (i < j) minimising ``(D(i, j), i, j)`` lexicographically, i.e. the primitive
    algorithm with ties broken by the lowest positions.  The new cluster takes the
    higher position j, so position m - 1 is never removed.  Worst case O(m^3),
    typically O(m^2).  Returns ``(pa, pb, h)`` in merge order (heights need not be
    monotone).
    """
    size = np.ones(m)
    nxt = np.arange(1, m + 1)
    prv = np.arange(-1, m - 1)
    head = 0
    nghbr = np.empty(m, dtype=np.int64)
    mindist = np.full(m, np.inf)
    heap = np.empty(m, dtype=np.int64)
    where = np.full(m, -1, dtype=np.int64)
    for i in range(m - 1):
        nghbr[i], mindist[i] = _row_nearest(D, m, i, nxt)
        heap[i] = i
        where[i] = i
    hn = m - 1
    for k in range(hn // 2 - 1, -1, -1):
        _sift_down(heap, where, mindist, k, hn)
    pa = np.empty(m - 1, dtype=np.int64)
    pb = np.empty(m - 1, dtype=np.int64)
    hh = np.empty(m - 1)
    ia = np.empty(m, dtype=np.int64)
    ib = np.empty(m, dtype=np.int64)
    nx = np.empty(m)
    for step in range(m - 1):
        while True:
            a = heap[0]
            b = nghbr[a]
            if size[b] > 0 and mindist[a] == D[condensed_index(m, a, b)]:
                break
            nghbr[a], mindist[a] = _row_nearest(D, m, a, nxt)
            _sift_down(heap, where, mindist, 0, hn)
        delta = mindist[a]
        pa[step] = a
        pb[step] = b
        hh[step] = delta
        # remove a (the top) from the heap
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
        # Lance-Williams update of the new cluster at position b
        _merge_update(D, m, a, b, head, nxt, size, method, delta, ia, ib, nx)
        size[b] = na + nb
        size[a] = 0.0
        head = _unlink(a, head, nxt, prv, m)
        # positions x < b: the new distance D(x, b) may undercut the bound
        x = head
        while x < b:
            dxb = D[uint64(_row_base(m, x) + b)]
            if dxb < mindist[x] or (dxb == mindist[x] and b < nghbr[x]):
                mindist[x] = dxb
                nghbr[x] = b
                _sift_up(heap, where, mindist, where[x])
            x = nxt[uint64(x)]
        # position b: its whole row changed
        if nxt[b] < m:
            nghbr[b], mindist[b] = _row_nearest(D, m, b, nxt)
            _sift_down(heap, where, mindist, where[b], hn)
            _sift_up(heap, where, mindist, where[b])
    return pa, pb, hh
