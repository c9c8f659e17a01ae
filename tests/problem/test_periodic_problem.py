"""FourierProblem against independent constructions: DMSuite-style differentiation
matrices (fourdif), NumPy twins of the pointwise kernels, exact plane waves."""

import math

import numpy as np
import pytest

from cgle import build
from cgle.config import ConfigError, load_config
from cgle.errors import InitialConditionError
from cgle.problem.initial import initial_condition
from cgle.problem.periodic import dealias_mask
from cgle.spectral import fourdif

B, C = 0.5, -1.2


def _random_field(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _general_config(n, length, nu, gamma, mu, beta, dealias=False):
    return load_config({
        "equation": {"nu": nu, "gamma": gamma, "mu": [mu], "beta": beta},
        "grid": {"basis": "fourier", "n": n, "length": length, "dealias": dealias},
        "initial": {"kind": "noise", "amplitude": 1.0},
        "time": {"scheme": "strang", "dt": 0.1, "t_end": 1.0},
    })


@pytest.mark.parametrize("n", [16, 17])
def test_linear_operator_matches_fourdif_1d(rng, n):
    # L q = gamma D2 q - nu D1 q + mu q with fourdif's matrices (Nyquist convention included)
    length = 7.3
    nu, gamma, mu = 0.7 - 0.3j, 1 + 0.5j, 0.9 + 0.1j
    prob = build(_general_config(n, length, nu, gamma, mu, 1 - 1.2j))
    _, D1 = fourdif(n, 1)
    _, D2 = fourdif(n, 2)
    s = 2 * np.pi / length
    q = _random_field(rng, n)
    expected = gamma * (s**2 * D2 @ q) - nu * (s * D1 @ q) + mu * q
    got = prob.to_physical(prob.L * prob.to_state(q))
    np.testing.assert_allclose(got, expected, atol=1e-10 * np.abs(expected).max())
    np.testing.assert_allclose(prob.x, length * np.arange(n) / n, rtol=0, atol=1e-14)
    np.testing.assert_allclose(prob.weights, length / n)


def test_linear_operator_matches_kronecker_fourdif_2d(rng):
    nx, ny, lx, ly = 12, 10, 5.0, 3.0
    nu, gamma, mu = 0.4j + 0.2, 1 - 2j, 1.0
    prob = build(_general_config([nx, ny], [lx, ly], nu, gamma, mu, 1))
    _, Dx1 = fourdif(nx, 1)
    _, Dx2 = fourdif(nx, 2)
    _, Dy2 = fourdif(ny, 2)
    sx, sy = 2 * np.pi / lx, 2 * np.pi / ly
    # q[j, l] flattened row-major: x is the slow index
    lap = np.kron(sx**2 * Dx2, np.eye(ny)) + np.kron(np.eye(nx), sy**2 * Dy2)
    dx = np.kron(sx * Dx1, np.eye(ny))
    q = _random_field(rng, (nx, ny))
    expected = (gamma * lap @ q.ravel() - nu * dx @ q.ravel() + mu * q.ravel()).reshape(nx, ny)
    got = prob.to_physical(prob.L * prob.to_state(q))
    np.testing.assert_allclose(got, expected, atol=1e-10 * np.abs(expected).max())
    assert prob.weights.shape == (nx, ny)
    np.testing.assert_allclose(prob.weights.sum(), lx * ly)


@pytest.mark.parametrize("shape", [(32,), (12, 16)])
def test_nonlinear_and_cubic_flow_match_numpy_twins(rng, shape):
    beta = 1 - 1.2j
    n = list(shape) if len(shape) == 2 else shape[0]
    prob = build(_general_config(n, 10.0, 0, 1, 1, beta))
    q = 0.7 * _random_field(rng, shape)
    v = prob.to_state(q)
    out = np.empty_like(v)
    prob.nonlinear(v, out)
    np.testing.assert_allclose(out, np.fft.fftn(-beta * np.abs(q) ** 2 * q), atol=1e-12 * np.abs(out).max())
    blown = prob.cubic_flow(v, 0.3, out)
    # exact flow: q exp(-beta g), g = log(1 + 2 br |q|^2 t) / (2 br)
    expected = q * np.exp(-beta * np.log1p(2 * beta.real * np.abs(q) ** 2 * 0.3) / (2 * beta.real))
    assert blown == 0
    np.testing.assert_allclose(out, np.fft.fftn(expected), atol=1e-12 * np.abs(out).max())
    assert prob.amplitude2(v) == pytest.approx(np.max(np.abs(q) ** 2), rel=1e-13)
    np.testing.assert_allclose(prob.to_physical(prob.to_state(q)), q, atol=1e-14 * np.abs(q).max())
    assert prob.energy(q) == pytest.approx(np.sum(prob.weights * np.abs(q) ** 2), rel=1e-13)


@pytest.mark.parametrize("shape", [(30,), (24, 18)])
def test_dealiasing_is_the_two_thirds_rule(rng, shape):
    beta = 1 + 0.5j
    n = list(shape) if len(shape) == 2 else shape[0]
    prob = build(_general_config(n, 10.0, 0, 1, 1, beta, dealias=True))
    kept = dealias_mask(shape)
    # |m| <= N/3 along every axis
    for axis, ni in enumerate(shape):
        m = np.abs(np.fft.fftfreq(ni, 1.0 / ni))
        assert np.count_nonzero(m <= ni / 3) == 2 * (ni // 3) + 1
    q = _random_field(rng, shape)
    v = prob.to_state(q)
    out = np.empty_like(v)
    prob.nonlinear(v, out)
    full = np.fft.fftn(-beta * np.abs(q) ** 2 * q)
    np.testing.assert_allclose(out[kept], full[kept], atol=1e-12 * np.abs(full).max())
    assert np.all(out[~kept] == 0)
    # the dealiased right-hand side is L q plus the filtered cubic term
    expected = np.fft.ifftn(prob.L * v) + np.fft.ifftn(np.where(kept, full, 0))
    np.testing.assert_allclose(prob.rhs(q), expected, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("m", [(0,), (3,), (-5,), (2, -1), (0, 3)])
def test_rhs_of_a_plane_wave_is_minus_i_omega_times_it(periodic, m):
    # A = sqrt(1 - k^2) exp(i(k.x - omega t)), omega = c + (b - c)|k|^2  =>  A_t = -i omega A
    n = 32 if len(m) == 1 else (16, 20)
    length = 40.0 if len(m) == 1 else (20.0, 25.0)
    cfg, prob = periodic(B, C, n, length, {"kind": "plane_wave", "m": list(m)})
    q = initial_condition(cfg, prob)
    lengths = (length,) if len(m) == 1 else length
    k2 = sum((2 * np.pi * mi / li) ** 2 for mi, li in zip(m, lengths))
    assert np.allclose(np.abs(q), math.sqrt(1 - k2), rtol=1e-14)
    omega = C + (B - C) * k2
    np.testing.assert_allclose(prob.rhs(q), -1j * omega * q, atol=1e-12)
    # trapezoid rule is exact for |A|^2 = const
    assert prob.energy(q) == pytest.approx((1 - k2) * np.prod(lengths), rel=1e-13)


def test_plane_wave_initial_condition_errors_and_noise(periodic):
    cfg, prob = periodic(B, C, 32, 6.0, {"kind": "plane_wave", "m": [1]})  # k = 1.047 > 1
    with pytest.raises(InitialConditionError, match="initial.amplitude"):
        initial_condition(cfg, prob)
    cfg, prob = periodic(B, C, 32, 6.0, {"kind": "plane_wave", "m": [1], "amplitude": 0.5, "noise": 0.01,
                                         "seed": 3})
    q = initial_condition(cfg, prob)
    base = 0.5 * np.exp(2j * np.pi * prob.x / 6.0)
    dev = q - base
    assert 0.003 < np.sqrt(np.mean(np.abs(dev) ** 2)) < 0.03
    np.testing.assert_array_equal(q, initial_condition(cfg, prob))  # seeded


def test_spiral_seed_is_periodic_and_vanishes_near_the_edges(periodic):
    cfg, prob = periodic(0.0, 0.6, (64, 64), (40.0, 40.0),
                         {"kind": "spiral", "center": [20.1, 19.7], "width": 2.0})
    q = initial_condition(cfg, prob)
    dx = (prob.x[:, None] - 20.1 + 20.0) % 40.0 - 20.0
    dy = (prob.y[None, :] - 19.7 + 20.0) % 40.0 - 20.0
    r = np.hypot(dx, dy)
    assert np.all(q[r >= 20.0] == 0)
    # inside r <= R/2 = 10: tanh(r/width) exp(i theta) exactly
    inner = r <= 10.0
    np.testing.assert_allclose(q[inner], (np.tanh(r / 2.0) * (dx + 1j * dy) / r)[inner], rtol=1e-13)


def test_gaussian_in_2d_is_radial(periodic):
    cfg, prob = periodic(0.0, 0.0, (16, 16), (8.0, 8.0), {"kind": "gaussian", "center": 4.0, "width": 1.5})
    q = initial_condition(cfg, prob)
    r2 = (prob.x[:, None] - 4.0) ** 2 + (prob.y[None, :] - 4.0) ** 2
    np.testing.assert_allclose(q, np.exp(-r2 / 1.5**2), rtol=1e-14)


def test_non_constant_mu_is_a_config_error():
    # checked where the config is read, before any problem is built
    with pytest.raises(ConfigError, match=r"config error at equation.mu: must be a constant"):
        load_config({
            "equation": {"gamma": 1, "mu": [1, 0, -0.1], "beta": 1},
            "grid": {"basis": "fourier", "n": 16, "length": 10.0},
            "time": {"scheme": "strang", "dt": 0.1, "t_end": 1.0},
        })


def test_blow_up_on_a_periodic_grid_is_reported_not_raised(tmp_path):
    # Re(beta) < 0 with an explicit cubic term: the state overflows to inf/NaN inside the
    # transforms; under np.seterr(all="raise") the run must still end as a reported blow-up
    from cgle.workflow.runner import RunFailed, run

    cfg = load_config({
        "equation": {"gamma": 1, "mu": [1], "beta": -1},
        "grid": {"basis": "fourier", "n": 32, "length": 20.0},
        "initial": {"kind": "constant", "amplitude": 1.0},
        "time": {"scheme": "etdrk4", "dt": 0.1, "t_end": 20.0, "precheck": "off", "max_amplitude": 1e150},
        "output": {"every": 1.0},
    })
    with pytest.raises(RunFailed, match="blew up") as err:
        run(cfg, tmp_path / "blow.h5")
    assert err.value.status == "failed"


def test_transforms_of_an_overflowing_state_stay_silent():
    # the blow-up check needs max|q|^2 = inf or NaN, not a FloatingPointError from numpy.fft
    prob = build(_general_config(16, 10.0, 0, 1, 1, 1))
    v = np.full(16, 1e308 + 0j)
    assert not prob.amplitude2(v) <= 1e300
    out = np.empty_like(v)
    prob.nonlinear(v, out)
    assert not np.isfinite(out).all()
