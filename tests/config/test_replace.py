"""Changing one value of a config from Python is validated like the YAML."""

import dataclasses

import pytest

import cgle
from cgle.config import ConfigError, load_config, to_dict


@pytest.fixture
def cfg():
    return load_config("configs/forum_hermite.yaml")


def test_replace_sets_and_validates(cfg):
    new = cfg.replace("grid.n", 300)
    assert new.grid.n == (300,) and cfg.grid.n == (220,)
    assert cfg.replace({"time.dt": 0.5, "equation.nu": "1+1j"}).equation.nu == 1 + 1j
    assert cfg.replace(**{"time.dt": 0.5}).time.dt == 0.5
    assert cgle.build(new).L.shape == (300, 300)
    with pytest.raises(ConfigError, match=r"config error at grid.n: must be <= 4000 \(got 5000\)"):
        cfg.replace("grid.n", 5000)
    # a relation between sections is checked too
    with pytest.raises(ConfigError, match="config error at output.every: must be a whole multiple of time.dt"):
        cfg.replace("time.dt", 0.3)


def test_dataclasses_replace_of_a_section_is_checked(cfg):
    grid = dataclasses.replace(cfg.grid, n=100)
    assert grid.n == (100,)
    prob = cgle.build(dataclasses.replace(cfg, grid=grid))
    assert prob.L.shape == (100, 100)
    with pytest.raises(ConfigError, match="config error at time.dt: must be > 0"):
        dataclasses.replace(cfg.time, dt=-1.0)
    with pytest.raises(ConfigError, match="config error at grid.n: must be an integer"):
        dataclasses.replace(cfg.grid, n="many")


def test_overrides_are_read_as_yaml_values_and_kept(cfg):
    new = load_config("configs/forum_hermite.yaml", overrides={"grid.n": "64", "initial.amplitude": "2.5",
                                                               "time.scheme": "cnab2", "time.precheck": "off"})
    assert new.grid.n == (64,) and new.initial.amplitude == 2.5 and new.time.scheme == "cnab2"
    assert to_dict(new)["grid"]["n"] == 64
    assert load_config(to_dict(new)) == dataclasses.replace(new, base_dir=".")


def test_config_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: r\u00e9sum\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="is not UTF-8 text: byte 0xe9 at line 1"):
        load_config(path)
