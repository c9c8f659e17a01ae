"""Matplotlib figures (Agg backend; nothing is shown on screen).

Trajectory figures read a run file through :func:`cgle.open_trajectory`, so they work
on complete, failed and still-running files alike.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def trajectory_figure(traj, max_frames=2000):
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


def plot_trajectory(path, output=None):
    """Write :func:`trajectory_figure` of a run file to PNG; returns the PNG path."""
    from pathlib import Path

    from cgle.output import open_trajectory

    traj = open_trajectory(path)
    fig = trajectory_figure(traj)
    output = Path(output) if output is not None else Path(path).with_suffix(".png")
    fig.savefig(output, dpi=110)
    plt.close(fig)
    return output


# --------------------------------------------------------------------------- stability
# Spectrum and eps-pseudospectra (Trefethen & Embree 2005). These build a
# matplotlib.figure.Figure without pyplot, so there is nothing to close.


def plot_spectrum(ax, spec, *, analytic=True):
    """Draw a :class:`cgle.stability.Spectrum` on ``ax`` (Re lambda horizontal), with the
    analytic eigenvalues when it has them."""
    ax.plot(spec.values.real, spec.values.imag, "o", ms=4, mfc="none", color="C0", label="numerical")
    if analytic and spec.analytic is not None:
        ax.plot(spec.analytic.real, spec.analytic.imag, "x", ms=5, color="C3", label="analytic $\\lambda_n$")
    ax.axvline(0.0, color="0.5", lw=0.8)
    ax.set_xlabel("Re $\\lambda$ (growth rate)")
    ax.set_ylabel("Im $\\lambda$")
    ax.legend(loc="best", fontsize="small")
    return ax


def default_window(spec, pad=0.25):
    """(re_lo, re_hi, im_lo, im_hi) around the eigenvalues of ``spec``, widened by ``pad``
    times their extent on each side and always including Re = 0."""
    re, im = spec.values.real, spec.values.imag
    re_lo, re_hi = min(re.min(), 0.0), max(re.max(), 0.0)
    dr, di = max(re_hi - re_lo, 1e-3), max(im.max() - im.min(), 1e-3)
    return re_lo - pad * dr, re_hi + pad * dr, im.min() - pad * di, im.max() + pad * di


def plot_pseudospectrum(ax, prob, spec, window=None, n=60, levels=None):
    """Contours of log10 sigma_min(z I - L) (energy norm) on ``ax``, with ``spec`` on top.

    Parameters
    ----------
    ax : matplotlib Axes
    prob : Problem
    spec : cgle.stability.Spectrum
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
    from cgle.stability import pseudospectrum

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
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def spectrum_figure(prob, k=40):
    """The ``k`` least stable eigenvalues of ``prob`` with the analytic ones."""
    from cgle.stability import spectrum

    fig = _stability_canvas((5.5, 4.5))
    ax = fig.add_subplot()
    plot_spectrum(ax, spectrum(prob, k))
    ax.set_title(f"spectrum ({prob.config.name})")
    return fig


def pseudospectrum_figure(prob, k=12, window=None, n=60, levels=None):
    """eps-pseudospectra around the ``k`` least stable eigenvalues; arguments as in
    :func:`plot_pseudospectrum`."""
    from cgle.stability import spectrum

    fig = _stability_canvas((5.5, 4.5))
    ax = fig.add_subplot()
    cs = plot_pseudospectrum(ax, prob, spectrum(prob, k), window, n, levels)
    fig.colorbar(cs, ax=ax, label="log$_{10}\\,\\varepsilon$")
    ax.set_title(f"$\\varepsilon$-pseudospectra ({prob.config.name})")
    return fig


def stability_figure(prob, k=12, n=60):
    """Spectrum (left) and pseudospectra (right; dense problems only), for
    ``cgle stability --plot``."""
    from cgle.stability import spectrum

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
