"""Where a sweep's trials run: one after another, in parallel processes, or on a Dask cluster.

The experiments of the group work (バッチサイズの決め方) and of exercise 2_1 are grids of
independent trials, so they parallelise without any coordination. Every runner has one method,
``map(function, tasks)``, which calls ``function(*task)`` for each task and yields
``(index, value, error)`` as each call finishes, in whatever order they finish: ``error`` is
None when the call returned, and the exception when the machinery itself failed (a worker process
died, the cluster went away). Errors raised by a trial are the trial's business: the trial
function returns them as records, so one bad trial never stops the others.

* ``SequentialRunner``: in this process, in order; the simplest to debug.
* ``ProcessRunner(jobs)``: ``jobs`` processes on this machine, started with "spawn" so each
  begins clean (no copied locks or thread pools), which also makes it behave the same on every OS.
* ``DaskRunner(address)``: the workers of a ``dask.distributed`` scheduler, for sweeps that
  outgrow one machine. Dask is an optional extra: ``pip install 'deepkiso[dask]'``.

A trial runs with one BLAS thread wherever it runs (see ``blas``), so the three give the same
numbers for the same seeds.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from deepkiso.i18n import _

__all__ = ["SequentialRunner", "ProcessRunner", "DaskRunner", "make_runner", "DASK_INSTALL_HINT"]

DASK_INSTALL_HINT = "pip install 'deepkiso[dask]'"

Outcome = tuple[int, Any, BaseException | None]


class SequentialRunner:
    """Runs the tasks in this process, in order."""

    @property
    def description(self) -> str:
        return _("sequentially in this process")

    def map(self, function: Callable, tasks: Sequence[tuple]) -> Iterator[Outcome]:
        for index, task in enumerate(tasks):
            yield index, function(*task), None


class ProcessRunner:
    """Runs the tasks in ``jobs`` worker processes on this machine (spawn start method).

    function must be importable by name (a module-level function), as the workers import it.
    """

    def __init__(self, jobs: int):
        if int(jobs) != jobs or jobs < 1:
            raise ValueError(
                _("ProcessRunner: jobs must be a positive integer, got {jobs!r}").format(jobs=jobs)
            )
        self.jobs = int(jobs)
        self.description = _("in {jobs} processes").format(jobs=self.jobs)

    def map(self, function: Callable, tasks: Sequence[tuple]) -> Iterator[Outcome]:
        if not tasks:
            return
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(max_workers=min(self.jobs, len(tasks)), mp_context=context)
        try:
            futures = {executor.submit(function, *task): index for index, task in enumerate(tasks)}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result(), None
                except Exception as exc:  # noqa: BLE001 (a worker died: BrokenProcessPool, a pickling error, …; a record)
                    yield futures[future], None, exc
        finally:
            # Also on Ctrl-C or when the caller stops early: drop what has not started.
            executor.shutdown(wait=True, cancel_futures=True)


class DaskRunner:
    """Runs the tasks on the workers of a running Dask scheduler at ``address``.

    address: e.g. "tcp://10.0.0.5:8786", or a LocalCluster's ``scheduler_address``.
    The workers need deepkiso installed, and the data set where ``data_dir`` says (or their cache).
    """

    def __init__(self, address: str):
        self.distributed = import_dask_distributed()  # fail before any work when Dask is missing
        self.address = address
        self.description = _("on the Dask scheduler at {address}").format(address=address)

    def map(self, function: Callable, tasks: Sequence[tuple]) -> Iterator[Outcome]:
        if not tasks:
            return
        distributed = self.distributed
        client = distributed.Client(self.address, timeout="20s")
        try:
            # pure=False: two tasks with equal arguments are still two trials to run.
            futures = {
                client.submit(function, *task, pure=False): index
                for index, task in enumerate(tasks)
            }
            for future in distributed.as_completed(futures):
                try:
                    yield futures[future], future.result(), None
                except Exception as exc:  # noqa: BLE001 (KilledWorker, a lost connection, …: the trial's record)
                    yield futures[future], None, exc
        finally:
            client.close()


def import_dask_distributed():
    """The ``dask.distributed`` module, or an ImportError that says how to install it."""
    try:
        import dask.distributed as distributed
    except ImportError:
        raise ImportError(
            _("running on a Dask cluster needs dask.distributed: {hint}").format(
                hint=DASK_INSTALL_HINT
            )
        ) from None
    return distributed


def make_runner(jobs: int = 1, scheduler: str | None = None):
    """The runner for the command-line options: a Dask scheduler address wins, then jobs > 1."""
    if scheduler:
        return DaskRunner(scheduler)
    if jobs > 1:
        return ProcessRunner(jobs)
    return SequentialRunner()
