"""The same sweep gives the same numbers sequentially, in processes and on a Dask cluster."""

import json
import sys

import pytest

from deepkiso.experiments import batch_size_trials, make_runner, run_sweep
from deepkiso.experiments.runners import DaskRunner, ProcessRunner, SequentialRunner
from deepkiso.experiments.sweep import TrialSpec


def _specs():
    specs = batch_size_trials(
        dataset="digits",
        batch_sizes=[8, 256],
        seeds=[0, 1],
        epochs=2,
        hidden=[16],
        target_accuracy=0.5,
    )
    # A bad setting: this trial must fail with its error and leave the others alone, wherever it runs.
    bad = TrialSpec(
        experiment="batch-size", dataset="digits", seed=0, phases=((32, 1),), hidden=(16,), lr=-1.0
    )
    return specs + [bad]


def _files(out_dir):
    """Every trial file of a sweep, less the machine-dependent measurements and the traceback."""
    found = {}
    for path in sorted((out_dir / "trials").iterdir()):
        record = json.loads(path.read_text())
        record.pop("measurements", None)
        record.pop("traceback", None)
        found[path.name] = record
    return found


def _check(outcome, specs):
    assert len(outcome.results) == len(specs) - 1
    assert [f["trial_id"] for f in outcome.failures] == [specs[-1].trial_id]
    assert "ValueError: SGD: the learning rate must be positive" in outcome.failures[0]["error"]
    assert all(r["measurements"]["blas_threads"] == 1 for r in outcome.results)


@pytest.fixture(scope="module")
def sequential_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("sequential")
    specs = _specs()
    _check(run_sweep(specs, out, SequentialRunner()), specs)
    return _files(out)


def test_two_processes_give_the_same_results_as_one_after_another(tmp_path, sequential_files):
    specs = _specs()
    _check(run_sweep(specs, tmp_path, ProcessRunner(2)), specs)
    assert _files(tmp_path) == sequential_files


@pytest.mark.parametrize("processes", [True, False], ids=["worker processes", "worker threads"])
def test_a_dask_cluster_gives_the_same_results_as_one_after_another(
    tmp_path, sequential_files, processes
):
    distributed = pytest.importorskip("dask.distributed")
    # Worker threads share this process's BLAS: each trial must still hold it to one thread while
    # the other runs. (Threads talk in-process, so they take no host.)
    network = {"host": "127.0.0.1"} if processes else {}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None, **network
    ) as cluster:
        specs = _specs()
        _check(run_sweep(specs, tmp_path, DaskRunner(cluster.scheduler_address)), specs)
    assert _files(tmp_path) == sequential_files


def test_make_runner_picks_by_the_options():
    assert isinstance(make_runner(), SequentialRunner)
    assert isinstance(make_runner(jobs=3), ProcessRunner) and make_runner(jobs=3).jobs == 3
    with pytest.raises(ValueError, match="jobs must be a positive integer, got 0"):
        ProcessRunner(0)


def test_without_dask_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # importing it raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'deepkiso\[dask\]'"):
        make_runner(scheduler="tcp://127.0.0.1:8786")
