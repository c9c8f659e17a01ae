"""White-noise forcing: increment statistics, reproducibility, and the stationary energy.

The forced linear run v_{n+1} = exp(hL) v_n + sqrt(h) f xi_n (strang with beta = 0 is the
exact linear propagator) has the stationary covariance P_h of the discrete Lyapunov
equation P_h = A P_h A^H + h f f^H; its mean energy trace(M P_h) tends to trace(M P),
L P + P L^H + f f^H = 0, at first order in h.
"""

import io
import math

import numpy as np
import pytest
import scipy.linalg
from threadpoolctl import threadpool_limits

import cgle
from cgle import stability as st
from cgle.integrate import integrate
from cgle.problem.forcing import WhiteNoiseForcing, gaussian_shape, make_forcing
from cgle.steppers import make_stepper


@pytest.fixture(autouse=True)
def _one_thread():
    with threadpool_limits(1):
        yield


def forced(mu0=-0.3, n=60, dt=0.1, t_end=1200.0, every=1.0, seed=3, beta=0.0):
    """A stable flow-form problem forced upstream (x0 = -11, width 1.6, Ilak lineage)."""
    return {
        "name": "forced",
        "flow": {"mu0": mu0, "beta": beta},
        "grid": {"basis": "hermite", "n": n},
        "initial": {"kind": "constant", "amplitude": 0.0},
        "time": {"scheme": "strang", "dt": dt, "t_end": t_end},
        "output": {"every": every},
        "forcing": {"kind": "white_noise", "shape": "gaussian", "x0": -11.0, "width": 1.6, "intensity": 1.0,
                    "seed": seed},
    }


def test_increment_is_sqrt_h_f_xi_with_unit_complex_circular_xi():
    f = gaussian_shape(np.linspace(-5, 5, 7), 1.0, 2.0, intensity=4.0)
    np.testing.assert_allclose(f, 2.0 * np.exp(-(((np.linspace(-5, 5, 7) - 1.0) / 2.0) ** 2)))
    forcing = WhiteNoiseForcing(f, seed=11)
    h, n = 0.25, 20000
    inc = np.array([forcing.increment(h) for _ in range(n)])
    # one scalar xi per step, acting through the shape f (B = f)
    xi = inc / (math.sqrt(h) * f)
    np.testing.assert_allclose(xi, xi[:, :1] * np.ones((1, 7)), rtol=1e-13)
    xi = xi[:, 0]
    # E|xi|^2 = 1 (standard error sqrt(1/n)), E xi^2 = 0 (standard error sqrt(1/n))
    assert abs(np.mean(np.abs(xi) ** 2) - 1.0) < 5 / math.sqrt(n)
    assert abs(np.mean(xi**2)) < 5 / math.sqrt(n)
    assert abs(np.mean(xi.real * xi.imag)) < 5 / math.sqrt(2 * n)


def test_rng_state_round_trip_is_bitwise():
    a = WhiteNoiseForcing(np.ones(4), seed=5)
    for _ in range(17):
        a.increment(0.1)
    # through a checkpoint file format (np.savez / np.load, no pickle)
    buf = io.BytesIO()
    np.savez(buf, v=np.zeros(4), **a.get_state())
    buf.seek(0)
    with np.load(buf) as z:
        saved = {k: z[k] for k in z.files}
    b = WhiteNoiseForcing(np.ones(4), seed=999)
    b.set_state(saved)
    for _ in range(5):
        assert np.array_equal(a.increment(0.3), b.increment(0.3))
    with pytest.raises(KeyError, match="forcing_rng_state"):
        b.set_state({"v": np.zeros(4)})


def test_resumed_forced_integration_is_bitwise_identical():
    cfg = cgle.load_config(forced(mu0=0.2, beta=0.1, t_end=20.0))
    prob = cgle.build(cfg)

    def advance(v, forcing, step, t_end):
        stepper = make_stepper("strang", prob)
        return integrate(prob, stepper, v, t_end=t_end, dt=0.1, every=1.0, step=step, max_amplitude2=1e12,
                         on_frame=lambda *a: None, forcing=forcing)

    v = np.zeros(prob.shape, dtype=complex)
    forcing = make_forcing(cfg.forcing, prob)
    step, _ = advance(v, forcing, 0, 10.0)
    checkpoint = {"v": v.copy(), "step": step, **forcing.get_state()}
    advance(v, forcing, step, 20.0)

    resumed = make_forcing(cfg.forcing, prob)
    resumed.set_state(checkpoint)
    w = checkpoint["v"].copy()
    advance(w, resumed, checkpoint["step"], 20.0)
    assert np.array_equal(v, w)
    assert np.max(np.abs(v)) > 0


def test_run_records_the_seed_and_the_rng_state(tmp_path):
    cfg = forced(t_end=10.0, every=1.0)
    cfg["output"]["checkpoint_every"] = 5.0
    path = cgle.run(cfg, tmp_path / "a.h5")
    traj = cgle.open_trajectory(path)
    assert traj.attrs["forcing_seed"] == 3
    assert "seed: 3" in traj.config
    data, frames = traj.checkpoint()
    step = int(data["step"])
    assert step == 100 and frames == 11
    # the stored state is the generator after one draw per step
    reference = WhiteNoiseForcing(np.ones(1), seed=3)
    for _ in range(step):
        reference.increment(0.1)
    restored = WhiteNoiseForcing(np.ones(1), seed=0)
    # the runner stores the forcing entries under the prefix "forcing."
    restored.set_state({k.split(".", 1)[1]: v for k, v in data.items() if k.startswith("forcing.")})
    assert restored.rng.bit_generator.state == reference.rng.bit_generator.state
    # same seed, same run; another seed, another run
    again = cgle.open_trajectory(cgle.run(cfg, tmp_path / "b.h5"))
    assert np.array_equal(again.q, traj.q)
    cfg["forcing"]["seed"] = 4
    other = cgle.open_trajectory(cgle.run(cfg, tmp_path / "c.h5"))
    assert not np.allclose(other.q[-1], traj.q[-1])


def test_resumed_forced_run_is_bitwise_identical(tmp_path):
    cfg = forced(mu0=0.2, beta=0.1, t_end=20.0)
    cfg["output"]["checkpoint_every"] = 5.0
    straight = cgle.open_trajectory(cgle.run(cfg, tmp_path / "straight.h5"))
    cfg["time"]["t_end"] = 10.0
    path = cgle.run(cfg, tmp_path / "resumed.h5")
    cfg["time"]["t_end"] = 20.0
    resumed = cgle.open_trajectory(cgle.run(cfg, path, resume=True))
    assert np.array_equal(resumed.t, straight.t)
    assert np.array_equal(resumed.q, straight.q)


def energy_autocovariance(prob, P, lag_time, count):
    """gamma_k = Cov(E_n, E_{n+k}) = trace(M C_k^H M C_k), C_k = exp(k lag L) P (circular Gaussian)."""
    A = scipy.linalg.expm(lag_time * prob.L)
    M = np.diag(prob.weights)
    C = P.astype(complex)
    gamma = []
    for _ in range(count):
        gamma.append(np.trace(M @ C.conj().T @ M @ C).real)
        C = A @ C
    return np.array(gamma)


def test_forced_linear_run_mean_energy_is_trace_M_P(tmp_path):
    dt, every = 0.2, 1.0
    cfg = cgle.load_config(forced(dt=dt, every=every, t_end=1500.0))
    prob = cgle.build(cfg)
    f = make_forcing(cfg.forcing, prob).shape
    exact_h = st.stationary_energy(prob, f, dt=dt)  # trace(M P_h), the scheme's own value
    exact = st.stationary_energy(prob, f)  # trace(M P), continuous time

    traj = cgle.open_trajectory(cgle.run(cfg, tmp_path / "forced.h5"))
    energy = traj.energy[50:]  # burn-in: 50 time units, 35 e-folds of exp(2 Re lambda_0 t)
    K = len(energy)
    mean = energy.mean()

    # exact standard error of the mean of K correlated frames
    gamma = energy_autocovariance(prob, st.stationary_covariance(prob, f, dt=dt), every, 60)
    assert gamma[-1] < 1e-8 * gamma[0]
    k = np.arange(1, len(gamma))
    sigma = math.sqrt((gamma[0] + 2 * np.sum((1 - k / K) * gamma[1:])) / K)
    # batch means (20 batches) estimate the same error from the run alone
    batches = energy[: K - K % 20].reshape(20, -1).mean(axis=1)
    sigma_batch = batches.std(ddof=1) / math.sqrt(20)
    assert 0.5 < sigma_batch / sigma < 2.0, (sigma_batch, sigma)

    assert abs(mean - exact_h) < 4 * sigma, (mean, exact_h, sigma)
    # at dt = 0.2 the O(h) bias is resolved by the run: the continuous value is far off
    assert abs(exact_h - exact) > 4 * sigma


def test_discrete_stationary_energy_converges_at_first_order():
    prob = cgle.build(forced())
    f = make_forcing(cgle.load_config(forced()).forcing, prob).shape
    exact = st.stationary_energy(prob, f)
    hs = np.array([0.2, 0.1, 0.05, 0.025])
    errors = np.array([st.stationary_energy(prob, f, dt=h) - exact for h in hs])
    orders = np.log2(errors[:-1] / errors[1:])
    np.testing.assert_allclose(orders, 1.0, atol=0.1)
    # leading term: the left-endpoint rule adds (h/2) ||f||_M^2
    assert errors[-1] == pytest.approx(hs[-1] / 2 * prob.energy(f), rel=0.05)
