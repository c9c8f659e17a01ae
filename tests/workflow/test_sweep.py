"""Parameter sweeps (cgle.workflow.sweep) on a 2-worker LocalCluster.

What is checked against what:
- expansion: the runs are the Cartesian product of the vary entries (x the zip group x
  the repeat seeds) in the documented order, ranges equal numpy.linspace, ids are stable;
- a grid sweep equals the same runs done one by one in this process (files bitwise,
  figures recomputed independently from the files and scipy.linalg.eigvals);
- the leading eigenvalues equal the analytic lambda_0 = mu0 - cu^2 - nu^2/(4 gamma) - h/2
  and the map crosses zero at the analytic mu_c(cu) (docs/theory/analytic-results.md) within the grid spacing;
- worker processes killed with SIGKILL: retried (bounded) or recorded failed, nothing
  missing; --resume redoes exactly the runs whose file is not complete;
- thread caps inside the workers, read back with threadpoolctl and numba.
"""

import math
import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.linalg

import cgle
from cgle.config import ConfigError
from cgle.io import finalize
from cgle.workflow.manifest import RESULT_COLUMNS, read_manifest
from cgle.workflow.sweep import local_cluster, run_sweep
from cgle.workflow.sweep_file import load_sweep, make_run_id
from cgle.workflow.sweep_worker import THREAD_CAPS, capped_threads, execute_run

# a small, fast flow-form base: standard values, N = 40, noise of amplitude 1e-3
BASE = {
    "name": "tiny",
    "flow": {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu0": 0.41, "mu2": -0.01, "beta": 0.1},
    "grid": {"basis": "hermite", "n": 40, "scale": "auto"},
    "initial": {"kind": "noise", "amplitude": 1.0e-3, "seed": 7},
    "time": {"scheme": "strang", "dt": 0.5, "t_end": 40.0},
    "output": {"every": 4.0},
}


def analytic_lambda0(mu0, cu, U=2.0, cd=-1.0, mu2=-0.01):
    """docs/theory/analytic-results.md: lambda_0 = mu0 - cu^2 - nu^2/(4 gamma) - h/2, h = sqrt(-2 mu2 gamma)."""
    nu, gamma = complex(U, 2 * cu), complex(1, cd)
    return mu0 - cu**2 - nu**2 / (4 * gamma) - np.sqrt(-2 * mu2 * gamma) / 2


def analytic_mu_c(cu, U=2.0, cd=-1.0, mu2=-0.01):
    """mu_c = mu_t + (|h|/2) cos(arg(gamma)/2), mu_t = (U + 2 cd cu)^2 / (4 |gamma|^2)
    (docs/theory/analytic-results.md)."""
    gamma = complex(1, cd)
    h = np.sqrt(-2 * mu2 * gamma)
    return (U + 2 * cd * cu) ** 2 / (4 * abs(gamma) ** 2) + abs(h) / 2 * math.cos(np.angle(gamma) / 2)


@pytest.fixture(scope="module")
def scheduler():
    with local_cluster(2) as cluster:
        yield cluster.scheduler_address


# --------------------------------------------------------------------------- expansion and errors


def test_expansion_is_the_product_of_vary_zip_and_repeat():
    sweep = load_sweep({
        "base": BASE,
        "vary": {"flow.mu0": [0.39, 0.41], "flow.cu": {"start": 0.1, "stop": 0.3, "num": 3}},
        "zip": {"time.dt": [0.5, 0.25], "output.every": [4.0, 2.0]},
        "repeat": {"count": 2, "first_seed": 5},
    })
    assert sweep.keys == ("flow.mu0", "flow.cu", "time.dt", "output.every", "initial.seed")
    cus = [float(f"{v:.12g}") for v in np.linspace(0.1, 0.3, 3)]
    expected = [(m, c, dt, ev, s) for m in (0.39, 0.41) for c in cus for dt, ev in ((0.5, 4.0), (0.25, 2.0))
                for s in (5, 6)]
    assert [tuple(r.params.values()) for r in sweep.runs] == expected
    for run in sweep.runs:  # each config carries its parameters (and nothing else changes)
        cfg = run.config
        assert (cfg.flow.mu0, cfg.flow.cu, cfg.time.dt, cfg.output.every, cfg.initial.seed) == tuple(run.params.values())
        assert cfg.name == run.run_id and cfg.grid.n == (40,) and cfg.flow.beta == 0.1
    ids = [r.run_id for r in sweep.runs]
    assert len(set(ids)) == len(ids)
    # stable: the same parameters give the same ids whatever the order of the keys and the
    # spelling of the numbers (4 and 4.0)
    again = load_sweep({"base": BASE, "repeat": {"count": 2, "first_seed": 5},
                        "zip": {"output.every": [4, 2], "time.dt": [0.5, 0.25]},
                        "vary": {"flow.cu": [0.1, 0.2, 0.3], "flow.mu0": [0.39, 0.41]}})
    assert {r.run_id for r in again.runs} == set(ids)
    assert make_run_id({"flow.mu0": 0.4, "flow.cu": 0.2}) == make_run_id({"flow.cu": 0.2, "flow.mu0": 0.4})
    assert make_run_id({"flow.mu0": 0.4, "flow.cu": 0.2}).startswith("cu=0.2_mu0=0.4_")
    assert make_run_id({"flow.beta": 0.1, "equation.beta": 0.2}).startswith("equation.beta=0.2_flow.beta=0.1_")


def test_set_and_base_file(tmp_path):
    (tmp_path / "base.yaml").write_text("flow: {mu0: 0.41, beta: 0.1}\ngrid: {n: 40}\n"
                                        "initial: {kind: noise, amplitude: 1.0e-3}\ntime: {dt: 0.5, t_end: 4.0}\n")
    (tmp_path / "s.yaml").write_text("base: base.yaml\nset: {time.t_end: 8.0}\nvary: {flow.mu0: [0.4, 0.42]}\n")
    sweep = load_sweep(tmp_path / "s.yaml")
    assert sweep.name == "s" and sweep.directory == Path("runs") / "s"
    assert [r.config.time.t_end for r in sweep.runs] == [8.0, 8.0]
    assert [r.config.flow.mu0 for r in sweep.runs] == [0.4, 0.42]


@pytest.mark.parametrize("change, message", [
    ({"vary": {"flow.mu0": ["x"]}}, "config error at vary.flow.mu0: must be a real number (got 'x')"),
    ({"vary": {"flow.mu00": [0.4]}}, "config error at vary.flow.mu00: unknown key"),
    ({"vary": {"flow.mu0": []}}, "config error at vary.flow.mu0: must be a non-empty list"),
    ({"vary": {"flow.mu0": [0.4, 0.4]}}, "config error at vary.flow.mu0: values must be distinct"),
    ({"vary": {"flow.cu": {"start": 0.1, "stop": 0.3}}}, "config error at vary.flow.cu.num: is required"),
    ({"vary": {"flow.cu": {"start": 0.1, "stop": 0.3, "num": 0}}}, "config error at vary.flow.cu.num: must be >= 1"),
    ({"vary": {"time.dt": [0.3]}}, "config error at vary.time.dt: makes the config invalid: config error at "
                                   "output.every: must be a whole multiple of time.dt"),
    ({"vary": {"output.path": ["a.h5"]}}, "config error at vary.output.path: is set by the sweep"),
    ({"vary": {"mu0": [0.4]}}, "config error at vary.mu0: must be a dotted config key"),
    ({"zip": {"flow.mu0": [0.4, 0.42], "flow.cu": [0.2]}}, "config error at zip.flow.cu: must have 2 values"),
    ({"vary": {"flow.mu0": [0.4]}, "zip": {"flow.mu0": [0.4]}}, "config error at zip.flow.mu0: is already given"),
    ({"zip": {"flow.mu0": [0.4, 0.4], "flow.cu": [0.2, 0.2]}}, "config error at zip: values must be distinct"),
    ({"repeat": {"count": 0}}, "config error at repeat.count: must be >= 1"),
    ({"repeat": {"count": 2, "seed_key": "initial.sed"}}, "config error at repeat.seed_key: unknown key"),
    ({"set": {"time.dt": -1}}, "config error at set.time.dt: must be > 0 (got -1)"),
    ({"retries": -1}, "config error at retries: must be >= 0"),
    ({"varry": {}}, "config error at varry: unknown key"),
    ({"base": {**BASE, "time": {"dt": -1}}}, "config error at base.time.dt: must be > 0"),
    ({"base": "missing.yaml"}, "config error at base: config file not found"),
])
def test_errors_name_the_sweep_key(change, message):
    with pytest.raises(ConfigError) as info:
        load_sweep({"base": BASE, **change})
    assert str(info.value).startswith(message), str(info.value)


# --------------------------------------------------------------------------- sweeps on the cluster


def test_grid_sweep_equals_the_runs_one_by_one(scheduler, tmp_path):
    spec = {"name": "grid", "base": BASE, "vary": {"flow.mu0": [0.40, 0.42], "flow.cu": [0.15, 0.2]}}
    result = run_sweep(spec, directory=tmp_path / "sweep", scheduler=scheduler)
    table = pd.read_csv(result.manifest)  # the manifest reads with no options
    assert list(table.columns) == ["run_id", "flow.mu0", "flow.cu", *RESULT_COLUMNS]
    sweep = load_sweep(spec)
    assert list(table["run_id"]) == [r.run_id for r in sweep.runs]
    assert (table["status"] == "complete").all() and (table["attempts"] == 1).all()
    # one file per run, and nothing else but the manifest
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == sorted(
        ["manifest.csv", *(f"{r.run_id}.h5" for r in sweep.runs)])

    for run, (_, row) in zip(sweep.runs, table.iterrows()):
        assert (row["flow.mu0"], row["flow.cu"]) == (run.params["flow.mu0"], run.params["flow.cu"])
        alone = tmp_path / "alone" / f"{run.run_id}.h5"
        with capped_threads():  # the workers' thread settings, for identical arithmetic
            cgle.run(run.config, alone)
        mine, theirs = cgle.open_trajectory(alone), cgle.open_trajectory(tmp_path / "sweep" / row.file)
        np.testing.assert_array_equal(theirs.q, mine.q)
        np.testing.assert_array_equal(theirs.t, mine.t)
        # figures recomputed here from the one-by-one run
        ev = scipy.linalg.eigvals(cgle.build(run.config).L)
        lam0 = ev[np.argmax(ev.real)]
        q = mine.q
        k = math.ceil(len(q) / 10)
        assert row.lambda0_real == pytest.approx(lam0.real, rel=1e-10, abs=1e-12)
        assert row.lambda0_imag == pytest.approx(lam0.imag, rel=1e-10, abs=1e-12)
        assert row.final_energy == pytest.approx(np.sum(mine.weights * np.abs(q[-1]) ** 2), rel=1e-13)
        assert row.saturated_amplitude == pytest.approx(np.mean(np.max(np.abs(q[-k:]), axis=1)), rel=1e-14)
        assert row.t_final == BASE["time"]["t_end"] and row.frames == len(mine.t)
        assert row.wall_time_s > 0 and pd.isna(row.message)
        # and they are the analytic leading eigenvalue (docs/theory/analytic-results.md)
        exact = analytic_lambda0(run.params["flow.mu0"], run.params["flow.cu"])
        assert abs(complex(row.lambda0_real, row.lambda0_imag) - exact) < 1e-8


def test_stability_map_crosses_zero_at_the_analytic_mu_c(scheduler, tmp_path):
    from cgle.plots.stability_map import critical_mu0, plot_stability_map, stability_map

    mu0s = [round(0.30 + 0.02 * i, 2) for i in range(7)]
    cus = [0.2, 0.3]
    spec = {"name": "map", "base": {**BASE, "time": {"scheme": "strang", "dt": 0.5, "t_end": 1.0},
                                    "output": {"every": 1.0}},
            "vary": {"flow.mu0": mu0s, "flow.cu": cus}}
    result = run_sweep(spec, directory=tmp_path, scheduler=scheduler)
    assert not result.failed
    xs, ys, grid = stability_map(result.manifest)
    assert xs.tolist() == mu0s and ys.tolist() == cus
    for j, cu in enumerate(cus):
        growth = grid[j]
        crossing = np.nonzero(np.diff(np.sign(growth)))[0]
        assert len(crossing) == 1  # one sign change, from stable to unstable
        i = crossing[0]
        mu_c = analytic_mu_c(cu)
        assert xs[i] < mu_c < xs[i + 1]  # within one grid spacing
        # Re lambda_0 = mu0 - mu_c exactly, so the interpolated zero is mu_c itself
        zero = xs[i] - growth[i] * (xs[i + 1] - xs[i]) / (growth[i + 1] - growth[i])
        assert zero == pytest.approx(mu_c, abs=1e-9)
        np.testing.assert_allclose(growth, np.array(mu0s) - mu_c, atol=1e-9)
    assert analytic_mu_c(0.2) == pytest.approx(0.397689, abs=5e-7)  # docs/theory/analytic-results.md
    flow = load_sweep(spec).runs[0].config.flow
    np.testing.assert_allclose(critical_mu0(flow, cus), [analytic_mu_c(c) for c in cus], rtol=1e-13)
    # resume: the files decide. All complete: nothing to do; without the manifest the
    # figures come back from the files; a changed base config makes every file stale.
    first = pd.read_csv(result.manifest)
    assert run_sweep(spec, directory=tmp_path, scheduler=scheduler, resume=True).skipped == 14
    result.manifest.unlink()
    again = run_sweep(spec, directory=tmp_path, scheduler=scheduler, resume=True)
    assert again.skipped == 14
    rebuilt = pd.read_csv(again.manifest)
    for column in ("run_id", "status", "lambda0_real", "lambda0_imag", "final_energy", "saturated_amplitude",
                   "t_final", "frames", "file"):
        pd.testing.assert_series_equal(rebuilt[column], first[column])
    changed = {**spec, "base": {**spec["base"], "initial": {**BASE["initial"], "seed": 8}}}
    redone = run_sweep(changed, directory=tmp_path, scheduler=scheduler, resume=True)
    assert redone.skipped == 0 and not redone.failed
    assert [r["run_id"] for r in redone.rows] == list(first["run_id"])  # ids depend on the parameters only

    fig = plot_stability_map(result.manifest, tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 0
    ax = fig.axes[0]
    curve = [line for line in ax.get_lines() if line.get_linestyle() == "--"][0]
    np.testing.assert_allclose(curve.get_xdata(), [analytic_mu_c(c) for c in curve.get_ydata()], rtol=1e-12)


# A runner executed on the workers: runs at mu0 = 0.40 die once (SIGKILL in the middle of
# the run, a marker file remembers it), runs at mu0 = 0.41 die every time.
def dying_runner(run, path):
    mu0 = run.params["flow.mu0"]
    marker = Path(path).with_suffix(".died")
    if mu0 == 0.41 or (mu0 == 0.40 and not marker.exists()):
        marker.touch()

        def die(step, t):
            if step == 5:
                os.kill(os.getpid(), signal.SIGKILL)

        return execute_run(run, path, progress=die)
    return execute_run(run, path)


def test_killed_workers_are_retried_or_recorded_and_resume_completes(scheduler, tmp_path):
    # mu0 = 0.42 with a growth bound below the initial noise: an ordinary failure (blow-up)
    spec = {"name": "faults", "base": BASE, "retries": 1,
            "zip": {"flow.mu0": [0.39, 0.40, 0.41, 0.42], "time.max_amplitude": [None, None, None, 1e-4]}}
    sweep = load_sweep(spec)
    ids = {r.params["flow.mu0"]: r.run_id for r in sweep.runs}
    seen = []

    def check_manifest(row, done, total):
        # after every finished run the manifest on disk lists every run, and exactly
        # `done` of them are finished
        table = pd.read_csv(tmp_path / "manifest.csv")
        assert sorted(table["run_id"]) == sorted(ids.values()) and total == 4
        assert (table["status"] != "pending").sum() == done
        seen.append((row["run_id"], done, total))

    result = run_sweep(sweep, directory=tmp_path, scheduler=scheduler, runner=dying_runner,
                       on_result=check_manifest)
    table = pd.read_csv(result.manifest).set_index("run_id")
    assert sorted(table.index) == sorted(ids.values())  # nothing missing
    assert sorted(r for r, _, _ in seen) == sorted(ids.values()) and [d for _, d, _ in seen] == [1, 2, 3, 4]
    assert set(table["status"]) <= {"complete", "failed"}
    ok, once, always, blows = (table.loc[ids[m]] for m in (0.39, 0.40, 0.41, 0.42))
    assert (ok.status, ok.attempts) == ("complete", 1)
    assert (once.status, once.attempts) == ("complete", 2)  # died once, retried
    assert (always.status, always.attempts) == ("failed", 2)  # died on both attempts
    assert "worker process running this run died 2 time(s)" in always.message
    assert (blows.status, blows.attempts) == ("failed", 1)
    assert "1e-04" in blows.message or "0.0001" in blows.message
    # the run killed mid-run left a file that says so
    assert cgle.open_trajectory(tmp_path / always.file).status == "running"
    # a fresh start would lose the sweep
    from cgle.workflow.sweep import SweepExists

    with pytest.raises(SweepExists, match="--resume"):
        run_sweep(sweep, directory=tmp_path, scheduler=scheduler)

    # the file decides, not the manifest: mark a complete run's file failed behind its back
    finalize(tmp_path / ok.file, "failed", "tampered")
    stamps = {m: os.stat(tmp_path / table.loc[ids[m]].file).st_mtime_ns for m in (0.39, 0.40)}
    result = run_sweep(sweep, directory=tmp_path, scheduler=scheduler, resume=True)
    assert result.skipped == 1
    table2 = pd.read_csv(result.manifest).set_index("run_id")
    assert table2.loc[ids[0.40]].status == "complete"
    assert table2.loc[ids[0.40]].attempts == 2  # kept from the sweep that made it
    assert os.stat(tmp_path / table.loc[ids[0.40]].file).st_mtime_ns == stamps[0.40]  # not redone
    assert os.stat(tmp_path / ok.file).st_mtime_ns != stamps[0.39]  # redone
    for m in (0.39, 0.41):
        assert table2.loc[ids[m]].status == "complete" and table2.loc[ids[m]].attempts == 1
        assert cgle.open_trajectory(tmp_path / table2.loc[ids[m]].file).status == "complete"
    assert table2.loc[ids[0.42]].status == "failed"  # a deterministic failure stays failed
    # every figure of the resumed sweep equals a sweep done in one go
    clean = pd.read_csv(run_sweep(sweep, directory=tmp_path / "clean", scheduler=scheduler).manifest)
    clean = clean.set_index("run_id")
    for column in ("lambda0_real", "lambda0_imag", "final_energy", "saturated_amplitude", "frames"):
        np.testing.assert_array_equal(table2[column].to_numpy(), clean.loc[table2.index, column].to_numpy())


def probe_threads():
    """What a task sees: the worker's environment, BLAS/OpenMP pools and numba, before and
    inside the task-level caps."""
    import numba
    from threadpoolctl import threadpool_info

    env = {k: os.environ.get(k) for k in THREAD_CAPS}
    outside = [(i["user_api"], i["num_threads"]) for i in threadpool_info()]
    numba_outside = numba.get_num_threads()
    with capped_threads():
        inside = [(i["user_api"], i["num_threads"]) for i in threadpool_info()]
        numba_inside = numba.get_num_threads()
    return env, outside, numba_outside, inside, numba_inside, numba.config.NUMBA_NUM_THREADS


def test_thread_caps_in_force_inside_workers(scheduler):
    from distributed import Client

    with Client(scheduler) as client:
        workers = list(client.scheduler_info()["workers"])
        assert len(workers) == 2
        assert all(w["nthreads"] == 1 for w in client.scheduler_info()["workers"].values())
        results = [client.submit(probe_threads, workers=[w], pure=False).result() for w in workers]
    for env, outside, numba_outside, inside, numba_inside, numba_max in results:
        assert env == THREAD_CAPS
        assert any(api == "blas" for api, _ in outside)  # numpy/scipy's BLAS is loaded
        assert all(n == 1 for _, n in outside) and all(n == 1 for _, n in inside)
        assert numba_outside == numba_inside == numba_max == 1


def test_cli_sweep_default_cluster_resume_and_plot(tmp_path, monkeypatch, capsys):
    """`cgle sweep` on its own LocalCluster; exit codes 0 / 1 / 2; --resume; sweep-plot."""
    from cgle.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text("flow: {mu0: 0.41, beta: 0.1}\ngrid: {n: 40}\n"
                                        "initial: {kind: noise, amplitude: 1.0e-3}\ntime: {dt: 0.5, t_end: 2.0}\n")
    (tmp_path / "s.yaml").write_text("name: cli\nbase: base.yaml\nvary: {flow.mu0: [0.38, 0.42]}\n")
    (tmp_path / "bad.yaml").write_text("base: base.yaml\nvary: {flow.mu0: [x]}\n")

    def cgle_cli(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = cgle_cli("sweep", "s.yaml", "--workers", "2")
    assert code == 0, err
    rows = read_manifest(tmp_path / "runs" / "cli" / "manifest.csv")
    assert [r["status"] for r in rows] == ["complete", "complete"]
    assert [r["lambda0_real"] > 0 for r in rows] == [False, True]  # mu_c = 0.3977 lies between
    code, out, err = cgle_cli("sweep", "s.yaml")
    assert code == 1 and "--resume" in err
    code, out, err = cgle_cli("sweep", "s.yaml", "--resume")
    assert code == 0 and "2 already complete and skipped" in out
    code, out, err = cgle_cli("sweep", "bad.yaml")
    assert code == 2 and err.startswith("cgle: config error at vary.flow.mu0: must be a real number")
    code, out, err = cgle_cli("sweep", "nope.yaml")
    assert code == 2 and "not found" in err
    code, out, err = cgle_cli("sweep", "s.yaml", "--resume", "--workers", "0")
    assert code == 2 and "workers must be an integer >= 1 (got 0)" in err
    code, out, err = cgle_cli("sweep-plot", "runs/cli/manifest.csv", "-o", "map.png", "--y", "")
    assert code == 0 and (tmp_path / "map.png").stat().st_size > 0
    code, out, err = cgle_cli("sweep-plot", "nope.csv")
    assert code == 2 and "manifest not found" in err
    code, out, err = cgle_cli("sweep-plot", "runs/cli/manifest.csv", "--x", "flow.U")
    assert code == 2 and "no column 'flow.U'" in err
