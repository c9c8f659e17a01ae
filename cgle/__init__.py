"""cgle: the complex Ginzburg-Landau equation with spectral collocation.

    q_t = -nu q_x + gamma q_xx + mu(x) q - beta |q|^2 q

Quick tour::

    import cgle
    cfg = cgle.load_config("configs/forum_hermite.yaml")
    path = cgle.run(cfg)
    traj = cgle.open_trajectory(path)
    prob = cgle.build(cfg)

``import cgle`` is cheap: the names below are loaded on first use (PEP 562), so a
command pays only for the layers it touches.
"""

import importlib

from cgle._version import __version__

# public name -> module that defines it
_API = {
    "Config": "cgle.config",
    "ConfigError": "cgle.config",
    "load_config": "cgle.config",
    "Problem": "cgle.problem",
    "FourierProblem": "cgle.problem",
    "run": "cgle.workflow.runner",
    "RunFailed": "cgle.workflow.runner",
    "RunExists": "cgle.workflow.runner",
    "BlowUp": "cgle.errors",
    "open_trajectory": "cgle.io",
    "open_dataset": "cgle.io",
    "open_runs": "cgle.io",
    "repair": "cgle.io",
}
# subpackages reachable as attributes of ``cgle``
_SUBMODULES = ("analysis", "config", "control", "io", "matrix", "plots", "problem", "spectral", "stability",
               "steppers", "workflow")

__all__ = ["__version__", "build", *_API, *_SUBMODULES]


def build(config):
    """The discretised problem of a configuration.

    Parameters
    ----------
    config : Config, str, os.PathLike or dict
        A validated config, a YAML path or a mapping (validated here).

    Returns
    -------
    Problem or FourierProblem
        ``prob.x``, ``prob.weights``, ``prob.L`` (dense N x N complex matrix; for
        Fourier grids the diagonal symbol) and ``prob.rhs(q)``.
    """
    from cgle.config import load_config
    from cgle.problem import build_problem

    return build_problem(load_config(config))


def __getattr__(name):
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"cgle.{name}")
    else:
        raise AttributeError(f"module 'cgle' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
