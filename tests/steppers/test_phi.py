"""phi functions phi_k(hL), k <= 4, against 30-digit mpmath (issue 4, test 3).

Dense (both methods: modified squaring and the augmented exponential): a complex,
strongly non-normal matrix and the forum's Hermite operator at small N, for ||hL|| from
1e-9 (where the defining recurrence would cancel completely) to 40; and the two methods
against each other at N = 120.
Diagonal: complex z on rays in every direction, |z| from 1e-12 to 50, including the
circle |z| = 1 where the method switches. Tolerance 1e-12 relative.
"""

import math

import mpmath as mp
import numpy as np
import pytest

import cgle
from cgle.problem.operators import DenseOperator, DiagonalOperator, phi_functions

KMAX = 4


def mp_phi_dense(A, h, kmax):
    """phi_k(hA) from the augmented exponential in 30-digit arithmetic."""
    n = A.shape[0]
    size = n * (kmax + 1)
    with mp.workdps(30):
        M = mp.zeros(size, size)
        for i in range(n):
            for j in range(n):
                M[i, j] = mp.mpc(complex(h * A[i, j]))
        for i in range(size - n):
            M[i, i + n] = 1
        E = mp.expm(M)
        return [np.array([[complex(E[i, k * n + j]) for j in range(n)] for i in range(n)]) for k in range(kmax + 1)]


def mp_phi(z, k):
    """phi_k(z) = sum_j z^j / (j + k)! summed in 60-digit arithmetic (|z| <= 50: the
    largest term is < 1e21, so 60 digits leave > 35 after cancellation)."""
    with mp.workdps(60):
        zz = mp.mpc(complex(z))
        term = 1 / mp.factorial(k)
        total = term
        j = 0
        while abs(term) > mp.mpf(10) ** -45 or j < abs(zz):
            j += 1
            term = term * zz / (j + k)
            total += term
        return complex(total)


@pytest.fixture(scope="module")
def nonnormal():
    rng = np.random.default_rng(3)
    n = 5
    A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    A[np.triu_indices(n, 1)] *= 4.0  # strongly non-normal
    return A / np.linalg.norm(A, 2)


@pytest.mark.parametrize("method", ["squaring", "augmented"])
@pytest.mark.parametrize("h", [1e-9, 1e-4, 0.3, 2.0, 8.0, 40.0])
def test_dense_phi_matches_mpmath(nonnormal, h, method):
    ours = DenseOperator(nonnormal).phi(h, KMAX, method=method)
    ref = mp_phi_dense(nonnormal, h, KMAX)
    for k in range(KMAX + 1):
        err = np.linalg.norm(ours[k].matrix - ref[k]) / np.linalg.norm(ref[k])
        assert err < 1e-12, (k, h, err)


FORUM_EQ = {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0, -0.005], "beta": 1}


@pytest.mark.parametrize("method", ["squaring", "augmented"])
def test_dense_phi_on_hermite_operator(method):
    """The forum operator (complex gamma and nu, non-normal) at N = 8, h = 0.5."""
    prob = cgle.build({"equation": FORUM_EQ, "grid": {"basis": "hermite", "n": 8}})
    h = 0.5
    ours = prob.linear.phi(h, 3, method=method)
    ref = mp_phi_dense(prob.L, h, 3)
    for k in range(4):
        assert np.linalg.norm(ours[k].matrix - ref[k]) / np.linalg.norm(ref[k]) < 1e-12


@pytest.mark.parametrize("h", [0.5, 5.0])
def test_squaring_and_augmented_agree_at_n120(h):
    """The two independent dense methods on the forum operator, N = 120 (||hL||_1 up to ~300)."""
    prob = cgle.build({"equation": FORUM_EQ, "grid": {"basis": "hermite", "n": 120}})
    a = prob.linear.phi(h, 3, method="squaring")
    b = prob.linear.phi(h, 3, method="augmented")
    for x, y in zip(a, b):
        assert np.linalg.norm(x.matrix - y.matrix) / np.linalg.norm(y.matrix) < 1e-12


@pytest.mark.parametrize("method", ["squaring", "augmented"])
def test_dense_phi_zero_is_inverse_factorials(method):
    """phi_k(0) = I / k! (h = 0)."""
    ops = DenseOperator(np.ones((3, 3))).phi(0.0, 3, method=method)
    for k, op in enumerate(ops):
        np.testing.assert_allclose(op.matrix, np.eye(3) / math.factorial(k), rtol=0, atol=1e-16)


def diagonal_points():
    radii = [0.0, 1e-12, 1e-6, 1e-3, 0.1, 0.5, 0.999, 1.0, 1.001, 2.0, 7.0, 50.0]
    angles = np.linspace(0.0, 2 * np.pi, 12, endpoint=False) + 0.1
    return np.array([r * np.exp(1j * a) for r in radii for a in angles])


def test_diagonal_phi_matches_mpmath():
    z = diagonal_points()
    ours = phi_functions(z, KMAX)
    for k in range(KMAX + 1):
        for zi, value in zip(z, ours[k]):
            exact = mp_phi(zi, k)
            assert abs(value - exact) <= 1e-12 * abs(exact), (k, zi, value, exact)


def test_diagonal_operator_phi_is_complex_not_real_part():
    """For a purely imaginary symbol phi_1(i s) = (e^{is} - 1)/(is) has a nonzero imaginary
    part, which a real() (Kassam & Trefethen's real-L shortcut) would lose."""
    s = np.array([0.3, 1.5, 4.0])
    (phi0, phi1) = DiagonalOperator(1j * s).phi(1.0, 1)
    expected = (np.exp(1j * s) - 1) / (1j * s)
    np.testing.assert_allclose(phi1.symbol, expected, rtol=1e-14)
    assert np.all(np.abs(phi1.symbol.imag) > 0.1)
    np.testing.assert_allclose(phi0.symbol, np.exp(1j * s), rtol=1e-15)


def test_dense_and_diagonal_agree_on_a_diagonal_matrix():
    z = np.array([1e-8 - 2e-8j, 0.3 + 0.9j, -4.0 + 1.0j, 2.5j])
    dense = DenseOperator(np.diag(z)).phi(1.0, 3)
    diag = DiagonalOperator(z).phi(1.0, 3)
    for d, g in zip(dense, diag):
        np.testing.assert_allclose(np.diag(d.matrix), g.symbol, rtol=1e-13)


@pytest.mark.parametrize("h", [1e-6, 0.7, 30.0])
def test_phi_halvings_match_mpmath_at_every_level(nonnormal, h):
    """The levels of one modified-squaring pass are phi_k(hA / 2^i) (ETDRK4 takes its
    c = 1/2 functions from there)."""
    levels = DenseOperator(nonnormal).phi_halvings(h, 3, 2)
    assert len(levels) == 3
    for i, level in enumerate(levels):
        ref = mp_phi_dense(nonnormal, h / 2**i, 3)
        for k in range(4):
            err = np.linalg.norm(level[k].matrix - ref[k]) / np.linalg.norm(ref[k])
            assert err < 1e-12, (i, k, err)


def test_diagonal_phi_halvings_are_direct():
    z = np.array([1e-8 - 2e-8j, 0.3 + 0.9j, -4.0 + 1.0j, 2.5j])
    levels = DiagonalOperator(z).phi_halvings(2.0, 2, 1)
    for i, level in enumerate(levels):
        for k, op in enumerate(level):
            np.testing.assert_array_equal(op.symbol, phi_functions(z * 2.0 / 2**i, 2)[k])
