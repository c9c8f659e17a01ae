"""Every utility at every scale: f(c x) = c^p f(x), or a clear FloatRangeError.

For c = 10^k, k = -300, -290, ..., 300, and random well-conditioned inputs: where
``c^p f(x)`` is representable the result must equal it to 1e-10 (normwise: the
largest error relative to the largest entry), and where it is not (its largest entry
beyond float64's normal range) :class:`cgle.matrix.FloatRangeError` must be raised --
never inf, 0 or NaN.  Scales where an *input* is not representable are skipped, and so
are the few whose predicted result lies within 2^4 of a range boundary (rounding
decides there).
"""

import math

import numpy as np
import pytest

from cgle import matrix

KS = list(range(-300, 301, 10))
LOG2_10 = math.log2(10.0)
RTOL = 1e-10


def representable(*arrays):
    """Every input finite, and its largest entry within the normal range (all are nonzero)."""
    for a in arrays:
        top = float(np.max(np.abs(np.asarray(a))))
        if not (1e-300 <= top < math.inf):
            return False
    return True


def unscale(x, k, p):
    """``x / 10^(k p)`` by |p| steps of 10^(-k), each staying within range."""
    x = np.array(x, dtype=np.result_type(x, float))
    for _ in range(abs(p)):
        x = x * (10.0 ** (-k if p > 0 else k))
    return x


def check(call, ref, k, p):
    """``call()`` equals ``ref 10^(k p)`` normwise, or raises where that is out of range."""
    ref = np.asarray(ref)
    top = float(np.max(np.abs(ref)))
    assert top > 0
    exponent = math.frexp(top)[1] + k * p * LOG2_10
    if -1021 + 4 < exponent < 1024 - 4:
        got = call()
        err = np.max(np.abs(unscale(got, k, p) - ref)) / top
        assert err <= RTOL, (k, p, err)
        return "value"
    if exponent >= 1024 + 4 or exponent <= -1021 - 4:
        with pytest.raises(matrix.FloatRangeError, match="float64"):
            call()
        return "raised"
    return "skipped"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2024)
    n = 4
    A = rng.normal(size=(n, n)) + 3 * np.eye(n)  # well conditioned
    B = rng.normal(size=(n, n))
    S = B @ B.T + n * np.eye(n)  # SPD, well conditioned
    return dict(
        n=n, A=A, Az=A + 1j * rng.normal(size=(n, n)), b=rng.normal(size=(n, 2)), S=S,
        indef=S - 2.5 * n * np.eye(n), rank1=np.outer(rng.normal(size=n), rng.normal(size=n)),
        sing=np.vstack([A[:-1], A[0] + A[1]]), W=rng.normal(size=(n, n)), mu=rng.normal(size=n),
        X=rng.normal(size=(30, n)) @ B + 2.0,
        Xz=rng.normal(size=(20, 3)) + 1j * rng.normal(size=(20, 3)), Y=rng.normal(size=(7, n)),
        a=rng.normal(size=25), w=rng.normal(size=(5, 5)), wp=rng.normal(size=15),
    )


CASES = {
    # name: (inputs scaled by c, degree p, function of the scaled inputs and the data)
    "adjugate": (("A",), 3, lambda d, A: matrix.adjugate(A)),
    "adjugate complex": (("Az",), 3, lambda d, Az: matrix.adjugate(Az)),
    "adjugate singular": (("sing",), 3, lambda d, A: matrix.adjugate(A)),  # rank n - 1: SVD path
    "cofactor_matrix": (("A",), 3, lambda d, A: matrix.cofactor_matrix(A)),
    "cramer_inverse": (("A",), -1, lambda d, A: matrix.cramer_inverse(A)),
    "cramer_solve A": (("A",), -1, lambda d, A: matrix.cramer_solve(A, d["b"])),
    "cramer_solve b": (("b",), 1, lambda d, b: matrix.cramer_solve(d["A"], b)),
    "cramer_solve A and b": (("A", "b"), 0, lambda d, A, b: matrix.cramer_solve(A, b)),
    "quadform_mean W": (("W",), 1, lambda d, W: matrix.quadform_mean(W, d["mu"], d["S"])),
    "quadform_mean x": (("mu", "S2"), 2, lambda d, mu, S: matrix.quadform_mean(d["W"], mu, S)),
    "quadform_mean all": (("W", "mu", "S2"), 3, lambda d, W, mu, S: matrix.quadform_mean(W, mu, S)),
    "quadform_var W": (("W",), 2, lambda d, W: matrix.quadform_var(W, d["mu"], d["S"])),
    "quadform_var x": (("mu", "S2"), 4, lambda d, mu, S: matrix.quadform_var(d["W"], mu, S)),
    "quadform_var rademacher": (("mu", "D2"), 4,
                                lambda d, mu, D: matrix.quadform_var(d["W"], mu, D, dist="rademacher")),
    "volterra2_response a": (("a",), 2, lambda d, a: matrix.volterra2_response(a, d["w"], 5)),
    "volterra2_response w": (("w",), 1, lambda d, w: matrix.volterra2_response(d["a"], w, 5)),
    "volterra2_response packed": (("a", "wp"), 3, lambda d, a, wp: matrix.volterra2_response(a, wp, 5)),
    "volterra2_mean": (("w",), 1, lambda d, w: matrix.volterra2_mean(w, 5, input_mean=0.3, input_var=2.0)),
    "covariance": (("X",), 2, lambda d, X: matrix.covariance(X)),
    "covariance complex": (("Xz",), 2, lambda d, Xz: matrix.covariance(Xz)),
    "covariance ledoit-wolf": (("X",), 2, lambda d, X: matrix.covariance(X, shrinkage="ledoit-wolf")),
    "cov2corr": (("S",), 0, lambda d, S: matrix.cov2corr(S)),
    "mahalanobis": (("X",), 0, lambda d, X: matrix.mahalanobis(X)),
    "mahalanobis XB": (("X", "Y"), 0, lambda d, X, Y: matrix.mahalanobis(X, Y)),
    "mahalanobis oas": (("X",), 0, lambda d, X: matrix.mahalanobis(X, shrinkage="oas")),
    "mahalanobis squared": (("X",), 0, lambda d, X: matrix.mahalanobis(X, squared=True)),
    "mahalanobis given cov": (("X", "S2"), 0, lambda d, X, S: matrix.mahalanobis(X, cov=S)),
    "mahalanobis data only": (("X",), 1, lambda d, X: matrix.mahalanobis(X, cov=d["S"])),
    "mahalanobis data only squared": (("X",), 2, lambda d, X: matrix.mahalanobis(X, cov=d["S"], squared=True)),
}


def scaled_inputs(d, names, c):
    out = []
    for name in names:
        if name == "S2":  # covariance of x scaled by c
            out.append(d["S"] * c * c)
        elif name == "D2":
            out.append(np.diag(np.diag(d["S"])) * c * c)
        else:
            out.append(d[name] * c)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_homogeneous_at_every_scale(data, name):
    names, p, fn = CASES[name]
    ref = fn(data, *scaled_inputs(data, names, 1.0))
    outcomes = {"value": 0, "raised": 0, "skipped": 0}
    for k in KS:
        c = 10.0**k
        with np.errstate(over="ignore", under="ignore"):
            args = scaled_inputs(data, names, c)
        if not representable(*args):
            continue
        outcomes[check(lambda: fn(data, *args), ref, k, p)] += 1
    assert outcomes["value"] >= 10, outcomes


def test_leading_minors_every_scale(data):
    A = data["A"]
    ref = matrix.leading_minors(A)
    for k in KS:
        c = 10.0**k
        exps = [math.frexp(abs(r))[1] + k * (j + 1) * LOG2_10 for j, r in enumerate(ref)]
        if any(abs(e - 1024) < 4 or abs(e + 1021) < 4 for e in exps):
            continue
        if all(-1021 < e < 1024 for e in exps):
            got = matrix.leading_minors(A * c)
            for j in range(A.shape[0]):
                assert abs(unscale(got[j], k, j + 1) / ref[j] - 1) <= RTOL, (k, j)
        else:
            with pytest.raises(matrix.FloatRangeError, match=r"D_\d of A"):
                matrix.leading_minors(A * c)


@pytest.mark.parametrize("which, definite, semidefinite", [("S", True, True), ("indef", False, False),
                                                           ("rank1s", False, True)])
def test_definiteness_verdict_at_every_scale(data, which, definite, semidefinite):
    v = data["rank1"][0]
    M = np.outer(v, v) if which == "rank1s" else data[which]  # rank 1: PSD, not PD
    ref = matrix.is_positive_definite(M)
    for k in KS:
        Mc = M * 10.0**k
        rep = matrix.is_positive_definite(Mc)
        assert rep.definite is definite, k
        if which != "rank1s":  # a singular matrix fails at a minor that rounding picks
            assert rep.failing_minor == ref.failing_minor, k
        assert bool(matrix.is_positive_definite(Mc, semidefinite=True)) is semidefinite, k
        np.testing.assert_allclose(unscale(rep.min_eigenvalue, k, 1), ref.min_eigenvalue,
                                   rtol=RTOL, atol=1e-12 * np.max(np.abs(M)))
    # the forum's case: a rank-1 matrix of 1e300 entries is not definite
    assert not matrix.is_positive_definite(np.full((2, 2), 1e300))
    assert not matrix.is_positive_definite(np.full((3, 3), 1e-300))


@pytest.mark.parametrize("method", ["single", "complete", "average", "weighted", "ward", "centroid", "median"])
def test_linkage_every_scale(data, method):
    X = data["X"]
    ref = matrix.linkage(X, method)
    for k in KS:
        c = 10.0**k
        Z = matrix.linkage(X * c, method) if math.frexp(np.max(ref[:, 2]))[1] + k * LOG2_10 < 1020 else None
        if Z is None:
            with pytest.raises(matrix.FloatRangeError):
                matrix.linkage(X * c, method)
            continue
        np.testing.assert_array_equal(Z[:, [0, 1, 3]], ref[:, [0, 1, 3]])
        assert np.max(np.abs(unscale(Z[:, 2], k, 1) - ref[:, 2])) <= RTOL * np.max(ref[:, 2])


def test_issue_examples():
    """The cases of the scale issue, each now exact."""
    rng = np.random.default_rng(15)
    X = rng.normal(size=(40, 5))
    np.testing.assert_allclose(matrix.mahalanobis(X * 1e-170), matrix.mahalanobis(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(matrix.adjugate(np.diag([1e160, 1e160])), np.diag([1e160, 1e160]), rtol=1e-15)
    # entries 10^600 apart: each minor is representable and the LU-free SVD path keeps
    # them normwise (the 1e-300 entry is below the rounding error of the 1e300 one)
    np.testing.assert_allclose(matrix.adjugate(np.diag([1e300, 1e-300])), np.diag([0, 1e300]), rtol=1e-15,
                               atol=1e-300)
    with pytest.raises(matrix.FloatRangeError, match=r"adj\(cA\) = c\^\(n-1\) adj\(A\)"):
        matrix.adjugate(np.diag([1e160, 1e160, 1e160]))
    assert not matrix.is_positive_definite(np.full((2, 2), 1e300))
