"""Adaptive steps (every scheme with ``adaptive = True``, run with time.rtol): tolerance
met at the output times, frames exactly on the grid, steps on the dyadic ladder, exact
restarts (issue 4, test 4)."""

import math

import numpy as np
import pytest
from stepper_problems import scipy_reference

from cgle.integrate import integrate
from cgle.steppers import make_stepper, registry

EVERY = 0.5
T_END = 4.0
ADAPTIVE = sorted(name for name, cls in registry().items() if cls.adaptive)


def test_adaptive_schemes():
    assert ADAPTIVE == ["ark436", "strang_richardson"]


def adaptive_run(prob, v0, rtol, scheme="ark436", t_end=T_END, every=EVERY, stepper=None, t=0.0, step=0):
    """Frames (t, q) of an adaptive run through the one time loop."""
    stepper = stepper or make_stepper(scheme, prob, rtol=rtol)
    if t == 0.0:
        stepper.reset()
    v = np.array(v0, dtype=complex)
    frames = []
    sizes = []
    original = stepper.adaptive_step

    def recording_step(v_, t_, h_max):
        h = original(v_, t_, h_max)
        sizes.append((h, h_max))
        return h

    stepper.adaptive_step = recording_step
    integrate(prob, stepper, v, t_end=t_end, dt=0.1, every=every, t=t, step=step, max_amplitude2=1e12,
              on_frame=lambda s, t_, state: frames.append((t_, prob.to_physical(state).copy())))
    return frames, sizes, v, stepper


@pytest.mark.parametrize("scheme", ADAPTIVE)
@pytest.mark.parametrize("rtol", [1e-4, 1e-6, 1e-8])
def test_tolerance_met_on_forum_problem(forum, rtol, scheme):
    prob, q0, _T, _ref = forum
    frames, sizes, _v, stepper = adaptive_run(prob, q0, rtol, scheme)
    times = [t for t, _q in frames]
    # frames exactly on the grid k * every, none skipped or added
    assert times == [k * EVERY for k in range(1, int(round(T_END / EVERY)) + 1)]
    refs = scipy_reference(prob, q0, times)
    for (t, q), ref in zip(frames, refs):
        err = np.max(np.abs(q - ref))
        assert err <= 10 * (rtol * np.max(np.abs(ref)) + stepper.atol), (t, err, rtol)
    # tighter tolerances take more steps
    assert len(sizes) > 2


@pytest.mark.parametrize("scheme", ADAPTIVE)
def test_tolerance_met_on_plane_wave(plane_wave, scheme):
    prob = plane_wave.prob
    for rtol in (1e-5, 1e-8):
        frames, _sizes, _v, stepper = adaptive_run(prob, prob.to_state(plane_wave.exact(0.0)), rtol, scheme)
        for t, q in frames:
            err = np.max(np.abs(q - plane_wave.exact(t)))
            assert err <= 10 * (rtol * plane_wave.a + stepper.atol), (t, err, rtol)


@pytest.mark.parametrize("scheme, builder", [("ark436", "shifted_inverse"), ("strang_richardson", "expm")])
def test_steps_lie_on_the_dyadic_ladder(forum, scheme, builder):
    """Every accepted step is every / 2^j (so few factorisations / propagators are
    needed), except that the last step of a frame reports the remaining distance exactly."""
    prob, q0, _T, _ref = forum
    _frames, sizes, _v, _stepper = adaptive_run(prob, q0, 1e-7, scheme)
    for h, h_max in sizes:
        if h == h_max:
            continue
        j = math.log2(EVERY / h)
        assert abs(j - round(j)) < 1e-12 and h < h_max
    calls = []
    original = getattr(prob.linear, builder)
    setattr(prob.linear, builder, lambda a: calls.append(a) or original(a))
    try:
        _f, sizes, _v, _s = adaptive_run(prob, q0, 1e-7, scheme)
    finally:
        delattr(prob.linear, builder)
    assert len(calls) <= 12 < len(sizes)


@pytest.mark.parametrize("scheme", ADAPTIVE)
def test_large_amplitude_start_is_resolved(forum, scheme):
    """q0 = 1e4 (the forum amplitude): the controller shrinks the step (ark436 to ~1e-9,
    where its explicit cubic term is stable) and grows it back; the amplitude follows the
    exact cubic decay |q| ~ 1/sqrt(2t) near t = 0."""
    prob, _q0, _T, _ref = forum
    q0 = np.full(prob.shape, 1e4, dtype=complex)
    frames, sizes, _v, _stepper = adaptive_run(prob, q0, 1e-6, scheme, t_end=1.0, every=0.25)
    assert min(h for h, _ in sizes) < (1e-7 if scheme == "ark436" else 0.25)
    assert all(np.all(np.isfinite(q)) for _t, q in frames)
    # the cubic decay dominates at early times in the interior: |q(t)| ~ |q0| / sqrt(1 + 2|q0|^2 t)
    t, q = frames[0]
    centre = np.argmin(np.abs(prob.x))
    assert 0.2 < abs(q[centre]) * math.sqrt(2 * t) < 5.0


@pytest.mark.parametrize("scheme", ADAPTIVE)
def test_restart_is_bitwise_identical(forum, scheme):
    prob, q0, _T, _ref = forum
    full, _s, v_full, _st = adaptive_run(prob, q0, 1e-6, scheme)
    first, _s, v_mid, st1 = adaptive_run(prob, q0, 1e-6, scheme, t_end=2.0)
    state = {k: np.array(v) for k, v in st1.get_state().items()}
    st2 = make_stepper(scheme, prob, rtol=1e-6)
    st2.set_state(state)
    second, _s, v_end, _st = adaptive_run(prob, v_mid, 1e-6, scheme, stepper=st2, t=2.0, step=0)
    assert np.array_equal(v_end, v_full)
    for (t1, q1), (t2, q2) in zip(full, first + second):
        assert t1 == t2 and np.array_equal(q1, q2)


@pytest.mark.parametrize("scheme", ADAPTIVE)
def test_tolerance_met_over_long_runs(forum, scheme):
    """Ten frames of 20 to t = 200, while the solution decays by ~1e-11: the error at
    every frame stays within 10 x rtol of the solution there (local errors add up over
    a run; the reference integrates the rescaled p = e^{sigma t} q so that it stays
    relative at late times, as in benchmarks/work_precision.py)."""
    prob, q0, _T, _ref = forum
    times = [20.0 * k for k in range(1, 11)]
    sigma = -float(np.max(prob.linear.eigenvalues().real))
    refs = scipy_reference(prob, q0, times, shift=sigma)
    for rtol in (1e-3, 1e-5, 1e-7):
        frames, _sizes, _v, stepper = adaptive_run(prob, q0, rtol, scheme, t_end=200.0, every=20.0)
        assert [t for t, _q in frames] == times
        for (t, q), ref in zip(frames, refs):
            err = np.max(np.abs(q - ref))
            assert err <= 10 * (rtol * np.max(np.abs(ref)) + stepper.atol), (t, err / np.max(np.abs(ref)), rtol)


@pytest.mark.parametrize("amplitude, retried", [(1.0, True), (1e4, False)])
def test_a_first_step_far_inside_the_tolerance_is_attempted_anew_four_times_as_long(forum, amplitude, retried):
    """The first attempt of a run is measured before it is accepted: while its estimate
    scaled by 4^(q+1) (a step 4 times as long) stays within STARTING_ERROR of the
    tolerance, the first step is tried again 4 times as long, from the same state; the
    step finally taken is the last one tried. From the Gaussian of amplitude 1 (N = 64,
    rtol 1e-4) the starting estimate is 2.1e-6 (x 4^5 = 2.2e-3) and the step is retried
    (estimate 9e-4 at 4 times the step); from the Gaussian of amplitude 1e4 it is 4.1e-4
    (x 4^5 = 0.42), and the first step stands."""
    from cgle.steppers import adaptive

    prob, q0, _T, _ref = forum
    v0 = prob.to_state(amplitude * q0)
    stepper = make_stepper("strang_richardson", prob, rtol=1e-4)
    stepper.reset()
    attempts = []
    original = stepper._attempt

    def recording(v, h):
        assert np.array_equal(v, v0)  # every try of the first step starts from the initial state
        err = original(v, h)
        attempts.append((h, err))
        return err

    stepper._attempt = recording
    v = v0.copy()
    h_taken = stepper.adaptive_step(v, 0.0, 20.0)
    q = stepper.error_order
    for (h, err), (h_next, _e) in zip(attempts, attempts[1:]):
        # a retry only where the scaled estimate is within STARTING_ERROR, and 4 times as long
        assert err * 4.0 ** (q + 1) <= adaptive.STARTING_ERROR and h_next == 4 * h
    h_last, err_last = attempts[-1]
    assert err_last <= 1.0 and h_taken == h_last
    assert err_last * 4.0 ** (q + 1) > adaptive.STARTING_ERROR or 4 * h_last > 20.0
    assert (len(attempts) > 1) == retried, attempts
