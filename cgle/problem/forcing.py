"""Additive white-noise forcing (``forcing:`` in the config).

The forced equation is the Ito SDE

    dq = (L q + N(q)) dt + f(x) dW,    f(x) = sqrt(intensity) exp(-((x - x0) / width)^2)

with W(t) one scalar complex circular Wiener process: dW = (dW_r + i dW_i) / sqrt(2) with
dW_r, dW_i independent real Wiener increments, so E[dW dW^*] = dt and E[dW dW] = 0. The
noise is a single stochastic input u = dW/dt acting through the actuator shape f, the
input matrix B = f of Bagheri et al. (Appl. Mech. Rev. 62, 020803, 2009) (a disturbance source upstream, x0 = -11,
width 1.6 in the Ilak lineage); it is white in time and fully correlated in space.
After every deterministic step of size h the loop in :mod:`cgle.integrate` calls
:meth:`WhiteNoiseForcing.apply`, which adds the Euler-Maruyama increment

    v <- v + sqrt(h) f xi,    xi = (a + i b) / sqrt(2),  a, b ~ N(0, 1),

one xi per step, independent between steps (Kloeden & Platen 1992, sec. 9.1). With this
normalisation the stationary covariance of the linear continuous system solves
L P + P L^H + f f^H = 0 (B = f in :func:`cgle.analysis.gramians.controllability_gramian`) and the
mean energy is trace(M P). On top of the exact linear propagator (``strang`` with
beta = 0) the discrete recursion is v_{n+1} = exp(hL) v_n + sqrt(h) f xi_n, whose
stationary covariance is the discrete Lyapunov solution of
:func:`cgle.analysis.gramians.stationary_covariance` with ``dt=h``; it differs from P by O(h).

Reproducibility: the random numbers come from ``numpy.random.Generator(PCG64(seed))``
with ``seed = forcing.seed``; :meth:`get_state` / :meth:`set_state` carry the bit
generator state through a checkpoint, so a resumed run draws exactly the numbers the
uninterrupted run would have drawn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def gaussian_shape(x: ArrayLike, x0: float, width: float, intensity: float = 1.0) -> np.ndarray:
    """f(x) = sqrt(intensity) exp(-((x - x0) / width)^2) on the nodes ``x``.

    Intensity is the variance scale: the noise adds intensity * exp(-2((x-x0)/width)^2) dt
    to E|q(x)|^2 per unit time.
    """
    x = np.asarray(x, dtype=float)
    return math.sqrt(intensity) * np.exp(-(((x - x0) / width) ** 2))


class WhiteNoiseForcing:
    """Euler-Maruyama white-noise increments sqrt(h) f xi (see the module docstring).

    Parameters
    ----------
    shape : ndarray (N,)
        f on the nodes (state coordinates of a collocation problem).
    seed : int
        Seed of the PCG64 generator.

    Attributes
    ----------
    shape : ndarray
    seed : int
    """

    STATE_KEY = "forcing_rng_state"

    def __init__(self, shape: ArrayLike, seed: int) -> None:
        self.shape = np.ascontiguousarray(shape, dtype=float)
        self.seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self.seed))
        self._ab = np.empty(2)

    def increment(self, h: float) -> np.ndarray:
        """A new increment sqrt(h) f xi (advances the generator)."""
        # (a, b) ~ N(0, 1): xi = (a + i b) / sqrt(2), E|xi|^2 = 1, E xi^2 = 0
        a, b = self.rng.standard_normal(out=self._ab)
        return math.sqrt(h / 2.0) * complex(a, b) * self.shape

    def apply(self, v: np.ndarray, h: float) -> np.ndarray:
        """v <- v + sqrt(h) f xi, in place, after a step of size h."""
        v += self.increment(h)
        return v

    def get_state(self) -> dict[str, str]:
        """The generator state as ``{"forcing_rng_state": JSON text}`` (a checkpoint entry)."""
        return {self.STATE_KEY: json.dumps(self.rng.bit_generator.state)}

    def set_state(self, state: Mapping[str, object]) -> None:
        """Restore the generator from a mapping holding what :meth:`get_state` returned
        (a whole checkpoint dict is fine; a 0-d array from ``np.load`` is accepted)."""
        if self.STATE_KEY not in state:
            raise KeyError(f"the checkpoint has no {self.STATE_KEY!r} entry (was the run forced?)")
        text = state[self.STATE_KEY]
        if isinstance(text, np.ndarray):
            text = text[()]
        self.rng.bit_generator.state = json.loads(str(text))


def make_forcing(forcing: Any, prob: Any) -> WhiteNoiseForcing | None:
    """The forcing object for a validated ``cgle.config.Forcing`` on ``prob``'s nodes.

    Returns None when ``forcing`` is None. Only collocation problems carry forcing
    (the config rejects it for Fourier grids).
    """
    if forcing is None:
        return None
    if forcing.kind != "white_noise" or forcing.shape != "gaussian":  # config validation makes this unreachable
        raise ValueError(f"unknown forcing {forcing.kind}/{forcing.shape}")
    return WhiteNoiseForcing(gaussian_shape(prob.x, forcing.x0, forcing.width, forcing.intensity), forcing.seed)
