"""Rules across the control sections of a config (actuators, sensors, disturbances, control)."""

from typing import Any

from cgle.config.fields import ConfigError, written


def check_control(data: dict, parsed: dict, grid: Any) -> None:
    """Inputs, outputs and the compensator: collocation grids only; a compensator needs
    what it acts through and what it reads."""
    for key in ("actuators", "sensors", "disturbances", "control"):
        if parsed[key] is not None and grid.basis == "fourier":
            raise ConfigError(key, "inputs, outputs and control are available on hermite and chebyshev grids",
                              "fourier")
    control = parsed["control"]
    if control is None:
        return
    if parsed["forcing"] is not None:
        raise ConfigError("forcing", "a closed-loop run (control:) is driven by its `disturbances`; give the noise "
                          "sources there instead of a forcing section", "white_noise", show_value=False)
    if parsed["time"].rtol is not None:
        raise ConfigError("control", "a closed-loop run needs fixed steps (the compensator is discretised over "
                          "time.dt): remove time.rtol", parsed["time"].rtol)
    if control.compensator != "none" and parsed["actuators"] is None:
        raise ConfigError("control.compensator", f"{control.compensator} needs an `actuators` section",
                          control.compensator)
    if control.compensator in ("lqg", "reduced") and parsed["sensors"] is None:
        raise ConfigError("control.compensator", f"{control.compensator} needs a `sensors` section",
                          control.compensator)
    if control.cost == "output" and parsed["sensors"] is None:
        raise ConfigError("control.cost", "output needs a `sensors` section", control.cost)
    if control.compensator == "reduced" and control.order > grid.n[0]:
        key = "control.order" if written(data, "control.order") else "control.compensator"
        raise ConfigError(key, f"reduced needs control.order <= grid.n = {grid.n[0]} (the order is "
                          f"{control.order})", control.order if key == "control.order" else "reduced")
    if control.t_off is not None and not control.t_off > control.t_on:
        raise ConfigError("control.t_off", f"must be > control.t_on = {control.t_on:g}", control.t_off)
