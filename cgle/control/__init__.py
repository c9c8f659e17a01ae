"""Flow control and model reduction of the linear(ised) Ginzburg-Landau system.

Everything here works in *energy coordinates* z = M^(1/2) q (M = diag of the quadrature
weights), where the Euclidean norm is the energy norm of q and "Q = identity" is the
energy cost (:mod:`cgle.control.statespace` states the transformation).

=================  ===============================================================
``statespace``     (A, B, C, B_d, V) of a config: Gaussian actuators, sensors, noise
``riccati``        Riccati and Lyapunov solves with residual checks
``feedback``       LQR, Kalman filter, LQG compensator, zero-order-hold discretisation
``closed_loop``    closed-loop matrices, spectra, H2 norms, stationary energies
``reduction``      balanced truncation (square-root), Hankel values, reduced LQG
``snapshots``      balanced POD from impulse-response snapshots (Rowley 2005)
``galerkin``       a Galerkin model of the nonlinear equation on balanced modes
``placement``      H2-optimal actuator/sensor positions and the heuristics
``simulation``     the compensator inside ``cgle run`` (a ``control:`` section)
``report``         what ``cgle control CONFIG`` prints
=================  ===============================================================

The names below load their module on first use (PEP 562); no module is named like a
function it exports, so ``cgle.control.lqg`` is always the function.
"""

import importlib

# public name -> module that defines it
_API = {
    "LinearSystem": "statespace", "StateSpace": "statespace", "state_space": "statespace",
    "from_problem": "statespace", "gaussian": "statespace",
    "SolverError": "riccati", "care": "riccati", "lyapunov": "riccati",
    "lqr": "feedback", "lqr_gain": "feedback", "kalman": "feedback", "kalman_gain": "feedback", "lqg": "feedback",
    "Compensator": "feedback", "cost_matrix": "feedback", "discretise": "feedback",
    "lqg_loop": "closed_loop", "state_feedback_loop": "closed_loop", "eigenvalues": "closed_loop",
    "h2_norm": "closed_loop", "mean_energy": "closed_loop", "loop_statistics": "closed_loop",
    "ReducedModel": "reduction", "gramians": "reduction", "hankel_singular_values": "reduction",
    "balanced_truncation": "reduction", "hinf_error": "reduction", "reduced_lqg": "reduction",
    "bpod": "snapshots", "impulse_snapshots": "snapshots", "split": "unstable",
    "GalerkinModel": "galerkin", "galerkin_model": "galerkin",
    "lqg_cost": "placement", "lqg_cost_gradient": "placement", "optimal_placement": "placement",
    "heuristic_placements": "placement",
    "design": "simulation",
    "control_report": "report",
}

__all__ = sorted(_API)  # noqa: PLE0605 (the names are the keys of _API)


def __getattr__(name):
    if name in _API:
        value = getattr(importlib.import_module(f"cgle.control.{_API[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cgle.control' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
