"""Sweep files: a base config, the keys to vary, and the runs they expand to.

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
run file's config hash (:func:`cgle.workflow.runner.config_hash`) with the run's config.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cgle.config import TOP_LEVEL as CONFIG_SECTIONS
from cgle.config import Config, ConfigError, load_config, read_yaml, to_dict, with_values
from cgle.config.fields import integer, lookup, name_text, real, text

SWEEP_KEYS = ("name", "base", "set", "vary", "zip", "repeat", "retries", "directory", "max_runs")
# a sweep of more runs than this is refused before it is expanded (sweep key max_runs)
DEFAULT_MAX_RUNS = 10000
REPEAT_KEYS = ("count", "seed_key", "first_seed")
RANGE_KEYS = ("start", "stop", "num")
DEFAULT_RETRIES = 2

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9.+=,_-]")

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


def _value_list(key, raw, max_runs=DEFAULT_MAX_RUNS):
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
        if num > max_runs:
            raise ConfigError(f"{key}.num", f"makes more runs than max_runs = {max_runs} allows; raise max_runs in "
                              "the sweep file if you mean it", num)
        # 12 significant digits: 0.1 + 2 * 0.05 is stored (and named) as 0.2
        return [float(f"{v:.12g}") for v in np.linspace(start, stop, num)]
    if not isinstance(raw, (list, tuple)) or len(raw) == 0:
        raise ConfigError(key, "must be a non-empty list of values or a range {start, stop, num}", raw)
    for i, v in enumerate(raw):
        if isinstance(v, dict):
            raise ConfigError(f"{key}[{i}]", "must be a value (number, string or list), not a mapping", v)
    return list(raw)


def _resolve(base, key, values, where, distinct=True):
    """Validate each value of ``key`` against ``base``; return the parsed values (which
    must be ``distinct``)."""
    resolved = []
    for value in values:
        try:
            cfg = with_values(base, {key: value})
        except ConfigError as err:
            raise _rekey(err, where, same_key=key) from None
        resolved.append(lookup(to_dict(cfg), key, value))
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


def make_run_id(params: dict[str, object]) -> str:
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


def load_sweep(source: Sweep | str | os.PathLike | dict, base_dir: str | os.PathLike | None = None,
               overrides: dict | None = None) -> Sweep:
    """Read, validate and expand a sweep file.

    Parameters
    ----------
    source : str, os.PathLike, dict or Sweep
        A YAML file path or the parsed mapping (see the module docstring).
    base_dir : str, optional
        Directory a relative ``base`` path refers to (default: the sweep file's
        directory, or the current directory for a mapping).
    overrides : dict, optional
        Dotted config keys fixed for every run on top of the file's ``set`` entries
        (``cgle sweep --set KEY=VALUE``).

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
    if "base" not in data and any(k in data for k in ("grid", "equation", "flow", "time")):
        raise ConfigError("", "this is a run config, not a sweep file (it has no `base`): run it with "
                          "`cgle run FILE`", show_value=False)
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
    updates.update({_dotted_key("--set", k): v for k, v in (overrides or {}).items()})
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

    max_runs = integer(ge=1)("max_runs", data.get("max_runs", DEFAULT_MAX_RUNS))
    for key, raw in _mapping("vary", data.get("vary")).items():
        _dotted_key("vary", key)
        claim("vary", key)
        values = _resolve(base, key, _value_list(f"vary.{key}", raw, max_runs), f"vary.{key}")
        axes.append(((key,), [(v,) for v in values]))

    zipped = _mapping("zip", data.get("zip"))
    if zipped:
        columns, length, first = [], None, None
        for key, raw in zipped.items():
            _dotted_key("zip", key)
            claim("zip", key)
            values = _resolve(base, key, _value_list(f"zip.{key}", raw, max_runs), f"zip.{key}", distinct=False)
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
        count = integer(ge=1, le=max_runs)("repeat.count", rep.get("count", 1))
        first_seed = integer(ge=0)("repeat.first_seed", rep.get("first_seed", 0))
        seed_key = rep.get("seed_key", "initial.seed")
        if not isinstance(seed_key, str) or not _DOTTED.match(seed_key):
            raise ConfigError("repeat.seed_key", "must be a dotted config key such as initial.seed", seed_key)
        if seed_key in used:
            raise ConfigError("repeat.seed_key", f"is already given in {used[seed_key]}", seed_key)
        seeds = _resolve(base, seed_key, list(range(first_seed, first_seed + count)), "repeat.seed_key")
        axes.append(((seed_key,), [(s,) for s in seeds]))

    total = math.prod(len(values) for _, values in axes)
    if total > max_runs:
        sizes = " x ".join(str(len(values)) for _, values in axes)
        raise ConfigError("vary", f"expands to {sizes} = {total} runs, more than max_runs = {max_runs}; raise "
                          "max_runs in the sweep file if you mean it", show_value=False)
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
