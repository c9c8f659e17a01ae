"""stepper.advance(v, n, amplitude2): n steps at once (the time loop's chunks). Every
scheme gives n steps' result and the amplitude after each step; Strang merges its
consecutive cubic half-steps (same result to rounding, one FFT pair per step); the loop
finds the exact step at which a chunk blew up."""

import numpy as np
import pytest

from cgle.errors import BlowUp
from cgle.integrate import CHUNK, integrate
from cgle.steppers import make_stepper, registry


def _stepwise(prob, scheme, v0, dt, n):
    s = make_stepper(scheme, prob)
    s.prepare(dt)
    s.reset()
    v = np.array(v0, dtype=complex)
    amps = []
    for _ in range(n):
        s.step(v)
        amps.append(prob.amplitude2(v))
    return v, np.array(amps)


def _advanced(prob, scheme, v0, dt, n):
    s = make_stepper(scheme, prob)
    s.prepare(dt)
    s.reset()
    v = np.array(v0, dtype=complex)
    amps = np.full(n, np.nan)
    s.advance(v, n, amps)
    return v, amps


@pytest.mark.parametrize("scheme", sorted(registry()))
def test_advance_is_n_steps_on_the_dense_problem(scheme, forum):
    prob, q0, _T, _ref = forum
    v1, a1 = _stepwise(prob, scheme, q0, 0.05, 7)
    v2, a2 = _advanced(prob, scheme, q0, 0.05, 7)
    if scheme == "strang":
        # merged half-steps: the same composition, rounded differently
        np.testing.assert_allclose(v2, v1, rtol=0, atol=1e-13 * np.abs(v1).max())
        np.testing.assert_allclose(a2, a1, rtol=1e-12)
    else:
        assert np.array_equal(v1, v2) and np.array_equal(a1, a2)


@pytest.mark.parametrize("fixture", ["plane_wave", "plane_wave_2d"])
def test_merged_strang_on_fourier_problems(fixture, request):
    wave = request.getfixturevalue(fixture)
    prob = wave.prob
    v0 = prob.to_state(wave.exact(0.0) * (1.0 + 0.1 * np.cos(prob.x if prob.ndim == 1 else prob.x[:, None])))
    v1, a1 = _stepwise(prob, "strang", v0, 0.1, 9)
    v2, a2 = _advanced(prob, "strang", v0, 0.1, 9)
    np.testing.assert_allclose(v2, v1, rtol=0, atol=1e-12 * np.abs(v1).max())
    np.testing.assert_allclose(a2, a1, rtol=1e-12)


def test_merged_strang_costs_one_fft_pair_per_step(plane_wave_2d, monkeypatch):
    """n merged steps: n + 1 inverse and n + 1 forward transforms, none for the
    amplitude check (the unmerged loop took 2n + n inverse and 2n forward); one inverse
    for the starting amplitude."""
    prob = plane_wave_2d.prob
    counts = {"forward": 0, "inverse": 0}
    forward, inverse = prob._forward, prob._inverse

    def count(kind, fn):
        def wrapped(buf):
            counts[kind] += 1
            return fn(buf)
        return wrapped

    monkeypatch.setattr(prob, "_forward", count("forward", forward))
    monkeypatch.setattr(prob, "_inverse", count("inverse", inverse))
    s = make_stepper("strang", prob)
    v = prob.to_state(plane_wave_2d.exact(0.0))
    frames = []
    integrate(prob, s, v, t_end=4.0, dt=0.1, every=1.0, max_amplitude2=1e6, on_frame=lambda *a: frames.append(a[1]))
    steps, chunks = 40, 4
    assert counts == {"forward": steps + chunks, "inverse": steps + chunks + 1}
    assert frames == [1.0, 2.0, 3.0, 4.0]


def test_chunks_end_at_frames_and_multiples_of_chunk(forum):
    prob, q0, _T, _ref = forum
    s = make_stepper("strang", prob)
    calls = []
    original = s.advance

    def recording(v, n, amplitude2):
        calls.append(n)
        return original(v, n, amplitude2)

    s.advance = recording
    v = q0.copy()
    integrate(prob, s, v, t_end=20.0, dt=0.1, every=10.0, max_amplitude2=1e6, on_frame=lambda *a: None)
    # frames every 100 steps, chunk boundaries at multiples of CHUNK = 64
    assert CHUNK == 64 and calls == [64, 36, 28, 64, 8]


def test_a_blow_up_inside_a_chunk_is_reported_at_its_step(forum):
    """cnfe with an explicit cubic term at dt |q|^2 >> 1: the run must stop at the first
    bad step even though the loop handed over a whole chunk."""
    prob, _q0, _T, _ref = forum
    v = np.full(prob.shape, 30.0, dtype=complex)
    s = make_stepper("cnfe", prob)
    with pytest.raises(BlowUp, match=r"blew up at t = 0\.0[0-9]* \(step [1-9]\b"):
        integrate(prob, s, v, t_end=1.0, dt=0.01, every=1.0, max_amplitude2=1e8, on_frame=lambda *a: None)
    step_by_step = make_stepper("cnfe", prob)
    step_by_step.prepare(0.01)
    w = np.full(prob.shape, 30.0, dtype=complex)
    first_bad = None
    with np.errstate(all="ignore"):
        for k in range(1, 100):
            step_by_step.step(w)
            if not prob.amplitude2(w) <= 1e8:
                first_bad = k
                break
    with pytest.raises(BlowUp, match=rf"\(step {first_bad}, scheme cnfe"):
        integrate(prob, make_stepper("cnfe", prob), np.full(prob.shape, 30.0, dtype=complex), t_end=1.0, dt=0.01,
                  every=1.0, max_amplitude2=1e8, on_frame=lambda *a: None)
