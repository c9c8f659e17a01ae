"""Parameter sweeps on dask.distributed: a local cluster by default, or a scheduler by address.

Execution (:func:`run_sweep`): by default a :class:`distributed.LocalCluster` with one
single-threaded worker process per core (:func:`local_cluster`); with ``scheduler=`` an
existing cluster. Each task runs :func:`execute_run`, which caps BLAS/OpenMP (threadpoolctl)
and numba threads at 1, calls :func:`cgle.run` and returns one manifest row. Faults:

- a run that raises (blow-up, bad initial data, ...) returns status "failed" with its
  message; the sweep goes on;
- a worker process that dies while running a run (killed, out of memory, segfault) makes
  dask raise ``KilledWorker``; the run is resubmitted up to ``retries`` times, then
  recorded "failed" with a message saying so. Runs are handed to the scheduler no faster
  than there are worker threads, so no run waits on a worker behind another and is
  charged with that one's death. On the local cluster the scheduler's
  ``allowed-failures`` is 0, so each death counts once; an external scheduler may itself
  retry up to its own ``distributed.scheduler.allowed-failures`` before reporting one;
- the manifest lists every run from the start (status "pending") and is rewritten
  atomically (temporary file, fsync, ``os.replace``) after every finished run, so a
  killed sweep leaves a manifest that says exactly which runs are done;
- ``resume=True`` skips runs whose *file* says "complete" for this run's config (status
  attribute and config hash), whatever the manifest says, and redoes all the others.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cgle.config.fields import integer
from cgle.io import open_trajectory
from cgle.workflow.manifest import MANIFEST_NAME, RESULT_COLUMNS, read_manifest, write_manifest
from cgle.workflow.runner import config_hash
from cgle.workflow.sweep_file import Sweep, SweepRun, load_sweep
from cgle.workflow.sweep_worker import THREAD_CAPS, execute_run, leading_eigenvalue, trajectory_figures

if TYPE_CHECKING:  # dask is optional (the sweep extra): imported where it is used
    from distributed import Client, LocalCluster


class SweepExists(RuntimeError):
    """The sweep directory already holds a manifest that a fresh start would replace."""


class SchedulerError(RuntimeError):
    """The dask scheduler given by address cannot be reached."""



# --------------------------------------------------------------------------- execution


def default_workers() -> int:
    """Cores available to this process (affinity and cgroup quota respected)."""
    from dask.system import CPU_COUNT

    return CPU_COUNT


@contextlib.contextmanager
def _environ(values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def local_cluster(workers: int | None = None, **kwargs: Any) -> LocalCluster:
    """A :class:`distributed.LocalCluster` for sweeps.

    One worker process per core (``workers`` to choose), one thread each, every worker
    started with :data:`THREAD_CAPS` in its environment (dask's
    ``distributed.nanny.pre-spawn-environ``, so they hold before numpy and numba load).
    The scheduler counts a worker death against a task once (``allowed-failures: 0``;
    :func:`run_sweep` does the bounded retrying and hands the scheduler no more runs than
    there are worker threads, so a dying worker takes only its own run with it).

    Parameters
    ----------
    workers : int, optional
        Number of worker processes (default :func:`default_workers`).
    **kwargs
        Passed to LocalCluster.
    """
    import dask
    from distributed import LocalCluster

    n = default_workers() if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"workers must be an integer >= 1 (got {workers!r})")
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **THREAD_CAPS}
    settings = {
        "distributed.nanny.pre-spawn-environ": environ,
        "distributed.scheduler.allowed-failures": 0,
    }
    # the scheduler always serves HTTP (dashboard or health routes): on a free local port
    options = {"n_workers": n, "threads_per_worker": 1, "processes": True, "dashboard_address": "127.0.0.1:0",
               "silence_logs": logging.ERROR, **kwargs}
    # an exported OMP_NUM_THREADS etc. would win over the dask setting: override it
    # while the nannies read their environment
    with dask.config.set(settings), _environ(THREAD_CAPS):
        return LocalCluster(**options)


@contextlib.contextmanager
def _client(scheduler, workers, n_runs):
    from distributed import Client

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # a Client given by the caller
        return
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, asyncio.TimeoutError, ValueError) as err:
            raise SchedulerError(f"cannot connect to the dask scheduler at {scheduler}: {err}") from None
        with client:
            yield client
        return
    n = default_workers() if workers is None else workers
    with local_cluster(max(1, min(n, n_runs))) as cluster, Client(cluster) as client:
        yield client


@dataclass
class SweepResult:
    """What :func:`run_sweep` did: the manifest file, its rows, time and counts."""

    manifest: Path
    rows: list
    elapsed: float
    skipped: int

    @property
    def failed(self) -> list[dict]:
        """The manifest rows of the runs that did not complete."""
        return [row for row in self.rows if row["status"] != "complete"]


def _is_complete(path, cfg):
    """Does the run file hold a complete run of exactly this config?"""
    try:
        traj = open_trajectory(path)
        attrs = traj.live_attrs()
    except OSError:
        return False
    return attrs.get("status") == "complete" and attrs.get("config_hash") == config_hash(cfg)


def run_sweep(sweep: Sweep | str | os.PathLike | dict, *, directory: str | os.PathLike | None = None,
              scheduler: str | Client | None = None, workers: int | None = None, resume: bool = False,
              overwrite: bool = False, retries: int | None = None,
              runner: Callable[[SweepRun, str], dict] | None = None,
              on_result: Callable[[dict, int, int], None] | None = None) -> SweepResult:
    """Run every member of a sweep on dask.distributed and write the manifest.

    Parameters
    ----------
    sweep : Sweep, path or dict
        The sweep (a file or mapping is read with :func:`load_sweep`).
    directory : path, optional
        Where run files and ``manifest.csv`` go (default ``sweep.directory``).
    scheduler : str or distributed.Client, optional
        Address of an existing scheduler (``tcp://host:8786``) or a connected client.
        Default: a :func:`local_cluster`, closed at the end.
    workers : int, optional
        Worker processes of the local cluster (default: one per core; never more than
        the runs to do).
    resume : bool
        Skip runs whose file is complete for this run's config; redo the rest.
    overwrite : bool
        Redo every run of an existing sweep directory.
    retries : int, optional
        Resubmissions of a run whose worker died (default: the sweep's ``retries``).
    runner : callable(run, path) -> dict, optional
        Executed on the workers for each run (default :func:`execute_run`).
    on_result : callable(row, done, total), optional
        Called in this process after each finished run, once the manifest is written.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepExists
        The directory holds a manifest and neither ``resume`` nor ``overwrite`` is set.
    SchedulerError
        ``scheduler`` cannot be reached.
    ImportError
        dask.distributed is not installed (``pip install cgle[sweep]``).
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    started = time.perf_counter()
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be an integer >= 1 (got {workers!r})")
    sweep = load_sweep(sweep)
    directory = Path(directory if directory is not None else sweep.directory)
    retries = sweep.retries if retries is None else integer(ge=0)("retries", retries)
    runner = execute_run if runner is None else runner
    manifest = directory / MANIFEST_NAME
    if manifest.exists() and not (resume or overwrite):
        raise SweepExists(f"{directory} already holds a sweep ({MANIFEST_NAME}); continue it with --resume "
                          f"(resume=True) or redo every run with --overwrite (overwrite=True)")
    directory.mkdir(parents=True, exist_ok=True)
    columns = ("run_id", *sweep.keys, *RESULT_COLUMNS)
    previous = {}
    if resume and manifest.is_file():
        previous = {row.get("run_id"): row for row in read_manifest(manifest)}

    rows, todo = {}, []
    for run in sweep.runs:
        path = directory / f"{run.run_id}.h5"
        row = {"run_id": run.run_id, **run.params, "status": "pending", "attempts": 0,
               "file": path.name, "message": ""}
        if resume and _is_complete(path, run.config):
            old = previous.get(run.run_id) or {}
            if old.get("status") == "complete":
                row.update({k: old.get(k) for k in RESULT_COLUMNS if k != "file"})
            else:  # complete file, stale manifest: the figures come from the file
                lam = leading_eigenvalue(run.config)
                row.update(status="complete", lambda0_real=lam.real, lambda0_imag=lam.imag,
                           **trajectory_figures(path))
        else:
            todo.append(run)
        rows[run.run_id] = row
    skipped = len(rows) - len(todo)
    write_manifest(manifest, rows.values(), columns)

    done = skipped
    if todo:
        with _client(scheduler, workers, len(todo)) as client:
            attempts = {}

            def submit(run):
                attempts[run.run_id] = attempts.get(run.run_id, 0) + 1
                key = f"cgle-sweep-{run.run_id}-{attempts[run.run_id]}-{os.getpid()}-{time.time_ns()}"
                return client.submit(runner, run, str((directory / f"{run.run_id}.h5").resolve()),
                                     key=key, pure=False, retries=0)

            # At most one run per worker thread is handed to the scheduler at a time: a run
            # queued behind another on a worker that dies would be charged with its death.
            queue = collections.deque(todo)
            in_flight = {}
            finished = as_completed()

            def top_up():
                capacity = max(1, sum(client.nthreads().values()))
                while queue and len(in_flight) < capacity:
                    run = queue.popleft()
                    future = submit(run)
                    in_flight[future] = run
                    finished.add(future)

            top_up()
            for future in finished:
                run = in_flight.pop(future)
                row = rows[run.run_id]
                try:
                    result = future.result()
                except KilledWorker as err:
                    if attempts[run.run_id] <= retries:
                        queue.appendleft(run)
                        top_up()
                        continue
                    worker = getattr(err.last_worker, "address", err.last_worker)
                    result = {"status": "failed", "message": (
                        f"the worker process running this run died {attempts[run.run_id]} time(s) "
                        f"(last on {worker}; killed, out of memory or crashed); retries = {retries} "
                        f"exhausted; the run file may hold a partial trajectory")}
                except (Exception, asyncio.CancelledError, concurrent.futures.CancelledError) as err:
                    result = {"status": "failed", "message": f"{type(err).__name__}: {err}"}
                finally:
                    future.release()
                row.update(result)
                row["attempts"] = attempts[run.run_id]
                done += 1
                write_manifest(manifest, rows.values(), columns)
                if on_result is not None:
                    on_result(row, done, len(rows))
                top_up()
    return SweepResult(manifest=manifest, rows=list(rows.values()), elapsed=time.perf_counter() - started,
                       skipped=skipped)
