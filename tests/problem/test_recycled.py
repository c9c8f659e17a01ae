"""cgle.problem.recycled: memory is reused only once nothing can reach it."""

import gc

import numpy as np
import pytest

from cgle.problem import recycled

SHAPE = (220, 220)  # 774 kB of complex: above recycled.MIN_BYTES


def _address(a):
    return a.__array_interface__["data"][0]


@pytest.fixture
def fresh_pool(monkeypatch):
    """An empty pool for this test (the process-wide one holds what earlier tests freed)."""
    monkeypatch.setattr(recycled, "_free", {})
    monkeypatch.setattr(recycled, "_pooled", [0])


def test_behaves_like_numpy_empty():
    a = recycled.empty(SHAPE)
    assert a.shape == SHAPE and a.dtype == np.complex128
    assert a.flags.c_contiguous and a.flags.writeable and a.flags.aligned
    b = recycled.empty((300, 301), dtype=np.float64)
    assert b.shape == (300, 301) and b.dtype == np.float64 and b.flags.c_contiguous
    # usable as the out= of a product (the formation of exponentials does this)
    rng = np.random.default_rng(1)
    z = rng.standard_normal(SHAPE) + 1j * rng.standard_normal(SHAPE)
    out = recycled.empty(SHAPE)
    np.matmul(z, z.T, out=out)
    assert np.array_equal(out, np.matmul(z, z.T))


def test_memory_of_a_dead_array_is_reused(fresh_pool):
    gc.collect()
    a = recycled.empty(SHAPE)
    where = _address(a)
    assert recycled.pooled_bytes() == 0
    del a
    assert recycled.pooled_bytes() == 16 * SHAPE[0] * SHAPE[1]
    b = recycled.empty(SHAPE)
    assert _address(b) == where
    assert recycled.pooled_bytes() == 0


@pytest.mark.parametrize("make_view", [
    lambda a: a.T,
    lambda a: a[3:, 5:7],
    lambda a: a.reshape(-1)[::2],
    lambda a: a.view(np.float64),
    lambda a: np.asarray(a).T[1:].T,
])
def test_a_live_view_keeps_the_memory(make_view, fresh_pool):
    """The array dies but a view of it lives: the memory must not be handed out again
    (a later array written there would change what the view reads)."""
    a = recycled.empty(SHAPE)
    a[...] = 1.0 + 2.0j
    view = make_view(a)
    expected = view.copy()
    where = _address(a)
    del a
    gc.collect()
    others = [recycled.empty(SHAPE) for _ in range(3)]
    for other in others:
        assert _address(other) != where
        other[...] = -7.0
    assert np.array_equal(view, expected)
    del view
    # now it may come back
    again = recycled.empty(SHAPE)
    assert _address(again) == where


def test_small_arrays_are_plain_numpy(fresh_pool):
    small = recycled.empty((8, 8))
    assert small.flags.owndata
    before = recycled.pooled_bytes()
    del small
    assert recycled.pooled_bytes() == before


def test_the_pool_is_bounded_and_keeps_the_newest(monkeypatch, fresh_pool):
    size = 16 * SHAPE[0] * SHAPE[1]
    monkeypatch.setattr(recycled, "MAX_POOLED_BYTES", 3 * size)
    other = [recycled.empty((300, 300)) for _ in range(2)]  # another size, 1.44 MB each
    del other
    # the second 1.44 MB block did not fit beside the first: only one is kept
    assert recycled.pooled_bytes() == 16 * 300 * 300
    arrays = [recycled.empty(SHAPE) for _ in range(5)]
    last = _address(arrays[-1])
    while arrays:
        arrays.pop(0)  # released in order, the last one last
    # full: the other size left first, and the newest block of this size is the one kept last
    assert recycled.pooled_bytes() <= recycled.MAX_POOLED_BYTES
    assert recycled.pooled_bytes() == 3 * size
    assert _address(recycled.empty(SHAPE)) == last
