"""Exponential Runge-Kutta schemes: the linear part exactly, N by phi-function weights.

With z = hL, one step is (Hochbruck & Ostermann, Acta Numerica 19, 2010, eq. 2.20)

    Y_i   = phi_0(c_i z) v + h sum_{j<i} a_ij(z) N(Y_j),   i = 1..s
    v_new = phi_0(z) v     + h sum_j    b_j(z)  N(Y_j)

where each coefficient a_ij(z), b_j(z) is a combination of phi_k(c z) (see
:mod:`cgle.problem.operators` for how those are computed for dense and diagonal L). A scheme
is data: ``a[i][j]`` and ``b[j]`` are tuples of terms (weight, k, c) meaning
weight * phi_k(c z). When L = 0 the scheme reduces to the explicit Runge-Kutta method
with a_ij(0), b_j(0); the tables are checked against its classical order conditions and
against the exact identities sum_j b_j(z) = phi_1(z), sum_j a_ij(z) = c_i phi_1(c_i z).

Each stage is one operator application on stacked inputs [v; N(Y_1); ...] (one BLAS
call [phi_0 | h a_i1 | ...] for dense L), built once per dt.
"""

import math
from collections import defaultdict

import numpy as np

from cgle.steppers.base import Stepper, work_array
from cgle.steppers.order_conditions import check_order


def _at_zero(terms):
    """A coefficient at z = 0: sum weight / k!."""
    return sum(w / math.factorial(k) for w, k, _c in terms)


def _canonical(terms):
    """Merge terms with equal (k, c); drop zero weights."""
    acc = defaultdict(float)
    for w, k, c in terms:
        acc[(k, c)] += w
    return {key: w for key, w in acc.items() if abs(w) > 1e-15}


class ExponentialRK(Stepper):
    """Family base: subclasses give ``c``, ``a`` (row i: tuple over j < i of term tuples),
    ``b`` (tuple over j of term tuples) and ``order``."""

    explicit_cubic = True
    c = ()
    a = ()
    b = ()

    @classmethod
    def check_tables(cls):
        s = len(cls.c)
        if len(cls.a) != s or len(cls.b) != s or any(len(row) != i for i, row in enumerate(cls.a)):
            raise ValueError(f"{cls.name}: a must have rows of length 0..s-1 and b length s = {s}")
        # exact identities: sum_j b_j(z) = phi_1(z), sum_j a_ij(z) = c_i phi_1(c_i z)
        if _canonical([t for coef in cls.b for t in coef]) != {(1, 1.0): 1.0}:
            raise ValueError(f"{cls.name}: sum_j b_j(z) must be phi_1(z)")
        for i, row in enumerate(cls.a):
            want = {(1, cls.c[i]): cls.c[i]} if cls.c[i] != 0 else {}
            if _canonical([t for coef in row for t in coef]) != want:
                raise ValueError(f"{cls.name}: row {i} must sum to c_i phi_1(c_i z)")
        # the L = 0 limit is an explicit RK method of the declared order
        A0 = np.zeros((s, s))
        for i, row in enumerate(cls.a):
            for j, coef in enumerate(row):
                A0[i, j] = _at_zero(coef)
        b0 = np.array([_at_zero(coef) for coef in cls.b])
        check_order(cls.name, {"E": A0}, {"E": b0}, cls.order, "L = 0 limit ")

    def __init__(self, problem):
        super().__init__(problem)
        s = len(self.c)
        self._G = np.zeros((s + 1,) + work_array(problem).shape, dtype=complex)  # [v, N(Y_1), ...]
        self._X = np.zeros_like(self._G)  # stacked inputs of one stage
        self._Y = work_array(problem)

    def _prepare(self, dt):
        linear = self.problem.linear
        kmax = defaultdict(int)
        for c in self.c:
            if c != 0:
                kmax[c] = max(kmax[c], 0)
        for coef in [t for row in self.a for t in row] + list(self.b):
            for _w, k, c in coef:
                kmax[c] = max(kmax[c], k)
        kmax[1.0] = max(kmax[1.0], 0)
        # nodes c = 2^-i come out of one modified-squaring pass at c = 1; others directly
        halvings = {c: round(-math.log2(c)) for c in kmax if 2.0 ** round(-math.log2(c)) * c == 1.0}
        depth = max(halvings.values())
        levels = linear.phi_halvings(dt, max(kmax[c] for c in halvings), depth)
        phi = {c: levels[i][: kmax[c] + 1] for c, i in halvings.items()}
        phi.update({c: linear.phi(c * dt, k) for c, k in kmax.items() if c not in halvings})

        def operator(terms, scale):
            return linear.combine([(scale * w, phi[c][k]) for (k, c), w in _canonical(terms).items()])

        # stage i: (row operator over its inputs, mixing matrix from G rows to inputs)
        self._plan = []
        rows = [(self.c[i], self.a[i]) for i in range(len(self.c))] + [(1.0, self.b)]
        for ci, coefs in rows:
            if ci == 0 and not any(coefs):
                self._plan.append(None)  # Y_i = v
                continue
            blocks, mixes = [phi[ci][0]], [{0: 1.0}]
            seen = {}
            for j, coef in enumerate(coefs):
                key = tuple(sorted(_canonical(coef).items()))
                if not key:
                    continue
                if key in seen:
                    # equal coefficients share one block: its input is the sum of the N's
                    mixes[seen[key]][j + 1] = 1.0
                    continue
                seen[key] = len(blocks)
                blocks.append(operator(coef, dt))
                mixes.append({j + 1: 1.0})
            # real 0/1 mixing of the rows of G into the inputs of the blocks
            W = np.zeros((len(blocks), len(self.c) + 1))
            for r, mix in enumerate(mixes):
                for col, w in mix.items():
                    W[r, col] = w
            self._plan.append((linear.block_row(blocks), W))

    def step(self, v):
        G, X, Y = self._G, self._X, self._Y
        s = len(self.c)
        G[0] = v
        for i, stage in enumerate(self._plan):
            target = v if i == s else Y
            if stage is None:
                Y[...] = v
            else:
                row, W = stage
                # Y = [blocks] (W G): W sums the N's that share a block
                row.apply_mixed(W, G, X, target)
            if i < s:
                self.problem.nonlinear(Y, G[i + 1])


def _t(weight, k, c=1.0):
    return (weight, k, c)


class ETD1(ExponentialRK):
    """Exponential Euler, v_new = e^{hL} v + h phi_1(hL) N(v); order 1 (Cox & Matthews
    2002, eq. 6; Hochbruck & Ostermann 2010, eq. 2.29)."""

    name = "etd1"
    order = 1
    c = (0.0,)
    a = ((),)
    b = ((_t(1.0, 1),),)


class ETDRK4(ExponentialRK):
    """ETDRK4 of Cox & Matthews (2002, eqs. 26-29), in the tableau form of Hochbruck &
    Ostermann (2010, eq. 2.36): c = (0, 1/2, 1/2, 1),

        a_21 = a_32 = phi_1(z/2)/2,   a_41 = phi_1(z) - phi_1(z/2)  (= phi_1(z/2)(e^{z/2} - 1)/2),
        a_43 = phi_1(z/2),
        b_1 = phi_1 - 3 phi_2 + 4 phi_3,  b_2 = b_3 = 2 phi_2 - 4 phi_3,  b_4 = 4 phi_3 - phi_2.

    Order 4 (classically; Hochbruck & Ostermann 2005 show a possible reduction for
    non-smooth data). The L = 0 limit is the classical RK4.
    """

    name = "etdrk4"
    order = 4
    c = (0.0, 0.5, 0.5, 1.0)
    a = (
        (),
        ((_t(0.5, 1, 0.5),),),
        ((), (_t(0.5, 1, 0.5),)),
        ((_t(1.0, 1), _t(-1.0, 1, 0.5)), (), (_t(1.0, 1, 0.5),)),
    )
    b = (
        (_t(1.0, 1), _t(-3.0, 2), _t(4.0, 3)),
        (_t(2.0, 2), _t(-4.0, 3)),
        (_t(2.0, 2), _t(-4.0, 3)),
        (_t(-1.0, 2), _t(4.0, 3)),
    )
