"""The figure of ``cgle analyze``: dendrogram, regime timeline, correlation across x.

Built on :func:`cgle.analysis.regimes.analyze` (matplotlib Agg, no pyplot).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cgle.analysis.regimes import Regimes, RunAnalysis, analyze

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn
    from matplotlib.figure import Figure


def regime_link_colors(reg: Regimes, colors: Sequence[str], mixed: str = "0.4") -> Callable[[int], str]:
    """A ``link_color_func`` for ``scipy.cluster.hierarchy.dendrogram(reg.Z, ...)``.

    Parameters
    ----------
    reg : Regimes
    colors : sequence of matplotlib colours
        ``colors[r - 1]`` for regime r.
    mixed : matplotlib colour
        For links above frames of more than one regime.

    Returns
    -------
    callable
        Link (cluster) id -> colour: its regime's colour when every frame below it is in
        that regime, ``mixed`` otherwise.
    """
    m = reg.labels.size
    # label of cluster c: the frame's regime (c < m), the common regime of both children,
    # or 0 when they differ
    cluster = np.empty(2 * m - 1, dtype=int)
    cluster[:m] = reg.labels
    for k, (a, b) in enumerate(reg.Z[:, :2].astype(int)):
        cluster[m + k] = cluster[a] if cluster[a] == cluster[b] else 0
    return lambda c: colors[cluster[c] - 1] if cluster[c] > 0 else mixed


def analysis_figure(result: RunAnalysis, max_leaves: int = 400) -> Figure:
    """Dendrogram, regime timeline on the energy curve, and |q| correlation matrix.

    Parameters
    ----------
    result : RunAnalysis
    max_leaves : int
        Dendrograms of more frames are truncated to their last ``max_leaves`` merges.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot (nothing to close).
    """
    from matplotlib.figure import Figure
    from scipy.cluster.hierarchy import dendrogram

    reg = result.regimes
    has_corr = result.correlation is not None
    fig = Figure(figsize=(15 if has_corr else 10, 4.6), layout="constrained")
    axes = fig.subplots(1, 3 if has_corr else 2, width_ratios=[1, 1.2, 1.1] if has_corr else [1, 1.2])
    colors = [f"C{k % 10}" for k in range(reg.count)]

    ax = axes[0]
    m = reg.t.size
    truncate = {"truncate_mode": "lastp", "p": max_leaves} if m > max_leaves else {}
    dendrogram(reg.Z, ax=ax, no_labels=True, link_color_func=regime_link_colors(reg, colors, "0.4"), **truncate)
    if reg.count > 1:
        ax.axhline(reg.cut_height, color="0.3", lw=0.8, ls="--")
    ax.set(title=f"{reg.method} linkage of |q| frames: {reg.count} regimes", xlabel=f"{m} frames",
           ylabel="merge height")

    ax = axes[1]
    positive = result.energy > 0
    for r, runs in enumerate(reg.intervals, start=1):
        for k, (a, b) in enumerate(runs):
            ax.axvspan(a, b, color=colors[r - 1], alpha=0.18, lw=0, label=f"regime {r}" if k == 0 else None)
        mask = (reg.labels == r) & positive
        ax.plot(reg.t[mask], result.energy[mask], ".", ms=3, color=colors[r - 1])
    if np.any(positive):
        ax.set_yscale("log")
    ax.set(title="regimes in time", xlabel="t", ylabel="energy  sum(w |q|^2)")
    ax.legend(loc="best", fontsize="small")

    if has_corr:
        ax = axes[2]
        x = result.x
        mesh = ax.pcolormesh(x, x, result.correlation, shading="nearest", cmap="RdBu_r", vmin=-1, vmax=1)
        fig.colorbar(mesh, ax=ax, label="R")
        ax.set_aspect("equal")
        ax.set(title="correlation of |q| across x", xlabel="x", ylabel="x")
    name = Path(result.path).name
    fig.suptitle(f"{name}: {result.status}, {result.frames} frames, t = {reg.t[0]:g} .. {reg.t[-1]:g}",
                 fontsize=10)
    return fig


def plot_analysis(path: str | os.PathLike, output: str | os.PathLike | None = None, n_regimes: int = 3,
                  method: str = "ward") -> tuple[RunAnalysis, Path]:
    """:func:`analyze` a run file and write :func:`analysis_figure` as PNG.

    Returns
    -------
    (RunAnalysis, Path)
        The analysis and the figure path (default: ``RUN_analysis.png`` beside the run).
    """
    result = analyze(path, n_regimes, method)
    output = Path(output) if output is not None else Path(path).with_name(Path(path).stem + "_analysis.png")
    analysis_figure(result).savefig(output, dpi=110)
    return result, output
