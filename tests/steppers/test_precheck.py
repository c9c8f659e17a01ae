"""The dt-stability pre-check (issue 4, test 5) and its wiring into run / CLI."""

import math
import warnings

import numpy as np
import pytest

import cgle
from cgle.errors import BlowUp
from cgle.integrate import integrate
from cgle.steppers import make_stepper, registry
from cgle.steppers.precheck import UnstableTimeStep, check_time_step, cubic_rates, enforce, exact_on_linear

FORUM_220 = {
    "name": "forum",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 220},
    "initial": {"kind": "constant", "amplitude": 1e4},
    "time": {"scheme": "cnfe", "dt": 1.0, "t_end": 4.0},
    "output": {"every": 1.0},
}


@pytest.fixture(scope="module")
def forum220():
    return cgle.build(FORUM_220)


def test_cubic_rates():
    """beta = 1: -r and -3r; purely imaginary beta: a neutral pair +-i sqrt(3) r."""
    np.testing.assert_allclose(sorted(np.real(cubic_rates(1.0, 2.0))), [-6.0, -2.0])
    np.testing.assert_allclose(sorted(np.imag(cubic_rates(1j, 2.0))), [-2 * math.sqrt(3), 2 * math.sqrt(3)])
    np.testing.assert_allclose(np.real(cubic_rates(1j, 2.0)), 0.0, atol=1e-15)


def test_cnfe_flagged_with_a_stable_dt(forum220):
    v0 = np.full(forum220.shape, 1e4, dtype=complex)
    result = check_time_step(forum220, "cnfe", 1.0, v0)
    assert not result.stable
    # forward Euler on the fastest cubic rate -3 |q0|^2: stable iff dt <= 2 / (3 |q0|^2)
    assert result.stable_dt == pytest.approx(2 / 3e8, rel=2e-3)
    assert result.cubic_amplification == pytest.approx(3e8 - 1, rel=1e-6)
    assert f"{result.stable_dt:.3g}" in result.message and "cnfe" in result.message
    assert "\n" not in result.message


@pytest.mark.parametrize("scheme", ["strang", "strang_richardson"])
def test_exact_cubic_flow_passes_at_forum_amplitude(forum220, scheme):
    v0 = np.full(forum220.shape, 1e4, dtype=complex)
    result = check_time_step(forum220, scheme, 1.0, v0)
    assert result.stable and result.cubic_amplification is None
    # exact on L, so the spectrum of L is not computed for it ...
    assert exact_on_linear(registry()[scheme]) and result.linear_amplification is None
    # ... and rightly: on that spectrum one step multiplies every mode by exactly |e^(dt lambda)|;
    # the slowest mode decays by exp(Re lambda_0) = exp(-0.1326887) per unit step
    lam = forum220.linear.eigenvalues()
    R = registry()[scheme].amplification(lam, 0.0)
    np.testing.assert_allclose(R, np.exp(lam.real), rtol=1e-9)
    assert R.max() == pytest.approx(math.exp(-0.1326887), rel=1e-6)


def test_etdrk4_passes_on_the_spectrum_of_L(forum220):
    """etdrk4 is exact on L: passes at dt = 1 for a small amplitude. Its cubic term is
    explicit (the RK4 polynomial), so at q0 = 1e4 it is flagged, and rightly: it does
    blow up there (checked below)."""
    small = np.full(forum220.shape, 1e-2, dtype=complex)
    assert check_time_step(forum220, "etdrk4", 1.0, small).stable
    large = check_time_step(forum220, "etdrk4", 1.0, np.full(forum220.shape, 1e4, dtype=complex))
    assert not large.stable
    # |1 + w + w^2/2 + w^3/6 + w^4/24| <= 1 on the negative axis for w >= -2.785
    assert large.stable_dt == pytest.approx(2.785293563 / 3e8, rel=2e-3)


@pytest.mark.parametrize("scheme", ["cnfe", "etdrk4"])
def test_flag_is_truthful(forum220, scheme):
    """Flagged at dt = 1, q0 = 1e4: the run blows up in the first step; the named dt is
    stable: 50 steps at it stay bounded and decay."""
    v0 = np.full(forum220.shape, 1e4, dtype=complex)
    result = check_time_step(forum220, scheme, 1.0, v0)
    stepper = make_stepper(scheme, forum220)
    v = v0.copy()
    with pytest.raises(BlowUp), np.errstate(all="ignore"):
        integrate(forum220, stepper, v, t_end=1.0, dt=1.0, every=1.0, max_amplitude2=1e20,
                  on_frame=lambda *a: None)
    stepper = make_stepper(scheme, forum220)
    stepper.prepare(0.9 * result.stable_dt)
    v = v0.copy()
    for _ in range(50):
        stepper.step(v)
    assert np.all(np.isfinite(v)) and np.max(np.abs(v)) < 1e4


def test_linear_instability_of_an_explicit_scheme_is_flagged():
    """sbdf3's implicit part (BDF3) is only A(86 deg)-stable: eigenvalues of
    L = -(0.01 + i) k^2, nearly on the imaginary axis, are flagged at dt = 1 with a
    smaller stable dt named; etd1 (exact on L) passes."""
    prob = cgle.build({"equation": {"nu": 0, "gamma": "0.01+1j", "mu": [0.0], "beta": 0},
                       "grid": {"basis": "fourier", "n": 64, "length": 6.283185307179586}})
    v0 = np.ones(prob.shape, dtype=complex)
    result = check_time_step(prob, "sbdf3", 1.0, v0)
    assert not result.stable and result.cubic_amplification is None
    assert result.stable_dt is not None and result.stable_dt < 1.0
    assert check_time_step(prob, "sbdf3", result.stable_dt, v0).stable
    assert check_time_step(prob, "etd1", 1.0, v0).stable


def test_modes(forum220):
    v0 = np.full(forum220.shape, 1e4, dtype=complex)
    assert enforce(forum220, "cnfe", 1.0, v0, "off") is None
    with pytest.raises(UnstableTimeStep, match="largest stable dt"):
        enforce(forum220, "cnfe", 1.0, v0, "error")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = enforce(forum220, "cnfe", 1.0, v0, "warn")
    assert not result.stable and any("unstable" in str(w.message) for w in caught)


def test_run_refuses_and_cli_exits_2(tmp_path, capsys):
    from cgle.cli import main

    config = dict(FORUM_220, time=dict(FORUM_220["time"], precheck="error"))
    with pytest.raises(UnstableTimeStep):
        cgle.run(config, tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()
    import yaml

    path = tmp_path / "forum.yaml"
    path.write_text(yaml.safe_dump(config))
    code = main(["run", str(path), "-o", str(tmp_path / "y.h5"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cnfe" in err and "largest stable dt" in err and "Traceback" not in err
