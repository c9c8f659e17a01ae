"""One thread policy for dense linear algebra at every entry point."""

import json
import os
import subprocess
import sys

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


PROBE_LAZY_BLAS = """
import json
import numpy
from threadpoolctl import threadpool_info
from cgle import threads

def blas():
    return {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}

numpy_blas = set(blas())

def scipy_blas():
    return [n for path, n in blas().items() if path not in numpy_blas]

with threads.blas_threads(1):
    import scipy.linalg  # loaded after the policy was set, as by a lazy import
    before = scipy_blas()
    threads.refresh()
    inside = scipy_blas()
    with threads.blas_threads(1):  # a nested policed call keeps the limit
        pass
    after_nested = scipy_blas()
print(json.dumps({"before": before, "inside": inside, "after_nested": after_nested, "outside": scipy_blas()}))
"""


def test_a_blas_loaded_inside_the_policy_is_limited_until_it_ends():
    done = subprocess.run([sys.executable, "-c", PROBE_LAZY_BLAS], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, OPENBLAS_NUM_THREADS="2"))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["before"] == [2], seen  # what scipy's OpenBLAS starts with
    assert seen["inside"] == [1] and seen["after_nested"] == [1], seen
    assert seen["outside"] == [2], seen  # restored when the outermost block ends


def test_a_nested_call_still_checks_its_thread_count():
    with threads.blas_threads(1):
        with pytest.raises(ValueError, match="threads must be a positive integer or 'auto'"):
            with threads.blas_threads("zero"):
                pass
