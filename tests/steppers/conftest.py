"""Fixtures for the stepper tests (the problems live in stepper_problems.py)."""

import numpy as np
import pytest
from stepper_problems import FORUM, PLANE_WAVE_2D, PlaneWave, scipy_reference
from threadpoolctl import threadpool_limits

import cgle


@pytest.fixture(scope="session", autouse=True)
def _single_threaded_blas():
    """N <= 220 matrices: one BLAS thread is fastest (and threads thrash on a shared machine)."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def forum():
    """(problem, q0, T, q(T)): Gaussian of amplitude 1 and width 3 on N = 64 nodes."""
    prob = cgle.build(FORUM)
    q0 = np.exp(-((prob.x / 3.0) ** 2)).astype(complex)
    T = 2.0
    (ref,) = scipy_reference(prob, q0, [T])
    return prob, q0, T, ref


@pytest.fixture(scope="session")
def plane_wave():
    return PlaneWave()


@pytest.fixture(scope="session")
def plane_wave_2d():
    return PlaneWave(PLANE_WAVE_2D)
