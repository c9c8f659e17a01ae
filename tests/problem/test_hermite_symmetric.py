"""The complex symmetric form of exp(hL) on Hermite nodes (cgle.problem.hermite_symmetric):
C = D^{-1} B D symmetric exactly for an even mu, G = F P D real and parity block
diagonal with G^{-1} = (b / 2) G^T, and exp(hL) through Z against scipy.linalg.expm."""

import numpy as np
import pytest
import scipy.linalg

from cgle.problem import hermite_symmetric, kernels, kernels_numba, kernels_numpy
from cgle.problem.hermite_modes import banded_matrix
from test_hermite_modes import hermite


EVEN = [
    (220, [0.34, 0.0, -0.005], "2+0.2j", "1-1j", "auto"),  # the forum problem
    (101, [0.1, 0.0, -0.02], "0.5", "1", 0.8),  # odd N (a middle node), real coefficients
    (40, [0.3], "1+1j", "1-0.2j", 1.3),  # constant mu
]


def phases(n):
    """i^k, k = 0..n-1, exactly."""
    return np.array([1, 1j, -1, -1j])[np.arange(n) % 4]


def node_pairing(n, weights):
    """F of the module docstring as a dense matrix (rows: even combinations, then odd)."""
    h, he = n // 2, n // 2 + n % 2
    s = np.sqrt(weights)
    F = np.zeros((n, n), dtype=complex)
    for j in range(h):
        F[j, j], F[j, n - 1 - j] = s[j], s[j]
        F[he + j, j], F[he + j, n - 1 - j] = 1j * s[j], -1j * s[j]
    if n % 2:
        F[h, h] = np.sqrt(2.0) * s[h]
    return F


@pytest.mark.parametrize("n, mu, nu, gamma, scale", EVEN)
def test_the_operator_is_complex_symmetric_after_the_phases_i_to_the_k(n, mu, nu, gamma, scale):
    modes = hermite(n, mu, nu, gamma, scale).linear.modes
    modes.form()
    assert modes.symmetric is not None
    C = banded_matrix(modes._cbands)
    np.testing.assert_array_equal(C, C.T)
    d = phases(n)
    B = banded_matrix(modes.shifted)
    # B = D C D^{-1}, entrywise B_kl = i^k C_kl i^-l (products with +-1, +-i: exact)
    np.testing.assert_array_equal(d[:, None] * C * d.conj()[None, :], B)


def test_a_linear_term_in_mu_has_no_symmetric_form():
    modes = hermite(64, [0.2, 0.03, -0.01], "1-0.5j", "0.7+0.4j").linear.modes
    modes.form()
    assert modes.symmetric is None
    assert hermite_symmetric.symmetric_bands(modes.bands) is None


@pytest.mark.parametrize("n, mu, nu, gamma, scale", EVEN)
def test_g_is_real_parity_block_diagonal_and_orthogonal_up_to_b_over_2(n, mu, nu, gamma, scale):
    prob = hermite(n, mu, nu, gamma, scale)
    modes = prob.linear.modes
    modes.form()
    form, b = modes.symmetric, modes._b
    G = node_pairing(n, prob.weights) @ (modes.P * phases(n))
    he = n // 2 + n % 2
    # rows: even combinations, then odd; columns reordered: even k, then odd k
    Gp = G[:, np.r_[0:n:2, 1:n:2]]
    # zero up to the rounding of the dense complex product that builds G here
    scale = np.abs(Gp).max()
    assert np.abs(Gp.imag).max() <= 1e-15 * scale
    assert np.abs(Gp[:he, he:]).max() <= 1e-15 * scale and np.abs(Gp[he:, :he]).max() <= 1e-15 * scale
    np.testing.assert_allclose(Gp[:he, :he].real, form.Ge, rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(Gp[he:, he:].real, form.Go, rtol=1e-15, atol=1e-300)
    # G^{-1} = (b / 2) G^T
    np.testing.assert_allclose(0.5 * b * (G @ G.T), np.eye(n), rtol=0, atol=5e-13)


@pytest.mark.parametrize("n, mu, nu, gamma, scale", EVEN)
def test_symmetric_form_round_trip_is_the_change_of_basis(n, mu, nu, gamma, scale):
    """nodal(from_modes(S)) = I + P D (S - I) D^{-1} P^{-1} for a symmetric S, and Z is
    symmetric exactly."""
    modes = hermite(n, mu, nu, gamma, scale).linear.modes
    modes.form()
    rng = np.random.default_rng(n)
    S = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    S = S + S.T
    Z = modes.symmetric.from_modes(S)
    np.testing.assert_array_equal(Z, Z.T)
    d = phases(n)
    ref = np.eye(n) + (modes.P * d) @ (S - np.eye(n)) @ (d.conj()[:, None] * modes.Pinv)
    X = modes.symmetric.nodal(Z)
    assert np.abs(X - ref).max() <= 1e-13 * np.abs(ref).max()


@pytest.mark.parametrize("fraction", [1e-4, 0.1, 1.0])
def test_symmetric_taylor_polynomial_twins_agree_with_scipy(fraction):
    from cgle.problem.hermite_modes import MODAL_BASE_NORM

    modes = hermite(101, [0.1, 0.0, -0.02], "0.5", "1", 0.8).linear.modes
    modes.form()
    n = modes.n
    h = fraction * MODAL_BASE_NORM / modes.norm
    m, s = modes.action_plan(h)
    assert s == 1
    eta = complex(np.exp(h * modes.shift))
    ref = eta * scipy.linalg.expm(h * banded_matrix(modes._cbands))
    outs = []
    for k in (kernels_numba, kernels_numpy):
        work = [np.empty((n, n), dtype=complex) for _ in range(3)]
        out = k.penta_taylor_eye_sym(modes._cbands, h, m, eta, *work).copy()
        np.testing.assert_array_equal(out, out.T)
        assert np.linalg.norm(out - ref) <= 1e-14 * np.linalg.norm(ref)
        outs.append(out)
    assert np.linalg.norm(outs[0] - outs[1]) <= 1e-15 * np.linalg.norm(ref)


@pytest.mark.parametrize("n, mu, nu, gamma, scale", EVEN)
@pytest.mark.parametrize("h", [1e-8, 0.05, 1.0, 20.0])
def test_exponential_through_the_symmetric_form_matches_scipy_and_squares_exactly(n, mu, nu, gamma, scale, h):
    prob = hermite(n, mu, nu, gamma, scale)
    kernels.use("numba")
    op = prob.linear.expm(h)
    S = op.complex_matrix()
    np.testing.assert_array_equal(S, S.T)
    ref = scipy.linalg.expm(h * prob.L)
    # the transforms, and rounding growing with the squarings (10 at h = 20, N = 220)
    tol = 2e-14 if h <= 1e-3 else 5e-13
    assert np.linalg.norm(op.matrix - ref, 1) <= tol * np.linalg.norm(ref, 1)
    # the plain route (squarings on the nodes) computes the same matrix
    plain = prob.linear.modes.expm(h, symmetric=False)
    assert np.linalg.norm(op.matrix - plain, 1) <= tol * np.linalg.norm(ref, 1)
    if prob.linear.expm_uses_half(h):
        square = prob.linear.expm(h / 2).squared()
        assert square.band == op.band
        np.testing.assert_array_equal(square.complex_matrix(), S)
        np.testing.assert_array_equal(square.matrix, op.matrix)


def test_squaring_costs_less_in_the_symmetric_form():
    """The cost model prices the rank-k update and the way back to the nodes below a
    product; an operator without the symmetric form keeps the product's price."""
    from cgle.problem.expm_action import product_in_matvecs

    kernels.use("numba")
    even = hermite(220, [0.34, 0.0, -0.005]).linear
    odd = hermite(220, [0.34, 0.01, -0.005]).linear
    product = product_in_matvecs(220)
    expected = (hermite_symmetric.SQUARING_IN_PRODUCTS + hermite_symmetric.NODAL_IN_PRODUCTS) * product
    assert even.squaring_cost() == pytest.approx(expected) and expected < product
    assert odd.squaring_cost() == pytest.approx(product)


@pytest.mark.parametrize("n", [40, 101])
def test_nodal_twins_agree(n):
    prob = hermite(n, [0.1, 0.0, -0.02], "0.5", "1", 0.8)
    modes = prob.linear.modes
    modes.form()
    form = modes.symmetric
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    Z = Z + Z.T
    F = node_pairing(n, prob.weights)
    ref = np.linalg.solve(F, Z @ F)
    for k in (kernels_numba, kernels_numpy):
        X = k.symmetric_nodal(Z, form._s, form._mid, np.empty_like(Z))
        assert np.abs(X - ref).max() <= 1e-13 * np.abs(ref).max()
