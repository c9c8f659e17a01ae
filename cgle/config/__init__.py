"""Run configuration: YAML -> validated, frozen dataclasses (the edge of the package).

Every default lives in :mod:`cgle.config.schema`, every check in
:mod:`cgle.config.loader`; an invalid entry raises :class:`ConfigError` naming the YAML
key path, the rule and the offending value::

    config error at time.dt: must be > 0 (got -1)
"""

from cgle.config.fields import ConfigError, format_complex
from cgle.config.loader import Config, apply_overrides, load_config, read_yaml, to_dict, with_values
from cgle.config.schema import (
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
from cgle.config.serialize import dump_yaml, physics_hash_data

__all__ = [
    "Actuators",
    "Config",
    "ConfigError",
    "Control",
    "Disturbances",
    "Equation",
    "Flow",
    "Forcing",
    "Grid",
    "Initial",
    "Limits",
    "Output",
    "Sensors",
    "Time",
    "TOP_LEVEL",
    "apply_overrides",
    "dump_yaml",
    "format_complex",
    "load_config",
    "physics_hash_data",
    "read_yaml",
    "to_dict",
    "with_values",
]
