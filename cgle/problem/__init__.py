"""The discretised equation, knowing nothing of time stepping or output.

    q_t = L q + N(q),   L = gamma Lap - nu d/dx + mu(x),   N(q) = -beta |q|^2 q

=====================  ===========================================================
module                 what it owns
=====================  ===========================================================
``collocation``        Hermite (real line) and Chebyshev (interval) problems: dense L
``periodic``           Fourier problems in 1D and 2D: diagonal L, FFT state
``operators``          dense and diagonal operators as the steppers see them
``matrix_functions``   exp and phi functions of dense matrices (Taylor, squaring)
``expm_action``        exp(tA) v without the matrix (Taylor with scaling), its costs
``kernels``            pointwise numba kernels (cubic term and flow, norms) + twins
``modes``              eigenvalues and modes of L sorted by growth rate
``initial``            initial conditions
``forcing``            additive white-noise forcing
=====================  ===========================================================
"""

from cgle.problem.collocation import Problem, build_collocation, hermite_scale
from cgle.problem.periodic import FourierProblem, build_periodic

__all__ = ["Problem", "FourierProblem", "build_problem", "hermite_scale"]


def build_problem(cfg):
    """The discretised problem of a validated :class:`~cgle.config.Config`.

    Hermite and Chebyshev grids give a :class:`Problem` (dense ``L``), Fourier grids a
    :class:`FourierProblem` (diagonal ``L``). ``cgle.build`` also accepts a YAML path or
    a mapping.
    """
    if cfg.grid.basis == "fourier":
        return build_periodic(cfg)
    return build_collocation(cfg)
