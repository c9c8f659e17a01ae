"""Run configuration: YAML -> validated, frozen dataclasses.

Every default lives here and every check happens here, once; the numerical code below
trusts what it is given. An invalid entry raises :class:`ConfigError` whose message
names the YAML key path, the rule and the offending value::

    config error at time.dt: must be > 0 (got -1)

The equation is

    q_t = -nu q_x + gamma Lap(q) + mu(x) q - beta |q|^2 q

given either directly (``equation:``) or in the flow form of Bagheri et al. (2009)
(``flow:``): nu = U + 2i c_u, gamma = 1 + i c_d, mu(x) = mu0 - c_u^2 + mu2 x^2 / 2.
"""

from __future__ import annotations

import copy
import math
import numbers
import os
from dataclasses import dataclass, fields
from pathlib import Path

import yaml


class ConfigError(ValueError):
    """An invalid configuration entry: ``key`` is the dotted YAML path."""

    def __init__(self, key, rule, value=None, *, show_value=True):
        self.key, self.rule, self.value = key, rule, value
        where = f"config error at {key}" if key else "config error"
        text = f"{where}: {rule}"
        if show_value:
            text += f" (got {_show(value)})"
        super().__init__(text)


def _show(value):
    if isinstance(value, complex):
        return format_complex(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def format_complex(z):
    """Complex number as the string form the configs accept, e.g. '2+0.2j'."""
    z = complex(z)
    return f"{z.real!r}{z.imag:+}j".replace("+-", "-")


# --------------------------------------------------------------------------- parsers
# Each parser takes (key, value) and returns the parsed value or raises ConfigError.


def _real(key, value):
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(key, "must be a real number", value) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(key, "must be a real number", value)
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(key, "must be finite", value)
    return value


def real(gt=None, ge=None, le=None):
    def parse(key, raw):
        value = _real(key, raw)
        # messages show the value as the user wrote it
        if gt is not None and not value > gt:
            raise ConfigError(key, f"must be > {gt:g}", raw)
        if ge is not None and not value >= ge:
            raise ConfigError(key, f"must be >= {ge:g}", raw)
        if le is not None and not value <= le:
            raise ConfigError(key, f"must be <= {le:g}", raw)
        return value

    return parse


def integer(ge=None, le=None):
    def parse(key, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(key, "must be an integer", value)
        value = int(value)
        if ge is not None and value < ge:
            raise ConfigError(key, f"must be >= {ge}", value)
        if le is not None and value > le:
            raise ConfigError(key, f"must be <= {le}", value)
        return value

    return parse


def cplx(key, value):
    """A complex number: a plain number or a string such as '2+0.2j'."""
    if isinstance(value, bool):
        raise ConfigError(key, "must be a complex number like '2+0.2j'", value)
    if isinstance(value, str):
        try:
            value = complex(value.replace(" ", ""))
        except ValueError:
            raise ConfigError(key, "must be a complex number like '2+0.2j'", value) from None
    if not isinstance(value, numbers.Complex):
        raise ConfigError(key, "must be a complex number like '2+0.2j'", value)
    value = complex(value)
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ConfigError(key, "must be finite", value)
    return value


def choice(*allowed):
    def parse(key, value):
        if not isinstance(value, str) or value not in allowed:
            raise ConfigError(key, "must be one of " + ", ".join(allowed), value)
        return value

    return parse


def text(key, value):
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "must be a non-empty string", value)
    return value


def name_text(key, value):
    value = text(key, value)
    if any(c in value for c in "/\\\0") or value in (".", ".."):
        raise ConfigError(key, "must be a plain name (no path separators)", value)
    return value


def boolean(key, value):
    if not isinstance(value, bool):
        raise ConfigError(key, "must be true or false", value)
    return value


def optional(parse):
    def parse_optional(key, value):
        return None if value is None else parse(key, value)

    return parse_optional


def seq(parse, length=None, min_length=1):
    """A list of items (a single item is accepted for a list of any length)."""

    def parse_seq(key, value):
        items = value if isinstance(value, (list, tuple)) else [value]
        if length is not None and len(items) != length:
            raise ConfigError(key, f"must be a list of {length} entries", value)
        if len(items) < min_length:
            raise ConfigError(key, f"must have at least {min_length} entries", value)
        return tuple(parse(f"{key}[{i}]", v) for i, v in enumerate(items))

    return parse_seq


def real_or_choice(parse_real, *allowed):
    def parse(key, value):
        if isinstance(value, str) and value in allowed:
            return value
        try:
            return parse_real(key, value)
        except ConfigError:
            raise ConfigError(key, "must be a number or one of " + ", ".join(allowed), value) from None

    return parse


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Equation:
    """Coefficients of q_t = -nu q_x + gamma Lap q + mu(x) q - beta |q|^2 q.

    ``mu`` holds polynomial coefficients in x, lowest power first.
    """

    nu: complex = 0j
    gamma: complex = 1 + 0j
    mu: tuple = (0j,)
    beta: complex = 0j


@dataclass(frozen=True)
class Flow:
    """Flow form (Bagheri et al. 2009): nu = U + 2i cu, gamma = 1 + i cd,
    mu(x) = mu0 - cu^2 + mu2 x^2 / 2. Defaults are the standard values."""

    U: float = 2.0
    cu: float = 0.2
    cd: float = -1.0
    mu0: float = 0.38
    mu2: float = -0.01
    beta: complex = 0j

    def equation(self):
        return Equation(
            nu=complex(self.U, 2 * self.cu),
            gamma=complex(1.0, self.cd),
            mu=(complex(self.mu0 - self.cu**2), 0j, complex(self.mu2 / 2)),
            beta=self.beta,
        )


@dataclass(frozen=True)
class Grid:
    """Discretisation. ``n`` is a tuple (one entry per dimension)."""

    basis: str = "hermite"
    n: tuple = (220,)
    scale: object = "auto"  # hermite: float, "auto" (forum lineage) or "ilak"
    domain: tuple = (-1.0, 1.0)  # chebyshev
    length: tuple = (2 * math.pi,)  # fourier
    dealias: bool = False  # fourier: 2/3 rule on the cubic term


@dataclass(frozen=True)
class Initial:
    kind: str = "constant"
    amplitude: object = 1.0  # float; for plane_wave None means sqrt(1 - k^2)
    seed: int = 0
    center: float = 0.0
    width: float = 1.0
    m: tuple = (0,)
    noise: float = 0.0
    n: int = 0
    path: str = ""
    frame: int = -1


@dataclass(frozen=True)
class Time:
    scheme: str = "strang"
    dt: float = 0.1
    t_end: float = 10.0
    rtol: object = None
    atol: object = None
    max_amplitude: object = None  # None: 1e6 * max(1, max|q0|)
    precheck: str = "error"


@dataclass(frozen=True)
class Output:
    path: object = None  # None: runs/<name>.h5
    every: object = None  # None: every step (fixed dt) / t_end (adaptive)
    checkpoint_every: object = None  # None: at every output frame
    compression: object = None
    fields: tuple = ("q", "energy")  # fourier grids add "diagnostics" by default


@dataclass(frozen=True)
class Forcing:
    """Additive white noise f(x) dW/dt, f(x) = sqrt(intensity) exp(-((x - x0)/width)^2)."""

    kind: str = "white_noise"
    shape: str = "gaussian"
    x0: float = -11.0
    width: float = 1.6
    intensity: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class Config:
    name: str
    equation: Equation
    flow: object  # Flow or None: how the equation was given
    grid: Grid
    initial: Initial
    time: Time
    output: Output
    forcing: object = None  # Forcing or None
    base_dir: str = "."  # directory relative paths in the config refer to

    @property
    def output_path(self):
        if self.output.path is not None:
            return Path(self.output.path)
        return Path("runs") / f"{self.name}.h5"

    @property
    def ndim(self):
        return len(self.grid.n)


# Allowed keys of each section, their parsers and defaults.
EQUATION = {"nu": cplx, "gamma": cplx, "mu": seq(cplx), "beta": cplx}
FLOW = {
    "U": real(),
    "cu": real(),
    "cd": real(),
    "mu0": real(),
    "mu2": real(),
    "beta": cplx,
}
TIME = {
    "scheme": text,
    "dt": real(gt=0),
    "t_end": real(gt=0),
    "rtol": optional(real(gt=0, le=1)),
    "atol": optional(real(gt=0)),
    # squared in the blow-up check, so it must stay below sqrt(float max)
    "max_amplitude": optional(real(gt=0, le=1e150)),
    "precheck": lambda key, value: choice("error", "warn", "off")(
        key, {False: "off", True: "error"}.get(value, value) if isinstance(value, bool) else value),
}
OUTPUT = {
    "path": optional(text),
    "every": optional(real(gt=0)),
    "checkpoint_every": optional(real(gt=0)),
    "compression": optional(choice("gzip", "lzf")),
    "fields": seq(choice("q", "energy", "diagnostics")),
}
FORCING = {
    "kind": choice("white_noise"),
    "shape": choice("gaussian"),
    "x0": real(),
    "width": real(gt=0),
    "intensity": real(ge=0),
    "seed": integer(ge=0),
}
INITIAL_KINDS = {
    "constant": {"amplitude": cplx},
    "gaussian": {"amplitude": cplx, "center": real(), "width": real(gt=0)},
    "noise": {"amplitude": real(ge=0), "seed": integer(ge=0)},
    "plane_wave": {
        "m": seq(integer(), min_length=1),
        "amplitude": optional(cplx),
        "noise": real(ge=0),
        "seed": integer(ge=0),
    },
    "mode": {"n": integer(ge=0), "amplitude": cplx},
    "file": {"path": text, "frame": integer()},
    "spiral": {"amplitude": real(gt=0), "center": seq(real(), length=2), "width": real(gt=0),
               "noise": real(ge=0), "seed": integer(ge=0)},
}
GRID_BASES = ("hermite", "chebyshev", "fourier")
TOP_LEVEL = ("name", "equation", "flow", "grid", "initial", "time", "output", "forcing")


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


# --------------------------------------------------------------------------- writing back


def _plain(value):
    if isinstance(value, complex):
        return value.real if value.imag == 0 else format_complex(value)
    if isinstance(value, tuple):
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
    if cfg.forcing is not None:
        data["forcing"] = _section_dict(cfg.forcing)
    return data


def dump_yaml(cfg):
    """The fully resolved configuration as YAML text."""
    return yaml.safe_dump(to_dict(cfg), sort_keys=False)


def with_values(cfg, updates):
    """A new validated Config with dotted keys replaced, e.g. {"flow.mu0": 0.4}."""
    data = to_dict(cfg)
    for dotted, value in updates.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            if node.get(part) is None:
                node[part] = {}
            if not isinstance(node[part], dict):
                raise ConfigError(dotted, "is not a key of this config", value)
            node = node[part]
        node[parts[-1]] = _plain(value)
    # load_config validates the result, unknown keys included
    return load_config(data, base_dir=cfg.base_dir)


def physics_hash_data(cfg):
    """The part of the resolved config that determines the trajectory.

    Left out: the run name and output path, ``time.t_end`` (a run may be extended),
    ``time.max_amplitude`` and ``time.precheck`` (they only stop a run),
    ``output.checkpoint_every`` and ``output.compression``.
    """
    data = to_dict(cfg)
    data.pop("name", None)
    for key in ("t_end", "max_amplitude", "precheck"):
        data["time"].pop(key, None)
    data["output"] = {k: v for k, v in data["output"].items() if k in ("every", "fields")}
    return data
