"""Linkage directly on vectors (O(m d) memory), its NumPy twins, scale and hostile input."""

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist, squareform

from cgle import matrix
from cgle.matrix import linkage_vector as lv

VECTOR_METHODS = ["single", "ward", "centroid", "median"]
METHODS = ["single", "complete", "average", "weighted", "ward", "centroid", "median"]


def readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def same_z(Z, ref, rtol=1e-10):
    np.testing.assert_array_equal(Z[:, [0, 1, 3]], ref[:, [0, 1, 3]])
    np.testing.assert_allclose(Z[:, 2], ref[:, 2], rtol=rtol, atol=0)


# ------------------------------------------------------------------ twins


@pytest.mark.parametrize("m", [2, 3, 9, 40, 120])
def test_kernels_agree_with_numpy_twins(m):
    rng = np.random.default_rng(m)
    for X in (rng.normal(size=(m, 3)), rng.integers(0, 3, size=(m, 2)).astype(float)):  # ties too
        PT = readonly(X.T)
        for kernel, twin in ((lv.ward_chain, lv.ward_chain_numpy), (lv.mst_points, lv.mst_points_numpy)):
            got = kernel(np.array(PT))
            ref = twin(PT)
            np.testing.assert_array_equal(got[0], ref[0])
            np.testing.assert_array_equal(got[1], ref[1])
            np.testing.assert_allclose(got[2], ref[2], rtol=1e-12, atol=0)
        for median in (False, True):
            got = lv.generic_points(np.array(PT), median)
            ref = lv.generic_points_numpy(PT, median)
            np.testing.assert_array_equal(got[0], ref[0])
            np.testing.assert_array_equal(got[1], ref[1])
            np.testing.assert_allclose(got[2], ref[2], rtol=1e-12, atol=0)


# ------------------------------------------------------------------ against scipy


@pytest.mark.parametrize("method", VECTOR_METHODS)
@pytest.mark.parametrize("seed", range(4))
def test_vectors_match_scipy(method, seed):
    rng = np.random.default_rng(100 + seed)
    m, d = [(400, 10), (300, 2), (250, 30), (500, 5)][seed]
    X = readonly(rng.normal(size=(m, d)) * rng.uniform(0.1, 10, size=d) + rng.normal(size=d) * 5)
    same_z(matrix.linkage(X, method), hierarchy.linkage(X, method))


def test_ward_height_convention():
    # clusters {0, 1} and {10, 11}: sqrt(2 * 2 * 2 / 4) * |10.5 - 0.5| = 10 sqrt(2)
    Z = matrix.linkage(np.array([[0.0], [1.0], [10.0], [11.0]]), "ward")
    np.testing.assert_allclose(Z[:, 2], [1.0, 1.0, 10 * np.sqrt(2)], rtol=1e-15)


def test_centroid_and_median_heights_are_point_distances():
    # three collinear points: 0, 1, 3; centroid of {0, 1} = 0.5 -> 2.5; median point the same
    X = np.array([[0.0], [1.0], [3.0]])
    for method in ("centroid", "median"):
        np.testing.assert_allclose(matrix.linkage(X, method)[:, 2], [1.0, 2.5], rtol=1e-15)
    # sizes 2 and 1 against a far cluster: centroid weights by size, median does not
    X = np.array([[0.0], [0.2], [1.0], [10.0]])
    Zc = matrix.linkage(X, "centroid")
    Zm = matrix.linkage(X, "median")
    np.testing.assert_allclose(Zc[-1, 2], 10 - (0 + 0.2 + 1.0) / 3, rtol=1e-14)
    np.testing.assert_allclose(Zm[-1, 2], 10 - (0.1 + 1.0) / 2, rtol=1e-14)


def test_vectors_use_no_distance_matrix():
    # numpy allocations are traced (numba's are not, but the kernels hold O(m d));
    # a condensed matrix of m = 3000 would be 36 MB
    X = np.random.default_rng(5).normal(size=(3000, 4))
    for method in VECTOR_METHODS:
        matrix.linkage(X[:10], method)
        tracemalloc.start()
        matrix.linkage(X, method)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 2e6, (method, peak)


# ------------------------------------------------------------------ square input, metric


def test_square_distance_matrix_warns_and_precomputed_clusters_it():
    X = np.random.default_rng(6).normal(size=(12, 3))
    S = readonly(squareform(pdist(X)))
    with pytest.warns(matrix.DistanceMatrixWarning, match="metric='precomputed'"):
        Z_obs = matrix.linkage(S, "average")
    with pytest.warns(hierarchy.ClusterWarning):  # scipy's reading, and its warning
        np.testing.assert_allclose(Z_obs[:, 2], hierarchy.linkage(S, "average")[:, 2], rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in METHODS:
            same_z(matrix.linkage(S, method, metric="precomputed"), hierarchy.linkage(pdist(X), method), 1e-12)
        matrix.linkage(X, "average")  # a non-square matrix does not warn
    with pytest.raises(ValueError, match="must be symmetric"):
        matrix.linkage(S + np.triu(np.ones_like(S)), metric="precomputed")
    with pytest.raises(ValueError, match="zero diagonal"):
        matrix.linkage(S + np.eye(12), metric="precomputed")
    with pytest.raises(ValueError, match="square m x m"):
        matrix.linkage(np.ones((3, 4)), metric="precomputed")
    with pytest.raises(ValueError, match="nonnegative"):
        matrix.linkage(-S, metric="precomputed")
    with pytest.raises(ValueError, match="metric must be 'euclidean' or 'precomputed'"):
        matrix.linkage(X, metric="cityblock")


# ------------------------------------------------------------------ scale


@pytest.mark.parametrize("method", METHODS)
def test_linkage_scale_invariant(method):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 3))
    ref = matrix.linkage(X, method)
    for k in range(-300, 301, 25):
        c = 10.0**k
        for inp, scaled in ((X, X * c), (pdist(X), pdist(X) * c)):
            if not np.all(np.isfinite(scaled)) or np.max(np.abs(scaled)) < 1e-290:
                continue
            Z = matrix.linkage(readonly(scaled), method)
            np.testing.assert_array_equal(Z[:, [0, 1, 3]], ref[:, [0, 1, 3]])
            np.testing.assert_allclose(Z[:, 2] / c, ref[:, 2], rtol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_huge_coordinates_raise_or_are_exact(method):
    X = np.random.default_rng(8).normal(size=(20, 3))
    X /= np.max(np.abs(X))
    ref = matrix.linkage(X, method)
    for c in (1e300, 1e306, 1.7e308):
        with np.errstate(over="ignore"):
            expected = ref[:, 2] * c
        if np.all(np.isfinite(expected)):
            Z = matrix.linkage(X * c, method)
            np.testing.assert_allclose(Z[:, 2], expected, rtol=1e-10)
        else:  # true heights beyond float64 (Ward's grow like sqrt(m)): said, not inf/NaN
            with pytest.raises(matrix.FloatRangeError, match="exceed the float64 range"):
                matrix.linkage(X * c, method)
    with pytest.raises(matrix.FloatRangeError):
        matrix.linkage(X * 1.7e308, "ward")
    assert isinstance(matrix.FloatRangeError("x"), ValueError)


def test_identical_points_and_two_points():
    for method in METHODS:
        Z = matrix.linkage(np.ones((5, 2)), method)
        assert np.all(Z[:, 2] == 0) and hierarchy.is_valid_linkage(Z)
        np.testing.assert_allclose(matrix.linkage([[0.0, 0.0], [3.0, 4.0]], method), [[0, 1, 5.0, 2]])
