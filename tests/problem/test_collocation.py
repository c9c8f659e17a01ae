"""The discretised operator against the analytic global modes (docs/theory/analytic-results.md)."""

import numpy as np
import pytest
import scipy.linalg

import cgle
from cgle.problem.collocation import hermite_scale


def analytic_eigenvalues(eq, n):
    """lambda_n = c1 - nu^2/(4 gamma) - (2n + 1) sqrt(gamma c2), Re sqrt(gamma c2) > 0."""
    c1, c2 = eq.mu[0], -eq.mu[2]
    root = np.sqrt(eq.gamma * c2)
    root = root if root.real > 0 else -root
    return c1 - eq.nu**2 / (4 * eq.gamma) - (2 * np.arange(n) + 1) * root


def leading(L, n):
    lam = scipy.linalg.eigvals(L)
    return lam[np.argsort(-lam.real)][:n]


FORUM = {
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0, -0.005], "beta": 1},
    "grid": {"basis": "hermite", "n": 220},
    "time": {"dt": 1.0, "t_end": 1.0},
}


def flow(mu0):
    return {
        "flow": {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu0": mu0, "mu2": -0.01},
        "grid": {"basis": "hermite", "n": 220},
        "time": {"dt": 1.0, "t_end": 1.0},
    }


def test_forum_hermite_scale():
    cfg = cgle.load_config(FORUM)
    assert hermite_scale(cfg.equation, "auto") == pytest.approx(0.338223, abs=5e-7)
    # Ilak lineage: b = Re(chi), chi^4 = c2 / gamma; the two differ by sqrt(2)
    assert hermite_scale(cfg.equation, "ilak") * np.sqrt(2) == pytest.approx(0.338223, abs=5e-7)


@pytest.mark.parametrize(
    "data, stable",
    [(FORUM, True), (flow(0.38), True), (flow(0.41), False)],
    ids=["forum", "flow-mu0=0.38", "flow-mu0=0.41"],
)
def test_leading_eigenvalues_match_analytic(data, stable):
    cfg = cgle.load_config(data)
    prob = cgle.build(cfg)
    assert prob.L.shape == (220, 220) and prob.L.dtype == complex
    exact = analytic_eigenvalues(cfg.equation, 5)
    numeric = leading(prob.L, 5)
    assert np.max(np.abs(numeric - exact)) <= 1e-9
    assert (numeric[0].real < 0) == stable


def test_forum_leading_eigenvalue_value():
    exact = analytic_eigenvalues(cgle.load_config(FORUM).equation, 1)[0]
    assert exact == pytest.approx(-0.1326887 - 0.5628203j, abs=1e-7)


def test_rhs_is_linear_part_plus_cubic():
    prob = cgle.build(FORUM)
    rng = np.random.default_rng(1)
    q = rng.standard_normal(prob.shape) + 1j * rng.standard_normal(prob.shape)
    expected = prob.L @ q - prob.beta * np.abs(q) ** 2 * q
    np.testing.assert_allclose(prob.rhs(q), expected, rtol=1e-14, atol=1e-12)


def test_energy_uses_gauss_hermite_weights():
    prob = cgle.build(FORUM)
    # integral of |exp(-x^2/2)|^2 over the real line = sqrt(pi); exact for Gauss weights
    assert prob.energy(np.exp(-prob.x**2 / 2).astype(complex)) == pytest.approx(np.sqrt(np.pi), rel=1e-13)


def test_chebyshev_dirichlet_eigenvalues_are_analytic():
    # q_t = -nu q_x + gamma q_xx + mu q on [a, b], q(a) = q(b) = 0: substituting
    # q = exp(nu x / (2 gamma)) s(x) gives lambda_k = mu - nu^2/(4 gamma) - gamma (k pi / (b - a))^2
    nu, gamma, mu, (a, b) = 0.8 + 0.3j, 1.0 - 0.5j, 0.2 + 0j, (-3.0, 5.0)
    cfg = cgle.load_config({
        "equation": {"nu": str(nu), "gamma": str(gamma), "mu": [str(mu)]},
        "grid": {"basis": "chebyshev", "n": 64, "domain": [a, b]},
        "time": {"dt": 1.0, "t_end": 1.0},
    })
    prob = cgle.build(cfg)
    assert prob.L.shape == (62, 62) and np.all(np.diff(prob.x) > 0) and a < prob.x[0] and prob.x[-1] < b
    k = np.arange(1, 9)
    exact = mu - nu**2 / (4 * gamma) - gamma * (k * np.pi / (b - a)) ** 2
    np.testing.assert_allclose(leading(prob.L, 8), exact, rtol=1e-10, atol=1e-10)
    # Clenshaw-Curtis weights on the interior nodes: integral of sin^2 over [a, b]
    s = np.sin(np.pi * (prob.x - a) / (b - a)).astype(complex)
    assert prob.energy(s) == pytest.approx((b - a) / 2, rel=1e-13)


def test_chebyshev_reproduces_hermite_global_modes_on_a_wide_interval():
    cfg = cgle.load_config({
        "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0, -0.005]},
        "grid": {"basis": "chebyshev", "n": 200, "domain": [-80, 80]},
        "time": {"dt": 1.0, "t_end": 1.0},
    })
    exact = analytic_eigenvalues(cfg.equation, 5)
    assert np.max(np.abs(leading(cgle.build(cfg).L, 5) - exact)) < 1e-8
