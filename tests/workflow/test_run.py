"""End to end: `cgle run` on the shipped Hermite configs (issue 2)."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import cgle

ROOT = Path(__file__).resolve().parents[2]


def cgle_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cgle", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def test_forum_hermite_runs_and_decays_like_the_spectrum(tmp_path):
    out = tmp_path / "forum.h5"
    result = cgle_cli("run", str(ROOT / "configs" / "forum_hermite.yaml"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "complete: 201 frames" in result.stdout
    traj = cgle.open_trajectory(out)
    assert traj.status == "complete" and traj.message == ""
    assert traj.q.shape == (201, 220) and traj.q.dtype == complex
    np.testing.assert_array_equal(traj.t, np.arange(201.0))
    # late times: E(t) ~ exp(2 Re(lambda_0) t), lambda_0 = -0.1326887 - 0.5628203i
    e = traj.energy
    rate = (np.log(e[200]) - np.log(e[120])) / 80.0
    assert rate == pytest.approx(2 * -0.1326887, rel=1e-4)
    np.testing.assert_allclose(e, np.sum(traj.weights * np.abs(traj.q) ** 2, axis=1), rtol=1e-12)


def test_forum_file_opens_in_xarray(tmp_path):
    xr = pytest.importorskip("xarray")
    out = cgle.run(ROOT / "configs" / "forum_hermite.yaml", tmp_path / "f.h5")
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds["q"].dims == ("t", "x")
        assert ds["q"].shape == (201, 220) and ds["q"].dtype == complex
        np.testing.assert_array_equal(ds["t"].values, np.arange(201.0))
        assert ds.attrs["status"] == "complete"
        assert "forum_hermite" in ds.attrs["config"]


def test_forum_blowup_fails_cleanly_within_seconds(tmp_path):
    out = tmp_path / "blowup.h5"
    started = time.perf_counter()
    result = cgle_cli("run", str(ROOT / "configs" / "forum_blowup.yaml"), "-o", str(out))
    elapsed = time.perf_counter() - started
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = result.stderr
    assert "blew up at t = 1 (step 1, scheme cnfe" in message
    assert "explicit cubic term unstable: dt*|beta|*max|q|^2 = 1e+08 >> 2" in message
    assert "time.scheme: strang" in message and "smaller initial amplitude" in message
    assert elapsed < 60
    traj = cgle.open_trajectory(out)
    assert traj.status == "failed" and "explicit cubic term unstable" in traj.message
    np.testing.assert_array_equal(traj.t, [0.0])
    np.testing.assert_array_equal(traj.q[0], np.full(220, 1e4 + 0j))


def test_blow_up_to_nan_is_one_paragraph_without_numpy_warnings(tmp_path):
    """etdrk4 at the forum's dt = 1, q0 = 1e4 overflows to NaN inside its first step; the
    user sees the diagnosis, not numpy RuntimeWarnings from inside the stepper."""
    config = tmp_path / "etdrk4.yaml"
    config.write_text((ROOT / "configs" / "forum_blowup.yaml").read_text().replace("scheme: cnfe", "scheme: etdrk4"))
    result = cgle_cli("run", str(config), "-o", str(tmp_path / "etdrk4.h5"))
    assert result.returncode == 1
    assert "RuntimeWarning" not in result.stderr and "Traceback" not in result.stderr
    assert "blew up at t = 1 (step 1, scheme etdrk4, dt = 1): max|q| = NaN/inf" in result.stderr
    assert "explicit cubic term unstable" in result.stderr


def test_negative_real_beta_reports_finite_time_blow_up(tmp_path):
    data = {
        "equation": {"nu": 0, "gamma": 1, "mu": [-1.0, 0, -0.5], "beta": -1.0},
        "grid": {"basis": "hermite", "n": 24},
        "initial": {"kind": "constant", "amplitude": 2.0},
        "time": {"scheme": "strang", "dt": 0.5, "t_end": 5.0},
    }
    with pytest.raises(cgle.RunFailed) as info:
        cgle.run(data, tmp_path / "sub.h5")
    # 1 + 2 Re(beta) |q0|^2 (dt/2) = 1 - 2 * 4 * 0.25 < 0 within the first half step
    assert "blows up in finite time (Re(beta) < 0)" in str(info.value)
    assert cgle.open_trajectory(tmp_path / "sub.h5").status == "failed"


def test_supercritical_flow_grows_and_saturates(tmp_path):
    out = cgle.run(ROOT / "configs" / "gl_supercritical.yaml", tmp_path / "super.h5")
    traj = cgle.open_trajectory(out)
    e, t = traj.energy, traj.t
    assert traj.status == "complete"
    # grows by many orders of magnitude from the seeded noise ...
    assert e[-1] / e[0] > 1e4
    # ... and saturates: the energy is flat over the last 300 time units, and bounded
    late = t >= t[-1] - 300
    assert np.ptp(e[late]) / e[-1] < 1e-3
    assert np.max(np.abs(traj.q)) < 2.0


def test_refuses_to_overwrite_a_complete_run(tmp_path):
    out = tmp_path / "forum.h5"
    cfg = ROOT / "configs" / "forum_hermite.yaml"
    assert cgle_cli("run", str(cfg), "-o", str(out), "--quiet").returncode == 0
    again = cgle_cli("run", str(cfg), "-o", str(out))
    assert again.returncode == 1 and "already holds a complete run" in again.stderr
    assert cgle_cli("run", str(cfg), "-o", str(out), "--overwrite", "--quiet").returncode == 0


def test_cli_reports_config_errors_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("equation: {nu: 1}\ngrid: {basis: hermite, n: 20, scale: 1.0}\ntime: {dt: -1}\n")
    result = cgle_cli("run", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == "cgle: config error at time.dt: must be > 0 (got -1)"
    missing = cgle_cli("run", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "config file not found" in missing.stderr


def test_info_prints_status_and_frames(tmp_path):
    out = cgle.run(ROOT / "configs" / "forum_hermite.yaml", tmp_path / "f.h5")
    result = cgle_cli("info", str(out))
    assert result.returncode == 0
    assert "status:   complete" in result.stdout and "frames:   201" in result.stdout
