"""NumPy twins of the numba kernels of :mod:`cgle.problem.kernels_numba`.

Same signatures, same results to roundoff (the tests compare them on random data). They
are the kernels of small runs, for which loading numba (0.5-1 s) costs more than it
saves: at N = 220 a step's elementwise work is a few microseconds against ~20 us of
matrix-vector products. ``out`` may be one of the inputs, as in the numba kernels.
"""

import numpy as np


def _abs2(q):
    # |q|^2 without the square root of np.abs
    return q.real * q.real + q.imag * q.imag


def cubic_term(q, beta, out):
    """out = -beta |q|^2 q."""
    with np.errstate(over="ignore", invalid="ignore"):
        out[...] = (-beta * _abs2(q)) * q


def cubic_flow(q, beta, t, out):
    """Exact flow of dq/dt = -beta |q|^2 q over time t; returns the blown-up node count
    (see :func:`cgle.problem.kernels_numba.cubic_flow` for the formula)."""
    s = _abs2(q) * t
    y = (2.0 * beta.real) * s
    blown = y <= -1.0
    if beta.imag == 0.0 and beta.real != 0.0:
        # real beta: exp(-beta g) = (1 + y)^(-1/2), as in the numba kernel
        count = int(np.count_nonzero(blown))
        with np.errstate(invalid="ignore"):
            out[...] = q * (1.0 / np.sqrt(np.where(blown, 1.0, 1.0 + y) if count else 1.0 + y))
        return count
    if beta.real != 0.0:
        nonzero = y != 0.0
        # g = log(1 + y) / (2 br) = s log1p(y) / y, and g = s where y = 0
        safe = np.where(nonzero & ~blown, y, 1.0)
        s = np.where(nonzero, s * np.log1p(safe) / safe, s)
    count = int(np.count_nonzero(blown))
    # like the numba kernel, overflow near a blow-up gives inf silently (the loop reports it)
    with np.errstate(over="ignore", invalid="ignore"):
        if count:
            # a blown node keeps its value (its factor is never formed)
            out[...] = np.where(blown, q, q * np.exp(-beta * np.where(blown, 0.0, s)))
        else:
            out[...] = q * np.exp(-beta * s)
    return count


def cubic_flow_max(q, beta, t, at, out, work=None):
    """:func:`cubic_flow` over time t, returning (blown-up node count, max |q(at)|^2):
    |q(at)|^2 = r2 / (1 + 2 br r2 at), the exact amplitude at 0 <= at <= t (inf for a node
    past its blow-up); NaN if any value is NaN. ``work`` is accepted for the signature of
    the numba kernel and not used."""
    r2 = _abs2(q)
    d = 1.0 + (2.0 * beta.real * at) * r2
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(d > 0.0, r2 / np.where(d > 0.0, d, 1.0), np.inf)
    m = float(np.nan) if np.isnan(r2).any() else float(a.max(initial=0.0))
    return cubic_flow(q, beta, t, out), m


def max_abs2(q):
    """max |q|^2; NaN if any entry is NaN (inf if any is infinite)."""
    if q.size == 0:
        return 0.0
    a = _abs2(q)
    # np.max propagates NaN
    return float(np.max(a)) if a.size else 0.0


def weighted_energy(q, w):
    """sum_j w_j |q_j|^2."""
    return float(np.dot(w, _abs2(q)))


def lincomb2(a, x, b, y, out):
    """out = a x + b y."""
    out[...] = a * x + b * y


def lincomb3(a, x, b, y, c, z, out):
    """out = a x + b y + c z."""
    out[...] = a * x + b * y + c * z


def axpy(a, x, out):
    """out += a x."""
    out += a * x


def diagonal_row(S, W, G, out):
    """out = sum_k S[k] * (sum_i W[k, i] G[i])."""
    out[...] = np.sum(S * (W @ G), axis=0)


def stage_sum(base, h, coef, K, out):
    """out = base + h sum_k coef[k] K[k]."""
    out[...] = base + h * (coef @ K)


def normwise_error(e, y0, y1, rtol, atol):
    """max_j |e_j| / (atol + rtol max(max_j |y0_j|, max_j |y1_j|)); NaN if e holds a NaN."""
    r = np.abs(e)
    worst = float(np.max(r)) if r.size else 0.0
    if worst != worst:
        return worst
    size = max(float(np.max(np.abs(y0), initial=0.0)), float(np.max(np.abs(y1), initial=0.0)))
    return worst / (atol + rtol * size)


def same_values(x, y):
    """True when x and y hold bitwise-equal values (NaN compares unequal)."""
    return bool(np.array_equal(x, y))


def _penta_product(bands, x, f, y):
    """y = f B x, B pentadiagonal with bands[k + 2, i] = B[i, i + k] (zero outside)."""
    np.multiply(bands[2], x, out=y)
    y[2:] += bands[0, 2:] * x[:-2]
    y[1:] += bands[1, 1:] * x[:-1]
    y[:-1] += bands[3, :-1] * x[1:]
    y[:-2] += bands[4, :-2] * x[2:]
    y *= f


def _norm1(x):
    return float(np.abs(x.real).sum() + np.abs(x.imag).sum())


def _taylor(rows, V, tau, m, s, eta, out, term, nxt):
    """out = (eta T_m(tau B))^s V for a vector (``rows`` = bands) or a block of columns
    (``rows`` = bands[:, :, None]); each series cut short once two consecutive terms fall
    below 2^-53 times the partial sum (norm sum |Re| + |Im| over all entries)."""
    out[...] = V
    for _ in range(s):
        term[...] = out
        previous = _norm1(term)
        for j in range(1, m + 1):
            _penta_product(rows, term, tau / j, nxt)
            term, nxt = nxt, term
            out += term
            current = _norm1(term)
            if previous + current <= 2.0**-53 * _norm1(out):
                break
            previous = current
        if eta != 1.0:
            out *= eta
    return out


def penta_taylor(bands, v, tau, m, s, eta, out, term, nxt):
    """out = (eta T_m(tau B))^s v, T_m the Taylor polynomial of degree m, B pentadiagonal;
    each series cut short once two consecutive terms fall below 2^-53 times the partial
    sum (norm sum |Re| + |Im|)."""
    return _taylor(bands, v, tau, m, s, eta, out, term, nxt)


def penta_taylor_eye(bands, tau, m, eta, out, term, nxt):
    """out = eta T_m(tau B) for a pentadiagonal B, cut short like :func:`penta_taylor`
    on the sums over all entries (arrays n x n)."""
    eye = np.eye(out.shape[0], dtype=complex)
    return _taylor(bands[:, :, None], eye, tau, m, 1, eta, out, term, nxt)


def penta_taylor_eye_sym(bands, tau, m, eta, out, term, nxt):
    """:func:`penta_taylor_eye` for a complex symmetric B, made symmetric exactly (its
    upper triangle mirrored)."""
    penta_taylor_eye(bands, tau, m, eta, out, term, nxt)
    upper = np.triu_indices(out.shape[0], 1)
    out.T[upper] = out[upper]
    return out


def symmetric_nodal(Z, s, mid, X):
    """X = F^{-1} Z F of :mod:`cgle.problem.hermite_symmetric` (``s``: sqrt(w) on the left
    half of the nodes, ``mid``: sqrt(2 w) of a middle node, odd n)."""
    n = Z.shape[0]
    h = n // 2
    he = h + n % 2
    s = s[:h]
    # Y = Z F: node column j (left half) is s_j (Z_e,j + i Z_o,j), its mirror s_j (Z_e,j - i Z_o,j)
    Y = np.empty((n, n), dtype=complex)
    ze, zo = Z[:, :h], 1j * Z[:, he:]
    np.multiply(ze + zo, s, out=Y[:, :h])
    np.multiply(ze - zo, s, out=Y[:, ::-1][:, :h])
    if n % 2:
        Y[:, h] = mid * Z[:, h]
    # X = F^{-1} Y: node row j is (Y_e,j - i Y_o,j) / (2 s_j), its mirror (Y_e,j + i Y_o,j) / (2 s_j)
    ye, yo = Y[:h], 1j * Y[he:]
    inv = (0.5 / s)[:, None]
    np.multiply(ye - yo, inv, out=X[:h])
    np.multiply(ye + yo, inv, out=X[::-1][:h])
    if n % 2:
        X[h] = Y[h] / mid
    return X


def band_maxima(S, b, out):
    """out[d] = max_i |S[i, i + d]|, d = 0..b, for S stored as [Re, Im] (n x n each)."""
    for d in range(b + 1):
        out[d] = np.max(np.hypot(np.diagonal(S[0], d), np.diagonal(S[1], d)))
    return out


def _band_mask(n, w):
    """The entries |i - j| <= w of an n x n matrix."""
    k = np.arange(n)
    return np.abs(k[:, None] - k[None, :]) <= w


def _on_band(S, b):
    """The complex matrix of S = [Re, Im] on its band b, zero outside (whatever is there)."""
    inside = _band_mask(S.shape[1], b)
    return np.where(inside, S[0], 0.0) + 1j * np.where(inside, S[1], 0.0)


def banded_square_sym(S, b, w, out):
    """out = S S^T on the band |i - j| <= w (S: [Re, Im], read on its band b; ``out``
    outside w is left as it was)."""
    n = S.shape[1]
    Z = _on_band(S, b)
    inside = _band_mask(n, w)
    P = Z @ Z.T
    out[0][inside] = P.real[inside]
    out[1][inside] = P.imag[inside]
    return out


def banded_modal_apply(S, w, GeT, GoT, Ge, Go, s, mid, f, v, out, work):
    """out = F^{-1} (y + f G (S - I) G^T y), y = F v, for S of band w (see
    :func:`cgle.problem.banded_numba.banded_modal_apply`)."""
    n = v.size
    h = n // 2
    he = h + n % 2
    ne = GeT.shape[0]
    s = s[:h]
    y = np.empty(n, dtype=complex)
    y[:h] = s * (v[:h] + v[::-1][:h])
    y[he:] = 1j * s * (v[:h] - v[::-1][:h])
    if n % 2:
        y[h] = mid * v[h]
    c = np.empty(n, dtype=complex)
    c[0::2] = GeT @ y[:he]
    c[1::2] = GoT @ y[he:]
    d = f * (_on_band(S, w) @ c - c)
    z = y.copy()
    z[:he] += Ge @ d[0::2]
    z[he:] += Go @ d[1::2]
    out[:h] = (z[:h] - 1j * z[he:]) * (0.5 / s)
    out[::-1][:h] = (z[:h] + 1j * z[he:]) * (0.5 / s)
    if n % 2:
        out[h] = z[h] / mid
    return out
