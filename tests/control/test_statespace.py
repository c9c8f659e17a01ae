"""The input-output system in energy coordinates against the nodal system it stands for.

Everything is checked against an independent computation from the problem's own L,
nodes and weights (or against the closed-form spectrum of the Ginzburg-Landau operator),
never against stored outputs of :mod:`cgle.control.statespace`.
"""

import numpy as np
import pytest
import scipy.linalg

from cgle.config import ConfigError, load_config
from cgle.control import state_space

FLOW = {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu0": 0.38, "mu2": -0.01}


def config(mu0=0.38, n=70, scale="auto", width=1.0, control=None, **sections):
    """A flow-form Hermite config with two actuators, two sensors and one disturbance."""
    data = {
        "name": "statespace",
        "flow": dict(FLOW, mu0=mu0),
        "grid": {"basis": "hermite", "n": n, "scale": scale},
        "initial": {"kind": "constant", "amplitude": 0.0},
        "time": {"scheme": "etd1", "dt": 0.1, "t_end": 1.0},
        "actuators": {"x0": [-3.0, 1.0], "width": width},
        "sensors": {"x0": [0.0, 2.5], "width": width, "noise": 0.1},
        "disturbances": {"x0": [-11.0], "width": width, "variance": 0.7},
    }
    if control is not None:
        data["control"] = control
    for key, value in sections.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data



@pytest.fixture(scope="module")
def ss():
    return state_space(load_config(config()))


def shapes(x, centres, width):
    """exp(-((x - c)/width)^2), one column per centre, written out afresh."""
    return np.stack([np.exp(-(((x - c) / width) ** 2)) for c in centres], axis=1)


def test_energy_norm_of_energy_coordinates_is_the_quadrature_energy(ss):
    rng = np.random.default_rng(3)
    prob = ss.problem
    w = np.asarray(prob.weights, dtype=float)
    for _ in range(5):
        q = rng.standard_normal(ss.n) + 1j * rng.standard_normal(ss.n)
        z = ss.to_energy(q)
        quadrature = float(np.real(np.vdot(q, w * q)))  # q^H M q
        assert np.linalg.norm(z) ** 2 == pytest.approx(quadrature, rel=1e-13)
        assert np.linalg.norm(z) ** 2 == pytest.approx(prob.energy(q), rel=1e-13)
        np.testing.assert_allclose(ss.to_state(z), q, rtol=1e-14, atol=0)
    # columns of a matrix are transformed one by one
    Q = rng.standard_normal((ss.n, 3)) + 1j * rng.standard_normal((ss.n, 3))
    Z = ss.to_energy(Q)
    for j in range(3):
        assert np.linalg.norm(Z[:, j]) ** 2 == pytest.approx(prob.energy(Q[:, j]), rel=1e-13)
    # and the integral of |q|^2 of a smooth function is the exact one: the Gaussian
    # exp(-x^2/8) has integral of its square sqrt(pi) * 2
    g = np.exp(-(prob.x / np.sqrt(8.0)) ** 2)
    assert np.linalg.norm(ss.to_energy(g)) ** 2 == pytest.approx(2 * np.sqrt(np.pi), rel=1e-10)


def test_matrices_are_the_similarity_transform_of_the_nodal_system(ss):
    prob = ss.problem
    x, w = np.asarray(prob.x), np.asarray(prob.weights)
    Mh = np.diag(np.sqrt(w))
    Mhi = np.diag(1 / np.sqrt(w))
    np.testing.assert_allclose(ss.A, Mh @ prob.L @ Mhi, rtol=1e-13, atol=1e-13 * np.abs(ss.A).max())
    b = shapes(x, [-3.0, 1.0], 1.0)
    s = shapes(x, [0.0, 2.5], 1.0)
    f = np.sqrt(0.7) * shapes(x, [-11.0], 1.0)
    np.testing.assert_allclose(ss.B, Mh @ b, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(ss.B_d, Mh @ f, rtol=1e-14, atol=1e-300)
    # y_j = sum_k w_k s_j(x_k) q_k, so C z = C M^(1/2) q must equal that sum
    rng = np.random.default_rng(0)
    q = rng.standard_normal(ss.n) + 1j * rng.standard_normal(ss.n)
    np.testing.assert_allclose(ss.C @ ss.to_energy(q), (s * w[:, None]).T @ q, rtol=1e-12)
    np.testing.assert_allclose(ss.V, 0.1 * np.eye(2))
    np.testing.assert_allclose(ss.W, ss.B_d @ ss.B_d.conj().T)


@pytest.mark.parametrize("s_point", [0.0, 0.3j, -0.65j, 1.2j, 0.05 - 0.5j, 0.5 + 2.0j])
def test_transfer_function_equals_the_nodal_one(ss, s_point):
    prob = ss.problem
    x, w = np.asarray(prob.x), np.asarray(prob.weights)
    b = shapes(x, [-3.0, 1.0], 1.0)
    c = (shapes(x, [0.0, 2.5], 1.0) * w[:, None]).T  # quadrature rows of the sensors
    nodal = c @ np.linalg.solve(s_point * np.eye(ss.n) - prob.L, b)
    energy = ss.C @ np.linalg.solve(s_point * np.eye(ss.n) - ss.A, ss.B)
    np.testing.assert_allclose(energy, nodal, rtol=1e-9, atol=1e-12 * np.abs(nodal).max())
    np.testing.assert_allclose(ss.transfer(s_point), nodal, rtol=1e-9, atol=1e-12 * np.abs(nodal).max())
    plant = ss.plant()
    np.testing.assert_allclose(plant.transfer(s_point), nodal, rtol=1e-9, atol=1e-12 * np.abs(nodal).max())


def ginzburg_landau_eigenvalues(mu0, count):
    """lambda_n = mu0 - cu^2 - nu^2/(4 gamma) - (n + 1/2) h, h = sqrt(-2 mu2 gamma)
    (Bagheri et al. 2009, eq. 4.9; nu = U + 2i cu, gamma = 1 + i cd)."""
    nu = complex(FLOW["U"], 2 * FLOW["cu"])
    gamma = complex(1.0, FLOW["cd"])
    h = np.sqrt(-2 * FLOW["mu2"] * gamma)
    return mu0 - FLOW["cu"] ** 2 - nu**2 / (4 * gamma) - (np.arange(count) + 0.5) * h


@pytest.mark.parametrize("mu0", [0.38, 0.41])
def test_eigenvalues_of_A_are_those_of_L_and_of_the_operator(mu0):
    ss = state_space(load_config(config(mu0=mu0, n=80)))
    lam_A = scipy.linalg.eigvals(ss.A)
    lam_L, left, right = scipy.linalg.eig(ss.problem.L, left=True, right=True)
    # every eigenvalue of L has one of A within its own perturbation bound:
    # kappa_j = 1/|y_j^H x_j| (unit left and right vectors) times eps ||L||
    kappa = 1 / np.abs(np.sum(left.conj() * right, axis=0))
    bound = 1e3 * kappa * np.finfo(float).eps * np.linalg.norm(ss.problem.L, 2)
    gaps = np.array([np.min(np.abs(lam_A - lam)) for lam in lam_L])
    assert np.all(gaps <= np.maximum(bound, 1e-12 * np.abs(lam_L))), np.max(gaps / bound)
    # the least stable ten agree to 1e-8 relative
    lead = lam_L[np.argsort(-lam_L.real)][:10]
    for lam in lead:
        assert np.min(np.abs(lam_A - lam)) <= 1e-8 * abs(lam)
    # and the leading four are the closed-form eigenvalues of the continuous operator
    exact = ginzburg_landau_eigenvalues(mu0, 4)
    for lam in exact:
        assert np.min(np.abs(lam_A - lam)) <= 1e-9 * abs(lam)
    # mu0 = 0.41 is above mu_c = 0.3977: one eigenvalue in the right half-plane
    assert (np.max(lam_A.real) > 0) == (mu0 > 0.3977)


# --------------------------------------------------------------------------- config errors


def _error_key(data):
    with pytest.raises(ConfigError) as err:
        load_config(data)
    return err.value


def test_lqg_without_actuators_names_the_compensator():
    err = _error_key(config(control={"compensator": "lqg"}, actuators=None))
    assert err.key == "control.compensator"
    assert "actuators" in str(err)


def test_lqg_without_sensors_names_the_compensator():
    err = _error_key(config(control={"compensator": "lqg"}, sensors=None))
    assert err.key == "control.compensator"
    assert "sensors" in str(err)


def test_lqr_needs_actuators_but_none_needs_nothing():
    err = _error_key(config(control={"compensator": "lqr"}, actuators=None))
    assert err.key == "control.compensator"
    # lqr reads the full state: no sensors needed; "none" needs no actuators
    load_config(config(control={"compensator": "lqr"}, sensors=None))
    load_config(config(control={"compensator": "none"}, actuators=None))


@pytest.mark.parametrize("section", ["actuators", "sensors", "disturbances", "control"])
def test_fourier_grid_refuses_every_control_section(section):
    data = {
        "name": "periodic",
        "equation": {"nu": 0, "gamma": "1+0.5j", "mu": [1.0], "beta": "1-1j"},
        "grid": {"basis": "fourier", "n": 32, "length": 50.0},
        "initial": {"kind": "constant", "amplitude": 0.1},
        "time": {"scheme": "strang", "dt": 0.1, "t_end": 1.0},
        section: {"compensator": "none"} if section == "control" else {"x0": [0.0]},
    }
    err = _error_key(data)
    assert err.key == section
    assert "hermite" in str(err)


def test_forcing_and_control_together_names_forcing():
    forcing = {"kind": "white_noise", "x0": -11.0, "width": 1.6, "intensity": 1.0}
    err = _error_key(config(control={"compensator": "lqg"}, forcing=forcing))
    assert err.key == "forcing"
    # the same forcing without a control section is fine
    load_config(config(forcing=forcing))


def test_rtol_with_control_names_control():
    from cgle.steppers import registry

    adaptive = sorted(name for name, cls in registry().items() if cls.adaptive)
    data = config(control={"compensator": "lqg"})
    data["time"].update(scheme=adaptive[0], rtol=1e-6)
    err = _error_key(data)
    assert err.key == "control"
    assert "rtol" in str(err)
    # the adaptive run itself is allowed without a control section
    del data["control"]
    load_config(data)


@pytest.mark.parametrize("t_off", [100.0, 50.0])
def test_t_off_not_after_t_on_names_t_off(t_off):
    err = _error_key(config(control={"compensator": "lqg", "t_on": 100.0, "t_off": t_off}))
    assert err.key == "control.t_off"
    load_config(config(control={"compensator": "lqg", "t_on": 100.0, "t_off": 100.5}))


def test_replace_checks_control_keys_too():
    cfg = load_config(config(control={"compensator": "lqg", "t_on": 10.0}))
    with pytest.raises(ConfigError) as err:
        cfg.replace("control.t_off", 5.0)
    assert err.value.key == "control.t_off"
    assert cfg.replace("control.t_on", 0).control.t_on == 0
