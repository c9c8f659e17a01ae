"""Inputs and outputs in energy coordinates, Riccati/Lyapunov solves, LQR, Kalman and LQG.

Every check is against mathematics or an independent computation: the quadrature energy,
the nodal transfer function c (sI - L)^(-1) b, the stable invariant subspace of the
Hamiltonian matrix (X = U21 U11^(-1)), residuals computed here, and the separation
principle.
"""

import numpy as np
import pytest
import scipy.linalg

import cgle
from cgle import control
from cgle.config import ConfigError, load_config
from cgle.control.riccati import SolverError

FLOW = {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu2": -0.01}


def config(mu0=0.38, n=100, scale=0.55, **sections):
    data = {"name": "design", "flow": {**FLOW, "mu0": mu0}, "grid": {"basis": "hermite", "n": n, "scale": scale},
            "initial": {"kind": "constant", "amplitude": 0.0}, "time": {"scheme": "etd1", "dt": 0.1, "t_end": 1.0},
            "output": {"every": 0.5},
            "actuators": {"x0": [-3.0], "width": 0.4}, "sensors": {"x0": [0.0], "width": 0.4, "noise": 0.1},
            "disturbances": {"x0": [-11.0], "width": 0.4, "variance": 1.0}}
    data.update(sections)
    return load_config(data)


@pytest.fixture(scope="module")
def stable():
    return control.state_space(config(0.38))


@pytest.fixture(scope="module")
def unstable():
    # globally unstable (mu0 > mu_c = 0.3977), two actuators and two sensors
    return control.state_space(config(0.41, actuators={"x0": [-3.0, -1.0], "width": 0.4},
                                      sensors={"x0": [0.0, 2.0], "width": 0.4, "noise": 0.1}))


def hamiltonian_riccati(A, G, Q):
    """The stabilising solution of A^H X + X A - X G X + Q = 0 from the stable invariant
    subspace of H = [[A, -G], [-Q, -A^H]] (independent of scipy's solver)."""
    n = A.shape[0]
    H = np.block([[A, -G], [-Q, -A.conj().T]])
    T, Z, k = scipy.linalg.schur(H, output="complex", sort="lhp")
    assert k == n
    return Z[n:, :n] @ np.linalg.inv(Z[:n, :n])


def test_energy_coordinates(stable):
    prob = stable.problem
    rng = np.random.default_rng(1)
    q = rng.standard_normal(stable.n) + 1j * rng.standard_normal(stable.n)
    assert np.linalg.norm(stable.to_energy(q)) ** 2 == pytest.approx(prob.energy(q), rel=1e-13)
    np.testing.assert_allclose(stable.to_state(stable.to_energy(q)), q, rtol=1e-14)
    # same spectrum as L, same transfer function as the nodal system
    lam_A = np.sort_complex(np.linalg.eigvals(stable.A))
    lam_L = np.sort_complex(np.linalg.eigvals(np.asarray(prob.L)))
    np.testing.assert_allclose(lam_A, lam_L, atol=1e-9 * np.abs(lam_L).max())
    x, w = prob.x, prob.weights
    b = np.exp(-((x + 3.0) / 0.4) ** 2)
    c = w * np.exp(-((x - 0.0) / 0.4) ** 2)  # y = sum_k w_k s(x_k) q_k
    for s in (0.3j, 0.1 - 0.6j, 1.0):
        nodal = c @ np.linalg.solve(s * np.eye(x.size) - np.asarray(prob.L), b)
        assert stable.transfer(s)[0, 0] == pytest.approx(nodal, rel=1e-10)


@pytest.mark.parametrize("case", ["stable", "unstable"])
def test_riccati_residuals_and_gains_match_the_hamiltonian_route(case, request):
    ss = request.getfixturevalue(case)
    R = 0.7 * np.eye(ss.B.shape[1])
    gain = control.lqr_gain(ss, R=R)
    X = gain.riccati
    # residual computed here, relative to the sizes of the terms
    terms = [ss.A.conj().T @ X, X @ ss.A, X @ ss.B @ np.linalg.solve(R, ss.B.conj().T) @ X, np.eye(ss.n)]
    residual = terms[0] + terms[1] - terms[2] + terms[3]
    assert np.linalg.norm(residual) / sum(np.linalg.norm(t) for t in terms) <= 1e-10
    assert gain.residual <= 1e-10
    X_ham = hamiltonian_riccati(ss.A, ss.B @ np.linalg.solve(R, ss.B.conj().T), np.eye(ss.n))
    np.testing.assert_allclose(X, X_ham, atol=1e-8 * np.abs(X).max())
    np.testing.assert_allclose(gain.gain, np.linalg.solve(R, ss.B.conj().T @ X_ham), atol=1e-8 * np.abs(gain.gain).max())

    est = control.kalman_gain(ss)
    Y, V = est.riccati, ss.V
    terms = [ss.A @ Y, Y @ ss.A.conj().T, Y @ ss.C.conj().T @ np.linalg.solve(V, ss.C) @ Y, ss.W]
    residual = terms[0] + terms[1] - terms[2] + terms[3]
    assert np.linalg.norm(residual) / sum(np.linalg.norm(t) for t in terms) <= 1e-10
    # the filter equation is the control equation of (A^H, C^H)
    Y_ham = hamiltonian_riccati(ss.A.conj().T, ss.C.conj().T @ np.linalg.solve(V, ss.C), ss.W)
    np.testing.assert_allclose(Y, Y_ham, atol=1e-8 * np.abs(Y).max())
    np.testing.assert_allclose(est.gain, Y_ham @ ss.C.conj().T @ np.linalg.inv(V), atol=1e-8 * np.abs(est.gain).max())
    np.testing.assert_allclose(control.kalman(ss), est.gain)
    np.testing.assert_allclose(control.lqr(ss, R=0.7), gain.gain)


def test_lqg_stabilises_a_globally_unstable_flow(unstable):
    ss = unstable
    assert control.eigenvalues(ss.A, 1)[0].real > 0  # globally unstable plant
    comp = control.lqg(ss)
    assert max(comp.residuals) <= 1e-10
    loop = control.lqg_loop(ss, comp)
    closed = control.eigenvalues(loop.A)
    assert closed[0].real < 0
    assert control.eigenvalues(ss.A - ss.B @ comp.K, 1)[0].real < 0
    assert control.eigenvalues(comp.A_est, 1)[0].real < 0
    # separation principle: spec(loop) = spec(A - BK) U spec(A - LC)
    union = np.concatenate([np.linalg.eigvals(ss.A - ss.B @ comp.K), np.linalg.eigvals(ss.A - comp.L @ ss.C)])
    a, b = np.sort_complex(closed), np.sort_complex(union)
    # eigenvalues of the non-normal loop: compare each with its nearest partner
    gap = max(np.min(np.abs(b - z)) for z in a)
    assert gap <= 1e-6 * np.abs(b).max()
    # J = tr(Q Y) + tr(X L V L^H) = tr(X W) + tr(Y K^H R K) = H2^2 of the loop
    J1 = np.trace(comp.Y).real + np.trace(comp.X @ comp.L @ ss.V @ comp.L.conj().T).real
    J2 = np.trace(comp.X @ ss.W).real + np.trace(comp.Y @ comp.K.conj().T @ comp.K).real
    assert J1 == pytest.approx(J2, rel=1e-8)
    assert control.h2_norm(loop) ** 2 == pytest.approx(J1, rel=1e-8)


def test_output_cost_and_lyapunov_residual(stable):
    Q = control.cost_matrix(stable, "output")
    np.testing.assert_allclose(Q, stable.C.conj().T @ stable.C)
    sol = control.lyapunov(stable.A, stable.W)
    P = sol.X
    res = stable.A @ P + P @ stable.A.conj().T + stable.W
    assert np.linalg.norm(res) / (2 * np.linalg.norm(stable.A @ P) + np.linalg.norm(stable.W)) <= 1e-10
    np.testing.assert_allclose(P, scipy.linalg.solve_continuous_lyapunov(stable.A, -stable.W), atol=1e-9 * np.abs(P).max())


def test_solver_errors_name_the_problem(unstable):
    # no actuator: the unstable mode cannot be reached
    with pytest.raises(SolverError, match="stabilising"):
        control.care(unstable.A, np.zeros((unstable.n, 1)), np.eye(unstable.n), np.eye(1))
    with pytest.raises(SolverError, match="stable matrix"):
        control.lyapunov(unstable.A, np.eye(unstable.n))


@pytest.mark.parametrize("change, key", [
    ({"control": {"compensator": "lqg"}, "actuators": None}, "control.compensator"),
    ({"control": {"compensator": "lqg"}, "sensors": None}, "control.compensator"),
    ({"control": {"t_on": 5.0, "t_off": 5.0}}, "control.t_off"),
    ({"control": {}, "forcing": {"kind": "white_noise", "intensity": 1e-3}}, "forcing"),
    ({"control": {}, "time": {"scheme": "strang_richardson", "dt": 0.1, "t_end": 1.0, "rtol": 1e-6}}, "control"),
    ({"actuators": {"x0": [-3.0], "width": 0.0}}, "actuators.width"),
    ({"sensors": {"x0": [0.0], "noise": -1.0}}, "sensors.noise"),
    ({"control": {"compensator": "optimal"}}, "control.compensator"),
    ({"control": {"compensator": "reduced", "order": 500}}, "control.order"),
])
def test_control_config_errors_name_the_key(change, key):
    with pytest.raises(ConfigError) as err:
        config(**change)
    assert err.value.key == key


def test_fourier_grids_have_no_inputs():
    data = {"name": "p", "equation": {"nu": 0, "gamma": "1+1j", "mu": [1.0], "beta": "1+1j"},
            "grid": {"basis": "fourier", "n": 32, "length": 20.0}, "initial": {"kind": "constant", "amplitude": 0.1},
            "time": {"scheme": "strang", "dt": 0.1, "t_end": 1.0}, "output": {"every": 0.5},
            "actuators": {"x0": [0.0]}}
    with pytest.raises(ConfigError) as err:
        load_config(data)
    assert err.value.key == "actuators"


def test_under_resolved_shapes_are_reported():
    with pytest.warns(control.statespace.ResolutionWarning, match="sensors.width"):
        control.state_space(config(n=60, scale="auto"))


def test_cli_control_prints_the_design(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "design.npz"
    done = subprocess.run([sys.executable, "-m", "cgle", "control", "configs/bagheri_lqg.yaml", "--set",
                           "flow.mu0=0.41", "-o", str(out)], capture_output=True, text=True, timeout=300,
                          cwd=cgle.__path__[0] + "/..")
    assert done.returncode == 0, done.stderr
    assert "UNSTABLE" in done.stdout and "LQG loop" in done.stdout and "Hankel singular values" in done.stdout
    saved = np.load(out)
    # the saved closed-loop spectrum is in the left half-plane, the open loop is not
    assert saved["closed_loop"].real.max() < 0 < saved["open_loop"].real.max()
    bad = subprocess.run([sys.executable, "-m", "cgle", "control", "configs/gl_supercritical.yaml"],
                         capture_output=True, text=True, timeout=300, cwd=cgle.__path__[0] + "/..")
    assert bad.returncode == 2 and bad.stderr.startswith("cgle: ") and "actuators" in bad.stderr


@pytest.mark.parametrize("change, key", [
    ({"actuators": {"x0": [1e300]}}, "actuators.x0[0]"),
    ({"sensors": {"x0": [0.0, 80.0]}}, "sensors.x0[1]"),
    ({"disturbances": {"x0": [-11.0], "width": 1e-300}}, "disturbances.width"),
])
def test_shapes_the_nodes_do_not_see_are_refused_at_their_key(change, key):
    # such an input acts on nothing (or an output reads nothing): an error, not a design
    with pytest.raises(ConfigError) as err:
        control.state_space(config(**change))
    assert err.value.key == key
