"""Writing a configuration back: plain data, YAML text, updated copies, and the part
that determines the trajectory (for resume checks)."""

from __future__ import annotations

from dataclasses import fields

import yaml

from cgle.config.fields import ConfigError, format_complex
from cgle.config.loader import load_config
from cgle.config.schema import INITIAL_KINDS


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
