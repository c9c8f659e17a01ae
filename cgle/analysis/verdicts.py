"""The verdicts ``cgle stability`` prints: spectrum, global and local stability,
flow thresholds and the largest transient growth, in one :class:`Summary`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from cgle.analysis.growth import OptimalGrowth, max_transient_growth
from cgle.analysis.spectra import Spectrum, spectrum
from cgle.analysis.thresholds import FlowThresholds, LocalStability, flow_thresholds, local_stability
from cgle.config import Config, load_config
from cgle.problem import build_problem
from cgle.threads import policed


def global_verdict(lam0: complex) -> str:
    """"globally stable" when Re(lambda_0) < 0, else "globally unstable"."""
    return "globally stable" if complex(lam0).real < 0 else "globally unstable"


@dataclass(frozen=True)
class Summary:
    """What ``cgle stability`` prints: see :func:`summary`."""

    spectrum: Spectrum
    verdict: str
    local: LocalStability | None
    thresholds: FlowThresholds | None
    growth: OptimalGrowth | None


@policed
def summary(cfg: Config | str | os.PathLike | dict, k: int = 5, growth: bool = True) -> Summary:
    """Leading eigenvalues with the analytic ones, verdicts and the maximum transient growth.

    Parameters
    ----------
    cfg : Config, YAML path or dict
    k : int
        Number of leading eigenvalues.
    growth : bool
        Compute :func:`max_transient_growth` (globally stable problems only; None otherwise).

    Returns
    -------
    Summary
    """
    cfg = load_config(cfg)
    prob = build_problem(cfg)
    spec = spectrum(prob, k)
    verdict = global_verdict(spec.leading)
    local = None
    if prob.basis in ("hermite", "chebyshev"):
        local = local_stability(cfg.equation)
    thresholds = flow_thresholds(cfg.flow) if cfg.flow is not None else None
    opt = None
    if growth and spec.leading.real < 0:
        opt = max_transient_growth(prob)
    return Summary(spec, verdict, local, thresholds, opt)
