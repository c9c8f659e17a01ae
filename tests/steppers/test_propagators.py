"""The cost model for exp(hL) (cgle.steppers.propagators): rent by action, buy the
matrix once renting has cost as much; same bits either way after a restart. Every test
runs on both kernel backends, pinned: with NumPy's the exponentials are dense matrices
on the nodes, with numba's banded ones in Hermite functions (cgle.problem.hermite_banded)."""

import math

import numpy as np
import pytest

from cgle.problem import kernels
from cgle.problem.expm_action import ExponentialAction
from cgle.problem.hermite_banded import BandedExponential
from cgle.problem.hermite_modes import ModalExponentialAction
from cgle.problem.operators import DenseOperator, DiagonalOperator
from cgle.steppers.propagators import Propagators

# exp(hL) applied without forming it: dense Taylor, or banded Taylor in Hermite functions
ACTIONS = (ExponentialAction, ModalExponentialAction)
# exp(hL) formed: on the nodes, or on its band in Hermite functions
FORMED = (DenseOperator, BandedExponential)


@pytest.fixture(autouse=True, params=["numpy", "numba"])
def backend(request):
    """Pin the kernel backend (the one bound first in a process decides the route)."""
    before = kernels.backend()
    kernels.use(request.param)
    yield request.param
    kernels.use(before or "numba")


def test_ski_rental_buys_when_the_actions_have_cost_a_matrix(forum):
    prob = forum[0]
    linear = prob.linear
    h = 0.05
    action, build = linear.expm_costs(h)
    props = Propagators(linear)
    kinds = [type(props.get(h, uses=2)) for _ in range(int(math.ceil(build / action)) + 2)]
    rented = next(i for i, k in enumerate(kinds) if k in FORMED)
    # rent while spent + upcoming < build, then buy, and keep it
    assert all(k in ACTIONS for k in kinds[:rented])
    assert all(k in FORMED for k in kinds[rented:])
    assert (rented - 1) * 2 * action < build <= (rented + 1) * 2 * action
    assert np.array_equal(props.get(h).matrix, linear.expm(h).matrix)


def test_action_and_matrix_agree(forum):
    prob, q0 = forum[0], forum[1]
    for h in (1e-7, 0.01, 0.3, 2.0):
        a = prob.linear.expm_action(h).apply(q0, np.empty_like(q0))
        m = prob.linear.expm(h).apply(q0, np.empty_like(q0))
        assert np.linalg.norm(a - m) <= 1e-14 * max(1.0, h * np.linalg.norm(prob.L, 1)) * np.linalg.norm(m)


def test_forming_a_level_forms_the_levels_expm_squares_through(forum):
    linear = forum[0].linear
    props = Propagators(linear)
    h = 4.0
    assert linear.expm_uses_half(h)
    for _ in range(50):
        top = props.get(h)
        if isinstance(top, FORMED):
            break
    below = h / 2
    while linear.expm_uses_half(below * 2):
        assert below in props.formed
        below /= 2
    # the same bits as expm itself
    assert np.array_equal(top.matrix, linear.expm(h).matrix)
    assert np.array_equal(props.get(h / 2).matrix, linear.expm(h / 2).matrix)


def test_rented_spending_below_counts_towards_the_level_above(forum):
    """A controller climbing the ladder buys low instead of renting every level."""
    linear = forum[0].linear
    h = 1.0
    assert linear.expm_uses_half(h)
    action, build = linear.expm_costs(h)
    assert action < build
    climbing, alone = Propagators(linear), Propagators(linear)
    # as if the level below had been rented up to what forming this level costs
    climbing.set_state({"spent_h": [h / 2], "spent": [build - action], "formed_h": [], "formed": []})
    assert isinstance(climbing.get(h), FORMED)
    assert isinstance(alone.get(h), ACTIONS)


def test_state_round_trip_makes_the_same_choices_and_bits(forum):
    prob, q0 = forum[0], forum[1]
    sizes = [0.4, 0.2, 0.4, 0.1, 0.2, 0.4, 0.8, 0.4, 0.2, 0.1] * 3
    a = Propagators(prob.linear)
    outs_a = []
    for h in sizes[:12]:
        a.get(h, uses=2, squarable=lambda x: True)
    state = {k: np.array(v) for k, v in a.get_state().items()}
    b = Propagators(prob.linear)
    b.set_state(state)
    for h in sizes[12:]:
        pa, pb = a.get(h, uses=2, squarable=lambda x: True), b.get(h, uses=2, squarable=lambda x: True)
        assert type(pa) is type(pb)
        ya, yb = pa.apply(q0, np.empty_like(q0)), pb.apply(q0, np.empty_like(q0))
        outs_a.append(ya)
        assert np.array_equal(ya, yb)
    assert a.formed == b.formed and a.spent == b.spent


def test_diagonal_symbol_is_always_formed():
    linear = DiagonalOperator(np.array([-1.0, -2.0 + 1j, 0.5]))
    props = Propagators(linear)
    op = props.get(0.3)
    assert isinstance(op, DiagonalOperator) and 0.3 in props.formed
    np.testing.assert_array_equal(op.symbol, np.exp(0.3 * linear.symbol))


def test_cheapest_route_squares_a_level_bought_below(forum):
    """Where the caller allows squaring, exp(hL) is bought as the square of exp(hL/2)
    when renting exp(hL/2) already paid for that: both get formed, bits = the square."""
    linear = forum[0].linear
    h = 1e-4
    assert not linear.expm_uses_half(h)
    _a_half, build_half = linear.expm_costs(h / 2)
    paid = build_half + linear.squaring_cost()
    props = Propagators(linear)
    props.set_state({"spent_h": [h / 2], "spent": [paid], "formed_h": [], "formed": []})
    top = props.get(h, squarable=lambda x: True)
    assert isinstance(top, FORMED) and props.formed == {h: 1, h / 2: 0}
    # the bits of the operator's own squaring (a product on the nodes, or Z Z^T in the
    # symmetric form of the Hermite modes), and the square to rounding
    half = linear.expm(h / 2)
    assert np.array_equal(top.matrix, half.squared().matrix)
    np.testing.assert_allclose(top.matrix, half.matrix @ half.matrix, rtol=0, atol=1e-14)
    # without permission to square, the same spending buys nothing
    strict = Propagators(linear)
    strict.set_state({"spent_h": [h / 2], "spent": [paid], "formed_h": [], "formed": []})
    assert isinstance(strict.get(h), ACTIONS)


def test_a_known_horizon_forms_at_once_when_it_pays(forum):
    linear = forum[0].linear
    h = 0.05
    action, build = linear.expm_costs(h)
    steps = int(math.ceil(build / action))
    assert isinstance(Propagators(linear).get(h, horizon=steps), FORMED)
    assert isinstance(Propagators(linear).get(h, horizon=steps // 2 - 1), ACTIONS)


def test_fixed_step_runs_form_the_propagator_at_once_when_the_run_is_long(forum):
    """Through the time loop (which tells prepare how many steps remain) a long strang
    run forms exp(dt L) at the first step, a run of two steps applies it by action."""
    from cgle.integrate import integrate
    from cgle.steppers import make_stepper

    prob, q0 = forum[0], forum[1]
    for t_end, formed in ((10.0, True), (0.2, False)):
        s = make_stepper("strang", prob)
        integrate(prob, s, q0.copy(), t_end=t_end, dt=0.1, every=0.1, max_amplitude2=1e6, on_frame=lambda *a: None)
        assert (0.1 in s._props.formed) is formed
        assert s._props.spent.get(0.1, 0.0) == (0.0 if formed else 2 * linear_action(prob, 0.1))


def linear_action(prob, h):
    return prob.linear.expm_costs(h)[0]


def test_a_formed_level_rents_the_levels_two_and_three_above_as_powers(forum):
    """With exp(hL/2) formed and exp(hL) not, exp(2hL) is applied as exp(hL/2) four
    times, exp(4hL) eight times; the result is exp(2hL), exp(4hL) to rounding."""
    from cgle.steppers.propagators import PowerAction

    prob, q0 = forum[0], forum[1]
    linear = prob.linear
    h = 0.2
    props = Propagators(linear)
    props.set_state({"spent_h": [], "spent": [], "formed_h": [h / 2], "formed": [0]})
    for size, power in ((2 * h, 4), (4 * h, 8)):
        op = props.get(size)
        assert isinstance(op, PowerAction) and op.power == power and op.cost == power
        got = op.apply(q0, np.empty_like(q0))
        ref = linear.expm(size).apply(q0, np.empty_like(q0))
        assert np.linalg.norm(got - ref) <= 1e-13 * size * np.linalg.norm(prob.L, 1) * np.linalg.norm(ref)
        assert props.spent[size] == power
    # four levels up is beyond POWER_DEPTH: no power (here the cost model squares its way up)
    assert not isinstance(props.get(16 * h), PowerAction)
    # renting as a power still buys once the uses to come pay for a squaring
    assert isinstance(props.get(2 * h, uses=1, horizon=int(linear.squaring_cost()) + 1), FORMED)


def test_on_a_ladder_the_level_right_above_a_formed_one_is_bought_at_once(forum):
    """A caller on a step ladder asking for exp(hL), to be applied more than once per
    step, with exp(hL/2) formed: one squaring, at the first request, with the bits of
    that squaring. Where it may not be a square, for a caller off the ladder, or for the
    step applied once (the top of the ladder), it is rented as exp(hL/2) applied twice."""
    from cgle.steppers.propagators import SQUARE, PowerAction

    prob, q0 = forum[0], forum[1]
    linear = prob.linear
    h = 0.2
    assert linear.expm_uses_half(h)
    props = Propagators(linear)
    props.set_state({"spent_h": [], "spent": [], "formed_h": [h / 2], "formed": [0]})
    off = Propagators(linear)
    off.set_state({"spent_h": [], "spent": [], "formed_h": [h / 2], "formed": [0]})
    rented = off.get(h, uses=2)
    assert isinstance(rented, PowerAction) and rented.power == 2 and h not in off.formed
    once = props.get(h, uses=1, ladder=True)
    assert isinstance(once, PowerAction) and once.power == 2 and h not in props.formed
    top = props.get(h, uses=2, ladder=True)
    assert isinstance(top, FORMED) and props.formed[h] == SQUARE
    assert np.array_equal(top.matrix, linear.expm(h / 2).squared().matrix)
    # and the level above that, in turn
    assert isinstance(props.get(2 * h, uses=4, ladder=True), FORMED) and props.formed[2 * h] == SQUARE
    # a small step where expm does not square and the caller does not allow it: rented
    small = 1e-4
    assert not linear.expm_uses_half(small)
    strict = Propagators(linear)
    strict.set_state({"spent_h": [], "spent": [], "formed_h": [small / 2], "formed": [0]})
    op = strict.get(small, uses=2, ladder=True)
    assert isinstance(op, PowerAction) and op.power == 2 and small not in strict.formed
    # the same step where the caller allows squaring: bought
    allowed = Propagators(linear)
    allowed.set_state({"spent_h": [], "spent": [], "formed_h": [small / 2], "formed": [0]})
    assert isinstance(allowed.get(small, uses=2, squarable=lambda x: True, ladder=True), FORMED)


def test_power_action_applies_any_power_into_out(forum):
    from cgle.steppers.propagators import PowerAction

    prob, q0 = forum[0], forum[1]
    E = prob.linear.expm(0.05)
    for power in (1, 2, 3, 4, 8):
        out = np.empty_like(q0)
        got = PowerAction(E, power).apply(q0, out)
        assert got is out
        np.testing.assert_allclose(got, np.linalg.matrix_power(E.matrix, power) @ q0, rtol=0,
                                   atol=1e-13 * np.linalg.norm(q0))


def test_a_banded_level_moves_to_the_nodes_once_its_applications_paid_for_that(forum, backend):
    """A formed banded exp(hL) (numba) is applied in Hermite functions while what its
    applications cost beyond dense products stays below the price of its nodal matrix,
    then by that matrix; the decision survives a restart (same bits). Dense operators
    (NumPy) are on the nodes from the start."""
    prob, q0 = forum[0], forum[1]
    h = 0.2
    props = Propagators(prob.linear)
    props.set_state({"spent_h": [], "spent": [], "formed_h": [h], "formed": [0]})
    op = props.get(h)
    if backend == "numpy":
        assert isinstance(op, DenseOperator) and not props.extra and not props.nodal
        return
    assert isinstance(op, BandedExponential) and op.cost > 1.0
    extra, price = op.cost - 1.0, op.nodal_price
    uses = 1
    while h not in props.nodal:
        props.get(h, uses=3)
        uses += 3
    # moved at the first request whose applications brought the extra cost to the price
    assert (uses - 3) * extra < price <= uses * extra
    assert props.extra[h] == pytest.approx(uses * extra)
    y = op.apply(q0, np.empty_like(q0))
    np.testing.assert_array_equal(y, op.matrix @ q0)
    restarted = Propagators(prob.linear)
    restarted.set_state({k: np.array(v) for k, v in props.get_state().items()})
    again = restarted.get(h)
    assert again is not op and again.cost == 1.0
    np.testing.assert_array_equal(again.apply(q0, np.empty_like(q0)), y)
    # a level rented as a power of a formed banded one counts those applications below
    fresh = Propagators(prob.linear)
    fresh.set_state({"spent_h": [], "spent": [], "formed_h": [h], "formed": [0]})
    power = fresh.get(2 * h, uses=2)
    assert power.power == 2 and fresh.extra[h] == pytest.approx(4 * extra)
