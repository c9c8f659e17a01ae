"""Every periodic config in configs/ runs from the command line (t_end shortened) and
shows its regime in the diagnostics; the file opens in xarray with q(t, x[, y])."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from cgle import cli
from cgle.analysis import diagnostics

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _run(tmp_path, name, t_end, every):
    data = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())
    data["time"]["t_end"] = t_end
    data["output"] = {"every": every}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / f"{name}.h5"
    assert cli.main(["run", str(path), "-o", str(out), "--quiet"]) == 0
    return data, out


def _check_xarray(out, ndim):
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds["q"].dims == ("t", "x", "y")[: ndim + 1]
        assert ds["q"].dtype == np.complex128
        return ds.sizes["t"]


def test_all_periodic_configs_are_covered():
    names = sorted(p.stem for p in CONFIGS.glob("periodic_*.yaml"))
    assert names == sorted(["periodic_plane_wave", "periodic_benjamin_feir", "periodic_defect_turbulence_1d",
                            "periodic_spiral_2d", "periodic_defect_turbulence_2d"])


def test_plane_wave_config_stays_a_plane_wave(tmp_path):
    data, out = _run(tmp_path, "periodic_plane_wave", 100.0, 5.0)
    assert _check_xarray(out, 1) == 21
    d = diagnostics.trajectory_diagnostics(out)
    k = 2 * np.pi * 3 / data["grid"]["length"]
    assert np.all(d["winding"] == 3) and np.all(d["defects"] == 0)
    assert d["mean_abs2"][-1] == pytest.approx(1 - k * k, abs=2e-3)


def test_benjamin_feir_config_becomes_phase_turbulent(tmp_path):
    _, out = _run(tmp_path, "periodic_benjamin_feir", 300.0, 50.0)
    _check_xarray(out, 1)
    d = diagnostics.trajectory_diagnostics(out)
    # the local wave number grows tenfold from the seeded noise, without any defect
    assert d["phase_gradient_rms"][-1] > 10 * d["phase_gradient_rms"][1]
    assert np.all(d["defects"] == 0) and np.all(d["winding"] == 0)
    assert d["mean_abs2"][-1] > 0.9


def test_defect_turbulence_1d_config_has_phase_slips(tmp_path):
    _, out = _run(tmp_path, "periodic_defect_turbulence_1d", 100.0, 5.0)
    _check_xarray(out, 1)
    d = diagnostics.trajectory_diagnostics(out)
    late = d["t"] >= 50
    assert d["defects"][late].sum() > 0
    assert len(set(d["winding"][late].tolist())) > 1  # phase slips change the winding
    assert np.all(d["correlation_length"][late] < 20)


def test_spiral_config_seeds_one_plus_one_defect(tmp_path):
    _, out = _run(tmp_path, "periodic_spiral_2d", 10.0, 2.0)
    assert _check_xarray(out, 2) == 6
    d = diagnostics.trajectory_diagnostics(out)
    assert (d["defects"][0], d["positive"][0], d["negative"][0]) == (1, 1, 0)
    assert d["winding"][-1] == 0  # nonzero everywhere on the torus: net charge 0


def test_defect_turbulence_2d_config_creates_defect_pairs(tmp_path):
    _, out = _run(tmp_path, "periodic_defect_turbulence_2d", 20.0, 5.0)
    _check_xarray(out, 2)
    d = diagnostics.trajectory_diagnostics(out)
    assert d["defects"][-1] >= 20
    assert np.all(d["winding"] == 0)
    assert np.all(d["positive"] == d["negative"])
