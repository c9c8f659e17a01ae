"""Covariance, correlation, Mahalanobis distances and hierarchical clustering.

Conventions
-----------
* Inputs are never modified.
* Rows are observations and columns are variables (``rowvar=False``) unless an
  argument says otherwise -- note that this is the opposite of ``numpy.cov``'s default.
* Distances are not squared unless ``squared=True``.
* :func:`linkage` returns the ``(m - 1) x 4`` matrix ``Z`` in scipy's format, so
  ``scipy.cluster.hierarchy.dendrogram`` / ``fcluster`` accept it.
* Bad input (wrong shape, NaN/inf, invalid values) raises ``ValueError`` naming the
  argument, the rule and the value.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.spatial.distance import pdist

from cgle import linkage_kernels as _lk

__all__ = [
    "covariance",
    "cov2corr",
    "mahalanobis",
    "MahalanobisInfo",
    "ConstantDistanceWarning",
    "linkage",
    "cluster_snapshots",
]

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- input


def _finite_2d(X, name: str, *, allow_complex: bool = True) -> np.ndarray:
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (got shape {arr.shape})")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be numeric (got dtype {arr.dtype})")
    if np.iscomplexobj(arr):
        if not allow_complex:
            raise ValueError(f"{name} must be real (got dtype {arr.dtype})")
        arr = arr.astype(np.complex128, copy=False)
    else:
        arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must have finite entries (got {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)})"
        )
    return arr


# ---------------------------------------------------------------------- covariance


def _shrinkage_intensity(Xc: np.ndarray, shrinkage) -> float:
    """Shrinkage intensity alpha from centred data ``Xc`` (m x n, rows observations)."""
    if isinstance(shrinkage, str):
        if np.iscomplexobj(Xc):
            raise ValueError(f"shrinkage={shrinkage!r} needs real data (got complex)")
        m, n = Xc.shape
        # maximum-likelihood covariance S = Xc^T Xc / m and target mu I, mu = tr(S) / n
        S = Xc.T @ Xc / m
        mu = np.trace(S) / n
        if shrinkage == "ledoit-wolf":
            # Ledoit & Wolf (2004), with <A, B> = tr(A B^T) / n:
            #   d^2 = |S - mu I|^2,  bbar^2 = sum_k |x_k x_k^T - S|^2 / m^2
            #       = (sum_k |x_k|^4 - m |S|_F^2) / (n m^2),  b^2 = min(bbar^2, d^2)
            sq_norms = np.einsum("ij,ij->i", Xc, Xc)
            frob2 = np.sum(S * S)
            d2 = (frob2 - 2 * mu * np.trace(S) + n * mu * mu) / n
            bbar2 = (np.sum(sq_norms * sq_norms) - m * frob2) / (n * m * m)
            b2 = min(bbar2, d2)
            return 0.0 if b2 <= 0 else float(b2 / d2)
        if shrinkage == "oas":
            # Oracle approximating shrinkage (Chen, Wiesel, Eldar & Hero 2010, eq. 23)
            # in scikit-learn's form, which drops the 2/n terms:
            #   a = |S|_F^2 / n^2,  rho = min((a + mu^2) / ((m + 1)(a - mu^2 / n)), 1)
            a = np.sum(S * S) / (n * n)
            den = (m + 1) * (a - mu * mu / n)
            return 1.0 if den <= 0 else float(min((a + mu * mu) / den, 1.0))
        raise ValueError(
            f"shrinkage must be None, 'ledoit-wolf', 'oas' or a number in [0, 1] (got {shrinkage!r})"
        )
    try:
        alpha = float(shrinkage)
    except (TypeError, ValueError):
        raise ValueError(
            f"shrinkage must be None, 'ledoit-wolf', 'oas' or a number in [0, 1] (got {shrinkage!r})"
        ) from None
    if not (0.0 <= alpha <= 1.0):
        raise ValueError(f"shrinkage must lie in [0, 1] (got {shrinkage!r})")
    return alpha


def _shrink(C: np.ndarray, alpha: float) -> np.ndarray:
    n = C.shape[0]
    mu = np.trace(C).real / n
    # (1 - alpha) C + alpha (tr C / n) I
    out = (1.0 - alpha) * C
    out[np.diag_indices(n)] += alpha * mu
    return out


def _covariance(X: np.ndarray, ddof: int):
    """Sample covariance of rows-as-observations X and the centred data."""
    m = X.shape[0]
    Xc = X - X.mean(axis=0)
    # C_ij = sum_k xc_ki conj(xc_kj) / (m - ddof), made exactly Hermitian
    C = Xc.T @ Xc.conj() / (m - ddof)
    C = (C + C.T.conj()) / 2
    return C, Xc


def covariance(X, *, rowvar: bool = False, ddof: int = 1, shrinkage=None) -> np.ndarray:
    """Sample covariance matrix, optionally shrunk towards a multiple of the identity.

    Parameters
    ----------
    X : (m, n) array_like
        Data, real or complex, finite.  Rows are observations and columns variables
        (``rowvar=False``, the opposite of ``numpy.cov``'s default); a 1-D array is
        one variable.
    rowvar : bool, optional
        ``True``: rows are variables and columns observations.
    ddof : int, optional
        Divisor ``m - ddof`` (default 1, the unbiased estimator); must leave
        ``m - ddof > 0``.
    shrinkage : None, "ledoit-wolf", "oas" or float in [0, 1], optional
        Return ``(1 - alpha) C + alpha (tr(C) / n) I``.  The intensity ``alpha`` is
        the given number, or the Ledoit-Wolf (2004) or OAS (scikit-learn's form of
        Chen et al. 2010, eq. 23) estimate computed from the data; with ``ddof=0``
        the result equals scikit-learn's ``LedoitWolf`` / ``OAS`` ``covariance_``.

    Returns
    -------
    (n, n) ndarray
        ``C[i, j] = sum_k (x_ki - mean_i) conj(x_kj - mean_j) / (m - ddof)``, exactly
        Hermitian (numpy's complex convention).
    """
    arr = np.asarray(X)
    if arr.ndim == 1:
        arr = arr[:, None]
    elif rowvar:
        arr = arr.T
    Xf = _finite_2d(arr, "X")
    m = Xf.shape[0]
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ValueError(f"ddof must be a nonnegative integer (got {ddof!r})")
    if m - ddof <= 0:
        raise ValueError(f"X must have more than ddof = {ddof} observations (got {m})")
    C, Xc = _covariance(Xf, ddof)
    if shrinkage is None:
        return C
    return _shrink(C, _shrinkage_intensity(Xc, shrinkage))


def cov2corr(C, *, zero_variance: str = "raise") -> np.ndarray:
    """Correlation matrix ``R_ij = C_ij / sqrt(C_ii C_jj)`` from a covariance matrix.

    The diagonal is exactly 1 and ``|R_ij| <= 1`` exactly: off-diagonal entries whose
    modulus rounding pushes above 1 are scaled back to modulus 1 (for complex
    entries the modulus is clipped, keeping the phase, rather than the real and
    imaginary parts separately).  With ``C = s s^T`` the result is ``sign(s_i s_j)``
    exactly.

    Parameters
    ----------
    C : (n, n) array_like
        Covariance matrix: real symmetric or complex Hermitian (within a relative
        1e-10 of its largest entry), finite, with diagonal ``>= 0`` (the real part of
        the diagonal is used).
    zero_variance : {"raise", "nan", "zero"}, optional
        Policy for variables with ``C_ii == 0``, whose correlations are undefined:
        ``"raise"`` (default) raises ``ValueError`` listing them; ``"nan"`` sets
        their rows and columns to NaN (diagonal included); ``"zero"`` sets their
        off-diagonal entries to 0 and their diagonal to 1.

    Returns
    -------
    (n, n) ndarray
    """
    arr = _finite_2d(C, "C")
    n = arr.shape[0]
    if arr.shape != (n, n):
        raise ValueError(f"C must be square (got shape {arr.shape})")
    if zero_variance not in ("raise", "nan", "zero"):
        raise ValueError(f"zero_variance must be 'raise', 'nan' or 'zero' (got {zero_variance!r})")
    # the Hermitian check below bounds the imaginary part of the diagonal
    var = np.diag(arr).real.copy()
    if np.any(var < 0):
        i = int(np.argmax(var < 0))
        raise ValueError(f"C must have nonnegative variances on its diagonal (got C[{i}, {i}] = {var[i]})")
    scale = float(np.max(np.abs(arr))) if arr.size else 0.0
    asym = float(np.max(np.abs(arr - arr.T.conj()))) if arr.size else 0.0
    if asym > 1e-10 * scale:
        raise ValueError(f"C must be symmetric/Hermitian (max |C - C^H| = {asym:.3e})")
    zero = var == 0
    if np.any(zero) and zero_variance == "raise":
        raise ValueError(
            f"C has zero variance for variables {np.flatnonzero(zero).tolist()}; "
            "their correlation is undefined (pass zero_variance='nan' or 'zero')"
        )
    sd = np.sqrt(var)
    denom = np.outer(sd, sd)
    R = np.zeros_like(arr)
    ok = denom > 0
    # R_ij = C_ij / (sd_i sd_j)
    R[ok] = arr[ok] / denom[ok]
    mod = np.abs(R)
    over = mod > 1
    R[over] = R[over] / mod[over]
    np.fill_diagonal(R, 1.0)
    if np.any(zero):
        if zero_variance == "nan":
            R[zero, :] = np.nan
            R[:, zero] = np.nan
        else:
            R[zero, :] = 0.0
            R[:, zero] = 0.0
            R[zero, zero] = 1.0
    return R


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


def _validated_cov(cov, n: int) -> np.ndarray:
    C = _finite_2d(cov, "cov")
    if C.shape != (n, n):
        raise ValueError(f"cov must have shape ({n}, {n}) to match the data (got shape {C.shape})")
    scale = float(np.max(np.abs(C)))
    asym = float(np.max(np.abs(C - C.T.conj())))
    if asym > 1e-10 * scale:
        raise ValueError(f"cov must be symmetric/Hermitian (max |cov - cov^H| = {asym:.3e})")
    return (C + C.T.conj()) / 2


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
    the mean of ``XA`` first (distances are translation invariant).
    """
    A = _finite_2d(XA, "XA")
    mA, n = A.shape
    if mA == 0 or n == 0:
        raise ValueError(f"XA must have at least one row and one column (got shape {A.shape})")
    B = None
    if XB is not None:
        B = _finite_2d(XB, "XB")
        if B.shape[1] != n:
            raise ValueError(f"XB must have {n} columns like XA (got shape {B.shape})")
    if rank_tol is None:
        rank_tol = n * _EPS
    elif not (np.isfinite(rank_tol) and 0 <= rank_tol < 1):
        raise ValueError(f"rank_tol must be a number in [0, 1) (got {rank_tol!r})")

    center = A.mean(axis=0)
    alpha = None
    estimated = cov is None
    if estimated:
        if mA < 2:
            raise ValueError(f"XA must have at least 2 rows to estimate the covariance (got {mA})")
        C, Ac = _covariance(A, 1)
    else:
        C = _validated_cov(cov, n)
        if isinstance(shrinkage, str):
            raise ValueError(
                f"shrinkage={shrinkage!r} estimates its intensity from XA and needs cov=None; "
                "pass a number to shrink a given cov"
            )
    if shrinkage is not None:
        alpha = _shrinkage_intensity(Ac if estimated else None, shrinkage)
        C = _shrink(C, alpha)

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
    YA = whiten(A - center)
    YB = None if B is None else whiten(B - center)
    D = _pairwise_sq(YA, YB)
    if not squared:
        np.sqrt(D, out=D)
    if return_info:
        return D, MahalanobisInfo(method, rank, n, condition, alpha, constant)
    return D


# ------------------------------------------------------------------------- linkage

_METHODS = {
    "single": 0,
    "complete": _lk.COMPLETE,
    "average": _lk.AVERAGE,
    "weighted": _lk.WEIGHTED,
    "ward": _lk.WARD,
    "centroid": _lk.CENTROID,
    "median": _lk.MEDIAN,
}
_SQUARED = {"ward", "centroid", "median"}
# Relative tolerance (to the largest squared distance) of the Euclidean check.
_EUCLIDEAN_RTOL = 1e-9


def _condensed(y: np.ndarray) -> tuple[np.ndarray, int]:
    if np.iscomplexobj(y) or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise ValueError(f"y must be real distances (got dtype {y.dtype})")
    D = y.astype(np.float64, copy=False)
    L = D.size
    m = int(round((1 + math.sqrt(1 + 8 * L)) / 2))
    if m * (m - 1) // 2 != L or m < 2:
        raise ValueError(
            f"y, a condensed distance matrix, must have length m (m - 1) / 2 for some m >= 2 (got {L})"
        )
    bad = ~np.isfinite(D)
    if np.any(bad):
        k = int(np.argmax(bad))
        raise ValueError(f"y must have finite distances (got y[{k}] = {D[k]})")
    if np.any(D < 0):
        k = int(np.argmax(D < 0))
        raise ValueError(f"y must have nonnegative distances (got y[{k}] = {D[k]})")
    return D, m


def linkage(y, method: str = "single", *, check_euclidean: bool = True) -> np.ndarray:
    """Hierarchical agglomerative clustering, returning scipy's linkage matrix.

    Parameters
    ----------
    y : (m, d) or (m (m - 1) / 2,) array_like
        Either observations in rows (real, finite; Euclidean distances are used), or
        a condensed distance matrix as from ``scipy.spatial.distance.pdist`` (finite,
        nonnegative).
    method : {"single", "complete", "average", "weighted", "ward", "centroid", "median"}
        Cluster dissimilarity, as in ``scipy.cluster.hierarchy.linkage``.  Ward,
        centroid and median are defined for Euclidean distances: from vectors they
        use Euclidean distances; a condensed ``y`` must be Euclidean.
    check_euclidean : bool, optional
        For ward/centroid/median on a condensed ``y``: verify that ``y`` is Euclidean
        (Schoenberg's criterion: ``-J D^2 J / 2`` positive semidefinite, checked by
        pivoted Cholesky to within ``1e-9`` of the largest squared distance per
        entry; O(m^2 r) for an r-dimensional configuration) and raise ``ValueError``
        otherwise.  ``False`` skips the check.

    Returns
    -------
    Z : (m - 1, 4) ndarray
        Row k merges clusters ``Z[k, 0] < Z[k, 1]`` (observations are 0..m-1, the
        cluster formed in row k is ``m + k``) at height ``Z[k, 2]``, giving a cluster
        of ``Z[k, 3]`` observations.  Rows are sorted by height (single, complete,
        average, weighted, ward); centroid and median rows are in merge order, where
        heights may decrease (inversions), as in scipy.

    Notes
    -----
    Algorithms (numba): single -- Prim's minimum spanning tree, computing distances
    on the fly from vectors (O(m^2 d) time, O(m) extra memory) or reading the
    condensed matrix; complete/average/weighted/ward -- nearest-neighbour chain on the
    condensed matrix (O(m^2)); centroid/median -- Muellner's generic algorithm with a
    heap of lower bounds.  The last two families need the condensed matrix (O(m^2)
    memory, a copy of ``y`` -- ``y`` is not modified).

    Tie rule (deterministic for a given input order): *single* -- Prim's tree grown
    from observation 0, adding the lowest-index vertex among those nearest to the
    tree; tree edges are merged in order of height, equal heights in the order the
    tree found them (the partitions at each height are unique anyway).
    *complete/average/weighted/ward* -- the chain starts at the lowest active
    cluster position; the nearest neighbour of the chain's tip is its predecessor
    when that attains the minimum, else the lowest position attaining it; rows are
    stably sorted by height.  *centroid/median* -- each step merges the active pair
    ``(i < j)`` minimising ``(distance, i, j)`` lexicographically.  Positions:
    observation i starts at position i, and a merged cluster is held at the larger
    of the two positions it was formed from.  Permuting the input can therefore
    change how ties are resolved (never the heights or partitions of single
    linkage, nor anything when there are no ties).
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)} (got {method!r})")
    arr = np.asarray(y)
    if arr.ndim == 2:
        X = _finite_2d(arr, "y", allow_complex=False)
        m = X.shape[0]
        if m < 2:
            raise ValueError(f"y must have at least 2 observations (got {m})")
        if method == "single":
            u, v, w = _lk.mst_vectors(np.ascontiguousarray(X))
            order = np.argsort(w, kind="stable")
            return _lk.label_merges(u[order], v[order], w[order], m)
        D = pdist(X)
    elif arr.ndim == 1:
        D, m = _condensed(arr)
        if method == "single":
            u, v, w = _lk.mst_condensed(np.ascontiguousarray(D), m)
            order = np.argsort(w, kind="stable")
            return _lk.label_merges(u[order], v[order], w[order], m)
        if method in _SQUARED and check_euclidean and m > 2:
            top = float(np.max(D)) if D.size else 0.0
            defect = _lk.euclidean_defect(np.ascontiguousarray(D), m, _EUCLIDEAN_RTOL * top * top)
            if defect > 0:
                raise ValueError(
                    f"y must be Euclidean distances for method={method!r}: the centred Gram "
                    f"matrix -J D^2 J / 2 has a negative direction (defect {defect / (top * top):.3e} "
                    "relative to the largest squared distance); use a Euclidean metric or "
                    "check_euclidean=False"
                )
        D = np.array(D, dtype=np.float64, copy=True)
    else:
        raise ValueError(f"y must be 1-D (condensed distances) or 2-D (observations) (got shape {arr.shape})")

    code = _METHODS[method]
    if method in _SQUARED:
        np.multiply(D, D, out=D)
    if method in ("centroid", "median"):
        pa, pb, h = _lk.generic_linkage(D, m, code)
    else:
        pa, pb, h = _lk.nn_chain(D, m, code)
        order = np.argsort(h, kind="stable")
        pa, pb, h = pa[order], pb[order], h[order]
    if method in _SQUARED:
        # heights are distances, not squared (rounding can leave tiny negatives)
        h = np.sqrt(np.maximum(h, 0.0))
    return _lk.label_merges(pa, pb, h, m)


def cluster_snapshots(q, n_clusters: int, method: str = "ward") -> np.ndarray:
    """Cluster the snapshots (rows) of a trajectory ``q(t, x)`` into regimes.

    The feature vector of a snapshot is ``|q(t, .)|``, so phase rotations do not
    separate regimes.  Returns flat cluster labels ``1..n_clusters`` per snapshot
    (``scipy.cluster.hierarchy.fcluster`` with ``criterion="maxclust"``).
    """
    from scipy.cluster.hierarchy import fcluster

    arr = np.asarray(q)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"q must be 2-D (snapshots x points) with at least 2 rows (got shape {arr.shape})")
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, (int, np.integer)) or n_clusters < 1:
        raise ValueError(f"n_clusters must be an integer >= 1 (got {n_clusters!r})")
    features = np.abs(_finite_2d(arr, "q"))
    Z = linkage(features, method)
    return fcluster(Z, int(n_clusters), criterion="maxclust")
