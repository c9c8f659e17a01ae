"""Stability maps from a sweep manifest, with the analytic critical curve.

The companion of :mod:`cgle.workflow.sweep` (trajectory and spectrum figures live in
``cgle.plots.trajectory``). The map shows a manifest column (by default Re lambda_0, the growth rate of the leading
global mode) over two varied keys (by default ``flow.mu0`` and ``flow.cu``), its zero
contour, and the analytic boundary of global instability of the flow form
(Chomaz, Huerre & Redekopp 1988; Bagheri et al. 2009; docs/theory/analytic-results.md), computed by
:func:`cgle.analysis.thresholds.flow_thresholds`:

    mu_c = mu_t + (|h| / 2) cos(arg(gamma) / 2),   mu_t = U_max^2 / (4 |gamma|^2),
    U_max = U + 2 c_d c_u,   h = sqrt(-2 mu2 gamma),   gamma = 1 + i c_d.

Figures are drawn with matplotlib's Agg canvas (no display, no pyplot state).
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from cgle.config.schema import Flow
from cgle.workflow.manifest import read_manifest

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn
    from matplotlib.figure import Figure


def critical_mu0(flow: Flow, cu: ArrayLike | None = None) -> float | np.ndarray | None:
    """Analytic critical mu0 of global instability for ``flow`` (a ``cgle.config.Flow``),
    at its own c_u or at each value of the array ``cu`` (see
    :func:`cgle.analysis.thresholds.flow_thresholds`; None where mu2 >= 0)."""
    from cgle.analysis.thresholds import flow_thresholds

    if cu is None:
        return flow_thresholds(flow).mu_c
    return np.array([flow_thresholds(dataclasses.replace(flow, cu=float(c))).mu_c for c in np.ravel(cu)])


def _column(rows, name, path):
    if not rows or name not in rows[0]:
        columns = ", ".join(rows[0]) if rows else "none"
        raise ValueError(f"manifest {path} has no column {name!r}; its columns are {columns}")
    return np.array([math.nan if r[name] is None else float(r[name]) for r in rows])


def stability_map(manifest: str | os.PathLike, x: str = "flow.mu0", y: str | None = "flow.cu",
                  value: str = "lambda0_real") -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """A manifest column on the grid of two varied keys.

    Parameters
    ----------
    manifest : path-like or list of dict
        A sweep manifest (or its rows, from :func:`cgle.workflow.sweep.read_manifest`).
    x, y : str
        Varied keys (manifest columns) for the axes; ``y=None`` for a 1-D sweep.
    value : str
        The column to map (rows with an empty value give NaN).

    Returns
    -------
    xs : ndarray (nx,)
        Sorted distinct values of ``x``.
    ys : ndarray (ny,)
        Sorted distinct values of ``y`` (one entry, NaN, when ``y`` is None).
    grid : ndarray (ny, nx)
        ``grid[j, i]`` is the mean of ``value`` over the rows at (xs[i], ys[j]) (repeats
        are averaged); NaN where there is no row.
    """
    rows = read_manifest(manifest) if isinstance(manifest, (str, Path)) else list(manifest)
    xv = _column(rows, x, manifest)
    yv = _column(rows, y, manifest) if y is not None else np.full(len(rows), math.nan)
    zv = _column(rows, value, manifest)
    xs = np.unique(xv)
    ys = np.unique(yv) if y is not None else np.array([math.nan])
    total = np.zeros((len(ys), len(xs)))
    count = np.zeros((len(ys), len(xs)))
    for xi, yi, zi in zip(xv, yv, zv):
        if math.isnan(zi):
            continue
        i = int(np.searchsorted(xs, xi))
        j = int(np.searchsorted(ys, yi)) if y is not None else 0
        total[j, i] += zi
        count[j, i] += 1
    grid = np.full(total.shape, math.nan)
    np.divide(total, count, out=grid, where=count > 0)
    return xs, ys, grid


def _flow_of(rows, manifest):
    """The flow coefficients of the sweep, read from the first run file that opens."""
    import yaml

    from cgle.config import load_config
    from cgle.io import open_trajectory

    folder = Path(manifest).parent if isinstance(manifest, (str, Path)) else Path(".")
    for row in rows:
        if not row.get("file"):
            continue
        try:
            text = open_trajectory(folder / row["file"]).config
        except OSError:
            continue
        return load_config(yaml.safe_load(text)).flow
    return None


def plot_stability_map(manifest: str | os.PathLike, output: str | os.PathLike | None = None, *, x: str = "flow.mu0",
                       y: str | None = "flow.cu", value: str = "lambda0_real", flow: Flow | None = None) -> Figure:
    """Figure of a manifest column over two varied keys, with the analytic mu_c curve.

    Parameters
    ----------
    manifest : path-like
        ``manifest.csv`` of a sweep.
    output : path-like, optional
        Write the figure there (PNG, PDF, ... by suffix).
    x, y : str
        Varied keys for the axes; ``y=None`` (or a single y value) draws a line plot.
    value : str
        Manifest column to show (default Re lambda_0).
    flow : cgle.config.Flow, optional
        Coefficients for the analytic curve; default: those of the sweep's first run
        file. The curve is drawn when x is ``flow.mu0`` and the runs are in flow form.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = read_manifest(manifest)
    if y is not None and len({r.get(y) for r in rows}) <= 1 and rows and y in rows[0]:
        y = None
    xs, ys, grid = stability_map(rows, x, y, value)
    if flow is None and x == "flow.mu0":
        flow = _flow_of(rows, manifest)
    fig = Figure(figsize=(6.4, 4.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    label = "Re $\\lambda_0$" if value == "lambda0_real" else value
    if y is None:
        ax.plot(xs, grid[0], "o-", label=label)
        ax.axhline(0.0, color="0.5", lw=0.8)
        if flow is not None and x == "flow.mu0" and flow.mu2 < 0:
            mu_c = critical_mu0(flow)
            ax.axvline(mu_c, color="k", ls="--", label=f"analytic $\\mu_c$ = {mu_c:.6f}")
        ax.set_ylabel(label)
        ax.legend()
    else:
        finite = grid[np.isfinite(grid)]
        span = float(np.max(np.abs(finite))) if finite.size else 1.0
        span = span if span > 0 else 1.0
        mesh = ax.pcolormesh(xs, ys, grid, shading="nearest", cmap="RdBu_r", vmin=-span, vmax=span)
        fig.colorbar(mesh, ax=ax, label=label)
        if len(xs) > 1 and len(ys) > 1 and finite.size and finite.min() < 0 < finite.max():
            ax.contour(xs, ys, grid, levels=[0.0], colors="tab:green", linewidths=2.5)
            # a contour set has no legend entry of its own
            ax.plot([], [], color="tab:green", lw=2.5, label=f"{label} = 0 (sweep, interpolated)")
        if flow is not None and x == "flow.mu0" and y == "flow.cu" and flow.mu2 < 0:
            cu = np.linspace(ys.min(), ys.max(), 200)
            ax.plot(critical_mu0(flow, cu), cu, "k--", label="analytic $\\mu_c(c_u)$")
            ax.set_xlim(xs.min() - 0.5 * _step(xs), xs.max() + 0.5 * _step(xs))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best")
        ax.set_ylabel(y)
    ax.set_xlabel(x)
    ax.set_title(f"{Path(manifest).parent.name}: {label}")
    if output is not None:
        fig.savefig(output, dpi=120, bbox_inches="tight")
    return fig


def _step(values):
    return float(np.min(np.diff(values))) if len(values) > 1 else 1.0
