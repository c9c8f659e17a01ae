"""Shared test setup: floating-point errors raise (underflow is allowed); the periodic
(Fourier) helpers: the standard-form config and a fixed-step integration loop that keeps
everything in memory."""

import numpy as np
import pytest

from cgle.config import load_config
from cgle.problem import build_problem
from cgle.steppers import make_stepper


@pytest.fixture(autouse=True)
def _strict_floating_point():
    old = np.seterr(all="raise", under="ignore")
    yield
    np.seterr(**old)


def standard_config(b, c, n, length, initial, scheme="strang", dt=0.05, t_end=1.0, dealias=False):
    """A_t = A + (1 + i b) Lap A - (1 + i c) |A|^2 A on a periodic box (Aranson & Kramer 2002)."""
    return load_config({
        "equation": {"nu": 0, "gamma": complex(1.0, b), "mu": [1], "beta": complex(1.0, c)},
        "grid": {"basis": "fourier", "n": list(n) if isinstance(n, tuple) else n,
                 "length": list(length) if isinstance(length, tuple) else length, "dealias": dealias},
        "initial": initial,
        "time": {"scheme": scheme, "dt": dt, "t_end": t_end},
    })


def _advance(prob, scheme, q0, dt, t_end, record_every=None):
    """Integrate from q0 to t_end with a fixed step; returns q(t_end), or with
    ``record_every`` (a whole number of steps) the list of (t, q) at those steps too."""
    stepper = make_stepper(scheme, prob)
    stepper.prepare(dt)
    stepper.reset()
    v = prob.to_state(q0)
    steps = int(round(t_end / dt))
    frames = [(0.0, prob.to_physical(v))]
    for i in range(1, steps + 1):
        stepper.step(v)
        if record_every and i % record_every == 0:
            frames.append((i * dt, prob.to_physical(v)))
    q = prob.to_physical(v)
    return (q, frames) if record_every else q


@pytest.fixture
def periodic():
    """Factory: (config kwargs) -> (config, FourierProblem)."""

    def make(*args, **kwargs):
        cfg = standard_config(*args, **kwargs)
        return cfg, build_problem(cfg)

    return make


@pytest.fixture
def advance():
    """The fixed-step loop :func:`_advance`."""
    return _advance


@pytest.fixture
def rng():
    return np.random.default_rng(20240517)
