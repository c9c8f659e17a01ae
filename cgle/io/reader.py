"""Reading HDF5 trajectories: complete files, files still being written, files left by a
killed writer (SWMR readers see every frame flushed so far), and damaged files.

Nothing in a file is trusted before it is checked: the format attribute, that the
datasets a frame needs exist with the shapes and types the layout says, that the
checkpoint pointer is in range. Every failure is a :class:`DamagedFile` (an ``OSError``)
naming the file and what is wrong, raised at once (:func:`cgle.io.hdf5.open_read`
keeps HDF5 from retrying damaged metadata); a frame whose Fletcher-32 checksum fails
is reported, never returned.
"""

from pathlib import Path

import numpy as np

from cgle.io import checkpoint as checkpoints
from cgle.io.hdf5 import Unreadable, open_read, reason

FORMAT = "cgle-trajectory"
FORMAT_VERSION = 1
STATUSES = ("running", "complete", "failed", "interrupted")


class DamagedFile(OSError):
    """A file that is not a readable cgle trajectory; the message says what is wrong."""


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return [_text(v) for v in value.tolist()]
    return value


def read_attrs(f):
    """Root attributes as plain Python values (bytes decoded)."""
    out = {}
    try:
        # h5py raises KeyError when the root object header itself fails its checksum
        keys = list(f.attrs)
    except (OSError, RuntimeError, KeyError, ValueError) as err:
        raise DamagedFile(f"{f.filename}: the root attributes cannot be listed ({reason(err)})") from None
    for key in keys:
        try:
            out[key] = _text(f.attrs[key])
        except (OSError, RuntimeError, KeyError, TypeError, ValueError) as err:
            raise DamagedFile(f"{f.filename}: attribute {key!r} cannot be read ({reason(err)})") from None
    return out


def _dataset(f, name, required=True):
    try:
        d = f.get(name)
    except (OSError, RuntimeError, KeyError, ValueError) as err:
        raise DamagedFile(f"{f.filename}: dataset /{name} cannot be opened ({reason(err)})") from None
    if d is None:
        if required:
            raise DamagedFile(f"{f.filename} has no dataset /{name}: not a complete cgle trajectory layout")
        return None
    if not hasattr(d, "shape"):
        raise DamagedFile(f"{f.filename}: /{name} is not a dataset")
    return d


def check_layout(f):
    """Validate a trajectory opened with :func:`open_read`; returns (attrs, frames)
    where ``frames`` is the number of frames every per-frame dataset holds."""
    attrs = read_attrs(f)
    if attrs.get("format") != FORMAT:
        raise DamagedFile(f"{f.filename} is not a cgle trajectory (its format attribute is "
                          f"{attrs.get('format')!r}, not {FORMAT!r})")
    version = attrs.get("format_version")
    if not isinstance(version, (int, np.integer)) or int(version) > FORMAT_VERSION:
        raise DamagedFile(f"{f.filename} has format_version {version!r}; this cgle reads up to {FORMAT_VERSION}")
    if attrs.get("status") not in STATUSES:
        raise DamagedFile(f"{f.filename}: status attribute {attrs.get('status')!r} is not one of "
                          + ", ".join(STATUSES))
    grid = []
    for name in ("x", "y"):
        d = _dataset(f, name, required=name == "x")
        if d is not None:
            if d.ndim != 1 or d.dtype.kind != "f":
                raise DamagedFile(f"{f.filename}: /{name} must be 1-D float (it is {d.shape}, {d.dtype})")
            grid.append(d.shape[0])
    grid = tuple(grid)
    t = _dataset(f, "t")
    if t.ndim != 1 or t.dtype.kind != "f":
        raise DamagedFile(f"{f.filename}: /t must be 1-D float (it is {t.shape}, {t.dtype})")
    w = _dataset(f, "weights")
    if w.shape != grid or w.dtype.kind != "f":
        raise DamagedFile(f"{f.filename}: /weights has shape {w.shape}, {w.dtype}; the grid is {grid}")
    counts = [t.shape[0]]
    q = _dataset(f, "q", required=False)
    if q is not None:
        if q.shape[1:] != grid or not (q.dtype.kind == "c" or q.dtype.names == ("r", "i")):
            raise DamagedFile(f"{f.filename}: /q has shape {q.shape}, {q.dtype}; frames must be complex on the "
                              f"grid {grid}")
        counts.append(q.shape[0])
    series = attrs.get("series", [])
    series = [series] if isinstance(series, str) else list(series)
    for name in (["energy"] if "energy" in f else []) + [str(s) for s in series]:
        d = _dataset(f, name)
        if d.ndim != 1:
            raise DamagedFile(f"{f.filename}: /{name} must be 1-D (it is {d.shape})")
        counts.append(d.shape[0])
    return attrs, min(counts)


def _read_rows(f, name, stop):
    try:
        return _dataset(f, name)[:stop]
    except (OSError, RuntimeError, ValueError) as err:
        raise DamagedFile(f"{f.filename}: /{name} cannot be read, frames 0..{stop - 1} ({reason(err)}); the file "
                          "is damaged (a checksum or the layout fails)") from None


class Trajectory:
    """Read-only view of a trajectory file.

    Attributes are read on access, so a file that is still being written shows the
    frames written so far each time: ``t``, ``x`` (``y`` in 2D), ``q`` (nt, *grid),
    ``weights``, ``energy``, ``series``, ``config`` (resolved YAML text), ``status``,
    ``message``.

    Raises
    ------
    FileNotFoundError
        No such file.
    DamagedFile
        Not a cgle trajectory, or damaged (the message says how).
    """

    def __init__(self, path):
        self.path = Path(path)
        with self._open() as f:
            self.attrs, _ = check_layout(f)

    def _open(self):
        try:
            return open_read(self.path)
        except Unreadable as err:
            raise DamagedFile(str(err)) from None

    def _read(self, name):
        with self._open() as f:
            _, frames = check_layout(f)
            if name not in f:
                raise KeyError(f"{self.path} has no dataset {name!r} (output.fields)")
            if name in ("t", "q", "energy"):
                # frames present in every series (a running writer extends them in turn)
                return _read_rows(f, name, frames)
            return _read_rows(f, name, None)

    @property
    def t(self):
        return self._read("t")

    @property
    def x(self):
        return self._read("x")

    @property
    def y(self):
        return self._read("y")

    @property
    def q(self):
        return self._read("q")

    @property
    def weights(self):
        return self._read("weights")

    @property
    def energy(self):
        return self._read("energy")

    @property
    def series(self):
        """Per-frame diagnostics stored with the run: name -> array (nt,)."""
        names = self.attrs.get("series", [])
        names = [names] if isinstance(names, str) else [str(n) for n in names]
        with self._open() as f:
            _, frames = check_layout(f)
            return {name: _read_rows(f, name, frames) for name in names}

    @property
    def config(self):
        return self.attrs.get("config", "")

    @property
    def status(self):
        return self.live_attrs()["status"]

    @property
    def message(self):
        return self.live_attrs()["message"]

    @property
    def nframes(self):
        with self._open() as f:
            return check_layout(f)[1]

    def live_attrs(self):
        """The root attributes as they are now (status changes when a run ends)."""
        with self._open() as f:
            return check_layout(f)[0]

    def frame(self, index=-1):
        """One frame of q (negative indices count from the end)."""
        with self._open() as f:
            _, n = check_layout(f)
            if "q" not in f:
                raise KeyError(f"{self.path} has no dataset 'q' (output.fields)")
            if not -n <= index < n:
                raise IndexError(f"frame {index} out of range: the file has {n} frames")
            k = index % n
            try:
                return f["q"][k]
            except (OSError, RuntimeError) as err:
                raise DamagedFile(f"{self.path}: frame {k} of /q cannot be read ({reason(err)}); the file is "
                                  "damaged") from None

    def checkpoint(self):
        """The last complete checkpoint as (dict of arrays, frame count), or None.

        Raises :class:`~cgle.io.checkpoint.DamagedCheckpoint` when it is inconsistent."""
        with self._open() as f:
            _, n = check_layout(f)
            if "checkpoint" not in f:
                return None
            return checkpoints.read(f["checkpoint"], n)


def open_trajectory(path):
    """Open a trajectory file written by :func:`cgle.run` (read-only).

    Works on complete, running, failed and killed files; raises ``FileNotFoundError``
    or :class:`DamagedFile` (an ``OSError``) with a message naming what is wrong."""
    return Trajectory(path)
