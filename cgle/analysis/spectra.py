"""Global modes: the spectrum of the discretised operator, and the analytic one.

The eigenvalues of ``prob.L`` sorted by growth rate (:func:`spectrum`,
:func:`eigenvalues`, :func:`leading_eigenvalue`), and for mu(x) = c1 - c2 x^2 on the
real line the analytic Hermite-function eigenvalues and modes they converge to
(:func:`analytic_eigenvalues`, :func:`analytic_mode`; Chomaz, Huerre & Redekopp 1988;
Bagheri, Henningson, Hoepffner & Schmid, Appl. Mech. Rev. 62, 020803, 2009).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import hermite as H
from numpy.typing import ArrayLike

from cgle.analysis.energy import diagonal_spectrum, is_diagonal
from cgle.config.schema import Equation
from cgle.problem import FourierProblem, Problem
from cgle.problem.modes import global_modes, sort_by_growth
from cgle.threads import policed


def quadratic_coefficients(equation: Equation) -> tuple[complex, complex, float] | None:
    """(c1, c2, x_s) with mu(x) = c1 - c2 (x - x_s)^2, or None if mu is not quadratic.

    ``equation.mu`` holds the polynomial coefficients (m0, m1, m2, ...); it is quadratic
    when m2 != 0 and every higher coefficient is 0. Completing the square:
    c2 = -m2, x_s = m1 / (2 c2), c1 = m0 + m1^2 / (4 c2).
    """
    mu = [complex(m) for m in equation.mu]
    mu += [0j] * (3 - len(mu))
    if mu[2] == 0 or any(m != 0 for m in mu[3:]):
        return None
    c2 = -mu[2]
    x_s = mu[1] / (2 * c2)
    c1 = mu[0] + mu[1] ** 2 / (4 * c2)
    return c1, c2, x_s


def _chi2(equation, c2):
    """chi^2 = sqrt(c2 / gamma) on the branch Re(chi^2) > 0 (principal root), or None."""
    chi2 = np.sqrt(complex(c2) / complex(equation.gamma))
    return chi2 if chi2.real > 0 else None


def analytic_eigenvalues(equation: Equation, k: int) -> np.ndarray | None:
    """The first ``k`` global-mode eigenvalues on the real line for quadratic mu(x).

    For mu(x) = c1 - c2 (x - x_s)^2 (the theory page; Chomaz, Huerre & Redekopp 1988;
    Bagheri et al. 2009):

        lambda_n = c1 - nu^2 / (4 gamma) - (2n + 1) gamma chi^2,   chi^4 = c2 / gamma,

    with the branch Re(chi^2) > 0 that makes the modes decay; gamma chi^2 is the
    sqrt(gamma c2) of the theory page on its branch Re > 0 whenever Re(gamma) > 0.
    Derivation: q = exp(nu x / (2 gamma)) psi removes the advection term,
    gamma psi'' + (c1 - nu^2/(4 gamma) - c2 x^2) psi = lambda psi, and the Hermite
    function psi_n = H_n(chi x) exp(-chi^2 x^2 / 2) has psi_n'' = chi^2 (chi^2 x^2 - 2n - 1) psi_n.

    Parameters
    ----------
    equation : cgle.config.Equation
    k : int
        Number of eigenvalues.

    Returns
    -------
    ndarray (k,) complex, or None when mu is not quadratic or no branch decays.
    """
    quad = quadratic_coefficients(equation)
    if quad is None:
        return None
    c1, c2, _ = quad
    chi2 = _chi2(equation, c2)
    if chi2 is None:
        return None
    nu, gamma = complex(equation.nu), complex(equation.gamma)
    n = np.arange(k)
    return c1 - nu**2 / (4 * gamma) - (2 * n + 1) * gamma * chi2


def analytic_mode(equation: Equation, n: int, x: ArrayLike) -> np.ndarray:
    """The analytic global mode phi_n(x) (unnormalised) for quadratic mu(x).

        phi_n(x) = exp(nu s / (2 gamma) - chi^2 s^2 / 2) H_n(chi s),   s = x - x_s,

    with chi = sqrt(chi^2), Re(chi^2) > 0 (see :func:`analytic_eigenvalues`). The two
    exponentials are combined into one so that neither overflows on its own.

    Raises
    ------
    ValueError
        When mu(x) is not quadratic or no branch decays.
    """
    quad = quadratic_coefficients(equation)
    chi2 = None if quad is None else _chi2(equation, quad[1])
    if chi2 is None:
        raise ValueError("analytic_mode needs mu(x) = c1 - c2 x^2 with modes that decay (Re sqrt(c2/gamma) > 0); "
                         f"got equation.mu = {list(equation.mu)}")
    _, _, x_s = quad
    s = np.asarray(x, dtype=float) - x_s
    nu, gamma = complex(equation.nu), complex(equation.gamma)
    chi = np.sqrt(chi2)
    coef = np.zeros(n + 1)
    coef[n] = 1.0
    return np.exp(nu * s / (2 * gamma) - chi2 * s**2 / 2) * H.hermval(chi * s, coef)


def mode_distance(prob: Problem | FourierProblem, v: np.ndarray, phi: np.ndarray) -> float:
    """Relative energy-norm distance of v from the line through phi.

        min_c ||v - c phi||_M / ||v||_M,   c = <phi, v>_M / <phi, phi>_M

    computed from the residual itself (not from 1 - cos^2, which loses half the digits).
    """
    w = np.asarray(prob.weights, dtype=float).reshape(-1)
    v = np.asarray(v, dtype=complex).reshape(-1)
    phi = np.asarray(phi, dtype=complex).reshape(-1)
    # scale both to unit max so that the inner products cannot overflow
    v = v / np.max(np.abs(v))
    phi = phi / np.max(np.abs(phi))
    c = np.sum(w * np.conj(phi) * v) / np.sum(w * np.abs(phi) ** 2)
    r = v - c * phi
    return float(np.sqrt(np.sum(w * np.abs(r) ** 2) / np.sum(w * np.abs(v) ** 2)))


# --------------------------------------------------------------------------- spectrum


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues of L sorted by decreasing growth rate Re(lambda).

    Attributes
    ----------
    values : ndarray (k,) complex
    vectors : ndarray (N, k) complex or None
        ``vectors[:, j]`` is the eigenvector of ``values[j]``, unit energy norm.
    analytic : ndarray (k,) complex or None
        lambda_n of :func:`analytic_eigenvalues` when the problem is on the real line
        (Hermite) and mu(x) is quadratic; None otherwise.
    """

    values: np.ndarray
    vectors: np.ndarray | None = None
    analytic: np.ndarray | None = None

    @property
    def difference(self) -> np.ndarray | None:
        """values - analytic (None when there is no analytic spectrum)."""
        return None if self.analytic is None else self.values - self.analytic

    @property
    def leading(self) -> complex:
        """The eigenvalue with the largest growth rate."""
        return complex(self.values[0])


@policed
def spectrum(prob: Problem | FourierProblem, k: int | None = None, vectors: bool = False) -> Spectrum:
    """Eigenvalues (and optionally eigenvectors) of ``prob.L``, with the analytic ones.

    Parameters
    ----------
    prob : Problem
    k : int, optional
        How many leading eigenvalues to keep (default: all).
    vectors : bool
        Also compute eigenvectors (dense problems only), normalised to unit energy norm.

    Returns
    -------
    Spectrum
    """
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"k must be a positive integer (got {k!r})")
    if is_diagonal(prob):
        if vectors:
            raise ValueError("eigenvectors of a Fourier problem are the Fourier modes; vectors=True needs "
                             f"grid.basis hermite or chebyshev (got {prob.basis})")
        lam = diagonal_spectrum(prob)
        lam = lam[sort_by_growth(lam)[:k]]
        vecs = None
    else:
        lam, vecs = global_modes(prob.L, prob.weights, k, vectors)
    analytic = None
    if prob.basis == "hermite":
        analytic = analytic_eigenvalues(prob.config.equation, len(lam))
    return Spectrum(lam, vecs, analytic)


def eigenvalues(prob: Problem | FourierProblem, k: int | None = None,
                vectors: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray | None]:
    """Eigenvalues of ``prob.L`` sorted by decreasing growth rate Re(lambda).

    Parameters
    ----------
    prob : Problem
    k : int, optional
        How many leading eigenvalues (default: all).
    vectors : bool
        Also return the eigenvectors.

    Returns
    -------
    lam : ndarray (k,) complex
        When ``vectors`` is False.
    (lam, vecs) : tuple
        When ``vectors`` is True: ``vecs[:, j]`` is the eigenvector of ``lam[j]``,
        normalised to unit energy norm.

    Notes
    -----
    The plain form follows ``scipy.linalg.eig``; :func:`spectrum` returns the same with
    the analytic eigenvalues alongside (a :class:`Spectrum`).
    """
    spec = spectrum(prob, k, vectors)
    return (spec.values, spec.vectors) if vectors else spec.values


def leading_eigenvalue(prob: Problem | FourierProblem) -> complex:
    """The eigenvalue of ``prob.L`` with the largest real part."""
    return spectrum(prob, 1).leading
