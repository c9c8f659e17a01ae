"""Regimes and correlations of run files (cgle.analysis, `cgle analyze`) against mathematics.

* Synthetic trajectories with known regimes give exactly those regimes and time intervals,
  the same partition as scipy's own linkage, and a cut height that reproduces it.
* The |q| correlation matrix of a rank-one field q = a(t) s(x) is sign(|s_i| |s_j|) = 1,
  its real part's is sign(s_i s_j) (to rounding in the covariance); on random data it is
  numpy's corrcoef.
* On the supercritical run (noise -> linear growth -> saturation) the last regime covers
  the saturated phase and the first one the linear phase.
* The CLI reads complete, failed and live (SWMR) files; errors are one paragraph with exit
  status 2 (missing file, bad argument) or 1 (unusable file).
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.cluster.hierarchy as sch

import cgle
from cgle.analysis import regimes as analysis
from cgle.cli import main
from cgle.io import TrajectoryWriter

ROOT = Path(__file__).resolve().parents[2]
EPS = np.finfo(float).eps


def write_run(path, t, q, x, status="complete", fields=("q", "energy")):
    """A closed trajectory file holding the frames q[k] at times t[k]."""
    weights = np.gradient(x)
    writer = TrajectoryWriter(path, {"x": x}, weights, {"config": "", "scheme": "synthetic", "dt": 1.0},
                              fields=fields)
    for tk, qk in zip(t, q):
        writer.append(float(tk), qk, float(np.sum(weights * np.abs(qk) ** 2)))
    writer.close(status, "" if status == "complete" else "synthetic failure")
    return path


def two_regimes(seed=16, quiet=10, pulse=12, n=50):
    """`quiet` frames of small noise, then `pulse` frames of a Gaussian pulse, random phases."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-5, 5, n)
    phase = np.exp(1j * rng.uniform(0, 2 * np.pi, size=(quiet + pulse, 1)))
    q = 0.01 * rng.normal(size=(quiet + pulse, n)) * phase
    q[quiet:] += np.exp(-x**2) * phase[quiet:]
    return x, q


def same_partition(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a[:, None] == a[None, :], b[:, None] == b[None, :])


# ------------------------------------------------------------------------- regimes


def test_regime_intervals_are_the_runs_of_equal_labels():
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    assert analysis.regime_intervals(t, [1, 1, 2, 2, 1, 3]) == (((0.0, 1.0), (4.0, 4.0)), ((2.0, 3.0),), ((5.0, 5.0),))
    assert analysis.regime_intervals(t, [1] * 6) == (((0.0, 5.0),),)


def test_two_regimes_in_a_file_give_exactly_their_intervals(tmp_path):
    x, q = two_regimes()
    t = 0.5 * np.arange(q.shape[0])
    result = analysis.analyze(write_run(tmp_path / "two.h5", t, q, x), n_regimes=2)
    reg = result.regimes
    assert reg.intervals == (((0.0, 4.5),), ((5.0, 10.5),))
    np.testing.assert_array_equal(reg.labels, [1] * 10 + [2] * 12)
    assert result.status == "complete" and result.frames == 22 and result.stride == 1 and result.dropped == 0
    # an independent implementation: scipy's linkage of the same |q| features
    assert same_partition(reg.labels, sch.fcluster(sch.linkage(np.abs(q), "ward"), 2, criterion="maxclust"))
    # the dendrogram's cut height reproduces the partition; scipy's dendrogram accepts Z
    assert same_partition(reg.labels, sch.fcluster(reg.Z, reg.cut_height, criterion="distance"))
    assert len(sch.dendrogram(reg.Z, no_plot=True)["leaves"]) == 22
    # energy is sum(w |q|^2) of each frame
    np.testing.assert_allclose(result.energy, np.sum(np.gradient(x) * np.abs(q) ** 2, axis=1), rtol=1e-14)


def test_a_regime_that_returns_has_two_intervals():
    x, q = two_regimes(quiet=6, pulse=6)
    q = np.vstack([q[:6], q[6:], q[:6][::-1]])  # quiet, pulse, quiet again
    t = np.arange(18.0)
    reg = analysis.find_regimes(t, q, 2)
    assert reg.intervals == (((0.0, 5.0), (12.0, 17.0)), ((6.0, 11.0),))
    assert reg.count == 2 and reg.requested == 2


def test_identical_frames_are_one_regime():
    q = np.tile(np.exp(-np.linspace(-3, 3, 9) ** 2), (5, 1))
    reg = analysis.find_regimes(np.arange(5.0), q, 3)
    assert reg.count == 1 and reg.intervals == (((0.0, 4.0),),)


def test_non_finite_frames_are_left_out_and_long_runs_subsampled(tmp_path):
    x, q = two_regimes()
    q[3, 7] = np.inf
    t = np.arange(q.shape[0], dtype=float)
    path = write_run(tmp_path / "inf.h5", t, q, x, status="failed")
    result = analysis.analyze(path, 2)
    assert result.dropped == 1 and result.status == "failed"
    np.testing.assert_array_equal(result.t, np.delete(t, 3))
    assert result.regimes.intervals == (((0.0, 9.0),), ((10.0, 21.0),))
    # 22 frames, at most 8 analysed: every 3rd (frame 3 is among them and dropped)
    sub = analysis.analyze(path, 2, max_frames=8)
    assert sub.stride == 3 and sub.dropped == 1
    np.testing.assert_array_equal(sub.t, [0.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0])


# --------------------------------------------------------------------- correlation


def test_rank_one_field_correlations_are_signs(tmp_path):
    rng = np.random.default_rng(5)
    a = rng.normal(size=40) + 1j * rng.normal(size=40)
    s = rng.normal(size=30) * 10.0 ** rng.integers(-3, 3, size=30)
    s[4] = 0.0  # a point where q never changes: undefined correlation
    q = np.outer(a, s)
    x = np.linspace(-1, 1, 30)
    R = analysis.analyze(write_run(tmp_path / "rank1.h5", np.arange(40.0), q, x), 2).correlation
    ok = np.arange(30) != 4
    assert np.all(np.isnan(R[4])) and np.all(np.isnan(R[:, 4]))
    # The centred columns are c_i (a_k - mean a) up to rounding, so every product summed in
    # C_ij has one sign: the sum is accurate to gamma_m ~ m eps relative (Higham 2002, sec. 3.1),
    # m = 40 frames, and so is R_ij = C_ij / sqrt(C_ii C_jj).
    tol = 40 * EPS
    # |q| = |a(t)| |s(x)|: R_ij = sign(|s_i| |s_j|) = 1; the diagonal is exactly 1
    assert np.all(np.diag(R)[ok] == 1.0)
    assert np.max(np.abs(R[np.ix_(ok, ok)] - 1.0)) <= tol
    # Re q = Re(a(t)) s(x) and Im q = Im(a(t)) s(x): R_ij = sign(s_i s_j)
    sign = np.sign(np.outer(s, s))[np.ix_(ok, ok)]
    for part in ("real", "imag"):
        Rp = analysis.correlation_across_x(q, part=part)[np.ix_(ok, ok)]
        assert np.array_equal(np.sign(Rp), sign)
        assert np.max(np.abs(Rp - sign)) <= tol


def test_correlation_matches_numpy_corrcoef():
    rng = np.random.default_rng(6)
    q = rng.normal(size=(25, 12)) + 1j * rng.normal(size=(25, 12))
    np.testing.assert_allclose(analysis.correlation_across_x(q), np.corrcoef(np.abs(q), rowvar=False),
                               rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="part must be one of"):
        analysis.correlation_across_x(q, part="phase")


# ------------------------------------------------------------------- supercritical


@pytest.fixture(scope="module")
def supercritical(tmp_path_factory):
    return cgle.run(ROOT / "configs" / "gl_supercritical.yaml", tmp_path_factory.mktemp("sup") / "sup.h5")


def test_supercritical_regimes_follow_growth_and_saturation(supercritical):
    result = analysis.analyze(supercritical, 3)
    reg, e, t = result.regimes, result.energy, result.t
    np.testing.assert_allclose(e, cgle.open_trajectory(supercritical).energy, rtol=1e-12)
    # three regimes, each one interval, in time order
    assert reg.count == 3 and all(len(runs) == 1 for runs in reg.intervals)
    assert np.all(np.diff(reg.labels) >= 0)
    # saturated phase: from the first time after which E stays within 1% of its final value
    outside = np.flatnonzero(np.abs(e - e[-1]) > 1e-2 * e[-1])
    t_sat = t[outside[-1] + 1]
    (start, stop), = reg.intervals[-1]
    assert start <= t_sat and stop == t[-1] == 1500.0
    # linear phase (E below 1% of its saturated value) lies in the first regime
    assert np.all(reg.labels[e < 1e-2 * e[-1]] == 1)
    assert same_partition(reg.labels, sch.fcluster(reg.Z, reg.cut_height, criterion="distance"))


# ---------------------------------------------------------------------------- CLI


def run_cli(capsys, *args):
    code = main(["analyze", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_cli_on_complete_and_failed_files(tmp_path, capsys, supercritical):
    fig = tmp_path / "fig.png"
    code, out, err = run_cli(capsys, supercritical, "--clusters", "3", "-o", fig)
    assert code == 0, err
    assert "(complete, 301 frames)" in out and "regimes:  3" in out and "correlation of |q| across x: 120 x 120" in out
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    x, q = two_regimes()
    path = write_run(tmp_path / "failed.h5", np.arange(22.0), q, x, status="failed")
    code, out, err = run_cli(capsys, path, "--clusters", "2")
    assert code == 0, err
    assert "(failed, 22 frames)" in out
    assert "  1: 10 frames: t = 0 .. 9" in out and "  2: 12 frames: t = 10 .. 21" in out
    assert (tmp_path / "failed_analysis.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("case, code, words", [
    ("missing", 2, "trajectory file not found"),
    ("not_hdf5", 1, "cannot open"),
    ("energy_only", 1, "no dataset 'q'"),
    ("one_frame", 1, "needs at least 2"),
    ("too_many_clusters", 1, "at most the 22 frames"),
    ("zero_clusters", 2, "--clusters must be >= 1"),
    ("unwritable_figure", 1, "cannot write the figure"),
])
def test_cli_errors_are_one_paragraph(tmp_path, capsys, case, code, words):
    x, q = two_regimes()
    t = np.arange(22.0)
    args = []
    if case == "missing":
        path = tmp_path / "nope.h5"
    elif case == "not_hdf5":
        path = tmp_path / "text.h5"
        path.write_text("not a trajectory")
    elif case == "energy_only":
        path = write_run(tmp_path / "e.h5", t, q, x, fields=("energy",))
    elif case == "one_frame":
        path = write_run(tmp_path / "one.h5", t[:1], q[:1], x, status="failed")
    else:
        path = write_run(tmp_path / "ok.h5", t, q, x)
        args = {"too_many_clusters": ["--clusters", "23"], "zero_clusters": ["--clusters", "0"],
                "unwritable_figure": ["-o", tmp_path / "no" / "dir" / "f.png"]}[case]
    got, out, err = run_cli(capsys, path, *args)
    assert got == code
    assert err.startswith("cgle: ") and words in err and err.count("\n") == 1


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from cgle.io import TrajectoryWriter

    x = np.linspace(-5, 5, 50)
    w = TrajectoryWriter(sys.argv[1], {"x": x}, np.gradient(x), {"config": "", "scheme": "live", "dt": 1.0})
    for k in range(16):
        q = (np.exp(-x**2) if k >= 8 else 0.01 * np.cos(k * x)) * np.exp(1j * k)
        w.append(float(k), q, 0.0)
    print("ready", flush=True)
    sys.stdin.readline()          # hold the file open (SWMR writer) until told to finish
    w.close("complete")
""")


def test_cli_reads_a_file_while_it_is_being_written(tmp_path, capsys):
    path = tmp_path / "live.h5"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        code, out, err = run_cli(capsys, path, "--clusters", "2", "-o", tmp_path / "live.png")
        assert code == 0, err
        assert "(running, 16 frames)" in out
        assert "  1: 8 frames: t = 0 .. 7" in out and "  2: 8 frames: t = 8 .. 15" in out
    finally:
        writer.communicate("done\n", timeout=60)
    assert writer.returncode == 0
    assert cgle.open_trajectory(path).status == "complete"


def test_cluster_snapshots_separates_regimes():
    rng = np.random.default_rng(16)
    x = np.linspace(-5, 5, 50)
    quiet = 0.01 * rng.normal(size=(10, 50)) * np.exp(1j * rng.uniform(0, 6, size=(10, 1)))
    pulse = np.exp(-x**2) * np.exp(1j * rng.uniform(0, 6, size=(12, 1))) + 0.01 * rng.normal(size=(12, 50))
    snapshots = np.vstack([quiet, pulse])
    snapshots.setflags(write=False)  # inputs are never modified
    labels = analysis.cluster_snapshots(snapshots, 2)
    assert len(set(labels[:10])) == 1 and len(set(labels[10:])) == 1 and labels[0] != labels[10]
