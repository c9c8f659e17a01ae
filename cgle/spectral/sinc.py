"""Sinc collocation on the real line (DMSuite ``sincdif``).

J. A. C. Weideman and S. C. Reddy, "A MATLAB differentiation matrix suite",
ACM TOMS 26 (2000) 465-519; F. Stenger, *Numerical Methods Based on Sinc and
Analytic Functions*, Springer (1993).

The interpolant is ``p(x) = sum_j f_j sinc((x - x_j)/h)`` with
``sinc(t) = sin(pi t)/(pi t)`` on the equispaced nodes
``x_k = h (k - (N - 1)/2)``, ``k = 0 .. N-1`` (symmetric about 0, as in
DMSuite; half-integer multiples of ``h`` when ``N`` is even).  It suits
functions that decay (to roundoff) before the ends of the grid; the error then
decays like ``exp(-c/h)``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from cgle.spectral._checks import check_int, check_positive

__all__ = ["sincdif", "sinc_weights"]




def _sinc_nodes(N: int, h: float) -> np.ndarray:
    # x_k = h (k - (N-1)/2): 2k - (N-1) is an exact integer, halved exactly
    return h * (2.0 * np.arange(N) - (N - 1)) / 2.0


def sincdif(N: int, M: int, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Sinc differentiation matrices (DMSuite ``sincdif``).

    Parameters
    ----------
    N : int
        Number of nodes, ``N >= 1``.
    M : int
        Highest derivative order, ``M >= 1`` (any order is supported; DMSuite
        asks ``M < N`` only out of habit).
    h : float
        Step size, ``h > 0``.

    Returns
    -------
    x : ndarray, shape (N,)
        ``x_k = h (k - (N - 1)/2)``.
    DM : ndarray, shape (M, N, N)
        ``DM[l]`` is the ``(l + 1)``-th derivative matrix: ``DM[l][i, j] =
        d^(l+1)/dx^(l+1) sinc((x - x_j)/h)`` at ``x = x_i``; Toeplitz,
        symmetric for odd ``l`` (even order) and antisymmetric for even ``l``.

    Notes
    -----
    With ``t = pi (x - x_j) / h`` and ``s(t) = sin(t)/t``,
    ``D^(l)_ij = (pi/h)^l s^(l)(pi (i - j))``.  Differentiating ``t s(t) =
    sin t`` ``l`` times gives ``s^(l)(t) = (sin^(l)(t) - l s^(l-1)(t)) / t``,
    and at ``t = k pi``: ``sin^(l)(k pi) = (-1)^k Im(i^l)`` (used exactly),
    ``s(k pi) = 0``; at ``t = 0``: ``s^(l)(0) = Im(i^(l+1)) / (l + 1)``.
    """
    N = check_int("N", N, 1)
    M = check_int("M", M, 1)
    h = check_positive("h", h)
    # entries grow like (pi/h)^M: refuse orders whose matrix is not representable
    if M * np.log(np.pi / h) > np.log(1e300):
        raise ValueError(f"M must satisfy (pi/h)^M < 1e300 for h = {h!r} (got M = {M})")
    x = _sinc_nodes(N, h)
    k = np.arange(1, N)
    t = np.pi * k
    alt = np.where(k % 2 == 0, 1.0, -1.0)
    sigma = np.zeros(N - 1)  # s^(0)(k pi) = 0
    DM = np.empty((M, N, N))
    for ell in range(1, M + 1):
        # Im(i^l) = 0, 1, 0, -1 for l = 0, 1, 2, 3 (mod 4)
        im_il = (0.0, 1.0, 0.0, -1.0)[ell % 4]
        # s^(l)(k pi) = ((-1)^k Im(i^l) - l s^(l-1)(k pi)) / (k pi)
        sigma = (alt * im_il - ell * sigma) / t
        # s^(l)(0) = Im(i^(l+1)) / (l + 1)
        s0 = (0.0, 1.0, 0.0, -1.0)[(ell + 1) % 4] / (ell + 1)
        col = (np.pi / h) ** ell * np.concatenate([[s0], sigma])
        # D_ij depends on i - j; s^(l) has parity (-1)^l, so row = (-1)^l col
        row = (-1.0) ** ell * col
        DM[ell - 1] = scipy.linalg.toeplitz(col, row)
    return x, DM


def sinc_weights(N: int, h: float) -> np.ndarray:
    """Quadrature weights on the ``sincdif`` nodes: the trapezoid rule ``h``.

    Parameters
    ----------
    N : int
        Number of nodes, ``N >= 1``.
    h : float
        Step size, ``h > 0``.

    Returns
    -------
    w : ndarray, shape (N,)
        ``sum(w * f(x)) ~ integral over the real line of f`` for ``f``
        negligible outside the grid: the integral of the sinc interpolant,
        since ``integral sinc((x - x_j)/h) dx = h``.  Exponentially accurate
        for functions analytic in a strip (e.g. Gaussians).
    """
    N = check_int("N", N, 1)
    h = check_positive("h", h)
    return np.full(N, h)
