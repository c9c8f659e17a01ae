"""A run configuration, read and written: YAML (or a mapping) <-> validated :class:`Config`.

Every default and every key's parser lives in :mod:`cgle.config.schema`; the checks
that relate sections to one another live here. The numerical code below trusts what it
is given.

Errors come in the order a reader meets the keys: each section present in the file is
checked on its own, in the file's order (absent sections take their defaults), and only
then the relations between sections; a relation that fails is reported at a key the
user wrote wherever there is one.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from cgle.config.control_rules import check_control
from cgle.config.fields import ConfigError, choice, format_complex, name_text, written
from cgle.config.schema import (
    ACTUATORS,
    CONTROL,
    DISTURBANCES,
    EQUATION,
    FLOW,
    FORCING,
    INITIAL_KINDS,
    LIMITS,
    OUTPUT,
    SENSORS,
    TIME,
    TOP_LEVEL,
    Actuators,
    Control,
    Disturbances,
    Equation,
    Flow,
    Forcing,
    Grid,
    Initial,
    Limits,
    Output,
    Sensors,
    Time,
)

SWEEP_KEYS = ("base", "vary", "zip", "repeat")


@dataclass(frozen=True)
class Config:
    """A validated run configuration: one frozen section per YAML section.

    Build it with :func:`load_config`; change it with :meth:`replace` (validated like
    the YAML).
    """

    name: str
    equation: Equation
    flow: object  # Flow or None: how the equation was given
    grid: Grid
    initial: Initial
    time: Time
    output: Output
    forcing: object = None  # Forcing or None
    actuators: object = None  # Actuators or None (inputs and outputs: cgle.control)
    sensors: object = None  # Sensors or None
    disturbances: object = None  # Disturbances or None
    control: object = None  # Control or None: a closed-loop run
    limits: Limits = field(default_factory=Limits)
    base_dir: str = "."  # directory relative paths in the config refer to

    @property
    def output_path(self):
        """``output.path``, or ``runs/<name>.h5`` when it is not given."""
        if self.output.path is not None:
            return Path(self.output.path)
        return Path("runs") / f"{self.name}.h5"

    @property
    def ndim(self):
        """Number of space dimensions (1 or 2)."""
        return len(self.grid.n)

    def replace(self, key=None, value=None, /, **more):
        """A new validated Config with dotted keys set, checked like the YAML.

        ``cfg.replace("grid.n", 300)``, ``cfg.replace({"flow.mu0": 0.4, "time.dt": 0.05})``
        or ``cfg.replace(**{"grid.n": 300})``; raises :class:`ConfigError` naming the key.
        """
        updates = dict(key) if isinstance(key, dict) else ({} if key is None else {key: value})
        updates.update(more)
        return with_values(self, updates)


# --------------------------------------------------------------------------- sections


def _mapping(data, key):
    """Section ``key`` of the config as a dict ({} when absent)."""
    raw = data.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a mapping", raw)
    return raw


def _section(data, key, schema, cls):
    """Parse mapping ``data[key]`` with ``schema`` into dataclass ``cls``."""
    values = {}
    for k, v in _mapping(data, key).items():
        if k not in schema:
            raise ConfigError(f"{key}.{k}", "unknown key; allowed keys are " + ", ".join(schema), v)
        values[k] = schema[k](f"{key}.{k}", v)
    return cls(**values)


GRID_KEYS = {
    "hermite": ("basis", "n", "scale"),
    "chebyshev": ("basis", "n", "domain"),
    "fourier": ("basis", "n", "length", "dealias"),
}
GRID_DEFAULT_N = {"hermite": 220, "chebyshev": 220, "fourier": 256}


def _parse_grid(data):
    raw = _mapping(data, "grid")
    basis = choice(*GRID_KEYS)("grid.basis", raw.get("basis", "hermite"))
    for k, v in raw.items():
        if k not in GRID_KEYS[basis]:
            raise ConfigError(f"grid.{k}", f"unknown key for basis {basis}; allowed keys are "
                              + ", ".join(GRID_KEYS[basis]), v)
    values = {k: v for k, v in raw.items() if k != "basis"}
    values.setdefault("n", GRID_DEFAULT_N[basis])
    # Grid checks each of its fields (scale, n, length, domain) as it is built
    return Grid(basis=basis, **values)


def _parse_initial(data):
    raw = _mapping(data, "initial")
    kind = choice(*INITIAL_KINDS)("initial.kind", raw.get("kind", "constant"))
    schema = INITIAL_KINDS[kind]
    values = {"kind": kind}
    for k, v in raw.items():
        if k == "kind":
            continue
        if k not in schema:
            raise ConfigError(f"initial.{k}", f"unknown key for kind {kind}; allowed keys are " + ", ".join(schema), v)
        values[k] = schema[k](f"initial.{k}", v)
    if kind == "file" and "path" not in values:
        raise ConfigError("initial.path", "is required for kind file", None)
    return values


def _parse_equation(data):
    if ("equation" in data) == ("flow" in data):
        raise ConfigError("equation", "give exactly one of `equation` and `flow`", None, show_value=False)
    if "flow" in data:
        flow = _section(data, "flow", FLOW, Flow)
        return flow, flow.equation()
    return None, _section(data, "equation", EQUATION, Equation)


# --------------------------------------------------------------------------- relations


def _equation_key(data, flow):
    return "flow.mu2" if flow is not None else "equation.mu"


def _aswritten(data, flow, mu):
    """The user's own value of the key that sets mu(x), for an error message."""
    if flow is not None:
        return data["flow"].get("mu2", flow.mu2)
    return data["equation"].get("mu", [format_complex(c) for c in mu])


def _check_grid_against_equation(data, flow, equation, grid):
    mu = equation.mu
    if grid.basis == "fourier" and any(c != 0 for c in mu[1:]):
        raise ConfigError(_equation_key(data, flow),
                          "must be a constant on a periodic (fourier) grid: mu(x) = mu0, one entry",
                          _aswritten(data, flow, mu))
    if grid.basis == "hermite" and grid.scale in ("auto", "ilak"):
        c2 = -mu[2] if len(mu) >= 3 else 0j
        if (len(mu) > 3 and any(c != 0 for c in mu[3:])) or c2 == 0:
            if written(data, "grid.scale"):
                raise ConfigError("grid.scale", f"'{grid.scale}' needs mu(x) = c1 - c2 x^2 with c2 != 0; give a "
                                  "number instead", grid.scale)
            raise ConfigError(_equation_key(data, flow), f"must be c1 - c2 x^2 with c2 != 0 for the default "
                              f"grid.scale '{grid.scale}' of a hermite grid; or give grid.scale a number",
                              _aswritten(data, flow, mu))


def _complete_initial(values, grid):
    """Defaults of the initial state that depend on the grid; the checks that do too."""
    kind = values["kind"]
    if kind == "plane_wave":
        if grid.basis != "fourier":
            raise ConfigError("initial.kind", "plane_wave needs grid.basis: fourier", kind)
        values.setdefault("amplitude", None)
        m = values.get("m", (0,))
        if len(m) == 1 and len(grid.n) == 2:
            m = (m[0], 0)
        if len(m) != len(grid.n):
            raise ConfigError("initial.m", f"must have {len(grid.n)} entries like grid.n", list(m))
        values["m"] = m
    if kind == "spiral":
        if grid.basis != "fourier" or len(grid.n) != 2:
            raise ConfigError("initial.kind", "spiral needs a 2D fourier grid", kind)
        values.setdefault("amplitude", 1.0)
        values["center"] = values.get("center", (grid.length[0] / 2, grid.length[1] / 2))
        values.setdefault("width", min(grid.length) / 8)
    if kind == "mode" and grid.basis == "fourier":
        raise ConfigError("initial.kind", "mode needs grid.basis hermite or chebyshev (the modes of a periodic "
                          "problem are Fourier modes: use plane_wave)", kind)
    if kind == "gaussian":
        values.setdefault("amplitude", 1.0)
    return Initial(**values)


def _is_multiple(a, b):
    k = round(a / b)
    return k >= 1 and abs(a - k * b) <= 1e-9 * max(abs(a), 1.0)


def _check_time_grid(time, output):
    """Frames land exactly on multiples of output.every; returns output.every."""
    from cgle.steppers import registry

    schemes = registry()
    if time.scheme not in schemes:
        raise ConfigError("time.scheme", "must be one of " + ", ".join(sorted(schemes)), time.scheme)
    stepper = schemes[time.scheme]
    if time.rtol is None and time.atol is not None:
        raise ConfigError("time.rtol", "is required when time.atol is given", time.rtol)
    adaptive = time.rtol is not None
    if adaptive and not getattr(stepper, "adaptive", False):
        adaptive_names = sorted(k for k, v in schemes.items() if getattr(v, "adaptive", False))
        raise ConfigError(
            "time.rtol",
            f"scheme {time.scheme} has fixed steps; adaptive schemes are " + (", ".join(adaptive_names) or "none"),
            time.rtol,
        )
    if time.dt > time.t_end:
        raise ConfigError("time.dt", f"must be <= time.t_end = {time.t_end:g}", time.dt)
    # step and frame numbers are counted exactly in floating point: at most 2^53
    for key, size, what in (("time.dt", time.dt, "steps"), ("output.every", output.every, "frames")):
        if size is not None and not time.t_end / size <= 2.0**53:
            # the key of the two whose value lies farther from 1 is the one most likely mistyped
            blamed = key if abs(math.log10(size)) > abs(math.log10(time.t_end)) else "time.t_end"
            raise ConfigError(blamed, f"time.t_end / {key} = {time.t_end:g} / {size:g} = {time.t_end / size:.3g} "
                              f"{what}; at most 2^53 {what} can be counted exactly",
                              time.t_end if blamed == "time.t_end" else size)
    every = output.every if output.every is not None else (time.t_end if adaptive else time.dt)
    if not adaptive and not _is_multiple(every, time.dt):
        raise ConfigError("output.every", f"must be a whole multiple of time.dt = {time.dt:g}", every)
    if not _is_multiple(time.t_end, every):
        raise ConfigError("time.t_end", f"must be a whole multiple of output.every = {every:g}", time.t_end)
    if output.checkpoint_every is not None and not _is_multiple(output.checkpoint_every, every):
        raise ConfigError(
            "output.checkpoint_every", f"must be a whole multiple of output.every = {every:g}", output.checkpoint_every
        )
    return every


OPTIONAL_SECTIONS = {"forcing": (FORCING, Forcing), "actuators": (ACTUATORS, Actuators),
                     "sensors": (SENSORS, Sensors), "disturbances": (DISTURBANCES, Disturbances),
                     "control": (CONTROL, Control)}


# --------------------------------------------------------------------------- reading


def read_yaml(path, what):
    """Parse a YAML file; a missing file is FileNotFoundError, broken YAML (or text
    that is not UTF-8) a ConfigError with the line and column."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} file not found: {path}")
    if not path.is_file():
        raise FileNotFoundError(f"{what} path is not a regular file: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError("", f"{path} is not UTF-8 text: byte {raw[err.start]:#04x} at line {line} cannot be "
                          "decoded", show_value=False) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError("", f"{path} is not valid YAML{where}: {getattr(err, 'problem', err)}",
                          show_value=False) from None


def apply_overrides(data, overrides):
    """Set dotted keys in the raw config mapping ``data`` (in place), e.g.
    ``{"grid.n": 300}``; a string value is read as a YAML scalar or list, as in a file."""
    for dotted, value in dict(overrides).items():
        parts = str(dotted).split(".")
        if not all(parts):
            raise ConfigError(str(dotted), "must be a dotted key such as grid.n", value)
        if isinstance(value, str):
            try:
                value = yaml.safe_load(value) if value.strip() else value
            except yaml.YAMLError:
                raise ConfigError(str(dotted), "must be a YAML value (number, string, list)", value) from None
        node = data
        for i, part in enumerate(parts[:-1]):
            if node.get(part) is None:
                node[part] = {}
            if not isinstance(node[part], dict):
                raise ConfigError(".".join(parts[: i + 1]), "is not a section, so it has no key "
                                  f"{parts[i + 1]!r}", node[part])
            node = node[part]
        node[parts[-1]] = _plain(value)
    return data


def load_config(source, base_dir=None, overrides=None):
    """Read and validate a configuration.

    Parameters
    ----------
    source : str, os.PathLike, dict or Config
        A YAML file path, or an already-parsed mapping.
    base_dir : str, optional
        Directory relative paths refer to (default: the YAML file's directory, or the
        current directory for a mapping).
    overrides : dict, optional
        Dotted keys to set before validation (``cgle run --set KEY=VALUE``), e.g.
        ``{"grid.n": 300}``; values are checked like the YAML and kept in the config.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        Naming the YAML key, the rule and the value.
    FileNotFoundError
        When the file does not exist.
    """
    if isinstance(source, Config):
        if not overrides:
            return source
        return with_values(source, overrides)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        data = read_yaml(path, "config")
        if base_dir is None:
            base_dir = str(path.parent)
        default_name = path.stem
    else:
        data = copy.deepcopy(source)
        default_name = "run"
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("", "the config must be a mapping of sections", data)
    if any(key in data for key in SWEEP_KEYS) and "grid" not in data:
        raise ConfigError("", "this is a sweep file (it has " + ", ".join(k for k in SWEEP_KEYS if k in data)
                          + "), not a run config: run it with `cgle sweep FILE`", show_value=False)
    if overrides:
        apply_overrides(data, overrides)
    for key in data:
        if key not in TOP_LEVEL:
            raise ConfigError(str(key), "unknown section; allowed are " + ", ".join(TOP_LEVEL), data[key])

    # each section on its own, in the order the file gives them
    order = [k for k in data if k in TOP_LEVEL] + [k for k in TOP_LEVEL if k not in data]
    parsed = {}
    for key in order:
        if key == "name":
            parsed["name"] = name_text("name", data.get("name", default_name))
        elif key in ("equation", "flow"):
            if "equation" not in parsed:
                parsed["flow"], parsed["equation"] = _parse_equation(data)
        elif key == "grid":
            parsed["grid"] = _parse_grid(data)
        elif key == "initial":
            parsed["initial"] = _parse_initial(data)
        elif key == "time":
            parsed["time"] = _section(data, "time", TIME, Time)
        elif key == "output":
            parsed["output"] = _section(data, "output", OUTPUT, Output)
        elif key == "forcing":
            parsed["forcing"] = _section(data, "forcing", FORCING, Forcing) if data.get("forcing") is not None else None
        elif key in OPTIONAL_SECTIONS:
            schema, cls = OPTIONAL_SECTIONS[key]
            parsed[key] = _section(data, key, schema, cls) if data.get(key) is not None else None
        elif key == "limits":
            parsed["limits"] = _section(data, "limits", LIMITS, Limits)

    # then how they fit together
    grid, output = parsed["grid"], parsed["output"]
    _check_grid_against_equation(data, parsed["flow"], parsed["equation"], grid)
    parsed["initial"] = _complete_initial(parsed["initial"], grid)
    every = _check_time_grid(parsed["time"], output)
    fields_ = output.fields
    if not written(data, "output.fields") and grid.basis == "fourier":
        fields_ = fields_ + ("diagnostics",)  # mean |A|^2, defects, correlation length per frame
    if "diagnostics" in fields_ and grid.basis != "fourier":
        raise ConfigError("output.fields", "diagnostics are computed on fourier grids only", list(fields_))
    parsed["output"] = Output(**{**output.__dict__, "every": every, "fields": fields_})
    if parsed["forcing"] is not None and grid.basis == "fourier":
        raise ConfigError("forcing", "white-noise forcing is available on hermite and chebyshev grids", "fourier")
    check_control(data, parsed, grid)
    return Config(base_dir=str(base_dir or "."), **parsed)


# --------------------------------------------------------------------------- writing back


def _plain(value):
    if isinstance(value, complex):
        return value.real if value.imag == 0 else format_complex(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _section_dict(obj, keys=None):
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj) if keys is None or f.name in keys}


def to_dict(cfg):
    """The fully resolved configuration as plain YAML-ready data (reloads to ``cfg``)."""
    data = {"name": cfg.name}
    if cfg.flow is not None:
        data["flow"] = _section_dict(cfg.flow)
    else:
        data["equation"] = _section_dict(cfg.equation)
    g = cfg.grid
    grid = {"basis": g.basis}
    if g.basis == "fourier":
        grid.update(n=_plain(g.n) if len(g.n) > 1 else g.n[0], length=_plain(g.length) if len(g.n) > 1 else g.length[0],
                    dealias=g.dealias)
    else:
        grid["n"] = g.n[0]
        grid.update({"scale": g.scale} if g.basis == "hermite" else {"domain": list(g.domain)})
    data["grid"] = grid
    data["initial"] = {"kind": cfg.initial.kind, **_section_dict(cfg.initial, INITIAL_KINDS[cfg.initial.kind])}
    data["time"] = _section_dict(cfg.time)
    data["output"] = _section_dict(cfg.output)
    for key in OPTIONAL_SECTIONS:
        if getattr(cfg, key) is not None:
            data[key] = _section_dict(getattr(cfg, key))
    if cfg.limits != Limits():
        data["limits"] = _section_dict(cfg.limits)
    return data


def with_values(cfg, updates):
    """A new validated Config with dotted keys replaced, e.g. {"flow.mu0": 0.4}."""
    # load_config validates the result, unknown keys included
    return load_config(apply_overrides(to_dict(cfg), updates), base_dir=cfg.base_dir)
