"""Chebyshev collocation: differentiation matrices and Clenshaw-Curtis weights.

Conventions follow DMSuite (J. A. C. Weideman and S. C. Reddy, "A MATLAB
differentiation matrix suite", ACM TOMS 26 (2000) 465-519):

* the grid is the N Chebyshev extreme (Gauss-Lobatto) points
  ``x[k] = cos(pi k / (N - 1))``, ``k = 0 .. N-1``, so ``x[0] = 1`` and
  ``x[-1] = -1`` (decreasing order);
* derivative matrices are returned stacked, ``DM.shape == (M, N, N)`` and
  ``DM[l]`` is the matrix of the ``(l + 1)``-th derivative (DMSuite's
  ``DM(:, :, l+1)``).

Numerical safeguards, as in DMSuite: node differences ``x_i - x_j`` are
formed with the trigonometric identity
``cos a - cos b = 2 sin((a + b)/2) sin((b - a)/2)`` and the "flipping trick"
(the lower half of the difference matrix is the negated mirror image of the
upper half), and diagonal entries of ``chebdif`` are the negative sum of the
off-diagonal ones (Baltensperger & Trummer, SIAM J. Sci. Comput. 24 (2003)).
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from cgle.spectral._checks import check_int

__all__ = ["chebdif", "cheb4c", "clenshaw_curtis_weights", "chebyshev_points"]



def chebyshev_points(N: int) -> np.ndarray:
    """The N Chebyshev extreme points ``cos(pi k / (N - 1))`` in DMSuite order.

    Parameters
    ----------
    N : int
        Number of points, ``N >= 2``.

    Returns
    -------
    x : ndarray, shape (N,)
        Decreasing nodes, ``x[0] = 1``, ``x[-1] = -1``; exactly antisymmetric
        (``x[k] == -x[N-1-k]``) because they are computed as
        ``sin(pi (N - 1 - 2k) / (2 (N - 1)))``.
    """
    N = check_int("N", N, 2)
    n = N - 1
    # cos(pi k / n) = sin(pi (n - 2k) / (2n)); the sine form is exactly odd in k
    return np.sin(np.pi * np.arange(n, -n - 1, -2) / (2.0 * n))


def _node_differences(theta: np.ndarray) -> np.ndarray:
    """``DX[i, j] = cos(theta_i) - cos(theta_j)`` computed accurately.

    Uses ``cos a - cos b = 2 sin((b + a)/2) sin((b - a)/2)`` and then the
    flipping trick: the bottom rows are replaced by the negated, left-right
    and up-down mirrored top rows (valid for nodes symmetric about 0, whose
    upper half is computed more accurately).  The diagonal is left 0.
    """
    n_nodes = theta.size
    half = theta / 2.0
    # DX_ij = 2 sin((theta_j + theta_i)/2) sin((theta_j - theta_i)/2) = x_i - x_j
    dx = 2.0 * np.sin(half[None, :] + half[:, None]) * np.sin(half[None, :] - half[:, None])
    n1, n2 = n_nodes // 2, (n_nodes + 1) // 2
    return np.vstack([dx[:n1], -dx[:n2][::-1, ::-1]])


def chebdif(N: int, M: int) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev collocation differentiation matrices (DMSuite ``chebdif``).

    Parameters
    ----------
    N : int
        Number of Chebyshev extreme points, ``N >= 2``.
    M : int
        Highest derivative order, ``1 <= M <= N - 1``.

    Returns
    -------
    x : ndarray, shape (N,)
        ``x[k] = cos(pi k / (N - 1))`` (``x[0] = 1``, decreasing).
    DM : ndarray, shape (M, N, N)
        ``DM[l] @ f(x)`` is the ``(l + 1)``-th derivative of the degree
        ``N - 1`` polynomial interpolant of ``f`` at the nodes.

    Notes
    -----
    Recursion of Welfert (SIAM J. Numer. Anal. 34 (1997)) for the
    off-diagonal entries,

        D^(l)_ij = l / (x_i - x_j) * (c_i / c_j * D^(l-1)_ii - D^(l-1)_ij),

    with ``c_0 = c_{N-1} = 2``, ``c_k = 1`` otherwise, times ``(-1)^(i+j)``,
    and diagonals from the negative-sum identity ``sum_j D^(l)_ij = 0``
    (derivative of a constant).  Node differences are computed with the
    trigonometric identity and flipping trick of DMSuite.
    """
    N = check_int("N", N, 2)
    M = check_int("M", M, 1, N - 1)
    n = N - 1
    x = chebyshev_points(N)
    k = np.arange(N)
    theta = np.pi * k / n
    dx = _node_differences(theta)
    np.fill_diagonal(dx, 1.0)
    # C_ij = (-1)^(i+j) c_i / c_j, c = [2, 1, ..., 1, 2]
    c = np.ones(N)
    c[0] = c[-1] = 2.0
    sign = np.where(k % 2 == 0, 1.0, -1.0)
    C = np.outer(sign * c, sign / c)
    Z = 1.0 / dx
    np.fill_diagonal(Z, 0.0)

    DM = np.empty((M, N, N))
    D = np.eye(N)
    for ell in range(1, M + 1):
        # D_ij <- l Z_ij (C_ij D_ii - D_ij), i != j   (Z_ii = 0 zeroes the diagonal)
        D = ell * Z * (C * np.diag(D)[:, None] - D)
        # D_ii = -sum_{j != i} D_ij  (rows annihilate constants)
        np.fill_diagonal(D, -D.sum(axis=1))
        DM[ell - 1] = D
    return x, DM


def _weighted_welfert(Z: np.ndarray, C: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Differentiation matrices of a weighted Lagrange interpolant (DMSuite ``poldif``).

    The interpolant is ``p(x) = sum_j alpha(x)/alpha(x_j) * l_j(x) f_j`` with
    Lagrange polynomials ``l_j`` on distinct nodes ``x_j``.

    Parameters
    ----------
    Z : ndarray, shape (n, n)
        ``Z[i, j] = 1 / (x_i - x_j)`` off the diagonal, ``Z[i, i] = 0``.
    C : ndarray, shape (n, n)
        ``C[i, j] = c_i / c_j`` with ``c_j = alpha(x_j) prod_{k != j} (x_j - x_k)``
        (any common factor cancels).
    B : ndarray, shape (M, n)
        ``B[l, j] = alpha^(l+1)(x_j) / alpha(x_j)``.

    Returns
    -------
    DM : ndarray, shape (M, n, n)

    Notes
    -----
    Off-diagonal entries: ``D^(l)_ij = l Z_ij (C_ij D^(l-1)_ii - D^(l-1)_ij)``.
    Diagonal entries (Welfert 1997): multiplying the weight by the factors
    ``(x - x_k)/(x_j - x_k) = 1 + (x - x_j)/(x_j - x_k)`` one at a time, the
    ``l``-th derivative at ``x_j`` of the partial product ``g_m`` obeys
    ``g_m^(l) = g_{m-1}^(l) + l g_{m-1}^(l-1) / (x_j - x_k)``, a cumulative sum.
    """
    M, n = B.shape
    # X[:, j] = 1/(x_j - x_k) for k != j (row j of Z without its diagonal entry)
    X = Z[~np.eye(n, dtype=bool)].reshape(n, n - 1).T
    Y = np.ones((n - 1, n))
    D = np.eye(n)
    DM = np.empty((M, n, n))
    for ell in range(1, M + 1):
        # Y[m, j] = g_m^(l)(x_j):  g_0^(l) = B_l,  g_m = g_{m-1} + l g_{m-1}^(l-1) X_m
        Y = np.cumsum(np.vstack([B[ell - 1][None, :], ell * Y[: n - 1] * X]), axis=0)
        D = ell * Z * (C * np.diag(D)[:, None] - D)
        np.fill_diagonal(D, Y[n - 1])
        DM[ell - 1] = D
    return DM


def cheb4c(N: int) -> tuple[np.ndarray, np.ndarray]:
    """Fourth-derivative Chebyshev matrix with clamped boundary conditions.

    DMSuite ``cheb4c``: the unknowns are the values at the ``N - 2`` interior
    Chebyshev points; the interpolant is ``p(x) = (1 - x^2)^2 q(x) / (1 -
    x_j^2)^2``-weighted Lagrange interpolation, so that ``p(+-1) = p'(+-1) =
    0`` hold exactly.

    Parameters
    ----------
    N : int
        Number of Chebyshev points *including* the two boundary points,
        ``N >= 3`` (DMSuite requires ``N >= 4``; ``N = 3`` gives the 1 x 1
        matrix ``[24]``, exact for ``(1 - x^2)^2``).

    Returns
    -------
    x : ndarray, shape (N - 2,)
        Interior points ``cos(pi k / (N - 1))``, ``k = 1 .. N-2`` (decreasing).
    D4 : ndarray, shape (N - 2, N - 2)
        Fourth derivative matrix: ``D4 @ u[x]`` is ``u''''`` for any
        ``u = (1 - x^2)^2 q`` with ``q`` a polynomial of degree ``<= N - 3``.

    Notes
    -----
    Weight ``alpha = (1 - x^2)^2 = sin(theta)^4``; the logarithmic
    derivatives ``alpha^(l)/alpha`` are ``-4x/(1 - x^2)``,
    ``4(3x^2 - 1)/(1 - x^2)^2``, ``24x/(1 - x^2)^2``, ``24/(1 - x^2)^2``,
    evaluated with ``1 - x^2 = sin(theta)^2``.  Same recursion as
    ``poldif`` with DMSuite's trigonometric node differences.
    """
    N = check_int("N", N, 3)
    n = N - 1
    n_int = N - 2
    k = np.arange(1, N - 1)
    theta = np.pi * k / n
    x = np.sin(np.pi * np.arange(n - 2, -n + 1, -2) / (2.0 * n))
    # s = sin(theta), symmetrised so that s[k] == s[n_int-1-k] exactly
    n1, n2 = n_int // 2, (n_int + 1) // 2
    s = np.concatenate([np.sin(theta[:n1]), np.sin(theta[:n2])[::-1]])
    s2 = s * s  # 1 - x^2
    alpha = s2 * s2
    B = np.vstack([-4.0 * s2 * x / alpha, 4.0 * (3.0 * x * x - 1.0) / alpha,
                   24.0 * x / alpha, 24.0 / alpha])
    if n_int == 1:
        # single interior node x = 0: p = (1 - x^2)^2, p'''' = 24 = B[3]
        return x, B[3].reshape(1, 1).copy()
    dx = _node_differences(theta)
    np.fill_diagonal(dx, 1.0)
    # c_j = alpha_j prod_{k != j}(x_j - x_k) up to a common factor; for the
    # interior Chebyshev points prod_{k != j}(x_j - x_k) is proportional to
    # (-1)^j / (1 - x_j^2), so c_j ~ (-1)^j (1 - x_j^2).
    ss = s2 * np.where(k % 2 == 0, 1.0, -1.0)
    C = ss[:, None] / ss[None, :]
    Z = 1.0 / dx
    np.fill_diagonal(Z, 0.0)
    DM = _weighted_welfert(Z, C, B)
    return x, DM[3]


def clenshaw_curtis_weights(N: int) -> np.ndarray:
    """Clenshaw-Curtis quadrature weights on the ``chebdif`` points.

    Parameters
    ----------
    N : int
        Number of Chebyshev extreme points, ``N >= 2``.

    Returns
    -------
    w : ndarray, shape (N,)
        ``sum(w * f(x)) ~ integral_{-1}^{1} f(x) dx`` with ``x =
        chebyshev_points(N)`` (same order as ``chebdif``); exact for
        polynomials of degree ``<= N - 1`` (``<= N`` for odd ``N``).  For an
        interval ``[a, b]`` use ``(b - a)/2 * w`` at ``a + (b - a)(x + 1)/2``.

    Notes
    -----
    With ``n = N - 1`` and ``theta_j = pi j / n``,

        w_j = (c_j / n) * (1 - sum_{k=1}^{floor(n/2)} b_k cos(2 k theta_j) / (4k^2 - 1)),

    ``c_0 = c_n = 1``, ``c_j = 2`` otherwise, ``b_k = 1`` for ``k = n/2`` and
    ``2`` otherwise (Trefethen, *Spectral Methods in MATLAB*, ``clencurt``;
    Waldvogel, BIT 46 (2006)).  The cosine sum is evaluated in
    ``O(N log N)`` as a type-I discrete cosine transform.
    """
    N = check_int("N", N, 2)
    n = N - 1
    if n == 1:
        return np.ones(2)
    # a_m: coefficient of cos(m theta_j) in 1 - sum_k b_k cos(2k theta_j)/(4k^2-1)
    a = np.zeros(n + 1)
    a[0] = 1.0
    kk = np.arange(1, n // 2 + 1)
    bk = np.full(kk.size, 2.0)
    if n % 2 == 0:
        bk[-1] = 1.0
    a[2 * kk] = -bk / (4.0 * kk * kk - 1.0)
    # DCT-I: y_j = a_0 + (-1)^j a_n + 2 sum_{m=1}^{n-1} a_m cos(pi m j / n)
    y = scipy.fft.dct(a, type=1)
    sgn = np.where(np.arange(n + 1) % 2 == 0, 1.0, -1.0)
    # S_j = sum_{m=0}^{n} a_m cos(pi m j / n) = (y_j + a_0 + (-1)^j a_n) / 2
    S = 0.5 * (y + a[0] + sgn * a[n])
    cj = np.full(n + 1, 2.0)
    cj[0] = cj[-1] = 1.0
    w = cj / n * S
    # the rule is symmetric; enforce it exactly
    return 0.5 * (w + w[::-1])
