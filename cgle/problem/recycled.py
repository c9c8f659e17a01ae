"""Large arrays whose memory is recycled within the process, not returned to the system.

An N x N complex matrix at N = 220 is 774 kB. The C allocator hands out blocks that
large as fresh pages from the system (mmap), and the first write to each 4 kB page is a
page fault: ~190 faults, ~0.4 ms, for a matrix whose own product costs ~1 ms. Forming
the exponentials of an adaptive run does that for every matrix it builds: measured on
the forum problem (N = 220) from q0 = 1e4 to t = 20, 2500-2900 faults a run, about a
fifth of its time. :func:`empty` instead takes the memory of an array of the same size that is no
longer referenced, where there is one.

Safe by construction: memory goes back to the pool only when nothing can reach it. The
array handed out is a view of a one-dimensional array over a memoryview of the block;
NumPy records that one-dimensional array as the base of every further view (a base
chain stops at the first array whose base is not an array), so a finalizer on it runs
only once the array and all its views are gone. At most MAX_POOLED_BYTES are kept.
"""

import threading
import weakref

import numpy as np

# below this a block comes from the allocator's own free lists: nothing to save
MIN_BYTES = 1 << 17
MAX_POOLED_BYTES = 64 << 20

# re-entrant: a finalizer may run in a thread that holds it (an array dying mid-call)
_lock = threading.RLock()
_free = {}  # nbytes -> [uint8 blocks]
_pooled = [0]


def empty(shape, dtype=complex):
    """Like ``np.empty(shape, dtype)`` (C order), its memory recycled (module docstring)."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    nbytes = count * dtype.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype=dtype)
    with _lock:
        blocks = _free.get(nbytes)
        block = blocks.pop() if blocks else None
        if block is not None:
            _pooled[0] -= nbytes
    if block is None:
        block = np.empty(nbytes, dtype=np.uint8)
    flat = np.frombuffer(memoryview(block), dtype=dtype, count=count)
    weakref.finalize(flat, _release, block).atexit = False
    return flat.reshape(shape)


def _release(block):
    """Back to the pool. Where it is full, blocks of other sizes leave first (a run asks
    for few sizes, and for the same ones again), then the oldest of this size."""
    nbytes = block.nbytes
    with _lock:
        if nbytes > MAX_POOLED_BYTES:
            return
        while _pooled[0] + nbytes > MAX_POOLED_BYTES:
            size = next((k for k, blocks in _free.items() if blocks and k != nbytes), nbytes)
            _free[size].pop(0)
            _pooled[0] -= size
        _free.setdefault(nbytes, []).append(block)
        _pooled[0] += nbytes


def pooled_bytes():
    """Bytes held for reuse now."""
    return _pooled[0]
