"""Figures show the run at first sight: colour scales from the data."""

import numpy as np
import pytest
from matplotlib import colors

import cgle
from cgle.plots.scales import colorbar_ticks, decades, magnitude_norm, signed_norm
from cgle.plots.trajectory import trajectory_figure


@pytest.fixture(scope="module")
def forum(tmp_path_factory):
    return cgle.open_trajectory(cgle.run("configs/forum_hermite.yaml", tmp_path_factory.mktemp("f") / "f.h5"))


def test_forum_figure_spans_the_decades_of_the_data(forum):
    fig = trajectory_figure(forum)
    meshes = {ax.get_title(): ax.collections[0] for ax in fig.axes if ax.collections}
    amp = np.abs(forum.q)
    norm = meshes["|q|(x, t)"].norm
    # q0 = 1e4 at t = 0, ~1e-11 late in the run: a log scale over those decades
    assert isinstance(norm, colors.LogNorm)
    assert norm.vmax == pytest.approx(amp.max())
    # every frame's peak, from 1e4 at t = 0 to 1.5e-11 at t = 200, lies on the scale
    peaks = amp.max(axis=1)
    assert norm.vmin <= peaks.min() and peaks.max() <= norm.vmax
    assert np.log10(norm.vmax / norm.vmin) >= np.log10(peaks.max() / peaks.min())
    # Re q: centred on zero
    norm = meshes["Re q(x, t)"].norm
    assert norm.vmin == -norm.vmax and norm(0.0) == pytest.approx(0.5)
    # the title names the run and its parameters
    assert "forum_hermite" in fig._suptitle.get_text() and "gamma = 1.0-1.0j" in fig._suptitle.get_text()


def test_narrow_data_gets_linear_scales():
    data = 1.0 + 0.01 * np.random.default_rng(0).random((20, 30))
    assert decades(data) < 1 and type(magnitude_norm(data)) is colors.Normalize
    signed = data - 1.005
    norm = signed_norm(signed)
    assert type(norm) is colors.Normalize and norm.vmin == -norm.vmax
    assert colorbar_ticks(norm) is None


def test_log_ticks_are_whole_decades():
    norm = colors.LogNorm(vmin=1e-12, vmax=1e4)
    ticks = colorbar_ticks(norm)
    assert len(ticks) <= 6 and np.allclose(np.log10(ticks), np.round(np.log10(ticks)))
    assert ticks.max() == 1e4


def test_nearly_constant_energy_gets_plain_ticks(tmp_path):
    from matplotlib.figure import Figure

    from cgle.plots.scales import value_axis

    fig = Figure()
    ax = fig.subplots()
    e = 96.4468 + 1e-4 * np.sin(np.linspace(0, 6, 50))
    ax.plot(np.arange(50), e)
    value_axis(ax, e)
    assert ax.get_yscale() == "linear"
    fig.savefig(tmp_path / "e.png")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert not any("10^" in t for t in labels)
