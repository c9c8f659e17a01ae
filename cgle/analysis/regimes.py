"""Regimes in time and spatial correlations of a run's snapshots.

Two questions asked of a trajectory q(t_k, x_i), k = 0..m-1, i = 0..N-1:

1. **Which regimes does the run pass through, and when?**  Each snapshot is the
   feature vector ``|q(t_k, .)|`` (phase rotations, which every CGL solution undergoes,
   do not separate regimes).  The snapshots are clustered hierarchically
   (:func:`cgle.matrix.linkage`, Ward's minimum-variance criterion by default; Ward,
   J. Amer. Statist. Assoc. 58, 236, 1963) and the tree is cut into at most K flat
   clusters (``scipy.cluster.hierarchy.fcluster``, ``criterion="maxclust"``).  A regime
   is a cluster; its *intervals* are the maximal runs of consecutive frames in it.
   Regimes are numbered 1, 2, ... in the order in which they first appear in time, so
   regime 1 always contains the first frame.
2. **How do points in space vary together?**  The correlation matrix across x,
   ``R_ij = C_ij / sqrt(C_ii C_jj)`` with ``C`` the sample covariance over the frames
   (rows observations, :func:`cgle.matrix.covariance`, :func:`cgle.matrix.cov2corr`) of
   ``|q|`` (or Re q, Im q).  Points whose value never changes (``C_ii = 0``, e.g. a
   Chebyshev boundary where q = 0) have undefined correlations: NaN.

:func:`analyze` reads a run file through :func:`cgle.open_trajectory`, so it works on
complete, failed and still-running files; :func:`cgle.plots.regimes.analysis_figure`
draws the dendrogram, the regime timeline on the energy curve, and the correlation
matrix; ``cgle analyze RUN.h5`` prints and plots both.

Conventions: times are the frame times stored in the file; intervals are closed,
``(t_first, t_last)`` of the frames in a run (a one-frame run has t_first == t_last);
the energy is ``sum(weights * |q|^2)`` per frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike
from scipy.cluster.hierarchy import fcluster

from cgle import matrix
from cgle.io import open_trajectory

__all__ = [
    "Regimes",
    "RunAnalysis",
    "find_regimes",
    "regime_intervals",
    "correlation_across_x",
    "analyze",
    "cluster_snapshots",
]

# the parts of q whose correlation across x can be taken
_PARTS = {"abs": np.abs, "real": np.real, "imag": np.imag}


@dataclass(frozen=True)
class Regimes:
    """Snapshots of a run clustered into regimes.

    Attributes
    ----------
    t : ndarray (m,)
        Times of the clustered frames.
    labels : ndarray (m,) int
        Regime of each frame, 1..count, numbered in order of first appearance.
    Z : ndarray (m - 1, 4)
        The linkage matrix of the frames in scipy's format (for ``dendrogram``).
    intervals : tuple of tuple of (float, float)
        ``intervals[r - 1]``: the ``(t_first, t_last)`` of each maximal run of
        consecutive frames in regime r, in time order.
    method : str
        Linkage method.
    requested : int
        The number of regimes asked for; ``count`` is smaller when the tree has fewer
        distinct heights (e.g. identical frames).
    """

    t: np.ndarray
    labels: np.ndarray
    Z: np.ndarray
    intervals: tuple
    method: str
    requested: int

    @property
    def count(self) -> int:
        """Number of regimes found."""
        return len(self.intervals)

    @property
    def cut_height(self) -> float:
        """A linkage height that cuts the tree into ``count`` clusters (for colouring a
        dendrogram): midway between the last merge kept and the first one undone."""
        h = np.sort(self.Z[:, 2])
        if self.count <= 1:
            return float(h[-1]) * 1.0001 if h.size else 0.0
        return float(0.5 * (h[-self.count] + h[-self.count + 1]))


def regime_intervals(t: ArrayLike, labels: ArrayLike) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The maximal runs of equal consecutive labels, as closed time intervals.

    Parameters
    ----------
    t : (m,) array_like
        Frame times, increasing.
    labels : (m,) array_like of int
        Regime labels 1..K of the frames.

    Returns
    -------
    tuple of tuple of (float, float)
        Element ``r - 1`` lists the ``(t[start], t[stop])`` of every run of frames
        ``start..stop`` labelled r, in time order.
    """
    t = np.asarray(t, dtype=float)
    labels = np.asarray(labels)
    count = int(labels.max()) if labels.size else 0
    # a run starts at frame 0 and wherever the label changes; it stops just before the next start
    starts = np.concatenate(([0], np.flatnonzero(labels[1:] != labels[:-1]) + 1))
    stops = np.concatenate((starts[1:] - 1, [labels.size - 1]))
    out = [[] for _ in range(count)]
    for a, b in zip(starts, stops):
        out[int(labels[a]) - 1].append((float(t[a]), float(t[b])))
    return tuple(tuple(runs) for runs in out)


def _by_first_appearance(labels):
    """Renumber labels 1..K in the order in which they first occur."""
    _, first = np.unique(labels, return_index=True)
    order = labels[np.sort(first)]
    new = np.empty(int(labels.max()) + 1, dtype=int)
    new[order] = np.arange(1, order.size + 1)
    return new[labels]


def find_regimes(t: ArrayLike, q: ArrayLike, n_regimes: int, method: str = "ward") -> Regimes:
    """Cluster the snapshots ``q[k]`` (features ``|q[k]|``) into at most ``n_regimes`` regimes.

    Parameters
    ----------
    t : (m,) array_like
        Frame times, increasing.
    q : (m, ...) array_like
        Frames (complex or real, finite); each frame is flattened.
    n_regimes : int
        Maximum number of regimes, ``1 <= n_regimes <= m``.
    method : str
        A :func:`cgle.matrix.linkage` method (default ``"ward"``).

    Returns
    -------
    Regimes
    """
    t = np.asarray(t, dtype=float)
    q = np.asarray(q)
    m = q.shape[0] if q.ndim else 0
    if q.ndim < 2 or m < 2:
        raise ValueError(f"q must hold at least 2 frames to find regimes (got shape {q.shape})")
    if t.shape != (m,):
        raise ValueError(f"t must have one time per frame, shape ({m},) (got shape {t.shape})")
    if isinstance(n_regimes, bool) or not isinstance(n_regimes, (int, np.integer)) or not 1 <= n_regimes <= m:
        raise ValueError(f"n_regimes must be an integer from 1 to the number of frames {m} (got {n_regimes!r})")
    features = np.abs(q.reshape(m, -1))
    Z = matrix.linkage(features, method)
    labels = _by_first_appearance(fcluster(Z, int(n_regimes), criterion="maxclust"))
    return Regimes(t, labels, Z, regime_intervals(t, labels), method, int(n_regimes))


def correlation_across_x(q: ArrayLike, part: str = "abs") -> np.ndarray:
    """Correlation matrix across the grid points of ``part(q)`` over the frames.

    Parameters
    ----------
    q : (m, N) array_like
        Frames in rows (observations), grid points in columns (variables); ``m >= 2``.
    part : {"abs", "real", "imag"}
        Which real quantity of q to correlate.

    Returns
    -------
    (N, N) ndarray
        ``R_ij = C_ij / sqrt(C_ii C_jj)``, ``C`` the sample covariance of the columns
        (:func:`cgle.matrix.covariance`, ``ddof=1``); NaN rows and columns for points
        whose value never changes.  For a rank-one field ``q = a(t) s(x)`` with real
        ``s``: ``|q|`` gives ``R_ij = 1`` and Re q (real a) gives ``sign(s_i s_j)``,
        up to rounding in the covariance.
    """
    if part not in _PARTS:
        raise ValueError(f"part must be one of {sorted(_PARTS)} (got {part!r})")
    q = np.asarray(q)
    if q.ndim != 2 or q.shape[0] < 2:
        raise ValueError(f"q must be 2-D (frames x points) with at least 2 frames (got shape {q.shape})")
    return matrix.cov2corr(matrix.covariance(_PARTS[part](q)), zero_variance="nan")


@dataclass(frozen=True)
class RunAnalysis:
    """What :func:`analyze` found in a run file.

    Attributes
    ----------
    path : Path
    status : str
        The file's status when it was read ("complete", "running", "failed", ...).
    t : ndarray (m,)
        Times of the analysed frames.
    x : ndarray (N,)
    energy : ndarray (m,)
        ``sum(weights * |q|^2)`` of each analysed frame.
    regimes : Regimes
    correlation : ndarray (N, N) or None
        :func:`correlation_across_x` of ``|q|`` (1D runs; None for 2D runs, whose
        (Nx Ny)^2 matrix is not formed).
    stride : int
        Every ``stride``-th frame was analysed (see ``max_frames``).
    frames : int
        Frames in the file when it was read.
    dropped : int
        Analysed frames left out because they hold NaN/inf.
    """

    path: Path
    status: str
    t: np.ndarray
    x: np.ndarray
    energy: np.ndarray
    regimes: Regimes
    correlation: np.ndarray | None
    stride: int
    frames: int
    dropped: int


def analyze(path: str | os.PathLike, n_regimes: int = 3, method: str = "ward", max_frames: int = 2000) -> RunAnalysis:
    """Regimes and |q| correlation matrix of a run file.

    Parameters
    ----------
    path : path-like
        A trajectory file (complete, failed or still running).
    n_regimes : int
        Maximum number of regimes (at most the number of analysed frames).
    method : str
        Linkage method for :func:`find_regimes`.
    max_frames : int
        When the file holds more frames, every ``ceil(frames / max_frames)``-th frame is
        analysed (linkage needs O(m^2) memory).

    Returns
    -------
    RunAnalysis

    Raises
    ------
    FileNotFoundError
        No such file.
    OSError
        Not a readable cgle trajectory.
    KeyError
        The file stores no q (``output.fields``).
    ValueError
        Fewer than 2 usable frames, or ``n_regimes`` out of range.
    """
    if isinstance(max_frames, bool) or not isinstance(max_frames, (int, np.integer)) or max_frames < 2:
        raise ValueError(f"max_frames must be an integer >= 2 (got {max_frames!r})")
    if isinstance(n_regimes, bool) or not isinstance(n_regimes, (int, np.integer)) or n_regimes < 1:
        raise ValueError(f"the number of regimes must be an integer >= 1 (got {n_regimes!r})")
    traj = open_trajectory(path)
    status = traj.status
    # q first: a running writer may add frames between the reads, and q never outruns t
    q = traj.q
    t = traj.t[: q.shape[0]]
    frames = q.shape[0]
    stride = max(1, -(-frames // max_frames))
    q, t = q[::stride], t[::stride]
    finite = np.all(np.isfinite(q.reshape(q.shape[0], -1)), axis=1)
    dropped = int(np.count_nonzero(~finite))
    q, t = q[finite], t[finite]
    if q.shape[0] < 2:
        raise ValueError(f"{traj.path} ({status}) holds {frames} frame(s), {q.shape[0]} of them usable; "
                         "finding regimes needs at least 2")
    if n_regimes > q.shape[0]:
        raise ValueError(f"the number of regimes must be at most the {q.shape[0]} frames analysed in "
                         f"{traj.path} (got {n_regimes})")
    weights = traj.weights
    energy = np.sum(weights * np.abs(q) ** 2, axis=tuple(range(1, q.ndim)))
    regimes = find_regimes(t, q, n_regimes, method)
    correlation = correlation_across_x(q) if q.ndim == 2 else None
    return RunAnalysis(traj.path, status, t, traj.x, energy, regimes, correlation, stride, frames, dropped)


def cluster_snapshots(q: ArrayLike, n_clusters: int, method: str = "ward") -> np.ndarray:
    """Cluster the snapshots (rows) of a trajectory ``q(t, x)`` into regimes.

    The feature vector of a snapshot is ``|q(t, .)|``, so phase rotations do not
    separate regimes.  Returns flat cluster labels ``1..n_clusters`` per snapshot
    (``scipy.cluster.hierarchy.fcluster`` with ``criterion="maxclust"``).
    """
    arr = np.asarray(q)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"q must be 2-D (snapshots x points) with at least 2 rows (got shape {arr.shape})")
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, (int, np.integer)) or n_clusters < 1:
        raise ValueError(f"n_clusters must be an integer >= 1 (got {n_clusters!r})")
    if not np.all(np.isfinite(arr)):
        raise ValueError("q must hold finite numbers (got NaN or inf)")
    Z = matrix.linkage(np.abs(arr), method)
    return fcluster(Z, int(n_clusters), criterion="maxclust")
