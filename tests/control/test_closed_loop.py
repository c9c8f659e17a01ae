"""Closed-loop runs (`cgle run` with a `control:` section) against the linear theory.

(The stationary energies of long runs against the Lyapunov predictions, within the
sampling error, are in test_closed_loop_run.py.)
- The Bagheri et al. (2009) experiment as shipped: control lowers the rms downstream of
  the actuator by a large factor.
- Restart is exact: a run extended from a checkpoint equals the uninterrupted run bit for
  bit, sensor and actuator series included.
- A nonlinear plant, full-state LQR and a reduced compensator also run and lower the
  energy.
- A dt at which the sampled loop is unstable (the input held over a step delays it) is
  refused with the dt that fixes it.
"""

from pathlib import Path

import numpy as np
import pytest

import cgle
from cgle import control
from cgle.config import load_config
from cgle.steppers.precheck import UnstableTimeStep

ROOT = Path(__file__).resolve().parents[2]
FLOW = {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu0": 0.38, "mu2": -0.01}


def config(t_end, dt=0.2, control_section=None, flow=None, name="loop"):
    data = {"name": name, "flow": {**FLOW, **(flow or {})}, "grid": {"basis": "hermite", "n": 100, "scale": 0.55},
            "initial": {"kind": "constant", "amplitude": 0.0}, "time": {"scheme": "etd1", "dt": dt, "t_end": t_end},
            "output": {"every": 1.0, "checkpoint_every": 100.0},
            "actuators": {"x0": [-3.0]}, "sensors": {"x0": [0.0], "noise": 0.1},
            "disturbances": {"x0": [-11.0], "width": 0.4},
            "control": {"compensator": "lqg", "plant": "linear", "seed": 3, **(control_section or {})}}
    return load_config(data)


def test_bagheri_experiment_lowers_the_rms_downstream(tmp_path):
    cfg = load_config(ROOT / "configs" / "bagheri_lqg.yaml")
    ds = cgle.open_dataset(cgle.run(cfg, tmp_path / "bagheri.h5"))
    t, x, q = ds["t"].values, ds["x"].values, ds["q"].values
    w = ds["weights"].values
    off = (t >= 100) & (t < 250)
    on = (t >= 400) & (t < 750)
    down = x > cfg.actuators.x0[0]
    rms_off = np.sqrt(np.mean(np.abs(q[off]) ** 2, axis=0))
    rms_on = np.sqrt(np.mean(np.abs(q[on]) ** 2, axis=0))
    factor = np.sqrt(np.sum(w[down] * rms_off[down] ** 2) / np.sum(w[down] * rms_on[down] ** 2))
    print(f"\nBagheri LQG: rms downstream of the actuator reduced {factor:.3g}x")
    assert factor > 3
    # the actuators act only while the control is on
    u = ds["actuator_0_real"].values + 1j * ds["actuator_0_imag"].values
    assert np.all(u[t < cfg.control.t_on] == 0) and np.all(u[t >= cfg.control.t_off] == 0)
    assert np.abs(u[on]).max() > 0


def test_extended_run_equals_the_uninterrupted_one_bit_for_bit(tmp_path):
    # the control switches on and off inside the first leg and again in the second
    section = {"t_on": 30.0, "t_off": 260.0}
    whole = cgle.open_dataset(cgle.run(config(400.0, control_section=section), tmp_path / "whole.h5"))
    path = tmp_path / "legs.h5"
    cgle.run(config(200.0, control_section=section), path)
    cgle.run(config(400.0, control_section=section), path, resume=True)
    legs = cgle.open_dataset(path)
    assert legs.sizes["t"] == whole.sizes["t"] == 401
    for name in ("q", "energy", "sensor_0_real", "sensor_0_imag", "actuator_0_real", "actuator_0_imag"):
        assert np.array_equal(legs[name].values, whole[name].values), name


@pytest.mark.parametrize("compensator, extra", [("lqr", {}), ("reduced", {"order": 8})])
def test_other_compensators_lower_the_energy(tmp_path, compensator, extra):
    section = {"compensator": compensator, "t_on": 300.0, **extra}
    ds = cgle.open_dataset(cgle.run(config(600.0, control_section=section), tmp_path / f"{compensator}.h5"))
    t, e = ds["t"].values, ds["energy"].values
    before, after = e[(t >= 100) & (t < 300)].mean(), e[t >= 400].mean()
    assert after < before / 3, (before, after)


def test_nonlinear_plant_runs_and_is_controlled(tmp_path):
    # beta = 0.01: the cubic term already halves the uncontrolled energy of the linear plant
    # (47 against ~220); the linear compensator still removes most of what is left
    cfg = config(600.0, control_section={"plant": "nonlinear", "t_on": 300.0}, flow={"beta": 0.01})
    ds = cgle.open_dataset(cgle.run(cfg, tmp_path / "nonlinear.h5"))
    t, e = ds["t"].values, ds["energy"].values
    assert np.all(np.isfinite(e))
    assert e[t >= 400].mean() < e[(t >= 100) & (t < 300)].mean() / 3


def test_a_dt_that_destabilises_the_sampled_loop_is_refused(tmp_path):
    # the input held over a step delays it: at dt = 0.5 the supercritical LQG loop grows
    cfg = config(10.0, dt=0.5, flow={"mu0": 0.41})
    ss = control.state_space(cfg)
    comp = control.lqg(ss)
    from cgle.control.closed_loop import discrete_loop

    F, _ = discrete_loop(ss, comp, 0.5)
    assert np.max(np.abs(np.linalg.eigvals(F))) > 1  # independent of the check itself
    with pytest.raises(UnstableTimeStep, match="time.dt = 0.5.*time.dt <= 0.25"):
        cgle.run(cfg, tmp_path / "refused.h5")
    assert not (tmp_path / "refused.h5").exists()
