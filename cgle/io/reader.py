"""Reading HDF5 trajectories: complete files, and files still being written or left by
a killed writer (SWMR readers see every frame flushed so far)."""

import io
from pathlib import Path

import h5py
import numpy as np

FORMAT = "cgle-trajectory"
FORMAT_VERSION = 1

def open_for_reading(path):
    """Open for reading: a complete file normally, a running or killed one in SWMR mode."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"trajectory file not found: {path}")
    try:
        return h5py.File(path, "r", swmr=True)
    except OSError as err:
        raise OSError(f"cannot open {path} as a cgle trajectory: {err}") from None


def _complete_frames(f):
    """Number of frames present in every per-frame dataset of a file just opened (each
    read opens the file anew, so no refresh is needed)."""
    return min(f[name].shape[0] for name in ("t", "q", "energy") if name in f)


class Trajectory:
    """Read-only view of a trajectory file.

    Attributes are read on access, so a file that is still being written shows the
    frames written so far each time: ``t``, ``x`` (``y`` in 2D), ``q`` (nt, *grid),
    ``weights``, ``energy``, ``config`` (resolved YAML text), ``status``, ``message``.
    """

    def __init__(self, path):
        self.path = Path(path)
        with open_for_reading(self.path) as f:
            if f.attrs.get("format") != FORMAT:
                raise OSError(f"{self.path} is not a cgle trajectory (format attribute missing)")
            self.attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

    def _read(self, name):
        with open_for_reading(self.path) as f:
            if name not in f:
                raise KeyError(f"{self.path} has no dataset {name!r} (output.fields)")
            d = f[name]
            if name in ("t", "q", "energy"):
                # frames present in every series (a running writer extends them in turn)
                return d[: _complete_frames(f)]
            return d[()]

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
        names = [str(n) for n in self.attrs.get("series", ())]
        with open_for_reading(self.path) as f:
            n = _complete_frames(f)
            return {name: f[name][:n] for name in names}

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
        return len(self.t)

    def live_attrs(self):
        with open_for_reading(self.path) as f:
            return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

    def frame(self, index=-1):
        """One frame of q (negative indices count from the end)."""
        with open_for_reading(self.path) as f:
            n = _complete_frames(f)
            if not -n <= index < n:
                raise IndexError(f"frame {index} out of range: the file has {n} frames")
            return f["q"][index % n]

    def checkpoint(self):
        """The last complete checkpoint as (dict of arrays, frame count), or None."""
        with open_for_reading(self.path) as f:
            ck = f["checkpoint"]
            active, frames = (int(v) for v in ck["active"][:])
            if active < 0:
                return None
            data = ck[f"slot{active}"][:].tobytes()
        with np.load(io.BytesIO(data)) as z:
            return {k: z[k] for k in z.files}, frames


def open_trajectory(path):
    """Open a trajectory file written by :func:`cgle.run` (read-only)."""
    return Trajectory(path)
