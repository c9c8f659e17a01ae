"""``cgle.run``: configuration in, trajectory file out.

Builds the problem, the stepper and the initial state, opens the writer and drives
:func:`cgle.integrate.integrate`; records how the run ended in the file.
"""

import hashlib
import json
import math
import os
import signal
from pathlib import Path

import numpy as np

from cgle import __version__
from cgle.config import dump_yaml, load_config, physics_hash_data
from cgle.errors import BlowUp
from cgle.forcing import make_forcing
from cgle.initial import initial_condition
from cgle.integrate import StopRequested, integrate
from cgle.model import build
from cgle.output import OutputError, TrajectoryWriter, open_trajectory
from cgle.steppers import make_stepper


class RunFailed(RuntimeError):
    """The run stopped early; ``path`` holds every frame written before, with
    ``status`` "failed" (or "interrupted") and this message."""

    def __init__(self, message, path, status="failed", signum=None):
        super().__init__(message)
        self.path = path
        self.status = status
        self.signum = signum


class RunExists(RuntimeError):
    """The output file holds a run that would be lost by starting again."""


def config_hash(cfg):
    """Hash of everything in the config that determines the trajectory."""
    text = json.dumps(physics_hash_data(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_existing(path, overwrite):
    if not path.exists() or overwrite:
        return
    try:
        traj = open_trajectory(path)
        status = traj.status
    except OSError:
        return  # not a trajectory we can read: replaced below
    if status == "complete":
        raise RunExists(f"{path} already holds a complete run; pass --overwrite (overwrite=True) to replace it")
    if status in ("interrupted", "running"):
        raise RunExists(
            f"{path} holds an unfinished run (status {status}); continue it with --resume "
            f"(resume=True) or replace it with --overwrite"
        )


class _Signals:
    """SIGINT/SIGTERM set a flag; the loop stops after the current step."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.received = None
        self._old = {}

    def __enter__(self):
        if self.enabled:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        self.received = signum

    def __exit__(self, *exc):
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        return False

    def stop_requested(self):
        return self.received is not None


def run(config, output=None, *, overwrite=False, progress=None, handle_signals=False):
    """Run a configuration and write its trajectory.

    Parameters
    ----------
    config : Config, str, path or dict
        The run configuration (a YAML path is loaded and validated).
    output : path, optional
        Trajectory file; default ``output.path`` or ``runs/<name>.h5``.
    overwrite : bool
        Replace an existing complete or unfinished run.
    progress : callable(step, t), optional
        Called after every step.
    handle_signals : bool
        Catch SIGINT/SIGTERM: finish the step, checkpoint, mark "interrupted".

    Returns
    -------
    Path of the trajectory file.

    Raises
    ------
    RunFailed
        On blow-up or interruption; the file keeps every frame written before.
    """
    cfg = load_config(config)
    path = Path(output) if output is not None else cfg.output_path
    _check_existing(path, overwrite)

    prob = build(cfg)
    stepper = make_stepper(cfg.time.scheme, prob)
    forcing = make_forcing(cfg.forcing, prob)
    q0 = initial_condition(cfg, prob)
    v = prob.to_state(q0)
    max_amp = cfg.time.max_amplitude
    if max_amp is None:
        max_amp = 1e6 * max(1.0, float(np.max(np.abs(q0))))

    coords = {"x": prob.x} if cfg.ndim == 1 else {"x": prob.x, "y": prob.y}
    attrs = {
        "cgle_version": __version__,
        "config": dump_yaml(cfg),
        "config_hash": config_hash(cfg),
        "scheme": cfg.time.scheme,
        "dt": cfg.time.dt,
        "t_end": cfg.time.t_end,
        "basis": cfg.grid.basis,
    }
    if prob.scale is not None:
        attrs["hermite_scale"] = prob.scale
    if forcing is not None:
        attrs["forcing_seed"] = forcing.seed
    writer = TrajectoryWriter(path, coords, prob.weights, attrs, cfg.output.fields, cfg.output.compression)
    dt = cfg.time.dt
    frames_per_checkpoint = int(round((cfg.output.checkpoint_every or cfg.output.every) / cfg.output.every))

    def write(step, t, state):
        q = prob.to_physical(state)
        writer.append(t, q, prob.energy(q))
        if (writer.nframes - 1) % frames_per_checkpoint == 0:
            writer.checkpoint({"v": state, "step": step, "t": t, "dt": dt, **stepper.get_state(),
                               **(forcing.get_state() if forcing is not None else {})})

    status, message = "complete", ""
    try:
        with _Signals(handle_signals) as signals:
            write(0, 0.0, v)
            stepper.reset()
            integrate(
                prob, stepper, v, t_end=cfg.time.t_end, dt=dt, every=cfg.output.every, step=0,
                max_amplitude2=max_amp**2, on_frame=write, on_step=progress,
                should_stop=signals.stop_requested, forcing=forcing,
            )
    except BlowUp as err:
        status, message = "failed", str(err)
    except StopRequested as stop:
        step, t = stop.args
        writer.checkpoint({"v": v, "step": step, "t": t, "dt": dt, **stepper.get_state(),
                           **(forcing.get_state() if forcing is not None else {})})
        name = signal.Signals(signals.received).name
        status = "interrupted"
        message = (f"interrupted by {name} at t = {t:g} (step {step}); a checkpoint was written: "
                   f"continue with `cgle run CONFIG --resume`")
    except OutputError:
        writer._abandon()
        raise
    except BaseException as err:
        writer.close("failed", f"stopped by {type(err).__name__}: {err}")
        raise
    writer.close(status, message)
    if status != "complete":
        raise RunFailed(message, path, status, signals.received)
    return path
