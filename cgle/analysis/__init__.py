"""Analysis of the discretised operator and of run files.

Linear stability, by topic (all in the energy norm of the quadrature weights; the
namespace :mod:`cgle.stability` gathers their public functions):

=================  ===============================================================
``energy``         the operator in energy coordinates, F = M^(1/2) L M^(-1/2)
``spectra``        global modes, sorted, with the analytic Hermite-function ones
``growth``         transient growth G(t) and resolvent gain R(omega)
``pseudospectra``  sigma_min(z I - L) on a grid
``gramians``       Lyapunov equations, H2 norms, stationary covariance and energy
``thresholds``     critical parameter values, flow-form and local thresholds
``verdicts``       the summary ``cgle stability`` prints
=================  ===============================================================

Run files: ``diagnostics`` (per-frame numbers of periodic fields: defects, winding,
correlation length) and ``regimes`` (clustering of snapshots into regimes, correlation
across x; ``cgle analyze``).
"""
