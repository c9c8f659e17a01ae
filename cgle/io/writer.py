"""Writing HDF5 trajectories frame by frame as a run goes.

Layout (format_version 1): datasets /t, /x (and /y in 2D), /q, /weights, /energy with
HDF5 dimension scales, so h5py, h5dump and ``xarray.open_dataset(path,
engine="h5netcdf")`` all read it; root attributes carry the resolved config text,
status and message; /checkpoint holds restart data.

Crash safety: the file is written in HDF5 single-writer/multiple-reader (SWMR) mode and
each frame is flushed as it is written, so a run killed at any moment leaves a file
that ``h5py.File(path, "r", swmr=True)`` (and :func:`cgle.io.open_trajectory`) opens
with every frame written before the kill. Checkpoints alternate between two slots and a
pointer is written last, so a kill during a checkpoint leaves the previous one intact.

This module knows nothing of physics: it stores the arrays it is handed.
"""

import io
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from cgle.io.reader import FORMAT, FORMAT_VERSION, open_for_reading


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


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _frame_chunks(frame_shape, item_bytes=16):
    """Chunk along t: about 64 KiB per chunk, at least one frame."""
    per_frame = int(np.prod(frame_shape)) * item_bytes
    return (max(1, min(1024, 65536 // max(per_frame, 1))),) + tuple(frame_shape)


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
        Root attributes (config text, scheme, dt, ...).
    fields : sequence of str
        Which of "q" and "energy" to store.
    compression : None, "gzip" or "lzf"
    series : sequence of str
        Names of further per-frame numbers (diagnostics), each stored as a dataset (nt,)
        on the t axis; their names are listed in the root attribute "series".
    """

    def __init__(self, path, coords, weights, attrs, fields=("q", "energy"), compression=None, *,
                 series=(), swmr=True):
        self.path = Path(path)
        self.frame_shape = tuple(len(c) for c in coords.values())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_free_space(self.path)
            self.file = h5py.File(self.path, "w", libver="latest")
        except OSError as err:
            raise OutputError(f"cannot create output file {self.path}: {err.strerror or err}") from None
        f = self.file
        try:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["status"] = "running"
            f.attrs["message"] = ""
            f.attrs["created"] = _now()
            f.attrs["finished"] = ""
            f.attrs["pid"] = os.getpid()
            for key, value in attrs.items():
                f.attrs[key] = value
            t = f.create_dataset("t", shape=(0,), maxshape=(None,), dtype="f8", chunks=(1024,))
            t.make_scale("t")
            axes = []
            for name, values in coords.items():
                d = f.create_dataset(name, data=np.asarray(values, dtype="f8"))
                d.make_scale(name)
                axes.append(d)
            self.fields = tuple(fields)
            self.q = None
            if "q" in self.fields:
                self.q = f.create_dataset(
                    "q",
                    shape=(0,) + self.frame_shape,
                    maxshape=(None,) + self.frame_shape,
                    dtype="c16",
                    chunks=_frame_chunks(self.frame_shape),
                    compression=compression,
                )
                self.q.dims[0].attach_scale(t)
                for i, axis in enumerate(axes):
                    self.q.dims[i + 1].attach_scale(axis)
            w = f.create_dataset("weights", data=np.asarray(weights, dtype="f8"))
            for i, axis in enumerate(axes):
                w.dims[i].attach_scale(axis)
            self.energy = None
            if "energy" in self.fields:
                self.energy = f.create_dataset("energy", shape=(0,), maxshape=(None,), dtype="f8", chunks=(1024,))
                self.energy.dims[0].attach_scale(t)
            f.attrs["series"] = list(series)
            self.series = {}
            for name in series:
                self.series[name] = f.create_dataset(name, shape=(0,), maxshape=(None,), dtype="f8", chunks=(1024,))
                self.series[name].dims[0].attach_scale(t)
            ck = f.create_group("checkpoint")
            for slot in (0, 1):
                ck.create_dataset(f"slot{slot}", shape=(0,), maxshape=(None,), dtype="u1", chunks=(16384,))
            # active slot (-1: none yet) and the number of frames it belongs to
            ck.create_dataset("active", data=np.array([-1, 0], dtype="i8"))
            self.t = t
            f.attrs["resumes"] = 0
            if swmr:
                f.swmr_mode = True
        except OSError as err:
            self._abandon()
            raise OutputError(f"cannot write output file {self.path}: {err}") from None
        self.nframes = 0

    @classmethod
    def reopen(cls, path, keep_frames):
        """Continue writing an existing trajectory after its first ``keep_frames`` frames.

        The file may have been left by a killed writer (then only SWMR readers can open
        it). Its first ``keep_frames`` frames, attributes and last checkpoint are copied
        into a fresh file beside it, which then atomically replaces the original; a kill
        during the copy leaves the original untouched.
        """
        path = Path(path)
        tmp = path.with_name(path.name + ".resume-tmp")
        with open_for_reading(path) as src:
            attrs = dict(src.attrs)
            coords = {name: src[name][()] for name in ("x", "y") if name in src}
            fields = tuple(name for name in ("q", "energy") if name in src)
            series = tuple(str(name) for name in attrs.get("series", ()))
            compression = src["q"].compression if "q" in src else None
            active, frames = (int(v) for v in src["checkpoint/active"][:])
            checkpoint = src[f"checkpoint/slot{active}"][:] if active >= 0 else None
            new = cls(tmp, coords, src["weights"][()], {}, fields, compression, series=series, swmr=False)
            try:
                f = new.file
                for key, value in attrs.items():
                    f.attrs[key] = value
                f.attrs["resumes"] = int(attrs.get("resumes", 0)) + 1
                for name in ("t",) + fields + series:
                    d = f[name]
                    d.resize((keep_frames,) + d.shape[1:])
                    for start in range(0, keep_frames, 256):
                        stop = min(keep_frames, start + 256)
                        d[start:stop] = src[name][start:stop]
                if checkpoint is not None:
                    f["checkpoint/slot0"].resize((checkpoint.size,))
                    f["checkpoint/slot0"][:] = checkpoint
                    f["checkpoint/active"][:] = np.array([0, frames], dtype="i8")
                f.close()
            except OSError as err:
                new._abandon()
                tmp.unlink(missing_ok=True)
                raise OutputError(f"cannot copy {path} for resuming: {err}") from None
        os.replace(tmp, path)
        return cls._attach(path)

    @classmethod
    def _attach(cls, path):
        """Open a closed, consistent trajectory for appending (SWMR)."""
        self = cls.__new__(cls)
        self.path = Path(path)
        try:
            self.file = h5py.File(self.path, "r+", libver="latest")
        except OSError as err:
            raise OutputError(f"cannot reopen {self.path} for writing: {err}") from None
        f = self.file
        f.attrs["status"] = "running"
        f.attrs["message"] = ""
        f.attrs["finished"] = ""
        f.attrs["pid"] = os.getpid()
        self.t = f["t"]
        self.q = f["q"] if "q" in f else None
        self.energy = f["energy"] if "energy" in f else None
        self.fields = tuple(name for name in ("q", "energy") if name in f)
        self.series = {str(name): f[str(name)] for name in f.attrs.get("series", ())}
        self.frame_shape = tuple(f[name].shape[0] for name in ("x", "y") if name in f)
        self.nframes = self.t.shape[0]
        f.swmr_mode = True
        return self

    @property
    def frame_bytes(self):
        return frame_bytes(self.frame_shape, self.q is not None)

    def _abandon(self):
        """Close after a failed write; the file may be unclosable, and HDF5 reports that
        as OSError or RuntimeError. What was flushed before stays readable (SWMR)."""
        try:
            self.file.close()
        except (OSError, RuntimeError) as err:
            self.close_error = err

    def append(self, t, q, energy, values=None):
        """Write one frame and flush it to disk (DiskFull, before writing, when the
        disk is nearly full). ``values`` maps each series name to its number."""
        n = self.nframes
        check_free_space(self.path, 4 * self.frame_bytes)
        try:
            # t last: a reader that sees frame n in t finds it in q and energy too
            if self.q is not None:
                self.q.resize((n + 1,) + self.frame_shape)
                self.q[n] = q
                self.q.flush()
            if self.energy is not None:
                self.energy.resize((n + 1,))
                self.energy[n] = energy
                self.energy.flush()
            for name, d in self.series.items():
                d.resize((n + 1,))
                d[n] = values[name]
                d.flush()
            self.t.resize((n + 1,))
            self.t[n] = t
            self.t.flush()
        except (OSError, RuntimeError) as err:  # HDF5 reports failed writes as either
            raise OutputError(f"cannot write frame {n} to {self.path} (disk full or removed?): {_reason(err)}") from None
        self.nframes = n + 1

    def checkpoint(self, arrays):
        """Store restart data (a dict of arrays/numbers) in the inactive slot, then
        point to it; a kill at any moment leaves the previous checkpoint intact."""
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        data = np.frombuffer(buf.getvalue(), dtype="u1")
        ck = self.file["checkpoint"]
        active = int(ck["active"][0])
        slot = 1 - active if active >= 0 else 0
        try:
            d = ck[f"slot{slot}"]
            d.resize((data.size,))
            d[:] = data
            d.flush()
            ck["active"][:] = np.array([slot, self.nframes], dtype="i8")
            ck["active"].flush()
        except (OSError, RuntimeError) as err:
            raise OutputError(f"cannot write a checkpoint to {self.path} (disk full or removed?): "
                              f"{_reason(err)}") from None

    def close(self, status, message="", attrs=None):
        """Close the file and record how the run ended (plus any ``attrs``)."""
        self.file.close()
        finalize(self.path, status, message, attrs)


def finalize(path, status, message="", attrs=None):
    """Set the status attributes of a closed trajectory file (attributes cannot be
    added while it is open for SWMR writing)."""
    with h5py.File(path, "r+") as f:
        f.attrs["status"] = status
        f.attrs["message"] = message
        f.attrs["finished"] = _now()
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
