"""cgle.stability against the analytic Hermite-function theory, exact identities and scipy.

References: docs/theory/analytic-results.md (lambda_n, phi_n, mu_t, mu_c); Bagheri, Henningson, Hoepffner &
Schmid (2009) for transient growth, resolvent and H2; Trefethen & Embree (2005) for
pseudospectra.
"""

import math

import numpy as np
import pytest
import scipy.linalg
from threadpoolctl import threadpool_limits

import cgle
from cgle import stability as st
from cgle.config import ConfigError, load_config, with_values

FORUM = {
    "equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.34, 0.0, -0.005], "beta": 0},
    "grid": {"basis": "hermite", "n": 220, "scale": "auto"},
}


def flow(mu0=0.38, n=220, scale="auto", **extra):
    return {"flow": {"mu0": mu0, **extra}, "grid": {"basis": "hermite", "n": n, "scale": scale}}


@pytest.fixture(autouse=True)
def _one_thread():
    # small dense matrices: one BLAS thread is fastest and fair to the shared machine
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def forum():
    with threadpool_limits(1):
        return cgle.build(FORUM)


# --------------------------------------------------------------------------- eigenvalues


def test_forum_leading_eigenvalue_matches_analytic_modes(forum):
    lam0 = st.leading_eigenvalue(forum)
    assert abs(lam0 - (-0.1326887 - 0.5628203j)) < 1e-7


@pytest.mark.parametrize("data", [FORUM, flow(0.0), flow(0.2), flow(0.38), flow(0.41)],
                         ids=["forum", "flow0.00", "flow0.20", "flow0.38", "flow0.41"])
def test_first_five_eigenvalues_are_analytic(data):
    prob = cgle.build(data)
    spec = st.spectrum(prob, 5)
    assert spec.analytic is not None
    assert np.max(np.abs(spec.difference)) <= 1e-9
    # the analytic form of docs/theory/analytic-results.md: c1 - nu^2/(4 gamma) - (2n+1) sqrt(gamma c2)
    eq = prob.config.equation
    c1, c2 = eq.mu[0], -eq.mu[2]
    n = np.arange(5)
    expected = c1 - eq.nu**2 / (4 * eq.gamma) - (2 * n + 1) * np.sqrt(eq.gamma * c2)
    np.testing.assert_allclose(spec.analytic, expected, rtol=0, atol=1e-14)


def test_strongly_non_normal_case_is_accurate_to_its_condition_number():
    # cu = 0.3, cd = -0.5: the modes lean on exp(0.68 x); lambda_4 has condition number ~6e6,
    # so no double-precision method gets 1e-9 there. The error stays within the backward-error
    # bound eps ||F|| kappa_n (kappa_n = ||y_n|| ||x_n|| / |y_n^H x_n|, left/right eigenvectors).
    prob = cgle.build(flow(0.6, cu=0.3, cd=-0.5))
    spec = st.spectrum(prob, 5)
    F, _ = st.energy_matrix(prob)
    lam, left, right = scipy.linalg.eig(F, left=True)
    order = np.argsort(-lam.real)[:5]
    kappa = np.array([np.linalg.norm(left[:, j]) * np.linalg.norm(right[:, j]) / abs(np.vdot(left[:, j], right[:, j]))
                      for j in order])
    assert kappa[4] > 1e6
    bound = np.finfo(float).eps * np.linalg.norm(F, 2) * kappa
    assert np.all(np.abs(spec.difference) <= bound)


def test_flow_form_eigenvalues_in_h_notation():
    # lambda_n = mu0 - cu^2 - nu^2/(4 gamma) - (n + 1/2) h, h = sqrt(-2 mu2 gamma)
    U, cu, cd, mu0, mu2 = 2.0, 0.2, -1.0, 0.38, -0.01
    nu, gamma = U + 2j * cu, 1 + 1j * cd
    h = np.sqrt(-2 * mu2 * gamma)
    expected = mu0 - cu**2 - nu**2 / (4 * gamma) - (np.arange(4) + 0.5) * h
    got = st.analytic_eigenvalues(load_config(flow(mu0)).equation, 4)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14)


def test_eigenvalues_with_a_linear_term_are_translation_invariant():
    # mu(x) = 0.34 - 0.005 (x - 3)^2 = 0.295 + 0.03 x - 0.005 x^2: same lambda_n as the forum,
    # the modes shifted by x_s = 3; the grid is a number (scale auto needs mu1 = 0)
    data = {"equation": {"nu": "2+0.2j", "gamma": "1-1j", "mu": [0.295, 0.03, -0.005]},
            "grid": {"basis": "hermite", "n": 220, "scale": 0.338223}}
    prob = cgle.build(data)
    c1, c2, x_s = st.quadratic_coefficients(prob.config.equation)
    assert abs(c1 - 0.34) < 1e-15 and abs(c2 - 0.005) < 1e-18 and abs(x_s - 3.0) < 1e-13
    spec = st.spectrum(prob, 5, vectors=True)
    np.testing.assert_allclose(spec.analytic, st.analytic_eigenvalues(load_config(FORUM).equation, 5), atol=1e-15)
    assert np.max(np.abs(spec.difference)) <= 1e-9
    for n in range(5):
        assert st.mode_distance(prob, spec.vectors[:, n], st.analytic_mode(prob.config.equation, n, prob.x)) <= 1e-6


@pytest.mark.parametrize("data", [FORUM, flow(0.38), flow(0.41)], ids=["forum", "flow0.38", "flow0.41"])
def test_eigenvectors_are_the_analytic_global_modes(data):
    prob = cgle.build(data)
    lam, vecs = st.eigenvalues(prob, 5, vectors=True)
    eq = prob.config.equation
    # unit energy norm
    np.testing.assert_allclose(np.sum(prob.weights[:, None] * np.abs(vecs) ** 2, axis=0), 1.0, rtol=1e-12)
    for n in range(5):
        phi = st.analytic_mode(eq, n, prob.x)
        assert st.mode_distance(prob, vecs[:, n], phi) <= 1e-6
        # and phi_n is not close to the neighbouring modes (the test can fail)
        if n > 0:
            assert st.mode_distance(prob, vecs[:, n - 1], phi) > 0.1


def test_analytic_mode_solves_the_ode():
    # gamma phi'' - nu phi' + mu(x) phi = lambda_n phi, checked by finite differences
    eq = load_config(FORUM).equation
    lam = st.analytic_eigenvalues(eq, 4)
    x = np.linspace(-20, 30, 2001)
    d = 1e-3
    for n in range(4):
        p0, pp, pm = (st.analytic_mode(eq, n, x + s) for s in (0.0, d, -d))
        d1, d2 = (pp - pm) / (2 * d), (pp - 2 * p0 + pm) / d**2
        mu = eq.mu[0] + eq.mu[2] * x**2
        residual = eq.gamma * d2 - eq.nu * d1 + mu * p0 - lam[n] * p0
        assert np.max(np.abs(residual)) <= 1e-5 * np.max(np.abs(p0))


def test_sorted_by_growth_rate_and_plain_form(forum):
    lam = st.eigenvalues(forum)
    assert lam.shape == (220,) and np.all(np.diff(lam.real) <= 0)
    np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(scipy.linalg.eigvals(forum.L)), atol=1e-9)


def test_no_analytic_spectrum_when_mu_is_not_quadratic():
    data = {"equation": {"nu": 1, "gamma": 1, "mu": [0.1, 0, -0.01, 0, -1e-4]}, "grid": {"n": 60, "scale": 1.0}}
    prob = cgle.build(data)
    spec = st.spectrum(prob, 3)
    assert spec.analytic is None and spec.difference is None
    with pytest.raises(ValueError, match="mu"):
        st.analytic_mode(prob.config.equation, 0, prob.x)


def test_bad_k_is_an_error(forum):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        st.eigenvalues(forum, 0)


# --------------------------------------------------------------------------- critical values


def test_critical_mu0_of_the_standard_flow():
    cfg = load_config(flow(0.38))
    mu_c = st.critical_value(cfg, "flow.mu0", (0.3, 0.5))
    th = st.flow_thresholds(cfg.flow)
    assert abs(th.mu_t - 0.32) < 1e-15
    assert abs(mu_c - th.mu_c) <= 1e-8
    assert abs(mu_c - 0.397689) <= 5e-7
    # at mu_c the leading growth rate vanishes
    assert abs(st.leading_eigenvalue(cgle.build(with_values(cfg, {"flow.mu0": mu_c}))).real) <= 1e-9


def test_critical_value_on_another_key():
    # at mu0 = 0.38 the critical mu2 solves mu0 = mu_t + (|h|/2) cos(arg(gamma)/2),
    # |h|^2 = 2 |mu2| |gamma|: mu2 = -(2 (mu0 - mu_t) / cos(arg(gamma)/2))^2 / (2 |gamma|)
    gamma = 1 - 1j
    h_abs = 2 * (0.38 - 0.32) / math.cos(np.angle(gamma) / 2)
    expected = -(h_abs**2) / (2 * abs(gamma))
    got = st.critical_value(flow(0.38, n=160), "flow.mu2", (-0.01, -0.001))
    assert abs(got - expected) <= 1e-8


def test_critical_value_errors():
    cfg = load_config(flow(0.38, n=60))
    with pytest.raises(ValueError, match="does not change sign"):
        st.critical_value(cfg, "flow.mu0", (0.1, 0.2))
    with pytest.raises(ConfigError, match="flow.nope"):
        st.critical_value(cfg, "flow.nope", (0.1, 0.2))
    with pytest.raises(ConfigError, match="grid.scale"):
        st.critical_value(cfg, "grid.scale", (0.1, 0.2))
    with pytest.raises(ConfigError, match="equation.mu0"):
        st.critical_value(cfg, "equation.mu0", (0.1, 0.2))
    with pytest.raises(ValueError, match="bracket"):
        st.critical_value(cfg, "flow.mu0", (0.5, 0.3))


# --------------------------------------------------------------------------- transient growth


def test_transient_growth_starts_at_one(forum):
    assert st.transient_growth(forum, 0.0) == pytest.approx(1.0, abs=1e-14)
    g = st.transient_growth(forum, [1e-9, 1e-6])
    # G(t) = 1 + t * (numerical abscissa) + O(t^2): the slope is the largest eigenvalue of
    # the Hermitian part of F
    F, _ = st.energy_matrix(forum)
    omega = np.linalg.eigvalsh((F + F.conj().T) / 2)[-1]
    np.testing.assert_allclose(g, 1.0 + omega * np.array([1e-9, 1e-6]), rtol=0, atol=1e-9)


def test_transient_growth_of_a_normal_operator_is_the_leading_exponential():
    # nu = 0, real gamma: L is self-adjoint and F = M^(1/2) L M^(-1/2) is Hermitian
    prob = cgle.build({"equation": {"nu": 0, "gamma": 1.5, "mu": [-0.05, 0, -0.02]}, "grid": {"n": 80}})
    lam0 = st.leading_eigenvalue(prob)
    assert abs(lam0 - (-0.05 - math.sqrt(1.5 * 0.02))) < 1e-12
    t = np.array([0.5, 3.0, 20.0])
    np.testing.assert_allclose(st.transient_growth(prob, t), np.exp(lam0.real * t), rtol=1e-11)
    opt = st.max_transient_growth(prob, t_max=10.0, n_scan=20)
    assert opt.t == 0.0 and opt.gain == pytest.approx(1.0, abs=1e-13)


def test_max_transient_growth_is_resolved_in_n_and_scale():
    # forum operator: the same maximum for N = 160 and 220 and both Hermite scales
    results = []
    for n, scale in ((160, "auto"), (220, "auto"), (220, "ilak")):
        prob = cgle.build({**FORUM, "grid": {"basis": "hermite", "n": n, "scale": scale}})
        results.append(st.max_transient_growth(prob, t_max=30.0, n_scan=30))
    gains = np.array([r.gain for r in results])
    times = np.array([r.t for r in results])
    assert np.max(np.abs(gains / gains[1] - 1)) < 5e-5, gains
    assert np.max(np.abs(times - times[1])) < 1e-3, times
    assert 5.9 < gains[1] < 6.1  # a genuinely non-normal amplification


def test_optimal_initial_condition_reaches_the_gain(forum):
    opt = st.max_transient_growth(forum, t_max=30.0, n_scan=30)
    w = forum.weights
    assert np.sum(w * np.abs(opt.initial) ** 2) == pytest.approx(1.0, rel=1e-12)
    # propagate independently with expm(L t) in nodal coordinates
    q = scipy.linalg.expm(forum.L * opt.t) @ opt.initial
    np.testing.assert_allclose(q, opt.response, rtol=0, atol=1e-9 * np.max(np.abs(q)))
    assert math.sqrt(np.sum(w * np.abs(q) ** 2)) == pytest.approx(opt.gain, rel=1e-10)
    # it is a maximum: nearby times and random initial conditions do not beat it
    assert st.transient_growth(forum, opt.t * 0.99) < opt.gain and st.transient_growth(forum, opt.t * 1.01) < opt.gain
    rng = np.random.default_rng(1)
    A = scipy.linalg.expm(forum.L * opt.t)
    for _ in range(5):
        q0 = rng.standard_normal(220) + 1j * rng.standard_normal(220)
        ratio = math.sqrt(np.sum(w * np.abs(A @ q0) ** 2) / np.sum(w * np.abs(q0) ** 2))
        assert ratio < opt.gain


def test_default_horizon_needs_a_stable_problem():
    prob = cgle.build(flow(0.41, n=60))
    with pytest.raises(ValueError, match="t_max"):
        st.max_transient_growth(prob)
    with pytest.raises(ValueError, match="t must be"):
        st.transient_growth(prob, -1.0)


# --------------------------------------------------------------------------- resolvent, pseudospectrum


def test_resolvent_gain_against_direct_svd(forum):
    F, _ = st.energy_matrix(forum)
    omegas = np.array([-1.0, -0.5, 0.0, 0.3])
    direct = [1.0 / scipy.linalg.svdvals(1j * w * np.eye(220) - F)[-1] for w in omegas]
    np.testing.assert_allclose(st.resolvent_gain(forum, omegas), direct, rtol=1e-8)


def test_resolvent_peak_and_optimal_forcing(forum):
    peak = st.max_resolvent_gain(forum)
    scan = st.resolvent_gain(forum, np.linspace(-2, 1, 61))
    assert peak.gain >= scan.max() * (1 - 1e-12)
    w = forum.weights
    assert np.sum(w * np.abs(peak.forcing) ** 2) == pytest.approx(1.0, rel=1e-12)
    # solve (i omega I - L) q = f independently
    q = np.linalg.solve(1j * peak.omega * np.eye(220) - forum.L, peak.forcing)
    assert math.sqrt(np.sum(w * np.abs(q) ** 2)) == pytest.approx(peak.gain, rel=1e-8)
    np.testing.assert_allclose(q, peak.response, atol=1e-8 * np.max(np.abs(q)))
    # a stable operator: the peak is at least the gain 1 / |Re lambda_0| of the normal case
    assert peak.gain > 1.0 / abs(st.leading_eigenvalue(forum).real)


def test_pseudospectrum_against_direct_svd(forum):
    F, _ = st.energy_matrix(forum)
    rng = np.random.default_rng(2)
    z = rng.uniform(-1.5, 0.3, 6) + 1j * rng.uniform(-1.0, 0.5, 6)
    z[0] = st.leading_eigenvalue(forum) + 1e-4  # next to an eigenvalue
    direct = np.array([scipy.linalg.svdvals(zz * np.eye(220) - F)[-1] for zz in z])
    # both are backward stable: sigma_min is known to eps ||F|| absolutely (a point near an
    # eigenvalue has sigma_min ~ 1e-8, where rtol alone would ask more than the SVD gives)
    np.testing.assert_allclose(st.pseudospectrum(forum, z), direct, rtol=1e-7,
                               atol=100 * np.finfo(float).eps * np.linalg.norm(F, 2))
    # mesh form: shape (len(im), len(re))
    sig = st.pseudospectrum(forum, (np.array([-0.5, 0.0, 0.2]), np.array([-0.5, 0.1])))
    assert sig.shape == (2, 3)
    assert sig[1, 2] == pytest.approx(scipy.linalg.svdvals((0.2 + 0.1j) * np.eye(220) - F)[-1], rel=1e-7)


def test_pseudospectrum_of_a_normal_operator_is_the_distance_to_the_spectrum():
    prob = cgle.build({"equation": {"nu": 0, "gamma": 1, "mu": [0.0, 0, -0.02]}, "grid": {"n": 60}})
    lam = st.eigenvalues(prob)
    z = np.array([0.1 + 0.3j, -0.45 + 0.01j, -2.0 - 1.0j])
    dist = np.min(np.abs(z[:, None] - lam[None, :]), axis=1)
    np.testing.assert_allclose(st.pseudospectrum(prob, z), dist, rtol=1e-8)


# --------------------------------------------------------------------------- Lyapunov and H2


def gaussian(x, x0, s=1.6):
    return np.exp(-(((x - x0) / s) ** 2))


@pytest.mark.parametrize("data", [FORUM, flow(0.2, n=120)], ids=["forum", "flow0.2"])
def test_h2_norm_equals_the_observability_form(data):
    prob = cgle.build(data)
    B = gaussian(prob.x, -11.0)
    C = prob.weights * gaussian(prob.x, 15.0)
    P = st.controllability_gramian(prob, B)
    Q = st.observability_gramian(prob, C)
    # residuals of both Lyapunov equations
    L = prob.L
    assert np.max(np.abs(L @ P + P @ L.conj().T + np.outer(B, B))) <= 1e-9 * np.max(np.abs(P)) * np.abs(L).max()
    assert np.max(np.abs(L.conj().T @ Q + Q @ L + np.outer(C, C))) <= 1e-9 * np.max(np.abs(Q)) * np.abs(L).max()
    h2 = st.h2_norm(prob, B, C)
    assert h2 == pytest.approx(math.sqrt(np.real(B @ Q @ B)), rel=1e-8)


def test_h2_norm_is_the_impulse_response_energy():
    # H2^2 = integral over t >= 0 of |C exp(L t) B|^2 (Simpson's rule, independent of Lyapunov)
    prob = cgle.build({**FORUM, "grid": {"basis": "hermite", "n": 120, "scale": "auto"}})
    B = gaussian(prob.x, -11.0)
    C = prob.weights * gaussian(prob.x, 0.0)
    h, n = 0.05, 8000  # t up to 400: exp(2 Re lambda_0 400) ~ 1e-46
    A = scipy.linalg.expm(h * prob.L)
    y = np.empty(n + 1)
    q = B.astype(complex)
    for k in range(n + 1):
        y[k] = abs(C @ q) ** 2
        q = A @ q
    simpson = h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())
    assert st.h2_norm(prob, B, C) ** 2 == pytest.approx(simpson, rel=1e-7)


def test_gramians_need_a_stable_operator_and_the_right_shapes(forum):
    with pytest.raises(ValueError, match="globally stable"):
        st.h2_norm(cgle.build(flow(0.41, n=60)), np.ones(60), np.ones(60))
    with pytest.raises(ValueError, match=r"B must have shape"):
        st.h2_norm(forum, np.ones(10), np.ones(220))
    with pytest.raises(ValueError, match=r"C must have shape"):
        st.h2_norm(forum, np.ones(220), np.ones((220, 2)))


# --------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("mu0, local, global_", [
    (-0.1, "locally stable", "globally stable"),
    (0.2, "locally convectively unstable", "globally stable"),
    (0.35, "locally absolutely unstable", "globally stable"),
    (0.41, "locally absolutely unstable", "globally unstable"),
])
def test_verdicts_of_the_standard_flow(mu0, local, global_):
    cfg = load_config(flow(mu0, n=120))
    loc = st.local_stability(cfg.equation)
    assert loc.verdict == local
    # thresholds in mu0: temporal growth mu0, absolute growth mu0 - mu_t at x = 0
    assert loc.temporal_growth == pytest.approx(mu0, abs=1e-14)
    assert loc.absolute_growth == pytest.approx(mu0 - 0.32, abs=1e-14)
    assert st.global_verdict(st.leading_eigenvalue(cgle.build(cfg))) == global_
    summary = st.summary(cfg, k=3, growth=False)
    assert summary.verdict == global_ and summary.local.verdict == local
    assert summary.thresholds.mu_c == pytest.approx(0.397689, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_local_growth_rates_against_brute_force_and_the_global_mode(seed):
    rng = np.random.default_rng(seed)
    U, cu, cd = rng.uniform(1, 3), rng.uniform(0, 0.5), rng.uniform(-1.5, 0.5)
    mu0, mu2 = rng.uniform(-0.2, 0.8), -rng.uniform(0.005, 0.03)
    cfg = load_config(flow(mu0, n=160, U=U, cu=cu, cd=cd, mu2=mu2))
    loc = st.local_stability(cfg.equation)
    eq = cfg.equation
    # temporal: max over real k of Re(mu(0) - i nu k - gamma k^2), by brute force
    k = np.linspace(-3, 3, 600001)
    temporal = np.max((eq.mu[0] - 1j * eq.nu * k - eq.gamma * k**2).real)
    assert loc.temporal_growth == pytest.approx(temporal, abs=1e-9)
    # absolute: d lambda/dk = 0 at k0, and Re lambda_0 (numerical global mode) lies below it by
    # (|h|/2) cos(arg(gamma)/2) (docs/theory/analytic-results.md)
    k0 = -1j * eq.nu / (2 * eq.gamma)
    assert abs(-1j * eq.nu - 2 * eq.gamma * k0) < 1e-14
    h = np.sqrt(-2 * mu2 * eq.gamma)
    lam0 = st.leading_eigenvalue(cgle.build(cfg))
    assert loc.absolute_growth == pytest.approx(lam0.real + abs(h) / 2 * math.cos(np.angle(eq.gamma) / 2), abs=1e-8)
    th = st.flow_thresholds(cfg.flow)
    assert loc.absolute_growth == pytest.approx(mu0 - th.mu_t, abs=1e-12)


# --------------------------------------------------------------------------- CLI


def test_cli_stability_prints_eigenvalues_verdict_and_growth(tmp_path, capsys):
    from cgle.cli import main

    path = tmp_path / "forum.yaml"
    import yaml

    path.write_text(yaml.safe_dump({"name": "forum_small", **FORUM,
                                    "grid": {"basis": "hermite", "n": 120, "scale": "auto"}}))
    fig = tmp_path / "fig.png"
    assert main(["stability", str(path), "-k", "3", "--plot", str(fig)]) == 0
    out = capsys.readouterr().out
    assert "-0.1326886987 -0.5628202874i" in out
    assert "globally stable" in out and "locally convectively unstable" in out
    assert "max transient growth: G = 5.99" in out
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_stability_errors(tmp_path, capsys):
    from cgle.cli import main

    assert main(["stability", str(tmp_path / "missing.yaml")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("flow: {mu0: oops}\n")
    assert main(["stability", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "flow.mu0" in err and "Traceback" not in err


# --------------------------------------------------------------------------- other grids


def test_chebyshev_grid_agrees_with_hermite_and_the_analytic_modes(forum):
    # the forum operator on [-60, 80] with q = 0 at the ends: the modes are negligible there
    cheb = cgle.build({**FORUM, "grid": {"basis": "chebyshev", "n": 200, "domain": [-60.0, 80.0]}})
    lam = st.eigenvalues(cheb, 3)
    np.testing.assert_allclose(lam, st.analytic_eigenvalues(cheb.config.equation, 3), rtol=0, atol=1e-8)
    # no analytic spectrum is claimed off the real line
    assert st.spectrum(cheb, 3).analytic is None
    g_cheb = st.max_transient_growth(cheb, t_max=30.0, n_scan=30)
    g_herm = st.max_transient_growth(forum, t_max=30.0, n_scan=30)
    assert g_cheb.gain == pytest.approx(g_herm.gain, rel=1e-6)
    assert g_cheb.t == pytest.approx(g_herm.t, abs=1e-3)


def test_fourier_problems_use_the_normal_shortcuts():
    prob = cgle.build({"equation": {"nu": 0.5, "gamma": "1+2j", "mu": [-0.1]},
                       "grid": {"basis": "fourier", "n": 32, "length": 20.0}})
    k = 2 * np.pi * np.fft.fftfreq(32, d=20.0 / 32)
    k1 = k.copy()
    k1[16] = 0.0  # the first derivative drops the Nyquist mode (cgle.problem.periodic.wavenumbers)
    symbol = -0.1 - (1 + 2j) * k**2 - 0.5j * k1
    lam = st.eigenvalues(prob)
    np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(symbol), atol=1e-12)
    assert lam[0] == pytest.approx(-0.1)
    np.testing.assert_allclose(st.transient_growth(prob, [0.0, 2.0]), np.exp(-0.1 * np.array([0.0, 2.0])))
    z = np.array([0.3 + 0.1j, -1.0 - 2.0j])
    np.testing.assert_allclose(st.pseudospectrum(prob, z), np.min(np.abs(z[:, None] - symbol), axis=1))
    assert st.resolvent_gain(prob, 0.0) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="dense operator"):
        st.h2_norm(prob, np.ones(32), np.ones(32))
