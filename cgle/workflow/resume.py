"""Continuing a run from its last checkpoint, without ever spoiling the file it continues.

A resume checks everything before it touches a byte: that no writer holds the file
(its lock), that the config still gives the same trajectory (its hash), and that the
checkpoint is whole and fits the problem (pointer, entries, state shape; the stepper
and the forcing accept it). It then writes a *new* file beside the old one -- the
frames up to the checkpoint copied exactly, then the frames it computes -- and moves it
onto the old path only once it holds at least as many frames as the old file did
(:class:`cgle.io.TrajectoryWriter`, ``replace_after``). A resume that fails or is stopped
before that leaves the original byte for byte; the frames it recomputes are bitwise
those of the uninterrupted run, so the swap only ever adds frames.
"""

import numpy as np
import yaml

from cgle.config import load_config, physics_hash_data
from cgle.io import DamagedCheckpoint, DamagedFile, TrajectoryWriter, open_trajectory
from cgle.io.hdf5 import open_read
from cgle.io.writer import now


class RunExists(RuntimeError):
    """The output file holds a run that would be lost by starting again, or that cannot
    be resumed; the message says which, and what to do."""


def changed_keys(old, new, prefix=""):
    """Dotted keys whose values differ between two nested mappings."""
    keys = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            keys += changed_keys(a, b, f"{prefix}{k}.")
        elif a != b:
            keys.append(f"{prefix}{k}")
    return keys


def resume_point(cfg, path, config_hash):
    """(trajectory, checkpoint entries, frames) to resume ``path`` from, or None when
    the run in it is complete up to ``time.t_end``; raises :class:`RunExists` saying
    why it cannot be resumed (the file is not touched)."""
    if not path.exists():
        raise RunExists(f"nothing to resume: {path} does not exist (run without --resume to start)")
    try:
        traj = open_trajectory(path)
        attrs = traj.live_attrs()
    except OSError as err:
        raise RunExists(f"cannot resume {path}: {err}") from None
    if attrs.get("config_hash") != config_hash:
        try:
            stored = physics_hash_data(load_config(yaml.safe_load(attrs.get("config", "")) or {},
                                                   base_dir=cfg.base_dir))
            changed = ", ".join(changed_keys(stored, physics_hash_data(cfg))) or "unknown keys"
        except (ValueError, TypeError, yaml.YAMLError):
            changed = "its stored config cannot be read"
        raise RunExists(f"cannot resume {path}: the config changed in a way that alters the trajectory "
                        f"({changed}); run it afresh with --overwrite or restore the config")
    try:
        found = traj.checkpoint()
    except (DamagedCheckpoint, DamagedFile) as err:
        raise RunExists(f"cannot resume {path}: its checkpoint is damaged ({err}); the file is left as it is. "
                        "Start afresh with --overwrite") from None
    if found is None:
        raise RunExists(f"cannot resume {path}: it holds no checkpoint yet (the run stopped before its first); "
                        "start again with --overwrite")
    state, frames = found
    for key in ("state", "t", "step"):
        if key not in state:
            raise RunExists(f"cannot resume {path}: its checkpoint has no {key!r} entry; the file is left as it is")
    t = float(state["t"])
    if not np.isfinite(t) or t < 0:
        raise RunExists(f"cannot resume {path}: its checkpoint time t = {t!r} is not a time of the run")
    if attrs.get("status") == "complete" and t >= cfg.time.t_end - 1e-12 * cfg.time.t_end:
        return None
    if t > cfg.time.t_end + 1e-12 * cfg.time.t_end:
        raise RunExists(f"cannot resume {path}: its checkpoint at t = {t:g} is past time.t_end = {cfg.time.t_end:g}")
    return traj, state, frames


def check_state(path, state, prob):
    """The checkpoint's state as an array of the problem's shape, or :class:`RunExists`."""
    v = np.asarray(state["state"])
    if v.shape != tuple(prob.shape) or v.dtype.kind != "c":
        raise RunExists(f"cannot resume {path}: its checkpoint state has shape {v.shape} and dtype {v.dtype}; "
                        f"the grid needs {tuple(prob.shape)} complex. The file is left as it is")
    if not np.all(np.isfinite(v)):
        raise RunExists(f"cannot resume {path}: its checkpoint state holds NaN or inf; the file is left as it is")
    return np.array(v, dtype=complex)


def restore(path, component, entries, what):
    """Hand checkpoint ``entries`` to a stepper or forcing; damage becomes RunExists."""
    try:
        component.set_state(entries)
    except (KeyError, ValueError, TypeError, IndexError) as err:
        raise RunExists(f"cannot resume {path}: the {what} part of its checkpoint does not fit ({err}); the file is "
                        "left as it is") from None


def resumed_writer(path, traj, state, frames, layout, lock):
    """A writer of a new file that continues ``traj``: its first ``frames`` frames and
    its checkpoint copied exactly; moved onto ``path`` once it has caught up."""
    attrs = dict(traj.live_attrs())
    total = traj.nframes
    for key in ("format", "format_version", "status", "message", "created", "finished", "pid", "Conventions"):
        attrs.pop(key, None)
    attrs["resumes"] = int(attrs.get("resumes", 0)) + 1
    history = str(attrs.pop("history", ""))
    attrs["history"] = (history + "\n" if history else "") + f"{now()} resumed from t = {float(state['t']):g}"
    series = attrs.get("series", [])
    series = tuple([series] if isinstance(series, str) else [str(s) for s in series])
    with open_read(path) as src:
        coords = {name: src[name][()] for name in ("x", "y") if name in src}
        fields = tuple(name for name in ("q", "energy") if name in src)
        compression = src["q"].compression if "q" in src else None
        writer = TrajectoryWriter(path, coords, src["weights"][()], attrs, fields, compression, series=series,
                                  checkpoint_layout=layout, lock=lock, replace_after=max(total, 1),
                                  history="resumed")
        try:
            writer.copy_frames(src, frames)
            writer.checkpoint(state)
        except BaseException:
            writer._abandon()
            raise
    return writer
