"""Which form of exp(hL) a stepper uses for each step size: a cost model.

exp(hL) can be formed as a matrix (:meth:`DenseOperator.expm`: ~PRODUCTS[m] + s matrix
products once, then one matrix-vector product per application) or applied by action
(:meth:`DenseOperator.expm_action`: no set-up, m s matrix-vector products per
application). Which is cheaper depends on how often the step size will be used, which a
step-size controller does not know in advance: a step size on the adaptive ladder may be
used twice in a stiff initial layer or ten thousand times in a long run.

The rule is the classic answer to renting against buying without knowing the future
(the ski-rental problem; Karlin, Manasse, Rudolph & Sleator 1988): apply by action while
the products spent on actions of this step size, including the applications about to be
made, stay below the cost of forming the matrix; then form it. Whatever the future, the
total is at most twice that of the better choice made in hindsight. On a ladder of step
sizes the price of exp(hL) is that of its cheapest route: directly, or as the square of
exp(hL/2), itself formed by its cheapest route (where expm squares its way up anyway
the two coincide, bit for bit). A route forms every step size on it, so what was spent
renting those counts towards it: a step-size controller climbing the ladder buys once,
low, and squares its way up, instead of renting every level on the way. A matrix that is
the square of one already formed costs one product (the step ladder: exp(hL) =
exp(hL/2)^2).

A formed exp(hL/2^k) also rents exp(hL) for 2^k matrix-vector products (k <= 3): it
is applied 2^k times (:class:`PowerAction`). Once a step ladder has bought a level, the
levels above it are then rented for a few products instead of bought by squaring (one
matrix product each): at N = 220 a squaring costs as much as ~60-150 such applications.

One exception, for a caller climbing a step ladder (``ladder=True``, the adaptive
extrapolation): a step size it applies more than once per step (the half and quarter
steps of its tableau) whose half is formed is bought at once, by one squaring, the least
any new level costs. Such a level is the half or the quarter of the ladder level in use,
so it is needed as long as that level is, and if the ladder climbs on, the level above
is bought through it anyway: renting it first pays twice. The step applied once per step
(the full step, the top of the ladder) stays with the rule above, so that a level which
tops the ladder for a whole late phase is rented as its half applied twice and never
squared unless that pays. Measured on the forum problem from q0 = 1e4 to t = 20
(strang_richardson, rtol 1e-4, N = 220; medians of 15 interleaved runs): 390 -> 210
applications and 8 -> 7 squarings, 22.6-22.8 -> 18.7-18.9 ms.

A formed exponential that is applied for more than a dense product on the nodes (the
banded one of :mod:`cgle.problem.hermite_banded`: ``cost`` > 1, ``nodal_price``,
``to_nodal``) is rented the same way against its matrix on the nodes: its applications
are applied as they are while what they cost beyond dense products stays below the price
of forming the nodal matrix; then that is formed and applied instead. At N = 220 that is
after ~60 applications of a wide band (h ~ 1) to ~400 of a narrow one (h ~ 0.01): a step
size that tops a long run soon goes to the nodes, one climbed through in a transient
never pays for its nodal matrix.

Every decision is a function of the numbers in :meth:`Propagators.get_state` (products
spent per step size, for each formed matrix whether it was built directly or as a
square, what its applications cost beyond dense ones and whether it was moved to the
nodes), so a restarted run makes the same choices and builds the same bits.
"""

from collections import OrderedDict

import numpy as np

DIRECT, SQUARE = 0, 1
# how far below a step size the cost model looks for a cheaper way to form it
ROUTE_DEPTH = 8
# exp(hL) may be rented as exp(hL / 2^k)^(2^k) for k <= POWER_DEPTH
POWER_DEPTH = 3


class PowerAction:
    """exp(hL) v as (exp(hL / 2^k))^(2^k) v: a formed matrix applied 2^k times."""

    def __init__(self, operator, power):
        self.operator = operator
        self.power = int(power)
        self.cost = float(self.power)
        self._work = np.empty(operator.shape, dtype=complex)

    @property
    def shape(self):
        """The shape of the states it applies to."""
        return self.operator.shape

    def apply(self, v, out):
        """out = A^power v (``out`` must not be ``v``)."""
        src, work = v, self._work
        # alternate between out and the work array, ending in out
        targets = [out if (self.power - 1 - i) % 2 == 0 else work for i in range(self.power)]
        for target in targets:
            self.operator.apply(src, target)
            src = target
        return out


class Propagators:
    """exp(hL) for the step sizes a stepper asks for, matrix or action by the cost model.

    Parameters
    ----------
    linear : DenseOperator or DiagonalOperator
        Provides ``expm``, ``expm_action``, ``expm_costs``, ``squaring_cost``, ``squared``.
    cache_size : int, optional
        Formed matrices kept (least recently used dropped; rebuilt bit for bit on
        demand); default: as many as fit in ~256 MB, between 4 and 16.
    """

    def __init__(self, linear, cache_size=None):
        self.linear = linear
        if cache_size is None:
            cache_size = min(16, max(4, int(2.5e8 // linear.exponential_nbytes())))
        self.cache_size = cache_size
        self._matrices = OrderedDict()
        self._actions = OrderedDict()
        self.reset()

    def reset(self):
        """Forget the history: nothing spent, nothing formed."""
        self.spent = {}
        self.formed = {}
        self.extra = {}  # applications' cost beyond dense products, per formed step size
        self.nodal = set()  # formed step sizes applied by their matrix on the nodes
        self._matrices.clear()
        self._actions.clear()

    def get(self, h, uses=1, squarable=None, horizon=None, ladder=False):
        """An operator for exp(hL) about to be applied ``uses`` times.

        ``squarable(h') -> bool`` says for which step sizes h' <= h a matrix may be
        formed as the square of exp(h'L/2) (the caller knows where that keeps the
        accuracy); where :meth:`expm_uses_half` holds it may anyway (the same bits).
        ``horizon``: the number of steps (this one included) known to need it ``uses``
        times each; the matrix is then formed at once where that many actions would
        cost more (a fixed-step run of known length). None: not known.
        ``ladder``: the caller climbs a step ladder (an adaptive controller); with
        ``uses`` > 1 the level right above a formed one is then bought at once (module
        docstring).
        """
        if h in self.formed:
            return self._applied(h, uses)
        if ladder and uses > 1 and h / 2.0 in self.formed and self._may_square(h, squarable):
            # on a ladder, a half or quarter step right above a formed level: one squaring,
            # bought at once (module docstring)
            self.formed[h] = SQUARE
            return self._applied(h, uses)
        action_cost = self.linear.expm_costs(h)[0]
        power = self._power(h)
        # a formed level below rents this one for `power` products where that is cheaper
        by_power = power is not None and power < action_cost
        if by_power:
            action_cost = float(power)
        net, route = self._route(h, squarable, ROUTE_DEPTH)
        coming = uses * max(1, horizon or 1)
        if net <= coming * action_cost:
            for level, recipe in route:
                self.formed[level] = recipe
            return self._applied(h, uses)
        self.spent[h] = self.spent.get(h, 0.0) + uses * action_cost
        if by_power:
            self._applied(h / power, uses * power)
            return self._cached(self._actions, (h, power),
                                lambda: PowerAction(self._matrix(h / power), power), 2 * self.cache_size)
        return self._cached(self._actions, h, lambda: self.linear.expm_action(h), 2 * self.cache_size)

    def _applied(self, h, uses):
        """The formed exp(hL) about to be applied ``uses`` times, moved to the nodes once
        its applications have cost beyond dense ones what that costs (module docstring)."""
        op = self._matrix(h)
        if h not in self.nodal and getattr(op, "cost", 1.0) > 1.0:
            self.extra[h] = self.extra.get(h, 0.0) + uses * (op.cost - 1.0)
            if self.extra[h] >= op.nodal_price:
                self.nodal.add(h)
                op.to_nodal()
        return op

    def _power(self, h):
        """2^k for the smallest k <= POWER_DEPTH with exp(hL / 2^k) formed, else None."""
        for k in range(1, POWER_DEPTH + 1):
            if h / 2.0**k in self.formed:
                return 2**k
        return None

    def _route(self, h, squarable, depth):
        """(net, route): the cheapest way to form exp(hL), as its price in matrix-vector
        products less what was spent renting the step sizes it forms, and the
        [(h', recipe)] it forms, top first. Either directly, or as the square of
        exp(hL/2) formed by its own cheapest route (or already formed)."""
        if h in self.formed:
            return 0.0, []
        spent = self.spent.get(h, 0.0)
        best = (self.linear.expm_costs(h)[1] - spent, [(h, DIRECT)])
        if depth > 0 and self._may_square(h, squarable):
            net_below, below = self._route(h / 2.0, squarable, depth - 1)
            # between equal prices form the levels below as well; prices are sums of
            # constants, equal ones may differ in the last bit (524.9625 + 40.96 against
            # 565.9224999999999), hence the tolerance
            candidate = net_below + self.linear.squaring_cost() - spent
            if candidate <= best[0] + 1e-9 * abs(best[0]):
                best = (candidate, [(h, SQUARE)] + below)
        return best

    def _may_square(self, h, squarable):
        """Whether exp(hL) may be formed as the square of exp(hL/2): where expm squares
        anyway (the same bits), or where the caller allows it."""
        return self.linear.expm_uses_half(h) or (squarable is not None and squarable(h))

    def _matrix(self, h):
        def build():
            if self.formed[h] == SQUARE:
                op = self._matrix(h / 2.0).squared()
            else:
                op = self.linear.expm(h)
            if h in self.nodal:
                op.to_nodal()
            return op

        return self._cached(self._matrices, h, build, self.cache_size)

    @staticmethod
    def _cached(cache, key, build, size):
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = build()
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)
        return value

    def get_state(self):
        """The decisions' inputs as arrays (for a checkpoint)."""
        spent = sorted(self.spent.items())
        formed = sorted(self.formed.items())
        extra = sorted(self.extra.items())
        return {
            "extra_h": np.array([h for h, _ in extra], dtype=float),
            "extra": np.array([c for _, c in extra], dtype=float),
            "nodal_h": np.array(sorted(self.nodal), dtype=float),
            "spent_h": np.array([h for h, _ in spent], dtype=float),
            "spent": np.array([c for _, c in spent], dtype=float),
            "formed_h": np.array([h for h, _ in formed], dtype=float),
            "formed": np.array([r for _, r in formed], dtype=np.int64),
        }

    def set_state(self, state):
        """Restore :meth:`get_state` (missing keys: nothing spent or formed)."""
        self.reset()
        if "spent_h" in state:
            self.spent = {float(h): float(c) for h, c in zip(np.atleast_1d(state["spent_h"]),
                                                               np.atleast_1d(state["spent"]))}
        if "extra_h" in state:
            self.extra = {float(h): float(c) for h, c in zip(np.atleast_1d(state["extra_h"]),
                                                               np.atleast_1d(state["extra"]))}
        if "nodal_h" in state:
            self.nodal = {float(h) for h in np.atleast_1d(state["nodal_h"])}
        if "formed_h" in state:
            self.formed = {float(h): int(r) for h, r in zip(np.atleast_1d(state["formed_h"]),
                                                             np.atleast_1d(state["formed"]))}
