"""One thread policy for dense linear algebra at every entry point."""

import numpy as np
import pytest
import scipy.linalg
from threadpoolctl import threadpool_info

import cgle
from cgle import threads
from cgle.stability import transient_growth


def blas_threads_now():
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_policed_functions_run_blas_on_the_configured_threads(monkeypatch):
    prob = cgle.build({"equation": {"nu": 1, "gamma": 1, "mu": [0.1, 0, -0.01], "beta": 0},
                       "grid": {"basis": "hermite", "n": 20}})
    seen = []

    @threads.policed
    def probe():
        seen.append(blas_threads_now())
        return transient_growth(prob, 1.0)

    monkeypatch.delenv(threads.ENV, raising=False)
    probe()
    assert seen[-1] and set(seen[-1].values()) == {1}
    monkeypatch.setenv(threads.ENV, "2")
    probe()
    assert set(seen[-1].values()) == {2}
    # 'auto' leaves the libraries as they are
    monkeypatch.setenv(threads.ENV, "auto")
    before = blas_threads_now()
    probe()
    assert seen[-1] == before


def test_set_threads_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(threads.ENV, "2")
    try:
        threads.set_threads(1)
        assert threads.configured_threads() == 1
        threads.set_threads("auto")
        assert threads.configured_threads() is None
    finally:
        threads.set_threads(None)
    assert threads.configured_threads() == 2
    monkeypatch.setenv(threads.ENV, "zero")
    with pytest.raises(ValueError, match="CGLE_THREADS must be a positive integer or 'auto'"):
        threads.configured_threads()


def test_results_do_not_depend_on_the_policy(monkeypatch):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((60, 60))
    monkeypatch.setenv(threads.ENV, "1")
    with threads.blas_threads():
        one = scipy.linalg.svdvals(A)
    monkeypatch.setenv(threads.ENV, "2")
    with threads.blas_threads():
        two = scipy.linalg.svdvals(A)
    np.testing.assert_allclose(one, two, rtol=1e-12)
