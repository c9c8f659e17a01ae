"""The kernels used by the steppers: numba and NumPy twins agree."""

import numpy as np

from cgle.problem import kernels_numba as kernels
from cgle.problem import kernels_numpy


def _numpy_out(fn, *args):
    out = np.empty(args[-1].shape[-1], dtype=complex)
    fn(*args, out)
    return out


def rand(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def test_diagonal_row():
    rng = np.random.default_rng(0)
    S, G = rand(rng, 3, 37), rand(rng, 5, 37)
    W = np.array([[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0, 0.0], [0.5, 0.0, 0.0, -2.0, 1.0]])
    G[4, 3] = np.nan  # only the row with a weight on G[4] may see it
    out = np.empty(37, dtype=complex)
    kernels.diagonal_row(S, W, G, out)
    ok = np.arange(37) != 3
    np.testing.assert_allclose(out[ok], _numpy_out(kernels_numpy.diagonal_row, S, W, G)[ok], rtol=1e-14)
    assert np.isnan(out[3])
    # a zero weight does not touch its input (0 * NaN would be NaN); all-zero W gives 0
    W[2, 4] = 0.0
    kernels.diagonal_row(S, W, G, out)
    assert np.all(np.isfinite(out))
    kernels.diagonal_row(S, np.zeros_like(W), G, out)
    assert np.array_equal(out, np.zeros(37))


def test_stage_sum_skips_zero_coefficients():
    rng = np.random.default_rng(1)
    base, K = rand(rng, 29), rand(rng, 5, 29)
    coef = np.array([0.5, 0.0, -2.0 + 1j, 0.0, 3.0], dtype=complex)
    K[1] = np.nan  # a zero coefficient must not touch its row (0 * NaN would be NaN)
    out = np.empty(29, dtype=complex)
    kernels.stage_sum(base, 0.1, coef, K, out)
    keep = coef != 0
    np.testing.assert_allclose(out, _numpy_out(kernels_numpy.stage_sum, base, 0.1, coef[keep], K[keep]), rtol=1e-14)
    # in place: out may be base
    expected = out.copy()
    kernels.stage_sum(base, 0.1, coef, K, base)
    np.testing.assert_array_equal(base, expected)


def test_normwise_error_and_same_values():
    rng = np.random.default_rng(2)
    e, y0, y1 = rand(rng, 50), rand(rng, 50), rand(rng, 50)
    assert np.isclose(kernels.normwise_error(e, y0, y1, 1e-3, 1e-6),
                      kernels_numpy.normwise_error(e, y0, y1, 1e-3, 1e-6), rtol=1e-14)
    # relative to the largest amplitude: scaling everything leaves it unchanged (atol = 0)
    assert np.isclose(kernels.normwise_error(1e-9 * e, 1e-9 * y0, 1e-9 * y1, 1e-3, 0.0),
                      kernels.normwise_error(e, y0, y1, 1e-3, 0.0), rtol=1e-14)
    e[7] = np.nan
    assert np.isnan(kernels.normwise_error(e, y0, y1, 1e-3, 1e-6))
    assert np.isnan(kernels_numpy.normwise_error(e, y0, y1, 1e-3, 1e-6))
    assert kernels.same_values(y0, y0.copy()) and kernels_numpy.same_values(y0, y0.copy())
    z = y0.copy()
    z[3] = y0[3] * (1 + 1e-15)
    assert not kernels.same_values(y0, z) and not kernels_numpy.same_values(y0, z)
