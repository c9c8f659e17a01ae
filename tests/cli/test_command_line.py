"""The command line: --version, --set overrides, the resume hint, the thread option,
and one-paragraph errors for what a user types wrong."""

import shlex
import signal
import subprocess
import sys
import time

import h5py
import pytest
import yaml

import cgle
from cgle.cli import main

SMALL = {
    "name": "small",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 40},
    "initial": {"kind": "constant", "amplitude": 1.0},
    "time": {"scheme": "strang", "dt": 0.5, "t_end": 4.0},
}


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    return path


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"cgle {cgle.__version__}"


def test_set_round_trip_is_stored_in_the_file(config, tmp_path, capsys):
    out = tmp_path / "o.h5"
    code = main(["run", str(config), "-o", str(out), "--quiet", "--set", "grid.n=48", "--set", "time.dt=0.25",
                 "--set", "equation.nu=1+0.5j"])
    assert code == 0, capsys.readouterr().err
    traj = cgle.open_trajectory(out)
    stored = cgle.load_config(yaml.safe_load(traj.config))
    assert stored.grid.n == (48,) and stored.time.dt == 0.25 and stored.equation.nu == 1 + 0.5j
    assert traj.x.shape == (48,) and len(traj.t) == 17
    # the same keys through the Python API give the same resolved config
    api = cgle.load_config(config).replace({"grid.n": 48, "time.dt": 0.25, "equation.nu": "1+0.5j"})
    assert api.grid == stored.grid and api.time == stored.time and api.equation == stored.equation


@pytest.mark.parametrize("item, key, rule", [
    ("grid.n=x", "grid.n", "must be an integer"),
    ("grid.n=2", "grid.n", "must be >= 4"),
    ("time.dt=-1", "time.dt", "must be > 0"),
    ("time.colour=red", "time.colour", "unknown key"),
    ("grid.n.x=3", "grid.n", "is not a section"),
    ("nodots", "", "--set needs KEY=VALUE"),
])
def test_bad_set_values_give_the_usual_config_error(config, capsys, item, key, rule):
    for command in ("validate", "stability"):
        code = main([command, str(config), "--set", item])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
        where = f"config error at {key}: " if key else "config error: "
        assert err.startswith(f"cgle: {where}") and rule in err, err


def test_resume_hint_repeats_the_command_as_typed(config, tmp_path):
    data = dict(SMALL, time={"scheme": "strang", "dt": 0.0005, "t_end": 60.0}, output={"every": 0.5})
    config.write_text(yaml.safe_dump(data))
    out = tmp_path / "elsewhere" / "run 1.h5"
    words = [sys.executable, "-m", "cgle", "run", str(config), "-o", str(out), "--set", "grid.n=44"]
    proc = subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            with h5py.File(out, "r", swmr=True) as f:
                if f["t"].shape[0] >= 2:
                    break
        except (OSError, KeyError):
            pass
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    hint = err.split("Continue with: ", 1)[1].strip()
    assert shlex.split(hint) == ["cgle", "run", str(config), "-o", str(out), "--set", "grid.n=44", "--resume"]
    done = subprocess.run([sys.executable, "-m", "cgle", *shlex.split(hint)[1:]], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_validate_points_a_sweep_file_to_cgle_sweep(tmp_path, capsys):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "base": "x.yaml", "vary": {"flow.mu0": [0.3, 0.4]}}))
    assert main(["validate", str(path)]) == 2
    assert "this is a sweep file" in capsys.readouterr().err


def test_sweep_points_a_run_config_to_cgle_run(config, capsys):
    assert main(["sweep", str(config)]) == 2
    assert "this is a run config" in capsys.readouterr().err


def test_errors_come_in_the_order_a_reader_meets_the_keys(tmp_path, capsys):
    # the default hermite scale does not fit this mu; but the reader meets time.dt first
    path = tmp_path / "minimal.yaml"
    path.write_text("equation: {nu: 1, gamma: 1, mu: [1], beta: 1}\ntime: {dt: -1}\n")
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.startswith("cgle: config error at time.dt: must be > 0")
    # with time fixed, the scale rule is told at the key the user wrote: equation.mu
    path.write_text("equation: {nu: 1, gamma: 1, mu: [1], beta: 1}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cgle: config error at equation.mu:") and "grid.scale" in err


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_threads_value(config, capsys, value):
    assert main(["--threads", value, "validate", str(config)]) == 2
    assert "--threads must be a positive integer or 'auto'" in capsys.readouterr().err


def test_broken_pipe_is_not_a_traceback(config, tmp_path):
    out = tmp_path / "o.h5"
    assert main(["run", str(config), "-o", str(out), "--quiet"]) == 0
    done = subprocess.run(f"{shlex.quote(sys.executable)} -m cgle info {shlex.quote(str(out))} --config | head -1",
                          shell=True, capture_output=True, text=True)
    assert "Traceback" not in done.stderr and done.stdout.startswith("file:")
