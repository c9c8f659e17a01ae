"""Runs that survive (issue 7): SIGKILL at random moments, exact resume, signals.

Every test drives the real command line in a subprocess, as a user or a batch system
would, and compares trajectories bit for bit with an uninterrupted run.
"""

import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import yaml

import cgle
from cgle.steppers import registry

CONFIG = {
    "name": "survive",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 100, "scale": "auto"},
    "initial": {"kind": "gaussian", "amplitude": 2.0, "center": -3.0, "width": 2.0},
    "time": {"scheme": "strang", "dt": 0.0005, "t_end": 30.0},
    "output": {"every": 0.5, "checkpoint_every": 5.0},
}


def adaptive_schemes():
    return sorted(name for name, cls in registry().items() if cls.adaptive)


def write_config(tmp_path, scheme, **time):
    data = yaml.safe_load(yaml.safe_dump(CONFIG))
    data["time"]["scheme"] = scheme
    data["time"].update(time)
    if registry()[scheme].adaptive:
        # tight enough (~27000 steps, ~2 s) for a kill to land mid-run
        data["time"].update(rtol=1e-11, t_end=200.0)
    path = tmp_path / f"{scheme}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def start(config, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "cgle", "run", str(config), "-o", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def frames_on_disk(path):
    try:
        with h5py.File(path, "r", swmr=True) as f:
            return f["t"].shape[0]
    except (OSError, KeyError):
        return 0


def kill_after_frames(proc, out, rng, max_wait=120):
    """SIGKILL ``proc`` at a random moment once it has written a few frames."""
    deadline = time.monotonic() + max_wait
    while frames_on_disk(out) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.4))
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def reference(tmp_path, config):
    out = tmp_path / "reference.h5"
    done = subprocess.run([sys.executable, "-m", "cgle", "run", str(config), "-o", str(out), "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        return f["t"][:], f["q"][:], f["energy"][:]


SCHEMES = ["strang", "cnab2"] + adaptive_schemes()[:1]


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEMES)
def test_sigkill_at_random_moments_then_resume_is_bitwise_identical(tmp_path, scheme):
    rng = np.random.default_rng(abs(hash(scheme)) % 2**32)
    config = write_config(tmp_path, scheme)
    t_ref, q_ref, e_ref = reference(tmp_path, config)
    out = tmp_path / "killed.h5"

    proc = start(config, out)
    kills = 0
    for attempt in range(3):
        kill_after_frames(proc, out, rng)
        traj = cgle.open_trajectory(out)
        if proc.returncode == 0 or traj.status == "complete":
            break  # the run finished before the kill landed
        assert proc.returncode == -signal.SIGKILL
        kills += 1
        # every frame written before the kill is there, readable, and exact
        n = traj.nframes
        assert 1 <= n <= len(t_ref)
        assert traj.status == "running"
        np.testing.assert_array_equal(traj.t, t_ref[:n])
        np.testing.assert_array_equal(traj.q, q_ref[:n])
        np.testing.assert_array_equal(traj.energy, e_ref[:n])
        # `cgle info` opens it without repair and says what happened
        info = subprocess.run([sys.executable, "-m", "cgle", "info", str(out)], capture_output=True, text=True)
        assert info.returncode == 0 and "the run was killed" in info.stdout
        # a plain start refuses to destroy it
        refused = subprocess.run([sys.executable, "-m", "cgle", "run", str(config), "-o", str(out)],
                                 capture_output=True, text=True)
        assert refused.returncode == 1 and "--resume" in refused.stderr
        proc = start(config, out, "--resume")
    else:
        _, err_text = proc.communicate()
        assert proc.returncode == 0, err_text
    assert kills >= 1  # at least one kill landed mid-run
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "complete"
        np.testing.assert_array_equal(f["t"][:], t_ref)
        np.testing.assert_array_equal(f["q"][:], q_ref)
        np.testing.assert_array_equal(f["energy"][:], e_ref)


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_interrupts_cleanly_and_resumes(tmp_path, signum, code):
    config = write_config(tmp_path, "cnab2")
    t_ref, q_ref, _ = reference(tmp_path, config)
    out = tmp_path / "interrupted.h5"
    proc = start(config, out)
    while frames_on_disk(out) < 3:
        assert proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code
    assert "Traceback" not in err
    assert f"interrupted by {signal.Signals(signum).name}" in err and "--resume" in err
    traj = cgle.open_trajectory(out)
    assert traj.status == "interrupted" and "--resume" in traj.message
    n = traj.nframes
    np.testing.assert_array_equal(traj.q, q_ref[:n])
    done = subprocess.run([sys.executable, "-m", "cgle", "run", str(config), "-o", str(out), "--resume", "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["q"][:], q_ref)
        assert f.attrs["status"] == "complete" and f.attrs["resumes"] == 1


def test_resume_refuses_a_changed_config_and_names_the_key(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(CONFIG))
    data["time"].update(dt=0.05, t_end=10.0)
    out = tmp_path / "r.h5"
    cgle.run(data, out)
    data["time"]["dt"] = 0.1
    data["equation"]["beta"] = 2
    with pytest.raises(cgle.RunExists, match=r"config changed .*\(equation.beta, time.dt\)"):
        cgle.run(data, out, resume=True)


def test_resume_extends_a_complete_run_exactly(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(CONFIG))
    data["time"].update(scheme="cnab2", dt=0.05, t_end=10.0)
    data["output"].update(every=0.5, checkpoint_every=2.0)
    short = cgle.run(data, tmp_path / "short.h5")
    assert cgle.run(data, short, resume=True) == short  # complete: nothing to do
    data["time"]["t_end"] = 20.0
    cgle.run(data, short, resume=True)
    full = cgle.run(data, tmp_path / "full.h5")
    a, b = cgle.open_trajectory(short), cgle.open_trajectory(full)
    assert a.status == "complete" and a.nframes == 41
    np.testing.assert_array_equal(a.q, b.q)


def test_reader_sees_frames_while_the_run_is_writing(tmp_path):
    config = write_config(tmp_path, "strang", t_end=600.0)  # long enough to be caught running
    out = tmp_path / "live.h5"
    proc = start(config, out)
    try:
        seen = []
        while proc.poll() is None and len(seen) < 3:
            n = frames_on_disk(out)
            if n and (not seen or n > seen[-1]):
                # a second process: `cgle info` on the running file
                info = subprocess.run([sys.executable, "-m", "cgle", "info", str(out)], capture_output=True,
                                      text=True)
                assert info.returncode == 0 and "status:   running" in info.stdout
                with h5py.File(out, "r", swmr=True) as f:
                    q = f["q"][:n]
                    assert np.all(np.isfinite(q)) and q.shape == (n, 100)
                seen.append(n)
            time.sleep(0.05)
        assert len(seen) >= 2 and seen[-1] > seen[0]
    finally:
        proc.kill()
        proc.wait()
