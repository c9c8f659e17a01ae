"""Fourier (periodic) collocation: grid, differentiation matrices, trapezoid weights.

Conventions follow DMSuite's ``fourdif`` (J. A. C. Weideman and S. C. Reddy,
ACM TOMS 26 (2000) 465-519): the grid is ``x_k = 2 pi k / N``, ``k = 0 ..
N-1``, on ``[0, 2 pi)``, and ``fourdif(N, m)`` returns ONE matrix, the
``m``-th derivative of the trigonometric interpolant.

The interpolant uses the wavenumbers ``|k| < N/2``; for even ``N`` the
Nyquist mode ``cos(N x / 2)`` is kept (its odd derivatives vanish at the
nodes, its even ones are ``(-N^2/4)^(m/2) cos(N x/2)``), which is DMSuite's
convention and makes the matrix of every even order symmetric and of every
odd order antisymmetric.  For another period ``L`` scale ``x`` by ``L/(2 pi)``
and the matrix by ``(2 pi / L)^m``.
"""

from __future__ import annotations

import numpy as np

from cgle.spectral._checks import check_int, check_positive

__all__ = ["fourdif", "fourier_grid", "fourier_weights"]

# log(1e300): head-room below the float maximum for matrix entries
_LOG_FLOAT_MAX = np.log(1e300)




def fourier_grid(N: int, length: float = 2.0 * np.pi) -> np.ndarray:
    """Equispaced periodic grid ``x_k = length * k / N``, ``k = 0 .. N-1``.

    Parameters
    ----------
    N : int
        Number of points, ``N >= 1``.
    length : float, optional
        Period ``L > 0``; the default ``2 pi`` gives the ``fourdif`` nodes.

    Returns
    -------
    x : ndarray, shape (N,)
        Nodes on ``[0, L)``.
    """
    N = check_int("N", N, 1)
    length = check_positive("length", length)
    return length * np.arange(N) / N


def fourier_weights(N: int, length: float = 2.0 * np.pi) -> np.ndarray:
    """Trapezoid (periodic) quadrature weights ``L / N`` on ``fourier_grid(N, L)``.

    Parameters
    ----------
    N : int
        Number of points, ``N >= 1``.
    length : float, optional
        Period ``L > 0`` (default ``2 pi``).

    Returns
    -------
    w : ndarray, shape (N,)
        ``sum(w * f(x)) ~ integral_0^L f(x) dx`` for ``L``-periodic ``f``;
        exact for trigonometric polynomials ``exp(2 pi i k x / L)`` with
        ``|k| < N`` (spectrally accurate for smooth periodic ``f``).
    """
    N = check_int("N", N, 1)
    length = check_positive("length", length)
    return np.full(N, length / N)


def _first_column(N: int, m: int) -> np.ndarray:
    """First column ``d[k] = D[k, 0]`` of the circulant m-th derivative matrix.

    ``D[i, j] = d[(i - j) mod N]`` where ``d`` is the m-th derivative of the
    periodic cardinal function ``S_N`` (1 at ``x = 0``, 0 at the other nodes)
    evaluated at ``x_k = k h``, ``h = 2 pi / N``.
    """
    h = 2.0 * np.pi / N
    k = np.arange(1, N)
    # (-1)^k exactly
    alt = np.where(k % 2 == 0, 1.0, -1.0)
    # half-angles k h / 2 reduced to (0, pi/2] by symmetry for accuracy:
    # for k > N/2 use (N - k) h / 2 = pi - k h / 2 and the parity of cot / csc
    kk = np.minimum(k, N - k)
    t = kk * h / 2.0
    flip = k > N - k  # angle pi - t: cot and cos change sign, sin and csc do not
    col = np.zeros(N)
    if m == 0:
        col[0] = 1.0
    elif m == 1:
        if N % 2 == 0:
            # S'(x_k) = (1/2) (-1)^k cot(k h / 2)
            # cot(pi/2) = 0 exactly at k = N/2
            cot = np.where(2 * kk == N, 0.0, np.cos(t) / np.sin(t))
            col[1:] = 0.5 * alt * np.where(flip, -cot, cot)
        else:
            # S'(x_k) = (1/2) (-1)^k csc(k h / 2)
            col[1:] = 0.5 * alt / np.sin(t)
    elif m == 2:
        if N % 2 == 0:
            # S''(0) = -pi^2/(3 h^2) - 1/6,  S''(x_k) = -(1/2) (-1)^k csc^2(k h / 2)
            col[0] = -np.pi**2 / (3.0 * h * h) - 1.0 / 6.0
            col[1:] = -0.5 * alt / np.sin(t) ** 2
        else:
            # S''(0) = -pi^2/(3 h^2) + 1/12,  S''(x_k) = -(1/2) (-1)^k csc cot (k h / 2)
            col[0] = -np.pi**2 / (3.0 * h * h) + 1.0 / 12.0
            csc_cot = np.cos(t) / np.sin(t) ** 2
            col[1:] = -0.5 * alt * np.where(flip, -csc_cot, csc_cot)
    else:
        col = _first_column_by_modes(N, m)
    return col


def _first_column_by_modes(N: int, m: int) -> np.ndarray:
    """``d[k] = (1/N) sum_w (i w)^m exp(i w x_k)`` summed over the interpolant's modes.

    Wavenumbers ``w = 0, +-1, ..., +-(ceil(N/2) - 1)`` and, for even ``N``, the
    Nyquist mode ``cos(N x/2)`` (weight ``1/N``) whose m-th derivative at the
    nodes is ``(-1)^k (N/2)^m cos(m pi / 2)``.  Pairs ``+-w`` combine into
    ``2 w^m cos(w x_k + m pi / 2)``; the phase is reduced exactly in integers,
    ``w k mod N``, so no large arguments reach the cosine.
    """
    k = np.arange(N)
    w = np.arange(1, (N + 1) // 2)  # 1 .. ceil(N/2) - 1
    # (i w)^m e^{i w x} + (-i w)^m e^{-i w x} = 2 w^m cos(w x + m pi / 2)
    # the phase as a fraction of a full turn: (w k / N + m / 4) mod 1, kept exact
    turns = ((4 * np.outer(k, w) + m * N) % (4 * N)) / (4.0 * N)
    # scale by (N/2)^m to keep the powers <= 1 for large m
    scale = (N / 2.0) ** m
    weights = (w / (N / 2.0)) ** m
    col = (2.0 * np.cos(2.0 * np.pi * turns) @ weights) / N
    if N % 2 == 0:
        if m % 2 == 0:
            # (-1)^k cos(m pi / 2) = (-1)^k (-1)^(m/2)
            nyquist = np.where(k % 2 == 0, 1.0, -1.0) * (-1.0) ** (m // 2)
            col = col + nyquist / N
    col = col * scale
    # S_N is even: d[N - k] = (-1)^m d[k]; impose it exactly (and d[0] = 0 for odd m)
    parity = -1.0 if m % 2 else 1.0
    col = 0.5 * (col + parity * np.roll(col[::-1], 1))
    return col


def fourdif(N: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Fourier spectral differentiation matrix (DMSuite ``fourdif``).

    Parameters
    ----------
    N : int
        Number of grid points, ``N >= 1`` (even or odd).
    m : int
        Derivative order, ``m >= 0`` (``m = 0`` gives the identity).

    Returns
    -------
    x : ndarray, shape (N,)
        ``x_k = 2 pi k / N`` on ``[0, 2 pi)``.
    D : ndarray, shape (N, N)
        ``D @ f(x)`` is the m-th derivative at the nodes of the trigonometric
        interpolant of ``f``; ``D`` is circulant (a Toeplitz matrix with
        wrap-around), symmetric for even ``m`` and antisymmetric for odd ``m``.

    Notes
    -----
    ``m = 1, 2`` use the closed forms of DMSuite (cot / csc of half the node
    distance; Trefethen, *Spectral Methods in MATLAB*, ch. 3), with angles
    folded into ``(0, pi/2]``.  Higher orders sum the interpolant's modes
    directly, ``D[k, 0] = (1/N) sum_w (i w)^m exp(i w x_k)``, with exact
    integer phase reduction (DMSuite uses an FFT for this; the matrix is
    identical up to rounding).  Note that ``D^(m) != D^(1)^m`` for even ``N``
    (the Nyquist mode is differentiated differently).
    """
    N = check_int("N", N, 1)
    m = check_int("m", m, 0)
    # entries grow like (N/2)^m: refuse orders whose matrix is not representable
    if N > 2 and m * np.log(N / 2.0) > _LOG_FLOAT_MAX:
        raise ValueError(f"m must satisfy (N/2)^m < 1e300 for N = {N} (got m = {m})")
    x = fourier_grid(N)
    col = _first_column(N, m)
    # circulant: D_ij = col[(i - j) mod N]
    i = np.arange(N)
    return x, col[(i[:, None] - i[None, :]) % N]
