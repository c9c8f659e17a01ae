"""A configuration as YAML text, and the part of it that determines the trajectory
(what a resume must find unchanged)."""

from __future__ import annotations

import yaml

from cgle.config.loader import to_dict


def dump_yaml(cfg):
    """The fully resolved configuration as YAML text."""
    return yaml.safe_dump(to_dict(cfg), sort_keys=False)


def physics_hash_data(cfg):
    """The part of the resolved config that determines the trajectory.

    Left out: the run name and output path, ``time.t_end`` (a run may be extended),
    ``time.max_amplitude`` and ``time.precheck`` (they only stop a run),
    ``output.checkpoint_every`` and ``output.compression``, and ``limits`` (they only
    refuse or stop a run: a run stopped at ``limits.max_steps`` continues with a larger one).
    """
    data = to_dict(cfg)
    data.pop("name", None)
    data.pop("limits", None)
    for key in ("t_end", "max_amplitude", "precheck"):
        data["time"].pop(key, None)
    data["output"] = {k: v for k, v in data["output"].items() if k in ("every", "fields")}
    return data
