"""Numba kernels agree with their NumPy twins; the cubic flow is exact."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from cgle.problem import kernels


@pytest.fixture
def field():
    rng = np.random.default_rng(3)
    return rng.standard_normal(257) * 3 + 1j * rng.standard_normal(257)


def test_cubic_term_twin(field):
    out = np.empty_like(field)
    kernels.cubic_term(field, 0.7 - 1.3j, out)
    np.testing.assert_allclose(out, kernels.cubic_term_numpy(field, 0.7 - 1.3j), rtol=1e-14)


@pytest.mark.parametrize("beta", [1.0 + 0j, 0.3 - 2.0j, 0.0 + 1.5j, 1e-14 + 0.5j, -0.02 + 0.1j])
def test_cubic_flow_twin(field, beta):
    out = np.empty_like(field)
    blown = kernels.cubic_flow(field, beta, 0.8, out)
    ref, ref_blown = kernels.cubic_flow_numpy(field, beta, 0.8)
    assert blown == ref_blown
    np.testing.assert_allclose(out, ref, rtol=1e-13)


def test_small_kernels_twins(field):
    w = np.linspace(0.1, 2.0, field.size)
    assert kernels.max_abs2(field) == pytest.approx(kernels.max_abs2_numpy(field), rel=1e-15)
    assert kernels.weighted_energy(field, w) == pytest.approx(kernels.weighted_energy_numpy(field, w), rel=1e-13)
    g = field[::-1].copy()
    out = np.empty_like(field)
    kernels.lincomb2(2 - 1j, field, 0.5j, g, out)
    np.testing.assert_allclose(out, kernels.lincomb2_numpy(2 - 1j, field, 0.5j, g), rtol=1e-14)
    kernels.lincomb3(2 - 1j, field, 0.5j, g, -1.0, field, out)
    np.testing.assert_allclose(out, kernels.lincomb3_numpy(2 - 1j, field, 0.5j, g, -1.0, field), rtol=1e-14)
    y = g.copy()
    kernels.axpy(0.3 + 0.1j, field, y)
    np.testing.assert_allclose(y, kernels.axpy_numpy(0.3 + 0.1j, field, g), rtol=1e-14)


def test_max_abs2_propagates_nan(field):
    field[100] = complex(np.nan, 0.0)
    assert np.isnan(kernels.max_abs2(field))
    assert np.isnan(kernels.max_abs2_numpy(field))


@pytest.mark.parametrize("beta", [1.0 + 0j, 1.0 - 1.0j, 0.2 + 3.0j, 0.0 + 1.0j, 0.0 - 0.7j])
def test_cubic_flow_matches_tight_ode_solution(beta):
    q0 = np.array([1e-3 + 0j, 0.5 - 0.2j, 2.0 + 1.0j, -3.0j, 10.0 + 0j])
    t = 1.7

    def f(_t, y):
        q = y[:5] + 1j * y[5:]
        r = -beta * np.abs(q) ** 2 * q
        return np.concatenate([r.real, r.imag])

    sol = solve_ivp(f, (0, t), np.concatenate([q0.real, q0.imag]), method="DOP853", rtol=1e-13, atol=1e-15)
    ref = sol.y[:5, -1] + 1j * sol.y[5:, -1]
    out = np.empty_like(q0)
    assert kernels.cubic_flow(q0, beta, t, out) == 0
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)
    # |q(t)| = |q0| / sqrt(1 + 2 br |q0|^2 t)
    np.testing.assert_allclose(np.abs(out), np.abs(q0) / np.sqrt(1 + 2 * beta.real * np.abs(q0) ** 2 * t),
                               rtol=1e-13)


def test_cubic_flow_reports_finite_time_blow_up():
    beta = -0.5 + 0.2j
    q0 = np.array([1.0 + 0j, 2.0 + 0j, 0.1 + 0j])
    # t* = 1 / (2 |br| |q0|^2): 1.0, 0.25, 100 for the three nodes
    out = np.empty_like(q0)
    assert kernels.cubic_flow(q0, beta, 0.5, out) == 1
    assert kernels.cubic_flow(q0, beta, 1.5, out) == 2
    assert kernels.cubic_flow(q0, beta, 0.2, out) == 0
    assert np.all(np.isfinite(out))
