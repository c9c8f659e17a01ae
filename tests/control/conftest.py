"""Shared by the control tests: the package's thread policy (one BLAS thread unless
CGLE_THREADS says otherwise) also for each test's own linear algebra, which is not
policed; threaded BLAS on a loaded 2-core machine made 160 x 160 eigensolves ~10x slower."""

import pytest

from cgle.threads import blas_threads


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with blas_threads():
        yield
