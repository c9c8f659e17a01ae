"""A configuration as typed file attributes, and back.

Every parameter of a run is written to its trajectory file as a root attribute, so that
``xarray.open_dataset(path).attrs["gamma_imag"]`` answers without parsing the YAML text,
and a directory of runs can be tabulated by parameter (:func:`cgle.open_runs`).

Names (netCDF has neither complex numbers nor booleans):

- the equation's coefficients, always (also for the flow form): ``nu_real``,
  ``nu_imag``, ``gamma_real``, ``gamma_imag``, ``beta_real``, ``beta_imag``, and the
  polynomial mu(x), lowest power first, as ``mu_real`` and ``mu_imag`` (arrays);
  ``equation_form`` is "equation" or "flow", and the flow form adds ``U``, ``cu``,
  ``cd``, ``mu0``, ``mu2``;
- every other key as ``<section>_<key>``: ``grid_basis``, ``grid_n``, ``time_dt``,
  ``initial_amplitude_real`` / ``_imag`` (complex values split the same way),
  ``output_every``, ``forcing_x0``, ``actuators_x0`` (an array), ``control_R``,
  ``limits_max_steps``, ...; booleans as 0 / 1,
  lists as arrays; a key whose value is "not set" (None) is left out.

:func:`config_from_attributes` rebuilds the same :class:`~cgle.config.Config`.
"""

from dataclasses import fields

import numpy as np

from cgle.config.loader import GRID_KEYS, load_config, to_dict
from cgle.config.schema import INITIAL_KINDS, Actuators, Control, Disturbances, Forcing, Limits, Output, Sensors, Time

EQUATION_KEYS = ("nu", "gamma", "mu", "beta")
FLOW_KEYS = ("U", "cu", "cd", "mu0", "mu2")
SECTIONS = ("grid", "initial", "time", "output", "forcing", "actuators", "sensors", "disturbances", "control",
            "limits")
BOOLEAN_KEYS = {"grid_dealias"}


def _put(out, name, value):
    if value is None:
        return
    if isinstance(value, bool):
        out[name] = np.int8(value)
    elif isinstance(value, complex):
        out[f"{name}_real"], out[f"{name}_imag"] = value.real, value.imag
    elif isinstance(value, (list, tuple)):
        if any(isinstance(v, complex) for v in value):
            out[f"{name}_real"] = np.array([complex(v).real for v in value])
            out[f"{name}_imag"] = np.array([complex(v).imag for v in value])
        elif all(isinstance(v, str) for v in value):
            out[name] = list(value)
        else:
            out[name] = np.asarray(value)
    else:
        out[name] = value


def config_attributes(cfg):
    """The root attributes (name -> number, string or array) of a validated config."""
    out = {"name": cfg.name, "equation_form": "flow" if cfg.flow is not None else "equation"}
    eq = cfg.equation
    for key in EQUATION_KEYS:
        value = getattr(eq, key)
        if key == "mu":
            out["mu_real"] = np.array([complex(c).real for c in value])
            out["mu_imag"] = np.array([complex(c).imag for c in value])
        else:
            _put(out, key, complex(value))
    if cfg.flow is not None:
        for key in FLOW_KEYS:
            out[key] = float(getattr(cfg.flow, key))
    data = to_dict(cfg)
    for section in SECTIONS:
        for key, value in (data.get(section) or {}).items():
            raw = getattr(getattr(cfg, section), key, value)
            _put(out, f"{section}_{key}", raw if isinstance(raw, (complex, bool)) else value)
    return out


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _get(attrs, name):
    """The value written under ``name`` (None when absent); complex pairs rejoined."""
    if name in attrs:
        return _plain(attrs[name])
    if f"{name}_real" in attrs:
        re, im = _plain(attrs[f"{name}_real"]), _plain(attrs.get(f"{name}_imag", 0.0))
        if isinstance(re, list):
            return [complex(a, b) for a, b in zip(re, im if isinstance(im, list) else [im] * len(re))]
        return complex(re, im)
    return None


def config_from_attributes(attrs, base_dir="."):
    """The :class:`Config` whose :func:`config_attributes` are ``attrs`` (validated)."""
    attrs = dict(attrs)
    data = {"name": _plain(attrs.get("name", "run"))}
    if _plain(attrs.get("equation_form")) == "flow":
        data["flow"] = {key: _get(attrs, key) for key in FLOW_KEYS}
        data["flow"]["beta"] = _get(attrs, "beta")
    else:
        data["equation"] = {key: _get(attrs, key) for key in EQUATION_KEYS}
    kind = _plain(attrs.get("initial_kind", "constant"))
    basis = _plain(attrs.get("grid_basis", "hermite"))
    known = {"grid": set(GRID_KEYS.get(basis, ())), "initial": {"kind", *INITIAL_KINDS.get(kind, ())},
             "time": {f.name for f in fields(Time)}, "output": {f.name for f in fields(Output)},
             "forcing": {f.name for f in fields(Forcing)}, "limits": {f.name for f in fields(Limits)},
             **{name: {f.name for f in fields(cls)} for name, cls in
                (("actuators", Actuators), ("sensors", Sensors), ("disturbances", Disturbances),
                 ("control", Control))}}
    for section in SECTIONS:
        prefix = f"{section}_"
        # the keys of the section (a file holds other attributes too, e.g. initial_max_abs)
        names = {name[len(prefix):].removesuffix("_real").removesuffix("_imag")
                 for name in attrs if name.startswith(prefix)} & known[section]
        if not names:
            continue
        values = {}
        for key in sorted(names):
            value = _get(attrs, prefix + key)
            if prefix + key in BOOLEAN_KEYS and value is not None:
                value = bool(value)
            values[key] = value
        data[section] = values
    return load_config(data, base_dir=base_dir)
