"""Spectrum and eps-pseudospectra figures (Trefethen & Embree 2005) for ``cgle stability
--plot``. They build a matplotlib Figure without pyplot, so there is nothing to close."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.contour import QuadContourSet
from matplotlib.figure import Figure

from cgle.analysis.pseudospectra import pseudospectrum
from cgle.analysis.spectra import Spectrum, spectrum
from cgle.problem import FourierProblem, Problem


def plot_spectrum(ax: Axes, spec: Spectrum, *, analytic: bool = True) -> Axes:
    """Draw a :class:`cgle.analysis.spectra.Spectrum` on ``ax`` (Re lambda horizontal), with the
    analytic eigenvalues when it has them."""
    ax.plot(spec.values.real, spec.values.imag, "o", ms=4, mfc="none", color="C0", label="numerical")
    if analytic and spec.analytic is not None:
        ax.plot(spec.analytic.real, spec.analytic.imag, "x", ms=5, color="C3", label="analytic $\\lambda_n$")
    ax.axvline(0.0, color="0.5", lw=0.8)
    ax.set_xlabel("Re $\\lambda$ (growth rate)")
    ax.set_ylabel("Im $\\lambda$")
    ax.legend(loc="best", fontsize="small")
    return ax


def default_window(spec: Spectrum, pad: float = 0.25) -> tuple[float, float, float, float]:
    """(re_lo, re_hi, im_lo, im_hi) around the eigenvalues of ``spec``, widened by ``pad``
    times their extent on each side and always including Re = 0."""
    re, im = spec.values.real, spec.values.imag
    re_lo, re_hi = min(re.min(), 0.0), max(re.max(), 0.0)
    dr, di = max(re_hi - re_lo, 1e-3), max(im.max() - im.min(), 1e-3)
    return re_lo - pad * dr, re_hi + pad * dr, im.min() - pad * di, im.max() + pad * di


def plot_pseudospectrum(ax: Axes, prob: Problem | FourierProblem, spec: Spectrum, window: tuple[float, float, float, float] | None = None,
                        n: int = 60, levels: Sequence[float] | None = None) -> QuadContourSet:
    """Contours of log10 sigma_min(z I - L) (energy norm) on ``ax``, with ``spec`` on top.

    Parameters
    ----------
    ax : matplotlib Axes
    prob : Problem
    spec : cgle.analysis.spectra.Spectrum
        The eigenvalues drawn; the default window surrounds them (:func:`default_window`).
    window : (re_lo, re_hi, im_lo, im_hi), optional
    n : int
        Grid points per direction (cost: n^2 inverse-Lanczos solves).
    levels : sequence of float, optional
        log10(eps) contour levels; default -8 ... -1.

    Returns
    -------
    The contour set (for a colorbar).
    """

    re_lo, re_hi, im_lo, im_hi = window if window is not None else default_window(spec)
    re = np.linspace(re_lo, re_hi, n)
    im = np.linspace(im_lo, im_hi, n)
    sigma = pseudospectrum(prob, (re, im))
    levels = np.arange(-8, 0) if levels is None else np.asarray(levels)
    # log10 sigma_min, exact eigenvalues (sigma = 0) floored below the lowest level
    log_sigma = np.log10(np.maximum(sigma, 10.0 ** (levels.min() - 1)))
    cs = ax.contour(re, im, log_sigma, levels=levels, cmap="viridis", linewidths=0.9)
    plot_spectrum(ax, spec)
    ax.set_xlim(re_lo, re_hi)
    ax.set_ylim(im_lo, im_hi)
    return cs


def _stability_canvas(figsize):

    return Figure(figsize=figsize, layout="constrained")


def spectrum_figure(prob: Problem | FourierProblem, k: int = 40) -> Figure:
    """The ``k`` least stable eigenvalues of ``prob`` with the analytic ones."""

    fig = _stability_canvas((5.5, 4.5))
    ax = fig.add_subplot()
    plot_spectrum(ax, spectrum(prob, k))
    ax.set_title(f"spectrum ({prob.config.name})")
    return fig


def pseudospectrum_figure(prob: Problem | FourierProblem, k: int = 12, window: tuple[float, float, float, float] | None = None,
                          n: int = 60, levels: Sequence[float] | None = None) -> Figure:
    """eps-pseudospectra around the ``k`` least stable eigenvalues; arguments as in
    :func:`plot_pseudospectrum`."""

    fig = _stability_canvas((5.5, 4.5))
    ax = fig.add_subplot()
    cs = plot_pseudospectrum(ax, prob, spectrum(prob, k), window, n, levels)
    fig.colorbar(cs, ax=ax, label="log$_{10}\\,\\varepsilon$")
    ax.set_title(f"$\\varepsilon$-pseudospectra ({prob.config.name})")
    return fig


def stability_figure(prob: Problem | FourierProblem, k: int = 12, n: int = 60) -> Figure:
    """Spectrum (left) and pseudospectra (right; dense problems only), for
    ``cgle stability --plot``."""

    fig = _stability_canvas((11, 4.5))
    left, right = fig.subplots(1, 2)
    plot_spectrum(left, spectrum(prob, max(k, 40)))
    left.set_title(f"spectrum ({prob.config.name})")
    if prob.basis == "fourier":
        # a normal operator: its pseudospectra are discs around the eigenvalues
        right.set_visible(False)
        return fig
    cs = plot_pseudospectrum(right, prob, spectrum(prob, k), n=n)
    fig.colorbar(cs, ax=right, label="log$_{10}\\,\\varepsilon$")
    right.set_title("$\\varepsilon$-pseudospectra (energy norm)")
    return fig
