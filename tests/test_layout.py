"""The package layout is the architecture: layers, import directions, module sizes.

Every ``import`` statement of every module under ``cgle/`` is read with ``ast``,
including those inside functions (a lazy import is still a dependency). The rules:

- no import cycles between modules;
- each module imports only from its own subpackage or from a lower layer (LAYERS);
- ``cgle.spectral`` and ``cgle.matrix`` import nothing else of cgle; nothing but
  ``cgle.__main__`` imports the command line; the steppers never import the output
  layer; the output layer imports no physics; no module imports the ``cgle`` facade;
- no module is longer than MAX_LINES.
"""

import ast
import importlib
import warnings
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cgle"
MAX_LINES = 500

# layer of each top-level unit of the package, lowest first; a module may import its own
# unit and any unit of a strictly lower layer
LAYERS = {
    "_version": 0, "errors": 0, "threads": 0, "progress": 0, "spectral": 0, "matrix": 0,
    "io": 1,
    "problem": 2,
    "steppers": 3,
    "integrate": 4,
    "config": 5,
    "analysis": 6,
    "stability": 7, "linalg": 7, "stats": 7, "control": 7,
    "workflow": 8,
    "plots": 9,
    "cli": 10,
    "__main__": 11, "": 11,
}
PHYSICS = ("problem", "steppers", "integrate", "analysis", "config", "control")


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name):
    """The module an imported dotted name refers to (a submodule, or its package)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in MODULES else None


def _imports(path):
    """Modules of cgle imported anywhere in the file (module level and in functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            base = node.module or ""
            # ``from cgle.x import y``: y may be a submodule or a name defined in cgle.x
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        found |= {_resolve(n) for n in names if n == "cgle" or n.startswith("cgle.")} - {None}
    return found


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _unit(name):
    """Top-level unit of a module: 'problem' for cgle.problem.operators, '' for cgle."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_unit_has_a_layer():
    assert {_unit(m) for m in MODULES} <= set(LAYERS), "a new subpackage needs a place in LAYERS"


def test_no_import_cycles():
    # depth-first search; a back edge closes a cycle
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == "open":
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_imports_point_down_the_layers():
    wrong = [f"{m} -> {n}" for m, deps in GRAPH.items() for n in deps
             if _unit(n) != _unit(m) and not LAYERS[_unit(n)] < LAYERS[_unit(m)]]
    assert not wrong, "imports against the layers: " + ", ".join(sorted(wrong))


@pytest.mark.parametrize("unit", ["spectral", "matrix"])
def test_stand_alone_libraries_import_nothing_else(unit):
    outside = [f"{m} -> {n}" for m, deps in GRAPH.items() if _unit(m) == unit for n in deps if _unit(n) != unit]
    assert not outside


def test_named_directions():
    edges = [(m, n) for m, deps in GRAPH.items() for n in deps]
    assert [e for e in edges if _unit(e[1]) == "cli" and _unit(e[0]) not in ("cli", "__main__")] == []
    assert [e for e in edges if _unit(e[0]) == "steppers" and _unit(e[1]) == "io"] == []
    assert [e for e in edges if _unit(e[0]) == "io" and _unit(e[1]) in PHYSICS] == []
    assert [e for e in edges if e[1] == "cgle"] == [], "modules import the cgle facade"


def test_graph_sees_function_level_imports():
    # the parser is what the rules stand on: a lazy import inside a function counts
    assert "cgle.io" in GRAPH["cgle.problem.initial"]
    assert "cgle.steppers" in GRAPH["cgle.config.loader"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concept"


def test_public_paths():
    import cgle
    from cgle import matrix, spectral, stability

    for name in ("load_config", "build", "run", "open_trajectory", "Config", "ConfigError", "BlowUp"):
        assert callable(getattr(cgle, name)) or isinstance(getattr(cgle, name), type)
    for name in matrix.__all__ + ["herroots", "herdif", "poldif", "chebdif", "fourdif", "hermite_weights"]:
        assert hasattr(matrix, name) or hasattr(spectral, name)
    for name in ("eigenvalues", "critical_value", "transient_growth", "resolvent_gain", "h2_norm", "pseudospectrum"):
        assert callable(getattr(stability, name))
    # the old homes of the utilities are deprecated aliases of cgle.matrix for one release
    for old in ("cgle.linalg", "cgle.stats"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.reload(importlib.import_module(old))
        assert any(issubclass(w.category, DeprecationWarning) for w in caught)
        assert module.mahalanobis is matrix.mahalanobis and module.adjugate is matrix.adjugate
