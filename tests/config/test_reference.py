"""The config reference (cgle.config.key_docs.KEY_DOCS, rendered by cgle.config.reference)
against the validator (cgle.config.load_config).

For every documented key: its example loads, its invalid value is refused at that key,
every allowed value loads, and its default is what a config without the key gets. For
every section: the documented keys are exactly the keys the validator accepts, for
every grid basis and initial kind, and an undocumented key is refused.
"""

import copy
import dataclasses

import pytest

from cgle.config import ConfigError, load_config
from cgle.config.key_docs import KEY_DOCS, SECTION_DOCS
from cgle.config.reference import reference_markdown, schemes, written_default, yaml_value
from cgle.config.schema import (
    ACTUATORS,
    CONTROL,
    DISTURBANCES,
    EQUATION,
    FLOW,
    FORCING,
    GRID_BASES,
    INITIAL_KINDS,
    LIMITS,
    OUTPUT,
    SENSORS,
    TIME,
    TOP_LEVEL,
    Grid,
)

SECTION_PARSERS = {"equation": EQUATION, "flow": FLOW, "time": TIME, "output": OUTPUT, "forcing": FORCING,
                   "actuators": ACTUATORS, "sensors": SENSORS, "disturbances": DISTURBANCES, "control": CONTROL,
                   "limits": LIMITS}
# allowed values that need another grid than the entry's own context
NEEDS_BASIS = {("output.fields", "diagnostics"): "fourier"}


def _context(doc):
    return dict([doc.when]) if doc.when else {}


def base_for(doc, basis=None):
    """A small valid config in which ``doc`` applies."""
    when = _context(doc)
    kind = when.get("initial.kind", ("constant",))[0]
    basis = basis or when.get("grid.basis", ("hermite",))[0]
    if kind in ("plane_wave", "spiral"):
        basis = "fourier"
    if doc.section == "equation":
        basis = "chebyshev"  # no hermite scale rule on mu, so mu's default loads
    data = {"name": "ref", "equation": {"mu": [0.3, 0.0, -0.005], "beta": 1},
            "grid": {"basis": basis, "n": 8}, "initial": {"kind": kind},
            "time": {"dt": 0.5, "t_end": 1.0}}
    if basis == "fourier":
        data["equation"]["mu"] = [1.0]
        data["grid"]["n"] = [8, 8] if kind == "spiral" else 8
    if kind == "file":
        data["initial"]["path"] = "state.npy"
    if doc.section == "flow":
        data["flow"] = {} if basis != "fourier" else {"mu2": 0.0}
        del data["equation"]
    if doc.section in ("forcing", "actuators", "sensors", "disturbances"):
        data[doc.section] = {}
    if doc.section == "control":  # a compensator acts through actuators and reads sensors
        data.update(actuators={}, sensors={}, control={})
    if doc.key in ("time.rtol", "time.atol"):  # tolerances need an adaptive scheme
        data["time"] = {"scheme": "ark436", "t_end": 1.0, "rtol": 1e-6}
    return data


def with_key(data, key, value=None, remove=False):
    data = copy.deepcopy(data)
    *path, last = key.split(".")
    node = data
    for part in path:
        node = node.setdefault(part, {})
    if remove:
        node.pop(last, None)
    else:
        node[last] = list(value) if isinstance(value, tuple) else value
    return data


def held(cfg, doc):
    if doc.key == "name":
        return cfg.name
    return getattr(getattr(cfg, doc.section), doc.name)


def ids(doc):
    return doc.key + (f"[{doc.when[1][0]}]" if doc.when else "")


@pytest.mark.parametrize("doc", KEY_DOCS, ids=ids)
def test_example_loads_and_invalid_is_refused_at_the_key(doc):
    base = base_for(doc)
    cfg = load_config(with_key(base, doc.key, doc.example))
    assert held(cfg, doc) is not None
    if doc.invalid is not None:
        with pytest.raises(ConfigError) as err:
            load_config(with_key(base, doc.key, doc.invalid))
        assert err.value.key.startswith(doc.key), (err.value.key, str(err.value))


@pytest.mark.parametrize("doc", [d for d in KEY_DOCS if d.allowed or d.key == "time.scheme"], ids=ids)
def test_every_allowed_value_loads_and_others_are_refused(doc):
    allowed = schemes() if doc.key == "time.scheme" else doc.allowed
    listed = doc.kind.startswith("list")
    for value in allowed:
        if doc.key in ("grid.basis", "initial.kind"):  # a config in which this value applies
            base = base_for(dataclasses.replace(doc, when=(doc.key, (value,))))
        else:
            base = base_for(doc, NEEDS_BASIS.get((doc.key, value)))
        cfg = load_config(with_key(base, doc.key, [value] if listed else value))
        assert held(cfg, doc) == ((value,) if listed else value)
    if doc.key != "grid.scale":  # a number is also allowed there
        with pytest.raises(ConfigError):
            load_config(with_key(base_for(doc), doc.key, ["not-allowed"] if listed else "not-allowed"))


@pytest.mark.parametrize("doc", [d for d in KEY_DOCS if not d.derived], ids=ids)
def test_documented_default_is_the_validators(doc):
    base = base_for(doc)
    omitted = held(load_config(with_key(base, doc.key, remove=True)), doc)
    given = held(load_config(with_key(base, doc.key, written_default(doc))), doc)
    assert omitted == given == doc.default_value()


def _names(section, context=None):
    return {d.name for d in KEY_DOCS if d.section == section
            and (not d.when or context is None or context in d.when[1])}


def test_documented_sections_are_the_top_level_keys():
    assert set(SECTION_DOCS) == set(TOP_LEVEL)
    assert {d.section for d in KEY_DOCS} == set(TOP_LEVEL)
    with pytest.raises(ConfigError, match="unknown section"):
        load_config({"equation": {}, "solver": {}})


@pytest.mark.parametrize("section", sorted(SECTION_PARSERS))
def test_documented_keys_are_the_parsers_keys(section):
    assert _names(section) == set(SECTION_PARSERS[section])
    doc = next(d for d in KEY_DOCS if d.section == section)
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(with_key(base_for(doc), f"{section}.undocumented", 1))


@pytest.mark.parametrize("kind", sorted(INITIAL_KINDS))
def test_documented_initial_keys_are_the_validators(kind):
    documented = {d.name for d in KEY_DOCS if d.section == "initial" and (not d.when or kind in d.when[1])}
    assert documented == {"kind", *INITIAL_KINDS[kind]}
    doc = next(d for d in KEY_DOCS if d.when == ("initial.kind", (kind,)))
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(with_key(base_for(doc), "initial.undocumented", 1))


@pytest.mark.parametrize("basis", GRID_BASES)
def test_documented_grid_keys_are_the_validators(basis):
    documented = _names("grid", basis)
    candidates = _names("grid") | {f.name for f in dataclasses.fields(Grid)} | {"undocumented"}
    examples = {d.name: d.example for d in KEY_DOCS if d.section == "grid"}
    doc = next(d for d in KEY_DOCS if d.when and d.when == ("grid.basis", (basis,)))
    base = base_for(doc)
    for name in sorted(candidates - {"basis"}):
        value = examples.get(name, 1)
        if name == "n" and basis != "fourier":
            value = 8
        data = with_key(base, f"grid.{name}", value)
        if name in documented:
            load_config(data)
        else:
            with pytest.raises(ConfigError, match="unknown key"):
                load_config(data)


def test_rendered_reference_names_every_key_and_scheme():
    text = reference_markdown()
    for doc in KEY_DOCS:
        assert f"`{doc.name}`" in text
        assert f"{doc.name}: {yaml_value(doc.example)}" in text
    for name in schemes():
        assert f"`{name}`" in text
