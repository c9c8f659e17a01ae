"""Parameter sweeps: a sweep file expands to runs, which dask.distributed executes.

The sweep file (YAML, or the same data as a mapping)::

    name: mu0_cu                     # runs go to runs/<name>/<run-id>.h5 (+ manifest.csv)
    base: gl_supercritical.yaml      # a config path (relative to this file) or an inline mapping
    set:                             # optional: dotted keys fixed for every run
      time.t_end: 600.0
    vary:                            # dotted keys; the runs are the product of all entries
      flow.mu0: [0.36, 0.38, 0.40]
      flow.cu: {start: 0.1, stop: 0.3, num: 5}   # numpy.linspace(start, stop, num)
    zip:                             # optional: keys varied together (lists of one length),
      time.dt: [0.1, 0.05]           #   one more axis of the product
      output.every: [1.0, 0.5]
    repeat: {count: 4, seed_key: initial.seed, first_seed: 0}   # optional ensembles
    retries: 2                       # optional: reruns of a run whose worker process died
    directory: runs/mu0_cu           # optional; default runs/<name> (relative to the cwd)

Order of the runs: the ``vary`` keys as written (the first varies slowest), then the
``zip`` group, then the repeat seeds (fastest). Every value is validated once, against the
base config with the ``set`` entries applied, and every combination is validated as a whole;
errors name the sweep-file key: ``config error at vary.flow.mu0: must be a real number
(got 'x')``.

Run ids are stable functions of the parameters alone: a readable part ``cu=0.2_mu0=0.4``
(keys sorted; last key component, or the whole dotted key where two would clash) and the first 10 hex
digits of the SHA-256 of the canonical JSON of the resolved parameters (``{"flow.cu": 0.2,
"flow.mu0": 0.4}``; values after the config parsers, so 1 and 1.0 give one id). The base
config does not enter the id: a changed base is caught by ``--resume``, which compares the
run file's config hash (:func:`cgle.runner.config_hash`) with the run's config.

Execution (:func:`run_sweep`): by default a :class:`distributed.LocalCluster` with one
single-threaded worker process per core (:func:`local_cluster`); with ``scheduler=`` an
existing cluster. Each task runs :func:`execute_run`, which caps BLAS/OpenMP (threadpoolctl)
and numba threads at 1, calls :func:`cgle.run` and returns one manifest row. Faults:

- a run that raises (blow-up, bad initial data, ...) returns status "failed" with its
  message; the sweep goes on;
- a worker process that dies while running a run (killed, out of memory, segfault) makes
  dask raise ``KilledWorker``; the run is resubmitted up to ``retries`` times, then
  recorded "failed" with a message saying so. Runs are handed to the scheduler no faster
  than there are worker threads, so no run waits on a worker behind another and is
  charged with that one's death. On the local cluster the scheduler's
  ``allowed-failures`` is 0, so each death counts once; an external scheduler may itself
  retry up to its own ``distributed.scheduler.allowed-failures`` before reporting one;
- the manifest lists every run from the start (status "pending") and is rewritten
  atomically (temporary file, fsync, ``os.replace``) after every finished run, so a
  killed sweep leaves a manifest that says exactly which runs are done;
- ``resume=True`` skips runs whose *file* says "complete" for this run's config (status
  attribute and config hash), whatever the manifest says, and redoes all the others.

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

import asyncio
import collections
import concurrent.futures
import contextlib
import csv
import dataclasses
import hashlib
import itertools
import json
import logging
import math
import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cgle.config import Config, ConfigError, format_complex, integer, load_config, name_text, real, text, to_dict
from cgle.config import TOP_LEVEL as CONFIG_SECTIONS
from cgle.config import read_yaml, with_values
from cgle.output import open_trajectory
from cgle.runner import RunFailed, config_hash
from cgle.runner import run as run_config

SWEEP_KEYS = ("name", "base", "set", "vary", "zip", "repeat", "retries", "directory")
REPEAT_KEYS = ("count", "seed_key", "first_seed")
RANGE_KEYS = ("start", "stop", "num")
DEFAULT_RETRIES = 2
MANIFEST_NAME = "manifest.csv"
RESULT_COLUMNS = (
    "status", "attempts", "wall_time_s", "lambda0_real", "lambda0_imag", "final_energy",
    "saturated_amplitude", "t_final", "frames", "file", "worker", "message",
)
FIGURE_COLUMNS = ("lambda0_real", "lambda0_imag", "final_energy", "saturated_amplitude", "t_final", "frames")
# Environment of every worker process of the local cluster, set before it starts, so
# that BLAS, OpenMP and numba start with one thread each.
THREAD_CAPS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9.+=,_-]")


class SweepExists(RuntimeError):
    """The sweep directory already holds a manifest that a fresh start would replace."""


class SchedulerError(RuntimeError):
    """The dask scheduler given by address cannot be reached."""


# --------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class SweepRun:
    """One member of a sweep.

    Attributes
    ----------
    run_id : str
        Stable identifier (file name without ``.h5``).
    params : dict
        Dotted key -> resolved value (as the config parsers return it).
    config : Config
        The validated run configuration (``name`` is the run id).
    """

    run_id: str
    params: dict
    config: Config


@dataclass(frozen=True)
class Sweep:
    """An expanded sweep.

    Attributes
    ----------
    name : str
    directory : Path
        Default output directory (``runs/<name>`` unless the file says otherwise).
    keys : tuple of str
        The varied dotted keys, in manifest column order.
    runs : tuple of SweepRun
        In execution order.
    retries : int
        Resubmissions of a run whose worker process died.
    base : Config
        The base config with the ``set`` entries applied.
    """

    name: str
    directory: Path
    keys: tuple
    runs: tuple
    retries: int = DEFAULT_RETRIES
    base: Config = field(default=None, repr=False)


def _rule(err):
    """The text of a ConfigError after ``config error at KEY: ``."""
    message = str(err)
    return message.split(": ", 1)[1] if ": " in message else message


def _rekey(err, key, *, same_key):
    """A ConfigError about config key ``same_key``, re-reported at sweep-file key ``key``;
    an error at another config key is quoted whole."""
    rule = _rule(err) if err.key == same_key else f"makes the config invalid: {err}"
    return ConfigError(key, rule, show_value=False)


def _dotted_key(where, key):
    if not isinstance(key, str) or not _DOTTED.match(key):
        raise ConfigError(f"{where}.{key}", "must be a dotted config key such as flow.mu0", key)
    section = key.split(".", 1)[0]
    if section not in CONFIG_SECTIONS or section == "name":
        allowed = ", ".join(s for s in CONFIG_SECTIONS if s != "name")
        raise ConfigError(f"{where}.{key}", f"must start with a config section ({allowed})", key)
    if key == "output.path":
        raise ConfigError(f"{where}.{key}", "is set by the sweep (<directory>/<run-id>.h5)", key)
    return key


def _mapping(key, value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(key, "must be a mapping", value)
    return value


def _value_list(key, raw):
    """The values of one varied key: a list, or a range {start, stop, num}."""
    if isinstance(raw, dict):
        for k in raw:
            if k not in RANGE_KEYS:
                raise ConfigError(f"{key}.{k}", "unknown key; a range has keys start, stop, num", raw[k])
        for k in RANGE_KEYS:
            if k not in raw:
                raise ConfigError(f"{key}.{k}", "is required in a range {start, stop, num}", None, show_value=False)
        start = real()(f"{key}.start", raw["start"])
        stop = real()(f"{key}.stop", raw["stop"])
        num = integer(ge=1)(f"{key}.num", raw["num"])
        # 12 significant digits: 0.1 + 2 * 0.05 is stored (and named) as 0.2
        return [float(f"{v:.12g}") for v in np.linspace(start, stop, num)]
    if not isinstance(raw, (list, tuple)) or len(raw) == 0:
        raise ConfigError(key, "must be a non-empty list of values or a range {start, stop, num}", raw)
    for i, v in enumerate(raw):
        if isinstance(v, dict):
            raise ConfigError(f"{key}[{i}]", "must be a value (number, string or list), not a mapping", v)
    return list(raw)


def _lookup(data, dotted, default):
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _resolve(base, key, values, where, distinct=True):
    """Validate each value of ``key`` against ``base``; return the parsed values (which
    must be ``distinct``)."""
    resolved = []
    for value in values:
        try:
            cfg = with_values(base, {key: value})
        except ConfigError as err:
            raise _rekey(err, where, same_key=key) from None
        resolved.append(_lookup(to_dict(cfg), key, value))
    if distinct:
        _check_distinct(where, resolved, values)
    return resolved


def _check_distinct(where, items, values):
    seen = set()
    for item in items:
        token = json.dumps(item, sort_keys=True)
        if token in seen:
            raise ConfigError(where, f"values must be distinct ({item!r} appears twice)", values)
        seen.add(token)


def _label_value(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ",".join(_label_value(v) for v in value)
    return str(value)


def make_run_id(params):
    """Stable run id for a parameter set: readable ``key=value`` parts and a hash.

    Parameters
    ----------
    params : dict
        Dotted key -> resolved value (JSON-serialisable).

    Returns
    -------
    str
        e.g. ``cu=0.2_mu0=0.4_1f0c3e9a4b`` (keys sorted, so the order of the keys in the
        sweep file does not matter); ``run_<hash>`` for no parameters. The hash is the first
        10 hex digits of SHA-256 of ``json.dumps(params, sort_keys=True)``.
    """
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
    keys = sorted(params)  # the order of the keys in the sweep file does not matter
    last = [k.rsplit(".", 1)[-1] for k in keys]
    names = [short if last.count(short) == 1 else key for key, short in zip(keys, last)]
    label = "_".join(f"{name}={_label_value(params[key])}" for name, key in zip(names, keys))
    label = _LABEL_UNSAFE.sub("_", label)[:100]
    return f"{label}_{digest}" if label else f"run_{digest}"


def _load_base(raw, base_dir):
    if raw is None:
        raise ConfigError("base", "is required: a config path or an inline mapping", None, show_value=False)
    if isinstance(raw, dict):
        try:
            return load_config(raw, base_dir=base_dir)
        except ConfigError as err:
            raise ConfigError(f"base.{err.key}" if err.key else "base", _rule(err), show_value=False) from None
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError("base", "must be a config path or an inline mapping", raw)
    path = Path(base_dir) / raw
    if not path.is_file():
        raise ConfigError("base", "config file not found", str(path))
    try:
        return load_config(path)
    except ConfigError as err:
        raise ConfigError(f"base.{err.key}" if err.key else "base", f"{_rule(err)} (in {path})",
                          show_value=False) from None


def load_sweep(source, base_dir=None):
    """Read, validate and expand a sweep file.

    Parameters
    ----------
    source : str, os.PathLike, dict or Sweep
        A YAML file path or the parsed mapping (see the module docstring).
    base_dir : str, optional
        Directory a relative ``base`` path refers to (default: the sweep file's
        directory, or the current directory for a mapping).

    Returns
    -------
    Sweep

    Raises
    ------
    ConfigError
        Naming the sweep-file key (``vary.flow.mu0``, ``repeat.count``, ``base.time.dt``).
    FileNotFoundError
        When the sweep file does not exist.
    """
    if isinstance(source, Sweep):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        data = read_yaml(path, "sweep")
        base_dir = path.parent if base_dir is None else base_dir
        default_name = path.stem
    else:
        data = source
        base_dir = "." if base_dir is None else base_dir
        default_name = "sweep"
    if not isinstance(data, dict):
        raise ConfigError("", "a sweep file must be a mapping with keys " + ", ".join(SWEEP_KEYS), data)
    for key in data:
        if key not in SWEEP_KEYS:
            raise ConfigError(str(key), "unknown key; allowed keys are " + ", ".join(SWEEP_KEYS), data[key])
    name = name_text("name", data.get("name", default_name))
    retries = integer(ge=0)("retries", data.get("retries", DEFAULT_RETRIES))
    directory = Path(text("directory", data["directory"])) if data.get("directory") is not None \
        else Path("runs") / name

    base = _load_base(data.get("base"), base_dir)
    fixed = _mapping("set", data.get("set"))
    updates = {_dotted_key("set", k): v for k, v in fixed.items()}
    if updates:
        for key, value in updates.items():
            try:
                with_values(base, {key: value})
            except ConfigError as err:
                raise _rekey(err, f"set.{key}", same_key=key) from None
        try:
            base = with_values(base, updates)
        except ConfigError as err:
            raise ConfigError("set", f"together these entries make the config invalid: {err}",
                              show_value=False) from None

    # axes of the product: one per vary key, one for the zip group, one for the repeats
    axes = []  # list of (keys, list of value tuples)
    used = {k: "set" for k in updates}

    def claim(where, key):
        if key in used:
            raise ConfigError(f"{where}.{key}", f"is already given in {used[key]}", None, show_value=False)
        used[key] = where

    for key, raw in _mapping("vary", data.get("vary")).items():
        _dotted_key("vary", key)
        claim("vary", key)
        values = _resolve(base, key, _value_list(f"vary.{key}", raw), f"vary.{key}")
        axes.append(((key,), [(v,) for v in values]))

    zipped = _mapping("zip", data.get("zip"))
    if zipped:
        columns, length, first = [], None, None
        for key, raw in zipped.items():
            _dotted_key("zip", key)
            claim("zip", key)
            values = _resolve(base, key, _value_list(f"zip.{key}", raw), f"zip.{key}", distinct=False)
            if length is None:
                length, first = len(values), key
            elif len(values) != length:
                raise ConfigError(f"zip.{key}", f"must have {length} values like zip.{first}", raw)
            columns.append(values)
        combos = list(zip(*columns))
        _check_distinct("zip", [list(c) for c in combos], {k: list(c) for k, c in zip(zipped, columns)})
        axes.append((tuple(zipped), combos))

    if data.get("repeat") is not None:
        rep = _mapping("repeat", data["repeat"])
        for k in rep:
            if k not in REPEAT_KEYS:
                raise ConfigError(f"repeat.{k}", "unknown key; allowed keys are " + ", ".join(REPEAT_KEYS), rep[k])
        count = integer(ge=1)("repeat.count", rep.get("count", 1))
        first_seed = integer(ge=0)("repeat.first_seed", rep.get("first_seed", 0))
        seed_key = rep.get("seed_key", "initial.seed")
        if not isinstance(seed_key, str) or not _DOTTED.match(seed_key):
            raise ConfigError("repeat.seed_key", "must be a dotted config key such as initial.seed", seed_key)
        if seed_key in used:
            raise ConfigError("repeat.seed_key", f"is already given in {used[seed_key]}", seed_key)
        seeds = _resolve(base, seed_key, list(range(first_seed, first_seed + count)), "repeat.seed_key")
        axes.append(((seed_key,), [(s,) for s in seeds]))

    keys = tuple(k for axis_keys, _ in axes for k in axis_keys)
    runs, ids = [], {}
    for combo in itertools.product(*(values for _, values in axes)):
        params = dict(zip(keys, (v for group in combo for v in group)))
        try:
            cfg = with_values(base, params)
        except ConfigError as err:
            raise ConfigError("vary", f"the combination {params} makes the config invalid: {err}",
                              show_value=False) from None
        run_id = make_run_id(params)
        if run_id in ids:  # distinct values per key make this a hash collision
            raise ConfigError("vary", f"run id {run_id} is shared by {ids[run_id]} and {params}",
                              show_value=False)
        ids[run_id] = params
        runs.append(SweepRun(run_id, params, dataclasses.replace(cfg, name=run_id)))
    return Sweep(name=name, directory=directory, keys=keys, runs=tuple(runs), retries=retries, base=base)


# --------------------------------------------------------------------------- one run


@contextlib.contextmanager
def capped_threads():
    """BLAS/OpenMP thread pools (threadpoolctl) and numba limited to one thread."""
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        numba.set_num_threads(previous)


def leading_eigenvalue(cfg):
    """The eigenvalue of the discretised linear operator L of ``cfg`` with the largest
    real part (:func:`cgle.stability.leading_eigenvalue`)."""
    from cgle import stability
    from cgle.model import build

    return stability.leading_eigenvalue(build(cfg))


def trajectory_figures(path, tail=0.1):
    """Summary figures of a run file (see the module docstring for definitions).

    Parameters
    ----------
    path : path-like
        A trajectory written by :func:`cgle.run`.
    tail : float
        Fraction of the frames, at the end, over which the saturated amplitude
        (max_x |q|) is averaged; at least one frame.

    Returns
    -------
    dict with final_energy, saturated_amplitude, t_final, frames (NaN where the file
    does not hold the field).
    """
    traj = open_trajectory(path)
    t = traj.t
    n = len(t)
    figures = {"final_energy": math.nan, "saturated_amplitude": math.nan,
               "t_final": float(t[-1]) if n else math.nan, "frames": n}
    if n == 0:
        return figures
    try:
        figures["final_energy"] = float(traj.energy[-1])
        has_energy = True
    except KeyError:
        has_energy = False
    try:
        last = n - max(1, math.ceil(tail * n))
        amplitudes = [float(np.max(np.abs(traj.frame(i)))) for i in range(last, n)]
    except KeyError:
        return figures
    figures["saturated_amplitude"] = float(np.mean(amplitudes))
    if not has_energy:
        q = traj.frame(-1)
        # E = sum_j w_j |q_j|^2
        figures["final_energy"] = float(np.sum(traj.weights * (q.real**2 + q.imag**2)))
    return figures


def execute_run(run, path, progress=None):
    """Run one sweep member (on a worker) and return its manifest figures.

    Parameters
    ----------
    run : SweepRun
    path : str
        Output file; replaced if it exists (the driver decided it must be redone).
    progress : callable(step, t), optional
        Passed to :func:`cgle.run`.

    Returns
    -------
    dict
        ``status`` ("complete"/"failed"), ``message``, ``wall_time_s``, ``worker`` and
        the figures of :data:`FIGURE_COLUMNS`. A run that raises is reported here as
        "failed" with its message; this function itself raises only for
        ``BaseException`` (a dying process does not return at all).
    """
    row = {"status": "complete", "message": "", "worker": f"{socket.gethostname()}:{os.getpid()}"}
    row.update({k: math.nan for k in FIGURE_COLUMNS})
    with capped_threads():
        started = time.perf_counter()
        try:
            run_config(run.config, path, overwrite=True, progress=progress)
        except RunFailed as err:
            row.update(status="failed", message=str(err))
        except Exception as err:  # recorded in the manifest; the sweep goes on
            row.update(status="failed", message=f"{type(err).__name__}: {err}")
        row["wall_time_s"] = time.perf_counter() - started
        notes = []
        try:
            lam = leading_eigenvalue(run.config)
            row.update(lambda0_real=lam.real, lambda0_imag=lam.imag)
        except Exception as err:  # a figure we cannot compute is reported, not hidden
            notes.append(f"leading eigenvalue unavailable: {type(err).__name__}: {err}")
        try:
            row.update(trajectory_figures(path))
        except (OSError, KeyError) as err:
            notes.append(f"figures unavailable: {err}")
    if notes:
        row["message"] = "; ".join(filter(None, [row["message"], *notes]))
    return row


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


def write_manifest(path, rows, columns):
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


def read_manifest(path):
    """The rows of a manifest as dicts (numbers parsed; empty cells are None).

    ``pandas.read_csv(path)`` reads the same file directly.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest not found: {path}")
    with open(path, newline="") as fh:
        return [{k: _parse_cell(v) for k, v in row.items()} for row in csv.DictReader(fh)]


# --------------------------------------------------------------------------- execution


def default_workers():
    """Cores available to this process (affinity and cgroup quota respected)."""
    from dask.system import CPU_COUNT

    return CPU_COUNT


@contextlib.contextmanager
def _environ(values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def local_cluster(workers=None, **kwargs):
    """A :class:`distributed.LocalCluster` for sweeps.

    One worker process per core (``workers`` to choose), one thread each, every worker
    started with :data:`THREAD_CAPS` in its environment (dask's
    ``distributed.nanny.pre-spawn-environ``, so they hold before numpy and numba load).
    The scheduler counts a worker death against a task once (``allowed-failures: 0``;
    :func:`run_sweep` does the bounded retrying and hands the scheduler no more runs than
    there are worker threads, so a dying worker takes only its own run with it).

    Parameters
    ----------
    workers : int, optional
        Number of worker processes (default :func:`default_workers`).
    **kwargs
        Passed to LocalCluster.
    """
    import dask
    from distributed import LocalCluster

    n = default_workers() if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"workers must be an integer >= 1 (got {workers!r})")
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **THREAD_CAPS}
    settings = {
        "distributed.nanny.pre-spawn-environ": environ,
        "distributed.scheduler.allowed-failures": 0,
    }
    # the scheduler always serves HTTP (dashboard or health routes): on a free local port
    options = {"n_workers": n, "threads_per_worker": 1, "processes": True, "dashboard_address": "127.0.0.1:0",
               "silence_logs": logging.ERROR, **kwargs}
    # an exported OMP_NUM_THREADS etc. would win over the dask setting: override it
    # while the nannies read their environment
    with dask.config.set(settings), _environ(THREAD_CAPS):
        return LocalCluster(**options)


@contextlib.contextmanager
def _client(scheduler, workers, n_runs):
    from distributed import Client

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # a Client given by the caller
        return
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, asyncio.TimeoutError, ValueError) as err:
            raise SchedulerError(f"cannot connect to the dask scheduler at {scheduler}: {err}") from None
        with client:
            yield client
        return
    n = default_workers() if workers is None else workers
    with local_cluster(max(1, min(n, n_runs))) as cluster, Client(cluster) as client:
        yield client


@dataclass
class SweepResult:
    """What :func:`run_sweep` did: the manifest file, its rows, time and counts."""

    manifest: Path
    rows: list
    elapsed: float
    skipped: int

    @property
    def failed(self):
        return [row for row in self.rows if row["status"] != "complete"]


def _is_complete(path, cfg):
    """Does the run file hold a complete run of exactly this config?"""
    try:
        traj = open_trajectory(path)
        attrs = traj.live_attrs()
    except OSError:
        return False
    return attrs.get("status") == "complete" and attrs.get("config_hash") == config_hash(cfg)


def run_sweep(sweep, *, directory=None, scheduler=None, workers=None, resume=False, overwrite=False,
              retries=None, runner=None, on_result=None):
    """Run every member of a sweep on dask.distributed and write the manifest.

    Parameters
    ----------
    sweep : Sweep, path or dict
        The sweep (a file or mapping is read with :func:`load_sweep`).
    directory : path, optional
        Where run files and ``manifest.csv`` go (default ``sweep.directory``).
    scheduler : str or distributed.Client, optional
        Address of an existing scheduler (``tcp://host:8786``) or a connected client.
        Default: a :func:`local_cluster`, closed at the end.
    workers : int, optional
        Worker processes of the local cluster (default: one per core; never more than
        the runs to do).
    resume : bool
        Skip runs whose file is complete for this run's config; redo the rest.
    overwrite : bool
        Redo every run of an existing sweep directory.
    retries : int, optional
        Resubmissions of a run whose worker died (default: the sweep's ``retries``).
    runner : callable(run, path) -> dict, optional
        Executed on the workers for each run (default :func:`execute_run`).
    on_result : callable(row, done, total), optional
        Called in this process after each finished run, once the manifest is written.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepExists
        The directory holds a manifest and neither ``resume`` nor ``overwrite`` is set.
    SchedulerError
        ``scheduler`` cannot be reached.
    ImportError
        dask.distributed is not installed (``pip install cgle[sweep]``).
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    started = time.perf_counter()
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be an integer >= 1 (got {workers!r})")
    sweep = load_sweep(sweep)
    directory = Path(directory if directory is not None else sweep.directory)
    retries = sweep.retries if retries is None else integer(ge=0)("retries", retries)
    runner = execute_run if runner is None else runner
    manifest = directory / MANIFEST_NAME
    if manifest.exists() and not (resume or overwrite):
        raise SweepExists(f"{directory} already holds a sweep ({MANIFEST_NAME}); continue it with --resume "
                          f"(resume=True) or redo every run with --overwrite (overwrite=True)")
    directory.mkdir(parents=True, exist_ok=True)
    columns = ("run_id", *sweep.keys, *RESULT_COLUMNS)
    previous = {}
    if resume and manifest.is_file():
        previous = {row.get("run_id"): row for row in read_manifest(manifest)}

    rows, todo = {}, []
    for run in sweep.runs:
        path = directory / f"{run.run_id}.h5"
        row = {"run_id": run.run_id, **run.params, "status": "pending", "attempts": 0,
               "file": path.name, "message": ""}
        if resume and _is_complete(path, run.config):
            old = previous.get(run.run_id) or {}
            if old.get("status") == "complete":
                row.update({k: old.get(k) for k in RESULT_COLUMNS if k != "file"})
            else:  # complete file, stale manifest: the figures come from the file
                lam = leading_eigenvalue(run.config)
                row.update(status="complete", lambda0_real=lam.real, lambda0_imag=lam.imag,
                           **trajectory_figures(path))
        else:
            todo.append(run)
        rows[run.run_id] = row
    skipped = len(rows) - len(todo)
    write_manifest(manifest, rows.values(), columns)

    done = skipped
    if todo:
        with _client(scheduler, workers, len(todo)) as client:
            attempts = {}

            def submit(run):
                attempts[run.run_id] = attempts.get(run.run_id, 0) + 1
                key = f"cgle-sweep-{run.run_id}-{attempts[run.run_id]}-{os.getpid()}-{time.time_ns()}"
                return client.submit(runner, run, str((directory / f"{run.run_id}.h5").resolve()),
                                     key=key, pure=False, retries=0)

            # At most one run per worker thread is handed to the scheduler at a time: a run
            # queued behind another on a worker that dies would be charged with its death.
            queue = collections.deque(todo)
            in_flight = {}
            finished = as_completed()

            def top_up():
                capacity = max(1, sum(client.nthreads().values()))
                while queue and len(in_flight) < capacity:
                    run = queue.popleft()
                    future = submit(run)
                    in_flight[future] = run
                    finished.add(future)

            top_up()
            for future in finished:
                run = in_flight.pop(future)
                row = rows[run.run_id]
                try:
                    result = future.result()
                except KilledWorker as err:
                    if attempts[run.run_id] <= retries:
                        queue.appendleft(run)
                        top_up()
                        continue
                    worker = getattr(err.last_worker, "address", err.last_worker)
                    result = {"status": "failed", "message": (
                        f"the worker process running this run died {attempts[run.run_id]} time(s) "
                        f"(last on {worker}; killed, out of memory or crashed); retries = {retries} "
                        f"exhausted; the run file may hold a partial trajectory")}
                except (Exception, asyncio.CancelledError, concurrent.futures.CancelledError) as err:
                    result = {"status": "failed", "message": f"{type(err).__name__}: {err}"}
                finally:
                    future.release()
                row.update(result)
                row["attempts"] = attempts[run.run_id]
                done += 1
                write_manifest(manifest, rows.values(), columns)
                if on_result is not None:
                    on_result(row, done, len(rows))
                top_up()
    return SweepResult(manifest=manifest, rows=list(rows.values()), elapsed=time.perf_counter() - started,
                       skipped=skipped)
