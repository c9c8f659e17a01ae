"""Covariance (with optional shrinkage) and correlation from covariance.

Rows are observations and columns are variables (``rowvar=False``) unless an argument
says otherwise -- the opposite of ``numpy.cov``'s default. Inputs are never modified.
"""

from __future__ import annotations

import numpy as np

from cgle.matrix.checks import as_array, finite_2d, pow2_exponent, rescaled, scale_pow2

# ---------------------------------------------------------------------- covariance


def shrinkage_intensity(Xc: np.ndarray, shrinkage) -> float:
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


def shrink(C: np.ndarray, alpha: float) -> np.ndarray:
    n = C.shape[0]
    mu = np.trace(C).real / n
    # (1 - alpha) C + alpha (tr C / n) I
    out = (1.0 - alpha) * C
    out[np.diag_indices(n)] += alpha * mu
    return out


def centred_scaled(X: np.ndarray, Y: np.ndarray | None = None):
    """``(Xc, Yc, e)``: rows minus the mean of X, divided by ``2^e`` (exactly).

    X is first divided by a power of two so that its mean cannot overflow, then the
    centred data are divided by another so that their largest entry is in [1/2, 1):
    ``X - mean(X) = 2^e Xc``.  Products of centred data then neither over- nor
    underflow, however large the offset or small the spread.  ``Y`` (optional, same
    columns) is shifted and scaled alike.
    """
    e1 = pow2_exponent(X if Y is None else np.concatenate([X.ravel(), Y.ravel()]))
    Xs = scale_pow2(X, e1)
    center = Xs.mean(axis=0)
    Xc = Xs - center
    Yc = None if Y is None else scale_pow2(Y, e1) - center
    e2 = pow2_exponent(Xc if Yc is None else np.concatenate([Xc.ravel(), Yc.ravel()]), even=True)
    Xc = scale_pow2(Xc, e2)
    Yc = None if Yc is None else scale_pow2(Yc, e2)
    return Xc, Yc, e1 + e2


def sample_covariance(Xc: np.ndarray, ddof: int):
    """Sample covariance of centred rows-as-observations ``Xc``, exactly Hermitian."""
    m = Xc.shape[0]
    # C_ij = sum_k xc_ki conj(xc_kj) / (m - ddof)
    C = Xc.T @ Xc.conj() / (m - ddof)
    return (C + C.T.conj()) / 2


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

    Raises
    ------
    ValueError
        Bad arguments; :class:`cgle.matrix.checks.FloatRangeError` when the covariance
        itself is outside the float64 range (``cov(cX) = c^2 cov(X)``).

    Notes
    -----
    The data are divided by powers of two (exactly) before and after centring, so that
    no product over- or underflows; the shrinkage intensity does not depend on the
    scale.
    """
    arr = as_array(X, "X")
    if arr.ndim == 1:
        arr = arr[:, None]
    elif rowvar:
        arr = arr.T
    Xf = finite_2d(arr, "X")
    m, n = Xf.shape
    if n == 0:
        raise ValueError(f"X must have at least one variable (got shape {Xf.shape})")
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ValueError(f"ddof must be a nonnegative integer (got {ddof!r})")
    if m - ddof <= 0:
        raise ValueError(f"X must have more than ddof = {ddof} observations (got {m})")
    Xc, _, e = centred_scaled(Xf)
    C = sample_covariance(Xc, ddof)
    if shrinkage is not None:
        C = shrink(C, shrinkage_intensity(Xc, shrinkage))
    return rescaled(C, 2 * e, "X", "cov(cX) = c^2 cov(X)")


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
    arr = finite_2d(C, "C")
    n = arr.shape[0]
    if arr.shape != (n, n) or n == 0:
        raise ValueError(f"C must be square and at least 1 x 1 (got shape {arr.shape})")
    # R(cC) = R(C): work on C / 2^e (exact, e even so the square roots rescale exactly)
    arr = scale_pow2(arr, pow2_exponent(arr, even=True))
    if zero_variance not in ("raise", "nan", "zero"):
        raise ValueError(f"zero_variance must be 'raise', 'nan' or 'zero' (got {zero_variance!r})")
    # the Hermitian check below bounds the imaginary part of the diagonal
    var = np.diag(arr).real.copy()
    if np.any(var < 0):
        i = int(np.argmax(var < 0))
        raise ValueError(f"C must have nonnegative variances on its diagonal (got C[{i}, {i}] = {var[i]})")
    scale = float(np.max(np.abs(arr)))
    asym = float(np.max(np.abs(arr - arr.T.conj())))
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
