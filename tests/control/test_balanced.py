"""Balanced truncation, balanced POD and reduced compensators against the theory.

- Hankel singular values are sqrt(eig(P Q)) of Gramians solved here by scipy;
- for r = 2 .. 20 the H-infinity error of the truncation (dense frequency sweep) lies
  below Glover's bound 2 sum(discarded) and not far below sigma_{r+1} (the lower bound);
- the truncated model is balanced: its Gramians are diag(sigma_1 .. sigma_r);
- balanced POD tends to balanced truncation as the snapshots fill [0, inf);
- an unstable plant keeps its unstable mode exactly and the bound holds for the rest;
- a reduced LQG compensator stabilises the full plant and its H2 norm tends to the full
  compensator's as r grows.
"""

import numpy as np
import pytest
import scipy.linalg

from cgle import control
from cgle.config import load_config

FLOW = {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu2": -0.01}
OMEGAS = np.linspace(-4.0, 4.0, 1601)


def plant_of(mu0):
    cfg = load_config({"name": "bt", "flow": {**FLOW, "mu0": mu0}, "grid": {"basis": "hermite", "n": 100, "scale": 0.55},
                       "initial": {"kind": "constant", "amplitude": 0.0},
                       "time": {"scheme": "etd1", "dt": 0.1, "t_end": 1.0}, "output": {"every": 0.5},
                       "actuators": {"x0": [-3.0]}, "sensors": {"x0": [0.0]},
                       "disturbances": {"x0": [-11.0], "width": 0.4}})
    return control.state_space(cfg)


@pytest.fixture(scope="module")
def stable():
    return plant_of(0.38)


def _peak_frequency(sys):
    gains = [np.linalg.norm(sys.transfer(1j * w), 2) for w in OMEGAS]
    return OMEGAS[int(np.argmax(gains))]


def test_hankel_values_are_sqrt_eig_PQ(stable):
    plant = stable.plant()
    P = scipy.linalg.solve_continuous_lyapunov(plant.A, -plant.B @ plant.B.conj().T)
    Q = scipy.linalg.solve_continuous_lyapunov(plant.A.conj().T, -plant.C.conj().T @ plant.C)
    exact = np.sqrt(np.sort(np.abs(np.linalg.eigvals(P @ Q)))[::-1])
    hsv = control.hankel_singular_values(plant)
    big = exact > 1e-6 * exact[0]
    assert big.sum() >= 10
    # eig(P Q) resolves sigma^2 to ~eps sigma_1^2 (an absolute error), the square-root
    # method better: compare the squares on that scale, and the leading values tightly
    np.testing.assert_allclose(hsv[big] ** 2, exact[big] ** 2, rtol=0, atol=1e-11 * exact[0] ** 2)
    np.testing.assert_allclose(hsv[:4], exact[:4], rtol=1e-9)
    assert np.all(np.diff(hsv) <= 0)


def test_truncation_error_between_the_bounds_for_r_2_to_20(stable):
    # inputs [actuator, disturbance]: enough Hankel values above roundoff for r up to 20
    joint = control.LinearSystem(stable.A, np.hstack([stable.B, stable.B_d]), stable.C)
    hsv = control.hankel_singular_values(joint)
    peak = _peak_frequency(joint)
    omegas = np.union1d(OMEGAS, peak + np.linspace(-0.05, 0.05, 41))
    rows = []
    for r in range(2, 21):
        red = control.balanced_truncation(joint, r)
        err = control.hinf_error(joint, red, omegas)
        bound = 2 * red.discarded()
        rows.append((r, err, hsv[r], bound))
        assert err < bound, (r, err, bound)
        # the lower bound sigma_{r+1}: a sweep can only underestimate the error
        assert err > 0.2 * hsv[r], (r, err, hsv[r])
    print("\n  r   H-inf error   sigma_r+1     2 sum(discarded)")
    for r, err, low, bound in rows:
        print(f"{r:3d}   {err:.3e}     {low:.3e}     {bound:.3e}")


def test_truncated_model_is_balanced(stable):
    red = control.balanced_truncation(stable.plant(), 6)
    P = scipy.linalg.solve_continuous_lyapunov(red.A, -red.B @ red.B.conj().T)
    Q = scipy.linalg.solve_continuous_lyapunov(red.A.conj().T, -red.C.conj().T @ red.C)
    sigma = np.diag(red.hsv[:6])
    np.testing.assert_allclose(P, sigma, atol=1e-8 * red.hsv[0])
    np.testing.assert_allclose(Q, sigma, atol=1e-8 * red.hsv[0])
    np.testing.assert_allclose(red.S @ red.T, np.eye(6), atol=1e-10)


def test_bpod_tends_to_balanced_truncation(stable):
    plant = stable.plant()
    r = 4
    bt = control.balanced_truncation(plant, r)
    errors, hsv_errors = [], []
    # longer horizons (the slowest mode decays like exp(-0.018 t)) and finer steps (the
    # trapezoidal sums are O(dt^2) accurate)
    for t_end, dt in ((100.0, 0.5), (200.0, 0.25), (400.0, 0.1), (400.0, 0.05), (600.0, 0.025)):
        snap = control.bpod(plant, r, t_end, int(round(t_end / dt)) + 1)
        errors.append(control.hinf_error(bt, snap, OMEGAS[::4]) / np.abs(bt.hsv[0]))
        hsv_errors.append(np.max(np.abs(snap.hsv[:r] - bt.hsv[:r]) / bt.hsv[:r]))
    print("\nBPOD vs BT (r = 4): transfer error", ["%.2e" % e for e in errors], "HSV error",
          ["%.2e" % e for e in hsv_errors])
    assert all(b < a for a, b in zip(errors, errors[1:]))
    assert all(b < a for a, b in zip(hsv_errors, hsv_errors[1:]))
    assert errors[-1] < 3e-5 and hsv_errors[-1] < 3e-3


def test_unstable_plant_keeps_its_unstable_mode():
    ss = plant_of(0.41)
    plant = ss.plant()
    lead = control.eigenvalues(plant.A, 1)[0]
    assert lead.real > 0
    for r in (2, 6, 10):
        red = control.balanced_truncation(plant, r)
        assert red.unstable == 1
        # the unstable eigenvalue survives exactly, the rest of the reduced model is stable
        lam = control.eigenvalues(red.A)
        assert lam[0] == pytest.approx(lead, abs=1e-9)
        assert lam[1].real < 0
        assert control.hinf_error(plant, red, OMEGAS[::2]) < 2 * red.discarded()


@pytest.mark.parametrize("mu0", [0.38, 0.41])
def test_reduced_lqg_converges_to_the_full_compensator(mu0):
    ss = plant_of(mu0)
    full = control.h2_norm(control.lqg_loop(ss, control.lqg(ss)))
    gaps = []
    for r in (4, 8, 12, 16):
        comp = control.reduced_lqg(ss, r)
        loop = control.lqg_loop(ss, comp)
        assert control.eigenvalues(loop.A, 1)[0].real < 0, r
        gaps.append(control.h2_norm(loop) / full - 1)
    print(f"\nmu0 = {mu0}: reduced LQG H2 excess over full order (r = 4, 8, 12, 16):", ["%.1e" % g for g in gaps])
    # optimality: no compensator beats the full LQG; the reduced ones approach it
    assert min(gaps) > -1e-9
    assert gaps[-1] < 1e-4 and gaps[-1] < gaps[0]
