"""Laguerre collocation on [0, inf): roots, differentiation matrices, quadrature.

Conventions follow DMSuite (J. A. C. Weideman and S. C. Reddy, ACM TOMS 26
(2000) 465-519), ``lagroots`` and ``lagdif``:

* ``lagroots(N)`` are the ``N`` roots of the Laguerre polynomial ``L_N``,
  increasing;
* ``lagdif(N, M, b)`` uses the ``N`` nodes ``x = [0, lagroots(N - 1)] / b``
  and interpolates ``f(x) = exp(-b x / 2) p(x)`` with ``p`` a polynomial of
  degree ``<= N - 1`` (Laguerre functions), ``DM.shape == (M, N, N)``.

Robustness beyond DMSuite: DMSuite's ``poldif`` forms
``c_j = exp(-x_j/2) prod_k (x_j - x_k)``, which overflows/underflows once
``N`` reaches a few hundred; here only the ratios ``c_i / c_j`` are used,
formed from ``log|c_j|``.  Roots are polished by Newton's method on a
rescaled three-term recurrence, and the quadrature weights are computed in
logarithms, so everything stays finite for ``N`` in the thousands.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from cgle.spectral._checks import check_int, check_positive
from cgle.spectral.polynomial import _poldif

__all__ = ["lagroots", "lagdif", "laguerre_weights"]

# rescale the recurrence when |L_k| passes this (keeps 2 steps far from overflow)
_RESCALE_AT = 1e150


def _laguerre_scaled(n: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``L_n(x)`` and ``L_n(x) - L_{n-1}(x)``, rescaled; ``n >= 1``.

    Returns ``(ln, dn, log_scale)`` with ``L_n(x) = ln * exp(log_scale)`` and
    ``L_n(x) - L_{n-1}(x) = dn * exp(log_scale)``.

    The three-term recurrence ``(k + 1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}``
    is run in difference form (as in Cephes' ``eval_genlaguerre``),

        d_k = L_{k+1} - L_k = (k d_{k-1} - x L_k) / (k + 1),   L_{k+1} = L_k + d_k,

    from ``L_0 = 1``, ``d_0 = -x``: it keeps full relative accuracy near the
    small roots, where the plain recurrence cancels.  Both quantities are
    divided by ``|L_k|`` (its log accumulated) whenever they pass ``1e150``.
    """
    ell = np.ones_like(x)
    d = -x
    log_scale = np.zeros_like(x)
    ell = ell + d  # L_1 = 1 - x
    for k in range(1, n):
        # d_k = (k d_{k-1} - x L_k) / (k + 1);  L_{k+1} = L_k + d_k
        d = (k * d - x * ell) / (k + 1)
        ell = ell + d
        big = np.abs(ell) > _RESCALE_AT
        if np.any(big):
            factor = np.where(big, np.abs(ell), 1.0)
            ell = ell / factor
            d = d / factor
            log_scale = log_scale + np.log(factor)
    return ell, d, log_scale


def lagroots(N: int) -> np.ndarray:
    """Roots of the Laguerre polynomial ``L_N`` (DMSuite ``lagroots``).

    Parameters
    ----------
    N : int
        Degree, ``N >= 1``.

    Returns
    -------
    r : ndarray, shape (N,)
        The roots, increasing, all in ``(0, 4N + 2)``.

    Notes
    -----
    Eigenvalues of the symmetric tridiagonal Jacobi matrix (diagonal
    ``2k + 1``, off-diagonal ``k``; Golub & Welsch, Math. Comp. 23 (1969)),
    then two Newton steps ``x <- x - L_N / L_N'`` with
    ``L_N'(x) = N (L_N - L_{N-1}) / x`` evaluated on the rescaled recurrence
    in difference form, which restores full relative accuracy to the small
    roots (the eigenvalues alone are accurate relative to the largest root).
    """
    N = check_int("N", N, 1)
    k = np.arange(N)
    r = scipy.linalg.eigh_tridiagonal(2.0 * k + 1.0, np.arange(1.0, N), eigvals_only=True)
    if N == 1:
        return r
    for _ in range(2):
        ln, dn, _scale = _laguerre_scaled(N, r)
        # Newton: dx = L_N / L_N' = x L_N / (N (L_N - L_{N-1}))
        r = r - r * ln / (N * dn)
    return np.sort(r)


def lagdif(N: int, M: int, b: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Laguerre collocation differentiation matrices (DMSuite ``lagdif``).

    Parameters
    ----------
    N : int
        Number of nodes, ``N >= 2``.
    M : int
        Highest derivative order, ``1 <= M <= N - 1``.
    b : float, optional
        Scale ``b > 0``: nodes are divided by ``b`` (default 1).

    Returns
    -------
    x : ndarray, shape (N,)
        ``[0, lagroots(N - 1)] / b`` (increasing, ``x[0] = 0``).
    DM : ndarray, shape (M, N, N)
        ``DM[l] @ f(x)`` is the ``(l + 1)``-th derivative of the interpolant
        ``exp(-b x / 2) p(x)``, ``deg p <= N - 1``; exact for the Laguerre
        functions ``exp(-b x/2) L_n(b x)``, ``n <= N - 1``.

    Notes
    -----
    Weighted polynomial interpolation with ``alpha(x) = exp(-x/2)`` and
    ``alpha^(l)/alpha = (-1/2)^l`` (DMSuite ``poldif`` form), on the
    unscaled nodes; then ``DM[l] *= b^(l+1)``.  The ratios
    ``c_i / c_j``, ``c_j = alpha(x_j) prod_{k != j} (x_j - x_k)``, are formed
    as ``sign * exp(log|c_i| - log|c_j|)``, which stays in range where the
    products themselves overflow (DMSuite returns NaN there); ``c_j`` comes
    from the Laguerre recurrence (``c_j ~ n exp(-x_j/2) (L_n - L_{n-1})(x_j)``,
    ``n = N - 1``), not from the products.
    """
    N = check_int("N", N, 2)
    M = check_int("M", M, 1, N - 1)
    b = check_positive("b", b)
    n = N - 1
    r = lagroots(n)
    x = np.concatenate([[0.0], r])
    # c_j = alpha(x_j) prod_{k != j}(x_j - x_k).  With prod_k (x - r_k) = (-1)^n n! L_n(x)
    # (common factor dropped): c_0 = L_n(0) = 1 and, at a root,
    # c_j = exp(-r_j/2) r_j L_n'(r_j) = n exp(-r_j/2) (L_n - L_{n-1})(r_j).
    # The rescaled recurrence gives this to a few ulps, where summing N logarithms
    # of node differences would lose ~2 digits at N = 1000.
    _ln, dn, log_scale = _laguerre_scaled(n, r)
    log_c = np.concatenate([[0.0], -r / 2.0 + np.log(n) + np.log(np.abs(dn)) + log_scale])
    sign = np.concatenate([[1.0], np.sign(dn)])
    # alpha^(l)/alpha = (-1/2)^l for alpha = exp(-x/2)
    B = np.repeat((-0.5) ** np.arange(1, M + 1)[:, None], N, axis=1)
    # DMSuite's poldif recursions, fed with log|c_j| and sign(c_j)
    DM = _poldif(x, log_c, sign, B)
    # d/d(x/b) = b d/dx
    DM *= (b ** np.arange(1, M + 1))[:, None, None]
    return x / b, DM


def laguerre_weights(N: int, b: float = 1.0) -> np.ndarray:
    """Gauss-Laguerre weights on the ``lagdif(N, M, b)`` nodes, for integrals of ``f``.

    Parameters
    ----------
    N : int
        Number of ``lagdif`` nodes, ``N >= 2``.
    b : float, optional
        Scale ``b > 0`` as in ``lagdif`` (default 1).

    Returns
    -------
    w : ndarray, shape (N,)
        ``sum(w * f(x)) ~ integral_0^inf f(x) dx`` for ``f`` decaying like
        the *square* of the ``lagdif`` weight, ``exp(-b x)`` (e.g. ``|u|^2``
        for ``u`` represented by ``lagdif``).  Exact for
        ``f = exp(-b x) q(x)``, ``deg q <= 2N - 3``.  ``w[0] = 0``: the nodes
        other than ``x = 0`` are the ``N - 1`` Gauss-Laguerre points, so the
        interpolatory rule on all ``N`` nodes is the Gauss rule, and the
        node at 0 gets weight 0.

    Notes
    -----
    With ``n = N - 1`` roots ``r_k`` of ``L_n``, the Gauss-Laguerre weights
    for ``integral exp(-r) g(r) dr`` are ``lambda_k = 1 / (r_k L_n'(r_k)^2)
    = r_k / (n^2 (L_n - L_{n-1})(r_k)^2)``; for ``integral f`` we use
    ``exp(r_k) lambda_k``, formed as
    ``exp(r_k + log r_k - 2 log n - 2 log|(L_n - L_{n-1})(r_k)|)`` so that
    neither ``exp(r_k)`` nor the polynomials overflow; the change of variable
    ``x = r / b`` divides by ``b``.
    """
    N = check_int("N", N, 2)
    b = check_positive("b", b)
    n = N - 1
    r = lagroots(n)
    _ln, dn, log_scale = _laguerre_scaled(n, r)
    # log|L_n'(r) r / n| = log|L_n(r) - L_{n-1}(r)|
    log_dn = np.log(np.abs(dn)) + log_scale
    # log(exp(r) lambda) = r + log r - 2 log n - 2 log|L_n(r) - L_{n-1}(r)|
    log_w = r + np.log(r) - 2.0 * np.log(n) - 2.0 * log_dn
    return np.concatenate([[0.0], np.exp(log_w)]) / b
