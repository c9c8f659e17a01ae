"""The sweep manifest: one CSV row per run, rewritten atomically after every finished run.

The manifest (``manifest.csv``; ``pandas.read_csv`` reads it with no options) has one row
per run and the columns ``run_id``, one column per varied key (named by the dotted key),
then :data:`RESULT_COLUMNS`:

status
    "complete", "failed" or "pending" (not finished by this sweep yet).
attempts
    Submissions of the run in the sweep that produced the row (worker deaths + 1).
wall_time_s
    Seconds spent in :func:`cgle.run` on the worker (figures and queueing excluded).
lambda0_real, lambda0_imag
    The eigenvalue of the discretised linear operator L with the largest real part
    (the leading global mode; Re > 0 means globally unstable).
final_energy
    ``sum(weights * |q|^2)`` at the last frame written.
saturated_amplitude
    The mean over the last ``ceil(nframes / 10)`` frames (at least one) of max_x |q|: the
    saturated amplitude of a run that has reached its nonlinear state, time-averaged so
    that oscillating states give a steady figure.
t_final, frames
    Time of the last frame and the number of frames in the file.
file
    The run file's name, relative to the manifest.
worker
    ``host:pid`` of the process that ran it.
message
    Why the run failed (empty when complete).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from cgle.config import format_complex

MANIFEST_NAME = "manifest.csv"
RESULT_COLUMNS = (
    "status", "attempts", "wall_time_s", "lambda0_real", "lambda0_imag", "final_energy",
    "saturated_amplitude", "t_final", "frames", "file", "worker", "message",
)
FIGURE_COLUMNS = ("lambda0_real", "lambda0_imag", "final_energy", "saturated_amplitude", "t_final", "frames")

# --------------------------------------------------------------------------- manifest


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, complex):
        return format_complex(value)
    if isinstance(value, (list, tuple)):
        return json.dumps(value)
    return str(value)


def write_manifest(path: str | os.PathLike, rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> None:
    """Write the manifest CSV atomically: a temporary file, fsync, ``os.replace``.

    A reader (or a crash) sees either the previous manifest or the new one, never a
    partial file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)  # make the rename itself durable
    finally:
        os.close(fd)


def _parse_cell(text):
    if text == "":
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def read_manifest(path: str | os.PathLike) -> list[dict[str, object]]:
    """The rows of a manifest as dicts (numbers parsed; empty cells are None).

    ``pandas.read_csv(path)`` reads the same file directly.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest not found: {path}")
    with open(path, newline="") as fh:
        return [{k: _parse_cell(v) for k, v in row.items()} for row in csv.DictReader(fh)]
