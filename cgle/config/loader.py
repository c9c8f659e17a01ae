"""Reading a run configuration: YAML (or a mapping) -> validated :class:`Config`.

Every default lives in :mod:`cgle.config.schema` and every check happens here, once;
the numerical code below trusts what it is given.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

import yaml

from cgle.config.fields import ConfigError, boolean, choice, integer, name_text, real, real_or_choice, seq
from cgle.config.schema import (
    EQUATION,
    FLOW,
    FORCING,
    GRID_BASES,
    INITIAL_KINDS,
    OUTPUT,
    TIME,
    TOP_LEVEL,
    Config,
    Equation,
    Flow,
    Forcing,
    Grid,
    Initial,
    Output,
    Time,
)


def _mapping(data, key):
    """Section ``key`` of the config as a dict ({} when absent)."""
    raw = data.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a mapping", raw)
    return raw


def _section(data, key, schema, cls, defaults=None):
    """Parse mapping ``data[key]`` with ``schema`` into dataclass ``cls``."""
    raw = _mapping(data, key)
    values = dict(defaults or {})
    for k, v in raw.items():
        if k not in schema:
            raise ConfigError(f"{key}.{k}", "unknown key; allowed keys are " + ", ".join(schema), v)
        values[k] = schema[k](f"{key}.{k}", v)
    return cls(**values)


def _parse_grid(data):
    raw = _mapping(data, "grid")
    basis = choice(*GRID_BASES)("grid.basis", raw.get("basis", "hermite"))
    allowed = {
        "hermite": ("basis", "n", "scale"),
        "chebyshev": ("basis", "n", "domain"),
        "fourier": ("basis", "n", "length", "dealias"),
    }[basis]
    for k, v in raw.items():
        if k not in allowed:
            raise ConfigError(f"grid.{k}", f"unknown key for basis {basis}; allowed keys are " + ", ".join(allowed), v)
    values = {"basis": basis}
    if basis == "fourier":
        n = seq(integer(ge=4))("grid.n", raw.get("n", 256))
        if len(n) > 2:
            raise ConfigError("grid.n", "must be N or [Nx, Ny] (1D or 2D)", raw.get("n"))
        length = seq(real(gt=0))("grid.length", raw.get("length", 2 * math.pi))
        if len(length) == 1 and len(n) == 2:
            length = length * 2
        if len(length) != len(n):
            raise ConfigError("grid.length", f"must have {len(n)} entries like grid.n", raw.get("length"))
        values.update(n=n, length=length, dealias=boolean("grid.dealias", raw.get("dealias", False)))
    else:
        n = integer(ge=4, le=4000)("grid.n", raw.get("n", 220))
        values["n"] = (n,)
        if basis == "hermite":
            values["scale"] = real_or_choice(real(gt=0), "auto", "ilak")("grid.scale", raw.get("scale", "auto"))
        else:
            domain = seq(real(), length=2)("grid.domain", raw.get("domain", [-1.0, 1.0]))
            if not domain[0] < domain[1]:
                raise ConfigError("grid.domain", "must be [a, b] with a < b", list(domain))
            values["domain"] = domain
    return Grid(**values)


def _parse_initial(data, grid):
    raw = _mapping(data, "initial")
    kind = choice(*INITIAL_KINDS)("initial.kind", raw.get("kind", "constant"))
    schema = INITIAL_KINDS[kind]
    values = {"kind": kind}
    for k, v in raw.items():
        if k == "kind":
            continue
        if k not in schema:
            raise ConfigError(
                f"initial.{k}", f"unknown key for kind {kind}; allowed keys are " + ", ".join(schema), v
            )
        values[k] = schema[k](f"initial.{k}", v)
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
    if kind == "file":
        if "path" not in values:
            raise ConfigError("initial.path", "is required for kind file", None)
    if kind == "gaussian":
        values.setdefault("amplitude", 1.0)
    return Initial(**values)


def _check_time_grid(time, output, basis):
    """Frames land exactly on multiples of output.every."""
    from cgle.steppers import registry

    schemes = registry()
    if time.scheme not in schemes:
        raise ConfigError("time.scheme", "must be one of " + ", ".join(sorted(schemes)), time.scheme)
    stepper = schemes[time.scheme]
    if (time.rtol is None) != (time.atol is None) and time.atol is not None:
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


def _is_multiple(a, b):
    k = round(a / b)
    return k >= 1 and abs(a - k * b) <= 1e-9 * max(abs(a), 1.0)


def read_yaml(path, what):
    """Parse a YAML file; a missing file is FileNotFoundError, broken YAML a ConfigError
    with the line and column."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} file not found: {path}")
    if not path.is_file():
        raise FileNotFoundError(f"{what} path is not a regular file: {path}")
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError("", f"{path} is not valid YAML{where}: {getattr(err, 'problem', err)}",
                          show_value=False) from None


def load_config(source, base_dir=None):
    """Read and validate a configuration.

    Parameters
    ----------
    source : str, os.PathLike or dict
        A YAML file path, or an already-parsed mapping.
    base_dir : str, optional
        Directory relative paths refer to (default: the YAML file's directory, or the
        current directory for a mapping).

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
        return source
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
    for key in data:
        if key not in TOP_LEVEL:
            raise ConfigError(str(key), "unknown section; allowed are " + ", ".join(TOP_LEVEL), data[key])
    name = name_text("name", data.get("name", default_name))

    if ("equation" in data) == ("flow" in data):
        raise ConfigError("equation", "give exactly one of `equation` and `flow`", None, show_value=False)
    if "flow" in data:
        flow = _section(data, "flow", FLOW, Flow)
        equation = flow.equation()
    else:
        flow = None
        equation = _section(data, "equation", EQUATION, Equation)
    grid = _parse_grid(data)
    if grid.basis == "fourier" and any(c != 0 for c in equation.mu[1:]):
        key = "flow.mu2" if flow is not None else "equation.mu"
        raise ConfigError(key, "must be a constant on a periodic (fourier) grid: mu(x) = mu0, one entry",
                          [complex(c) for c in equation.mu])
    if grid.basis == "hermite" and grid.scale in ("auto", "ilak"):
        mu = equation.mu
        c2 = -mu[2] if len(mu) >= 3 else 0j
        if len(mu) > 3 and any(c != 0 for c in mu[3:]) or c2 == 0:
            raise ConfigError(
                "grid.scale",
                f"'{grid.scale}' needs mu(x) = c1 - c2 x^2 with c2 != 0; give a number instead",
                grid.scale,
            )
    initial = _parse_initial(data, grid)
    time = _section(data, "time", TIME, Time)
    output = _section(data, "output", OUTPUT, Output)
    every = _check_time_grid(time, output, grid.basis)
    fields = output.fields
    if "fields" not in (data.get("output") or {}) and grid.basis == "fourier":
        fields = fields + ("diagnostics",)  # mean |A|^2, defects, correlation length per frame
    if "diagnostics" in fields and grid.basis != "fourier":
        raise ConfigError("output.fields", "diagnostics are computed on fourier grids only", list(fields))
    output = Output(**{**output.__dict__, "every": every, "fields": fields})
    forcing = None
    if data.get("forcing") is not None:
        forcing = _section(data, "forcing", FORCING, Forcing)
        if grid.basis == "fourier":
            raise ConfigError("forcing", "white-noise forcing is available on hermite and chebyshev grids", "fourier")
    return Config(name=name, equation=equation, flow=flow, grid=grid, initial=initial, time=time,
                  output=output, forcing=forcing, base_dir=str(base_dir or "."))
