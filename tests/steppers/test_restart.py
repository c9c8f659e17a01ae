"""get_state / set_state capture everything: a stepper restored mid-run (including in
the middle of a multistep start-up) continues bitwise identically, for every scheme."""

import numpy as np
import pytest

from cgle.steppers import make_stepper, registry


@pytest.mark.parametrize("scheme", sorted(registry()))
@pytest.mark.parametrize("split", [1, 2, 5])
def test_restart_bitwise(scheme, split, forum):
    prob, q0, _T, _ref = forum
    dt, total = 0.05, 8
    a = make_stepper(scheme, prob)
    a.prepare(dt)
    a.reset()
    v = q0.copy()
    for _ in range(total):
        a.step(v)

    b = make_stepper(scheme, prob)
    b.prepare(dt)
    b.reset()
    w = q0.copy()
    for _ in range(split):
        b.step(w)
    # a checkpoint stores arrays and numbers; restore into a fresh stepper
    state = {k: np.array(val) for k, val in b.get_state().items()}
    c = make_stepper(scheme, prob)
    c.prepare(dt)
    c.set_state(state)
    for _ in range(total - split):
        c.step(w)
    assert np.array_equal(v, w)


@pytest.mark.parametrize("scheme", ["cnab2", "sbdf3"])
def test_external_change_of_the_state_is_noticed(scheme, forum):
    """Multistep schemes reuse L v^{n+1} from the solve; when something outside the
    stepper (additive forcing) changes v between steps, L v is recomputed: the result
    equals a stepper that never had the cached value."""
    prob, q0, _T, _ref = forum
    kick = 1e-3 * np.exp(-prob.x**2)
    runs = []
    for forget in (False, True):
        s = make_stepper(scheme, prob)
        s.prepare(0.05)
        s.reset()
        v = q0.copy()
        for n in range(6):
            s.step(v)
            v += kick
            if forget:
                s._have_lv = False
        runs.append(v)
    assert np.array_equal(runs[0], runs[1])
