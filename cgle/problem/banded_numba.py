"""Numba kernels for a pentadiagonal operator (the Hermite collocation operator in
Hermite functions, :mod:`cgle.problem.hermite_modes`): the scaled Taylor series on a
vector and the Taylor polynomial itself (on the identity); and for the banded exponential
of :mod:`cgle.problem.hermite_banded`, its squaring and its application on the nodes.
NumPy twins of the same signatures are in :mod:`cgle.problem.kernels_numpy`;
:mod:`cgle.problem.kernels` binds either. Bands of the operator are stored as
bands[k + 2, i] = B[i, i + k], k = -2..2 (zero outside the matrix).
"""

import math

import numba


@numba.njit(cache=True)
def _penta_product(bands, x, f, y):
    """y = f B x, B pentadiagonal with bands[k + 2, i] = B[i, i + k] (zero outside)."""
    n = x.size
    for i in range(n):
        acc = bands[2, i] * x[i]
        if i >= 2:
            acc += bands[0, i] * x[i - 2] + bands[1, i] * x[i - 1]
        elif i == 1:
            acc += bands[1, i] * x[i - 1]
        if i + 2 < n:
            acc += bands[3, i] * x[i + 1] + bands[4, i] * x[i + 2]
        elif i + 1 < n:
            acc += bands[3, i] * x[i + 1]
        y[i] = f * acc


@numba.njit(cache=True)
def penta_taylor(bands, v, tau, m, s, eta, out, term, nxt):
    """out = (eta T_m(tau B))^s v, T_m the Taylor polynomial of degree m, B pentadiagonal
    (bands as in :func:`_penta_product`); each series cut short once two consecutive
    terms fall below 2^-53 times the partial sum (norm sum |Re| + |Im|)."""
    n = v.size
    for i in range(n):
        out[i] = v[i]
    for _ in range(s):
        previous = 0.0
        for i in range(n):
            term[i] = out[i]
            previous += abs(out[i].real) + abs(out[i].imag)
        for j in range(1, m + 1):
            _penta_product(bands, term, tau / j, nxt)
            current = 0.0
            total = 0.0
            for i in range(n):
                term[i] = nxt[i]
                out[i] += nxt[i]
                current += abs(nxt[i].real) + abs(nxt[i].imag)
                total += abs(out[i].real) + abs(out[i].imag)
            if previous + current <= 1.1102230246251565e-16 * total:
                break
            previous = current
        if eta != 1.0:
            for i in range(n):
                out[i] *= eta
    return out


@numba.njit(cache=True)
def _start_at_identity(out, term, nxt):
    """out = term = I, nxt = 0 (the partial sum and first term of a Taylor polynomial)."""
    n = out.shape[0]
    for i in range(n):
        for j in range(n):
            out[i, j] = 0j
            term[i, j] = 0j
            nxt[i, j] = 0j
        out[i, i] = 1.0
        term[i, i] = 1.0


@numba.njit(cache=True)
def penta_taylor_eye(bands, tau, m, eta, out, term, nxt):
    """out = eta T_m(tau B) for a pentadiagonal B (bands as in :func:`_penta_product`): the
    Taylor polynomial itself, cut short like :func:`penta_taylor` on the sums over all
    entries. Term p is (tau B)^p / p!, which has band half-width 2p: only the band is
    computed (arrays n x n; outside the band ``term`` and ``nxt`` stay zero)."""
    n = out.shape[0]
    _start_at_identity(out, term, nxt)
    previous = float(n)
    total = float(n)  # sum |Re| + |Im| over out, kept up to date
    a, b = term, nxt
    for p in range(1, m + 1):
        f = tau / p
        w = min(2 * p, n - 1)
        current = 0.0
        for i in range(n):
            lo, hi = max(0, i - w), min(n, i + w + 1)
            b2 = f * bands[2, i]
            for j in range(lo, hi):
                b[i, j] = b2 * a[i, j]
            if i >= 2:
                c = f * bands[0, i]
                for j in range(lo, hi):
                    b[i, j] += c * a[i - 2, j]
            if i >= 1:
                c = f * bands[1, i]
                for j in range(lo, hi):
                    b[i, j] += c * a[i - 1, j]
            if i + 1 < n:
                c = f * bands[3, i]
                for j in range(lo, hi):
                    b[i, j] += c * a[i + 1, j]
            if i + 2 < n:
                c = f * bands[4, i]
                for j in range(lo, hi):
                    b[i, j] += c * a[i + 2, j]
            for j in range(lo, hi):
                y = b[i, j]
                old = out[i, j]
                new = old + y
                out[i, j] = new
                current += abs(y.real) + abs(y.imag)
                total += abs(new.real) + abs(new.imag) - abs(old.real) - abs(old.imag)
        a, b = b, a
        if previous + current <= 1.1102230246251565e-16 * total:
            break
        previous = current
    if eta != 1.0:
        out *= eta
    return out


@numba.njit(cache=True)
def penta_taylor_eye_sym(bands, tau, m, eta, out, term, nxt):
    """:func:`penta_taylor_eye` for a complex symmetric pentadiagonal B
    (bands[3, i] = bands[1, i + 1], bands[4, i] = bands[0, i + 2]): every term is
    symmetric, so only its upper band is computed (from the whole previous term) and
    then mirrored; the result is symmetric exactly. Same cut-off rule, about half the work."""
    n = out.shape[0]
    _start_at_identity(out, term, nxt)
    previous = float(n)
    total = float(n)
    a, b = term, nxt
    for p in range(1, m + 1):
        f = tau / p
        w = min(2 * p, n - 1)
        current = 0.0
        for i in range(n):
            hi = min(n, i + w + 1)
            c0 = f * bands[0, i] if i >= 2 else 0j
            c1 = f * bands[1, i] if i >= 1 else 0j
            c2 = f * bands[2, i]
            c3 = f * bands[3, i] if i + 1 < n else 0j
            c4 = f * bands[4, i] if i + 2 < n else 0j
            for j in range(i, hi):
                y = c2 * a[i, j]
                if i >= 2:
                    y += c0 * a[i - 2, j]
                if i >= 1:
                    y += c1 * a[i - 1, j]
                if i + 1 < n:
                    y += c3 * a[i + 1, j]
                if i + 2 < n:
                    y += c4 * a[i + 2, j]
                b[i, j] = y
                old = out[i, j]
                new = old + y
                out[i, j] = new
                # off-diagonal entries stand for two
                weight = 1.0 if j == i else 2.0
                current += weight * (abs(y.real) + abs(y.imag))
                total += weight * (abs(new.real) + abs(new.imag) - abs(old.real) - abs(old.imag))
        # mirror the new term's upper band (the next term reads whole rows)
        for i in range(n):
            for j in range(i + 1, min(n, i + w + 1)):
                b[j, i] = b[i, j]
        a, b = b, a
        if previous + current <= 1.1102230246251565e-16 * total:
            break
        previous = current
    for i in range(n):
        for j in range(i + 1, n):
            out[j, i] = out[i, j]
    if eta != 1.0:
        out *= eta
    return out


@numba.njit(cache=True)
def symmetric_nodal(Z, s, mid, X):
    """X = F^{-1} Z F (:mod:`cgle.problem.hermite_symmetric`): from the symmetric form Z
    (rows and columns: the even combinations of the node pairs, then the odd) back to the
    nodes, in one pass. ``s``: sqrt(w_j) on the left half, ``mid``: sqrt(2 w_m) of a middle
    node (odd n; else unused)."""
    n = Z.shape[0]
    h = n // 2
    he = h + n % 2
    for j in range(h):
        r = 0.5 / s[j]
        jj = n - 1 - j
        for k in range(h):
            f = s[k] * r
            kk = n - 1 - k
            ee = Z[j, k]
            eo = 1j * Z[j, he + k]
            oe = 1j * Z[he + j, k]
            oo = -Z[he + j, he + k]  # i * i
            # Y = Z F on the columns, then F^{-1} on the rows
            X[j, k] = (ee + eo - oe - oo) * f
            X[j, kk] = (ee - eo - oe + oo) * f
            X[jj, k] = (ee + eo + oe + oo) * f
            X[jj, kk] = (ee - eo + oe - oo) * f
        if n % 2:
            f = mid * r
            X[j, h] = (Z[j, h] - 1j * Z[he + j, h]) * f
            X[jj, h] = (Z[j, h] + 1j * Z[he + j, h]) * f
    if n % 2:
        for k in range(h):
            f = s[k] / mid
            X[h, k] = (Z[h, k] + 1j * Z[h, he + k]) * f
            X[h, n - 1 - k] = (Z[h, k] - 1j * Z[h, he + k]) * f
        X[h, h] = Z[h, h]
    return X


# The banded exponential of :mod:`cgle.problem.hermite_banded`: a complex symmetric
# matrix S in Hermite functions stored as two real n x n arrays S[0] = Re, S[1] = Im (so
# that the loops below vectorise), zero outside its band |i - j| <= b. The flags let the
# compiler reorder sums and fuse multiply-adds (vectorised reductions) but keep NaN and
# inf semantics (no 'nnan' / 'ninf').
_REORDER = {"reassoc", "contract"}


@numba.njit(cache=True, fastmath=_REORDER)
def band_maxima(S, b, out):
    """out[d] = max_i |S[i, i + d]| for d = 0..b (the profile of the band)."""
    n = S.shape[1]
    for d in range(b + 1):
        top = 0.0
        for i in range(n - d):
            x, y = S[0, i, i + d], S[1, i, i + d]
            a = math.sqrt(x * x + y * y)
            if a > top or a != a:
                top = a
        out[d] = top
    return out


@numba.njit(cache=True, fastmath=_REORDER)
def banded_square_sym(S, b, w, out):
    """out = S S^T = S^2 on the band |i - j| <= w, for S complex symmetric with band b
    (w <= 2 b covers the whole product; entries of S outside its band are not read, those
    of ``out`` outside w not written). Row i of S S^T at column j = i + k is the dot
    product of rows i and j over their common band [j - b, i + b] (contiguous in both);
    the lower triangle is mirrored."""
    n = S.shape[1]
    Sr, Si, Or, Oi = S[0], S[1], out[0], out[1]
    for i in range(n):
        for k in range(min(w, n - 1 - i) + 1):
            j = i + k
            lo, hi = max(0, j - b), min(n, i + b + 1)
            r1, i1, r2, i2 = Sr[i, lo:hi], Si[i, lo:hi], Sr[j, lo:hi], Si[j, lo:hi]
            rr = 0.0
            ii = 0.0
            ri = 0.0
            ir = 0.0
            for m in range(hi - lo):
                rr += r1[m] * r2[m]
                ii += i1[m] * i2[m]
                ri += r1[m] * i2[m]
                ir += i1[m] * r2[m]
            Or[i, j] = rr - ii
            Or[j, i] = rr - ii
            Oi[i, j] = ri + ir
            Oi[j, i] = ri + ir
    return out


@numba.njit(cache=True, fastmath=_REORDER)
def _real_times(A, xr, xi, outr, outi):
    """outr + i outi = A (xr + i xi) for a real A (rows contiguous), four rows at a time
    (each load of x serves eight multiply-adds: 1.5 us against 2.1 us at 110 x 110)."""
    rows, cols = A.shape
    k = 0
    while k + 4 <= rows:
        a0, a1, a2, a3 = A[k], A[k + 1], A[k + 2], A[k + 3]
        r0 = r1 = r2 = r3 = 0.0
        i0 = i1 = i2 = i3 = 0.0
        for j in range(cols):
            x, y = xr[j], xi[j]
            r0 += a0[j] * x
            i0 += a0[j] * y
            r1 += a1[j] * x
            i1 += a1[j] * y
            r2 += a2[j] * x
            i2 += a2[j] * y
            r3 += a3[j] * x
            i3 += a3[j] * y
        outr[k], outr[k + 1], outr[k + 2], outr[k + 3] = r0, r1, r2, r3
        outi[k], outi[k + 1], outi[k + 2], outi[k + 3] = i0, i1, i2, i3
        k += 4
    while k < rows:
        row = A[k]
        ar = 0.0
        ai = 0.0
        for j in range(cols):
            ar += row[j] * xr[j]
            ai += row[j] * xi[j]
        outr[k] = ar
        outi[k] = ai
        k += 1


@numba.njit(cache=True, fastmath=_REORDER)
def banded_modal_apply(S, w, GeT, GoT, Ge, Go, s, mid, f, v, out, work):
    """out = F^{-1} (y + f G (S - I) G^T y), y = F v (:mod:`cgle.problem.hermite_banded`,
    f = b / 2): exp(hL) v from the banded S = exp(hC) of band w. G = diag(Ge, Go) by
    parity (the even node combinations see the even Hermite functions, the odd ones the
    odd), ``GeT``, ``GoT`` their transposes (rows contiguous); ``s`` = sqrt(w_j) on the
    left half of the nodes, ``mid`` = sqrt(2 w_m) of a middle node (odd n). ``work``:
    (8, n) real scratch."""
    n = v.size
    h = n // 2
    he = h + n % 2
    ne = GeT.shape[0]
    yr, yi, pr, pi, cr, ci, dr, di = work[0], work[1], work[2], work[3], work[4], work[5], work[6], work[7]
    # y = F v: the even combinations s (v_j + v_mirror), then the odd i s (v_j - v_mirror)
    for j in range(h):
        a, c = v[j], v[n - 1 - j]
        yr[j] = s[j] * (a.real + c.real)
        yi[j] = s[j] * (a.imag + c.imag)
        yr[he + j] = -s[j] * (a.imag - c.imag)
        yi[he + j] = s[j] * (a.real - c.real)
    if n % 2:
        yr[h] = mid * v[h].real
        yi[h] = mid * v[h].imag
    # G^T y by parity, then into the natural order of the Hermite functions
    _real_times(GeT, yr[:he], yi[:he], pr[:ne], pi[:ne])
    _real_times(GoT, yr[he:], yi[he:], pr[ne:], pi[ne:])
    for k in range(n):
        p = (k >> 1) + (k & 1) * ne
        cr[k] = pr[p]
        ci[k] = pi[p]
    # d = f (S - I) c on the band, written back in parity order
    Sr, Si = S[0], S[1]
    for i in range(n):
        lo, hi = max(0, i - w), min(n, i + w + 1)
        r1, i1, xr, xi = Sr[i, lo:hi], Si[i, lo:hi], cr[lo:hi], ci[lo:hi]
        rr = 0.0
        ii = 0.0
        ri = 0.0
        ir = 0.0
        for m in range(hi - lo):
            rr += r1[m] * xr[m]
            ii += i1[m] * xi[m]
            ri += r1[m] * xi[m]
            ir += i1[m] * xr[m]
        p = (i >> 1) + (i & 1) * ne
        dr[p] = f * (rr - ii - cr[i])
        di[p] = f * (ri + ir - ci[i])
    # z = y + G d, then v = F^{-1} z: (z_e - i z_o) / (2 s) and its mirror (z_e + i z_o) / (2 s)
    _real_times(Ge, dr[:ne], di[:ne], cr[:he], ci[:he])
    _real_times(Go, dr[ne:], di[ne:], cr[he:], ci[he:])
    for j in range(h):
        r = 0.5 / s[j]
        er, ei = yr[j] + cr[j], yi[j] + ci[j]
        # -i z_o
        orr, oi = yi[he + j] + ci[he + j], -(yr[he + j] + cr[he + j])
        out[j] = complex((er + orr) * r, (ei + oi) * r)
        out[n - 1 - j] = complex((er - orr) * r, (ei - oi) * r)
    if n % 2:
        out[h] = complex((yr[h] + cr[h]) / mid, (yi[h] + ci[h]) / mid)
    return out
