"""exp(hL) on its band in Hermite functions (cgle.problem.hermite_banded): the kernels
against their NumPy twins and dense products, the cut of the band against its own bound,
applications against the matrix on the nodes and scipy.linalg.expm, and the step
ladder's bit-for-bit squares."""

import numpy as np
import pytest
import scipy.linalg

from cgle.problem import hermite_banded, kernels, kernels_numba, kernels_numpy
from cgle.problem.hermite_banded import UNIT_ROUNDOFF, BandedExponential, kept_band, product_bound
from test_hermite_modes import hermite
from test_hermite_symmetric import EVEN

BACKENDS = (kernels_numba, kernels_numpy)


@pytest.fixture(autouse=True)
def _numba():
    """The banded exponential is the numba backend's route."""
    before = kernels.backend()
    kernels.use("numba")
    yield
    kernels.use(before or "numba")


def random_banded(n, b, seed=0, decay=0.7):
    """A complex symmetric matrix of band b, entries decaying away from the diagonal, as
    [Re, Im]."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    k = np.arange(n)
    d = np.abs(k[:, None] - k[None, :])
    M = np.where(d <= b, M * decay**d, 0.0)
    M = M + M.T
    return M, np.stack([M.real, M.imag])


def band_of(M):
    """The largest |i - j| with M[i, j] != 0."""
    i, j = np.nonzero(M)
    return int(np.max(np.abs(i - j))) if i.size else 0


@pytest.mark.parametrize("n, b, w", [(9, 2, 4), (40, 6, 9), (41, 12, 24), (64, 63, 63)])
def test_banded_square_twins_agree_with_the_dense_product_on_the_band(n, b, w):
    M, S = random_banded(n, b)
    ref = M @ M.T
    k = np.arange(n)
    inside = np.abs(k[:, None] - k[None, :]) <= w
    # entries of S outside its band are not read, those of out outside w not written
    S[:, ~(np.abs(k[:, None] - k[None, :]) <= b)] = np.nan
    for kern in BACKENDS:
        out = np.full((2, n, n), np.inf)
        kern.banded_square_sym(S, b, w, out)
        assert np.all(np.isinf(out[:, ~inside]))
        P = np.where(inside, out[0], 0.0) + 1j * np.where(inside, out[1], 0.0)
        np.testing.assert_array_equal(P, P.T)
        assert np.abs(P - np.where(inside, ref, 0.0)).max() <= 4 * n * UNIT_ROUNDOFF * (np.abs(M) @ np.abs(M)).max()
        profile = kern.band_maxima(np.stack([P.real, P.imag]), w, np.empty(w + 1))
        np.testing.assert_allclose(profile, [np.abs(np.diagonal(P, d)).max() for d in range(w + 1)], rtol=1e-15)


def test_the_product_bound_holds_and_is_attained_by_nonnegative_toeplitz_matrices():
    """|S^2[i, i + k]| <= T(k); for a symmetric Toeplitz S with nonnegative entries the
    rows far from the edges attain it."""
    M, S = random_banded(60, 5, seed=1)
    profile = kernels.band_maxima(S, 5, np.empty(6))
    T = product_bound(profile)
    P = M @ M
    for k in range(11):
        assert np.abs(np.diagonal(P, k)).max() <= T[k] * (1 + 1e-14)
    a = 0.5 ** np.arange(6)
    toeplitz = scipy.linalg.toeplitz(np.concatenate([a, np.zeros(54)]))
    T = product_bound(a)
    square = toeplitz @ toeplitz
    np.testing.assert_allclose([square[30, 30 + k] for k in range(11)], T, rtol=1e-14)


def test_kept_band_drops_no_more_than_the_rounding_per_side():
    profile = np.array([1.0, 1e-3, 1e-9, 1e-16, 1e-17, 2e-18, 0.0])
    b = kept_band(profile)
    # 1e-17 + 2e-18 <= 2^-53 ~ 1.1e-16, adding 1e-16 would not be
    assert b == 3
    assert profile[b + 1:].sum() <= UNIT_ROUNDOFF * profile.max() < profile[b:].sum()
    # what was already dropped counts
    assert kept_band(profile, dropped=1e-16) == 4
    assert kept_band(np.zeros(4)) == 0


@pytest.mark.parametrize("n", [40, 101, 220])
def test_modal_apply_twins_agree_with_the_matrix_on_the_nodes(n):
    """F^{-1} (y + (b/2) G (S - I) G^T y) on any symmetric banded S equals the nodal
    matrix F^{-1} Z F built by the congruence and the nodal pass."""
    modes = hermite(n, [0.1, 0.0, -0.02], "0.5", "1", 0.8).linear.modes
    modes.form()
    form = modes.symmetric
    b = min(15, n - 1)
    M, S = random_banded(n, b, seed=n)
    M = np.eye(n) + 0.1 * M
    S = np.stack([M.real, M.imag])
    E = BandedExponential(S, b, modes)
    X = E.matrix
    rng = np.random.default_rng(2)
    v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    ref = X @ v
    for kern in BACKENDS:
        out = kern.banded_modal_apply(S, b, form.GeT, form.GoT, form.Ge, form.Go, form._s, form._mid, 0.5 * form._b,
                                      v, np.empty(n, dtype=complex), np.empty((8, n)))
        # normwise: |error| <= tol ||X||_inf ||v||_inf
        assert np.abs(out - ref).max() <= 1e-13 * np.linalg.norm(X, np.inf) * np.abs(v).max()


@pytest.mark.parametrize("n, mu, nu, gamma, scale", EVEN)
@pytest.mark.parametrize("h", [1e-3, 0.05, 1.0, 20.0])
def test_banded_exponential_matches_scipy_applies_as_its_matrix_and_squares_exactly(n, mu, nu, gamma, scale, h):
    prob = hermite(n, mu, nu, gamma, scale)
    E = prob.linear.expm(h)
    assert isinstance(E, BandedExponential)
    ref = scipy.linalg.expm(h * prob.L)
    assert np.linalg.norm(E.matrix - ref, 1) <= 5e-13 * np.linalg.norm(ref, 1)
    rng = np.random.default_rng(5)
    v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    out = E.apply(v, np.empty_like(v))
    assert np.abs(out - ref @ v).max() <= 5e-13 * np.linalg.norm(ref, np.inf) * np.abs(v).max()
    # moved to the nodes: the dense product, bit for bit
    E.to_nodal()
    assert E.cost == 1.0
    np.testing.assert_array_equal(E.apply(v, np.empty_like(v)), E.matrix @ v)
    if prob.linear.expm_uses_half(h):
        square = prob.linear.expm(h / 2).squared()
        assert square.band == E.band
        np.testing.assert_array_equal(square.complex_matrix(), E.complex_matrix())


@pytest.mark.parametrize("h", [0.01, 0.3, 2.0])
def test_each_squaring_cuts_within_its_bound(h):
    """The band kept after a squaring drops, per side of the diagonal, at most 2^-53 of
    the largest entry of the exact square of the operand."""
    prob = hermite(220, [0.34, 0.0, -0.005])
    E = prob.linear.expm(h)
    square = E.squared()
    M = E.complex_matrix()
    exact = M @ M.T
    P = square.complex_matrix()
    assert band_of(P) <= square.band < 219
    assert np.abs(P - exact).max() <= 2 * UNIT_ROUNDOFF * np.abs(exact).max() + 220 * UNIT_ROUNDOFF * (
        np.abs(M) @ np.abs(M)).max()
    dropped = [np.abs(exact[i, i + square.band + 1:]).sum() for i in range(220 - square.band - 1)]
    assert max(dropped) <= 2 * UNIT_ROUNDOFF * np.abs(exact).max()


def test_a_band_too_wide_for_the_kernel_is_squared_dense():
    """Where the banded kernel would cost more than zsyrk (BANDED_MAC_IN_DENSE) the
    square is taken dense and cut by the same rule: a near-full band at N = 40 and
    h = 5; a narrow one at h = 1e-3 stays with the kernel. Either way the square to
    rounding."""
    prob = hermite(40, [0.3], "1+1j", "1-0.2j", 1.3)
    original = kernels.banded_square_sym
    for h, dense in ((5.0, True), (1e-3, False)):
        E = prob.linear.expm(h)
        calls = []

        def spy(*args):
            calls.append(args[1:3])
            return original(*args)

        kernels.banded_square_sym = spy
        try:
            square = E.squared()
        finally:
            kernels.banded_square_sym = original
        assert (calls == []) is dense
        assert (E.band >= 30) is dense
        M = E.complex_matrix()
        np.testing.assert_allclose(square.complex_matrix(), M @ M.T, rtol=0, atol=1e-14 * np.abs(M @ M.T).max())
