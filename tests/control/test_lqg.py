"""Riccati and Lyapunov solves, LQR/Kalman gains and the LQG loop, against mathematics.

* residuals are recomputed here from the equations, not read from the solver;
* the Riccati solutions are recomputed independently as the stable invariant subspace
  of the Hamiltonian matrix H = [[A, -B R^-1 B^H], [-Q, -A^H]] (ordered complex Schur
  form): X = U21 U11^-1 (Laub 1979);
* the closed loop of the supercritical (globally unstable) flow must be stable, and its
  spectrum the union of eig(A - BK) and eig(A - LC) (separation principle), checked
  through the similarity [z; z - xh] that makes the loop block triangular;
* the LQG cost trace(Q Y) + trace(X L V L^H) = trace(X W) + trace(Y K^H R K) must
  equal the squared H2 norm of the loop.
"""

import numpy as np
import pytest
import scipy.linalg
from scipy.optimize import linear_sum_assignment

from cgle.config import load_config
from cgle.control import (
    SolverError,
    care,
    h2_norm,
    kalman_gain,
    lqg,
    lqg_loop,
    lqr_gain,
    lyapunov,
    state_feedback_loop,
    state_space,
)
from cgle.control.feedback import cost_matrix

FLOW = {"U": 2.0, "cu": 0.2, "cd": -1.0, "mu2": -0.01, "beta": 0.1}


def config(mu0, n=80, actuators=(-3.0,), sensors=(0.0,)):
    """The gl_supercritical flow parameters (mu0 = 0.41) or the subcritical 0.38, with
    actuators, sensors and an upstream disturbance of width 1 (resolved at n = 80)."""
    return {
        "name": "lqg",
        "flow": dict(FLOW, mu0=mu0),
        "grid": {"basis": "hermite", "n": n, "scale": "auto"},
        "initial": {"kind": "constant", "amplitude": 0.0},
        "time": {"scheme": "etd1", "dt": 0.1, "t_end": 1.0},
        "actuators": {"x0": list(actuators), "width": 1.0},
        "sensors": {"x0": list(sensors), "width": 1.0, "noise": 0.1},
        "disturbances": {"x0": [-11.0], "width": 1.0, "variance": 1.0},
    }



@pytest.fixture(scope="module")
def unstable():
    return state_space(load_config(config(0.41)))


@pytest.fixture(scope="module")
def unstable_lqg(unstable):
    return lqg(unstable)


def hamiltonian_riccati(A, B, Q, R):
    """Stabilising solution of A^H X + X A - X B R^-1 B^H X + Q = 0 from the stable
    invariant subspace of the Hamiltonian matrix (independent of scipy's CARE)."""
    n = A.shape[0]
    G = B @ np.linalg.solve(R, B.conj().T)
    H = np.block([[A, -G], [-Q, -A.conj().T]])
    _, Z, sdim = scipy.linalg.schur(H, output="complex", sort="lhp")
    assert sdim == n  # no eigenvalues on the imaginary axis: a stabilising solution exists
    X = Z[n:, :n] @ np.linalg.inv(Z[:n, :n])
    return (X + X.conj().T) / 2


def riccati_residual(A, B, Q, R, X):
    """||A^H X + X A - X B R^-1 B^H X + Q||_F over the sum of the terms' norms."""
    terms = [A.conj().T @ X, X @ A, X @ B @ np.linalg.solve(R, B.conj().T) @ X, Q]
    res = terms[0] + terms[1] - terms[2] + terms[3]
    return np.linalg.norm(res) / sum(np.linalg.norm(t) for t in terms)


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("mu0", [0.38, 0.41])
@pytest.mark.parametrize("R", [1.0, 0.2])
def test_riccati_residuals_and_gains_match_the_hamiltonian_solution(mu0, R):
    ss = state_space(load_config(config(mu0, actuators=(-3.0, 1.0), sensors=(0.0, 2.0))))
    Rm = R * np.eye(2)
    Q = np.eye(ss.n)
    control = lqr_gain(ss, Q, R)
    estimate = kalman_gain(ss)
    comp = lqg(ss, R=R)
    # residuals recomputed from the equations
    res_x = riccati_residual(ss.A, ss.B, Q, Rm, control.riccati)
    res_y = riccati_residual(ss.A.conj().T, ss.C.conj().T, ss.W, ss.V, estimate.riccati)
    print(f"mu0 {mu0} R {R}: residual X {res_x:.2e} Y {res_y:.2e}")
    assert res_x <= 1e-10 and res_y <= 1e-10
    # the solver's own residuals are the same measure
    assert control.residual == pytest.approx(res_x, rel=1e-3, abs=1e-15)
    # solutions and gains against the Hamiltonian invariant subspace
    X = hamiltonian_riccati(ss.A, ss.B, Q, Rm)
    Y = hamiltonian_riccati(ss.A.conj().T, ss.C.conj().T, ss.W, ss.V)
    K = np.linalg.solve(Rm, ss.B.conj().T @ X)
    L = Y @ ss.C.conj().T @ np.linalg.inv(ss.V)
    errors = relative(control.riccati, X), relative(control.gain, K), relative(estimate.riccati, Y), \
        relative(estimate.gain, L)
    print("  X, K, Y, L relative to the Hamiltonian solution:", ", ".join(f"{e:.1e}" for e in errors))
    assert max(errors) <= 1e-8
    np.testing.assert_allclose(comp.K, control.gain, rtol=1e-12, atol=0)
    np.testing.assert_allclose(comp.L, estimate.gain, rtol=1e-12, atol=0)
    # Hermitian and positive semidefinite (X > 0 with Q = I)
    for M in (control.riccati, estimate.riccati):
        np.testing.assert_array_equal(M, M.conj().T)
    assert np.linalg.eigvalsh(control.riccati).min() > 0
    assert np.linalg.eigvalsh(estimate.riccati).min() > -1e-12 * np.linalg.norm(estimate.riccati, 2)
    # the compensator has the structure of the separation principle
    np.testing.assert_allclose(comp.A_K, ss.A - ss.B @ comp.K - comp.L @ ss.C, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(comp.B_K, comp.L)
    np.testing.assert_array_equal(comp.C_K, -comp.K)


def test_output_cost_matches_the_hamiltonian_solution():
    ss = state_space(load_config(config(0.41)))
    Q = cost_matrix(ss, "output")
    np.testing.assert_allclose(Q, ss.C.conj().T @ ss.C)
    # Q = C^H C is only semidefinite; (A, C) is detectable, so the solution still exists
    gain = lqr_gain(ss, Q, 1.0)
    X = hamiltonian_riccati(ss.A, ss.B, Q, np.eye(1))
    assert riccati_residual(ss.A, ss.B, Q, np.eye(1), gain.riccati) <= 1e-10
    assert relative(gain.riccati, X) <= 1e-8


def test_supercritical_flow_is_unstable_and_every_loop_is_stable(unstable, unstable_lqg):
    ss, comp = unstable, unstable_lqg
    open_loop = scipy.linalg.eigvals(ss.A)
    assert open_loop.real.max() > 0.01  # the global mode grows (0.0123 at mu0 = 0.41)
    loops = {
        "A - BK": ss.A - ss.B @ comp.K,
        "A - LC": ss.A - comp.L @ ss.C,
        "LQG": lqg_loop(ss, comp).A,
        "LQR loop": state_feedback_loop(ss, comp.K).A,
    }
    for name, M in loops.items():
        lead = scipy.linalg.eigvals(M).real.max()
        print(f"{name}: largest growth rate {lead:.4f} (open loop {open_loop.real.max():.4f})")
        assert lead < 0, name
    # the LQG loop is twice the size of the plant
    assert loops["LQG"].shape == (2 * ss.n, 2 * ss.n)


def _matched(a, b):
    """Pairs of eigenvalues of a and b matched to minimise the total distance."""
    D = np.abs(a[:, None] - b[None, :])
    rows, cols = linear_sum_assignment(D)
    return a[rows], b[cols]


def test_separation_principle(unstable, unstable_lqg):
    ss, comp = unstable, unstable_lqg
    n = ss.n
    Acl = lqg_loop(ss, comp).A
    # with the estimation error e = z - xh the loop is [[A - BK, BK], [0, A - LC]]
    T = np.block([[np.eye(n), np.zeros((n, n))], [np.eye(n), -np.eye(n)]])  # T^-1 = T
    tri = T @ Acl @ T
    scale = np.linalg.norm(Acl)
    assert np.linalg.norm(tri[n:, :n]) <= 1e-12 * scale
    np.testing.assert_allclose(tri[:n, :n], ss.A - ss.B @ comp.K, atol=1e-12 * scale)
    np.testing.assert_allclose(tri[n:, n:], ss.A - comp.L @ ss.C, atol=1e-12 * scale)
    # and the spectra: the union of the two, matched one to one
    lam = scipy.linalg.eigvals(Acl)
    union = np.concatenate([scipy.linalg.eigvals(ss.A - ss.B @ comp.K), scipy.linalg.eigvals(ss.A - comp.L @ ss.C)])
    a, b = _matched(lam, union)
    rel = np.abs(a - b) / np.abs(b)
    order = np.argsort(-b.real)
    print(f"separation: leading 20 eigenvalues agree to {rel[order[:20]].max():.1e}, all to {rel.max():.1e}")
    assert rel[order[:20]].max() <= 1e-8
    # the far ones are ill-conditioned (non-normal operator): bounded by their conditioning
    _, left, right = scipy.linalg.eig(Acl, left=True, right=True)
    kappa = 1 / np.abs(np.sum(left.conj() * right, axis=0))
    assert rel.max() <= 1e3 * kappa.max() * np.finfo(float).eps * np.linalg.norm(Acl, 2) / np.abs(b).min()


def test_lqg_cost_is_the_squared_h2_norm_of_the_loop(unstable, unstable_lqg):
    ss, comp = unstable, unstable_lqg
    R = np.eye(1)
    J_filter = np.trace(comp.Y).real + np.trace(comp.X @ comp.L @ ss.V @ comp.L.conj().T).real
    J_control = np.trace(comp.X @ ss.W).real + np.trace(comp.Y @ comp.K.conj().T @ R @ comp.K).real
    h2 = h2_norm(lqg_loop(ss, comp))
    # an independent Lyapunov solve of the loop's covariance
    loop = lqg_loop(ss, comp)
    P = scipy.linalg.solve_continuous_lyapunov(loop.A, -loop.B @ loop.B.conj().T)
    J_direct = np.trace(loop.C @ P @ loop.C.conj().T).real
    print(f"LQG cost {J_filter:.10g} {J_control:.10g}, H2^2 {h2**2:.10g}, direct {J_direct:.10g}")
    assert J_filter == pytest.approx(J_control, rel=1e-8)
    assert h2**2 == pytest.approx(J_filter, rel=1e-8)
    assert J_direct == pytest.approx(J_filter, rel=1e-8)
    # full-state feedback is cheaper than output feedback: trace(X W) < J
    assert h2_norm(state_feedback_loop(ss, comp.K)) ** 2 == pytest.approx(np.trace(comp.X @ ss.W).real, rel=1e-8)
    assert np.trace(comp.X @ ss.W).real < J_filter


def test_lyapunov_residual_and_independent_solution():
    ss = state_space(load_config(config(0.38, n=50)))
    F = ss.B_d @ ss.B_d.conj().T + ss.B @ ss.B.conj().T
    sol = lyapunov(ss.A, F)
    AP = ss.A @ sol.X
    res = np.linalg.norm(AP + AP.conj().T + F) / (2 * np.linalg.norm(AP) + np.linalg.norm(F))
    print(f"Lyapunov residual {res:.2e}")
    assert res <= 1e-10
    # the Gramian is the integral of e^(tA) F e^(tA^H): check by the Kronecker form on
    # a vectorised system (independent of Bartels-Stewart)
    n = ss.n
    I = np.eye(n)
    big = np.kron(I, ss.A) + np.kron(ss.A.conj(), I)
    P = np.linalg.solve(big, -F.reshape(-1, order="F")).reshape(n, n, order="F")
    assert relative(sol.X, P) <= 1e-8


def test_unstabilisable_and_unstable_cases_raise_solver_error(unstable):
    ss = unstable
    Q, R = np.eye(ss.n), np.eye(1)
    # B = 0 and an unstable A: no input reaches the growing mode
    with pytest.raises(SolverError, match="stabilis"):
        care(ss.A, np.zeros_like(ss.B), Q, R)
    # an actuator with its component along the unstable mode removed: w^H B = 0 for the
    # left eigenvector w of the unstable eigenvalue, so that mode is uncontrollable
    lam, W, V = scipy.linalg.eig(ss.A, left=True, right=True)
    i = int(np.argmax(lam.real))
    w, v = W[:, i], V[:, i]
    B = ss.B - np.outer(v, w.conj() @ ss.B) / (w.conj() @ v)
    assert abs(w.conj() @ B).max() <= 1e-12 * np.linalg.norm(B)
    assert np.linalg.norm(B) > 0.5 * np.linalg.norm(ss.B)
    with pytest.raises(SolverError):
        care(ss.A, B, Q, R)
    # an undetectable sensor: the filter equation is the same problem for (A^H, C^H)
    C = ss.C - np.outer(ss.C @ v, w.conj()) / (w.conj() @ v)
    with pytest.raises(SolverError):
        care(ss.A.conj().T, C.conj().T, ss.W, ss.V)
    # through the Kalman filter the message is about the filter equation, not the actuators
    import dataclasses

    with pytest.raises(SolverError, match="filter Riccati"):
        kalman_gain(dataclasses.replace(ss, C=C))
    # Lyapunov equations and H2 norms of an unstable matrix
    with pytest.raises(SolverError, match="stable"):
        lyapunov(ss.A, np.eye(ss.n))
    from cgle.control.closed_loop import LinearSystem

    with pytest.raises(SolverError):
        h2_norm(LinearSystem(ss.A, ss.B_d, np.eye(ss.n)))
    # while the same actuator, unaltered, stabilises it
    assert np.linalg.eigvals(ss.A - ss.B @ lqr_gain(ss).gain).real.max() < 0
