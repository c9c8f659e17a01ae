"""cgle.problem.matrix_functions against its backward-error theory, mpmath and scipy."""

import mpmath as mp
import numpy as np
import pytest
import scipy.linalg

import cgle
from cgle.problem import matrix_functions as me


@pytest.fixture(scope="module")
def forum_problem():
    return cgle.build(cgle.load_config("configs/forum_hermite.yaml"))


def _theta(m, terms=200):
    """Largest theta with sum_{k>m} |c_k| theta^(k-1) <= 2^-53, c_k the Taylor coefficients
    of log(e^{-x} T_m(x)), in 60-digit arithmetic (bisection in log theta)."""
    with mp.workdps(60):
        g = [mp.fsum((-1) ** i / mp.factorial(i) / mp.factorial(k - i) for i in range(max(0, k - m), k + 1))
             for k in range(terms + 1)]
        # log g: k l_k = k g_k - sum_{i<k} i l_i g_{k-i}   (g_0 = 1)
        ell = [mp.mpf(0)] * (terms + 1)
        for k in range(1, terms + 1):
            ell[k] = (k * g[k] - mp.fsum(i * ell[i] * g[k - i] for i in range(1, k))) / k
        assert all(abs(ell[k]) < mp.mpf(10) ** -50 for k in range(1, m + 1))  # T_m agrees to order m
        u = mp.mpf(2) ** -53
        lo, hi = mp.mpf("1e-20"), mp.mpf(10)
        for _ in range(120):
            mid = mp.sqrt(lo * hi)
            bound = mp.fsum(abs(ell[k]) * mid ** (k - 1) for k in range(m + 1, terms + 1))
            lo, hi = (mid, hi) if bound <= u else (lo, mid)
        return float(lo)


@pytest.mark.parametrize("m", sorted(me.THETA))
def test_theta_is_the_backward_error_bound(m):
    theta = _theta(m)
    assert me.THETA[m] <= theta
    assert me.THETA[m] == pytest.approx(theta, rel=1e-6)


class _Counting(np.ndarray):
    products = 0

    def __matmul__(self, other):
        _Counting.products += 1
        return (np.asarray(self) @ np.asarray(other)).view(_Counting)

    def __rmatmul__(self, other):
        _Counting.products += 1
        return (np.asarray(other) @ np.asarray(self)).view(_Counting)


@pytest.mark.parametrize("m", sorted(me.THETA))
def test_taylor_polynomial_and_its_product_count(m):
    rng = np.random.default_rng(m)
    B = rng.standard_normal((9, 9)) + 1j * rng.standard_normal((9, 9))
    B *= me.THETA[m] / np.linalg.norm(B, 1)
    _Counting.products = 0
    T = me.taylor(np.asarray(B).view(_Counting), m)
    assert _Counting.products == me.PRODUCTS[m]
    # Horner's rule on the plain sum
    direct = np.eye(9, dtype=complex) / float(mp.factorial(m))
    for i in range(m - 1, -1, -1):
        direct = direct @ B + np.eye(9) / float(mp.factorial(i))
    assert np.linalg.norm(np.asarray(T) - direct, 1) <= 1e-15 * np.linalg.norm(direct, 1)


def _non_normal(n, norm, seed):
    """A complex n x n matrix with a strongly non-normal part, scaled to ||A||_1 = norm."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    A += np.triu(8.0 * (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))), 1)
    A -= 3.0 * n * np.eye(n)  # decaying, like hL
    return A * (norm / np.linalg.norm(A, 1))


@pytest.mark.parametrize("norm", [1e-9, 3e-4, 0.05, 0.7, 3.0, 40.0, 300.0])
def test_expm_matches_mpmath(norm):
    A = _non_normal(10, norm, seed=int(norm * 1e3) % 97)
    with mp.workdps(40):
        exact = np.array(mp.expm(mp.matrix(A.tolist())).tolist(), dtype=complex)
    E = me.expm(A)
    # a relative backward error u ||A|| gives ~ cond * u in E; 1e-13 (1 + ||A||) covers it
    assert np.linalg.norm(E - exact, 1) <= 1e-13 * (1.0 + norm) * np.linalg.norm(exact, 1)


def test_expm_matches_scipy_on_the_forum_operator(forum_problem):
    L = forum_problem.L
    for h in (1e-9, 1e-4, 0.01, 0.3, 1.0, 20.0):
        E, R = me.expm(h * L), scipy.linalg.expm(h * L)
        assert np.linalg.norm(E - R, 1) <= 1e-13 * max(1.0, h * np.linalg.norm(L, 1)) * np.linalg.norm(R, 1)


def test_diagonal_and_zero():
    d = np.array([-40.0, -1e-3 + 2j, 0.0, 1.5j, 0.3])
    assert np.allclose(me.expm(np.diag(d)), np.diag(np.exp(d)), rtol=1e-14, atol=0)
    assert np.array_equal(me.expm(np.zeros((3, 3))), np.eye(3))


def test_exp_of_2a_is_exp_a_squared_bit_for_bit(forum_problem):
    """Where ends_by_squaring holds, expm(A) is literally expm(A / 2) squared: the step
    ladder relies on it to reuse the level below."""
    L = forum_problem.L
    seen = 0
    for j in range(-12, 12):
        A = 2.0**j * L
        norm = me.expm_norm(A)  # the norm expm plans with (of the shifted matrix)
        if me.ends_by_squaring(norm):
            seen += 1
            half = me.expm(A / 2)
            assert np.array_equal(me.expm(A), half @ half)
        # above THETA[30] every doubling adds exactly one squaring
        if norm / 2 > me.THETA[30]:
            assert me.ends_by_squaring(norm)
    assert seen >= 10


def test_shift_is_exact_under_halving_and_lowers_the_norm(forum_problem):
    L = forum_problem.L
    B, mu, norm = me.shift(L)
    assert norm < np.linalg.norm(L, 1) and mu == np.trace(L) / L.shape[0]
    B2, mu2, norm2 = me.shift(L / 2)
    assert np.array_equal(B2, B / 2) and mu2 == mu / 2 and norm2 == norm / 2
    # no shift where it would not help (exp of a multiple of I stays exact)
    _B, mu0, _n = me.shift(3.0 * np.eye(4))
    assert mu0 != 0 and np.array_equal(me.expm(np.zeros((3, 3))), np.eye(3))


def test_plan():
    # fewest products: 1 for tiny norms, PRODUCTS[16] + s for large ones
    assert me.plan(1e-9) == (2, 0)
    assert me.plan(0.0) == (1, 0)
    m, s = me.plan(100.0)
    assert m == me.SQUARING_DEGREE and 100.0 / 2.0**s <= me.THETA[m] < 100.0 / 2.0 ** (s - 1)
    with pytest.raises(ValueError, match="non-finite"):
        me.plan(float("nan"))
