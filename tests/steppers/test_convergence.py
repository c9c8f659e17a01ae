"""Every registered scheme converges at its declared order (issue 4, test 1).

Measured order = slope of log(error) vs log(dt) over the two finest step sizes, against
(a) scipy DOP853 at rtol 1e-13 on the forum problem with a small initial amplitude
(dense Hermite L) and (b) the exact travelling plane wave of the periodic standard form
in 1D and 2D (diagonal Fourier L, states of shape (N,) and (Nx, Ny)). Required: within 0.25 of the declared order.
"""

import numpy as np
import pytest
from stepper_problems import run_fixed

from cgle.steppers import registry

SCHEMES = sorted(registry())


def slope(dts, errors):
    return float(np.log(errors[-2] / errors[-1]) / np.log(dts[-2] / dts[-1]))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_order_on_forum_problem(scheme, forum):
    prob, q0, T, ref = forum
    dts = [0.1, 0.05, 0.025]
    errors = [np.linalg.norm(run_fixed(prob, scheme, q0, dt, T) - ref) / np.linalg.norm(ref) for dt in dts]
    assert errors[-1] > 1e-12, "the finest error must stay above roundoff for a slope"
    order = registry()[scheme].order
    assert abs(slope(dts, errors) - order) <= 0.25, (scheme, errors)


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_order_on_plane_wave(scheme, dim, plane_wave, plane_wave_2d):
    plane_wave = plane_wave if dim == 1 else plane_wave_2d
    prob = plane_wave.prob
    T = 4.0
    exact = plane_wave.exact(T)
    v0 = prob.to_state(plane_wave.exact(0.0))
    dts = [0.05, 0.025, 0.0125]
    errors = [np.max(np.abs(prob.to_physical(run_fixed(prob, scheme, v0, dt, T)) - exact)) / plane_wave.a
              for dt in dts]
    assert errors[-1] > 1e-12
    order = registry()[scheme].order
    assert abs(slope(dts, errors) - order) <= 0.25, (scheme, errors)


def test_registry_holds_every_family():
    """The families and their schemes; a scheme missing here is a scheme the tests skip."""
    assert set(SCHEMES) == {"cnfe", "cnab2", "sbdf1", "sbdf2", "sbdf3", "ars222", "ars443", "ark436", "etd1",
                            "etdrk4", "strang", "strang_richardson"}
