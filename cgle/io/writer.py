"""Writing HDF5 trajectories frame by frame as a run goes.

Layout (format_version 1)::

    /                 root attributes: format, format_version, status, message, created,
                      finished, Conventions, title, source, history, the run's
                      parameters (typed), ...
    /t (nt,)          dimension scale          /x (N,) [/y (Ny,)]   dimension scales
    /q (nt, N)        complex128, chunked along t
    /energy (nt,)     and one (nt,) dataset per stored diagnostic series
    /weights (N,)     quadrature weights
    /checkpoint/      restart data (:mod:`cgle.io.checkpoint`)

Every variable carries ``long_name`` and ``units`` ("1": the equation is
dimensionless); every per-frame dataset has a Fletcher-32 checksum per chunk, so damage
is reported by the readers instead of being read.

Crash safety and cost: the file is written in HDF5 single-writer/multiple-reader (SWMR)
mode and each frame is flushed as it is written, so a run killed at any moment leaves a
file in which every frame written before the kill can be read (by SWMR readers:
:func:`cgle.open_trajectory`, :func:`cgle.open_dataset`; plain readers after
``cgle repair`` or a resume). A kill loses nothing that ``append`` returned from. The
frames go through HDF5's low-level calls (one extent change, one hyperslab write and one
flush per dataset): ~0.1 ms a frame at N = 220, against ~0.5 ms through h5py's
high-level indexing.

The file is created under a temporary name and moved into place (``os.replace``) once
its layout is complete, so the real path never holds a half-made file; an existing run
at that path is replaced in one step. A writer holds the file's lock
(:mod:`cgle.io.lock`) for its whole life.

This module knows nothing of physics: it stores the arrays it is handed.
"""

import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from cgle.io import checkpoint as checkpoints
from cgle.io.hdf5 import LIBVER
from cgle.io.lock import WriterLock
from cgle.io.reader import FORMAT, FORMAT_VERSION

CONVENTIONS = "CF-1.10, cgle-trajectory-1"
# CF long names of the datasets of the format (units "1" throughout)
LONG_NAMES = {
    "t": "time",
    "x": "position x",
    "y": "position y",
    "q": "complex amplitude q(t, x)",
    "energy": "energy: sum of weights * |q|^2",
    "weights": "quadrature weights: the integral of f is about sum(weights * f)",
}


class OutputError(RuntimeError):
    """The output file cannot be created or written; the message says why."""


class DiskFull(OutputError):
    """Free space on the output disk fell below the reserve; nothing was written past it."""


# keep this much free on the output disk (a checkpoint and a clean close must still fit)
MIN_FREE_BYTES = int(os.environ.get("CGLE_MIN_FREE_BYTES", 64 * 2**20))


def _reason(err):
    """The operating system's words inside an HDF5 error, else its first line."""
    text = str(err)
    match = re.search(r"error message = '([^']+)'", text)
    return match.group(1) if match else text.splitlines()[0]


def frame_bytes(frame_shape, with_q=True):
    """Bytes one frame adds to a file, uncompressed: q as complex128 (when stored),
    t and energy as float64."""
    return 16 * int(np.prod(frame_shape)) * bool(with_q) + 16


def check_free_space(path, needed=0):
    """Raise DiskFull unless the disk holding ``path`` has ``needed`` bytes plus the reserve."""
    free = shutil.disk_usage(Path(path).parent).free
    if free < needed + MIN_FREE_BYTES:
        raise DiskFull(
            f"the disk holding {path} is (nearly) full: {free / 2**20:.1f} MiB free, "
            f"{(needed + MIN_FREE_BYTES) / 2**20:.1f} MiB needed (a {MIN_FREE_BYTES / 2**20:.0f} MiB reserve included)"
        )


def now():
    """ISO 8601 UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _frame_chunks(frame_shape, item_bytes=16):
    """Chunk along t: about 64 KiB per chunk, at least one frame."""
    per_frame = int(np.prod(frame_shape)) * item_bytes
    return (max(1, min(1024, 65536 // max(per_frame, 1))),) + tuple(frame_shape)


class _Rows:
    """Appends rows to an extendable dataset with HDF5's low-level calls."""

    def __init__(self, dataset):
        self.d = dataset
        self.tail = tuple(dataset.shape[1:])
        self.memory = h5py.h5s.create_simple((1,) + self.tail)
        self.dtype = np.dtype("c16") if dataset.dtype.kind == "V" and dataset.dtype.names == ("r", "i") \
            else dataset.dtype

    def append(self, n, value):
        """Write ``value`` as row n (the dataset grows to n + 1 rows) and flush it."""
        d = self.d.id
        d.set_extent((n + 1,) + self.tail)
        space = d.get_space()
        space.select_hyperslab((n,) + (0,) * len(self.tail), (1,) + self.tail)
        d.write(self.memory, space, np.ascontiguousarray(value, dtype=self.dtype).reshape((1,) + self.tail))
        d.flush()


def _describe(dataset, name):
    dataset.attrs["long_name"] = LONG_NAMES.get(name, name.replace("_", " "))
    dataset.attrs["units"] = "1"


class TrajectoryWriter:
    """Append frames to a new trajectory file.

    Parameters
    ----------
    path : path-like
    coords : dict
        Name -> 1-D array for each spatial axis, in order ("x", or "x", "y").
    weights : ndarray
        Quadrature weights, shaped like a frame.
    attrs : dict
        Root attributes (config text, scheme, dt, the run's parameters, ...).
    fields : sequence of str
        Which of "q" and "energy" to store.
    compression : None, "gzip" or "lzf"
    series : sequence of str
        Names of further per-frame numbers (diagnostics), each stored as a dataset (nt,)
        on the t axis; their names are listed in the root attribute "series".
    swmr : bool
        Write in SWMR mode (readable at every moment; killed files need a repair for
        plain readers). False writes a plain file (``cgle repair`` does).
    checkpoint_layout : dict, optional
        Entry -> (shape, dtype) of everything a checkpoint may hold
        (:mod:`cgle.io.checkpoint`); None: no checkpoints.
    lock : WriterLock or None
        The lock of the final path, already held (resume, repair); by default the
        writer takes it.
    replace_after : int, optional
        Write into a temporary file beside ``path`` and move it onto ``path`` only once
        it holds this many frames (a resume, which must not spoil the file it continues).
    history : str
        The first line of the CF ``history`` attribute.
    """

    def __init__(self, path, coords, weights, attrs, fields=("q", "energy"), compression=None, *,
                 series=(), swmr=True, checkpoint_layout=None, lock=None, replace_after=None,
                 history="created"):
        self.path = Path(path)
        self.frame_shape = tuple(len(c) for c in coords.values())
        self.fields = tuple(fields)
        self.nframes = 0
        self.replace_after = replace_after
        self.own_lock = lock is None
        self.lock = WriterLock(self.path).acquire() if lock is None else lock
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        # half-made files of writers that died (we hold the lock: no writer of this path lives)
        for stale in self.path.parent.glob(f".{self.path.name}.*.part"):
            stale.unlink(missing_ok=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_free_space(self.path)
            self.file = h5py.File(self.tmp, "w", libver=LIBVER)
        except OSError as err:
            self._release()
            raise OutputError(f"cannot create output file {self.path}: {err.strerror or err}") from None
        try:
            self._layout(coords, weights, attrs, compression, series, checkpoint_layout, history)
            if swmr:
                self.file.swmr_mode = True
            if replace_after is None or replace_after <= 0:
                self._move_into_place()
        except OSError as err:
            self._abandon()
            raise OutputError(f"cannot write output file {self.path}: {_reason(err)}") from None

    def _layout(self, coords, weights, attrs, compression, series, checkpoint_layout, history):
        f = self.file
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["status"] = "running"
        f.attrs["message"] = ""
        f.attrs["created"] = now()
        f.attrs["finished"] = ""
        f.attrs["pid"] = os.getpid()
        f.attrs["Conventions"] = CONVENTIONS
        f.attrs["history"] = f"{now()} {history}"
        for key, value in attrs.items():
            f.attrs[key] = value
        f.attrs.setdefault("title", "cgle trajectory")
        per_frame = {"chunks": (1024,), "maxshape": (None,), "fletcher32": True}
        t = f.create_dataset("t", shape=(0,), dtype="f8", **per_frame)
        t.make_scale("t")
        _describe(t, "t")
        axes = []
        for name, values in coords.items():
            d = f.create_dataset(name, data=np.asarray(values, dtype="f8"))
            d.make_scale(name)
            _describe(d, name)
            axes.append(d)
        self.rows = {}
        if "q" in self.fields:
            q = f.create_dataset("q", shape=(0,) + self.frame_shape, maxshape=(None,) + self.frame_shape, dtype="c16",
                                 chunks=_frame_chunks(self.frame_shape), compression=compression, fletcher32=True)
            q.dims[0].attach_scale(t)
            for i, axis in enumerate(axes):
                q.dims[i + 1].attach_scale(axis)
            _describe(q, "q")
            self.rows["q"] = _Rows(q)
        w = f.create_dataset("weights", data=np.asarray(weights, dtype="f8"))
        for i, axis in enumerate(axes):
            w.dims[i].attach_scale(axis)
        _describe(w, "weights")
        names = (["energy"] if "energy" in self.fields else []) + list(series)
        f.attrs["series"] = list(series)
        for name in names:
            d = f.create_dataset(name, shape=(0,), dtype="f8", **per_frame)
            d.dims[0].attach_scale(t)
            _describe(d, name)
            self.rows[name] = _Rows(d)
        self.series = tuple(series)
        self.rows["t"] = _Rows(t)  # written last: a reader that sees frame n in t finds it everywhere
        self.has_checkpoints = checkpoint_layout is not None
        if self.has_checkpoints:
            checkpoints.create_slots(f.create_group("checkpoint"), checkpoint_layout)

    # ------------------------------------------------------------------ writing
    @property
    def frame_bytes(self):
        return frame_bytes(self.frame_shape, "q" in self.rows)

    def append(self, t, q, energy, values=None):
        """Write one frame and flush it to disk (DiskFull, before writing, when the
        disk is nearly full). ``values`` maps each series name to its number."""
        n = self.nframes
        check_free_space(self.path, 4 * self.frame_bytes)
        try:
            if "q" in self.rows:
                self.rows["q"].append(n, q)
            if "energy" in self.rows:
                self.rows["energy"].append(n, energy)
            for name in self.series:
                self.rows[name].append(n, values[name])
            self.rows["t"].append(n, t)
        except (OSError, RuntimeError) as err:  # HDF5 reports failed writes as either
            raise OutputError(f"cannot write frame {n} to {self.path} (disk full or removed?): {_reason(err)}") from None
        self.nframes = n + 1
        if self.replace_after is not None and self.nframes >= self.replace_after:
            self._move_into_place()

    def copy_frames(self, source, count, block=256):
        """Append the first ``count`` frames of the open file ``source`` exactly."""
        for start in range(0, count, block):
            stop = min(count, start + block)
            parts = {name: source[name][start:stop] for name in self.rows}
            for k in range(stop - start):
                for name, rows in self.rows.items():
                    rows.append(self.nframes, parts[name][k])
                self.nframes += 1
        if self.replace_after is not None and self.nframes >= self.replace_after:
            self._move_into_place()

    def checkpoint(self, data, frames=None):
        """Store restart data (entry -> array or number) in the inactive slot, then
        point to it; a kill at any moment leaves the previous checkpoint intact.
        ``frames``: the frames it belongs to (default: all written so far)."""
        try:
            checkpoints.write(self.file["checkpoint"], data, self.nframes if frames is None else frames)
        except (OSError, RuntimeError) as err:
            raise OutputError(f"cannot write a checkpoint to {self.path} (disk full or removed?): "
                              f"{_reason(err)}") from None

    # ------------------------------------------------------------------ ending
    def _move_into_place(self):
        if self.tmp is not None:
            os.replace(self.tmp, self.path)
            self.tmp = None
            self.replace_after = None

    def _release(self):
        if self.own_lock:
            self.lock.release()

    def _abandon(self, message=None):
        """Close after a failed write; the file may be unclosable, and HDF5 reports that
        as OSError or RuntimeError. What was flushed before stays readable (SWMR); a
        file never moved into place is removed. With ``message``, try to record the
        failure in the file's status (it may not fit on a full disk)."""
        try:
            self.file.close()
        except (OSError, RuntimeError) as err:
            self.close_error = err
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
        elif message is not None:
            try:
                finalize(self.path, "failed", message, history="failed: a write error")
            except (OSError, RuntimeError, KeyError) as err:
                self.close_error = err
        self._release()

    def close(self, status, message="", attrs=None, history=None):
        """Close the file and record how the run ended (plus any ``attrs``). Returns
        False when the file was not moved into place (a resume that ended before it
        caught up with the file it continues: that file is kept as it was)."""
        self.file.close()
        try:
            if self.tmp is not None:
                self.tmp.unlink(missing_ok=True)
                return False
            finalize(self.path, status, message, attrs, history)
            return True
        finally:
            self._release()


def finalize(path, status, message="", attrs=None, history=None):
    """Set the status attributes of a closed trajectory file (attributes cannot be
    added while it is open for SWMR writing); ``history`` adds a line to the CF history."""
    with h5py.File(path, "r+", libver=LIBVER) as f:
        f.attrs["status"] = status
        f.attrs["message"] = message
        f.attrs["finished"] = now()
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
        if history:
            old = f.attrs.get("history", "")
            old = old.decode() if isinstance(old, bytes) else str(old)
            f.attrs["history"] = (old + "\n" if old else "") + f"{now()} {history}"
