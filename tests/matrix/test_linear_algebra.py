"""cgle.matrix against closed forms, exact identities, exact enumeration and scipy."""

import itertools
from fractions import Fraction
from math import comb

import numpy as np
import pytest
import scipy.linalg

from cgle import matrix


def readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def exact_det(M):
    """Exact determinant, via the last leading minor."""
    return matrix.leading_minors(np.array(M, dtype=object), exact=True)[-1]


def fraction_array(rows):
    return np.array([[Fraction(v) for v in row] for row in rows], dtype=object)


# ------------------------------------------------------------------ adjugate


def test_adjugate_2x2_closed_form():
    rng = np.random.default_rng(1)
    a, b, c, d = rng.normal(size=4)
    A = readonly([[a, b], [c, d]])
    np.testing.assert_allclose(matrix.adjugate(A), [[d, -b], [-c, a]], rtol=1e-14, atol=1e-15)


def test_adjugate_3x3_closed_form():
    rng = np.random.default_rng(2)
    A = readonly(rng.normal(size=(3, 3)))
    (a, b, c), (d, e, f), (g, h, i) = A
    expected = [
        [e * i - f * h, -(b * i - c * h), b * f - c * e],
        [-(d * i - f * g), a * i - c * g, -(a * f - c * d)],
        [d * h - e * g, -(a * h - b * g), a * e - b * d],
    ]
    np.testing.assert_allclose(matrix.adjugate(A), expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("n", [1, 2, 5, 12])
@pytest.mark.parametrize("dtype", [float, complex])
def test_adjugate_identity_det(n, dtype):
    rng = np.random.default_rng(n)
    A = rng.normal(size=(n, n))
    if dtype is complex:
        A = A + 1j * rng.normal(size=(n, n))
    A = readonly(A)
    adj = matrix.adjugate(A)
    det = np.linalg.det(A)
    scale = np.abs(det) + np.linalg.norm(adj) * np.linalg.norm(A) * 1e-15
    np.testing.assert_allclose(A @ adj, det * np.eye(n), atol=1e-12 * scale)
    np.testing.assert_allclose(adj @ A, det * np.eye(n), atol=1e-12 * scale)


def test_adjugate_of_1x1_is_one():
    assert matrix.adjugate([[7.0]])[0, 0] == 1.0
    assert matrix.adjugate(np.array([[Fraction(3, 4)]], dtype=object))[0, 0] == 1


def test_adjugate_singular_closed_form():
    A = readonly([[1, 2], [2, 4]])
    np.testing.assert_allclose(matrix.adjugate(A), [[4, -2], [-2, 1]], atol=1e-14)
    exact = matrix.adjugate(A, exact=True)
    assert exact.tolist() == [[4, -2], [-2, 1]]
    # rank n - 2: every (n-1)-minor vanishes, so the adjugate is zero
    B = readonly([[1, 2, 3], [2, 4, 6], [3, 6, 9]])
    assert matrix.adjugate(B, exact=True).tolist() == [[0] * 3] * 3
    np.testing.assert_allclose(matrix.adjugate(B), 0, atol=1e-13)


def test_adjugate_singular_rank_one_deficient_float_matches_exact():
    # integer matrix of rank n - 1: float SVD path vs exact Faddeev-LeVerrier path
    rng = np.random.default_rng(3)
    n = 6
    A = rng.integers(-4, 5, size=(n, n))
    A[-1] = A[0] + 2 * A[1] - A[2]
    assert exact_det(A) == 0
    exact = matrix.adjugate(A, exact=True)
    assert np.any(exact != 0)
    # A adj(A) = 0 exactly
    assert np.all(np.array(A, dtype=object).dot(exact) == 0)
    approx = matrix.adjugate(readonly(A.astype(float)))
    ref = exact.astype(float)
    np.testing.assert_allclose(approx, ref, atol=1e-10 * np.max(np.abs(ref)))


def test_adjugate_near_singular_float_accurate():
    # A = U diag(s) V^T with s_min = 1e-14: det * inv loses everything, the SVD path does not
    rng = np.random.default_rng(4)
    n = 5
    U = np.linalg.qr(rng.normal(size=(n, n)))[0]
    V = np.linalg.qr(rng.normal(size=(n, n)))[0]
    A = readonly(U @ np.diag([3.0, 2.0, 1.0, 0.5, 1e-14]) @ V.T)
    exact = matrix.adjugate(A, exact=True).astype(float)  # exact adjugate of the stored floats
    np.testing.assert_allclose(matrix.adjugate(A), exact, atol=1e-12 * np.max(np.abs(exact)))


def test_adjugate_of_product_reverses():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(4, 4))
    B = rng.normal(size=(4, 4))
    np.testing.assert_allclose(
        matrix.adjugate(A @ B), matrix.adjugate(B) @ matrix.adjugate(A), rtol=1e-11, atol=1e-11
    )
    # exactly, with both factors singular
    Ai = rng.integers(-3, 4, size=(4, 4))
    Bi = rng.integers(-3, 4, size=(4, 4))
    Ai[3] = Ai[0] - Ai[1]
    Bi[:, 2] = 2 * Bi[:, 0]
    prod = np.array(Ai, dtype=object).dot(np.array(Bi, dtype=object))
    lhs = matrix.adjugate(prod, exact=True)
    rhs = matrix.adjugate(Bi, exact=True).dot(matrix.adjugate(Ai, exact=True))
    assert np.all(lhs == rhs)


@pytest.mark.parametrize("seed", range(5))
def test_exact_adjugate_identity_random_rationals(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    A = np.empty((n, n), dtype=object)
    for i, j in itertools.product(range(n), repeat=2):
        A[i, j] = Fraction(int(rng.integers(-5, 6)), int(rng.integers(1, 4)))
    A.setflags(write=False)
    adj = matrix.adjugate(A)
    det = exact_det(A)
    eye = np.array([[int(i == j) for j in range(n)] for i in range(n)], dtype=object)
    assert np.all(A.dot(adj) == det * eye)
    assert np.all(adj.dot(A) == det * eye)


def test_cofactor_matrix_by_definition():
    rng = np.random.default_rng(6)
    A = readonly(rng.normal(size=(4, 4)))
    C = np.empty((4, 4))
    for i, j in itertools.product(range(4), repeat=2):
        minor = np.delete(np.delete(A, i, axis=0), j, axis=1)
        C[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    np.testing.assert_allclose(matrix.cofactor_matrix(A), C, rtol=1e-12, atol=1e-13)
    Ai = np.arange(16).reshape(4, 4) ** 2 % 7
    assert np.all(matrix.cofactor_matrix(Ai, exact=True) == matrix.adjugate(Ai, exact=True).T)


# ------------------------------------------------------------------ Cramer


@pytest.mark.parametrize("n", range(1, 13))
def test_hilbert_inverse_exact(n):
    H = np.array([[Fraction(1, i + j + 1) for j in range(n)] for i in range(n)], dtype=object)
    H.setflags(write=False)
    inv = matrix.cramer_inverse(H)
    # closed form (1-based): (-1)^(i+j) (i+j-1) C(n+i-1, n-j) C(n+j-1, n-i) C(i+j-2, i-1)^2
    # (scipy.linalg.invhilb, which computed this, was removed in scipy 1.17)
    def ref(i, j):
        return ((-1) ** (i + j) * (i + j - 1) * comb(n + i - 1, n - j) * comb(n + j - 1, n - i)
                * comb(i + j - 2, i - 1) ** 2)
    assert all(inv[i, j] == ref(i + 1, j + 1) for i in range(n) for j in range(n))
    assert all(v.denominator == 1 for v in inv.ravel())


def test_cramer_inverse_float_matches_numpy():
    rng = np.random.default_rng(7)
    A = readonly(rng.normal(size=(6, 6)) + 1j * rng.normal(size=(6, 6)))
    np.testing.assert_allclose(matrix.cramer_inverse(A), np.linalg.inv(A), rtol=1e-12)


def test_cramer_solve_exact_is_cramers_rule():
    rng = np.random.default_rng(8)
    n = 5
    A = rng.integers(-6, 7, size=(n, n))
    b = rng.integers(-6, 7, size=n)
    A.setflags(write=False)
    b.setflags(write=False)
    x = matrix.cramer_solve(A, b, exact=True)
    det = exact_det(A)
    for i in range(n):
        Ai = A.copy()
        Ai[:, i] = b
        assert x[i] == exact_det(Ai) / det


def test_cramer_solve_float_matches_scipy():
    rng = np.random.default_rng(9)
    A = readonly(rng.normal(size=(7, 7)))
    b = readonly(rng.normal(size=(7, 3)))
    np.testing.assert_allclose(matrix.cramer_solve(A, b), scipy.linalg.solve(A, b), rtol=1e-12)
    b1 = readonly(rng.normal(size=7) + 1j * rng.normal(size=7))
    np.testing.assert_allclose(matrix.cramer_solve(A, b1), scipy.linalg.solve(A, b1), rtol=1e-12)


def test_cramer_singular_raises():
    S = [[1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(np.linalg.LinAlgError, match="A must be nonsingular"):
        matrix.cramer_inverse(S)
    with pytest.raises(np.linalg.LinAlgError, match="A must be nonsingular"):
        matrix.cramer_solve(S, [1.0, 2.0])
    with pytest.raises(np.linalg.LinAlgError, match="exactly"):
        matrix.cramer_inverse(S, exact=True)


# --------------------------------------------------------- minors, definiteness


@pytest.mark.parametrize("exact", [False, True])
def test_leading_minors_tridiagonal(exact):
    n = 9
    T = 2 * np.eye(n, dtype=int) - np.eye(n, k=1, dtype=int) - np.eye(n, k=-1, dtype=int)
    T.setflags(write=False)
    minors = matrix.leading_minors(T, exact=exact)
    if exact:
        assert minors.tolist() == list(range(2, n + 2))
    else:
        np.testing.assert_allclose(minors, np.arange(2, n + 2), rtol=1e-13)


def test_leading_minors_survive_a_zero_minor():
    # D_1 = 0 but D_2 = -1, D_3 = -1: an unpivoted LU would break down
    A = readonly([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert matrix.leading_minors(A, exact=True).tolist() == [0, -1, -1]
    np.testing.assert_allclose(matrix.leading_minors(A), [0, -1, -1], atol=1e-15)


@pytest.mark.parametrize("exact", [False, True])
def test_semidefinite_counterexample_zero_leading_minors(exact):
    A = readonly([[0, 0], [0, -1]])
    assert matrix.leading_minors(A, exact=exact).tolist() == [0, 0]
    rep = matrix.is_positive_definite(A, semidefinite=True, exact=exact)
    assert not rep
    assert rep.failing_minor == (1,)
    assert rep.minor_value == -1
    assert not matrix.is_positive_definite(A, exact=exact)


@pytest.mark.parametrize("exact", [False, True])
def test_nonsymmetric_counterexample_uses_symmetric_part(exact):
    A = readonly([[1, 0], [5, 1]])
    assert list(matrix.leading_minors(A, exact=exact)) == [1, 1]
    rep = matrix.is_positive_definite(A, exact=exact)
    assert not rep
    # first failing leading minor of the symmetric part [[1, 5/2], [5/2, 1]]: 1 - 25/4
    assert rep.failing_minor == (0, 1)
    assert rep.minor_value == pytest.approx(-21 / 4, rel=1e-14)
    x = np.array([1.0, -1.0])
    assert x @ np.asarray(A, float) @ x < 0
    assert not matrix.is_positive_definite(A, semidefinite=True, exact=exact)


@pytest.mark.parametrize("exact", [False, True])
def test_definite_and_semidefinite_gram_matrices(exact):
    rng = np.random.default_rng(10)
    B = rng.integers(-3, 4, size=(5, 3))
    G = B @ B.T  # rank 3 < 5: semidefinite, not definite
    P = B.T @ B + np.eye(3, dtype=G.dtype)
    for M in (G, P):
        M.setflags(write=False)
    assert matrix.is_positive_definite(P, exact=exact)
    assert matrix.is_positive_definite(P, semidefinite=True, exact=exact)
    assert matrix.is_positive_definite(G, semidefinite=True, exact=exact)
    rep = matrix.is_positive_definite(G, exact=exact)
    assert not rep and rep.failing_minor is not None
    k = len(rep.failing_minor)
    assert rep.failing_minor == tuple(range(k))
    assert rep.minor_value == pytest.approx(0, abs=1e-9)


def test_exact_semidefinite_failing_minor_is_a_certificate():
    rng = np.random.default_rng(11)
    found = 0
    for _ in range(40):
        B = rng.integers(-3, 4, size=(4, 2))
        A = B @ B.T - np.diag(rng.integers(0, 2, size=4))  # PSD rank 2, minus a 0/1 diagonal
        eig = np.linalg.eigvalsh(A.astype(float))
        rep = matrix.is_positive_definite(A, semidefinite=True, exact=True)
        if abs(eig[0]) > 1e-9:
            assert bool(rep) == (eig[0] > 0)
        if not rep:
            found += 1
            idx = list(rep.failing_minor)
            sub = A[np.ix_(idx, idx)]
            assert rep.minor_value == exact_det(sub) < 0
    assert found > 5


def test_hermitian_part_of_complex_matrix():
    # A = H + K with H Hermitian PD and K skew-Hermitian: Re(x^H A x) = x^H H x > 0
    rng = np.random.default_rng(12)
    Z = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    H = Z @ Z.conj().T + np.eye(4)
    K = Z - Z.conj().T
    rep = matrix.is_positive_definite(readonly(H + K))
    assert rep and rep.min_eigenvalue == pytest.approx(np.linalg.eigvalsh(H)[0], rel=1e-12)
    assert not matrix.is_positive_definite(readonly(K - 0.1 * np.eye(4)))


# --------------------------------------------------------------- quadratic forms


def test_quadform_mean_exact_enumeration_pm1():
    rng = np.random.default_rng(13)
    M = 6
    W = readonly(rng.normal(size=(M, M)))
    values = [x @ W @ x for x in itertools.product([-1.0, 1.0], repeat=M)]
    mean = matrix.quadform_mean(W, readonly(np.zeros(M)), readonly(np.eye(M)))
    assert mean == pytest.approx(np.mean(values), rel=1e-13)
    assert mean == pytest.approx(np.trace(W), rel=1e-13)


def test_quadform_moments_exact_enumeration_two_point():
    # x_i = mu_i +- sigma_i, independent: mean and variance by enumerating all 2^M points
    rng = np.random.default_rng(14)
    M = 5
    W = readonly(rng.normal(size=(M, M)))
    mu = readonly(rng.normal(size=M))
    sd = rng.uniform(0.5, 2.0, size=M)
    cov = readonly(np.diag(sd**2))
    q = np.array([(mu + sd * e) @ W @ (mu + sd * e) for e in itertools.product([-1, 1], repeat=M)])
    assert matrix.quadform_mean(W, mu, cov) == pytest.approx(q.mean(), rel=1e-12)
    assert matrix.quadform_var(W, mu, cov, dist="rademacher") == pytest.approx(q.var(), rel=1e-12)


def test_quadform_var_rademacher_plain_formula():
    rng = np.random.default_rng(15)
    M = 7
    W = rng.normal(size=(M, M))
    Ws = (W + W.T) / 2
    expected = 2 * (np.sum(Ws**2) - np.sum(np.diag(Ws) ** 2))
    got = matrix.quadform_var(readonly(W), np.zeros(M), np.eye(M), dist="rademacher")
    assert got == pytest.approx(expected, rel=1e-13)


def test_quadform_var_gaussian_scalar_closed_form():
    # x ~ N(mu, s^2): Var(w x^2) = w^2 (2 s^4 + 4 mu^2 s^2)
    w, mu, s = 1.7, -0.4, 1.3
    got = matrix.quadform_var([[w]], [mu], [[s * s]])
    assert got == pytest.approx(w * w * (2 * s**4 + 4 * mu**2 * s**2), rel=1e-14)


def test_quadform_var_gaussian_by_chi_square_decomposition():
    # x = mu + L z: Q = z^T K z + 2 (L^T W_s mu)^T z + c with K = L^T W_s L = U diag(k) U^T,
    # a sum of independent noncentral chi-squares: Var = 2 sum k^2 + 4 |L^T W_s mu|^2
    rng = np.random.default_rng(16)
    n = 5
    W = rng.normal(size=(n, n))
    Lc = rng.normal(size=(n, n))
    cov = Lc @ Lc.T
    mu = rng.normal(size=n)
    L = np.linalg.cholesky(cov)
    Ws = (W + W.T) / 2
    k = np.linalg.eigvalsh(L.T @ Ws @ L)
    g = L.T @ Ws @ mu
    expected = 2 * np.sum(k**2) + 4 * g @ g
    got = matrix.quadform_var(readonly(W), readonly(mu), readonly(cov))
    assert got == pytest.approx(expected, rel=1e-11)


def test_quadform_complex_w_is_sum_of_parts():
    rng = np.random.default_rng(17)
    n = 4
    A, B = rng.normal(size=(2, n, n))
    mu, cov = rng.normal(size=n), np.diag(rng.uniform(1, 2, size=n))
    for dist in ("gaussian", "rademacher"):
        whole = matrix.quadform_var(A + 1j * B, mu, cov, dist=dist)
        parts = matrix.quadform_var(A, mu, cov, dist=dist) + matrix.quadform_var(B, mu, cov, dist=dist)
        assert whole == pytest.approx(parts, rel=1e-14)
    m = matrix.quadform_mean(A + 1j * B, mu, cov)
    assert m == pytest.approx(matrix.quadform_mean(A, mu, cov) + 1j * matrix.quadform_mean(B, mu, cov))


# ------------------------------------------------------------------- Volterra


def forum_loop(a, w, M):
    r = np.zeros(len(a), dtype=np.result_type(a, w))
    for k in range(len(a)):
        for i in range(M):
            for j in range(i, M):
                if k - i >= 0 and k - j >= 0:
                    r[k] += w[i, j] * a[k - i] * a[k - j]
    return r


@pytest.mark.parametrize("M", [1, 3, 11])
def test_volterra2_response_matches_loop(M):
    rng = np.random.default_rng(M)
    a = readonly(rng.choice([-1.0, 1.0], size=40))
    w = readonly(rng.normal(size=(11, 11)))
    ref = forum_loop(a, w, M)
    np.testing.assert_allclose(matrix.volterra2_response(a, w, M), ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(
        matrix.volterra2_response(a, w, M, mode="valid"), ref[M - 1 :], rtol=1e-13, atol=1e-13
    )
    ac = readonly(rng.normal(size=20) + 1j * rng.normal(size=20))
    np.testing.assert_allclose(
        matrix.volterra2_response(ac, w, M), forum_loop(ac, w, M), rtol=1e-12, atol=1e-13
    )


def forum_packed_loop(a, w, M):
    """The forum's convention: y[n] = sum over i <= j of w_ij a[n-i] a[n-j], with the
    weights packed in itertools.combinations_with_replacement(range(M), 2) order."""
    y = np.zeros(len(a), dtype=np.result_type(a, w))
    for n in range(len(a)):
        for (i, j), wij in zip(itertools.combinations_with_replacement(range(M), 2), w):
            if n - i >= 0 and n - j >= 0:
                y[n] += wij * a[n - i] * a[n - j]
    return y


@pytest.mark.parametrize("M", [1, 2, 5, 9])
def test_volterra2_response_packed_weights_match_loop(M):
    rng = np.random.default_rng(40 + M)
    wp = readonly(rng.normal(size=M * (M + 1) // 2))
    for a in (readonly(rng.choice([-1.0, 1.0], size=30)), readonly(rng.normal(size=17) + 1j * rng.normal(size=17))):
        ref = forum_packed_loop(a, wp, M)
        np.testing.assert_allclose(matrix.volterra2_response(a, wp, M), ref, rtol=1e-12, atol=1e-13)
        if len(a) >= M:
            np.testing.assert_allclose(matrix.volterra2_response(a, wp, M, mode="valid"), ref[M - 1 :],
                                       rtol=1e-12, atol=1e-13)
    # the same kernel as a matrix: w_ij on the upper triangle, anything below it
    W = rng.normal(size=(M, M))
    W[np.triu_indices(M)] = wp
    a = rng.normal(size=12)
    np.testing.assert_allclose(matrix.volterra2_response(a, wp, M), matrix.volterra2_response(a, W, M), rtol=1e-13)
    np.testing.assert_allclose(matrix.volterra2_response(a, W, M), forum_loop(a, W, M), rtol=1e-12, atol=1e-13)
    assert matrix.volterra2_mean(wp, M) == pytest.approx(matrix.volterra2_mean(W, M), rel=1e-14)
    with pytest.raises(ValueError, match=r"w, a packed kernel .* length M \(M \+ 1\) / 2"):
        matrix.volterra2_response(a, np.ones(M * (M + 1) // 2 + 1), M)


def test_volterra2_mean_exact_enumeration():
    rng = np.random.default_rng(18)
    M = 8
    w = readonly(rng.normal(size=(M, M)))
    # one 'valid' output per input window: all 2^M windows equally likely
    outputs = [matrix.volterra2_response(np.array(s), w, M, mode="valid")[0]
               for s in itertools.product([-1.0, 1.0], repeat=M)]
    mean = matrix.volterra2_mean(w, M)
    assert mean == pytest.approx(np.mean(outputs), rel=1e-12)
    assert mean == pytest.approx(np.trace(w), rel=1e-14)
    assert abs(mean) > 0.1  # not zero, as the naive argument would have it


def test_volterra2_mean_biased_coin_exact_enumeration():
    rng = np.random.default_rng(19)
    M, p = 6, 0.3
    w = rng.normal(size=(M, M))
    total = 0.0
    for s in itertools.product([-1.0, 1.0], repeat=M):
        prob = np.prod([p if v > 0 else 1 - p for v in s])
        total += prob * matrix.volterra2_response(np.array(s), w, M, mode="valid")[0]
    got = matrix.volterra2_mean(w, M, input_mean=2 * p - 1, input_var=4 * p * (1 - p))
    assert got == pytest.approx(total, rel=1e-12)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: matrix.adjugate(np.ones((2, 3))), "A must be a square"),
        (lambda: matrix.adjugate([[1.0, np.nan], [0.0, 1.0]]), "A must have finite"),
        (lambda: matrix.adjugate(np.array([[1, "x"], [0, 1]], dtype=object)), r"A\[0, 1\]"),
        (lambda: matrix.adjugate([[1j, 0], [0, 1]], exact=True), r"A\[0, 0\]"),
        (lambda: matrix.cramer_solve(np.eye(3), np.ones(2)), "b must have shape"),
        (lambda: matrix.cramer_solve(np.eye(2), [np.inf, 1.0]), "b must have finite"),
        (lambda: matrix.leading_minors(np.ones(3)), "A must be a square"),
        (lambda: matrix.is_positive_definite(np.eye(2), semidefinite=True, tol=-1.0), "tol must"),
        (lambda: matrix.quadform_mean(np.eye(2), np.zeros(3), np.eye(2)), "mean must have shape"),
        (lambda: matrix.quadform_mean(np.eye(2), np.zeros(2), [[1, 2], [0, 1]]), "cov must be symmetric"),
        (lambda: matrix.quadform_mean(np.eye(2), np.zeros(2), [[1, 0], [0, -1]]), "positive semidefinite"),
        (lambda: matrix.quadform_var(np.eye(2), np.zeros(2), np.eye(2), dist="uniform"), "dist must be"),
        (lambda: matrix.quadform_var(np.eye(2), np.zeros(2), [[1, .5], [.5, 1]], dist="rademacher"),
         "cov must be diagonal"),
        (lambda: matrix.volterra2_response(np.ones(5), np.ones((3, 3)), 4), r"w must be a 2-D array"),
        (lambda: matrix.volterra2_response(np.ones(5), np.ones((3, 3)), 0), "M must be an integer"),
        (lambda: matrix.volterra2_response(np.ones(2), np.ones((3, 3)), 3, mode="valid"), "at least M"),
        (lambda: matrix.volterra2_response(np.ones(5), np.ones((3, 3)), 3, mode="same"), "mode must be"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
