"""Hostile configs: each is refused with one line that names the offending key and its
value, before anything is allocated or written; nothing hangs, nothing prints a traceback.

And the runtime guard of an adaptive run: at ``limits.max_steps`` it stops as failed,
keeps its frames and a checkpoint, and a resume with a larger limit gives the frames of
the uninterrupted run bit for bit.
"""

import copy
import math

import numpy as np
import pytest
import yaml

from cgle import open_trajectory
from cgle.cli import main

HERMITE = {
    "name": "hostile",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 48},
    "initial": {"kind": "gaussian", "amplitude": 2.0, "center": -3.0, "width": 2.0},
    "time": {"scheme": "strang", "dt": 0.01, "t_end": 20.0},
    "output": {"every": 0.5, "checkpoint_every": 5.0},
}
FOURIER = {
    "name": "hostile_periodic",
    "equation": {"nu": 0, "gamma": "1+1j", "mu": 1, "beta": "1-1j"},
    "grid": {"basis": "fourier", "n": [64], "length": 50.0},
    "initial": {"kind": "noise", "amplitude": 0.01, "seed": 1},
    "time": {"scheme": "etdrk4", "dt": 0.05, "t_end": 1.0},
    "output": {"every": 0.5},
}

# (base, dotted key, hostile value, the key the message must name)
CASES = {
    "t_end 1e308": (HERMITE, "time.t_end", 1e308, "time.t_end"),
    "t_end inf": (HERMITE, "time.t_end", math.inf, "time.t_end"),
    "dt 1e-300": (HERMITE, "time.dt", 1e-300, "time.dt"),
    "dt 1e-12 (2e13 steps)": (HERMITE, "time.dt", 1e-12, "limits.max_steps"),
    "dt nan": (HERMITE, "time.dt", math.nan, "time.dt"),
    "every 1e-300": (HERMITE, "output.every", 1e-300, "output.every"),
    "amplitude 1e200": (HERMITE, "initial.amplitude", 1e200, "initial.amplitude"),
    "rtol 1e-300": (HERMITE, "time.rtol", 1e-300, "time.rtol"),
    "hermite n 1e9": (HERMITE, "grid.n", 10**9, "grid.n"),
    "gaussian width 1e-320": (HERMITE, "initial.width", 1e-320, "initial.width"),
    "gaussian center 1e308": (HERMITE, "initial.center", 1e308, "initial.center"),
    "fourier 1e5 x 1e5": (FOURIER, "grid.n", [100000, 100000], "limits.max_memory_gb"),
    "length 1e308": (FOURIER, "grid.length", 1e308, "grid.length"),
    "length 1e-300": (FOURIER, "grid.length", 1e-300, "grid.length"),
}


def _with(base, dotted, value):
    data = copy.deepcopy(base)
    section, key = dotted.split(".")
    data[section][key] = value
    if dotted == "grid.n" and isinstance(value, list):
        data["grid"]["length"] = [50.0] * len(value)
    return data


def _cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_config_is_refused_at_its_key(case, tmp_path, capsys):
    base, dotted, value, named = CASES[case]
    config = tmp_path / "hostile.yaml"
    config.write_text(yaml.safe_dump(_with(base, dotted, value)))
    out = tmp_path / "hostile.h5"
    for args in (("validate", config), ("run", config, "-o", out, "--quiet")):
        code, _, err = _cli(capsys, *args)
        lines = err.strip().splitlines()
        assert code == 2, (case, args[0], code, err)
        assert len(lines) == 1 and lines[0].startswith("cgle: "), (case, err)
        assert named in lines[0] and "Traceback" not in err and "Warning" not in err, (case, lines[0])
    assert not out.exists()


def test_non_utf8_config_is_refused(tmp_path, capsys):
    config = tmp_path / "latin1.yaml"
    config.write_bytes(yaml.safe_dump(dict(HERMITE, name="caf\u00e9"), allow_unicode=True).encode("latin-1"))
    for command in ("validate", "run"):
        code, _, err = _cli(capsys, command, config)
        assert code == 2 and "UTF-8" in err and "0xe9" in err and len(err.strip().splitlines()) == 1, err


def test_sweep_of_a_billion_runs_is_refused(tmp_path, capsys):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(HERMITE))
    sweep = {"name": "huge", "base": "base.yaml", "vary": {"equation.beta": {"start": 0.5, "stop": 1.5, "num": 10**9}}}
    config = tmp_path / "sweep.yaml"
    config.write_text(yaml.safe_dump(sweep))
    code, _, err = _cli(capsys, "sweep", config, "-d", tmp_path / "out", "--quiet")
    assert code == 2 and "num" in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_adaptive_run_stops_at_max_steps_and_resumes_bit_for_bit(tmp_path, capsys):
    data = copy.deepcopy(HERMITE)
    data["time"].update(scheme="strang_richardson", rtol=1e-8)
    config = tmp_path / "adaptive.yaml"
    config.write_text(yaml.safe_dump(data))
    reference = tmp_path / "reference.h5"
    assert _cli(capsys, "run", config, "-o", reference, "--quiet")[0] == 0

    data["limits"] = {"max_steps": 40}
    config.write_text(yaml.safe_dump(data))
    stopped = tmp_path / "stopped.h5"
    code, _, err = _cli(capsys, "run", config, "-o", stopped, "--quiet")
    assert code == 1 and "limits.max_steps = 40" in err and "--resume" in err, err
    traj = open_trajectory(stopped)
    assert traj.status == "failed" and "limits.max_steps" in traj.message
    kept = traj.nframes
    full = open_trajectory(reference)
    assert 1 < kept < full.nframes
    np.testing.assert_array_equal(traj.q[:kept], full.q[:kept])

    # the limit does not alter the trajectory: a resume with a larger one continues it
    data["limits"] = {"max_steps": 10**6}
    config.write_text(yaml.safe_dump(data))
    code, _, err = _cli(capsys, "run", config, "-o", stopped, "--resume", "--quiet")
    assert code == 0, err
    resumed = open_trajectory(stopped)
    assert resumed.status == "complete"
    np.testing.assert_array_equal(resumed.t, full.t)
    np.testing.assert_array_equal(resumed.q, full.q)
