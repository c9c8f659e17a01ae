"""Coefficient tables check themselves; stability functions match closed forms
(issue 4, test 2)."""

import math

import numpy as np
import pytest

from cgle.steppers import registry
from cgle.steppers.exponential import ETDRK4, ExponentialRK
from cgle.steppers.imex import IMEXMultistep
from cgle.steppers.imex_rk import ARS222, IMEXRungeKutta
from cgle.steppers.order_conditions import order_defects, rooted_trees, size

SCHEMES = registry()


def test_tree_counts():
    """Rooted trees with 1..5 nodes: 1, 1, 2, 4, 9; bicoloured: 2, 4, 14, 52 (OEIS A000081,
    A000151)."""
    for colours, counts in (("E", [1, 1, 2, 4, 9]), ("EI", [2, 4, 14, 52])):
        trees = rooted_trees(len(counts), colours)
        assert [sum(size(t) == n for t in trees) for n in range(1, len(counts) + 1)] == counts


@pytest.mark.parametrize("name", sorted(n for n, c in SCHEMES.items() if issubclass(c, IMEXRungeKutta)))
def test_imex_rk_tables(name):
    cls = SCHEMES[name]
    AE, AI = np.array(cls.a_explicit), np.array(cls.a_implicit)
    bE, bI, c = np.array(cls.b_explicit), np.array(cls.b_implicit), np.array(cls.c)
    # IMEX pairs share c: row sums of both tables
    np.testing.assert_allclose(AE.sum(axis=1), c, atol=1e-14)
    np.testing.assert_allclose(AI.sum(axis=1), c, atol=1e-14)
    assert abs(bE.sum() - 1) < 1e-14 and abs(bI.sum() - 1) < 1e-14
    defects = order_defects({"E": AE, "I": AI}, {"E": bE, "I": bI}, cls.order)
    assert max(abs(d) for _t, d in defects) < 1e-11
    # and the order is not higher than declared (the tables are not over-claimed either way)
    higher = [d for t, d in order_defects({"E": AE, "I": AI}, {"E": bE, "I": bI}, cls.order + 1)
              if size(t) == cls.order + 1]
    assert max(abs(d) for d in higher) > 1e-6
    # stiffly accurate implicit part: the last row is b (Y_s = v_new for N = 0)
    np.testing.assert_array_equal(AI[-1], bI)


def test_embedded_pair_orders():
    cls = SCHEMES["ark436"]
    AE, AI, bh = np.array(cls.a_explicit), np.array(cls.a_implicit), np.array(cls.b_hat)
    assert abs(bh.sum() - 1) < 1e-14
    defects = order_defects({"E": AE, "I": AI}, {"E": bh, "I": bh}, 4)
    assert max(abs(d) for t, d in defects if size(t) <= 3) < 1e-11
    assert max(abs(d) for t, d in defects if size(t) == 4) > 1e-6


def test_broken_tables_are_refused():
    with pytest.raises(ValueError, match="row sums"):
        type("Bad", (ARS222,), {"name": "bad_rows", "c": (0.0, 0.3, 1.0)})
    with pytest.raises(ValueError, match="order-2"):
        type("Bad", (IMEXMultistep,), {"name": "bad_ms", "order": 2, "a": (1.0, -1.0), "b": (1.0, 0.0),
                                       "c": (0.0, 1.0), "startup": ()})
    b_wrong = (((1.0, 1, 1.0),), ((1.0, 1, 1.0),))  # sums to 2 phi_1
    with pytest.raises(ValueError, match="phi_1"):
        type("Bad", (ExponentialRK,), {"name": "bad_etd", "order": 1, "c": (0.0, 0.5),
                                       "a": ((), (((0.5, 1, 0.5),),)), "b": b_wrong})
    assert not {"bad_rows", "bad_ms", "bad_etd"} & set(registry())


def test_startup_order_guard():
    """SBDF3 started by sbdf1 would lose an order: refused at construction."""
    bad = type("SBDF3Low", (SCHEMES["sbdf3"],), {"startup": ("sbdf1", "sbdf2")})
    import cgle

    prob = cgle.build({"equation": {"nu": 0, "gamma": 1, "mu": [0, 0, -1], "beta": 0},
                       "grid": {"basis": "hermite", "n": 8}})
    with pytest.raises(ValueError, match="lower the declared order"):
        bad(prob)


Z = np.array([-0.5 + 0.3j, -3.0 - 1.0j, -40.0 + 5.0j, 0.2j, -1e3])


def test_stability_functions_closed_forms():
    """R(z) on v' = lambda v for schemes with known closed forms."""
    R = {name: SCHEMES[name].amplification(Z, 0.0) for name in SCHEMES}
    np.testing.assert_allclose(R["cnfe"], np.abs((1 + Z / 2) / (1 - Z / 2)), rtol=1e-13)
    np.testing.assert_allclose(R["sbdf1"], np.abs(1 / (1 - Z)), rtol=1e-13)
    for exact in ("etd1", "etdrk4", "strang", "strang_richardson"):
        np.testing.assert_allclose(R[exact], np.abs(np.exp(Z)), rtol=1e-12, atol=1e-300)
    # ARS(2,2,2) on L alone is its 2-stage SDIRK: R = (1 + (1 - 2g) z) / (1 - g z)^2
    g = 1 - 1 / math.sqrt(2)
    np.testing.assert_allclose(R["ars222"], np.abs((1 + (1 - 2 * g) * Z) / (1 - g * Z) ** 2), rtol=1e-12)
    # BDF2 root condition: largest root of (3/2 - z) x^2 - 2 x + 1/2
    bdf2 = [np.max(np.abs(np.roots([1.5 - z, -2.0, 0.5]))) for z in Z]
    np.testing.assert_allclose(R["sbdf2"], bdf2, rtol=1e-12)


def test_explicit_parts_on_the_cubic_rate():
    """R(0, w): forward Euler for cnfe/sbdf1/etd1, the classical RK4 polynomial for
    etdrk4, exact for the splittings."""
    W = np.array([-0.5, -2.5, -3e8, -1.0 + 1.0j])
    np.testing.assert_allclose(SCHEMES["cnfe"].amplification(0.0, W), np.abs(1 + W), rtol=1e-13)
    np.testing.assert_allclose(SCHEMES["etd1"].amplification(0.0, W), np.abs(1 + W), rtol=1e-13)
    rk4 = 1 + W + W**2 / 2 + W**3 / 6 + W**4 / 24
    np.testing.assert_allclose(SCHEMES["etdrk4"].amplification(0.0, W), np.abs(rk4), rtol=1e-12)
    np.testing.assert_allclose(SCHEMES["strang"].amplification(0.0, W[[0, 1, 3]]), np.abs(np.exp(W[[0, 1, 3]])),
                               rtol=1e-13)


def test_etdrk4_reduces_to_rk4():
    """L = 0 limit of the Cox-Matthews tableau: classical RK4 weights and nodes."""
    from cgle.steppers.exponential import _at_zero

    b0 = [_at_zero(coef) for coef in ETDRK4.b]
    np.testing.assert_allclose(b0, [1 / 6, 1 / 3, 1 / 3, 1 / 6], rtol=1e-15)
    a0 = [[_at_zero(coef) for coef in row] for row in ETDRK4.a]
    assert a0 == [[], [0.5], [0.0, 0.5], [0.0, 0.0, 1.0]]


def test_make_stepper_checks_tolerances():
    import cgle
    from cgle.steppers import make_stepper

    prob = cgle.build({"equation": {"nu": 0, "gamma": 1, "mu": [0, 0, -1], "beta": 0},
                       "grid": {"basis": "hermite", "n": 8}})
    with pytest.raises(ValueError, match="fixed steps.*adaptive: ark436"):
        make_stepper("strang", prob, rtol=1e-6)
    with pytest.raises(ValueError, match="atol needs rtol"):
        make_stepper("ark436", prob, atol=1e-9)
    with pytest.raises(ValueError, match="unknown scheme 'rk4'"):
        make_stepper("rk4", prob)
    fixed, adaptive = make_stepper("ark436", prob), make_stepper("ark436", prob, rtol=1e-6)
    assert not fixed.adaptive and adaptive.adaptive and adaptive.atol == pytest.approx(1e-18)
