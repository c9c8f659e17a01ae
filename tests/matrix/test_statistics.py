"""cgle.matrix against closed forms, exact identities and scipy / scikit-learn."""

import warnings

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import cdist, pdist, squareform

from cgle import matrix

METHODS = ["single", "complete", "average", "weighted", "ward", "centroid", "median"]


def readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


# ------------------------------------------------------------------ covariance


@pytest.mark.parametrize("ddof", [0, 1, 3])
def test_covariance_matches_numpy(ddof):
    rng = np.random.default_rng(0)
    X = readonly(rng.normal(size=(20, 4)) + 5)
    np.testing.assert_allclose(matrix.covariance(X, ddof=ddof), np.cov(X, rowvar=False, ddof=ddof),
                               rtol=1e-13)
    np.testing.assert_allclose(matrix.covariance(X.T, rowvar=True), np.cov(X.T), rtol=1e-13)
    Z = readonly(rng.normal(size=(15, 3)) + 1j * rng.normal(size=(15, 3)))
    C = matrix.covariance(Z)
    np.testing.assert_allclose(C, np.cov(Z, rowvar=False), rtol=1e-13)
    assert np.array_equal(C, C.conj().T)
    x = readonly(rng.normal(size=10))
    assert matrix.covariance(x)[0, 0] == pytest.approx(np.var(x, ddof=1), rel=1e-14)


@pytest.mark.parametrize("name, cls", [("ledoit-wolf", "LedoitWolf"), ("oas", "OAS")])
def test_shrinkage_matches_sklearn(name, cls):
    covmod = pytest.importorskip("sklearn.covariance")
    rng = np.random.default_rng(1)
    for m, n in [(30, 5), (10, 40)]:
        X = readonly(rng.normal(size=(m, n)) @ rng.normal(size=(n, n)) + 3)
        est = getattr(covmod, cls)().fit(X)
        np.testing.assert_allclose(matrix.covariance(X, ddof=0, shrinkage=name), est.covariance_,
                                   rtol=1e-12, atol=1e-14 * np.max(np.abs(est.covariance_)))
        _, info = matrix.mahalanobis(X, shrinkage=name, return_info=True)
        assert info.shrinkage == pytest.approx(est.shrinkage_, rel=1e-12)


def test_numeric_shrinkage_formula():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(12, 3))
    C = np.cov(X, rowvar=False)
    np.testing.assert_allclose(matrix.covariance(X, shrinkage=0.25),
                               0.75 * C + 0.25 * np.trace(C) / 3 * np.eye(3), rtol=1e-14)


# --------------------------------------------------------------------- cov2corr


def test_cov2corr_rank_one_is_exact_sign():
    rng = np.random.default_rng(3)
    for _ in range(20):
        s = rng.normal(size=8) * 10.0 ** rng.integers(-5, 5, size=8)
        R = matrix.cov2corr(readonly(np.outer(s, s)))
        assert np.array_equal(R, np.sign(np.outer(s, s)))


def test_cov2corr_diagonal_exact_and_bounded():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(5, 30)) * np.array([[1e-3], [1], [1e3], [7], [1]])
    C = np.cov(A)
    R = matrix.cov2corr(readonly(C))
    assert np.all(np.diag(R) == 1.0)
    assert np.all(np.abs(R) <= 1.0)
    np.testing.assert_allclose(R, np.corrcoef(A), rtol=1e-12, atol=1e-15)
    # complex rank one: |R_ij| = 1, clipped in modulus, phases kept
    v = rng.normal(size=6) + 1j * rng.normal(size=6)
    Rc = matrix.cov2corr(readonly(np.outer(v, v.conj())))
    assert np.all(np.abs(Rc) <= 1.0)
    assert np.all(np.diag(Rc) == 1.0)
    np.testing.assert_allclose(Rc, np.outer(v / abs(v), (v / abs(v)).conj()), atol=1e-15)


def test_cov2corr_bounded_where_naive_and_numpy_are_not():
    rng = np.random.default_rng(20)
    naive_over = numpy_over = 0
    for _ in range(100):
        x = rng.normal(size=7)
        C = readonly(np.cov(np.vstack([x, 3.1 * x + 1])))
        sd = np.sqrt(np.diag(C))
        naive_over += np.max(np.abs(C / np.outer(sd, sd))) > 1
        R = matrix.cov2corr(C)
        assert np.all(np.abs(R) <= 1) and np.all(np.diag(R) == 1)
        assert R[0, 1] == pytest.approx(1.0, abs=1e-14)
        z = rng.normal(size=5) + 1j * rng.normal(size=5)
        Zc = np.vstack([z, (0.7 - 1.3j) * z])
        numpy_over += np.max(np.abs(np.corrcoef(Zc))) > 1
        Rc = matrix.cov2corr(readonly(np.cov(Zc)))
        assert np.all(np.abs(Rc) <= 1) and np.all(np.diag(Rc) == 1)
        assert Rc[0, 1] == pytest.approx(np.conj(0.7 - 1.3j) / abs(0.7 - 1.3j), abs=1e-14)
    assert naive_over > 10 and numpy_over > 10  # the failure being guarded against is real


def test_cov2corr_zero_variance_policies():
    C = readonly([[4.0, 0.0, 2.0], [0.0, 0.0, 0.0], [2.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match=r"zero variance for variables \[1\]"):
        matrix.cov2corr(C)
    Rn = matrix.cov2corr(C, zero_variance="nan")
    assert np.all(np.isnan(Rn[1])) and np.all(np.isnan(Rn[:, 1]))
    assert Rn[0, 2] == 1.0 and Rn[0, 0] == 1.0
    Rz = matrix.cov2corr(C, zero_variance="zero")
    assert Rz.tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]


# ------------------------------------------------------------------ Mahalanobis


def test_mahalanobis_identity_is_euclidean_and_diagonal_is_standardized():
    rng = np.random.default_rng(5)
    XA, XB = readonly(rng.normal(size=(9, 4))), readonly(rng.normal(size=(6, 4)))
    np.testing.assert_allclose(matrix.mahalanobis(XA, XB, cov=np.eye(4)), cdist(XA, XB), rtol=1e-12)
    v = rng.uniform(0.1, 5, size=4)
    np.testing.assert_allclose(matrix.mahalanobis(XA, XB, cov=np.diag(v)),
                               cdist(XA, XB, "seuclidean", V=v), rtol=1e-12)


def test_mahalanobis_two_dimensional_closed_form():
    for rho in [-0.9, -0.3, 0.0, 0.5, 0.99]:
        cov = readonly([[1.0, rho], [rho, 1.0]])
        d2 = matrix.mahalanobis(readonly([[0.0, 0.0]]), readonly([[1.0, 0.0]]), cov=cov, squared=True)
        assert d2[0, 0] == pytest.approx(1.0 / (1.0 - rho**2), rel=1e-13)


@pytest.mark.parametrize("m, n", [(40, 5), (12, 3)])
def test_mahalanobis_matches_scipy(m, n):
    rng = np.random.default_rng(m)
    X = readonly(rng.normal(size=(m, n)) @ rng.normal(size=(n, n)) + 10)
    Y = readonly(rng.normal(size=(7, n)))
    VI = np.linalg.inv(np.cov(X, rowvar=False))
    D = matrix.mahalanobis(X)
    np.testing.assert_allclose(D, squareform(pdist(X, "mahalanobis", VI=VI)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matrix.mahalanobis(X, Y), cdist(X, Y, "mahalanobis", VI=VI), rtol=1e-12)
    np.testing.assert_allclose(matrix.mahalanobis(X, X), D, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matrix.mahalanobis(Y, X, cov=np.cov(X, rowvar=False)),
                               matrix.mahalanobis(X, Y).T, rtol=1e-12)
    np.testing.assert_allclose(matrix.mahalanobis(X, Y, squared=True),
                               cdist(X, Y, "mahalanobis", VI=VI) ** 2, rtol=1e-12)
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)


def test_mahalanobis_close_pairs_keep_accuracy():
    # near-duplicate rows far from the mean: a plain Gram-matrix formula loses all digits
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 3))
    X[1] = X[0] + 1e-7 * rng.normal(size=3)
    cov = readonly(np.cov(X, rowvar=False))
    VI = np.linalg.inv(cov)
    Xo = readonly(X + 1e3)
    np.testing.assert_allclose(matrix.mahalanobis(Xo, cov=cov)[0, 1],
                               pdist(Xo[:2], "mahalanobis", VI=VI)[0], rtol=1e-9)


def test_mahalanobis_pinv_identities():
    rng = np.random.default_rng(7)
    for m, n in [(20, 4), (8, 12)]:
        X = readonly(rng.normal(size=(m, n)))
        mean = readonly(X.mean(axis=0, keepdims=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", matrix.ConstantDistanceWarning)
            d2, info = matrix.mahalanobis(X, mean, squared=True, return_info=True)
        # sum_i d^2(x_i, mean) = tr(Xc Sigma^+ Xc^T) = (m - 1) rank
        assert info.rank == min(m - 1, n)
        assert d2.sum() == pytest.approx((m - 1) * info.rank, rel=1e-11)


def test_mahalanobis_singular_cov_equals_pinv_formula():
    rng = np.random.default_rng(8)
    B = rng.normal(size=(5, 3))
    cov = readonly(B @ B.T)  # rank 3 of 5
    XA, XB = readonly(rng.normal(size=(6, 5))), readonly(rng.normal(size=(4, 5)))
    D2, info = matrix.mahalanobis(XA, XB, cov=cov, squared=True, return_info=True)
    P = np.linalg.pinv(cov, rcond=1e-10, hermitian=True)
    diff = XA[:, None, :] - XB[None, :, :]
    np.testing.assert_allclose(D2, np.einsum("abi,ij,abj->ab", diff, P, diff), rtol=1e-10)
    assert (info.method, info.rank, info.n_features) == ("eigh", 3, 5)


def test_mahalanobis_complex_data():
    rng = np.random.default_rng(9)
    n = 3
    Z = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    cov = readonly(Z @ Z.conj().T + np.eye(n))
    XA = readonly(rng.normal(size=(4, n)) + 1j * rng.normal(size=(4, n)))
    XB = readonly(rng.normal(size=(5, n)) + 1j * rng.normal(size=(5, n)))
    inv = np.linalg.inv(cov)
    diff = XA[:, None, :] - XB[None, :, :]
    ref = np.einsum("abi,ij,abj->ab", diff.conj(), inv, diff).real
    np.testing.assert_allclose(matrix.mahalanobis(XA, XB, cov=cov, squared=True), ref, rtol=1e-12)


def test_forum_case_64_by_121_warns_and_has_no_nan():
    rng = np.random.default_rng(10)
    X = readonly(rng.normal(size=(64, 11, 11)).reshape(64, 121))
    with pytest.warns(matrix.ConstantDistanceWarning, match="rank 63"):
        D, info = matrix.mahalanobis(X, return_info=True)
    assert info.constant and info.rank == 63 and info.method == "eigh"
    assert not np.any(np.isnan(D))
    off = D[~np.eye(64, dtype=bool)]
    np.testing.assert_allclose(off, np.sqrt(2 * 63), rtol=1e-10)
    # shrinkage gives informative, finite distances and no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Dl, info_l = matrix.mahalanobis(X, shrinkage="ledoit-wolf", return_info=True)
    assert info_l.method == "cholesky" and info_l.rank == 121 and 0 < info_l.shrinkage < 1
    assert np.all(np.isfinite(Dl)) and np.std(Dl[~np.eye(64, dtype=bool)]) > 0.1


def test_mahalanobis_n_plus_one_points_also_constant():
    rng = np.random.default_rng(11)
    X = readonly(rng.normal(size=(4, 3)))
    with pytest.warns(matrix.ConstantDistanceWarning):
        D = matrix.mahalanobis(X)
    np.testing.assert_allclose(D[~np.eye(4, dtype=bool)], np.sqrt(6), rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(XA=np.ones(3)), "XA must be a 2-D"),
        (dict(XA=[[1.0, np.nan], [0, 1]]), "XA must have finite"),
        (dict(XA=np.eye(3), XB=np.ones((2, 2))), "XB must have 3 columns"),
        (dict(XA=np.eye(3), cov=np.ones((2, 2))), r"cov must have shape \(3, 3\)"),
        (dict(XA=np.eye(2), cov=[[1.0, 2.0], [0.0, 1.0]]), "cov must be symmetric"),
        (dict(XA=np.eye(2), cov=[[1.0, 0.0], [0.0, -1.0]]), "cov must be positive semidefinite"),
        (dict(XA=np.eye(2), shrinkage="huge"), "shrinkage must be"),
        (dict(XA=np.eye(2), shrinkage=1.5), r"shrinkage must lie in \[0, 1\]"),
        (dict(XA=np.eye(2), cov=np.eye(2), shrinkage="oas"), "needs cov=None"),
        (dict(XA=np.ones((1, 3))), "at least 2 rows"),
    ],
)
def test_mahalanobis_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        matrix.mahalanobis(**kwargs)


# ---------------------------------------------------------------------- linkage


@pytest.mark.parametrize("method", METHODS)
def test_linkage_matches_scipy_full_z(method):
    rng = np.random.default_rng(12)
    X = readonly(rng.normal(size=(60, 4)))
    ref = hierarchy.linkage(X, method)
    for inp in (X, readonly(pdist(X))):
        Z = matrix.linkage(inp, method)
        np.testing.assert_array_equal(Z[:, [0, 1, 3]], ref[:, [0, 1, 3]])
        np.testing.assert_allclose(Z[:, 2], ref[:, 2], rtol=1e-12)
    assert hierarchy.is_valid_linkage(Z)
    hierarchy.dendrogram(Z, no_plot=True)


@pytest.mark.parametrize("method", METHODS)
def test_linkage_matches_scipy_small_sizes(method):
    rng = np.random.default_rng(21)
    for m in [2, 3, 4, 5, 8, 13, 21]:
        for _ in range(5):
            X = rng.normal(size=(m, 3))
            ref = hierarchy.linkage(X, method)
            Z = matrix.linkage(readonly(X), method)
            np.testing.assert_array_equal(Z[:, [0, 1, 3]], ref[:, [0, 1, 3]])
            np.testing.assert_allclose(Z[:, 2], ref[:, 2], rtol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_linkage_partitions_match_scipy(method):
    rng = np.random.default_rng(13)
    X = readonly(rng.normal(size=(35, 2)) + rng.integers(0, 3, size=(35, 1)) * 4.0)
    Z = matrix.linkage(X, method)
    ref = hierarchy.linkage(X, method)
    np.testing.assert_allclose(Z[:, 2], ref[:, 2], rtol=1e-12)
    for k in range(1, 36):
        a = hierarchy.fcluster(Z, k, criterion="maxclust")
        b = hierarchy.fcluster(ref, k, criterion="maxclust")
        assert same_partition(a, b)


def same_partition(a, b):
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_single_linkage_with_ties_gives_scipys_partitions_and_is_deterministic():
    # integer grid points: many equal distances
    rng = np.random.default_rng(14)
    X = readonly(rng.integers(0, 4, size=(40, 2)).astype(float))  # duplicates too
    Z = matrix.linkage(X, "single")
    ref = hierarchy.linkage(X, "single")
    np.testing.assert_array_equal(Z[:, 2], ref[:, 2])
    for t in np.unique(ref[:, 2]):
        a = hierarchy.fcluster(Z, t, criterion="distance")
        b = hierarchy.fcluster(ref, t, criterion="distance")
        assert same_partition(a, b)
    assert np.array_equal(Z, matrix.linkage(X, "single"))
    assert np.array_equal(Z, matrix.linkage(readonly(pdist(X)), "single"))
    assert hierarchy.is_valid_linkage(Z)


@pytest.mark.parametrize("method", METHODS[1:])
def test_tied_input_is_deterministic_and_valid(method):
    X = readonly(np.array([[0, 0], [1, 0], [0, 1], [1, 1], [3, 0], [4, 0], [3, 1], [4, 1]], float))
    Z = matrix.linkage(X, method)
    assert np.array_equal(Z, matrix.linkage(X, method))
    assert hierarchy.is_valid_linkage(Z)
    # the two unit squares are found first, at the same heights as scipy's
    np.testing.assert_allclose(np.sort(Z[:, 2]), np.sort(hierarchy.linkage(X, method)[:, 2]), rtol=1e-12)


def test_ward_accepts_degenerate_euclidean_and_rejects_non_euclidean():
    rng = np.random.default_rng(15)
    line = np.outer(rng.normal(size=25), [1.0, 2.0, -1.0]) + 1e3  # rank 1, offset
    wide = rng.normal(size=(30, 80))  # rank 29
    for X in (line, wide):
        ref = hierarchy.linkage(X, "ward")
        np.testing.assert_allclose(matrix.linkage(readonly(pdist(X)), "ward")[:, 2], ref[:, 2], rtol=1e-9)
    # star graph: centre at distance 1 from three leaves that are 2 apart -- not Euclidean
    star = readonly(squareform(np.array([[0, 1, 1, 1], [1, 0, 2, 2], [1, 2, 0, 2], [1, 2, 2, 0]], float)))
    for method in ("ward", "centroid", "median"):
        with pytest.raises(ValueError, match="must be Euclidean"):
            matrix.linkage(star, method)
    with pytest.raises(ValueError, match="must be Euclidean"):
        matrix.linkage(readonly(pdist(rng.normal(size=(30, 5)), "cityblock")), "ward")
    # the check can be switched off, and other methods accept any metric
    assert matrix.linkage(star, "ward", check_euclidean=False).shape == (3, 4)
    assert matrix.linkage(star, "average").shape == (3, 4)


@pytest.mark.parametrize(
    "y, method, match",
    [
        (np.array([1.0, -2.0, 3.0]), "single", "nonnegative"),
        (np.array([1.0, np.nan, 3.0]), "average", "finite"),
        (np.array([1.0, np.inf, 3.0]), "complete", "finite"),
        (np.array([1.0, 2.0]), "single", "length m"),
        (np.array([]), "single", "length m"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "ward", "y must have finite"),
        (np.ones((1, 3)), "single", "at least 2 observations"),
        (np.ones((2, 2, 2)), "single", "1-D"),
        (np.ones(3), "mcquitty", "method must be one of"),
        (np.ones((3, 2)) + 1j, "ward", "must be real"),
    ],
)
def test_linkage_bad_input(y, method, match):
    with pytest.raises(ValueError, match=match):
        matrix.linkage(y, method)
