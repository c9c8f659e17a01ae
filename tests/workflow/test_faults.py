"""Faults and hostile files: two writers on one path, a resume that fails, and a corpus of
damaged run files through every command that reads one. Every case ends within a time
bound with exit 1 or 2 and one message, no traceback, and the damaged file unchanged."""

import hashlib
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import yaml

import cgle

SMALL = {
    "name": "faults",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 48},
    "initial": {"kind": "gaussian", "amplitude": 2.0, "center": -3.0, "width": 2.0},
    "time": {"scheme": "strang", "dt": 0.001, "t_end": 20.0},
    "output": {"every": 0.5, "checkpoint_every": 5.0},
}
TIME_BOUND = 60


def cgle_cli(*args, timeout=TIME_BOUND):
    return subprocess.run([sys.executable, "-m", "cgle", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    config = tmp / "faults.yaml"
    config.write_text(yaml.safe_dump(SMALL))
    done = cgle_cli("run", config, "-o", tmp / "good.h5", "--quiet")
    assert done.returncode == 0, done.stderr
    return config, tmp / "good.h5"


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_two_writers_on_one_path(good, tmp_path, delay):
    config, reference = good
    out = tmp_path / "shared.h5"
    words = [sys.executable, "-m", "cgle", "run", str(config), "-o", str(out), "--quiet"]
    first = subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    second = subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, err in results if code == 1)
    assert "is being written by process" in refused and "Traceback" not in refused
    with h5py.File(out, "r") as a, h5py.File(reference, "r") as b:
        for name in ("t", "q", "energy"):
            np.testing.assert_array_equal(a[name][()], b[name][()])
        assert a.attrs["status"] == "complete"


def test_second_writer_is_refused_while_the_first_lives(good, tmp_path):
    config, _ = good
    out = tmp_path / "busy.h5"
    longer = dict(SMALL, time=dict(SMALL["time"], t_end=200.0))
    config2 = tmp_path / "long.yaml"
    config2.write_text(yaml.safe_dump(longer))
    proc = subprocess.Popen([sys.executable, "-m", "cgle", "run", str(config2), "-o", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not out.exists():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
        for args in (["run", config2, "-o", out, "--overwrite"], ["run", config2, "-o", out, "--resume"],
                     ["repair", out]):
            done = cgle_cli(*args)
            assert done.returncode == 1, done.stderr
            assert f"process {proc.pid}" in done.stderr and "Traceback" not in done.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)


def test_failed_resume_leaves_the_file_byte_for_byte(good, tmp_path):
    config, reference = good
    damaged = tmp_path / "bad_checkpoint.h5"
    shutil.copy(reference, damaged)
    with h5py.File(damaged, "r+") as f:
        slot = int(f["checkpoint/active"][0])
        f[f"checkpoint/slot{slot}/state"][0, :10] = np.nan
        f.attrs["status"] = "interrupted"
    before = digest(damaged)
    longer = tmp_path / "longer.yaml"
    longer.write_text(yaml.safe_dump(dict(SMALL, time=dict(SMALL["time"], t_end=30.0))))
    done = cgle_cli("run", longer, "-o", damaged, "--resume", "--quiet")
    assert done.returncode == 1 and "checkpoint" in done.stderr and "left as it is" in done.stderr
    assert digest(damaged) == before


# ---------------------------------------------------------------------------- damaged files


def truncated(good, path, size):
    path.write_bytes(good.read_bytes()[:size])


def flipped(good, path, where):
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(len(data))
    lo, hi = where
    for i in rng.integers(int(lo * len(data)), int(hi * len(data)), size=24):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def edited(good, path, edit):
    shutil.copy(good, path)
    with h5py.File(path, "r+") as f:
        edit(f)


def _q_flipped(good, path):
    """Bytes flipped inside the stored frames of q: the checksum must catch it."""
    shutil.copy(good, path)
    with h5py.File(path, "r") as f:
        offset = f["q"].id.get_chunk_info(0).byte_offset
    data = bytearray(path.read_bytes())
    for i in range(offset + 100, offset + 104):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


CASES = {
    "empty": lambda g, p: p.write_bytes(b""),
    "not_hdf5": lambda g, p: p.write_text("just text\n"),
    "truncated_100": lambda g, p: truncated(g, p, 100),
    "truncated_3000": lambda g, p: truncated(g, p, 3000),
    "truncated_half": lambda g, p: truncated(g, p, g.stat().st_size // 2),
    "flipped_header": lambda g, p: flipped(g, p, (0.0, 0.02)),
    "flipped_body": lambda g, p: flipped(g, p, (0.3, 0.7)),
    "q_data_flipped": _q_flipped,
    "no_q_or_t": lambda g, p: edited(g, p, lambda f: (f.__delitem__("t"), f.__delitem__("x"))),
    "renamed_x": lambda g, p: edited(g, p, lambda f: f.move("x", "position")),
    "q_wrong_shape": lambda g, p: edited(g, p, lambda f: (f.__delitem__("q"),
                                                           f.create_dataset("q", data=np.zeros((3, 7), complex)))),
    "t_wrong_dtype": lambda g, p: edited(g, p, lambda f: (f.__delitem__("t"),
                                                           f.create_dataset("t", data=np.array([b"a", b"b"])))),
    "format_missing": lambda g, p: edited(g, p, lambda f: f.attrs.__delitem__("format")),
    "status_bogus": lambda g, p: edited(g, p, lambda f: f.attrs.__setitem__("status", "sideways")),
    "config_garbage": lambda g, p: edited(g, p, lambda f: (f.attrs.__setitem__("config", "{{{: ["),
                                                           f.attrs.__setitem__("status", "interrupted"))),
    "checkpoint_pointer": lambda g, p: edited(g, p, lambda f: (f["checkpoint/active"].__setitem__(
        slice(None), np.array([7, 10**9])), f.attrs.__setitem__("status", "interrupted"))),
    "checkpoint_missing": lambda g, p: edited(g, p, lambda f: (f.__delitem__("checkpoint"),
                                                               f.attrs.__setitem__("status", "interrupted"))),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_damaged_files_get_one_message_and_stay_as_they_are(good, tmp_path, case):
    config, reference = good
    path = tmp_path / f"{case}.h5"
    CASES[case](reference, path)
    before = digest(path)
    commands = {"info": ["info", path], "plot": ["plot", path, "-o", tmp_path / "f.png"],
                "analyze": ["analyze", path, "-o", tmp_path / "a.png"],
                "resume": ["run", config, "-o", path, "--resume", "--quiet"], "repair": ["repair", path]}
    for name, args in commands.items():
        started = time.monotonic()
        done = cgle_cli(*args)
        took = time.monotonic() - started
        assert took < TIME_BOUND, (case, name)
        assert "Traceback" not in done.stderr, (case, name, done.stderr)
        if done.returncode == 0:
            # harmless damage (bytes nobody reads): then the command did its job
            assert name in ("info", "plot", "analyze", "resume", "repair"), (case, name)
            continue
        assert done.returncode in (1, 2), (case, name, done.returncode, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cgle: ") and "unexpected error" not in lines[0], \
            (case, name, done.stderr)
        assert digest(path) == before, (case, name)


def test_corrupted_frames_are_reported_not_read(good, tmp_path):
    _, reference = good
    path = tmp_path / "q.h5"
    _q_flipped(reference, path)
    with pytest.raises(OSError, match="damaged"):
        cgle.open_trajectory(path).q
    done = cgle_cli("analyze", path, "-o", tmp_path / "a.png")
    assert done.returncode == 1 and "damaged" in done.stderr
