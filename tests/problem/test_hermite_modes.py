"""The Hermite collocation operator in Hermite functions (cgle.problem.hermite_modes):
the analytic pentadiagonal B against P^{-1} L P, the transforms against the quadrature
identity, and exp(hL) v by banded Taylor against scipy.linalg.expm."""

import numpy as np
import pytest
import scipy.linalg

import cgle
from cgle.problem import kernels_numba, kernels_numpy
from cgle.problem.hermite_banded import BandedExponential
from cgle.problem.hermite_modes import HermiteModes, ModalExponentialAction, hermite_function_matrix
from cgle.problem.operators import DenseOperator


def hermite(n, mu, nu="2+0.2j", gamma="1-1j", scale="auto"):
    return cgle.build({"name": "modes", "equation": {"nu": nu, "gamma": gamma, "mu": mu, "beta": 1},
                       "grid": {"basis": "hermite", "n": n, "scale": scale},
                       "initial": {"kind": "constant", "amplitude": 1.0},
                       "time": {"scheme": "strang", "dt": 0.1, "t_end": 1.0}})


CASES = [
    (220, [0.34, 0.0, -0.005], "2+0.2j", "1-1j", "auto"),  # the forum problem
    (64, [0.2, 0.03, -0.01], "1-0.5j", "0.7+0.4j", "auto"),  # a linear term in mu
    (101, [0.1, 0.0, -0.02], "0.5", "1", 0.8),  # odd N, real coefficients, a fixed scale
    (40, [0.3], "1+1j", "1-0.2j", 1.3),  # constant mu
]


@pytest.mark.parametrize("n, mu, nu, gamma, scale", CASES)
def test_analytic_bands_are_the_collocation_operator_in_hermite_functions(n, mu, nu, gamma, scale):
    prob = hermite(n, mu, nu, gamma, scale)
    modes = prob.linear.modes
    assert isinstance(modes, HermiteModes)
    modes.form()
    # P^{-1} = b P^T W exactly (Gauss quadrature of psi_k psi_l, k + l <= 2N - 2)
    np.testing.assert_allclose(modes.Pinv @ modes.P, np.eye(n), rtol=0, atol=2e-13)
    numeric = modes.Pinv @ prob.L @ modes.P
    B = modes.matrix()
    scale_B = np.abs(B).max()
    # all of P^{-1} L P lies in the five diagonals (the rest is rounding) and equals them
    assert np.abs(numeric - B).max() <= 1e-12 * scale_B
    k = np.subtract.outer(np.arange(n), np.arange(n))
    assert np.abs(numeric[np.abs(k) > 2]).max() <= 1e-12 * scale_B


def test_hermite_functions_stay_finite_and_orthonormal_at_large_n():
    """At N = 900 exp(-xi^2 / 2) underflows at the outer nodes (xi ~ 42): the scaled
    recurrence still gives an orthogonal transform."""
    prob = hermite(900, [0.34, 0.0, -0.005])
    modes = prob.linear.modes
    modes.form()
    assert np.all(np.isfinite(modes.P))
    np.testing.assert_allclose(modes.Pinv @ modes.P, np.eye(900), rtol=0, atol=1e-12)


def test_hermite_function_matrix_against_the_recurrence_without_scaling():
    xi = np.linspace(-6.0, 6.0, 13)
    P = hermite_function_matrix(xi)
    # psi_0 = pi^-1/4 e^{-xi^2/2}, psi_1 = sqrt(2) xi psi_0, psi_2 = (2 xi^2 - 1) psi_0 / sqrt(2)
    psi0 = np.pi**-0.25 * np.exp(-xi**2 / 2)
    np.testing.assert_allclose(P[:, 0], psi0, rtol=1e-15)
    np.testing.assert_allclose(P[:, 1], np.sqrt(2) * xi * psi0, rtol=1e-14)
    np.testing.assert_allclose(P[:, 2], (2 * xi**2 - 1) * psi0 / np.sqrt(2), rtol=1e-13, atol=1e-16)


def test_no_modes_where_the_band_would_widen_or_the_basis_is_not_hermite():
    assert hermite(40, [0.3, 0.0, -0.01, 0.001], scale=1.0).linear.modes is None
    # trailing zeros do not count towards the degree
    assert hermite(40, [0.3, 0.0, -0.01, 0.0], scale=1.0).linear.modes is not None
    cheb = cgle.build({"name": "c", "equation": {"nu": 1, "gamma": 1, "mu": [0.1], "beta": 1},
                       "grid": {"basis": "chebyshev", "n": 32, "domain": [-10, 10]},
                       "initial": {"kind": "constant", "amplitude": 1.0},
                       "time": {"scheme": "strang", "dt": 0.1, "t_end": 1.0}})
    assert cheb.linear.modes is None


@pytest.mark.parametrize("h", [1e-7, 1e-3, 0.05, 0.4, 1.0, 3.0])
def test_modal_action_matches_scipy_expm(h):
    prob = hermite(220, [0.34, 0.0, -0.005])
    rng = np.random.default_rng(7)
    v = rng.standard_normal(220) + 1j * rng.standard_normal(220)
    action = ModalExponentialAction(prob.linear.modes, h)
    out = action.apply(v, np.empty_like(v))
    ref = scipy.linalg.expm(h * prob.L) @ v
    # backward error 2^-53 ||hB||_1 in the coefficients, and the two transforms' rounding
    # (cond P ~ 2 here): a few 1e-14 in the energy norm; for ||hB||_1 <= 1 the transforms
    # carry only the change exp(hB) c - c, and the result is exact to a few ulps
    near_identity = abs(h) * prob.linear.modes.norm <= 1.0
    assert np.sqrt(prob.energy(out - ref) / prob.energy(ref)) <= (2e-15 if near_identity else 5e-14)


@pytest.mark.parametrize("h", [1e-4, 0.3, 2.0])
def test_penta_taylor_twins_agree(h):
    modes = hermite(64, [0.2, 0.03, -0.01], "1-0.5j", "0.7+0.4j").linear.modes
    modes.form()
    m, s = modes.action_plan(h)
    eta = complex(np.exp(h * modes.shift / s))
    rng = np.random.default_rng(3)
    c = rng.standard_normal(64) + 1j * rng.standard_normal(64)
    outs = []
    for k in (kernels_numba, kernels_numpy):
        work = [np.empty(64, dtype=complex) for _ in range(3)]
        outs.append(k.penta_taylor(modes.shifted, c, h / s, m, s, eta, *work).copy())
    ref = scipy.linalg.expm(h * modes.matrix()) @ c
    for out in outs:
        assert np.linalg.norm(out - ref) <= 1e-13 * np.linalg.norm(ref)
    assert np.linalg.norm(outs[0] - outs[1]) <= 1e-14 * np.linalg.norm(ref)


def test_dense_operator_takes_the_modal_action_only_where_it_is_cheaper():
    from cgle.problem import kernels
    from cgle.problem.expm_action import ExponentialAction

    prob = hermite(220, [0.34, 0.0, -0.005])
    linear = prob.linear
    kernels.use("numba")
    assert isinstance(linear.expm_action(0.5), ModalExponentialAction)
    # ||hL||_1 below 2^-53: one dense product (m s = 1) beats two changes of basis
    assert isinstance(linear.expm_action(1e-20), ExponentialAction)
    # the cost model still prices an action at its dense products: same decisions
    assert linear.expm_costs(0.5)[0] == DenseOperator(prob.L).expm_costs(0.5)[0]
    try:
        kernels.use("numpy")
        # banded products in NumPy do not pay: the dense action
        assert isinstance(linear.expm_action(0.5), ExponentialAction)
    finally:
        kernels.use("numba")


@pytest.mark.parametrize("mu", [[0.34, 0.0, -0.005], [0.34, 0.02, -0.005]])
@pytest.mark.parametrize("h", [1e-3, 0.05, 0.4, 2.0])
def test_modal_matrix_exponential_matches_scipy_and_squares_bit_for_bit(h, mu):
    """The forum's even mu takes the symmetric form (cgle.problem.hermite_symmetric), a
    linear term in mu the plain squarings on the nodes; either way exp(hL) is the square
    of exp(hL / 2) exactly where expm squares (the step ladder's rule)."""
    from cgle.problem import kernels

    prob = hermite(220, mu)
    modes = prob.linear.modes
    kernels.use("numba")
    E = modes.expm(h)
    ref = scipy.linalg.expm(h * prob.L)
    # the two transforms of the base (they carry E - I) and the squarings' rounding
    assert np.linalg.norm(E - ref) <= (2e-14 if h <= 1e-3 else 2e-13) * np.linalg.norm(ref)
    from cgle.problem.hermite_modes import MODAL_BASE_NORM

    s = modes.expm_squarings(h)
    # the fewest squarings that bring the base norm down to MODAL_BASE_NORM
    assert modes.norm * abs(h) / 2.0**s <= MODAL_BASE_NORM
    assert s == 0 or modes.norm * abs(h) / 2.0 ** (s - 1) > MODAL_BASE_NORM
    assert (modes.symmetric is not None) == (mu[1] == 0.0)
    op = prob.linear.expm(h)
    # the even mu keeps exp(hL) on its band in Hermite functions
    assert isinstance(op, BandedExponential if mu[1] == 0.0 else DenseOperator)
    assert np.array_equal(op.matrix, E)
    assert prob.linear.expm_uses_half(h) == (s >= 1)
    if s >= 1:
        half = prob.linear.expm(h / 2).squared()
        assert np.array_equal(half.matrix, E)
        if mu[1] == 0.0:
            assert half.band == op.band and np.array_equal(half.complex_matrix(), op.complex_matrix())
        if modes.symmetric is None:
            half = modes.expm(h / 2)
            assert np.array_equal(E, half @ half)


@pytest.mark.parametrize("fraction", [1e-4, 0.1, 1.0])
def test_taylor_polynomial_twins_agree_with_scipy(fraction):
    """penta_taylor_eye: the banded Taylor polynomial of the base, ||hB||_1 up to the
    base norm of HermiteModes.expm (numba skips the zeros outside the growing band, NumPy
    does not)."""
    from cgle.problem.hermite_modes import MODAL_BASE_NORM

    modes = hermite(48, [0.2, 0.03, -0.01], "1-0.5j", "0.7+0.4j").linear.modes
    modes.form()
    h = fraction * MODAL_BASE_NORM / modes.norm
    m, s = modes.action_plan(h)
    assert s == 1
    eta = complex(np.exp(h * modes.shift))
    ref = scipy.linalg.expm(h * modes.matrix())
    outs = []
    for k in (kernels_numba, kernels_numpy):
        work = [np.empty((48, 48), dtype=complex) for _ in range(3)]
        outs.append(k.penta_taylor_eye(modes.shifted, h, m, eta, *work).copy())
        assert np.linalg.norm(outs[-1] - ref) <= 1e-14 * np.linalg.norm(ref)
    assert np.linalg.norm(outs[0] - outs[1]) <= 1e-15 * np.linalg.norm(ref)


def test_numpy_kernels_keep_the_dense_matrix_exponential():
    from cgle.problem import kernels, matrix_functions

    prob = hermite(64, [0.34, 0.0, -0.005])
    try:
        kernels.use("numpy")
        assert np.array_equal(prob.linear.expm(0.3).matrix, matrix_functions.expm(0.3 * prob.L))
    finally:
        kernels.use("numba")


@pytest.mark.parametrize("n", [4, 7, 64, 101])
def test_products_with_p_by_parity_equal_the_plain_product(n):
    """The nodes are symmetric to the bit, so P M splits into even and odd functions."""
    prob = hermite(n, [0.3, 0.0, -0.01], scale=1.0)
    modes = prob.linear.modes
    modes.form()
    np.testing.assert_array_equal(prob.x, -prob.x[::-1])
    rng = np.random.default_rng(n)
    M = rng.standard_normal((n, 3 * n)) + 1j * rng.standard_normal((n, 3 * n))
    direct = modes.P @ M
    assert np.abs(modes._p_times(M) - direct).max() <= 1e-14 * np.abs(direct).max()


def test_nodes_that_are_not_symmetric_take_the_plain_product():
    prob = hermite(12, [0.3, 0.0, -0.01], scale=1.0)
    x = prob.x.copy()
    x[0] *= 1 + 1e-12
    modes = HermiteModes(x, prob.weights, 1.0, 1.0, 1.0, [0.3, 0.0, -0.01])
    modes.form()
    rng = np.random.default_rng(2)
    M = rng.standard_normal((12, 4)) + 1j * rng.standard_normal((12, 4))
    np.testing.assert_allclose(modes._p_times(M), modes.P @ M, rtol=1e-14, atol=1e-15)
    # an even mu, but no node pairing: no symmetric form, the exponential squares on the nodes
    assert modes.symmetric is None
    np.testing.assert_array_equal(modes.expm(0.3), modes.expm(0.3, symmetric=False))
