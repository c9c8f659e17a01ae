"""Measured convergence orders on the forum problem (issue 2, item 4).

The reference is scipy's Radau with the analytic Jacobian, independent of cgle's steppers.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import cgle
from cgle.steppers import make_stepper

FORUM = {
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 64},
    "time": {"dt": 1.0, "t_end": 1.0},
}


def reference(prob, q0, t_end, rtol):
    """Tight solution of q' = L q - beta |q|^2 q in real form, analytic Jacobian."""
    n = q0.size
    L, beta = prob.L, prob.beta

    def split(y):
        return y[:n] + 1j * y[n:]

    def f(_t, y):
        r = prob.rhs(split(y))
        return np.concatenate([r.real, r.imag])

    def jac(_t, y):
        q = split(y)
        # d(-beta |q|^2 q) = A dq + B conj(dq), A = -2 beta |q|^2, B = -beta q^2
        A = L - np.diag(2 * beta * np.abs(q) ** 2)
        B = -np.diag(beta * q**2)
        # real form of A dq + B conj(dq) with dq = a + i b
        return np.block([[(A + B).real, -(A - B).imag], [(A + B).imag, (A - B).real]])

    sol = solve_ivp(f, (0, t_end), np.concatenate([q0.real, q0.imag]), method="Radau", rtol=rtol,
                    atol=rtol * 1e-2, jac=jac)
    assert sol.status == 0
    return split(sol.y[:, -1])


def run_fixed(prob, scheme, q0, dt, t_end):
    stepper = make_stepper(scheme, prob)
    stepper.prepare(dt)
    stepper.reset()
    v = q0.copy()
    for _ in range(int(round(t_end / dt))):
        stepper.step(v)
    return v


def observed_orders(prob, scheme, q0, dts, t_end, ref):
    errors = [np.sqrt(prob.energy(run_fixed(prob, scheme, q0, dt, t_end) - ref) / prob.energy(ref)) for dt in dts]
    return errors, np.diff(np.log(errors)) / np.diff(np.log(dts))


@pytest.mark.slow
def test_strang_is_second_order_on_the_forum_problem():
    prob = cgle.build(FORUM)
    q0 = np.full(prob.shape, 1e4 + 0j)  # the forum's amplitude: dt |q0|^2 = 1e8 at dt = 1
    ref = reference(prob, q0, 5.0, rtol=1e-8)
    errors, orders = observed_orders(prob, "strang", q0, [0.5, 0.25, 0.125, 0.0625], 5.0, ref)
    assert errors[-1] < 1e-3
    assert np.all(np.abs(orders - 2.0) < 0.2), orders


def test_cnab2_is_second_order_at_small_amplitude():
    prob = cgle.build(FORUM)
    q0 = 0.5 * np.exp(-((prob.x + 2.0) ** 2) / 8).astype(complex)
    ref = reference(prob, q0, 4.0, rtol=1e-11)
    errors, orders = observed_orders(prob, "cnab2", q0, [0.1, 0.05, 0.025, 0.0125], 4.0, ref)
    assert np.all(np.abs(orders - 2.0) < 0.2), (errors, orders)
