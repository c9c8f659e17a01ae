"""The numba kernels agree with their NumPy twins; the cubic flow is exact; the
backend is chosen by the work a run will do."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from cgle.problem import kernels, kernels_numba, kernels_numpy

BACKENDS = [kernels_numpy, kernels_numba]


@pytest.fixture
def field():
    rng = np.random.default_rng(3)
    return rng.standard_normal(257) * 3 + 1j * rng.standard_normal(257)


def test_cubic_term_twin(field):
    out, ref = np.empty_like(field), np.empty_like(field)
    kernels_numba.cubic_term(field, 0.7 - 1.3j, out)
    kernels_numpy.cubic_term(field, 0.7 - 1.3j, ref)
    np.testing.assert_allclose(out, ref, rtol=1e-14)
    np.testing.assert_allclose(ref, -(0.7 - 1.3j) * np.abs(field) ** 2 * field, rtol=1e-14)


@pytest.mark.parametrize("beta", [1.0 + 0j, 0.3 - 2.0j, 0.0 + 1.5j, 1e-14 + 0.5j, -0.02 + 0.1j, -0.02 + 0j])
def test_cubic_flow_twin(field, beta):
    out, ref = np.empty_like(field), field.copy()
    blown = kernels_numba.cubic_flow(field, beta, 0.8, out)
    ref_blown = kernels_numpy.cubic_flow(ref, beta, 0.8, ref)  # in place, out is q
    assert blown == ref_blown
    np.testing.assert_allclose(out, ref, rtol=1e-13)


@pytest.mark.parametrize("k", BACKENDS, ids=["numpy", "numba"])
def test_small_kernels(field, k):
    w = np.linspace(0.1, 2.0, field.size)
    assert k.max_abs2(field) == pytest.approx(np.max(np.abs(field) ** 2), rel=1e-15)
    assert k.weighted_energy(field, w) == pytest.approx(np.sum(w * np.abs(field) ** 2), rel=1e-13)
    g = field[::-1].copy()
    out = np.empty_like(field)
    k.lincomb2(2 - 1j, field, 0.5j, g, out)
    np.testing.assert_allclose(out, (2 - 1j) * field + 0.5j * g, rtol=1e-14)
    k.lincomb3(2 - 1j, field, 0.5j, g, -1.0, field, out)
    np.testing.assert_allclose(out, (2 - 1j) * field + 0.5j * g - field, rtol=1e-14)
    y = g.copy()
    k.axpy(0.3 + 0.1j, field, y)
    np.testing.assert_allclose(y, g + (0.3 + 0.1j) * field, rtol=1e-14)
    # out may be an input
    x = field.copy()
    k.lincomb2(2.0, x, 1j, g, x)
    np.testing.assert_allclose(x, 2.0 * field + 1j * g, rtol=1e-14)


@pytest.mark.parametrize("k", BACKENDS, ids=["numpy", "numba"])
def test_max_abs2_propagates_nan(field, k):
    field[100] = complex(np.nan, 0.0)
    assert np.isnan(k.max_abs2(field))


def test_backend_follows_the_work(monkeypatch):
    monkeypatch.delenv("CGLE_KERNELS", raising=False)
    try:
        # the forum run: 220 points x 200 steps; a 256^2 periodic run of 2000 steps
        assert kernels.choose(220, 200) == "numpy" and kernels.cubic_flow is kernels_numpy.cubic_flow
        assert kernels.choose(256 * 256, 2000) == "numba" and kernels.cubic_flow is kernels_numba.cubic_flow
        monkeypatch.setenv("CGLE_KERNELS", "numba")
        assert kernels.choose(4, 4) == "numba"
        monkeypatch.setenv("CGLE_KERNELS", "fortran")
        with pytest.raises(ValueError, match="CGLE_KERNELS must be one of numpy, numba"):
            kernels.choose(4, 4)
    finally:
        kernels.use("numba")


@pytest.mark.parametrize("beta", [1.0 + 0j, 1.0 - 1.0j, 0.2 + 3.0j, 0.0 + 1.0j, 0.0 - 0.7j])
def test_cubic_flow_matches_tight_ode_solution(beta):
    q0 = np.array([1e-3 + 0j, 0.5 - 0.2j, 2.0 + 1.0j, -3.0j, 10.0 + 0j])
    t = 1.7

    def f(_t, y):
        q = y[:5] + 1j * y[5:]
        r = -beta * np.abs(q) ** 2 * q
        return np.concatenate([r.real, r.imag])

    sol = solve_ivp(f, (0, t), np.concatenate([q0.real, q0.imag]), method="DOP853", rtol=1e-13, atol=1e-15)
    ref = sol.y[:5, -1] + 1j * sol.y[5:, -1]
    for k in BACKENDS:
        out = np.empty_like(q0)
        assert k.cubic_flow(q0, beta, t, out) == 0
        np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)
        # |q(t)| = |q0| / sqrt(1 + 2 br |q0|^2 t)
        np.testing.assert_allclose(np.abs(out), np.abs(q0) / np.sqrt(1 + 2 * beta.real * np.abs(q0) ** 2 * t),
                                   rtol=1e-13)


@pytest.mark.parametrize("beta", [-0.5 + 0.2j, -0.5 + 0j])
def test_cubic_flow_reports_finite_time_blow_up(beta):
    q0 = np.array([1.0 + 0j, 2.0 + 0j, 0.1 + 0j])
    # t* = 1 / (2 |br| |q0|^2): 1.0, 0.25, 100 for the three nodes
    for k in BACKENDS:
        out = np.empty_like(q0)
        assert k.cubic_flow(q0, beta, 0.5, out) == 1
        assert k.cubic_flow(q0, beta, 1.5, out) == 2
        assert k.cubic_flow(q0, beta, 0.2, out) == 0
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("k", BACKENDS, ids=["numpy", "numba"])
@pytest.mark.parametrize("br", [1.0, 0.7, -0.3])
def test_real_beta_flow_is_within_an_ulp_of_the_exact_one(k, br):
    """Real beta: q(t) = q0 / sqrt(1 + y), y = 2 beta |q0|^2 t, against 40 digits, with
    the largest y from 1e-12 to 1e5 (below the blow-up at y = -1 for beta < 0): within
    3e-16 relative, about one ulp (the roundings of 1 + y, the square root, the
    reciprocal and the product; measured 2.1-2.4e-16)."""
    import mpmath

    mpmath.mp.dps = 40
    rng = np.random.default_rng(7)
    q0 = rng.standard_normal(64) * 3 + 1j * rng.standard_normal(64)
    largest = float(np.max(np.abs(q0) ** 2))
    for y in (1e-12, 1e-6, 1e-2, 0.5, 1e2, 1e5):
        if br < 0 and y >= 1.0:
            continue
        t = y / (2 * abs(br) * largest)
        out = np.empty_like(q0)
        assert k.cubic_flow(q0, br + 0j, t, out) == 0
        worst = 0.0
        for z, got in zip(q0, out):
            r2 = mpmath.mpf(z.real) ** 2 + mpmath.mpf(z.imag) ** 2
            exact = mpmath.mpc(z.real, z.imag) / mpmath.sqrt(1 + 2 * mpmath.mpf(br) * r2 * mpmath.mpf(t))
            worst = max(worst, float(abs(mpmath.mpc(got.real, got.imag) - exact) / abs(exact)))
        assert worst <= 3e-16, (y, worst)


# ----------------------------------------------------------------- the fast cubic flow
@pytest.mark.parametrize("size", [257, 5000])
@pytest.mark.parametrize("beta", [1.0 + 0j, 0.3 - 2.0j, 0.0 + 1.5j, 1e-14 + 0.5j, -0.02 + 0.1j, -0.02 + 0j, 0j])
def test_cubic_flow_max_twin(size, beta):
    """Both paths (scalar below FAST_FLOW_MIN_SIZE, the three passes above) against the
    NumPy twin: the flow, the blown-up count, and the amplitude at the step boundary."""
    assert 257 < kernels_numba.FAST_FLOW_MIN_SIZE <= 5000
    rng = np.random.default_rng(size)
    q = rng.standard_normal(size) * 3 + 1j * rng.standard_normal(size)
    q[:3] = [0.0, 1e3, 1e-9]  # zero, stiff, tiny
    out = np.empty_like(q)
    blown, amp = kernels_numba.cubic_flow_max(q, beta, 0.8, 0.3, out)
    ref = np.empty_like(q)
    ref_blown, ref_amp = kernels_numpy.cubic_flow_max(q, beta, 0.8, 0.3, ref)
    assert blown == ref_blown and (blown > 0) == (beta.real < 0)
    # rel 1e-12: 1 + 2 br r2 at cancels near a node's blow-up (br < 0)
    assert amp == pytest.approx(ref_amp, rel=1e-12)
    # rtol 1e-12: a node close to its blow-up (br < 0) amplifies rounding
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-300)
    # in place gives the same
    inplace = q.copy()
    assert kernels_numba.cubic_flow_max(inplace, beta, 0.8, 0.3, inplace) == (blown, amp)
    np.testing.assert_array_equal(inplace, out)


def test_cubic_flow_max_wide_angles_and_nan():
    """Angles beyond the polynomial range (Re(beta) = 0, large |q|^2 t) go to libm; a NaN
    node gives a NaN amplitude."""
    rng = np.random.default_rng(5)
    q = rng.standard_normal(4096) * 1e3 + 0j
    out = np.empty_like(q)
    kernels_numba.cubic_flow_max(q, 0.5j, 10.0, 10.0, out)
    ref = np.empty_like(q)
    kernels_numpy.cubic_flow_max(q, 0.5j, 10.0, 10.0, ref)
    # theta up to ~1e8: libm's own reduction; compare phases to the twin
    np.testing.assert_allclose(out, ref, rtol=1e-9)
    q[7] = np.nan
    for k in BACKENDS:
        assert np.isnan(k.cubic_flow_max(q, 1 + 0j, 0.1, 0.05, out)[1])


def test_sincos_polynomials_against_libm():
    rng = np.random.default_rng(9)
    quarter = np.pi / 2
    x = np.concatenate([rng.uniform(-8, 8, 20000), rng.uniform(-1e5, 1e5, 20000),
                        np.arange(-2000, 2000) * quarter, np.arange(-50, 50) * quarter + 1e-9, [0.0, -0.0, 1e-300]])
    s, c = np.empty_like(x), np.empty_like(x)
    kernels_numba.sincos(x, s, c)
    # absolute error of a few ulp of 1 (what the reduction by pi/2 leaves near its zeros)
    assert np.max(np.abs(s - np.sin(x))) < 4e-16
    assert np.max(np.abs(c - np.cos(x))) < 4e-16


def test_cody_waite_split_of_half_pi():
    """P1 + P2 + P3 = pi/2 to ~1e-37, P1 and P2 with at most 33 significant bits (so
    k P1, k P2 are exact for |k| < 2^20)."""
    import mpmath as mp

    with mp.workdps(60):
        parts = [mp.mpf(kernels_numba._PIO2_1), mp.mpf(kernels_numba._PIO2_2), mp.mpf(kernels_numba._PIO2_3)]
        assert abs(mp.fsum(parts) - mp.pi / 2) < mp.mpf(10) ** -36
    for p in (kernels_numba._PIO2_1, kernels_numba._PIO2_2):
        mantissa, _exp = np.frexp(p)
        assert float(mantissa * 2.0**33) == int(mantissa * 2.0**33)
    assert kernels_numba._TWO_OVER_PI == float(2 / np.pi)
