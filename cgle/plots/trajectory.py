"""The figure of ``cgle plot``: a run file at a glance.

Built without pyplot (a :class:`matplotlib.figure.Figure`, saved with the Agg canvas),
from a run file read through :func:`cgle.open_trajectory`, so it works on complete,
failed and still-running files alike. Colour scales come from the data
(:mod:`cgle.plots.scales`); the title names the run and its key parameters.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import yaml
from matplotlib.figure import Figure

from cgle.io import Trajectory, open_trajectory
from cgle.plots.scales import colorbar_ticks, magnitude_norm, signed_norm, value_axis


def trajectory_figure(traj: Trajectory, max_frames: int = 2000) -> Figure:
    """Space-time |q| and Re q, energy against t, and the final profile (1D), or
    snapshots of |q| and arg q (2D).

    Parameters
    ----------
    traj : Trajectory
        From :func:`cgle.open_trajectory`.
    max_frames : int
        Frames beyond this are subsampled evenly for the space-time panels.
    """
    t = traj.t
    if len(t) == 0:
        raise ValueError(f"{traj.path} has no frames yet: nothing to plot")
    status = traj.status
    title = f"{describe_run(traj.config, traj.path.stem)}\n{status}, {len(t)} frames, t = {t[0]:g} .. {t[-1]:g}"
    has_y = _has(traj, "y")
    if has_y:
        fig = _snapshots_2d(traj, t)
    else:
        fig = _space_time_1d(traj, t, max_frames)
    fig.suptitle(title, fontsize=10)
    return fig


def _number(value):
    """A config number as short text ('2+0.2j' stays as written, 0.38 as 0.38)."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe_run(config_text: str, fallback: str) -> str:
    """'name: basis N, scheme dt, parameters' from a run file's resolved config text."""
    try:
        cfg = yaml.safe_load(config_text) or {}
    except yaml.YAMLError:
        return fallback
    if not isinstance(cfg, dict):
        return fallback
    name = cfg.get("name", fallback)
    grid, time = cfg.get("grid") or {}, cfg.get("time") or {}
    n = grid.get("n", "?")
    n = "x".join(str(v) for v in n) if isinstance(n, list) else n
    parts = [f"{grid.get('basis', '?')} N = {n}", f"{time.get('scheme', '?')} dt = {_number(time.get('dt', '?'))}"]
    for section, keys in (("flow", ("U", "cu", "cd", "mu0", "mu2", "beta")), ("equation", ("nu", "gamma", "mu", "beta"))):
        if isinstance(cfg.get(section), dict):
            eq = cfg[section]
            shown = {k: "[" + ", ".join(_number(v) for v in eq[k]) + "]" if isinstance(eq[k], list) else _number(eq[k])
                     for k in keys if k in eq}
            parts.append(", ".join(f"{k} = {v}" for k, v in shown.items()))
            break
    return f"{name}: " + "; ".join(parts)


def _has(traj, name):
    try:
        getattr(traj, name)
    except KeyError:
        return False
    return True


def _space_time_1d(traj, t, max_frames):
    x = traj.x
    stride = max(1, len(t) // max_frames)
    # a running file grows between reads: keep to the len(t) frames read first
    q = traj.q[: len(t)][::stride]
    ts = t[::stride]
    fig = Figure(figsize=(11, 7.8), layout="constrained")
    axes = fig.subplots(2, 2)
    panels = ((axes[0, 0], np.abs(q), "|q|", "magma", magnitude_norm),
              (axes[0, 1], q.real, "Re q", "RdBu_r", signed_norm))
    for ax, data, label, cmap, norm in panels:
        if len(ts) < 2:
            ax.plot(x, data[0])
        else:
            # non-uniform nodes (Hermite, Chebyshev): pcolormesh on the true coordinates
            mesh = ax.pcolormesh(x, ts, data, shading="nearest", cmap=cmap, norm=norm(data))
            fig.colorbar(mesh, ax=ax, label=label, ticks=colorbar_ticks(mesh.norm))
        ax.set(xlabel="x", ylabel="t", title=f"{label}(x, t)")
    ax = axes[1, 0]
    try:
        e = traj.energy[: len(t)]
        positive = e > 0
        ax.plot(t[positive], e[positive])
        value_axis(ax, e[positive])
        ax.set(xlabel="t", ylabel="energy  sum(w |q|^2)", title="energy")
    except KeyError:
        ax.text(0.5, 0.5, "energy not stored (output.fields)", ha="center", transform=ax.transAxes)
    ax = axes[1, 1]
    last = traj.frame(len(t) - 1)
    ax.plot(x, np.abs(last), label="|q|")
    ax.plot(x, last.real, label="Re q", lw=0.8)
    ax.set(xlabel="x", title=f"profile at t = {t[-1]:g}")
    ax.legend()
    return fig


def _snapshots_2d(traj, t, count=4):
    x, y = traj.x, traj.y
    picks = np.unique(np.linspace(0, len(t) - 1, count).round().astype(int))
    fig = Figure(figsize=(3.2 * len(picks), 6.6), layout="constrained")
    axes = fig.subplots(2, len(picks), squeeze=False)
    frames = [traj.frame(int(i)) for i in picks]
    # one |q| scale for all snapshots, so that they compare
    amp_norm = magnitude_norm(np.abs(np.stack(frames)))
    for col, (i, a) in enumerate(zip(picks, frames)):
        for row, (data, cmap, label) in enumerate(((np.abs(a), "magma", "|q|"), (np.angle(a), "twilight", "arg q"))):
            ax = axes[row, col]
            norm = amp_norm if row == 0 else None
            mesh = ax.pcolormesh(x, y, data.T, shading="nearest", cmap=cmap, norm=norm,
                                 **({} if row == 0 else {"vmin": -np.pi, "vmax": np.pi}))
            ax.set_aspect("equal")
            ax.set(title=f"{label}, t = {t[i]:g}", xlabel="x", ylabel="y")
            fig.colorbar(mesh, ax=ax, shrink=0.8)
    return fig


def plot_trajectory(path: str | os.PathLike, output: str | os.PathLike | None = None) -> Path:
    """Write :func:`trajectory_figure` of a run file to PNG; returns the PNG path."""
    traj = open_trajectory(path)
    fig = trajectory_figure(traj)
    output = Path(output) if output is not None else Path(path).with_suffix(".png")
    fig.savefig(output, dpi=110)
    return output
