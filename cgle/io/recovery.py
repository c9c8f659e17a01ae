"""``cgle repair``: a file whose writer was killed, made readable by every HDF5 tool.

A killed SWMR writer leaves its file marked "open for write" in the superblock; plain
readers (``h5py.File(path)``, ``xarray.open_dataset``, ``h5dump``) then refuse it, and
only SWMR readers (:func:`cgle.open_trajectory`, :func:`cgle.open_dataset`) open it.
(Do not use ``h5clear -s`` on such a file: it cuts the file to the end-of-file address
the superblock held when SWMR writing started, which loses every frame; ``h5clear -s
--increment`` keeps them.)

:func:`repair` copies every complete frame, the checkpoint and the attributes into a
new, closed file beside it, checks that the copy opens plainly and holds the same frames
bit for bit, and only then moves it onto the old path (``os.replace``). It holds the
file's writer lock throughout, so it refuses while a writer is alive, and a kill during
the repair leaves the old file as it was. The repaired file's status is
"interrupted", so ``cgle run CONFIG --resume`` continues it as before.
"""

import os

import h5py
import numpy as np

from cgle.io import checkpoint as checkpoints
from cgle.io.hdf5 import open_for_writing, open_read
from cgle.io.lock import WriterLock
from cgle.io.reader import DamagedFile, Trajectory, check_layout
from cgle.io.writer import TrajectoryWriter, finalize, now

BOOKKEEPING = ("format", "format_version", "status", "message", "created", "finished", "pid", "Conventions")


class NothingToRepair(Exception):
    """The file is closed and readable already."""


def _layout_of_slots(group):
    """The checkpoint layout (entry -> (shape, dtype)) of an existing file's slots."""
    slot = group["slot0"]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in slot.attrs["entries"]]
    return {name: (slot[name].shape[1:], slot[name].dtype) for name in names}


def repair(path):
    """Repair ``path`` in place (atomically); returns the number of frames kept.

    Raises
    ------
    NothingToRepair
        The file is readable by plain HDF5 readers and its run ended.
    Locked
        A writer is alive.
    DamagedFile
        The file cannot be read even by SWMR readers (nothing to copy from).
    """
    lock = WriterLock(path).acquire("repair")  # Locked while a writer lives
    try:
        traj = Trajectory(path)  # validates the layout, raises DamagedFile
        attrs = traj.live_attrs()
        if not open_for_writing(path) and attrs.get("status") != "running":
            raise NothingToRepair(f"{path} is closed and readable (status {attrs['status']}): nothing to repair")
        return _rewrite(path, traj, attrs, lock)
    finally:
        lock.release()


def _rewrite(path, traj, attrs, lock):
    with open_read(path) as src:
        _, frames = check_layout(src)
        coords = {name: src[name][()] for name in ("x", "y") if name in src}
        fields = tuple(name for name in ("q", "energy") if name in src)
        compression = src["q"].compression if "q" in src else None
        series = attrs.get("series", [])
        series = tuple([series] if isinstance(series, str) else [str(s) for s in series])
        has_ck = "checkpoint" in src and "slot0" in src["checkpoint"] and hasattr(src["checkpoint/slot0"], "attrs") \
            and "entries" in src["checkpoint/slot0"].attrs
        layout = _layout_of_slots(src["checkpoint"]) if has_ck else None
        found = checkpoints.read(src["checkpoint"], frames) if "checkpoint" in src else None
        if found is not None and layout is None:  # an npz checkpoint of cgle 0.1
            layout = checkpoints.layout_of(found[0])
        kept = {k: v for k, v in attrs.items() if k not in BOOKKEEPING}
        history = str(kept.pop("history", ""))
        kept["history"] = history
        writer = TrajectoryWriter(path, coords, src["weights"][()], kept, fields, compression, series=series,
                                  swmr=False, checkpoint_layout=layout, lock=lock, replace_after=np.inf,
                                  history="repaired")
        try:
            writer.copy_frames(src, frames)
            if found is not None:
                writer.checkpoint(found[0], frames=found[1])
            reference = {name: src[name][:frames] for name in writer.rows}
        except BaseException:
            writer._abandon()
            raise
    tmp = writer.tmp
    writer.file.close()
    message = attrs.get("message") or ""
    why = (f"the writer (pid {attrs.get('pid')}) was killed; repaired by cgle repair at {now()}, {frames} frames kept"
           + ("; continue with `cgle run CONFIG --resume`" if found is not None else
              "; it holds no checkpoint, so a resume cannot continue it"))
    finalize(tmp, "interrupted", (message + "; " if message else "") + why,
             history=f"repaired (writer killed), {frames} frames kept")
    # the copy must open plainly and hold the same frames, bit for bit, before it replaces the file
    with h5py.File(tmp, "r") as check:
        for name, values in reference.items():
            if not np.array_equal(check[name][()], values, equal_nan=True) or check[name].shape[0] != frames:
                tmp.unlink(missing_ok=True)
                raise DamagedFile(f"repairing {path}: the copy of /{name} differs from the original; the file is "
                                  "left as it was")
    os.replace(tmp, path)
    return frames
