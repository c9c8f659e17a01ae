"""Thresholds of instability: critical parameter values, analytic flow thresholds and
local (parallel-flow) stability.

- :func:`critical_value`: the value of a numeric config entry at which the leading
  growth rate crosses zero (Brent's method on the discretised operator);
- :func:`flow_thresholds`: the analytic convective, absolute and global thresholds in
  mu0 of the flow form (Bagheri et al., Appl. Mech. Rev. 62, 020803, 2009);
- :func:`local_stability`: the frozen-coefficient verdict at the most unstable station
  (Huerre & Monkewitz, Annu. Rev. Fluid Mech. 22, 1990).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from cgle.analysis.spectra import leading_eigenvalue
from cgle.config import ConfigError, load_config, to_dict, with_values
from cgle.config.loader import Config
from cgle.config.schema import Equation, Flow
from cgle.problem import build_problem
from cgle.threads import policed


def _numeric_entry(cfg, key):
    """The current value of a real-valued dotted config key, or a ConfigError."""
    node = to_dict(cfg)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(key, "is not a key of this config", None, show_value=False)
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ConfigError(key, "critical_value needs a real-valued entry", node)
    return float(node)


@policed
def critical_value(cfg: Config | str | os.PathLike | dict, key: str, bracket: tuple[float, float], *,
                   xtol: float = 1e-13) -> float:
    """The value of config entry ``key`` where the leading growth rate crosses zero.

    Brent's method (``scipy.optimize.brentq``) on g(value) = max Re(lambda) of the
    problem built from ``cfg`` with ``key`` set to ``value``.

    Parameters
    ----------
    cfg : Config, YAML path or dict
    key : str
        Dotted key of a real-valued entry, e.g. ``"flow.mu0"``.
    bracket : (float, float)
        Values at which the leading growth rate has opposite signs.
    xtol : float
        Absolute tolerance on the value (relative tolerance: 4 machine epsilons).

    Returns
    -------
    float

    Raises
    ------
    ConfigError
        When ``key`` is not a real-valued entry of the config or a value is invalid.
    ValueError
        When the growth rate does not change sign over ``bracket``.
    """
    cfg = load_config(cfg)
    _numeric_entry(cfg, key)
    try:
        a, b = (float(v) for v in bracket)
    except (TypeError, ValueError):
        raise ValueError(f"bracket must be two numbers (got {bracket!r})") from None
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"bracket must be [a, b] with finite a < b (got {bracket!r})")

    def growth(value):
        return leading_eigenvalue(build_problem(with_values(cfg, {key: value}))).real

    ga, gb = growth(a), growth(b)
    if ga * gb > 0:
        raise ValueError(f"the leading growth rate does not change sign over bracket [{a:g}, {b:g}] for {key}: "
                         f"max Re(lambda) = {ga:.6g} and {gb:.6g}")
    if ga == 0:
        return a
    if gb == 0:
        return b
    return float(scipy.optimize.brentq(growth, a, b, xtol=xtol, rtol=4 * np.finfo(float).eps))


# --------------------------------------------------------------------------- flow form and local analysis


@dataclass(frozen=True)
class FlowThresholds:
    """Analytic thresholds in mu0 for the flow form (the theory page; Bagheri et al. 2009).

    Attributes
    ----------
    mu_convective : float
        0: for mu0 > 0 the region around x = 0 is locally convectively unstable.
    mu_t : float
        U_max^2 / (4 |gamma|^2), U_max = U + 2 c_d c_u: for mu0 > mu_t a region is
        locally absolutely unstable.
    mu_c : float or None
        mu_t + (|h|/2) cos(arg(gamma)/2), h = sqrt(-2 mu2 gamma): for mu0 > mu_c the
        flow is globally unstable (Re lambda_0 = 0 at mu_c). None when mu2 >= 0.
    """

    mu_convective: float
    mu_t: float
    mu_c: float | None


def flow_thresholds(flow: Flow) -> FlowThresholds:
    """The analytic thresholds :class:`FlowThresholds` of a ``cgle.config.Flow``.

    Derivation of mu_t (with :func:`local_stability`): the absolute growth rate at x is
    Re(mu(x) - nu^2/(4 gamma)); with nu = U + 2i c_u, gamma = 1 + i c_d,
    Re(nu^2/(4 gamma)) = (U^2 - 4 c_u^2 + 4 U c_u c_d) / (4 |gamma|^2) = mu_t - c_u^2,
    so at x = 0, where mu = mu0 - c_u^2, it is mu0 - mu_t. Similarly the largest temporal
    growth rate over real k is Re mu + Im(nu)^2 / (4 Re gamma) = mu0 at x = 0.
    """
    gamma = complex(1.0, flow.cd)
    u_max = flow.U + 2 * flow.cd * flow.cu
    mu_t = u_max**2 / (4 * abs(gamma) ** 2)
    mu_c = None
    if flow.mu2 < 0:
        h = np.sqrt(-2 * flow.mu2 * gamma)
        mu_c = float(mu_t + abs(h) / 2 * math.cos(np.angle(gamma) / 2))
    return FlowThresholds(0.0, float(mu_t), mu_c)


@dataclass(frozen=True)
class LocalStability:
    """Local (parallel-flow) stability at the most unstable station x_peak.

    For frozen coefficients at x the dispersion relation of q ~ exp(i k x + lambda t) is
    lambda(k; x) = mu(x) - i nu k - gamma k^2 (Huerre & Monkewitz, Annu. Rev. Fluid
    Mech. 22, 1990; Bagheri et al. 2009).

    Attributes
    ----------
    x_peak : float
        Where Re mu(x) is largest.
    temporal_growth : float
        max over real k of Re lambda = Re mu + Im(nu)^2 / (4 Re gamma) at x_peak.
    absolute_growth : float
        Re lambda at the saddle point d lambda / dk = 0, k0 = -i nu / (2 gamma):
        Re(mu - nu^2 / (4 gamma)) at x_peak (a valid pinch point for Re gamma > 0).
    verdict : str
        "locally stable", "locally convectively unstable" or "locally absolutely unstable".
    unstable_region, absolute_region : tuple (x_lo, x_hi) or None
        Where temporal_growth(x) > 0, and where absolute_growth(x) > 0.
    """

    x_peak: float
    temporal_growth: float
    absolute_growth: float
    verdict: str
    unstable_region: tuple | None
    absolute_region: tuple | None


def local_stability(equation: Equation) -> LocalStability | None:
    """Local stability verdict for mu(x) = m0 + m1 x + m2 x^2 with real m1, m2 <= 0, Re gamma > 0.

    Returns None when mu(x) is not of that form (no most-unstable station). See
    :class:`LocalStability`; in the flow form the thresholds are mu0 > 0 (convective)
    and mu0 > mu_t (absolute), :func:`flow_thresholds`.
    """
    mu = [complex(m) for m in equation.mu] + [0j] * 3
    gamma, nu = complex(equation.gamma), complex(equation.nu)
    if any(m != 0 for m in mu[3:]) or mu[1].imag != 0 or mu[2].imag != 0 or gamma.real <= 0:
        return None
    m1, m2 = mu[1].real, mu[2].real
    if m2 > 0 or (m2 == 0 and m1 != 0):
        return None
    x_peak = 0.0 if m2 == 0 else -m1 / (2 * m2)
    mu_peak = mu[0] + m1 * x_peak + m2 * x_peak**2
    temporal = mu_peak.real + nu.imag**2 / (4 * gamma.real)
    absolute = (mu_peak - nu**2 / (4 * gamma)).real

    def region(level):
        # where level + m2 (x - x_peak)^2 > 0
        if level <= 0:
            return None
        if m2 == 0:
            return (-math.inf, math.inf)
        half = math.sqrt(level / -m2)
        return (x_peak - half, x_peak + half)

    if absolute > 0:
        verdict = "locally absolutely unstable"
    elif temporal > 0:
        verdict = "locally convectively unstable"
    else:
        verdict = "locally stable"
    return LocalStability(float(x_peak), float(temporal), float(absolute), verdict, region(temporal),
                          region(absolute))
