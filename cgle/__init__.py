"""cgle: the complex Ginzburg-Landau equation with spectral collocation.

    q_t = -nu q_x + gamma q_xx + mu(x) q - beta |q|^2 q

Quick tour::

    import cgle
    cfg = cgle.load_config("configs/forum_hermite.yaml")
    path = cgle.run(cfg)
    traj = cgle.open_trajectory(path)
    prob = cgle.build(cfg)
"""

__version__ = "0.1.0"

from cgle.config import Config, ConfigError, load_config  # noqa: E402
from cgle.errors import BlowUp  # noqa: E402
from cgle.model import Problem, build  # noqa: E402
from cgle.output import open_trajectory  # noqa: E402
from cgle.runner import RunExists, RunFailed, run  # noqa: E402
from cgle import stability  # noqa: E402  (submodule: eigenvalues, growth, resolvent, H2)

__all__ = [
    "__version__",
    "Config",
    "ConfigError",
    "load_config",
    "build",
    "Problem",
    "run",
    "RunFailed",
    "RunExists",
    "BlowUp",
    "open_trajectory",
    "stability",
]
