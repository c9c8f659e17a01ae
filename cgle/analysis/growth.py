"""Non-modal growth: transient growth G(t) and the resolvent gain R(omega).

Both in the energy norm (:mod:`cgle.analysis.energy`), after Bagheri, Henningson,
Hoepffner & Schmid (Appl. Mech. Rev. 62, 020803, 2009):

- :func:`transient_growth`, :func:`max_transient_growth`: G(t) = ||exp(L t)||_M, its
  maximum over t and the optimal initial condition;
- :func:`resolvent_gain`, :func:`max_resolvent_gain`: R(omega) = ||(i omega I - L)^(-1)||_M
  and its peak with the optimal forcing and response.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.optimize
from numpy.typing import ArrayLike

from cgle import progress
from cgle.analysis.energy import diagonal_spectrum, energy_matrix, is_diagonal
from cgle.analysis.pseudospectra import pseudospectrum, sigma_min_triangular_grid
from cgle.analysis.spectra import leading_eigenvalue, spectrum
from cgle.problem import FourierProblem, Problem
from cgle.threads import policed


def _check_times(t):
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"t must be finite and >= 0 (got {t if t.ndim == 0 else t.tolist()})")
    return t


@policed
def transient_growth(prob: Problem | FourierProblem, t: ArrayLike) -> float | np.ndarray:
    """Amplitude gain G(t) = max_q0 ||exp(L t) q0||_M / ||q0||_M.

    G(t) = sigma_max(exp(F t)), F = M^(1/2) L M^(-1/2) (Bagheri et al. 2009, on
    transient growth); exp by ``scipy.linalg.expm`` (scaling and squaring), never by
    eigenvectors, which are ill-conditioned for the non-normal L.

    Parameters
    ----------
    prob : Problem
    t : float or array of float, >= 0

    Returns
    -------
    float, or ndarray shaped like ``t``.
    """
    t = _check_times(t)
    if is_diagonal(prob):
        # normal operator: G(t) = max_k |exp(lambda_k t)| = exp(max Re(lambda) t)
        gain = np.exp(diagonal_spectrum(prob).real.max() * t)
        return float(gain) if t.ndim == 0 else gain
    F, _ = energy_matrix(prob)
    gain = np.array([scipy.linalg.svdvals(scipy.linalg.expm(F * ti))[0] for ti in t.reshape(-1)])
    return float(gain[0]) if t.ndim == 0 else gain.reshape(t.shape)


@dataclass(frozen=True)
class OptimalGrowth:
    """The maximum of G(t) and where it is reached.

    Attributes
    ----------
    gain : float
        max over t of G(t).
    t : float
        The time of the maximum.
    initial : ndarray (N,) complex or None
        The optimal initial condition q0 (nodal values, unit energy norm): the right
        singular vector of exp(F t) mapped back, q0 = M^(-1/2) v1.
    response : ndarray (N,) complex or None
        exp(L t) q0 (energy norm ``gain``).
    horizon : float
        The end of the interval searched.
    """

    gain: float
    t: float
    initial: np.ndarray | None = field(default=None, repr=False)
    response: np.ndarray | None = field(default=None, repr=False)
    horizon: float = 0.0


def _default_horizon(lead_real):
    """Search horizon when none is given: ten e-folding times of the slowest mode."""
    if not lead_real < 0:
        raise ValueError(f"the leading growth rate is {lead_real:.6g} >= 0: G(t) grows without bound; "
                         "give t_max to search a finite interval")
    return 10.0 / -lead_real


@policed
def max_transient_growth(prob: Problem | FourierProblem, t_max: float | None = None, n_scan: int = 100) -> OptimalGrowth:
    """The maximum over t in [0, t_max] of G(t), its time and the optimal initial condition.

    A scan on a uniform grid of ``n_scan`` intervals (the propagator exp(F h) applied
    repeatedly) locates the maximum; a bounded Brent search with exact ``expm`` on the
    two neighbouring intervals refines it. When the scan peaks at t_max and t_max was
    not given, the horizon is doubled (at most 8 times).

    Parameters
    ----------
    prob : Problem
    t_max : float, optional
        End of the search interval. Default: 10 / |Re lambda_0| (requires a globally
        stable problem).
    n_scan : int
        Scan intervals.

    Returns
    -------
    OptimalGrowth
    """
    if isinstance(n_scan, bool) or not isinstance(n_scan, (int, np.integer)) or n_scan < 4:
        raise ValueError(f"n_scan must be an integer >= 4 (got {n_scan!r})")
    if is_diagonal(prob):
        lead = diagonal_spectrum(prob).real.max()
        # normal: G(t) = exp(Re lambda_0 t) is monotone
        horizon = _default_horizon(lead) if t_max is None else float(_check_times(t_max))
        t_best = 0.0 if lead <= 0 else horizon
        return OptimalGrowth(float(np.exp(lead * t_best)), t_best, None, None, horizon)
    F, sqrt_w = energy_matrix(prob)
    fixed = t_max is not None
    horizon = float(_check_times(t_max)) if fixed else _default_horizon(leading_eigenvalue(prob).real)
    if not horizon > 0:
        raise ValueError(f"t_max must be > 0 (got {t_max!r})")
    for _ in range(9):
        h = horizon / n_scan
        step = scipy.linalg.expm(F * h)
        E = np.eye(F.shape[0], dtype=complex)
        gains = np.empty(n_scan + 1)
        gains[0] = 1.0
        with progress.task(f"transient growth, 0 <= t <= {horizon:.4g}", total=n_scan) as bar:
            for j in range(1, n_scan + 1):
                # E = exp(F j h), one propagator step at a time
                E = step @ E
                gains[j] = scipy.linalg.svdvals(E)[0]
                bar.advance()
        j = int(np.argmax(gains))
        if j < n_scan or fixed:
            break
        horizon *= 2
    else:
        raise ValueError(f"G(t) still grows at t = {horizon:g}; give t_max to search a finite interval")
    if j == 0 and gains[1] < 1.0:
        t_best = 0.0
    else:
        lo, hi = max(0.0, (j - 1) * h), min(horizon, (j + 1) * h)
        res = scipy.optimize.minimize_scalar(
            lambda s: -scipy.linalg.svdvals(scipy.linalg.expm(F * s))[0],
            bounds=(lo, hi), method="bounded", options={"xatol": 1e-8 * max(horizon, 1.0)})
        t_best = float(res.x) if -res.fun >= gains[j] else j * h
    U, s, Vh = scipy.linalg.svd(scipy.linalg.expm(F * t_best))
    # q0 = M^(-1/2) v1 (unit energy norm); response = exp(L t) q0 = M^(-1/2) s1 u1
    initial = Vh[0].conj() / sqrt_w
    response = s[0] * U[:, 0] / sqrt_w
    return OptimalGrowth(float(s[0]), t_best, initial, response, horizon)


# --------------------------------------------------------------------------- resolvent


@policed
def resolvent_gain(prob: Problem | FourierProblem, omega: ArrayLike) -> float | np.ndarray:
    """R(omega) = ||(i omega I - L)^(-1)||_M = 1 / sigma_min(i omega I - F).

    Parameters
    ----------
    prob : Problem
    omega : float or array of float
        Real forcing frequencies (forcing ~ exp(i omega t)).

    Returns
    -------
    float, or ndarray shaped like ``omega`` (inf where i omega is an eigenvalue).
    """
    omega = np.asarray(omega, dtype=float)
    if not np.all(np.isfinite(omega)):
        raise ValueError("omega must be finite")
    sigma = pseudospectrum(prob, 1j * omega)
    with np.errstate(divide="ignore"):
        gain = 1.0 / sigma
    return float(gain) if omega.ndim == 0 else gain


@dataclass(frozen=True)
class ResolventPeak:
    """The peak of R(omega) over real omega.

    Attributes
    ----------
    gain : float
    omega : float
    forcing : ndarray (N,) complex or None
        Optimal forcing shape f (unit energy norm): (i omega I - L)^(-1) f has norm ``gain``.
    response : ndarray (N,) complex or None
        (i omega I - L)^(-1) f.
    """

    gain: float
    omega: float
    forcing: np.ndarray | None = field(default=None, repr=False)
    response: np.ndarray | None = field(default=None, repr=False)


@policed
def max_resolvent_gain(prob: Problem | FourierProblem, omega_range: tuple[float, float] | None = None,
                       n_scan: int = 400) -> ResolventPeak:
    """The peak over omega of R(omega), with the optimal forcing and response.

    A scan on ``n_scan`` + 1 equally spaced frequencies, then a bounded Brent search on
    the neighbouring intervals. The default range covers the imaginary parts of the ten
    least stable eigenvalues, widened by their spread on each side (at least 1); when
    the scan peaks at an end of the default range, the range is widened (at most 4 times).
    For a globally unstable problem R(omega) is the gain of the forced periodic response,
    not an H-infinity norm.

    Returns
    -------
    ResolventPeak
    """
    if is_diagonal(prob):
        lam = diagonal_spectrum(prob)
        j = int(np.argmax(lam.real))
        # normal: R(omega) = 1 / min_k |i omega - lambda_k|, largest at omega = Im lambda_0
        gain = math.inf if lam[j].real == 0 else 1.0 / abs(lam[j].real)
        return ResolventPeak(gain, float(lam[j].imag))
    fixed = omega_range is not None
    if fixed:
        lo, hi = (float(v) for v in omega_range)
        if not lo < hi:
            raise ValueError(f"omega_range must be [lo, hi] with lo < hi (got {omega_range!r})")
    else:
        im = spectrum(prob, 10).values.imag
        pad = max(1.0, im.max() - im.min())
        lo, hi = im.min() - pad, im.max() + pad
    F, sqrt_w = energy_matrix(prob)
    T, Z = scipy.linalg.schur(F, output="complex")
    for _ in range(5):
        omegas = np.linspace(lo, hi, n_scan + 1)
        sig = sigma_min_triangular_grid(T, 1j * omegas)
        j = int(np.argmin(sig))
        if fixed or 0 < j < n_scan:
            break
        width = hi - lo
        lo, hi = lo - width, hi + width
    d = omegas[1] - omegas[0]
    a, b = max(lo, omegas[j] - d), min(hi, omegas[j] + d)
    res = scipy.optimize.minimize_scalar(
        lambda w: sigma_min_triangular_grid(T, np.array([1j * w]))[0],
        bounds=(a, b), method="bounded", options={"xatol": 1e-10 * max(1.0, abs(omegas[j]))})
    omega = float(res.x) if res.fun <= sig[j] else float(omegas[j])
    A = 1j * omega * np.eye(F.shape[0]) - F
    U, s, Vh = scipy.linalg.svd(A)
    # A^(-1) = V S^(-1) U^H: the largest gain 1/s_min maps u_min to v_min / s_min
    forcing = U[:, -1] / sqrt_w
    response = Vh[-1].conj() / s[-1] / sqrt_w
    return ResolventPeak(float(1.0 / s[-1]), omega, forcing, response)
