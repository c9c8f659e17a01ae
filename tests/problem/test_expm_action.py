"""exp(tA) v by action (cgle.problem.expm_action) against mpmath, scipy.linalg.expm and
scipy's expm_multiply; its parameters against their definitions."""

import math

import mpmath as mp
import numpy as np
import pytest
import scipy.linalg
from scipy.sparse.linalg import expm_multiply
from test_matrix_functions import _non_normal, _theta

import cgle
from cgle.problem import expm_action as ea
from cgle.problem import matrix_functions as me


@pytest.fixture(scope="module")
def forum_L():
    return cgle.build(cgle.load_config("configs/forum_hermite.yaml")).L


def test_theta_table_extends_the_matrix_exponential_table():
    assert sorted(ea.THETA_ACTION) == list(range(1, 56))
    for m, theta in me.THETA.items():
        assert ea.THETA_ACTION[m] == theta
    values = [ea.THETA_ACTION[m] for m in range(1, 56)]
    assert all(a < b for a, b in zip(values, values[1:]))


@pytest.mark.parametrize("m", [3, 55, pytest.param(13, marks=pytest.mark.slow), pytest.param(40, marks=pytest.mark.slow)])
def test_theta_is_the_backward_error_bound(m):
    theta = _theta(m, terms=300)
    assert ea.THETA_ACTION[m] <= theta
    assert ea.THETA_ACTION[m] == pytest.approx(theta, rel=1e-6)


@pytest.mark.parametrize("norm", [0.0, 1e-12, 3e-6, 0.01, 0.7, 9.0, 77.0, 1500.0])
def test_plan_is_the_cheapest_admissible(norm):
    m, s = ea.action_plan(norm)
    if norm == 0.0:
        assert (m, s) == (0, 1)
        return
    assert norm / s <= ea.THETA_ACTION[m]
    # brute force over every degree: no admissible (m', s') is cheaper
    best = min(k * max(1, math.ceil(norm / th)) for k, th in ea.THETA_ACTION.items())
    assert m * s == best
    with pytest.raises(ValueError, match="non-finite"):
        ea.action_plan(float("inf"))


def test_shift_lowers_the_norm_or_is_not_taken(forum_L):
    B, mu, norm = ea.shifted(forum_L)
    assert norm == pytest.approx(np.linalg.norm(B, 1))
    assert norm <= np.linalg.norm(forum_L, 1)
    np.testing.assert_allclose(B + mu * np.eye(B.shape[0]), forum_L, rtol=0, atol=1e-12 * np.abs(forum_L).max())
    # a matrix whose trace shift would raise the norm keeps mu = 0
    A = np.diag([1.0, -1.0, 0.0]).astype(complex)
    _B, mu0, _n = ea.shifted(A)
    assert mu0 == 0


def _apply(A, t, v):
    B, mu, norm = ea.shifted(A)
    out = np.empty_like(v)
    return ea.ExponentialAction(B, mu, norm, t).apply(v, out)


@pytest.mark.parametrize("norm", [1e-9, 3e-4, 0.05, 0.7, 3.0, 40.0, 300.0])
def test_action_matches_mpmath(norm):
    A = _non_normal(10, norm, seed=int(norm * 1e3) % 97)
    v = np.exp(1j * np.arange(10.0)) + np.linspace(-1.0, 2.0, 10)
    with mp.workdps(40):
        exact = np.array((mp.expm(mp.matrix(A.tolist())) * mp.matrix(v.tolist())).tolist(), dtype=complex).ravel()
    got = _apply(A, 1.0, v)
    # backward error u ||A||: forward error ~ cond * u ||A||
    assert np.linalg.norm(got - exact) <= 1e-13 * (1.0 + norm) * np.linalg.norm(exact)


@pytest.mark.parametrize("h", [0.0, 1e-9, 1e-4, 0.01, 0.3, 1.0, 20.0, -0.05, 0.2j])
def test_action_matches_scipy_on_the_forum_operator(forum_L, h):
    rng = np.random.default_rng(7)
    v = rng.standard_normal(forum_L.shape[0]) + 1j * rng.standard_normal(forum_L.shape[0])
    got = _apply(forum_L, h, v)
    ref = scipy.linalg.expm(h * forum_L) @ v
    other = expm_multiply(h * forum_L, v)
    scale = max(1.0, abs(h) * np.linalg.norm(forum_L, 1))
    assert np.linalg.norm(got - ref) <= 1e-14 * scale * np.linalg.norm(ref)
    assert np.linalg.norm(got - other) <= 1e-14 * scale * np.linalg.norm(ref)


def test_nan_propagates(forum_L):
    v = np.ones(forum_L.shape[0], dtype=complex)
    v[3] = np.nan
    with np.errstate(invalid="ignore"):
        assert np.isnan(_apply(forum_L, 0.1, v)).any()


def test_costs_compare_like_the_work(forum_L):
    """The cost model: one action of exp(hL) is m s products, forming it
    (PRODUCTS[m] + s) products of product_in_matvecs(N) matvecs each, both planned with
    the norm of the shifted matrix."""
    op = cgle.problem.operators.DenseOperator(forum_L)
    n = forum_L.shape[0]
    for h in (1e-6, 0.01, 1.0):
        action, build = op.expm_costs(h)
        norm = me.expm_norm(h * forum_L)
        assert norm == pytest.approx(h * ea.shifted(forum_L)[2], rel=1e-14)
        m, s = ea.action_plan(h * ea.shifted(forum_L)[2])
        assert action == m * s
        mm, ss = me.plan(norm)
        assert build == pytest.approx((me.PRODUCTS[mm] + ss) * ea.product_in_matvecs(n))
    # BLAS-3 runs faster per flop at larger N; never dearer than N matvecs
    assert ea.product_in_matvecs(220) == pytest.approx(0.65 * 220)
    assert ea.product_in_matvecs(1024) == pytest.approx(0.26 * 1024, rel=0.01)
    assert ea.product_in_matvecs(16) == 16
    # tiny steps: an action is a handful of products, far below forming the matrix
    action, build = op.expm_costs(1e-6)
    assert action < 10 < build / 20
