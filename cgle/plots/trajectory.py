"""Matplotlib figures (Agg backend; nothing is shown on screen).

Trajectory figures read a run file through :func:`cgle.open_trajectory`, so they work
on complete, failed and still-running files alike.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")


import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cgle.io import Trajectory  # noqa: E402


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
    title = f"{traj.path.name}: {status}, {len(t)} frames, t = {t[0]:g} .. {t[-1]:g}"
    has_y = _has(traj, "y")
    if has_y:
        fig = _snapshots_2d(traj, t)
    else:
        fig = _space_time_1d(traj, t, max_frames)
    fig.suptitle(title, fontsize=10)
    return fig


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
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), constrained_layout=True)
    extent = (x[0], x[-1], ts[0], ts[-1]) if len(ts) > 1 else None
    for ax, data, label in ((axes[0, 0], np.abs(q), "|q|"), (axes[0, 1], q.real, "Re q")):
        if extent is None:
            ax.plot(x, data[0])
        else:
            # non-uniform nodes (Hermite, Chebyshev): pcolormesh on the true coordinates
            mesh = ax.pcolormesh(x, ts, data, shading="nearest",
                                 cmap="magma" if label == "|q|" else "RdBu_r")
            fig.colorbar(mesh, ax=ax, label=label)
        ax.set(xlabel="x", ylabel="t", title=f"{label}(x, t)")
    ax = axes[1, 0]
    try:
        e = traj.energy[: len(t)]
        positive = e > 0
        ax.semilogy(t[positive], e[positive])
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
    fig, axes = plt.subplots(2, len(picks), figsize=(3.2 * len(picks), 6.2), constrained_layout=True, squeeze=False)
    for col, i in enumerate(picks):
        a = traj.frame(int(i))
        for row, (data, cmap, label) in enumerate(((np.abs(a), "magma", "|q|"), (np.angle(a), "twilight", "arg q"))):
            ax = axes[row, col]
            mesh = ax.pcolormesh(x, y, data.T, shading="nearest", cmap=cmap)
            ax.set_aspect("equal")
            ax.set(title=f"{label}, t = {t[i]:g}", xlabel="x", ylabel="y")
            fig.colorbar(mesh, ax=ax, shrink=0.8)
    return fig


def plot_trajectory(path: str | os.PathLike, output: str | os.PathLike | None = None) -> Path:
    """Write :func:`trajectory_figure` of a run file to PNG; returns the PNG path."""
    from pathlib import Path

    from cgle.io import open_trajectory

    traj = open_trajectory(path)
    fig = trajectory_figure(traj)
    output = Path(output) if output is not None else Path(path).with_suffix(".png")
    fig.savefig(output, dpi=110)
    plt.close(fig)
    return output
