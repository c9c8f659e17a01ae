"""The Galerkin model on balanced modes (cgle.control.galerkin) against mathematics and
against the full nonlinear collocation system.

- beta = 0: the model is the balanced truncation, and its solution is the matrix
  exponential (an exponential integrator is exact on the linear part);
- the cubic term through the nodal values equals the direct nodal formula and the
  r^4 tensor contraction;
- ETDRK4 converges with order 4 against a tight adaptive reference;
- the subcritical (mu0 = 0.38) Ginzburg-Landau equation of configs/bagheri_lqg.yaml
  with beta = 1, started from the actuator's shape: the reduced sensor signal tracks the
  full nonlinear simulation (scipy DOP853, rtol 1e-10), better as r grows.
"""

from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import yaml
from scipy.integrate import solve_ivp

from cgle.config import load_config
from cgle.control import state_space
from cgle.control.galerkin import GalerkinModel, galerkin_model, phi_functions
from cgle.control.reduction import balanced_truncation
from cgle.control.statespace import LinearSystem
from cgle.threads import blas_threads

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "bagheri_lqg.yaml"


def _system(beta, mu0=0.38):
    data = yaml.safe_load(CONFIG.read_text())
    data["flow"]["beta"] = beta
    data["flow"]["mu0"] = mu0
    return state_space(load_config(data))


@pytest.fixture(scope="module")
def linear_ss():
    return _system(0.0)


@pytest.fixture(scope="module")
def nonlinear_ss():
    return _system(1.0)


def _relative(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# --- beta = 0: the balanced truncation ----------------------------------------------------


def test_linear_part_is_the_balanced_truncation(linear_ss):
    ss = linear_ss
    r = 8
    model = galerkin_model(ss, r)
    assert isinstance(model, GalerkinModel) and model.r == r and model.beta == 0
    red = balanced_truncation(LinearSystem(ss.A, np.hstack([ss.B, ss.B_d]), ss.C), r)
    m = ss.B.shape[1]
    np.testing.assert_allclose(model.A, red.A, rtol=0, atol=1e-12 * np.abs(red.A).max())
    np.testing.assert_allclose(model.B, red.B[:, :m], rtol=0, atol=1e-12 * np.abs(red.B).max())
    np.testing.assert_allclose(model.B_d, red.B[:, m:], rtol=0, atol=1e-12 * np.abs(red.B).max())
    np.testing.assert_allclose(model.C, red.C, rtol=0, atol=1e-12 * np.abs(red.C).max())
    # the modes in nodal values: Psi Phi = S T = I, and lift/restrict are M^(-1/2) T, S M^(1/2)
    np.testing.assert_allclose(model.Psi @ model.Phi, np.eye(r), atol=1e-10)
    a = np.arange(1, r + 1) * (1 + 0.5j)
    np.testing.assert_allclose(model.lift(a), ss.to_state(red.T @ a), rtol=1e-13)
    q = ss.to_state(ss.B[:, 0])
    np.testing.assert_allclose(model.restrict(q), red.S @ ss.to_energy(q), rtol=1e-12)
    np.testing.assert_allclose(model.output(a), red.C @ a, rtol=1e-13)


def test_linear_impulse_response_is_the_exponential(linear_ss):
    model = galerkin_model(linear_ss, 10)
    # the impulse response of the actuator is the solution from a(0) = B_r
    a0 = model.B[:, 0]
    t, a = model.simulate(a0, 40.0, 0.5)
    exact = np.stack([scipy.linalg.expm(tk * model.A) @ a0 for tk in t], axis=1)
    assert _relative(a, exact) < 1e-10
    assert _relative(model.output(a), model.C @ exact) < 1e-10
    # a constant input: a(t) = e^(tA) a0 + A^(-1) (e^(tA) - I) B u, also exact
    t, a = model.simulate(a0, 10.0, 0.5, u=[0.7 - 0.2j])
    E = scipy.linalg.expm(10.0 * model.A)
    exact_end = E @ a0 + np.linalg.solve(model.A, (E - np.eye(model.r)) @ model.B @ [0.7 - 0.2j])
    assert _relative(a[:, -1], exact_end) < 1e-10


def test_phi_functions_against_series():
    rng = np.random.default_rng(0)
    X = 0.3 * (rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4)))
    E, p1, p2, p3 = phi_functions(X)
    # phi_k(X) = sum_j X^j / (j + k)!
    series = [np.zeros_like(X) for _ in range(4)]
    power = np.eye(4, dtype=complex)
    for j in range(40):
        for k in range(4):
            series[k] += power / np.prod(np.arange(1, j + k + 1), dtype=float)
        power = power @ X
    for mine, ref in zip((E, p1, p2, p3), series):
        np.testing.assert_allclose(mine, ref, atol=1e-14)


# --- the cubic term ----------------------------------------------------------------------


def test_cubic_fast_path_is_the_nodal_projection(nonlinear_ss):
    ss = nonlinear_ss
    r = 6
    model = galerkin_model(ss, r, beta=0.8 - 0.3j)
    rng = np.random.default_rng(1)
    a = rng.standard_normal(r) + 1j * rng.standard_normal(r)
    fast = model.cubic(a)
    # direct nodal evaluation: S M^(1/2) [beta |q|^2 q], q = M^(-1/2) T a
    q = ss.to_state(model.T @ a)
    direct = model.S @ ss.to_energy(model.beta * np.abs(q) ** 2 * q)
    assert _relative(fast, direct) < 1e-13
    # the r^4 tensor N_ijkl = sum_n Psi_in Phi_nj conj(Phi_nk) Phi_nl
    Phi, Psi = model.Phi, model.Psi
    tensor = np.einsum("in,nj,nk,nl->ijkl", Psi, Phi, Phi.conj(), Phi)
    via_tensor = model.beta * np.einsum("ijkl,j,k,l->i", tensor, a, a.conj(), a)
    assert _relative(fast, via_tensor) < 1e-13
    # with the problem's beta (= 1), the right-hand side is the projection of the full one
    # (Problem.rhs) at the lifted state
    own = galerkin_model(ss, r)
    assert own.beta == ss.problem.beta == 1
    u, d = np.array([0.4]), np.array([-0.2j])
    full = ss.problem.rhs(q) + ss.to_state(ss.B @ u + ss.B_d @ d)
    assert _relative(own.rhs(a, u, d), own.restrict(full)) < 1e-10
    # columns of a matrix
    many = model.cubic(np.stack([a, 2 * a], axis=1))
    np.testing.assert_allclose(many[:, 1], 8 * fast, rtol=1e-13)


# --- the time stepper --------------------------------------------------------------------


def test_etdrk4_converges_with_order_four(nonlinear_ss):
    model = galerkin_model(nonlinear_ss, 8)
    a0 = model.restrict(0.6 * nonlinear_ss.to_state(nonlinear_ss.B[:, 0]))

    def u(t):
        return [0.3 * np.sin(t)]

    with blas_threads(1):
        ref = solve_ivp(lambda t, a: model.rhs(a, u(t)), (0.0, 10.0), a0, method="DOP853",
                        rtol=1e-13, atol=1e-15).y[:, -1]
    steps = (0.05, 0.025, 0.0125)
    errors = [_relative(model.simulate(a0, 10.0, dt, u=u)[1][:, -1], ref) for dt in steps]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print("\ndt, error, order:", list(zip(steps, errors, [None, *orders])))
    assert errors[-1] < 1e-6
    assert np.all((orders > 3.7) & (orders < 4.4)), orders


def test_simulate_rejects_a_fractional_step_count(linear_ss):
    model = galerkin_model(linear_ss, 4)
    with pytest.raises(ValueError, match="whole multiple"):
        model.simulate(model.B[:, 0], 1.0, 0.3)


# --- the nonlinear Ginzburg-Landau equation ----------------------------------------------


@pytest.fixture(scope="module")
def full_nonlinear(nonlinear_ss):
    """Sensor signal of the full collocation system from q0 = 0.6 b (actuator shape)."""
    ss = nonlinear_ss
    prob = ss.problem
    q0 = (0.6 * ss.to_state(ss.B[:, 0])).astype(complex)
    t = np.arange(2001) * 0.05
    with blas_threads(1):
        full = solve_ivp(lambda _, q: prob.rhs(q), (0.0, t[-1]), q0, method="DOP853", rtol=1e-10, atol=1e-12,
                         t_eval=t)
        linear = solve_ivp(lambda _, q: prob.L @ q, (0.0, t[-1]), q0, method="DOP853", rtol=1e-10,
                           atol=1e-12, t_eval=t)
    assert full.success and linear.success
    return q0, t, (ss.C @ ss.to_energy(full.y))[0], (ss.C @ ss.to_energy(linear.y))[0]


def test_reduced_model_tracks_the_nonlinear_sensor_signal(nonlinear_ss, full_nonlinear):
    q0, t, y_full, y_linear = full_nonlinear
    # the cubic term matters: the linear equation misses the sensor signal by ~38 %
    nonlinear_effect = _relative(y_linear, y_full)
    errors = {}
    for r in (4, 8, 12, 16):
        model = galerkin_model(nonlinear_ss, r)
        times, a = model.simulate(model.restrict(q0), t[-1], 0.05)
        np.testing.assert_allclose(times, t, atol=1e-12)
        errors[r] = _relative(model.output(a)[0], y_full)
    print(f"\nlinear equation vs nonlinear: {nonlinear_effect:.3g}")
    print("r   relative sensor error (t <= 100)")
    for r, e in errors.items():
        print(f"{r:<3} {e:.3e}")
    assert nonlinear_effect > 0.3
    assert errors[16] < errors[8] < errors[4] < 0.5 * nonlinear_effect
    assert errors[16] < 1e-2
    assert errors[12] < 2e-2
    # a linear reduced model of the same order does no better than the linear equation
    lin16 = galerkin_model(nonlinear_ss, 16, beta=0.0)
    _, a = lin16.simulate(lin16.restrict(q0), t[-1], 0.05)
    assert _relative(lin16.output(a)[0], y_full) > 0.3


def test_bpod_model_is_close_to_balanced_truncation(nonlinear_ss, full_nonlinear):
    q0, t, y_full, _ = full_nonlinear
    bt = galerkin_model(nonlinear_ss, 6)
    bp = galerkin_model(nonlinear_ss, 6, method="bpod", t_end=200.0, count=400)
    # the leading Hankel singular values agree to the trapezoidal accuracy of the snapshots
    np.testing.assert_allclose(bp.hsv[:2], bt.hsv[:2], rtol=1e-2)
    y_bt = bt.output(bt.simulate(bt.restrict(q0), t[-1], 0.05)[1])[0]
    y_bp = bp.output(bp.simulate(bp.restrict(q0), t[-1], 0.05)[1])[0]
    assert _relative(y_bp, y_bt) < 0.05
    assert _relative(y_bp, y_full) < 0.15


def test_bad_arguments(linear_ss):
    with pytest.raises(ValueError, match="bt' or 'bpod"):
        galerkin_model(linear_ss, 4, method="pod")
    with pytest.raises(ValueError, match="snapshot"):
        galerkin_model(linear_ss, 4, method="bpod")
