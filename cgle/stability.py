"""Linear stability of the discretised Ginzburg-Landau operator, in one namespace.

The functions live in :mod:`cgle.analysis` by topic; this module gathers them::

    from cgle import stability
    stability.eigenvalues(prob, k=5)
    stability.critical_value(cfg, "flow.mu0", (0.38, 0.41))
    stability.transient_growth(prob, t)
    stability.resolvent_gain(prob, omega)
    stability.h2_norm(prob, B, C)
    stability.pseudospectrum(prob, grid)
"""

from cgle.analysis.energy import energy_matrix
from cgle.analysis.gramians import (
                                    controllability_gramian,
                                    h2_norm,
                                    observability_gramian,
                                    stationary_covariance,
                                    stationary_energy,
)
from cgle.analysis.growth import (
                                    OptimalGrowth,
                                    ResolventPeak,
                                    max_resolvent_gain,
                                    max_transient_growth,
                                    resolvent_gain,
                                    transient_growth,
)
from cgle.analysis.pseudospectra import pseudospectrum
from cgle.analysis.spectra import (
                                    Spectrum,
                                    analytic_eigenvalues,
                                    analytic_mode,
                                    eigenvalues,
                                    leading_eigenvalue,
                                    mode_distance,
                                    quadratic_coefficients,
                                    spectrum,
)
from cgle.analysis.thresholds import FlowThresholds, LocalStability, critical_value, flow_thresholds, local_stability
from cgle.analysis.verdicts import Summary, global_verdict, summary

__all__ = [
    "energy_matrix",
    "Spectrum", "spectrum", "eigenvalues", "leading_eigenvalue", "analytic_eigenvalues", "analytic_mode",
    "mode_distance", "quadratic_coefficients",
    "transient_growth", "max_transient_growth", "OptimalGrowth",
    "resolvent_gain", "max_resolvent_gain", "ResolventPeak",
    "pseudospectrum",
    "controllability_gramian", "observability_gramian", "h2_norm", "stationary_covariance", "stationary_energy",
    "critical_value", "flow_thresholds", "FlowThresholds", "local_stability", "LocalStability",
    "global_verdict", "summary", "Summary",
]
