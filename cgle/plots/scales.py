"""Colour and axis scales chosen from the data, so that a figure shows the run at first
sight: a run that decays from |q| = 1e4 to 1e-11 gets a logarithmic colour scale over
its decades, not a linear one on which everything after t = 0 is black.

Rules (``WIDE`` decades is where a linear scale stops showing the data):

- magnitudes (|q|, energies): linear from 0 when the data spans less than ``WIDE``
  decades, else logarithmic from the smallest positive value (at most ``MAX_DECADES``
  below the largest) to the largest;
- signed data (Re q): always centred on 0; linear and symmetric, or symmetric-log
  with the linear band at the level where the data's small values live, when wide;
- percentiles (robust limits) rather than extremes set the low end, so one stray
  value does not flatten the rest.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colors, ticker
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

WIDE = 2.0  # decades of dynamic range beyond which a log scale is used
MAX_DECADES = 16.0  # below the largest value, roundoff: never show more than this


def _finite(data: ArrayLike) -> np.ndarray:
    data = np.asarray(data, dtype=float).ravel()
    return data[np.isfinite(data)]


def decades(data: ArrayLike) -> float:
    """log10(max / smallest positive) of |data| (0 for data without two positive values)."""
    mag = np.abs(_finite(data))
    mag = mag[mag > 0]
    if mag.size < 2:
        return 0.0
    return float(np.log10(mag.max() / mag.min()))


def magnitude_norm(data: ArrayLike) -> colors.Normalize:
    """Colour norm for non-negative data such as |q|."""
    mag = np.abs(_finite(data))
    top = float(mag.max()) if mag.size else 1.0
    if not top > 0:
        return colors.Normalize(vmin=0.0, vmax=1.0)
    positive = mag[mag > 0]
    # robust low end: the 0.5th percentile of the positive values, within MAX_DECADES
    low = max(float(np.percentile(positive, 0.5)), top * 10.0**-MAX_DECADES)
    if np.log10(top / low) <= WIDE:
        return colors.Normalize(vmin=0.0, vmax=top)
    return colors.LogNorm(vmin=low, vmax=top)


def signed_norm(data: ArrayLike) -> colors.Normalize:
    """Colour norm centred on 0 for signed data such as Re q."""
    values = _finite(data)
    top = float(np.abs(values).max()) if values.size else 1.0
    if not top > 0:
        return colors.Normalize(vmin=-1.0, vmax=1.0)
    mag = np.abs(values)
    positive = mag[mag > 0]
    low = max(float(np.percentile(positive, 5.0)), top * 10.0**-MAX_DECADES)
    if np.log10(top / low) <= WIDE:
        return colors.Normalize(vmin=-top, vmax=top)
    # linear within +-low, logarithmic beyond: both signs of small values stay visible
    return colors.SymLogNorm(linthresh=low, vmin=-top, vmax=top, base=10)


def value_axis(ax: Axes, data: ArrayLike) -> None:
    """Log or linear y axis for positive data (an energy), with ticks that read: a
    nearly constant series gets plain linear ticks, not 9.64468x10^1 on a log axis."""
    if decades(data) > WIDE:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(ticker.LogLocator(numticks=8))
        return
    ax.set_yscale("linear")
    formatter = ticker.ScalarFormatter(useOffset=True, useMathText=True)
    formatter.set_powerlimits((-3, 4))
    ax.yaxis.set_major_formatter(formatter)


def colorbar_ticks(norm: colors.Normalize, most: int = 6) -> np.ndarray | None:
    """Ticks at whole decades for a log or symmetric-log norm, at most ``most`` per
    sign (None: let matplotlib choose, for linear norms)."""
    if isinstance(norm, colors.LogNorm):
        lo, hi = np.log10(norm.vmin), np.log10(norm.vmax)
    elif isinstance(norm, colors.SymLogNorm):
        lo, hi = np.log10(norm.linthresh), np.log10(norm.vmax)
    else:
        return None
    first, last = int(np.ceil(lo)), int(np.floor(hi))
    step = max(1, int(np.ceil((last - first + 1) / most)))
    exponents = np.arange(last, first - 1, -step)[::-1]
    ticks = 10.0 ** exponents
    if isinstance(norm, colors.SymLogNorm):
        return np.concatenate([-ticks[::-1], [0.0], ticks])
    return ticks
