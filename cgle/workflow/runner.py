"""``cgle.run``: configuration in, trajectory file out.

Builds the problem, the stepper and the initial state, opens the writer and drives
:func:`cgle.integrate.integrate`; records how the run ended in the file.
"""

import hashlib
import json
import signal
import socket
import time
from pathlib import Path

import numpy as np

from cgle._version import __version__
from cgle.config import dump_yaml, load_config, physics_hash_data
from cgle.config.attributes import config_attributes
from cgle.errors import BlowUp, StepLimit
from cgle.integrate import StopRequested, integrate
from cgle.io import DiskFull, Locked, OutputError, TrajectoryWriter, WriterLock, check_free_space, open_trajectory
from cgle.problem import build_problem, kernels
from cgle.problem.forcing import make_forcing
from cgle.problem.initial import initial_condition
from cgle.steppers import make_stepper, precheck
from cgle.threads import blas_threads
from cgle.workflow import resources
from cgle.workflow.resume import RunExists, check_state, restore, resume_point, resumed_writer

# the generator state of the forcing, as JSON text, fits in this many bytes
RNG_STATE_BYTES = 1024


class RunFailed(RuntimeError):
    """The run stopped early; ``path`` holds every frame written before, with
    ``status`` "failed" (or "interrupted") and this message."""

    def __init__(self, message, path, status="failed", signum=None):
        super().__init__(message)
        self.path = path
        self.status = status
        self.signum = signum


def config_hash(cfg):
    """Hash of everything in the config that determines the trajectory."""
    text = json.dumps(physics_hash_data(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_existing(path, overwrite):
    """Refuse to start afresh over a run that would be lost (the caller holds the lock)."""
    if not path.exists() or overwrite:
        return
    try:
        attrs = open_trajectory(path).live_attrs()
    except OSError:
        raise RunExists(f"{path} exists and is not a readable cgle trajectory; pass --overwrite to replace it") from None
    status = attrs.get("status")
    if status == "complete":
        raise RunExists(f"{path} already holds a complete run; pass --overwrite (overwrite=True) to replace it")
    if status in ("interrupted", "running"):
        state = "was interrupted" if status == "interrupted" else "was killed while running"
        raise RunExists(
            f"{path} holds an unfinished run (it {state}); continue it with --resume "
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


def run(config, output=None, *, resume=False, overwrite=False, progress=None, handle_signals=False):
    """Run a configuration and write its trajectory.

    BLAS runs under the thread policy of :mod:`cgle.threads` (one thread unless
    ``CGLE_THREADS`` says otherwise): the products of a step are small and memory-bound,
    and on a loaded 2-core machine a threaded BLAS made the forum set-up 7x and
    supercritical steps ~25x slower (measured: 0.47 vs 0.018 ms/step).

    Parameters
    ----------
    config : Config, str, path or dict
        The run configuration (a YAML path is loaded and validated).
    output : path, optional
        Trajectory file; default ``output.path`` or ``runs/<name>.h5``.
    resume : bool
        Continue the run in ``output`` from its last checkpoint: frames written after it
        are dropped and recomputed, and the trajectory is bitwise identical to an
        uninterrupted run. Refused if the config changed in a way that matters.
        A complete file is left as it is (unless ``time.t_end`` grew: then it is extended).
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
    RunExists
        When the output file holds a run that starting afresh would destroy, or a
        resume is impossible (no file, no checkpoint, changed config).
    """
    with blas_threads():
        return _run(config, output, resume, overwrite, progress, handle_signals)


def _run(config, output, resume, overwrite, progress, handle_signals):
    cfg = load_config(config)
    path = Path(output) if output is not None else cfg.output_path
    # refuse at once a run that needs more steps, memory or disk than limits: allows, or
    # whose whole (uncompressed) trajectory cannot fit on the disk
    needs = resources.check(cfg, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the output directory {path.parent}: {err.strerror or err}") from None
    try:
        lock = WriterLock(path).acquire("resume" if resume else "write")
    except Locked as err:
        raise RunExists(str(err)) from None
    try:
        return _run_locked(cfg, path, needs, lock, resume, overwrite, progress, handle_signals)
    finally:
        lock.release()


def _checkpoint_layout(prob, stepper, forcing, loop):
    """Every entry a checkpoint of this run may hold: name -> (shape, dtype)."""
    layout = {"state": (tuple(prob.shape), np.dtype(complex)), "t": ((), np.dtype(float)),
              "step": ((), np.dtype(np.int64)), "dt": ((), np.dtype(float))}
    layout.update({f"stepper.{k}": v for k, v in stepper.checkpoint_layout().items()})
    if forcing is not None:
        layout.update({f"forcing.{k}": ((), np.dtype(f"S{RNG_STATE_BYTES}")) for k in forcing.get_state()})
    if loop is not None:
        layout.update({f"{loop.PREFIX}.{k}": v for k, v in loop.checkpoint_layout().items()})
    return layout


def _run_locked(cfg, path, needs, lock, resume, overwrite, progress, handle_signals):
    if resume:
        found = resume_point(cfg, path, config_hash(cfg))
        if found is None:
            return path
    else:
        _check_existing(path, overwrite)
    check_free_space(path, needs.disk)
    if cfg.control is not None:  # imported here: only closed-loop runs load cgle.control
        from cgle.control.simulation import make_closed_loop, plant_config

        # a closed-loop run with control.plant linear drops the cubic term
        prob = build_problem(plant_config(cfg))
    else:
        prob = build_problem(cfg)
    # NumPy or numba kernels, from the work the run will do (the same choice on resume)
    kernels.choose(int(np.prod(prob.shape)), cfg.time.t_end / cfg.time.dt)
    stepper = make_stepper(cfg.time.scheme, prob, rtol=cfg.time.rtol, atol=cfg.time.atol)
    forcing = make_forcing(cfg.forcing, prob)
    # the compensator, disturbances and sensor noise of a closed-loop run (control:)
    loop = None if cfg.control is None else make_closed_loop(cfg, prob)
    layout = _checkpoint_layout(prob, stepper, forcing, loop)
    dt = cfg.time.dt
    frames_per_checkpoint = int(round((cfg.output.checkpoint_every or cfg.output.every) / cfg.output.every))

    if resume:
        traj, state, frames = found
        v = check_state(path, state, prob)
        restore(path, stepper, _unprefix(state, "stepper."), "stepper")
        if forcing is not None:
            restore(path, forcing, _unprefix(state, "forcing."), "forcing")
        if loop is not None:
            restore(path, loop, _unprefix(state, f"{loop.PREFIX}."), "control")
        step, t = int(state["step"]), float(state["t"])
        initial_max_abs = float(traj.attrs.get("initial_max_abs", np.max(np.abs(prob.to_physical(v)))))
        writer = resumed_writer(path, traj, state, frames, layout, lock)
    else:
        q0 = initial_condition(cfg, prob)
        v = prob.to_state(q0)
        if cfg.time.rtol is None:
            # dt-stability pre-check: time.precheck error raises UnstableTimeStep, warn warns, off skips
            precheck.enforce(prob, stepper, dt, v, cfg.time.precheck)
        step, t = 0, 0.0
        initial_max_abs = float(np.max(np.abs(q0)))
        coords = {"x": prob.x} if cfg.ndim == 1 else {"x": prob.x, "y": prob.y}
        attrs = {
            "title": f"cgle run {cfg.name}",
            "source": f"cgle {__version__}",
            "cgle_version": __version__,
            "config": dump_yaml(cfg),
            "config_hash": config_hash(cfg),
            "scheme": cfg.time.scheme,
            "dt": cfg.time.dt,
            "t_end": cfg.time.t_end,
            "basis": cfg.grid.basis,
            "host": socket.gethostname(),
            "initial_max_abs": initial_max_abs,
            "resumes": 0,
            **config_attributes(cfg),
        }
        if prob.scale is not None:
            attrs["hermite_scale"] = prob.scale
        if forcing is not None:
            attrs["forcing_seed"] = forcing.seed
        if cfg.initial.kind == "noise":
            attrs["initial_seed"] = cfg.initial.seed
        series = tuple(_diagnostics(prob, q0)) if "diagnostics" in cfg.output.fields else ()
        if loop is not None:
            loop.start(v)
            series += loop.series_names()
        writer = TrajectoryWriter(path, coords, prob.weights, attrs, cfg.output.fields, cfg.output.compression,
                                  series=series, checkpoint_layout=layout, lock=lock,
                                  history=f"created by cgle {__version__}")
    max_amp = _max_amplitude(cfg, initial_max_abs)

    def save_checkpoint(step, t, state):
        data = {"state": state, "step": step, "t": t, "dt": dt}
        data.update({f"stepper.{k}": val for k, val in stepper.get_state().items()})
        if forcing is not None:
            data.update({f"forcing.{k}": val for k, val in forcing.get_state().items()})
        if loop is not None:
            data.update({f"{loop.PREFIX}.{k}": val for k, val in loop.get_state().items()})
        writer.checkpoint(data)

    diagnosed = "diagnostics" in cfg.output.fields

    def write(step, t, state):
        q = prob.to_physical(state)
        values = dict(_diagnostics(prob, q)) if diagnosed else {}
        if loop is not None:
            values.update(loop.signals())  # the sensor reading at t and the input over the next step
        writer.append(t, q, prob.energy(q), values or None)
        if (writer.nframes - 1) % frames_per_checkpoint == 0:
            save_checkpoint(step, t, state)

    status, message, timing = "complete", "", {}
    try:
        with _Signals(handle_signals) as signals:
            if not resume:
                stepper.reset()
                write(0, 0.0, v)
            first_step, loop_started = step, time.perf_counter()
            step, t = integrate(
                prob, stepper, v, t_end=cfg.time.t_end, dt=dt, every=cfg.output.every, step=step, t=t,
                max_amplitude2=max_amp**2, on_frame=write, on_step=progress,
                should_stop=signals.stop_requested, forcing=forcing if loop is None else loop,
                max_steps=cfg.limits.max_steps,
            )
            # wall time of the time loop alone (frames included), for the summary line
            timing = {"loop_seconds": time.perf_counter() - loop_started, "loop_steps": step - first_step}
            # the final state, so that a longer t_end can continue from here
            save_checkpoint(step, t, v)
    except BlowUp as err:
        status, message = "failed", str(err)
    except StepLimit as err:
        # a valid state: checkpoint it, so that a run with a larger limit continues from here
        message, (step, t) = err.args[0], err.args[1:]
        save_checkpoint(step, t, v)
        status = "failed"
    except FloatingPointError as err:
        # an adaptive scheme whose step size fell below what double precision resolves
        status, message = "failed", f"the run stopped at t = {t:g}: {err}"
    except StopRequested as stop:
        step, t = stop.args
        save_checkpoint(step, t, v)
        name = signal.Signals(signals.received).name
        status = "interrupted"
        message = (f"interrupted by {name} at t = {t:g} (step {step}); a checkpoint was written: "
                   f"continue with `cgle run CONFIG --resume`")
    except DiskFull as err:
        # the last checkpoint is on disk already; writing another could fail
        status = "failed"
        message = f"{err}; stopped before writing more: free some space and continue with `cgle run CONFIG --resume`"
    except OutputError as err:
        writer._abandon(str(err))
        raise
    except BaseException as err:
        writer.close("failed", f"stopped by {type(err).__name__}: {err}", history=f"failed: {type(err).__name__}")
        raise
    placed = writer.close(status, message, timing, history=status if status != "complete" else "completed")
    if not placed:
        # a resume that stopped before it caught up: the file it continued is unchanged
        message += (f" (the resumed run stopped before it had as many frames as {path}, which is left as it was)")
    if status != "complete":
        raise RunFailed(message, path, status, signals.received)
    return path


def _diagnostics(prob, q):
    """Per-frame diagnostics of a periodic field (mean |A|^2, defects, correlation length)."""
    from cgle.analysis.diagnostics import frame_diagnostics

    return frame_diagnostics(q, prob.spacing)


def _max_amplitude(cfg, initial_max_abs):
    """The growth bound on max|q|: time.max_amplitude, or 1e6 * max(1, max|q0|)."""
    if cfg.time.max_amplitude is not None:
        return cfg.time.max_amplitude
    return 1e6 * max(1.0, initial_max_abs)


def _unprefix(state, prefix):
    return {k[len(prefix):]: val for k, val in state.items() if k.startswith(prefix)}
