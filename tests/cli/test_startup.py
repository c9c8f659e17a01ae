"""What a command loads: a Hermite or Fourier run imports neither scipy.linalg (~0.14 s of
import) nor numba (~1 s to load its cache) nor the plotting and sweep libraries.

Each case runs the command in a fresh interpreter and reads its ``sys.modules`` at the
end; the frames it wrote are checked against the same run made through the Python API,
so the lean path is also the right one.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy.linalg", "scipy.optimize", "numba", "matplotlib", "dask", "xarray")

# a module counts when it, or a package above it, is one of HEAVY
PROBE = f"""
import json, sys
from cgle.cli import main
rc = main(sys.argv[1:])
heavy = {HEAVY!r}
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
print(json.dumps({{"rc": rc, "heavy": loaded}}))
"""


def _run(args, cwd):
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("config, overrides", [
    ("forum_hermite.yaml", ["time.t_end=5", "output.every=1"]),
    ("forum_hermite.yaml", ["time.scheme=etdrk4", "time.dt=0.5", "time.t_end=5", "initial.amplitude=1"]),
    ("periodic_plane_wave.yaml", ["time.t_end=2"]),
])
def test_a_run_loads_only_what_it_needs(tmp_path, config, overrides):
    import yaml

    import cgle

    out = tmp_path / "run.h5"
    args = ["run", str(ROOT / "configs" / config), "-o", str(out), "--quiet"]
    for item in overrides:
        args += ["--set", item]
    report = _run(args, tmp_path)
    assert report["rc"] == 0
    assert report["heavy"] == [], f"`cgle {' '.join(args)}` imported {report['heavy']}"
    # the same run through the API (which may load anything) gives the same frames
    cfg = cgle.load_config(ROOT / "configs" / config)
    for item in overrides:
        key, value = item.split("=")
        cfg = cfg.replace(key, yaml.safe_load(value))
    reference = cgle.run(cfg, tmp_path / "api.h5")
    a, b = cgle.open_trajectory(out).q, cgle.open_trajectory(reference).q
    assert a.shape == b.shape
    np.testing.assert_array_equal(a, b)
