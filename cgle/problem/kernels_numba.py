"""Numba kernels: the pointwise nonlinear work of every time step.

Top-level pure functions taking every array and scalar as an argument, writing into
``out`` (1-D contiguous views; callers reshape multi-dimensional fields with
``reshape(-1)``), compiled with ``cache=True`` and without fastmath, so NaN and inf
propagate. Each kernel has a NumPy twin of the same signature in
:mod:`cgle.problem.kernels_numpy` that the tests compare it with; callers reach both
through :mod:`cgle.problem.kernels`, which loads this module (and numba) only when a
run is large enough for it to pay.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def cubic_term(q, beta, out):
    """out = -beta |q|^2 q."""
    for j in range(q.size):
        z = q[j]
        out[j] = -beta * (z.real * z.real + z.imag * z.imag) * z



@numba.njit(cache=True)
def cubic_flow(q, beta, t, out):
    """Exact flow of dq/dt = -beta |q|^2 q over time t; returns the blown-up node count.

    With r2 = |q0|^2 and br = Re(beta), |q|^2 obeys d(r2)/dt = -2 br r2^2, so
    q(t) = q0 exp(-beta g) with g = int_0^t |q|^2 = log(1 + 2 br r2 t) / (2 br)
    = r2 t log1p(y) / y, y = 2 br r2 t (g = r2 t when y = 0). For br < 0 the solution
    blows up when 1 + y reaches 0; such nodes are counted and left unchanged.
    """
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
