"""Every public name has a docstring, and the typed modules have complete type hints.

"Public" is defined once, in docs/_ext/cgle_api.py, which also writes the API
reference: a module without a leading underscore in its path, and in it every function
and class defined there (and the methods and properties of those classes) whose name
has no leading underscore.

MISSING lists the names that still have no docstring. It may only shrink: a name in it
that gained a docstring (or no longer exists) fails the test too, so that the list is
kept exact. Every entry is in a module that is being edited on another branch; the
docstrings come with those changes.
"""

import importlib.util
import inspect
import sys
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_api():
    spec = importlib.util.spec_from_file_location("cgle_api", ROOT / "docs" / "_ext" / "cgle_api.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("cgle_api", module)
    spec.loader.exec_module(module)
    return module


api = _load_api()
OBJECTS = api.public_objects()

MISSING = {
    # cgle.io
    "cgle.io.reader.Trajectory.t", "cgle.io.reader.Trajectory.x", "cgle.io.reader.Trajectory.y",
    "cgle.io.reader.Trajectory.q", "cgle.io.reader.Trajectory.weights", "cgle.io.reader.Trajectory.energy",
    "cgle.io.reader.Trajectory.config", "cgle.io.reader.Trajectory.status", "cgle.io.reader.Trajectory.message",
    "cgle.io.reader.Trajectory.nframes",
    "cgle.io.writer.TrajectoryWriter.frame_bytes",
    # cgle.matrix
    "cgle.matrix.covariance.shrink",
    "cgle.matrix.exact.object_array",
    # cgle.problem
    "cgle.problem.collocation.Problem.to_state", "cgle.problem.collocation.Problem.to_physical",
    "cgle.problem.collocation.Problem.mu",
    "cgle.problem.operators.DenseOperator.shape", "cgle.problem.operators.DenseOperator.identity",
    "cgle.problem.operators.DenseOperator.to_matrix", "cgle.problem.operators.DiagonalOperator.shape",
    "cgle.problem.operators.DiagonalOperator.expm", "cgle.problem.operators.DiagonalOperator.squared",
    "cgle.problem.operators.DiagonalOperator.shifted_inverse",
    "cgle.problem.operators.DiagonalOperator.eigenvalues", "cgle.problem.operators.DiagonalOperator.to_matrix",
    # cgle.steppers
    "cgle.steppers.adaptive.DyadicController.reset", "cgle.steppers.adaptive.DyadicController.get_state",
    "cgle.steppers.adaptive.DyadicController.set_state",
    "cgle.steppers.base.Stepper", "cgle.steppers.base.Stepper.step",
    "cgle.steppers.base.Stepper.get_state",
    "cgle.steppers.exponential.ExponentialRK.step",
    "cgle.steppers.imex.IMEXMultistep.steps", "cgle.steppers.imex.IMEXMultistep.step",
    "cgle.steppers.imex.IMEXMultistep.get_state",
    "cgle.steppers.imex_rk.IMEXRungeKutta.step",
    "cgle.steppers.order_conditions.size", "cgle.steppers.order_conditions.density",
    "cgle.steppers.splitting.Splitting.step",
}

# modules whose public functions carry complete type hints (py.typed promises them);
# the other modules are being edited on other branches and join this list with them
TYPED = (
    "cgle.analysis", "cgle.plots", "cgle.integrate", "cgle.errors", "cgle.config.fields", "cgle.config.schema",
    "cgle.config.reference", "cgle.problem.modes", "cgle.problem.initial", "cgle.problem.forcing",
    "cgle.workflow.sweep_file", "cgle.workflow.manifest", "cgle.workflow.sweep", "cgle.workflow.sweep_worker",
    "cgle.cli", "cgle.control", "cgle.config.control_rules",
)


def test_the_api_is_found():
    names = {dotted for _, dotted, _ in OBJECTS}
    assert {"cgle.build", "cgle.spectral.hermite.herdif", "cgle.matrix.mahalanobis.mahalanobis",
            "cgle.workflow.runner.run", "cgle.config.loader.load_config"} <= names
    assert len(OBJECTS) > 400


@pytest.mark.parametrize("modname", sorted({m for m, _, _ in OBJECTS}))
def test_public_names_have_docstrings(modname):
    missing = [d for m, d, obj in OBJECTS if m == modname and not api.docstring(obj) and d not in MISSING]
    assert not missing, f"public names without a docstring: {missing}"


def test_missing_list_is_exact():
    names = {d: obj for _, d, obj in OBJECTS}
    stale = sorted(d for d in MISSING if d not in names or api.docstring(names[d]))
    assert not stale, f"documented or gone now: remove from MISSING in tests/test_docstrings.py: {stale}"


def _optional_names():
    """Names that modules import for their hints only (``if TYPE_CHECKING:``), because the
    package imports them lazily or they belong to an optional dependency."""
    from distributed import Client, LocalCluster
    from matplotlib.figure import Figure

    return {"Client": Client, "LocalCluster": LocalCluster, "Figure": Figure}


def _typed(modname):
    return any(modname == t or modname.startswith(t + ".") for t in TYPED)


def _routines():
    for modname, dotted, obj in OBJECTS:
        if not _typed(modname):
            continue
        if inspect.isfunction(obj):
            yield dotted, obj
        elif isinstance(obj, property) and obj.fget is not None:
            yield dotted, obj.fget


@pytest.mark.parametrize("dotted, func", list(_routines()), ids=lambda v: v if isinstance(v, str) else "")
def test_typed_modules_have_full_hints(dotted, func):
    sig = inspect.signature(func)
    params = [p for name, p in sig.parameters.items() if name not in ("self", "cls")]
    unhinted = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    assert not unhinted, f"{dotted}: parameters without a type hint: {unhinted}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{dotted}: no return type hint"
    typing.get_type_hints(func, localns=_optional_names())  # the hints resolve
