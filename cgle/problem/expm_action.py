"""exp(tA) v without forming exp(tA): the truncated Taylor series with scaling of
Al-Mohy & Higham (2011), and the cost model that decides when forming the matrix pays.

Why. A propagator exp(hL) as a matrix costs PRODUCTS[m] + s matrix products
(:mod:`cgle.problem.matrix_functions`), ~N matrix-vector products each; a step ladder
(or a short run) that applies exp(hL) only a few times for a step size pays that for
nothing. Applied to a vector, exp(hL) v costs m s matrix-vector products and no set-up.

Algorithm (Al-Mohy & Higham 2011, SIAM J. Sci. Comput. 33, 488, Algorithms 3.2 and the
shift of Sec. 3.1). With B = A - mu I, mu = trace(A) / n (the shift that minimises the
Frobenius norm; used only where it lowers ||B||_1), exp(tA) v = e^{t mu} exp(tB) v and

    exp(tB) v = (T_m(tB / s))^s v,     T_m(X) = sum_{j<=m} X^j / j!,

each factor applied by m matrix-vector products. T_m(X) = exp(X + dX) with
||dX|| <= u ||X|| (u = 2^-53) whenever ||X||_1 <= theta_m (:data:`THETA_ACTION`, the same
backward-error bound as the matrix exponential's, now for every m <= 55), so the result
is exp(tA + E) v with ||E||_1 <= u ||tB||_1: a backward error of the size of the rounding
of tA itself. (m, s) minimises the work m s subject to ||tB||_1 / s <= theta_m
(Al-Mohy & Higham 2011, eq. 3.11, with the 1-norm in place of their power estimates:
for the CGLE operators ||L^p||^(1/p) stays within ~25 % of ||L||_1). Each series is cut
short once two consecutive terms fall below u times the partial sum (their eq. 3.15),
so the work is often below m s.
"""

import functools
import math

import numpy as np

from cgle import threads

# theta_m: largest ||X||_1 with backward error <= 2^-53 for T_m (rounded down); computed
# with mpmath from the series of log(e^{-x} T_m(x)), recomputed in
# tests/problem/test_expm_action.py (Al-Mohy & Higham 2011, Table 3.1, to 2 digits)
THETA_ACTION = {
    1: 2.220446e-16, 2: 2.5809568e-08, 3: 1.3863478e-05, 4: 0.00033971688, 5: 0.0024008763,
    6: 0.0090656564, 7: 0.023844555, 8: 0.049912288, 9: 0.089577602, 10: 0.14418297,
    11: 0.2142358, 12: 0.29961589, 13: 0.39977753, 14: 0.51391469, 15: 0.64108352,
    16: 0.78028742, 17: 0.93053284, 18: 1.0908637, 19: 1.260381, 20: 1.4382525,
    21: 1.6237159, 22: 1.8160778, 23: 2.0147107, 24: 2.2190488, 25: 2.4285825,
    26: 2.6428534, 27: 2.8614496, 28: 3.0840005, 29: 3.3101728, 30: 3.5396663,
    31: 3.7722104, 32: 4.007561, 33: 4.2454974, 34: 4.4858198, 35: 4.7283473,
    36: 4.9729156, 37: 5.2193753, 38: 5.4675906, 39: 5.7174374, 40: 5.9688026,
    41: 6.2215826, 42: 6.4756827, 43: 6.7310158, 44: 6.9875022, 45: 7.2450684,
    46: 7.5036466, 47: 7.7631746, 48: 8.0235947, 49: 8.2848536, 50: 8.546902,
    51: 8.8096942, 52: 9.0731878, 53: 9.3373435, 54: 9.6021244, 55: 9.8674966,
}
UNIT_ROUNDOFF = 2.0**-53

# The cost model counts matrix-vector products. A dense N x N product costs the flops of
# N of them, but runs as one BLAS-3 call at a higher rate than N BLAS-2 calls, the more
# so the larger N: measured with one thread, 1.8 ms = 0.65 x 220 matvecs at N = 220,
# 0.19 s = 0.26 x 1024 matvecs at N = 1024, i.e. ~0.65 (220 / N)^0.6 (capped at 1). A
# fixed formula keeps every decision a function of the numbers alone (so a restarted run
# makes the same choices).
def product_in_matvecs(n):
    """Matrix-vector products that one N x N matrix product costs, by the model above."""
    return n * min(1.0, 0.65 * (220.0 / max(n, 1)) ** 0.6)


@functools.lru_cache(maxsize=4096)
def action_plan(norm):
    """(m, s): Taylor degree and number of scaling steps for ||tB||_1 = ``norm``, the
    fewest matrix-vector products m s with norm / s <= THETA_ACTION[m] (ties: smaller m).
    ``norm = 0`` gives (0, 1): exp(0) v = v. Remembered per norm (a step ladder asks for
    the same few again and again; the search over THETA_ACTION takes ~20 us)."""
    if not math.isfinite(norm):
        raise ValueError(f"exponential action of a matrix with non-finite entries (1-norm {norm})")
    if norm == 0.0:
        return 0, 1
    best = None
    for m, theta in THETA_ACTION.items():
        s = max(1, math.ceil(norm / theta))
        if best is None or m * s < best[0]:
            best = (m * s, m, s)
    return best[1], best[2]


def shifted(A):
    """(B, mu, ||B||_1): the shift of :func:`cgle.problem.matrix_functions.shift`, formed
    once per operator."""
    from cgle.problem.matrix_functions import shift

    return shift(A)


class ExponentialAction:
    """exp(tA) applied to vectors, A = B + mu I given as (B, mu, ||B||_1) by :func:`shifted`.

    ``apply(v, out)`` computes out = exp(tA) v (``out`` must not be ``v``); ``cost`` is the
    bound m s on the matrix-vector products of one application.
    """

    def __init__(self, B, mu, norm, t):
        self.B = B
        self.t = t
        self.m, self.s = action_plan(abs(t) * norm)
        self.cost = self.m * self.s
        # e^{t mu / s}, applied after each of the s Taylor factors (no overflow in between)
        self._eta = complex(np.exp(t * mu / self.s))
        n = B.shape[0]
        # BLAS level 1-2 in place (a third faster than NumPy's calls here), imported here:
        # a run that never applies an action never loads scipy.linalg (~0.14 s); a BLAS
        # loaded now gets the thread policy of the call it runs under
        from scipy.linalg.blas import dzasum, zaxpy, zgemv

        threads.refresh()
        self._blas = (dzasum, zaxpy, zgemv)
        self._term = np.empty(n, dtype=complex)
        self._next = np.empty(n, dtype=complex)

    @property
    def shape(self):
        """(n,): the length of the vectors this action applies to."""
        return (self.B.shape[0],)

    def apply(self, v, out):
        """out = exp(tA) v (``v`` and ``out`` contiguous complex vectors)."""
        dzasum, zaxpy, zgemv = self._blas
        term, nxt = self._term, self._next
        out[...] = v
        if self.m == 0:
            out *= self._eta
            return out
        # B^T is the Fortran-ordered view of B: BLAS zgemv with trans=1 applies B itself
        Bt = self.B.T
        for _ in range(self.s):
            term[...] = out
            previous = dzasum(term)
            for j in range(1, self.m + 1):
                # nxt = (t / (s j)) B term: the j-th Taylor term of this factor
                zgemv(self.t / (self.s * j), Bt, term, beta=0.0, y=nxt, overwrite_y=1, trans=1)
                term, nxt = nxt, term
                # out += term
                zaxpy(term, out, a=1.0)
                current = dzasum(term)
                # cut short: two consecutive terms below u * ||partial sum|| (AMH 2011, eq. 3.15;
                # here in the norm sum |Re| + |Im|, as cheap as any and equivalent)
                if previous + current <= UNIT_ROUNDOFF * dzasum(out):
                    break
                previous = current
            if self._eta != 1.0:
                out *= self._eta
        return out


def matrix_cost(norm, n):
    """Matrix-vector products that forming exp(tA) costs directly, ``norm`` the 1-norm it
    plans with (:func:`cgle.problem.matrix_functions.expm_norm`, :func:`plan`), in units
    of one N x N matrix-vector product."""
    from cgle.problem.matrix_functions import PRODUCTS, plan

    m, s = plan(norm)
    return (PRODUCTS[m] + s) * product_in_matvecs(n)


def squaring_cost(n):
    """Matrix-vector products that one squaring (exp(2tA) from exp(tA)) costs."""
    return product_in_matvecs(n)
