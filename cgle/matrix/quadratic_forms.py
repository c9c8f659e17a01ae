"""Moments of quadratic forms and second-order Volterra responses.

The quadratic form of a matrix ``W`` at a real vector ``x`` is ``x^T W x``; only the
symmetric part ``W_s = (W + W^T) / 2`` matters for it. Its mean,
E[x^T W x] = tr(W Sigma) + mu^T W mu, is the identity behind the mean energy of a
stochastically forced linear system (E[q^H M q] = trace(M P)).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cgle.matrix.checks import as_array, float_matrix, pow2_exponent, real_vector, rescaled, scale_pow2, square_matrix


def _covariance_matrix(cov, n: int) -> tuple[np.ndarray, int]:
    """``(Sigma_s, e)``: the validated covariance divided by ``2^e`` (e even)."""
    arr = square_matrix(cov, "cov")
    if arr.shape != (n, n):
        raise ValueError(f"cov must have shape ({n}, {n}) to match W (got shape {arr.shape})")
    if np.iscomplexobj(arr):
        raise ValueError(f"cov must be real (got dtype {arr.dtype})")
    C = float_matrix(arr, "cov")
    e = pow2_exponent(C, even=True)
    C = scale_pow2(C, e)
    scale = max(float(np.max(np.abs(C))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(C - C.T)))
    if asym > 1e-12 * scale:
        raise ValueError(f"cov must be symmetric (max |cov - cov^T| = {asym / scale:.3e} max |cov|)")
    lam = float(np.linalg.eigvalsh((C + C.T) / 2)[0])
    if lam < -n * np.finfo(float).eps * scale * 10:
        raise ValueError(f"cov must be positive semidefinite (smallest eigenvalue {lam / scale:.3e} max |cov|)")
    return C, e


def _quadform_inputs(W, mean, cov):
    """``(W_s, mu_s, Sigma_s, eW, emu, eSigma)``: each argument divided by its own power of two."""
    Warr = float_matrix(square_matrix(W, "W"), "W")
    n = Warr.shape[0]
    mu = real_vector(mean, "mean", n)
    C, eC = _covariance_matrix(cov, n)
    eW = pow2_exponent(Warr)
    emu = pow2_exponent(mu)
    return scale_pow2(Warr, eW), scale_pow2(mu, emu), C, eW, emu, eC


def _combine(terms, e: int, name: str, rule: str):
    """``2^e sum_i t_i 2^(k_i)`` for ``terms = [(t_i, k_i), ...]``, aligning the terms to the
    largest ``k_i`` (the smaller ones may underflow: they are below its rounding error)."""
    top = max(k for _, k in terms)
    total = sum(scale_pow2(np.asarray(t), top - k) for t, k in terms)
    return rescaled(total, e + top, name, rule)


def quadform_mean(W, mean, cov):
    """Mean of the quadratic form ``Q = x^T W x`` of a random real vector ``x``.

    ``E[x^T W x] = tr(W Sigma) + mu^T W mu`` for any distribution with mean ``mu``
    and covariance ``Sigma`` (no Gaussian assumption).

    Parameters
    ----------
    W : (n, n) array_like
        Real or complex matrix (not necessarily symmetric).
    mean : (n,) array_like
        ``mu = E[x]``.
    cov : (n, n) array_like
        ``Sigma = E[(x - mu)(x - mu)^T]``, symmetric positive semidefinite.

    Returns
    -------
    float or complex

    Notes
    -----
    Each argument is divided by a power of two (exactly) and the two terms are
    combined with their scales, so nothing over- or underflows on the way;
    :class:`cgle.matrix.checks.FloatRangeError` when the mean itself lies outside the
    float64 range.
    """
    Wf, mu, C, eW, emu, eC = _quadform_inputs(W, mean, cov)
    # tr(W Sigma) = sum_ij W_ij Sigma_ji;  mu^T W mu
    terms = [(np.sum(Wf * C.T), eC), (mu @ Wf @ mu, 2 * emu)]
    value = _combine(terms, eW, "W, mean and cov", "E[Q] scales like W and like x^2")
    return complex(value) if np.iscomplexobj(value) else float(value)


def _gaussian_terms(Ws: np.ndarray, mu: np.ndarray, C: np.ndarray) -> tuple[float, float]:
    WC = Ws @ C
    # Var = 2 tr((W_s Sigma)^2) + 4 mu^T W_s Sigma W_s mu
    return float(2 * np.sum(WC * WC.T)), float(4 * (mu @ WC @ Ws @ mu))


def _rademacher_terms(Ws: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> tuple[float, float]:
    B = sd[:, None] * Ws * sd[None, :]
    off = B - np.diag(np.diag(B))
    g = sd * (Ws @ mu)
    # Var = 2 sum_{i != j} B_ij^2 + 4 |D W_s mu|^2,  B = D W_s D,  D = diag(sd)
    return float(2 * np.sum(off * off)), float(4 * (g @ g))


def quadform_var(W, mean, cov, dist: str = "gaussian") -> float:
    """Variance of ``Q = x^T W x`` for a Gaussian or Rademacher-type random vector.

    Only ``W_s = (W + W^T) / 2`` matters.  For complex ``W`` the variance is
    ``E|Q - E Q|^2 = Var(x^T Re(W) x) + Var(x^T Im(W) x)``.

    Parameters
    ----------
    W : (n, n) array_like
        Real or complex matrix.
    mean : (n,) array_like
        ``mu = E[x]``.
    cov : (n, n) array_like
        ``Sigma``, symmetric positive semidefinite.
    dist : {"gaussian", "rademacher"}
        ``"gaussian"``: ``x ~ N(mu, Sigma)``,
        ``Var Q = 2 tr((W_s Sigma)^2) + 4 mu^T W_s Sigma W_s mu``.
        ``"rademacher"``: independent two-point components
        ``x_i = mu_i + sigma_i eps_i`` with ``eps_i = +-1`` equally likely and
        ``sigma_i^2 = Sigma_ii`` (``Sigma`` must be diagonal); with
        ``B = D W_s D``, ``D = diag(sigma)``:
        ``Var Q = 2 sum_{i != j} B_ij^2 + 4 |D W_s mu|^2``
        (plain +-1 inputs: ``mu = 0``, ``Sigma = I``).

    Returns
    -------
    float

    Notes
    -----
    Scaled as :func:`quadform_mean`.
    """
    Wf, mu, C, eW, emu, eC = _quadform_inputs(W, mean, cov)
    if dist not in ("gaussian", "rademacher"):
        raise ValueError(f"dist must be 'gaussian' or 'rademacher' (got {dist!r})")
    parts = [Wf.real, Wf.imag] if np.iscomplexobj(Wf) else [Wf]
    if dist == "rademacher":
        off = C - np.diag(np.diag(C))
        if np.any(off != 0):
            raise ValueError(
                "cov must be diagonal for dist='rademacher' (independent components); "
                f"max |off-diagonal| = {np.max(np.abs(off)) / np.max(np.abs(C)):.3e} max |cov|"
            )
        sd = np.sqrt(np.diag(C))
        terms = [_rademacher_terms((P + P.T) / 2, mu, sd) for P in parts]
    else:
        terms = [_gaussian_terms((P + P.T) / 2, mu, C) for P in parts]
    # the first term scales like W^2 Sigma^2, the second like W^2 Sigma mu^2 (e even)
    first = sum(t[0] for t in terms)
    second = sum(t[1] for t in terms)
    value = _combine([(first, 2 * eC), (second, eC + 2 * emu)], 2 * eW, "W, mean and cov",
                     "Var Q scales like W^2 and like x^4")
    return float(value)


# ------------------------------------------------------------- Volterra responses


def _volterra_kernel(w, M) -> np.ndarray:
    """Upper triangle (diagonal included) of the kernel, as an M x M float/complex matrix.

    ``w`` is either a matrix (its ``w[:M, :M]`` is used) or the packed vector of the
    ``M (M + 1) / 2`` weights ``w_ij``, ``i <= j``, in the order of
    ``itertools.combinations_with_replacement(range(M), 2)``, which is row-major order
    of the upper triangle (``numpy.triu_indices(M)``).
    """
    if isinstance(M, bool) or not isinstance(M, Integral) or M < 1:
        raise ValueError(f"M must be an integer >= 1 (got {M!r})")
    M = int(M)
    warr = as_array(w, "w")
    if warr.ndim == 1:
        L = M * (M + 1) // 2
        if warr.size != L:
            raise ValueError(
                f"w, a packed kernel (w_ij for i <= j in itertools.combinations_with_replacement"
                f"(range(M), 2) order), must have length M (M + 1) / 2 = {L} for M = {M} (got {warr.size})"
            )
        wf = float_matrix(warr[None, :], "w")[0]
        U = np.zeros((M, M), dtype=wf.dtype)
        U[np.triu_indices(M)] = wf
        return U
    if warr.ndim != 2 or warr.shape[0] < M or warr.shape[1] < M:
        raise ValueError(
            f"w must be a 2-D array of shape at least ({M}, {M}) or a packed vector of length "
            f"{M * (M + 1) // 2} (got shape {warr.shape})"
        )
    wf = float_matrix(warr[:M, :M], "w")
    return np.triu(wf)


def volterra2_response(a, w, M: int, *, mode: str = "causal") -> np.ndarray:
    """Second-order Volterra response ``r(k) = sum_{0<=i<=j<M} w[i, j] a(k-i) a(k-j)``.

    Vectorised form of the double loop::

        for k in range(len(a)):
            for i in range(M):
                for j in range(i, M):
                    r[k] += w[i, j] * a[k - i] * a[k - j]    # a[<0] = 0

    Parameters
    ----------
    a : (n,) array_like
        Input sequence ``a(0), ..., a(n-1)`` (real or complex, finite).
    w : (p, q) array_like with p, q >= M, or (M (M + 1) / 2,) array_like
        Kernel: a matrix, of which only the upper triangle ``i <= j`` of
        ``w[:M, :M]`` enters (the lower triangle is ignored, as in the loop); or the
        packed weights ``w_ij``, ``i <= j``, in the order of
        ``itertools.combinations_with_replacement(range(M), 2)`` (``(0, 0), (0, 1),
        ..., (0, M-1), (1, 1), ...``), so that
        ``r(k) = sum_{i<=j} w_ij a(k-i) a(k-j)``.
    M : int
        Memory length (number of lags).
    mode : {"causal", "valid"}
        ``"causal"``: ``a(k) = 0`` for ``k < 0`` (zero initial state), output
        ``r(0), ..., r(n-1)``.  ``"valid"``: only the ``n - M + 1`` outputs
        ``r(M-1), ..., r(n-1)`` that see no padding (needs ``n >= M``).

    Returns
    -------
    ndarray
        Real for real ``a`` and ``w``.

    Notes
    -----
    ``r(k) = x_k^T U x_k`` with the lag vector ``x_k = (a(k), ..., a(k-M+1))`` and
    ``U = triu(w)``; the lag vectors are a strided view, and the work is one
    matrix product, O(n M^2).  ``a`` and ``w`` are divided by powers of two first
    (exactly), so no product over- or underflows;
    :class:`cgle.matrix.checks.FloatRangeError` when the response itself lies outside
    the float64 range.  See :func:`volterra2_mean` for the mean.
    """
    U = _volterra_kernel(w, M)
    M = U.shape[0]
    arr = as_array(a, "a")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"a must be a non-empty 1-D sequence (got shape {arr.shape})")
    af = float_matrix(arr[None, :], "a")[0]
    ea = pow2_exponent(af)
    ew = pow2_exponent(U)
    af = scale_pow2(af, ea)
    U = scale_pow2(U, ew)
    if mode not in ("causal", "valid"):
        raise ValueError(f"mode must be 'causal' or 'valid' (got {mode!r})")
    if mode == "valid":
        if af.size < M:
            raise ValueError(f"a must have at least M = {M} samples for mode='valid' (got {af.size})")
        padded = af
    else:
        padded = np.concatenate([np.zeros(M - 1, dtype=af.dtype), af])
    # lags[k, i] = a(k - i): reversed sliding windows of the (padded) input
    lags = sliding_window_view(padded, M)[:, ::-1]
    # r(k) = sum_ij lags[k, i] U[i, j] lags[k, j]
    r = np.sum((lags @ U) * lags, axis=1)
    return rescaled(r, 2 * ea + ew, "a and w", "r scales like w and like a^2")


def volterra2_mean(w, M: int, *, input_mean: float = 0.0, input_var: float = 1.0):
    """Exact stationary mean of :func:`volterra2_response` for i.i.d. inputs.

    For independent ``a(k)`` with mean ``m`` and variance ``s^2``,
    ``E[a(k-i) a(k-j)] = s^2 delta_ij + m^2``, so for every ``k >= M - 1``
    (every output in ``mode="valid"``)::

        E[r(k)] = s^2 sum_i w[i, i] + m^2 sum_{i<=j} w[i, j]

    i.e. ``quadform_mean(triu(w), m 1, s^2 I)``.  It is *not* zero for zero-mean
    inputs: i.i.d. +-1 inputs (the defaults, ``m = 0``, ``s^2 = 1``) give the trace
    of ``w[:M, :M]``.  For +-1 inputs with ``P(+1) = p`` use ``m = 2p - 1`` and
    ``s^2 = 4 p (1 - p)``.  (In ``mode="causal"`` an output ``k < M - 1`` sees only
    the lags ``i, j <= k``.)

    Parameters
    ----------
    w : array_like, M : int
        As in :func:`volterra2_response` (a matrix or the packed weights).
    input_mean, input_var : float
        ``m`` and ``s^2 >= 0``.

    Returns
    -------
    float or complex
    """
    U = _volterra_kernel(w, M)
    m = float(input_mean)
    s2 = float(input_var)
    if not (math.isfinite(m) and math.isfinite(s2) and s2 >= 0):
        raise ValueError(
            f"input_mean must be finite and input_var finite and >= 0 (got {input_mean!r}, {input_var!r})"
        )
    n = U.shape[0]
    return quadform_mean(U, np.full(n, m), s2 * np.eye(n))
