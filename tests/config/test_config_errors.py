"""Every invalid config gives one message naming the key, the rule and the value (issue 7).

Hypothesis generates invalid configs by mutating a valid one: a wrong type or an
out-of-range value at a random key, an unknown key in a random section, a section of the
wrong kind. `cgle validate` and `cgle run` must answer each with exit status 2 and one
line `cgle: config error at <key>: <rule> (got <value>)`, never a traceback.
"""

import copy
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cgle.cli import main

VALID = {
    "name": "valid",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 16, "scale": "auto"},
    "initial": {"kind": "constant", "amplitude": 1.0},
    "time": {"scheme": "strang", "dt": 0.5, "t_end": 2.0, "precheck": "off"},
    "output": {"every": 1.0, "checkpoint_every": 2.0},
}

not_real = st.sampled_from(["fast", "1+2j", [1, 2], {"a": 1}, True, None, math.nan, math.inf, "1e4x"])
not_positive = st.one_of(st.floats(max_value=0.0, allow_nan=False, allow_infinity=False), not_real)
not_complex = st.sampled_from(["2+0.2i", "abc", "1 + j j", [1.0], {"re": 1}, True, None, "nan", "inf+1j"])
not_integer = st.sampled_from([2.5, "many", [16], True, None, 3, -1, 0])
not_name = st.sampled_from(["", "a/b", 7, [1], None, ".."])


def not_choice(allowed):
    return st.one_of(st.text(min_size=1, max_size=8).filter(lambda s: s not in allowed), st.sampled_from([1, [], None]))


# key path -> strategy of values that break it
LEAVES = {
    ("name",): not_name,
    ("equation", "nu"): not_complex,
    ("equation", "gamma"): not_complex,
    ("equation", "beta"): not_complex,
    ("equation", "mu"): st.sampled_from([["x"], [None], "abc", [[1]]]),
    ("grid", "basis"): not_choice({"hermite", "chebyshev", "fourier"}),
    ("grid", "n"): not_integer,
    ("grid", "scale"): st.one_of(not_positive, not_choice({"auto", "ilak"})).filter(
        lambda v: not (isinstance(v, str) and v in ("auto", "ilak"))
        and not (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0)),
    ("initial", "kind"): not_choice({"constant", "gaussian", "noise", "plane_wave", "mode", "file", "spiral"}),
    ("initial", "amplitude"): not_complex,
    ("time", "scheme"): not_choice(set()).filter(lambda v: v not in ("strang", "cnab2", "cnfe")),
    ("time", "dt"): not_positive,
    ("time", "t_end"): not_positive,
    ("time", "precheck"): not_choice({"error", "warn", "off"}).filter(lambda v: not isinstance(v, bool)),
    ("time", "max_amplitude"): not_positive.filter(lambda v: v is not None),
    ("output", "every"): not_positive.filter(lambda v: v is not None),
    ("output", "checkpoint_every"): not_positive.filter(lambda v: v is not None),
    ("output", "compression"): not_choice({"gzip", "lzf"}).filter(lambda v: v is not None),
    ("output", "fields"): st.sampled_from([["q", "phase"], "velocity", [1]]),
}
SECTIONS = ["equation", "grid", "initial", "time", "output"]


@st.composite
def invalid_configs(draw):
    data = copy.deepcopy(VALID)
    kind = draw(st.sampled_from(["leaf", "unknown key", "section type", "unknown section"]))
    if kind == "leaf":
        path = draw(st.sampled_from(sorted(LEAVES)))
        value = draw(LEAVES[path])
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        key = ".".join(path)
    elif kind == "unknown key":
        section = draw(st.sampled_from(SECTIONS))
        name = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10).filter(
            lambda s: s not in data[section] and s not in ("kind",)))
        data[section][name] = draw(st.one_of(st.integers(), st.text(max_size=5)))
        key = f"{section}.{name}"
    elif kind == "section type":
        key = draw(st.sampled_from(SECTIONS))
        data[key] = draw(st.sampled_from([[1, 2], "text", 3.5]))
    else:
        key = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10).filter(
            lambda s: s not in VALID and s not in ("flow", "forcing")))
        data[key] = {"a": 1}
    return data, key


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=invalid_configs())
def test_every_invalid_config_gets_one_message_with_its_key(tmp_path, capsys, case):
    data, key = case
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    for command in ("validate", "run"):
        code = main([command, str(path), "-o", str(tmp_path / "x.h5")] if command == "run" else [command, str(path)])
        err = capsys.readouterr().err
        assert code == 2, (data, err)
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith(f"cgle: config error at {key}"), (key, err)
        assert "(got " in lines[0] or "exactly one of" in lines[0]
    assert not (tmp_path / "x.h5").exists()


def test_missing_initial_file_is_a_config_error(tmp_path, capsys):
    data = copy.deepcopy(VALID)
    data["initial"] = {"kind": "file", "path": "nowhere.npy"}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "cgle: config error at initial.path: file not found (got 'nowhere.npy')"


def test_valid_config_validates(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(VALID))
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"valid: {path}")


@pytest.mark.parametrize("text, where", [("time: [1, 2\n", "line 2"), ("a: b: c\n", "line 1")])
def test_broken_yaml_is_reported_with_its_line(tmp_path, capsys, text, where):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "is not valid YAML at " + where in err and len(err.splitlines()) == 1
