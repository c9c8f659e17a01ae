"""Pairwise Mahalanobis distances that survive a singular covariance.

Rows are observations; distances are not squared unless ``squared=True``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from cgle.matrix.checks import finite_2d, pow2_exponent, rescaled, scale_pow2
from cgle.matrix.covariance import centred_scaled, sample_covariance, shrink, shrinkage_intensity

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------- Mahalanobis


class ConstantDistanceWarning(UserWarning):
    """The sample covariance has rank m - 1, so in-sample distances are all equal."""


@dataclass(frozen=True)
class MahalanobisInfo:
    """How :func:`mahalanobis` whitened the data.

    Attributes
    ----------
    method : {"cholesky", "eigh"}
        Cholesky factor of the full-rank covariance, or eigendecomposition restricted
        to its range (pseudo-inverse distances).
    rank : int
        Number of retained directions (``n_features`` on the Cholesky path).
    n_features : int
    condition : float
        Condition number of the covariance on its range: ``lambda_max / lambda_min``
        of the retained eigenvalues (eigh path), or the reciprocal of LAPACK's 1-norm
        condition estimate (Cholesky path).
    shrinkage : float or None
        Shrinkage intensity used.
    constant : bool
        Whether the in-sample distances are all ``sqrt(2 (m - 1))`` (covariance
        estimated from m observations with rank m - 1).
    """

    method: str
    rank: int
    n_features: int
    condition: float
    shrinkage: float | None
    constant: bool


def _validated_cov(cov, n: int) -> tuple[np.ndarray, int]:
    """``(C_s, e)``: the Hermitian part of ``cov / 2^e`` (e even, ``max |C_s|`` below 1)."""
    C = finite_2d(cov, "cov")
    if C.shape != (n, n):
        raise ValueError(f"cov must have shape ({n}, {n}) to match the data (got shape {C.shape})")
    e = pow2_exponent(C, even=True)
    C = scale_pow2(C, e)
    scale = float(np.max(np.abs(C)))
    asym = float(np.max(np.abs(C - C.T.conj())))
    if asym > 1e-10 * scale:
        raise ValueError(
            f"cov must be symmetric/Hermitian (max |cov - cov^H| = {asym / scale:.3e} max |cov|)"
        )
    return (C + C.T.conj()) / 2, e


def _whitener(C: np.ndarray, rank_tol: float):
    """Return ``(apply, method, rank, condition)``; ``apply(X)`` whitens the rows of X.

    Cholesky path when ``C = L L^H`` succeeds and the 1-norm reciprocal condition
    estimate exceeds ``n * rank_tol`` (then every eigenvalue exceeds
    ``rank_tol * lambda_max``); otherwise ``C = V diag(lam) V^H`` with the
    eigenvalues ``lam > rank_tol * lambda_max`` kept.
    """
    n = C.shape[0]
    potrf, pocon = scipy.linalg.get_lapack_funcs(("potrf", "pocon"), (C,))
    L, info = potrf(C, lower=True, clean=True)
    if info == 0:
        anorm = float(np.max(np.sum(np.abs(C), axis=0)))
        rcond, _ = pocon(L, anorm, uplo="L")
        if rcond > n * rank_tol:

            def apply(X):
                # rows y = L^{-1} x, so |y_a - y_b|^2 = (x_a - x_b)^H C^{-1} (x_a - x_b)
                return scipy.linalg.solve_triangular(L, X.T, lower=True, check_finite=False).T

            return apply, "cholesky", n, 1.0 / float(rcond)
    lam, V = np.linalg.eigh(C)
    lam_max = float(lam[-1]) if n else 0.0
    if float(lam[0]) < -math.sqrt(_EPS) * max(lam_max, 0.0):
        raise ValueError(
            f"cov must be positive semidefinite (eigenvalues range from {lam[0]:.3e} to {lam_max:.3e})"
        )
    keep = lam > rank_tol * lam_max
    Vr = V[:, keep] / np.sqrt(lam[keep])
    rank = int(np.count_nonzero(keep))
    condition = float(lam_max / lam[keep][0]) if rank else math.inf

    def apply(X):
        # y = Lambda_r^{-1/2} V_r^H x: |y_a - y_b|^2 = (x_a - x_b)^H C^+ (x_a - x_b)
        return X @ Vr.conj()

    return apply, "eigh", rank, condition


def _pairwise_sq(YA: np.ndarray, YB: np.ndarray | None) -> np.ndarray:
    """Squared Euclidean distances between rows, never negative, cancellation-checked."""
    same = YB is None
    YB_ = YA if same else YB
    na = np.einsum("ij,ij->i", YA, YA.conj()).real
    nb = na if same else np.einsum("ij,ij->i", YB_, YB_.conj()).real
    # |a - b|^2 = |a|^2 + |b|^2 - 2 Re(a . conj(b))
    d2 = na[:, None] + nb[None, :] - 2 * (YA @ YB_.conj().T).real
    if same:
        d2 = (d2 + d2.T) / 2
    # pairs much closer than their norms lose digits to cancellation: recompute directly
    close = d2 <= 1e-4 * (na[:, None] + nb[None, :])
    if same:
        np.fill_diagonal(close, False)
    ii, jj = np.nonzero(close)
    for start in range(0, ii.size, 4096):
        i = ii[start : start + 4096]
        j = jj[start : start + 4096]
        diff = YA[i] - YB_[j]
        d2[i, j] = np.einsum("ij,ij->i", diff, diff.conj()).real
    np.maximum(d2, 0.0, out=d2)
    if same:
        np.fill_diagonal(d2, 0.0)
    return d2


def mahalanobis(
    XA,
    XB=None,
    *,
    cov=None,
    shrinkage=None,
    squared: bool = False,
    rank_tol: float | None = None,
    return_info: bool = False,
):
    """Pairwise Mahalanobis distances ``d(a, b) = sqrt((a - b)^H Sigma^+ (a - b))``.

    Parameters
    ----------
    XA : (mA, n) array_like
        Observations in rows (real or complex, finite).
    XB : (mB, n) array_like, optional
        Second set; when omitted the distances are between the rows of ``XA``.
        ``mahalanobis(XA, XA)`` equals ``mahalanobis(XA)``, and swapping ``XA`` and
        ``XB`` with a given ``cov`` transposes the result.
    cov : (n, n) array_like, optional
        Covariance ``Sigma`` (Hermitian positive semidefinite).  Default: the sample
        covariance of ``XA`` (``ddof=1``, scipy's convention) -- of ``XA`` only, even
        when ``XB`` is given (``scipy.spatial.distance.cdist`` uses both).
    shrinkage : None, "ledoit-wolf", "oas" or float in [0, 1], optional
        Use ``(1 - alpha) Sigma + alpha (tr(Sigma) / n) I`` instead of ``Sigma``; the
        named estimators compute ``alpha`` from ``XA`` and need ``cov=None`` (see
        :func:`covariance`).
    squared : bool, optional
        Return squared distances.
    rank_tol : float, optional
        Relative rank tolerance: eigenvalues ``<= rank_tol * lambda_max`` of ``Sigma``
        count as zero.  Default ``n * eps``.
    return_info : bool, optional
        Also return a :class:`MahalanobisInfo` (method, rank, condition, ...).

    Returns
    -------
    D : (mA, mA) or (mA, mB) ndarray
        Distances (squared if ``squared=True``); never NaN, never negative; the
        within-``XA`` matrix is exactly symmetric with a zero diagonal.
    info : MahalanobisInfo
        Only when ``return_info=True``.

    Warns
    -----
    ConstantDistanceWarning
        When ``Sigma`` is the unshrunk sample covariance of ``XA`` and has rank
        ``mA - 1`` (always so for ``mA <= n`` points in general position, and for
        ``mA = n + 1``): every distance between rows of ``XA`` then equals
        ``sqrt(2 (mA - 1))`` and carries no information; use ``shrinkage``.

    Notes
    -----
    The data are whitened once, ``y = L^{-1} x`` with the Cholesky factor
    ``Sigma = L L^H`` when ``Sigma`` is well conditioned, else
    ``y = Lambda_r^{-1/2} V_r^H x`` on the range of ``Sigma`` (``Sigma^+`` is then the
    Moore-Penrose pseudo-inverse: components outside the range are ignored).  The
    distances then come from one matrix product,
    ``|y_a - y_b|^2 = |y_a|^2 + |y_b|^2 - 2 Re(y_a . conj(y_b))``, with pairs that lose
    more than four digits to cancellation recomputed directly.  Rows are centred on
    the mean of ``XA`` first (distances are translation invariant) and divided by a
    power of two (exactly) before and after centring, so that no product over- or
    underflows; with the estimated covariance the distances are then exactly scale
    invariant.  A given ``cov`` is scaled likewise, and
    :class:`cgle.matrix.checks.FloatRangeError` is raised where the distances
    themselves leave the float64 range.
    """
    A = finite_2d(XA, "XA")
    mA, n = A.shape
    if mA == 0 or n == 0:
        raise ValueError(f"XA must have at least one row and one column (got shape {A.shape})")
    B = None
    if XB is not None:
        B = finite_2d(XB, "XB")
        if B.shape[1] != n:
            raise ValueError(f"XB must have {n} columns like XA (got shape {B.shape})")
    if rank_tol is None:
        rank_tol = n * _EPS
    elif isinstance(rank_tol, bool) or not isinstance(rank_tol, (int, float, np.integer, np.floating)) or not (
        math.isfinite(rank_tol) and 0 <= rank_tol < 1
    ):
        raise ValueError(f"rank_tol must be a number in [0, 1) (got {rank_tol!r})")

    # rows minus the mean of XA, divided by 2^e: no product over- or underflows
    Ac, Bc, e = centred_scaled(A, B)
    alpha = None
    estimated = cov is None
    if estimated:
        if mA < 2:
            raise ValueError(f"XA must have at least 2 rows to estimate the covariance (got {mA})")
        C = sample_covariance(Ac, 1)
        ec = 2 * e
    else:
        C, ec = _validated_cov(cov, n)
        if isinstance(shrinkage, str):
            raise ValueError(
                f"shrinkage={shrinkage!r} estimates its intensity from XA and needs cov=None; "
                "pass a number to shrink a given cov"
            )
    if shrinkage is not None:
        alpha = shrinkage_intensity(Ac if estimated else None, shrinkage)
        C = shrink(C, alpha)

    whiten, method, rank, condition = _whitener(C, float(rank_tol))
    constant = bool(estimated and not alpha and rank == mA - 1)
    if constant:
        warnings.warn(
            f"XA has m = {mA} observations in n = {n} variables and its sample covariance "
            f"has rank {rank} = m - 1: every Mahalanobis distance between rows of XA equals "
            f"sqrt(2 (m - 1)) = {math.sqrt(2 * (mA - 1)):.6g} and carries no information. "
            "Use shrinkage='ledoit-wolf' or 'oas', or pass cov.",
            ConstantDistanceWarning,
            stacklevel=2,
        )
    YA = whiten(Ac)
    YB = None if Bc is None else whiten(Bc)
    D = _pairwise_sq(YA, YB)
    # x = 2^e x_s and Sigma = 2^ec Sigma_s:  d(x; Sigma) = 2^(e - ec / 2) d(x_s; Sigma_s)
    shift = e - ec // 2
    if not squared:
        np.sqrt(D, out=D)
    if shift:
        rule = "d(c x; s^2 Sigma) = (c / s) d(x; Sigma)"
        D = rescaled(D, 2 * shift if squared else shift, "XA, XB and cov", rule)
    if return_info:
        return D, MahalanobisInfo(method, rank, n, condition, alpha, constant)
    return D
