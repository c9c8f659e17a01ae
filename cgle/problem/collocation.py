"""The discretised equation (knows nothing of time stepping).

    q_t = L q + N(q),   L = gamma D2 - nu D1 + diag(mu(x)),   N(q) = -beta |q|^2 q

:func:`build_collocation` turns a validated :class:`~cgle.config.Config` into a
:class:`Problem`: nodes, quadrature weights, the linear operator and the nonlinear term,
for Hermite collocation on the real line and Chebyshev collocation on an interval with
q = 0 at the ends (periodic problems live in :mod:`cgle.problem.periodic`).
"""

import numpy as np
from numpy.polynomial import polynomial as P

from cgle.problem import kernels
from cgle.problem.hermite_modes import HermiteModes
from cgle.problem.operators import DenseOperator
from cgle.spectral.hermite import herdif, hermite_weights


def hermite_scale(equation, rule):
    """Hermite scale b for mu(x) = c1 - c2 x^2 (see the theory page of the documentation).

    ``rule="auto"`` (forum/MATLAB lineage): b = Re((4 c2 / gamma)^(1/4));
    ``rule="ilak"`` (Ilak et al. 2010): b = Re(chi), chi^4 = c2 / gamma, Re(chi^2) > 0.
    A number is returned unchanged.
    """
    if not isinstance(rule, str):
        return float(rule)
    c2 = -complex(equation.mu[2])
    gamma = complex(equation.gamma)
    base = 4 * c2 / gamma if rule == "auto" else c2 / gamma
    # principal fourth root; its square has Re > 0 because |arg| <= pi/4
    return float(np.real(base**0.25))


class Problem:
    """A discretised problem on collocation nodes (dense linear operator).

    Attributes
    ----------
    x : ndarray (N,)
        Nodes.
    weights : ndarray (N,)
        Quadrature weights: ``sum(weights * f(x))`` approximates the integral of f.
    L : ndarray (N, N) complex
        The linear operator.
    beta : complex
        Cubic coefficient.
    linear : DenseOperator
        ``L`` as an operator for the steppers.
    """

    def __init__(self, config, x, weights, L, beta, scale=None, modes=None):
        self.config = config
        self.basis = config.grid.basis
        self.x = x
        self.weights = weights
        self.L = L
        self.beta = complex(beta)
        self.scale = scale
        self.linear = DenseOperator(L, modes)
        self.shape = x.shape

    # state coordinates are the nodal values for collocation problems
    def to_state(self, q):
        return np.array(q, dtype=complex)

    def to_physical(self, v):
        return v

    def nonlinear(self, v, out):
        """out = N(v) = -beta |v|^2 v."""
        kernels.cubic_term(v, self.beta, out)
        return out

    def cubic_flow(self, v, t, out):
        """out = exact flow of v' = N(v) over time t; returns the number of nodes
        that blow up within t (only possible for Re(beta) < 0)."""
        return kernels.cubic_flow(v, self.beta, t, out)

    def cubic_flow_max(self, v, t, at, out):
        """:meth:`cubic_flow`, returning (blown-up nodes, max |q|^2 at time ``at`` of the
        flow): the amplitude at a step boundary inside a merged cubic substep."""
        return kernels.cubic_flow_max(v, self.beta, t, at, out)

    def amplitude2(self, v):
        """max |q|^2 over the nodes (NaN if any value is NaN)."""
        return kernels.max_abs2(v)

    def rhs(self, q):
        """The full right-hand side L q - beta |q|^2 q of the ODE system."""
        q = np.asarray(q, dtype=complex)
        return self.L @ q - self.beta * (q.real**2 + q.imag**2) * q

    def energy(self, q):
        """sum(weights * |q|^2), the squared energy norm."""
        return kernels.weighted_energy(np.ascontiguousarray(q).reshape(-1), self.weights.reshape(-1))

    def mu(self, x=None):
        return P.polyval(self.x if x is None else x, np.asarray(self.config.equation.mu))


def build_collocation(cfg):
    """The :class:`Problem` of a validated config with ``grid.basis`` hermite or chebyshev."""
    eq = cfg.equation
    basis = cfg.grid.basis
    N = cfg.grid.n[0]
    if basis == "hermite":
        b = hermite_scale(eq, cfg.grid.scale)
        x, DM = herdif(N, 2, b)
        weights = hermite_weights(N, b)
        D1, D2 = DM[0], DM[1]
        scale = b
        # L is pentadiagonal in Hermite functions (mu of degree <= 2): cheap actions
        modes = HermiteModes.for_equation(eq, x, weights, b)
    elif basis == "chebyshev":
        # imported here: the Chebyshev module loads scipy.fft, which a Hermite run never needs
        from cgle.spectral.chebyshev import chebdif, clenshaw_curtis_weights

        a, b = cfg.grid.domain
        xc, DM = chebdif(N, 2)
        # map [-1, 1] -> [a, b]; drop the boundary nodes where q = 0
        half = (b - a) / 2
        x = a + half * (xc[1:-1] + 1.0)
        D1 = DM[0][1:-1, 1:-1] / half
        D2 = DM[1][1:-1, 1:-1] / half**2
        weights = clenshaw_curtis_weights(N)[1:-1] * half
        order = np.argsort(x)
        x, weights = x[order], weights[order]
        D1, D2 = D1[np.ix_(order, order)], D2[np.ix_(order, order)]
        scale = None
        modes = None
    else:  # config validation makes this unreachable
        raise ValueError(f"not a collocation basis: {basis!r}")
    mu = P.polyval(x, np.asarray(eq.mu))
    # L = gamma D2 - nu D1 + diag(mu(x))
    L = eq.gamma * D2 - eq.nu * D1 + np.diag(mu)
    return Problem(cfg, x, weights, L, eq.beta, scale, modes)
