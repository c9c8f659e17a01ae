"""Numba kernels: the pointwise nonlinear work of every time step.

Top-level pure functions taking every array and scalar as an argument, writing into
``out`` (1-D contiguous views; callers reshape multi-dimensional fields with
``reshape(-1)``), compiled with ``cache=True`` and without fastmath, so NaN and inf
propagate. Each kernel has a NumPy twin of the same signature in
:mod:`cgle.problem.kernels_numpy` that the tests compare it with; callers reach both
through :mod:`cgle.problem.kernels`, which loads this module (and numba) only when a
run is large enough for it to pay.
"""

import math

import numba
import numpy as np

# the pentadiagonal kernels of the Hermite-function basis (bound by name from here)
from cgle.problem.banded_numba import (band_maxima, banded_modal_apply, banded_square_sym,  # noqa: F401
                                       penta_taylor, penta_taylor_eye, penta_taylor_eye_sym, symmetric_nodal)


@numba.njit(cache=True)
def cubic_term(q, beta, out):
    """out = -beta |q|^2 q."""
    for j in range(q.size):
        z = q[j]
        out[j] = -beta * (z.real * z.real + z.imag * z.imag) * z



@numba.njit(cache=True, inline="always", error_model="numpy")
def _amplitude_at(r2, br, at):
    """|q(at)|^2 = r2 / (1 + 2 br r2 at) for |q0|^2 = r2, infinite past a blow-up (br < 0)."""
    d = 1.0 + 2.0 * br * r2 * at
    return r2 / d if d > 0.0 else np.inf


@numba.njit(cache=True, inline="always", error_model="numpy")
def _real_factor(y):
    """(1 + y)^(-1/2), the flow's factor for a real beta; 1 for a node past its blow-up
    (y <= -1), which keeps its value."""
    return 1.0 / math.sqrt(1.0 + y) if y > -1.0 else 1.0


@numba.njit(cache=True, error_model="numpy")
def cubic_flow(q, beta, t, out):
    """Exact flow of dq/dt = -beta |q|^2 q over time t; returns the blown-up node count.

    With r2 = |q0|^2 and br = Re(beta), |q|^2 obeys d(r2)/dt = -2 br r2^2, so
    q(t) = q0 exp(-beta g) with g = int_0^t |q|^2 = log(1 + 2 br r2 t) / (2 br)
    = r2 t log1p(y) / y, y = 2 br r2 t (g = r2 t when y = 0). For br < 0 the solution
    blows up when 1 + y reaches 0; such nodes are counted and left unchanged. A real
    beta takes the form without log1p of :func:`_real_cubic_flow`.
    """
    if beta.imag == 0.0 and beta.real != 0.0:
        return _real_cubic_flow(q, beta.real, t, out)
    blown = 0
    br = beta.real
    for j in range(q.size):
        z = q[j]
        s = (z.real * z.real + z.imag * z.imag) * t
        y = 2.0 * br * s
        if y <= -1.0:
            blown += 1
            out[j] = z
            continue
        if y != 0.0:
            s = s * np.log1p(y) / y
        out[j] = z * np.exp(-beta * s)
    return blown


@numba.njit(cache=True, error_model="numpy")
def _real_cubic_flow(q, br, t, out):
    """:func:`cubic_flow` for a real beta = br != 0: exp(-br g) = (1 + y)^(-1/2) with
    g = log1p(y) / (2 br), so q(t) = q0 / sqrt(1 + y), no log1p and no complex exp
    (0.76 us against 7.4 us at 220 nodes, a loop the compiler vectorises; within ~1 ulp,
    2.1-2.4e-16 against 40-digit values for y from 1e-12 to 1e5)."""
    blown = 0
    for j in range(q.size):
        z = q[j]
        y = 2.0 * br * (z.real * z.real + z.imag * z.imag) * t
        blown += y <= -1.0
        a = _real_factor(y)
        out[j] = complex(z.real * a, z.imag * a)
    return blown



# ---------------------------------------------------------------------------------
# The cubic flow at a step boundary, fast for large grids.
#
# With r2 = |q0|^2, br + i bi = beta and y = 2 br r2 t (br != 0), the exact flow is
#
#     q(t) = q0 (1 + y)^(-beta / (2 br)) = q0 (1 + y)^(-1/2) e^{-i theta},
#     theta = (bi / (2 br)) log1p(y),
#
# (br = 0: q(t) = q0 e^{-i bi r2 t}). The scalar kernel :func:`cubic_flow` calls log1p
# and a complex exp per node (libm, ~50 ns a node). Here log1p runs as one NumPy pass
# (SIMD) and sin/cos are polynomials the compiler vectorises: Cody-Waite reduction by
# pi/2 in three parts (Cody & Waite 1980; P1, P2 carry 33 bits each, so k P1 and k P2 are
# exact for |k| < 2^20) and Taylor polynomials on |r| <= pi/4 (degree 19 for sin, 20 for
# cos: truncation < 2e-22). Angles beyond |theta| = 1e5 are redone with libm. The fast
# kernels use numba's NumPy error model: a division by zero gives inf (IEEE), not a
# Python exception, which is what lets the loops vectorise.
_PIO2_1 = 1.5707963267341256
_PIO2_2 = 6.077100506303966e-11
_PIO2_3 = 2.0222662487959506e-21
_TWO_OVER_PI = 0.6366197723675814
_ANGLE_LIMIT = 1e5
# (-1)^k / (2k + 1)! and (-1)^k / (2k)!, k = 1..10
_SIN = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(1, 10))
_COS = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(1, 11))
_S1, _S2, _S3, _S4, _S5, _S6, _S7, _S8, _S9 = _SIN
_C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10 = _COS

# nodes below which the scalar kernel is as fast (call overheads of the three passes)
FAST_FLOW_MIN_SIZE = 2048


@numba.njit(cache=True, inline="always", error_model="numpy")
def _sincos(x):
    """(sin x, cos x) for |x| <= _ANGLE_LIMIT, branch-free enough to vectorise."""
    k = math.floor(x * _TWO_OVER_PI + 0.5)
    r = ((x - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    r2 = r * r
    s = r + r * r2 * (_S1 + r2 * (_S2 + r2 * (_S3 + r2 * (_S4 + r2 * (_S5 + r2 * (_S6 + r2 * (
        _S7 + r2 * (_S8 + r2 * _S9))))))))
    c = 1.0 + r2 * (_C1 + r2 * (_C2 + r2 * (_C3 + r2 * (_C4 + r2 * (_C5 + r2 * (_C6 + r2 * (
        _C7 + r2 * (_C8 + r2 * (_C9 + r2 * _C10)))))))))
    quadrant = int(k) & 3
    # x = k pi/2 + r: quadrant 1 swaps (sin, cos) -> (cos, -sin), 2 negates both
    sn = c if quadrant & 1 else s
    cs = s if quadrant & 1 else c
    if quadrant & 2:
        sn = -sn
    if (quadrant + 1) & 2:
        cs = -cs
    return sn, cs


@numba.njit(cache=True, error_model="numpy")
def sincos(x, s, c):
    """s, c = sin(x), cos(x) elementwise for |x| <= 1e5 (the cubic flow's polynomials,
    exposed for their test)."""
    for j in range(x.size):
        s[j], c[j] = _sincos(x[j])


@numba.njit(cache=True, error_model="numpy")
def _cubic_flow_pass1(q, br, t, at, y):
    """y = 2 br |q|^2 t (the argument of log1p); returns (blown count, max |q(at)|^2, NaN seen)."""
    blown = 0
    m = 0.0
    nan = False
    for j in range(q.size):
        z = q[j]
        r2 = z.real * z.real + z.imag * z.imag
        yj = 2.0 * br * r2 * t
        nan |= r2 != r2
        m = max(m, _amplitude_at(r2, br, at))
        blown += yj <= -1.0
        # a blown node keeps its value: log1p(0) = 0 below
        y[j] = yj if yj > -1.0 else 0.0
    return blown, m, nan


@numba.njit(cache=True, inline="always", error_model="numpy")
def _turn(a, theta):
    """(a e^{-i theta}, whether |theta| is beyond the polynomial range; then the factor
    is a placeholder for :func:`_cubic_flow_fixup`)."""
    big = abs(theta) > _ANGLE_LIMIT
    sn, cs = _sincos(0.0 if big else theta)
    return complex(a * cs, -a * sn), big


@numba.njit(cache=True, error_model="numpy")
def _cubic_flow_pass2(q, br, bi, t, y, ylog, factor):
    """factor = (1 + y)^(-1/2) e^{-i theta} from y and ylog = log1p(y) (q is read only
    for br = 0); returns the count of angles beyond the polynomial range (left for
    :func:`_cubic_flow_fixup`). Writes no array it reads, so that it vectorises."""
    wide = 0
    # two loops, not a test of br inside one: with the test the loop did not vectorise
    # (340 against 118 us for 128^2 nodes, the same bits)
    if br != 0.0:
        c = bi / (2.0 * br)
        for j in range(y.size):
            factor[j], big = _turn(1.0 / math.sqrt(1.0 + y[j]), c * ylog[j])
            wide += big
    else:
        for j in range(y.size):
            z = q[j]
            factor[j], big = _turn(1.0, bi * (z.real * z.real + z.imag * z.imag) * t)
            wide += big
    return wide


@numba.njit(cache=True)
def _cubic_flow_fixup(q, beta, t, factor):
    """Nodes whose angle passed the polynomial range: their factor by libm."""
    br = beta.real
    c = beta.imag / (2.0 * br) if br != 0.0 else 0.0
    for j in range(q.size):
        z = q[j]
        r2 = z.real * z.real + z.imag * z.imag
        y = 2.0 * br * r2 * t
        theta = c * np.log1p(y) if br != 0.0 else beta.imag * r2 * t
        if abs(theta) > _ANGLE_LIMIT and y > -1.0:
            s = r2 * t * np.log1p(y) / y if y != 0.0 else r2 * t
            factor[j] = np.exp(-beta * s)


def cubic_flow_max(q, beta, t, at, out, work=None):
    """Exact flow of dq/dt = -beta |q|^2 q over time t (``out`` may be ``q``), returning
    (blown-up node count, max |q(at)|^2), |q(at)|^2 = r2 / (1 + 2 br r2 at) the exact
    amplitude at 0 <= at <= t (a step boundary inside a merged cubic substep; inf for a
    node past its blow-up); NaN if any value is NaN. Blown-up nodes (Re(beta) < 0) keep
    their value.

    ``work``: (y, ylog, factor), two real arrays and a complex one shaped like q
    (allocated when None). Below FAST_FLOW_MIN_SIZE nodes this is the scalar
    :func:`cubic_flow` with the amplitude in the same pass.
    """
    beta = complex(beta)
    if q.size < FAST_FLOW_MIN_SIZE:
        return _cubic_flow_max_scalar(q, beta, t, at, out)
    if work is None:
        work = (np.empty(q.size), np.empty(q.size), np.empty(q.size, dtype=complex))
    y, ylog, factor = work
    blown, m, nan = _cubic_flow_pass1(q, beta.real, t, at, y)
    if beta.imag != 0.0 and beta.real != 0.0:
        # log1p(y), vectorised by NumPy
        np.log1p(y, out=ylog)
    else:
        ylog.fill(0.0)
    if _cubic_flow_pass2(q, beta.real, beta.imag, t, y, ylog, factor):
        _cubic_flow_fixup(q, beta, t, factor)
    # q(t) = q0 factor (NumPy: in place is fine)
    np.multiply(q, factor, out=out)
    return int(blown), (float(np.nan) if nan else float(m))


@numba.njit(cache=True, error_model="numpy")
def _cubic_flow_max_scalar(q, beta, t, at, out):
    """:func:`cubic_flow` and the amplitude at ``at`` in one pass (small grids)."""
    if beta.imag == 0.0 and beta.real != 0.0:
        return _real_cubic_flow_max(q, beta.real, t, at, out)
    blown = 0
    br = beta.real
    m = 0.0
    nan = False
    for j in range(q.size):
        z = q[j]
        r2 = z.real * z.real + z.imag * z.imag
        nan |= r2 != r2
        m = max(m, _amplitude_at(r2, br, at))
        s = r2 * t
        y = 2.0 * br * s
        if y <= -1.0:
            blown += 1
            out[j] = z
            continue
        if y != 0.0:
            s = s * np.log1p(y) / y
        out[j] = z * np.exp(-beta * s)
    return blown, (np.nan if nan else m)


@numba.njit(cache=True, error_model="numpy")
def _real_cubic_flow_max(q, br, t, at, out):
    """:func:`_cubic_flow_max_scalar` for a real beta = br != 0 (the form of
    :func:`_real_cubic_flow`)."""
    blown = 0
    m = 0.0
    nan = False
    for j in range(q.size):
        z = q[j]
        r2 = z.real * z.real + z.imag * z.imag
        nan |= r2 != r2
        m = max(m, _amplitude_at(r2, br, at))
        y = 2.0 * br * r2 * t
        blown += y <= -1.0
        a = _real_factor(y)
        out[j] = complex(z.real * a, z.imag * a)
    return blown, (np.nan if nan else m)


@numba.njit(cache=True)
def max_abs2(q):
    """max |q|^2; NaN if any entry is NaN (inf if any is infinite)."""
    m = 0.0
    for j in range(q.size):
        z = q[j]
        a = z.real * z.real + z.imag * z.imag
        if a != a:
            return a
        if a > m:
            m = a
    return m



@numba.njit(cache=True)
def weighted_energy(q, w):
    """sum_j w_j |q_j|^2."""
    e = 0.0
    for j in range(q.size):
        z = q[j]
        e += w[j] * (z.real * z.real + z.imag * z.imag)
    return e



@numba.njit(cache=True)
def lincomb2(a, x, b, y, out):
    """out = a x + b y (a, b complex scalars)."""
    for j in range(x.size):
        out[j] = a * x[j] + b * y[j]



@numba.njit(cache=True)
def lincomb3(a, x, b, y, c, z, out):
    """out = a x + b y + c z (a, b, c complex scalars)."""
    for j in range(x.size):
        out[j] = a * x[j] + b * y[j] + c * z[j]



@numba.njit(cache=True)
def axpy(a, x, out):
    """out += a x (a complex scalar)."""
    for j in range(x.size):
        out[j] += a * x[j]



@numba.njit(cache=True)
def diagonal_row(S, W, G, out):
    """out = sum_k S[k] * (sum_i W[k, i] G[i]): diagonal symbols S (m, n) applied to the
    inputs mixed from the rows of G (r, n) by the real (m, r) matrix W, zero weights
    skipped. Row by row: contiguous inner loops vectorise (element by element with the
    sums inside was ~2x slower), and no mixed inputs are stored."""
    m, n = S.shape
    r = G.shape[0]
    first = True
    for k in range(m):
        for i in range(r):
            w = W[k, i]
            if w == 0.0:
                continue
            if first:
                for j in range(n):
                    out[j] = w * S[k, j] * G[i, j]
                first = False
            else:
                for j in range(n):
                    out[j] += w * S[k, j] * G[i, j]
    if first:
        for j in range(n):
            out[j] = 0.0



@numba.njit(cache=True)
def stage_sum(base, h, coef, K, out):
    """out = base + h sum_k coef[k] K[k] (K of shape (m, n); terms with coef 0 skipped).

    The Runge-Kutta stage combination; ``out`` may be ``base``."""
    m, n = K.shape
    # row by row, as in diagonal_row (same order of additions per element)
    for j in range(n):
        out[j] = base[j]
    for k in range(m):
        if coef[k] != 0.0:
            c = h * coef[k]
            for j in range(n):
                out[j] += c * K[k, j]



@numba.njit(cache=True)
def normwise_error(e, y0, y1, rtol, atol):
    """max_j |e_j| / (atol + rtol max(max_j |y0_j|, max_j |y1_j|)): the mixed error test of
    Hairer, Norsett & Wanner (1993, II.4, eq. 4.10) with the max norm taken over the whole
    field, so that components far below the field's amplitude (the tails of a localised
    solution) are not resolved relative to themselves. NaN if e holds a NaN."""
    worst = 0.0
    size = 0.0
    for j in range(e.size):
        r = abs(e[j])
        if r != r:
            return r
        if r > worst:
            worst = r
        size = max(size, abs(y0[j]), abs(y1[j]))
    return worst / (atol + rtol * size)



@numba.njit(cache=True)
def same_values(x, y):
    """True when x and y hold bitwise-equal values (NaN compares unequal)."""
    for j in range(x.size):
        if x[j] != y[j]:
            return False
    return True
