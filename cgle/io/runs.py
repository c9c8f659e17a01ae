"""``cgle.open_runs``: a directory of run files as one table, one row per file.

A parameter study without a sweep manifest: each row holds the file, its status (with
"killed" for a file whose writer died while running, "damaged" for one that cannot be
read), the number of frames, the last time, the energy and max |q| of the last frame,
when it was created and finished, its message, and every scalar parameter the run
recorded as a root attribute (``nu_real``, ``gamma_imag``, ``mu0``, ``grid_n``,
``time_dt``, ...; see :mod:`cgle.config.attributes`).
"""

from pathlib import Path

import numpy as np

from cgle.io.lock import writer_alive
from cgle.io.reader import DamagedFile, Trajectory

# root attributes that are not parameters of the run
SKIPPED = {"config", "history", "series", "format", "Conventions", "message", "status", "created", "finished"}


def _scalar(value):
    if isinstance(value, (bool, int, float, str, np.integer, np.floating)):
        return value.item() if isinstance(value, np.generic) else value
    return None


def run_row(path):
    """The row of one file (see the module docstring)."""
    row = {"file": str(path)}
    try:
        traj = Trajectory(path)
        attrs = traj.live_attrs()
        t = traj.t
    except (DamagedFile, OSError) as err:
        row.update(status="damaged", frames=0, message=str(err))
        return row
    status = attrs.get("status")
    if status == "running" and not writer_alive(path):
        status = "killed"
    row.update(status=status, frames=int(len(t)), t_final=float(t[-1]) if len(t) else np.nan,
               created=attrs.get("created"), finished=attrs.get("finished") or None, message=attrs.get("message", ""))
    try:
        row["final_energy"] = float(traj.energy[len(t) - 1]) if len(t) else np.nan
    except (KeyError, OSError):
        row["final_energy"] = np.nan
    try:
        row["final_max_abs"] = float(np.max(np.abs(traj.frame(len(t) - 1)))) if len(t) else np.nan
    except (KeyError, OSError, IndexError):
        row["final_max_abs"] = np.nan
    for key, value in attrs.items():
        if key not in SKIPPED and key not in row and _scalar(value) is not None:
            row[key] = _scalar(value)
    return row


def open_runs(directory, pattern="**/*.h5"):
    """A :class:`pandas.DataFrame` with one row per file matching ``pattern`` under
    ``directory`` (sorted by path; ``file`` is the first column)."""
    import pandas as pd

    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"runs directory not found: {directory}")
    rows = [run_row(p) for p in sorted(directory.glob(pattern)) if p.is_file() and not p.name.startswith(".")]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["file", "status", "frames"])
    first = ["file", "status", "frames", "t_final", "final_energy", "final_max_abs"]
    return frame[[c for c in first if c in frame] + [c for c in frame if c not in first]]
