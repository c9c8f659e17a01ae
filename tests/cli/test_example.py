"""``cgle example``: the example configs reach users of an installed package.

The wheel test builds the package as pip would for ``pip install cgle`` (an isolated,
non-editable build) and checks that every file of configs/ is inside it as
cgle/examples/, together with py.typed.
"""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from cgle.cli import main
from cgle.cli.example import examples, examples_dir
from cgle.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def test_examples_are_the_configs_folder():
    assert examples_dir() == ROOT / "configs"
    assert list(examples()) == [p.stem for p in CONFIGS]


def test_list_names_every_example(capsys):
    assert main(["example"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [p.stem for p in CONFIGS]
    assert all(len(line.split(None, 1)) == 2 for line in lines)  # each with its summary


def test_print_is_the_file_and_loads(capsys, tmp_path):
    assert main(["example", "forum_hermite"]) == 0
    text = capsys.readouterr().out
    assert text == (ROOT / "configs" / "forum_hermite.yaml").read_text()
    (tmp_path / "f.yaml").write_text(text)
    cfg = load_config(tmp_path / "f.yaml")
    assert cfg.grid.n == (220,) and cfg.time.scheme == "strang"
    assert main(["example", "forum_hermite.yaml"]) == 0  # the file name works too


def test_unknown_name_exits_2_and_lists(capsys):
    assert main(["example", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no example named 'nope'" in err and "forum_hermite" in err


def test_copy_keeps_the_sweep_base_reachable(tmp_path, capsys):
    assert main(["example", "--copy", str(tmp_path / "ex")]) == 0
    copied = sorted((tmp_path / "ex").glob("*.yaml"))
    assert [p.name for p in copied] == [p.name for p in CONFIGS]
    from cgle.workflow.sweep_file import load_sweep

    sweep = load_sweep(tmp_path / "ex" / "sweep_mu0_cu.yaml")
    assert len(sweep.runs) > 1
    for path in copied:
        data = yaml.safe_load(path.read_text())
        if "base" not in data:
            load_config(path)


@pytest.mark.slow
def test_wheel_ships_examples_and_py_typed(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("cgle-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "cgle/py.typed" in names
    assert {f"cgle/examples/{p.name}" for p in CONFIGS} <= names
    assert not any(n.startswith(("configs/", "tests/", "docs/")) for n in names)
