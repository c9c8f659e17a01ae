"""Initial conditions (``initial:`` in the config) on a problem's grid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cgle.errors import InitialConditionError
from cgle.problem.modes import global_modes


def initial_condition(cfg: Any, prob: Any) -> np.ndarray:
    """q(x, 0) in physical space, shaped like the grid."""
    ini = cfg.initial
    shape = prob.shape
    if ini.kind == "constant":
        return np.full(shape, complex(ini.amplitude))
    if ini.kind == "gaussian" and len(shape) == 1:
        # far from the nodes, or narrower than any double resolves, the exponent overflows to
        # -inf and exp gives 0: that is the value, without numpy's warning
        with np.errstate(over="ignore"):
            bump = np.exp(-(((prob.x - ini.center) / ini.width) ** 2))
        if ini.amplitude != 0 and not np.any(bump):
            lo, hi = float(prob.x.min()), float(prob.x.max())
            key, got = ("initial.width", ini.width) if lo <= ini.center <= hi else ("initial.center", ini.center)
            raise InitialConditionError(
                f"config error at {key}: the Gaussian at {ini.center:g} of width {ini.width:g} underflows to 0 "
                f"on every node of the grid (x from {lo:g} to {hi:g}), so the run would start from q = 0 (got {got:g})")
        return complex(ini.amplitude) * bump.astype(complex)
    if ini.kind == "noise":
        rng = np.random.default_rng(ini.seed)
        # complex Gaussian noise with E|q|^2 = amplitude^2
        return ini.amplitude * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2.0)
    if ini.kind == "mode":
        if prob.basis == "fourier":
            raise InitialConditionError("config error at initial.kind: mode needs grid.basis hermite or chebyshev "
                                        "(the modes of a periodic problem are Fourier modes: use plane_wave) "
                                        "(got 'mode')")
        _lam, vecs = global_modes(prob.L, prob.weights, k=ini.n + 1, vectors=True)
        mode = vecs[:, ini.n]
        # normalise to unit energy norm, phase so that the largest entry is real
        mode = mode / np.sqrt(prob.energy(mode))
        mode *= np.exp(-1j * np.angle(mode[np.argmax(np.abs(mode))]))
        return complex(ini.amplitude) * mode
    if ini.kind == "file":
        return _from_file(cfg, prob)
    if hasattr(prob, "initial_condition"):
        return prob.initial_condition(ini)
    raise InitialConditionError(f"config error at initial.kind: {ini.kind} is not available for grid.basis "
                                f"{cfg.grid.basis} (got {ini.kind!r})")


def _from_file(cfg, prob):
    ini = cfg.initial
    path = Path(ini.path)
    if not path.is_absolute():
        path = Path(cfg.base_dir) / path
    if not path.is_file():
        raise InitialConditionError(f"config error at initial.path: file not found (got {str(ini.path)!r})")
    if path.suffix == ".npy":
        data = np.load(path)
        if data.ndim == len(prob.shape) + 1:
            data = data[ini.frame]
    else:
        from cgle.io import open_trajectory  # h5py is loaded only for run files

        try:
            traj = open_trajectory(path)
            data = traj.frame(ini.frame)
        except (OSError, KeyError, IndexError) as err:
            raise InitialConditionError(
                f"config error at initial.path: cannot read frame {ini.frame} of {ini.path} ({err})"
            ) from None
    data = np.asarray(data, dtype=complex)
    if data.shape != prob.shape:
        raise InitialConditionError(
            f"config error at initial.path: array shape {data.shape} does not match the grid {prob.shape} "
            f"(got {str(ini.path)!r})"
        )
    if not np.all(np.isfinite(data)):
        raise InitialConditionError(f"config error at initial.path: the data holds NaN or inf (got {str(ini.path)!r})")
    return data
