"""Per-frame diagnostics of periodic CGLE fields: amplitude, defects, correlation length.

All functions take a physical field q on the periodic grid x_j = j dx (2D: [j, l] with
x along axis 0, y along axis 1), as written by :func:`cgle.run` for ``grid.basis:
fourier``. See Aranson & Kramer, Rev. Mod. Phys. 74 (2002) 99, sections II-IV, for the
quantities.

Conventions
-----------
- mean |A|^2 is the box average sum(w |A|^2) / sum(w) (trapezoid weights, all equal).
- Phase differences along an edge between nodes a -> b are taken as
  arg(A_b conj(A_a)) in (-pi, pi], i.e. the smallest phase jump.
- 2D defects: the charge of plaquette [j, l] (corners (j, l), (j+1, l), (j+1, l+1),
  (j, l+1), periodic, counter-clockwise in the (x, y) plane) is the sum of the four
  wrapped phase differences divided by 2 pi, an integer. Plaquettes with a corner where
  |A| <= floor * max|A| have no defined phase and count as charge 0 (a field that
  vanishes on a whole region, like the cut-off of a spiral seed, has no defects there).
  A zero exactly on a node whose 8 neighbours are all above the floor is a defect
  too: its charge is the winding around those neighbours, given to the plaquette
  whose lower-left corner is that node.
- 1D defects: a defect (phase-slip candidate; zeros of A are not generic in 1D, they
  occur at isolated space-time points) is a local minimum of |A| below
  ``threshold * sqrt(mean |A|^2)``. The net phase winding sum(arg(A_{j+1} conj A_j)) / 2 pi
  changes by one at every phase slip.
- Correlation length: the circular autocorrelation C(r) = <conj A(x) A(x + r)> / <|A|^2>
  (Wiener-Khinchin: IFFT |FFT A|^2; the mean is not removed, so uniform states and
  plane waves count as ordered), averaged
  over directions in 2D (annuli of width min(dx, dy)); the length is the first r where
  |C(r)| falls to 1/e, linearly interpolated, and ``inf`` if |C| stays above 1/e up to
  half the box (long-range order, e.g. a plane wave).
"""

from __future__ import annotations

import math
import os

import numpy as np
import scipy.fft


def mean_abs2(q: np.ndarray) -> float:
    """Box average of |A|^2 on an equispaced periodic grid."""
    q = np.asarray(q)
    return float(np.mean(q.real**2 + q.imag**2))


def _phase_step(a, b):
    """arg(b conj(a)) in (-pi, pi]: the phase jump from a to b."""
    return np.angle(b * np.conj(a))


def winding_number(q: np.ndarray) -> int:
    """Net phase winding (1D, periodic): sum_j arg(A_{j+1} conj A_j) / 2 pi, an integer.

    A plane wave exp(2 pi i m x / L) resolved on the grid (|m| < N/2) has winding m.
    """
    q = np.asarray(q)
    if q.ndim != 1:
        raise ValueError(f"winding_number needs a 1D field (got shape {q.shape})")
    total = np.sum(_phase_step(q, np.roll(q, -1)))
    return int(round(total / (2.0 * math.pi)))


def phase_gradient_rms(q: np.ndarray, spacing: float) -> float:
    """rms of the local wave number d(arg A)/dx (1D, periodic), from wrapped phase steps
    arg(A_{j+1} conj A_j) / dx. About 0 for a uniform oscillation, |k| for a plane wave;
    its growth at fixed mean |A|^2 ~ 1 signals phase turbulence."""
    q = np.asarray(q)
    steps = _phase_step(q, np.roll(q, -1)) / float(spacing)
    return float(np.sqrt(np.mean(steps**2)))


def defects_1d(q: np.ndarray, threshold: float = 0.2) -> np.ndarray:
    """Indices of the local minima of |A| below ``threshold * sqrt(mean |A|^2)`` (1D, periodic).

    Parameters
    ----------
    q : ndarray (N,) complex
    threshold : float
        Relative depth: a minimum counts when |A_j| < threshold * rms(A).

    Returns
    -------
    ndarray of int: node indices of the defects, ascending.
    """
    q = np.asarray(q)
    if q.ndim != 1:
        raise ValueError(f"defects_1d needs a 1D field (got shape {q.shape})")
    a = np.abs(q)
    level = threshold * math.sqrt(mean_abs2(q))
    left, right = np.roll(a, 1), np.roll(a, -1)
    # strict on one side so a flat pair of equal minima counts once
    is_min = (a < left) & (a <= right) & (a < level)
    return np.flatnonzero(is_min)


def plaquette_charges(q: np.ndarray, floor: float = 1e-10) -> np.ndarray:
    """Topological charge of every plaquette of a 2D periodic field (integers, grid shaped).

    Parameters
    ----------
    q : ndarray (Nx, Ny) complex
    floor : float
        Plaquettes with a corner where |A| <= floor * max|A| get charge 0 (undefined phase).

    Returns
    -------
    ndarray (Nx, Ny) of int: charge of the plaquette whose lower-left corner is [j, l].
    """
    q = np.asarray(q)
    if q.ndim != 2:
        raise ValueError(f"plaquette_charges needs a 2D field (got shape {q.shape})")
    c00 = q
    c10 = np.roll(q, -1, axis=0)
    c11 = np.roll(c10, -1, axis=1)
    c01 = np.roll(q, -1, axis=1)
    # circulation of the phase: (00 -> 10 -> 11 -> 01 -> 00) / 2 pi
    circ = _phase_step(c00, c10) + _phase_step(c10, c11) + _phase_step(c11, c01) + _phase_step(c01, c00)
    charge = np.rint(circ / (2.0 * math.pi)).astype(int)
    a = np.abs(q)
    small = a <= floor * float(a.max(initial=0.0))
    undefined = small | np.roll(small, -1, 0) | np.roll(small, -1, 1) | np.roll(np.roll(small, -1, 0), -1, 1)
    charge[undefined] = 0
    # a zero exactly on an isolated node (e.g. a seed centred on a node): its four
    # plaquettes are undefined, but the ring of its 8 neighbours is not; the winding
    # around that ring is given to the plaquette whose lower-left corner is the node
    ring = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)]
    near = [np.roll(q, (-dj, -dl), axis=(0, 1)) for dj, dl in ring]
    isolated = small.copy()
    for dj, dl in ring:
        isolated &= ~np.roll(small, (-dj, -dl), axis=(0, 1))
    if isolated.any():
        # circulation of the phase counter-clockwise around the ring
        ring_circ = sum(_phase_step(near[i], near[(i + 1) % 8]) for i in range(8))
        charge[isolated] = np.rint(ring_circ[isolated] / (2.0 * math.pi)).astype(int)
    return charge


def defects_2d(q: np.ndarray, floor: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Defects of a 2D field: (positions (n, 2) of plaquette centres in index units, charges (n,))."""
    charge = plaquette_charges(q, floor)
    j, l = np.nonzero(charge)
    return np.stack([j + 0.5, l + 0.5], axis=1), charge[j, l]


def autocorrelation(q: np.ndarray) -> np.ndarray:
    """|C(r)|, the modulus of the normalised circular autocorrelation of A.

    Returns an array shaped like q with |C| at lag index r (FFT order, C[0] = 1); all
    zeros if A vanishes identically.
    """
    q = np.asarray(q, dtype=complex)
    power = np.abs(scipy.fft.fftn(q)) ** 2
    # Wiener-Khinchin: sum_x conj(A(x)) A(x + r) = IFFT(|FFT A|^2)(r)
    c = scipy.fft.ifftn(power)
    c0 = c.flat[0].real
    if c0 <= 0.0:
        return np.zeros(q.shape)
    return np.abs(c) / c0


def correlation_length(q: np.ndarray, spacing: float | tuple[float, float]) -> float:
    """First lag where the (direction-averaged) |C(r)| falls to 1/e; inf if it does not
    within half the box.

    Parameters
    ----------
    q : ndarray (N,) or (Nx, Ny) complex
    spacing : float or (dx, dy)
        Grid spacing(s).
    """
    q = np.asarray(q)
    c = autocorrelation(q)
    spacing = np.atleast_1d(np.asarray(spacing, dtype=float))
    if q.ndim == 1:
        n = q.shape[0]
        r = np.arange(n // 2 + 1) * spacing[0]
        profile = c[: n // 2 + 1]
    else:
        nx, ny = q.shape
        dx, dy = spacing[0], spacing[-1]
        # periodic lag of every entry in FFT order
        lx = np.minimum(np.arange(nx), nx - np.arange(nx)) * dx
        ly = np.minimum(np.arange(ny), ny - np.arange(ny)) * dy
        rr = np.hypot(lx[:, None], ly[None, :])
        width = min(dx, dy)
        rmax = min(nx * dx, ny * dy) / 2.0
        bins = np.rint(rr / width).astype(int)
        keep = rr <= rmax
        nb = int(round(rmax / width)) + 1
        sums = np.bincount(bins[keep], weights=c[keep], minlength=nb)
        counts = np.bincount(bins[keep], minlength=nb)
        filled = counts > 0
        r = np.arange(nb)[filled] * width
        profile = sums[filled] / counts[filled]
    target = math.exp(-1.0)
    below = np.flatnonzero(profile <= target)
    if below.size == 0:
        return math.inf
    i = below[0]
    if i == 0:
        return 0.0
    # linear interpolation between r[i-1] (above 1/e) and r[i] (at or below)
    f0, f1 = profile[i - 1], profile[i]
    return float(r[i - 1] + (f0 - target) / (f0 - f1) * (r[i] - r[i - 1]))


def frame_diagnostics(q: np.ndarray, spacing: float | tuple[float, float], threshold: float = 0.2,
                      floor: float = 1e-10) -> dict[str, float]:
    """All per-frame diagnostics of one field as a dict.

    Keys: ``mean_abs2``; ``defects`` (1D: minima below the threshold, 2D: plaquettes
    with nonzero charge); ``positive``, ``negative`` (2D: numbers of +- charges, counted
    with multiplicity; 1D: not present); ``winding`` (1D net phase winding, 2D net charge);
    ``correlation_length``; ``phase_gradient_rms`` (1D only).
    """
    q = np.asarray(q)
    out = {"mean_abs2": mean_abs2(q)}
    if q.ndim == 1:
        out["defects"] = int(defects_1d(q, threshold).size)
        out["winding"] = winding_number(q)
        out["phase_gradient_rms"] = phase_gradient_rms(q, np.atleast_1d(spacing)[0])
    else:
        charge = plaquette_charges(q, floor)
        out["defects"] = int(np.count_nonzero(charge))
        out["positive"] = int(charge[charge > 0].sum())
        out["negative"] = int(-charge[charge < 0].sum())
        out["winding"] = int(charge.sum())
    out["correlation_length"] = correlation_length(q, spacing)
    return out


def trajectory_diagnostics(path: str | os.PathLike, threshold: float = 0.2,
                           floor: float = 1e-10) -> dict[str, np.ndarray]:
    """Per-frame diagnostics of a trajectory file written by :func:`cgle.run` (fourier grids).

    Frames are read one at a time, so memory stays at one frame whatever the file size.

    Returns
    -------
    dict of ndarray (nt,): ``t`` and every key of :func:`frame_diagnostics`.
    """
    from cgle.io import open_trajectory

    traj = open_trajectory(path)
    t = traj.t
    x = traj.x
    spacing = [x[1] - x[0]]
    first = traj.frame(0) if len(t) else np.zeros(0)
    if first.ndim == 2:
        y = traj.y
        spacing.append(y[1] - y[0])
    rows = [frame_diagnostics(first if i == 0 else traj.frame(i), spacing, threshold, floor) for i in range(len(t))]
    out = {"t": np.asarray(t)}
    for key in rows[0] if rows else ():
        dtype = float if key in ("mean_abs2", "correlation_length", "phase_gradient_rms") else int
        out[key] = np.array([row[key] for row in rows], dtype=dtype)
    return out
