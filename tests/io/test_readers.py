"""Trajectory files that every tool reads: complete, killed, live and repaired files
opened with h5dump (HDF5 1.10 tools), plain h5py, xarray and cgle.open_dataset; the
attributes describe the run; a directory of runs is one table."""

import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import xarray as xr
import yaml

import cgle
from cgle.config.attributes import config_from_attributes

CONFIG = {
    "name": "readers",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 64},
    "initial": {"kind": "gaussian", "amplitude": 2.0, "center": -3.0, "width": 2.0},
    "time": {"scheme": "strang", "dt": 0.0005, "t_end": 40.0},
    "output": {"every": 0.5, "checkpoint_every": 5.0},
}
READERS = ("h5dump", "h5py", "xarray", "cgle.open_dataset", "h5py swmr")


def write_config(tmp_path, **time_keys):
    data = yaml.safe_load(yaml.safe_dump(CONFIG))
    data["time"].update(time_keys)
    path = tmp_path / "readers.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def start(config, out):
    return subprocess.Popen([sys.executable, "-m", "cgle", "run", str(config), "-o", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_frames(proc, out, count, max_wait=120):
    deadline = time.monotonic() + max_wait
    while True:
        try:
            with h5py.File(out, "r", swmr=True) as f:
                if f["t"].shape[0] >= count:
                    return
        except (OSError, KeyError):
            pass
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def which_open(path):
    """reader -> True when it opens the file and reads q, t and x."""
    result = {}
    if shutil.which("h5dump"):
        done = subprocess.run(["h5dump", "-H", str(path)], capture_output=True, text=True, timeout=60)
        result["h5dump"] = done.returncode == 0 and "ERROR" not in done.stdout + done.stderr
    for name, opener in (("h5py", lambda: h5py.File(path, "r")), ("h5py swmr", lambda: h5py.File(path, "r", swmr=True))):
        try:
            with opener() as f:
                f["q"][-1], f["t"][:], f["x"][:]
            result[name] = True
        except OSError:
            result[name] = False
    for name, opener in (("xarray", lambda: xr.open_dataset(path, engine="h5netcdf")),
                         ("cgle.open_dataset", lambda: cgle.open_dataset(path))):
        try:
            with opener() as ds:
                assert ds["q"].dims == ("t", "x") and "t" in ds.coords and "x" in ds.coords
                ds["q"].values
            result[name] = True
        except OSError:
            result[name] = False
    return result


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Reference frames, and a complete, a killed and a live file (reader opened mid-run)."""
    tmp = tmp_path_factory.mktemp("readers")
    config = write_config(tmp)
    complete = cgle.run(yaml.safe_load(config.read_text()), tmp / "complete.h5")
    with h5py.File(complete, "r") as f:
        reference = {name: f[name][()] for name in ("t", "q", "energy")}
    killed, live = tmp / "killed.h5", tmp / "live.h5"
    proc = start(config, killed)
    wait_for_frames(proc, killed, 3)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc = start(config, live)
    wait_for_frames(proc, live, 3)
    try:
        live_result = which_open(live)
        with cgle.open_dataset(live) as ds:
            live_frames = {name: ds[name].values for name in ("t", "q", "energy")}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
    return {"dir": tmp, "config": config, "reference": reference, "complete": complete, "killed": killed,
            "live": (live_result, live_frames)}


def check_frames(frames, reference):
    n = len(frames["t"])
    assert n >= 1
    for name in ("t", "q", "energy"):
        np.testing.assert_array_equal(frames[name], reference[name][:n])


def test_complete_file_opens_everywhere(files):
    got = which_open(files["complete"])
    if not shutil.which("h5dump"):
        pytest.skip("h5dump (Debian's hdf5-tools, HDF5 1.10) is not installed; the other readers: " + str(got))
    assert all(got[r] for r in READERS), got


def test_killed_and_live_files_open_in_swmr_readers(files):
    for got in (which_open(files["killed"]), files["live"][0]):
        assert got["cgle.open_dataset"] and got["h5py swmr"], got
    with cgle.open_dataset(files["killed"]) as ds:
        check_frames({name: ds[name].values for name in ("t", "q", "energy")}, files["reference"])
    check_frames(files["live"][1], files["reference"])


def test_repaired_killed_file_opens_everywhere_with_the_same_frames(files, tmp_path):
    killed = tmp_path / "killed.h5"
    shutil.copy(files["killed"], killed)
    before = cgle.open_trajectory(killed)
    n, q = before.nframes, before.q
    info = subprocess.run([sys.executable, "-m", "cgle", "info", str(killed)], capture_output=True, text=True)
    assert "--resume" in info.stdout and f"cgle repair {killed}" in info.stdout
    done = subprocess.run([sys.executable, "-m", "cgle", "repair", str(killed)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got = which_open(killed)
    assert all(v for v in got.values()), got
    with h5py.File(killed, "r") as f:
        assert f["t"].shape[0] == n and f.attrs["status"] == "interrupted" and "repaired" in f.attrs["history"]
        np.testing.assert_array_equal(f["q"][()], q)
        check_frames({name: f[name][()] for name in ("t", "q", "energy")}, files["reference"])
    # it resumes like any interrupted run, to the uninterrupted trajectory
    resumed = subprocess.run([sys.executable, "-m", "cgle", "run", str(files["config"]), "-o", str(killed),
                              "--resume", "--quiet"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    with h5py.File(killed, "r") as f:
        check_frames({name: f[name][()] for name in ("t", "q", "energy")}, files["reference"])
        assert f["t"].shape[0] == len(files["reference"]["t"])
    again = subprocess.run([sys.executable, "-m", "cgle", "repair", str(killed)], capture_output=True, text=True)
    assert again.returncode == 0 and "nothing to repair" in again.stdout


def test_open_dataset_matches_xarray_on_a_complete_file(files):
    with xr.open_dataset(files["complete"], engine="h5netcdf") as plain, cgle.open_dataset(files["complete"]) as ours:
        assert set(plain.variables) == set(ours.variables) and set(plain.coords) == set(ours.coords)
        for name in plain.variables:
            assert plain[name].dims == ours[name].dims
            np.testing.assert_array_equal(plain[name].values, ours[name].values)
            assert plain[name].attrs.keys() == ours[name].attrs.keys()
        assert set(plain.attrs) == set(ours.attrs)


def test_every_variable_describes_itself_and_the_parameters_rebuild_the_config(files):
    with xr.open_dataset(files["complete"], engine="h5netcdf") as ds:
        for name in ds.variables:
            assert ds[name].attrs.get("long_name") and ds[name].attrs.get("units") == "1", name
        attrs = ds.attrs
        assert attrs["Conventions"].startswith("CF-") and attrs["title"] and "cgle" in attrs["source"]
        assert "created" in attrs["history"]
        assert attrs["gamma_real"] == 1.0 and attrs["gamma_imag"] == -1.0 and attrs["nu_imag"] == 0.2
        assert attrs["grid_n"] == 64 and attrs["time_scheme"] == "strang"
        rebuilt = config_from_attributes(attrs)
    original = cgle.load_config(files["config"])
    for section in ("equation", "grid", "initial", "time", "output"):
        assert getattr(rebuilt, section) == getattr(original, section), section


def test_checkpoint_is_named_datasets(files):
    with h5py.File(files["complete"], "r") as f:
        slot, frames = f["checkpoint/active"][()]
        ck = f[f"checkpoint/slot{slot}"]
        assert {"state", "t", "step", "dt"} <= set(ck)
        assert ck["state"].shape == (1, 64) and ck["state"].dtype == np.complex128
        assert ck["t"][0] == 40.0 and frames == len(files["reference"]["t"])
        np.testing.assert_array_equal(ck["state"][0], files["reference"]["q"][-1])


def test_open_runs_one_row_per_file(files, tmp_path):
    for name in ("complete", "killed"):
        shutil.copy(files[name], tmp_path / f"{name}.h5")
    bad = dict(yaml.safe_load(files["config"].read_text()),
               initial={"kind": "constant", "amplitude": 1e4}, time={"scheme": "cnfe", "dt": 0.1, "t_end": 20.0,
                                                                      "precheck": "off"})
    with pytest.raises(cgle.RunFailed):
        cgle.run(bad, tmp_path / "sub" / "failed.h5")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    table = cgle.open_runs(tmp_path)
    assert len(table) == 4
    status = dict(zip(table["file"].map(lambda p: p.rsplit("/", 1)[1]), table["status"]))
    assert status == {"complete.h5": "complete", "killed.h5": "killed", "failed.h5": "failed", "junk.h5": "damaged"}
    row = table[table["status"] == "complete"].iloc[0]
    assert row["frames"] == len(files["reference"]["t"]) and row["gamma_imag"] == -1.0 and row["grid_n"] == 64
    assert row["final_energy"] == pytest.approx(files["reference"]["energy"][-1])
