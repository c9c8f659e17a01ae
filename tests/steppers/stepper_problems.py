"""Problems for the stepper tests: the forum problem at small amplitude (dense
Hermite L) with a tight scipy reference, and a periodic plane wave with its exact
solution (diagonal Fourier L)."""

import math

import numpy as np
from scipy.integrate import solve_ivp

import cgle

FORUM = {
    "name": "forum_small",
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 64},
    "time": {"dt": 0.1, "t_end": 2.0},
}
# the periodic standard form A_t = A + (1 + ib) A_xx - (1 + ic)|A|^2 A, b = 0.5, c = -1.2
PLANE_WAVE = {
    "name": "plane_wave",
    "equation": {"nu": 0, "gamma": "1+0.5j", "mu": [1], "beta": "1-1.2j"},
    "grid": {"basis": "fourier", "n": 16, "length": 20.0},
    "initial": {"kind": "plane_wave", "m": [2]},
    "time": {"dt": 0.1, "t_end": 4.0},
}


def scipy_reference(prob, q0, times, rtol=1e-13, shift=0.0):
    """q(t) for each t in ``times`` by scipy's DOP853 (real form), independent of cgle's
    steppers. With ``shift`` = sigma it integrates p = e^{sigma t} q instead,

        p' = (L + sigma) p - beta e^{-2 sigma t} |p|^2 p,

    so that for a solution decaying like e^{-sigma t} the absolute tolerance stays
    relative to it, and returns q = e^{-sigma t} p."""
    n = q0.size

    def f(t, y):
        p = y[:n] + 1j * y[n:]
        if shift:
            # the forcing-free ODE for p (dense L: Hermite or Chebyshev problems)
            r = prob.L @ p + shift * p - prob.beta * math.exp(-2 * shift * t) * np.abs(p) ** 2 * p
        else:
            r = prob.rhs(p)
        return np.concatenate([r.real, r.imag])

    sol = solve_ivp(f, (0.0, times[-1]), np.concatenate([q0.real, q0.imag]), method="DOP853", rtol=rtol,
                    atol=1e-16, t_eval=times)
    assert sol.status == 0
    return [(sol.y[:n, i] + 1j * sol.y[n:, i]) * math.exp(-shift * t) for i, t in enumerate(times)]


PLANE_WAVE_2D = dict(PLANE_WAVE, name="plane_wave_2d", grid={"basis": "fourier", "n": [8, 8], "length": [20.0, 20.0]},
                     initial={"kind": "plane_wave", "m": [2, 1]})


class PlaneWave:
    """A exp(i (k.x - omega t)), a^2 = Re L(k) / Re beta, omega = -Im L(k) + Im(beta) a^2."""

    def __init__(self, config=PLANE_WAVE):
        self.prob = cgle.build(config)
        m = config["initial"]["m"]
        length = config["grid"]["length"]
        length = length if isinstance(length, list) else [length]
        self.k = [2 * math.pi * mi / li for mi, li in zip(m, length)]
        lam = self.prob.symbol_at(self.k)
        self.a = math.sqrt(lam.real / self.prob.beta.real)
        self.omega = -lam.imag + self.prob.beta.imag * self.a**2

    def exact(self, t):
        p = self.prob
        phase = self.k[0] * p.x if len(self.k) == 1 else self.k[0] * p.x[:, None] + self.k[1] * p.y[None, :]
        return self.a * np.exp(1j * (phase - self.omega * t))


def run_fixed(prob, scheme, v0, dt, t_end):
    """State after t_end with fixed steps dt (a fresh stepper, start-up included)."""
    from cgle.steppers import make_stepper

    stepper = make_stepper(scheme, prob)
    stepper.prepare(dt)
    stepper.reset()
    v = np.array(v0, dtype=complex)
    for _ in range(int(round(t_end / dt))):
        stepper.step(v)
    return v
