"""Closed-loop ``cgle run``: the statistics of real runs against the Lyapunov predictions.

* (a) with the actuators always on and a linear plant, the time-averaged energy of a long
  stochastic run equals the stationary mean of the discrete closed loop (discrete
  Lyapunov equation) within its sampling error; the sampling error is estimated from
  the run by batch means and checked against the exact one of the discrete loop
  (its energy autocovariance is ||(F^k P)_zz||_F^2 for circular Gaussian states);
* the continuous-time prediction is the dt -> 0 limit, approached at first order;
* (b) in the Bagheri set-up (configs/bagheri_lqg.yaml) the compensator lowers the rms of
  q downstream of the actuator;
* (c) an interrupted or extended run resumes bit for bit, compensator state included;
* (d) nonlinear plants; (e) LQR and reduced compensators.
"""

import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import yaml

import cgle
from cgle.config import load_config
from cgle.control import (
    h2_norm,
    lqg,
    lqg_loop,
    lqr_gain,
    mean_energy,
    reduced_lqg,
    state_feedback_loop,
    state_space,
)
from cgle.control.closed_loop import discrete_loop, discrete_mean_energy
from cgle.control.riccati import discrete_lyapunov
from cgle.control.statespace import LinearSystem

ROOT = Path(__file__).resolve().parents[2]
BAGHERI = ROOT / "configs" / "bagheri_lqg.yaml"
# the Bagheri shapes (width 0.4) on the smallest grid that integrates them (no ResolutionWarning)
RESOLVED = {"n": 100, "scale": 0.55, "width": 0.4}



def config(compensator="lqg", *, n=60, scale="auto", width=1.0, dt=0.2, t_end=100.0, every=1.0, mu0=0.38,
           beta=0.0, plant="linear", t_on=0.0, t_off=None, seed=3, order=8, checkpoint_every=None):
    """The Bagheri layout (disturbance -11, actuator -3, sensor 0, noise 0.1, R = 1); by
    default on a small grid with shapes of width 1 (resolved there), or with
    ``n=100, scale=0.55, width=0.4`` the Bagheri shapes on a grid that resolves them."""
    control = {"compensator": compensator, "t_on": t_on, "plant": plant, "seed": seed, "R": 1.0, "cost": "energy"}
    if t_off is not None:
        control["t_off"] = t_off
    if compensator == "reduced":
        control["order"] = order
    return {
        "name": f"loop_{compensator}",
        "flow": {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu0": mu0, "mu2": -0.01, "beta": beta},
        "grid": {"basis": "hermite", "n": n, "scale": scale},
        "initial": {"kind": "constant", "amplitude": 0.0},
        "time": {"scheme": "etd1", "dt": dt, "t_end": t_end},
        "output": {"every": every, "checkpoint_every": checkpoint_every or every * 50},
        "actuators": {"x0": [-3.0], "width": width},
        "sensors": {"x0": [0.0], "width": width, "noise": 0.1},
        "disturbances": {"x0": [-11.0], "width": width, "variance": 1.0},
        "control": control,
    }


def batch_means(x, batches=20):
    """Mean and its standard error from ``batches`` contiguous batch means."""
    m = len(x) // batches * batches
    means = np.asarray(x[:m]).reshape(batches, -1).mean(axis=1)
    return float(np.mean(x[:m])), float(means.std(ddof=1) / np.sqrt(batches))


def exact_standard_error(F, G, n, lag_steps, frames):
    """The standard error of the mean of |z|^2 over ``frames`` frames ``lag_steps`` steps
    apart, for the stationary recursion s_{k+1} = F s_k + G xi_k (circular Gaussian):
    Cov(|z_0|^2, |z_k|^2) = ||(F^k P)_zz||_F^2, P = F P F^H + G G^H (scipy's solver)."""
    P = scipy.linalg.solve_discrete_lyapunov(F, G @ G.conj().T)
    Fm = np.linalg.matrix_power(F, lag_steps)
    cov = []
    X = P
    for _ in range(frames):
        c = float(np.sum(np.abs(X[:n, :n]) ** 2))
        cov.append(c)
        if c < 1e-10 * cov[0]:
            break
        X = Fm @ X
    k = np.arange(len(cov))
    var = (cov[0] + 2 * np.sum((1 - k[1:] / frames) * np.array(cov[1:]))) / frames
    tau = 0.5 + np.sum(cov[1:]) / cov[0]  # integrated autocorrelation time, in frames
    return float(np.sqrt(var)), float(tau), float(np.trace(P[:n, :n]).real)


def traj_status(path):
    return cgle.open_trajectory(path).status


def energies(path, t_from=0.0, t_to=np.inf):
    ds = cgle.open_dataset(path)
    t = ds["t"].values
    keep = (t >= t_from) & (t < t_to)
    return ds["energy"].values[keep]


# --------------------------------------------------------------------------- (a)


@pytest.mark.parametrize("compensator, dt, t_end, burn", [
    ("lqg", 0.2, 4000.0, 200.0),
    # the open loop decorrelates slowly (|Re lambda_0| = 0.018): a long run (~14 s)
    pytest.param("none", 0.5, 24000.0, 600.0, marks=pytest.mark.slow),
])
def test_stationary_energy_matches_the_discrete_lyapunov_prediction(tmp_path, compensator, dt, t_end, burn):
    data = config(compensator, dt=dt, t_end=t_end, every=1.0, checkpoint_every=1000.0)
    cfg = load_config(data)
    path = cgle.run(cfg, tmp_path / "run.h5")
    e = energies(path, burn)
    mean, se = batch_means(e)
    ss = state_space(cfg)
    comp = lqg(ss) if compensator == "lqg" else None
    predicted = discrete_mean_energy(ss, comp, dt)
    if comp is None:
        # the open loop independently: z_{k+1} = e^(hA) z_k + sqrt(h) B_d xi_k
        Phi = scipy.linalg.expm(dt * ss.A)
        P = discrete_lyapunov(Phi, dt * ss.B_d @ ss.B_d.conj().T).X
        assert predicted == pytest.approx(np.trace(P).real, rel=1e-10)
        F, G = Phi, np.sqrt(dt) * ss.B_d
    else:
        F, G = discrete_loop(ss, comp, dt)
    exact_se, tau, trace = exact_standard_error(F, G, ss.n, round(1.0 / dt), e.size)
    assert trace == pytest.approx(predicted, rel=1e-8)
    z = (mean - predicted) / se
    print(f"\n{compensator}: mean energy {mean:.4g} over {e.size} frames, prediction {predicted:.4g}, "
          f"batch-means s.e. {se:.3g} (exact {exact_se:.3g}, tau_int {tau:.1f} frames), {z:+.2f} s.e.")
    assert abs(mean - predicted) < 4 * se
    # the batch-means error is an honest one: within a factor 2 of the exact one
    assert 0.5 < se / exact_se < 2
    assert abs(mean - predicted) < 4 * exact_se


def test_continuous_prediction_is_the_first_order_limit_of_the_discrete_one():
    ss = state_space(load_config(config()))
    comp = lqg(ss)
    continuous = mean_energy(lqg_loop(ss, comp), ss.n)
    K = comp.K
    continuous_lqr = mean_energy(state_feedback_loop(ss, K), ss.n)
    steps = [0.05, 0.025, 0.0125]
    gaps = [discrete_mean_energy(ss, comp, h) - continuous for h in steps]
    gaps_lqr = [discrete_mean_energy(ss, None, h, K=K) - continuous_lqr for h in steps]
    coarse = discrete_mean_energy(ss, comp, 0.2)
    print(f"\nLQG mean energy: continuous {continuous:.5g}; discrete at dt = 0.2: {coarse:.5g}; gaps at dt = "
          + ", ".join(f"{h:g}: {g:.3e}" for h, g in zip(steps, gaps)))
    print("LQR gaps: " + ", ".join(f"{h:g}: {g:.3e}" for h, g in zip(steps, gaps_lqr)))
    for series in (gaps, gaps_lqr):
        for a, b in itertools.pairwise(series):
            assert 1.7 < a / b < 2.5  # first order: halving dt halves the gap
    assert abs(gaps[-1]) < 0.02 * continuous
    # the open loop too (no compensator, no delay): a much smaller first-order gap
    open_c = mean_energy(LinearSystem(ss.A, ss.B_d, np.eye(ss.n)), ss.n)
    open_gaps = [discrete_mean_energy(ss, None, h) - open_c for h in (0.2, 0.1)]
    assert 1.7 < open_gaps[0] / open_gaps[1] < 2.5


# --------------------------------------------------------------------------- (b)


def test_bagheri_compensator_lowers_the_downstream_rms(tmp_path):
    """configs/bagheri_lqg.yaml as it is: actuators on for 250 <= t < 750."""
    path = cgle.run(BAGHERI, tmp_path / "bagheri.h5")
    ds = cgle.open_dataset(path)
    t, x = ds["t"].values, ds["x"].values
    q = ds["q"].values
    cfg = load_config(BAGHERI)
    downstream = x > cfg.actuators.x0[0]
    uncontrolled = ((t >= 100) & (t < 250)) | (t >= 850)
    controlled = (t >= 350) & (t < 750)
    rms_off = np.sqrt(np.mean(np.abs(q[uncontrolled][:, downstream]) ** 2, axis=0))
    rms_on = np.sqrt(np.mean(np.abs(q[controlled][:, downstream]) ** 2, axis=0))
    # nodes where there is something to lower (the far tails are below 1e-3 of the peak)
    where = rms_off > 1e-2 * rms_off.max()
    factors = rms_off[where] / rms_on[where]
    e = ds["energy"].values
    e_off, e_on = e[uncontrolled].mean(), e[controlled].mean()
    # the predictions: open loop and the discrete LQG loop of the run's step
    ss = state_space(cfg)
    comp = lqg(ss)
    dt = cfg.time.dt
    F, G = discrete_loop(ss, comp, dt)
    P_on = scipy.linalg.solve_discrete_lyapunov(F, G @ G.conj().T)
    Phi = scipy.linalg.expm(dt * ss.A)
    P_off = scipy.linalg.solve_discrete_lyapunov(Phi, dt * ss.W)
    w = ss.weights
    pred = np.sqrt(np.diag(P_off).real / w)[downstream][where] / np.sqrt(np.diag(P_on[:ss.n, :ss.n]).real / w)[
        downstream][where]
    print(f"\nBagheri: energy {e_off:.1f} uncontrolled vs {e_on:.2f} controlled (x {e_off / e_on:.1f}); "
          f"predicted {np.trace(P_off).real:.1f} vs {np.trace(P_on[:ss.n, :ss.n]).real:.2f}")
    print(f"  downstream rms reduction factor: median {np.median(factors):.2f}, min {factors.min():.2f}, "
          f"max {factors.max():.2f} (predicted median {np.median(pred):.2f}, min {pred.min():.2f})")
    xs = x[downstream][where]
    for xj, fj, pj in list(zip(xs, factors, pred))[:: max(1, len(xs) // 8)]:
        print(f"    x = {xj:6.2f}: factor {fj:.2f} (predicted {pj:.2f})")
    # the measured factors are the predicted ones within the windows' sampling error
    np.testing.assert_allclose(factors, pred, rtol=0.25)
    # downstream of the sensor the noise is 3x lower everywhere, and ~5x in the median
    assert factors[xs >= 0].min() > 3
    assert np.median(factors) > 4
    assert e_off / e_on > 10
    # after t_off the noise amplifier comes back
    assert e[t >= 850].mean() > 10 * e_on


# --------------------------------------------------------------------------- (c)


def _arrays(path):
    ds = cgle.open_dataset(path)
    names = [k for k in ds.data_vars if k.startswith(("sensor_", "actuator_"))] + ["energy", "q"]
    return ds["t"].values, {k: ds[k].values for k in names}


def _assert_bitwise(a, b):
    (ta, xa), (tb, xb) = _arrays(a), _arrays(b)
    np.testing.assert_array_equal(ta, tb)
    assert set(xa) == set(xb) and {"sensor_0_real", "sensor_0_imag", "actuator_0_real", "actuator_0_imag"} <= set(xa)
    for key in xa:
        np.testing.assert_array_equal(xa[key], xb[key], err_msg=key)


def test_extended_run_resumes_bit_for_bit(tmp_path):
    data = config("lqg", t_end=60.0, t_on=20.0, t_off=90.0, checkpoint_every=10.0)
    short = tmp_path / "short.yaml"
    short.write_text(yaml.safe_dump(data))
    out = tmp_path / "resumed.h5"
    run = [sys.executable, "-m", "cgle", "run", str(short), "-o", str(out), "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(run, check=True, env=env, capture_output=True, cwd=tmp_path)
    data["time"]["t_end"] = 120.0  # past t_off: the switch-off happens after the resume
    short.write_text(yaml.safe_dump(data))
    done = subprocess.run([*run, "--resume"], check=False, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    full = cgle.run(data, tmp_path / "full.h5")
    assert cgle.open_trajectory(out).attrs["resumes"] == 1
    _assert_bitwise(out, full)
    t, series = _arrays(out)
    assert t[-1] == 120.0
    u = series["actuator_0_real"] + 1j * series["actuator_0_imag"]
    assert np.all(u[t < 20] == 0) and np.all(u[t >= 90] == 0) and np.any(u[(t >= 20) & (t < 90)] != 0)


def test_interrupted_run_resumes_bit_for_bit(tmp_path):
    data = config("lqg", t_end=60.0, t_on=10.0, checkpoint_every=5.0)
    out = tmp_path / "interrupted.h5"

    def interrupt(step, t):
        if step == 137:  # between frames (5 steps each) and checkpoints (25 steps each)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(cgle.RunFailed) as failed:
        cgle.run(data, out, progress=interrupt, handle_signals=True)
    assert failed.value.status == "interrupted"
    cgle.run(data, out, resume=True)
    full = cgle.run(data, tmp_path / "full.h5")
    traj = cgle.open_trajectory(out)
    assert traj.status == "complete" and traj.attrs["resumes"] == 1
    _assert_bitwise(out, full)


# --------------------------------------------------------------------------- (d)


def test_nonlinear_plant_with_small_beta_completes_and_is_controlled(tmp_path):
    data = config("lqg", plant="nonlinear", beta=0.01, dt=0.1, t_end=800.0, t_on=300.0)
    cfg = load_config(data)
    assert cfg.flow.beta == 0.01 and cfg.control.plant == "nonlinear"
    path = cgle.run(cfg, tmp_path / "nonlinear.h5")
    traj = cgle.open_trajectory(path)
    assert traj.status == "complete"
    off, on = energies(path, 100, 300).mean(), energies(path, 400).mean()
    print(f"\nnonlinear plant, beta 0.01: energy {off:.1f} before t_on, {on:.2f} after")
    assert off / on > 10


def test_lqg_stabilises_the_saturated_supercritical_flow(tmp_path):
    """mu0 = 0.41, beta = 0.1 (configs/gl_supercritical.yaml): the uncontrolled run grows to
    the nonlinear saturated state, the controlled one stays at the noise level."""
    # dt = 0.1: at dt = 0.2 the sampled loop (input held, one-step delay) is unstable at
    # mu0 = 0.41 (spectral radius 1.0016) although the continuous loop is stable
    kw = {"plant": "nonlinear", "mu0": 0.41, "beta": 0.1, "dt": 0.1, "t_end": 1200.0, "every": 2.0}
    free = cgle.run(config("none", **kw), tmp_path / "free.h5")
    held = cgle.run(config("lqg", **kw), tmp_path / "held.h5")
    e_free, e_held = energies(free, 800).mean(), energies(held, 800).mean()
    ss = state_space(load_config(config("lqg", **kw)))
    linear = discrete_mean_energy(ss, lqg(ss), 0.1)
    print(f"\nsupercritical: energy {e_free:.1f} uncontrolled, {e_held:.2f} with LQG (linear prediction {linear:.2f})")
    assert traj_status(free) == traj_status(held) == "complete"
    # saturation keeps the free run's energy moderate (~24); the compensator lowers it ~4.6x
    assert e_free > 3 * e_held
    # the cubic term only damps: the controlled energy is at most the linear loop's
    # (measured 0.65 of it), and of its order
    assert 0.3 * linear < e_held < 1.1 * linear


# --------------------------------------------------------------------------- (e)


@pytest.mark.parametrize("compensator, order", [("lqr", None), ("reduced", 6), ("reduced", 10)])
def test_lqr_and_reduced_compensators_lower_the_energy(tmp_path, compensator, order):
    kw = {"dt": 0.1, "t_end": 1500.0, "every": 1.0, "checkpoint_every": 500.0, **RESOLVED}
    data = config(compensator, order=order or 6, **kw)
    cfg = load_config(data)
    path = cgle.run(cfg, tmp_path / "run.h5")
    mean, se = batch_means(energies(path, 200.0))
    ss = state_space(cfg)
    if compensator == "lqr":
        predicted = discrete_mean_energy(ss, None, 0.1, K=lqr_gain(ss).gain)
    else:
        predicted = discrete_mean_energy(ss, reduced_lqg(ss, order), 0.1)
    uncontrolled = discrete_mean_energy(ss, None, 0.1)
    print(f"\n{compensator} {order or ''}: mean energy {mean:.3g} +- {se:.2g} (prediction {predicted:.3g}), "
          f"uncontrolled {uncontrolled:.4g}: x {uncontrolled / mean:.0f} lower")
    assert abs(mean - predicted) < 4 * se
    assert mean < uncontrolled / 20


def test_reduced_lqg_loops_are_stable_and_converge_to_the_full_h2_cost():
    ss = state_space(load_config(config(**RESOLVED)))
    full = h2_norm(lqg_loop(ss, lqg(ss)))
    orders = [2, 4, 6, 8, 10, 12, 16]
    gaps = []
    for r in orders:
        comp = reduced_lqg(ss, r)
        assert comp.order == r and comp.kind == "reduced"
        loop = lqg_loop(ss, comp)
        assert np.linalg.eigvals(loop.A).real.max() < 0
        h2 = h2_norm(loop)
        # optimal among all compensators: no reduced one beats the full LQG
        assert h2 >= full * (1 - 1e-9)
        gaps.append((h2 - full) / full)
    print(f"\nfull LQG H2 {full:.6g}; reduced relative excess: "
          + ", ".join(f"r={r}: {g:.2e}" for r, g in zip(orders, gaps)))
    # the excess falls with the order (up to roundoff once it is tiny) and vanishes
    for a, b in itertools.pairwise(gaps):
        assert b <= a or b < 1e-6
    assert gaps[0] > 10 * gaps[-1]
    assert gaps[-1] < 1e-4


@pytest.mark.parametrize("dt, t_on, t_off, first, last", [(0.3, 0.9, 1.8, 3, 5), (0.1, 0.3, 0.7, 3, 6),
                                                           (0.2, 0.0, 1.0, 0, 4)])
def test_actuators_switch_at_the_step_that_starts_at_t_on(dt, t_on, t_off, first, last):
    from cgle.control.simulation import ClosedLoopForcing

    ss = state_space(load_config(config()))
    loop = ClosedLoopForcing(ss, None, dt, seed=0, t_on=t_on, t_off=t_off, K=np.zeros((1, ss.n)))
    on = [k for k in range(40) if loop.active(k)]
    # steps k with t_on <= k dt < t_off in exact arithmetic
    assert on == list(range(first, last + 1))
