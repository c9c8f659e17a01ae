"""Hostile input to every utility: each case ends in a ValueError that names the argument.

Categories: NaN, inf, empty, wrong shape, complex where real is needed, object arrays,
strings, ragged lists, None, bad option values, and huge/tiny entries whose result
leaves float64's range.  The error must be raised by cgle's own checks (the innermost
frame of the traceback is in ``cgle/matrix``), never by numpy, scipy or numba on the
way, and nothing may come back holding a silent NaN or inf.
"""

import re

import numpy as np
import pytest

from cgle import matrix

FloatRangeError = getattr(matrix, "FloatRangeError", ValueError)

rng = np.random.default_rng(99)
A = rng.normal(size=(3, 3)) + 3 * np.eye(3)
SPD = A @ A.T
X = rng.normal(size=(10, 3))

# function name -> (call taking keyword arguments, the good arguments, arguments that must be real)
FUNCS = {
    "adjugate": (lambda A: matrix.adjugate(A), dict(A=A), ()),
    "cofactor_matrix": (lambda A: matrix.cofactor_matrix(A), dict(A=A), ()),
    "cramer_inverse": (lambda A: matrix.cramer_inverse(A), dict(A=A), ()),
    "cramer_solve": (lambda A, b: matrix.cramer_solve(A, b), dict(A=A, b=np.ones(3)), ()),
    "leading_minors": (lambda A: matrix.leading_minors(A), dict(A=A), ()),
    "is_positive_definite": (lambda A: matrix.is_positive_definite(A), dict(A=SPD), ()),
    "quadform_mean": (lambda W, mean, cov: matrix.quadform_mean(W, mean, cov),
                      dict(W=A, mean=np.ones(3), cov=SPD), ("mean", "cov")),
    "quadform_var": (lambda W, mean, cov: matrix.quadform_var(W, mean, cov),
                     dict(W=A, mean=np.ones(3), cov=SPD), ("mean", "cov")),
    "volterra2_response": (lambda a, w: matrix.volterra2_response(a, w, 3), dict(a=np.ones(8), w=A), ()),
    "volterra2_mean": (lambda w: matrix.volterra2_mean(w, 3), dict(w=A), ()),
    "covariance": (lambda X: matrix.covariance(X), dict(X=X), ()),
    "cov2corr": (lambda C: matrix.cov2corr(C), dict(C=SPD), ()),
    "mahalanobis": (lambda XA, XB, cov: matrix.mahalanobis(XA, XB, cov=cov),
                    dict(XA=X, XB=X[:4], cov=SPD), ()),
    "linkage": (lambda y: matrix.linkage(y, "ward"), dict(y=X), ("y",)),
}
# arguments that are square matrices (a 1-D or non-square value is a wrong shape)
SQUARE = {"A", "W", "cov", "C"}
# 1-D arguments
VECTORS = {"b", "mean"}
# optional arguments: None is their default, and XB may be an empty set of rows
OPTIONAL = {"XB", "cov"}


def bad_values(name, good):
    """(category, value) pairs of hostile replacements for one array argument."""
    good = np.asarray(good, dtype=float)
    out = []
    for label, v in (("NaN", np.nan), ("inf", np.inf), ("-inf", -np.inf)):
        bad = good.copy()
        bad.flat[0] = v
        out.append((label, bad))
    out.append(("empty", np.empty((0,) * good.ndim)))
    if good.ndim == 2:
        out.append(("empty", np.empty((0, good.shape[1]))))
    out.append(("wrong shape", good[None]))  # 3-D / 2-D
    if name in SQUARE:
        out.append(("wrong shape", good[:, :-1]))
        out.append(("wrong shape", good.ravel()))
    if name in VECTORS:
        out.append(("wrong shape", good[:-1]))
    obj = good.astype(object)
    obj.flat[1] = "x"
    out.append(("object", obj))
    out.append(("object", np.array([{"a": 1}] * good.size, dtype=object).reshape(good.shape)))
    out.append(("strings", np.full(good.shape, "1.0")))
    out.append(("ragged", [[1.0, 2.0], [3.0]] if good.ndim == 2 else [[1.0], 2.0]))
    if name not in OPTIONAL:
        out.append(("None", None))
    else:
        out = [(c, v) for c, v in out if not (c == "empty" and v.ndim == 2 and v.shape[1] == good.shape[1])]
    return out


CASES = []
for fname, (fn, good, real_only) in FUNCS.items():
    for arg in good:
        for category, value in bad_values(arg, good[arg]):
            CASES.append((fname, arg, category, value))
        if arg in real_only:
            CASES.append((fname, arg, "complex", np.asarray(good[arg]) + 1j))


def assert_own_value_error(excinfo, name):
    message = str(excinfo.value)
    assert re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", message), message
    inner = str(excinfo.traceback[-1].path)
    assert "cgle/matrix" in inner.replace("\\", "/"), (inner, message)


@pytest.mark.parametrize("fname, arg, category, value", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_hostile_array_argument(fname, arg, category, value):
    fn, good, _ = FUNCS[fname]
    kwargs = dict(good, **{arg: value})
    with pytest.raises(ValueError) as excinfo:
        fn(**kwargs)
    assert_own_value_error(excinfo, arg)


OPTIONS = [
    ("volterra2_response", "M", lambda v: matrix.volterra2_response(np.ones(8), A, v), [0, -1, 2.5, "3", True, None]),
    ("volterra2_response", "mode", lambda v: matrix.volterra2_response(np.ones(8), A, 3, mode=v), ["same", None]),
    ("volterra2_response", "w", lambda v: matrix.volterra2_response(np.ones(8), v, 3), [np.ones(5), np.ones(7)]),
    ("volterra2_mean", "input_var", lambda v: matrix.volterra2_mean(A, 3, input_var=v), [-1.0, np.inf, np.nan]),
    ("volterra2_mean", "input_mean", lambda v: matrix.volterra2_mean(A, 3, input_mean=v), [np.nan, np.inf]),
    ("covariance", "ddof", lambda v: matrix.covariance(X, ddof=v), [-1, 1.5, "1", True, 10]),
    ("covariance", "shrinkage", lambda v: matrix.covariance(X, shrinkage=v), ["bogus", 2.0, -0.1, np.nan, object()]),
    ("cov2corr", "zero_variance", lambda v: matrix.cov2corr(SPD, zero_variance=v), ["x", None]),
    ("mahalanobis", "rank_tol", lambda v: matrix.mahalanobis(X, rank_tol=v), [np.nan, -1.0, 1.0, "x", [1e-3]]),
    ("mahalanobis", "shrinkage", lambda v: matrix.mahalanobis(X, shrinkage=v), ["bogus", 1.5, object()]),
    ("is_positive_definite", "tol",
     lambda v: matrix.is_positive_definite(-SPD, semidefinite=True, tol=v), [-1.0, np.nan, np.inf, "x"]),
    ("quadform_var", "dist", lambda v: matrix.quadform_var(A, np.ones(3), SPD, dist=v), ["uniform", None]),
    ("linkage", "method", lambda v: matrix.linkage(X, v), ["mcquitty", None, ["ward"], 3]),
    ("linkage", "metric", lambda v: matrix.linkage(X, "single", metric=v), ["cityblock", None, ["euclidean"]]),
]
OPTION_CASES = [(f, a, fn, v) for f, a, fn, vs in OPTIONS for v in vs]


@pytest.mark.parametrize("fname, arg, call, value", OPTION_CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(OPTION_CASES)])
def test_hostile_option(fname, arg, call, value):
    with pytest.raises(ValueError) as excinfo:
        call(value)
    assert_own_value_error(excinfo, arg)


# huge / tiny entries: a correct finite result, or FloatRangeError naming the argument
EXTREME = [
    ("adjugate", "A", lambda s: matrix.adjugate(A * s)),
    ("cramer_inverse", "A", lambda s: matrix.cramer_inverse(A * s)),
    ("cramer_solve", "A", lambda s: matrix.cramer_solve(A * s, np.ones(3))),
    ("leading_minors", "A", lambda s: matrix.leading_minors(A * s)),
    ("is_positive_definite", "A", lambda s: matrix.is_positive_definite(SPD * s)),
    ("quadform_mean", "W", lambda s: matrix.quadform_mean(A * s, np.ones(3), SPD)),
    ("quadform_var", "W", lambda s: matrix.quadform_var(A * s, np.ones(3), SPD)),
    ("volterra2_response", "a", lambda s: matrix.volterra2_response(np.ones(8) * s, A, 3)),
    ("covariance", "X", lambda s: matrix.covariance(X * s)),
    ("cov2corr", "C", lambda s: matrix.cov2corr(SPD * s)),
    ("mahalanobis", "XA", lambda s: matrix.mahalanobis(X * s)),
    ("mahalanobis", "XA", lambda s: matrix.mahalanobis(X * s, cov=SPD)),
    ("linkage", "y", lambda s: matrix.linkage(X * s, "ward")[:, 2]),
    ("linkage", "y", lambda s: matrix.linkage(X * s, "centroid")[:, 2]),
]
SCALES = [1.7e308 / 30, 1e300, 1e-300, 4e-320]
EXTREME_CASES = [(f, a, fn, s) for f, a, fn in EXTREME for s in SCALES]


@pytest.mark.parametrize("fname, arg, call, scale", EXTREME_CASES,
                         ids=[f"{c[0]}-{c[3]:.0e}-{i}" for i, c in enumerate(EXTREME_CASES)])
def test_extreme_entries(fname, arg, call, scale):
    with np.errstate(all="ignore"):
        reference = call(1.0)
    try:
        with np.errstate(all="raise", under="ignore"):
            got = call(scale)
    except FloatRangeError as exc:
        assert re.search(rf"\b{arg}\b", str(exc)), str(exc)
        return
    except ValueError as exc:  # only an input that no longer holds its values may say so
        assert scale < 1e-300 and re.search(rf"\b{arg}\b", str(exc)), str(exc)
        return
    if isinstance(got, matrix.DefinitenessReport):
        assert got.definite == reference.definite
        return
    vals = np.asarray(got, dtype=complex)
    assert np.all(np.isfinite(vals)), "non-finite result returned"
    if scale >= 1e-300:  # subnormal inputs have lost digits: finiteness is all we ask
        ref = np.asarray(reference, dtype=complex)
        # homogeneity degree from the values themselves (exact powers of the scale)
        top, top_ref = np.max(np.abs(vals)), np.max(np.abs(ref))
        p = round(np.log(top / top_ref) / np.log(scale)) if top_ref > 0 and top > 0 else 0
        if abs(p) <= 2:
            rescaled = vals
            for _ in range(abs(p)):
                rescaled = rescaled / scale if p > 0 else rescaled * scale
            assert np.max(np.abs(rescaled - ref)) <= 1e-10 * top_ref
