"""The notebooks run from a fresh clone: each executes top to bottom without an error.

Each notebook asserts its own checks against mathematics (inspect_run: eigenvalues vs the
analytic Hermite spectrum, energy decay rate vs 2 Re lambda_0, phase rate vs Im lambda_0,
profile vs the global mode; regimes: our linkage vs scipy's, flat clusters, regimes; control:
run energies vs the Lyapunov means, the rms reduction, the H2-optimal placement), so a
notebook that executes is one whose checks pass. The run files go under pytest's tmp_path
through CGLE_RUN (the notebooks run the config themselves when the file is missing), so
nothing is written into runs/.
"""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]


def execute(name, run_file, monkeypatch):
    monkeypatch.setenv("CGLE_RUN", str(run_file))
    monkeypatch.delenv("CGLE_CONFIG", raising=False)
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell raises
    return nb


def stream_text(nb):
    return "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")


def test_committed_without_outputs():
    for name in ("inspect_run.ipynb", "regimes.ipynb", "control.ipynb"):
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, name


def test_inspect_run_executes_and_agrees_with_linear_theory(tmp_path, monkeypatch):
    run_file = tmp_path / "forum_hermite.h5"
    nb = execute("inspect_run.ipynb", run_file, monkeypatch)
    assert run_file.is_file()  # the notebook ran configs/forum_hermite.yaml itself
    text = stream_text(nb)
    assert "FAIL" not in text
    assert "all 5 checks against the linear theory pass" in text
    assert "lambda_0 = -0.1326887-0.5628203j: stable" in text


def test_regimes_executes(tmp_path, monkeypatch):
    run_file = tmp_path / "gl_supercritical.h5"
    nb = execute("regimes.ipynb", run_file, monkeypatch)
    assert run_file.is_file()
    text = stream_text(nb)
    assert "the same flat clusters from our tree and from scipy's: True" in text
    assert "final regime 3 starts at t = " in text


def test_control_executes_and_agrees_with_the_lyapunov_means(tmp_path, monkeypatch):
    run_file = tmp_path / "bagheri_lqg.h5"
    nb = execute("control.ipynb", run_file, monkeypatch)
    assert run_file.is_file()
    text = stream_text(nb)
    # the notebook asserts |z| < 4 for both windows, the rms factor and the placement order
    assert "reduced" in text and "by control" in text
    assert "optimal" in text and "global mode" in text
