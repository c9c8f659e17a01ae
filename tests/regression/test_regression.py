"""Regression tests on stability, driven by files: one case per file in ``cases/``.

A case names a config in ``configs/`` and what must hold for it; adding a case is adding
a file. Keys (all but ``config`` optional; unknown keys are errors):

```yaml
config: forum_hermite.yaml          # file in configs/
covers: [sweep_mu0_cu.yaml]         # other files in configs/ this case stands for
set: {grid.n: 60}                   # dotted overrides applied before everything below
verdict:
  global: globally stable           # or: globally unstable
  local: locally convectively unstable   # locally stable | ... absolutely unstable | none
eigenvalues:                        # leading eigenvalues, sorted by growth rate
  values: ["-0.1326886987-0.5628202874j"]
  tol: 1.0e-9                       # absolute
  analytic_tol: 1.0e-9              # |numerical - analytic lambda_n| (Hermite, quadratic mu)
max_growth: {gain: 5.9984, t: 11.138, rtol: 1.0e-5, t_tol: 1.0e-3, t_max: 30.0}
critical:                           # Brent crossings of Re lambda_0 = 0
  - {key: flow.mu0, bracket: [0.3, 0.5], value: 0.3976886987, tol: 1.0e-8, set: {flow.cu: 0.2}}
run:                                # a short nonlinear run
  set: {time.t_end: 50.0}
  status: complete                  # or failed (then `message` must appear in the error)
  message: explicit cubic term
  measure: norm                     # norm: sqrt(mean energy); rms: sqrt(mean energy / sum(weights));
                                    # max_abs: max|q| in the last frame
  window: 10.0                      # energy averaged over frames with t >= t_end - window
  value: 0.0189
  rtol: 1.0e-6
```

``test_every_config_has_a_case`` fails when a config is added to configs/ without a case.
"""

from pathlib import Path

import numpy as np
import pytest
import yaml
from threadpoolctl import threadpool_limits

import cgle
from cgle import stability as st
from cgle.config import load_config, with_values

HERE = Path(__file__).parent
CASES = sorted((HERE / "cases").glob("*.yaml"))
CONFIGS = HERE.parents[1] / "configs"

SCHEMA = {
    "config": None, "covers": None, "set": None,
    "verdict": {"global", "local"},
    "eigenvalues": {"values", "tol", "analytic_tol"},
    "max_growth": {"gain", "t", "rtol", "t_tol", "t_max"},
    "critical": None,
    "run": {"set", "status", "message", "measure", "window", "value", "rtol"},
}
CRITICAL_KEYS = {"key", "bracket", "value", "tol", "set"}
MEASURES = ("norm", "rms", "max_abs")


def load_case(path):
    """Read a case file and check its keys (a typo must not silently skip a check)."""
    case = yaml.safe_load(path.read_text())
    if not isinstance(case, dict) or "config" not in case:
        raise ValueError(f"{path.name}: a case is a mapping with at least `config`")
    for key, value in case.items():
        if key not in SCHEMA:
            raise ValueError(f"{path.name}: unknown key {key!r}; allowed: {', '.join(SCHEMA)}")
        allowed = SCHEMA[key]
        if allowed is not None:
            extra = set(value) - allowed
            if extra:
                raise ValueError(f"{path.name}: unknown keys {sorted(extra)} in {key}; allowed: {sorted(allowed)}")
    for entry in case.get("critical", []):
        extra = set(entry) - CRITICAL_KEYS
        if extra or not {"key", "bracket", "value", "tol"} <= set(entry):
            raise ValueError(f"{path.name}: critical entries need key, bracket, value, tol (got {sorted(entry)})")
    run = case.get("run")
    if run is not None and run.get("status", "complete") == "complete" and run.get("measure") not in MEASURES:
        raise ValueError(f"{path.name}: run.measure must be one of {', '.join(MEASURES)}")
    return case


def case_config(case):
    cfg = load_config(CONFIGS / case["config"])
    return with_values(cfg, case["set"]) if case.get("set") else cfg


def run_measure(traj, measure, window):
    """The figure of a short run (see the module docstring)."""
    if measure == "max_abs":
        return float(np.max(np.abs(traj.frame(-1))))
    t, energy = traj.t, traj.energy
    mean = float(np.mean(energy[t >= t[-1] - window - 1e-9]))
    if measure == "rms":
        mean /= float(np.sum(traj.weights))
    return float(np.sqrt(mean))


@pytest.fixture(autouse=True)
def _one_thread():
    with threadpool_limits(1):
        yield


def test_every_config_has_a_case():
    covered = set()
    for path in CASES:
        case = load_case(path)
        covered.add(case["config"])
        covered.update(case.get("covers", []))
    configs = {p.name for p in CONFIGS.glob("*.yaml")}
    missing = sorted(configs - covered)
    assert not missing, f"configs without a regression case in tests/regression/cases/: {missing}"
    unknown = sorted(covered - configs)
    assert not unknown, f"cases name configs that do not exist: {unknown}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_stability_case(path):
    case = load_case(path)
    cfg = case_config(case)
    prob = cgle.build(cfg)
    spec = st.spectrum(prob, max(1, len(case.get("eigenvalues", {}).get("values", []))))

    verdict = case.get("verdict", {})
    if "global" in verdict:
        assert st.global_verdict(spec.leading) == verdict["global"]
    if "local" in verdict:
        local = st.local_stability(cfg.equation) if prob.basis != "fourier" else None
        assert (local.verdict if local is not None else "none") == verdict["local"]

    if "eigenvalues" in case:
        ev = case["eigenvalues"]
        expected = np.array([complex(str(v).replace(" ", "")) for v in ev["values"]])
        np.testing.assert_allclose(spec.values, expected, rtol=0, atol=float(ev["tol"]))
        if "analytic_tol" in ev:
            assert spec.analytic is not None, "no analytic spectrum for this config"
            assert np.max(np.abs(spec.difference)) <= float(ev["analytic_tol"])

    if "max_growth" in case:
        mg = case["max_growth"]
        opt = st.max_transient_growth(prob, t_max=mg.get("t_max"))
        assert opt.gain == pytest.approx(float(mg["gain"]), rel=float(mg["rtol"]))
        assert opt.t == pytest.approx(float(mg["t"]), abs=float(mg.get("t_tol", 1e-3)))

    for entry in case.get("critical", []):
        base = with_values(cfg, entry["set"]) if entry.get("set") else cfg
        value = st.critical_value(base, entry["key"], entry["bracket"])
        assert value == pytest.approx(float(entry["value"]), abs=float(entry["tol"]))


RUN_CASES = [p for p in CASES if "run" in yaml.safe_load(p.read_text())]


@pytest.mark.parametrize("path", RUN_CASES, ids=[p.stem for p in RUN_CASES])
def test_nonlinear_run_case(path, tmp_path):
    case = load_case(path)
    run = case["run"]
    cfg = case_config(case)
    if run.get("set"):
        cfg = with_values(cfg, run["set"])
    status = run.get("status", "complete")
    if status == "failed":
        with pytest.raises(cgle.RunFailed) as err:
            cgle.run(cfg, tmp_path / "run.h5")
        assert run["message"] in str(err.value)
        return
    traj = cgle.open_trajectory(cgle.run(cfg, tmp_path / "run.h5"))
    assert traj.status == "complete"
    got = run_measure(traj, run["measure"], float(run.get("window", 0.0)))
    assert got == pytest.approx(float(run["value"]), rel=float(run["rtol"]))
