"""Config parsing: defaults, both equation forms, round trips and named errors."""

from pathlib import Path

import pytest
import yaml

from cgle.config import ConfigError, dump_yaml, load_config, to_dict, with_values

# run configs (sweep files, which have a `vary:` section, are tested in test_sweep.py)
CONFIGS = sorted(p for p in Path(__file__).resolve().parents[2].joinpath("configs").glob("*.yaml")
                 if "vary" not in yaml.safe_load(p.read_text()))


def base():
    return {
        "name": "t",
        "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0, -0.005], "beta": 1},
        "grid": {"basis": "hermite", "n": 40},
        "initial": {"kind": "constant", "amplitude": 1.0},
        "time": {"scheme": "strang", "dt": 0.5, "t_end": 2.0},
    }


def test_forum_config_values():
    cfg = load_config(Path(__file__).resolve().parents[2] / "configs" / "forum_hermite.yaml")
    assert cfg.equation.nu == 2 + 0.2j and cfg.equation.gamma == 1 - 1j
    assert cfg.equation.mu == (0.34, 0, -0.005) and cfg.equation.beta == 1
    assert cfg.grid.n == (220,) and cfg.grid.scale == "auto"
    assert cfg.initial.amplitude == 1e4 and cfg.time.scheme == "strang"
    assert str(cfg.output_path) == str(Path("runs") / "forum_hermite.h5")


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_shipped_config_loads_and_round_trips(path):
    cfg = load_config(path)
    again = load_config(to_dict(cfg), base_dir=cfg.base_dir)
    assert again == cfg
    assert dump_yaml(again) == dump_yaml(cfg)


def test_flow_form_is_bagheri_convention():
    data = base()
    del data["equation"]
    data["flow"] = {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu0": 0.38, "mu2": -0.01}
    eq = load_config(data).equation
    # nu = U + 2i cu, gamma = 1 + i cd, mu = mu0 - cu^2 + mu2 x^2 / 2
    assert eq.nu == 2 + 0.4j and eq.gamma == 1 - 1j
    assert eq.mu == pytest.approx((0.38 - 0.04, 0.0, -0.005))
    assert eq.beta == 0


def test_with_values_changes_one_key_and_revalidates():
    data = base()
    del data["equation"]
    data["flow"] = {"mu0": 0.38}
    cfg = load_config(data)
    new = with_values(cfg, {"flow.mu0": 0.41})
    assert new.flow.mu0 == 0.41 and new.equation.mu[0] == pytest.approx(0.41 - 0.04)
    with pytest.raises(ConfigError, match=r"config error at time.dt: must be > 0 \(got -1.0\)"):
        with_values(cfg, {"time.dt": -1.0})


def test_numbers_written_without_a_dot_are_accepted():
    data = base()
    data["initial"]["amplitude"] = "1e4"  # YAML 1.1 reads 1e4 as a string
    assert load_config(data).initial.amplitude == 1e4


@pytest.mark.parametrize(
    "edit, key, rule",
    [
        (lambda d: d["time"].update(dt=-1), "time.dt", "must be > 0"),
        (lambda d: d["time"].update(dt="fast"), "time.dt", "must be a real number"),
        (lambda d: d["time"].update(scheme="rk99"), "time.scheme", "must be one of"),
        (lambda d: d["time"].update(colour="red"), "time.colour", "unknown key"),
        (lambda d: d.update(extra={}), "extra", "unknown section"),
        (lambda d: d["equation"].update(nu="2+0.2i"), "equation.nu", "must be a complex number"),
        (lambda d: d["equation"].update(mu=["a"]), "equation.mu[0]", "must be a complex number"),
        (lambda d: d["grid"].update(n=2), "grid.n", "must be >= 4"),
        (lambda d: d["grid"].update(n=40.5), "grid.n", "must be an integer"),
        (lambda d: d["grid"].update(basis="legendre"), "grid.basis", "must be one of"),
        (lambda d: d["grid"].update(scale=-2), "grid.scale", "must be a number or one of"),
        (lambda d: d["initial"].update(kind="gaussian", m=3), "initial.m", "unknown key for kind gaussian"),
        (lambda d: d["initial"].update(kind="tophat"), "initial.kind", "must be one of"),
        (lambda d: d.update(output={"every": 0.3}), "output.every", "whole multiple of time.dt"),
        (lambda d: d["time"].update(t_end=2.2), "time.t_end", "whole multiple of output.every"),
        (lambda d: d.update(flow={"mu0": 0.4}), "equation", "exactly one of"),
        # the scale rule is told at the key the user wrote: grid.scale if given, else equation.mu
        (lambda d: (d["equation"].update(mu=[1.0]), d["grid"].update(scale="auto")), "grid.scale",
         "needs mu(x) = c1 - c2 x^2"),
        (lambda d: (d["equation"].update(mu=[1.0]), d["grid"].pop("scale", None)), "equation.mu",
         "must be c1 - c2 x^2 with c2 != 0 for the default grid.scale"),
    ],
)
def test_errors_name_key_rule_and_value(edit, key, rule):
    data = base()
    edit(data)
    with pytest.raises(ConfigError) as info:
        load_config(data)
    message = str(info.value)
    assert message.startswith(f"config error at {key}: ")
    assert rule in message
    assert info.value.key == key


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(FileNotFoundError, match="config path is not a regular file"):
        load_config(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("time: [1, 2\n")
    with pytest.raises(ConfigError, match="is not valid YAML at line"):
        load_config(bad)
