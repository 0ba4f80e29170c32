"""One trial of an experiment: train a net as a ``TrialSpec`` says and measure what it became.

The batch-size experiment (group work バッチサイズの決め方) and the sampling experiment (exercise
2_1) run many of these. A trial loads its data set, builds a MultiLayerNet and an optimizer, and
trains with ``deepkiso.training.Trainer`` phase by phase (one phase per batch size of a schedule),
steering the learning rate from a callback (scaling with the batch size, warm-up per update). It
returns a JSON-ready record (``record.TrialRecord.to_dict``):

    trial_id, status ("ok" or "diverged"), spec (the TrialSpec's fields), label
    final: train_loss, train_accuracy, test_loss, test_accuracy of the last epoch
    gap_accuracy = train_accuracy - test_accuracy; gap_loss = test_loss - train_loss
    epochs, updates (made), lr (per phase, after scaling), n_train, class_counts (training set)
    epochs_to_target, updates_to_target: the first epoch whose test accuracy reached the target
    per_class_test_accuracy: one accuracy per class on the whole test set
    curves: one row per epoch: epoch, iteration, batch_size, lr, the four metrics
    diverged_at: {"epoch", "iteration", "message"} when the loss became NaN or infinite, else None
    measurements: what depends on the machine and not only on the seed, kept apart so results
        can be compared for equality without them: seconds (total), epoch_seconds and
        train_seconds_per_epoch (means: with and without the evaluation), seconds_to_target,
        step_peak_bytes (tracemalloc's peak over one training step — gather the batch, forward,
        backward, update — on a fresh copy of the net: the memory that grows with the batch
        size; the data set and the evaluation are not in it; None when another trial was
        running in the same process, see ``_step_peak_bytes``), blas_threads.

Everything random comes from the spec's seed, and the trial runs with one BLAS thread, so the
record (less ``measurements``) is the same wherever and whenever the trial runs.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

from deepkiso._types import spawn_seeds
from deepkiso.blas import single_blas_thread
from deepkiso.data import dataset_info, load_dataset, make_sampler
from deepkiso.experiments.record import TrialRecord, TrialRun
from deepkiso.experiments.sampler_names import parse_sampler
from deepkiso.experiments.sampling import imbalanced_indices
from deepkiso.experiments.schedules import scaled_lr, warmup_lr
from deepkiso.experiments.spec import TrialSpec, failure_record
from deepkiso.nets import MultiLayerNet
from deepkiso.optimizers import make_optimizer
from deepkiso.training import Callback, Trainer, TrainingDiverged

__all__ = ["run_trial", "run_trial_safely", "load_trial_data"]

_EVAL_CHUNK = 10_000
# How many trials run in this process right now (more than one only as threads of one Dask
# worker), and the lock that guards the count.
_running_lock = threading.Lock()
_running = 0


@contextmanager
def _counted_as_running() -> Iterator[None]:
    global _running
    with _running_lock:
        _running += 1
    try:
        yield
    finally:
        with _running_lock:
            _running -= 1


@lru_cache(maxsize=2)
def shared_dataset(dataset: str, data_dir: str | None):
    """(x_train, t_train, x_test, t_test) of a data set, loaded once per process and read-only."""
    (x_train, t_train), (x_test, t_test) = load_dataset(dataset, data_dir)
    arrays = (
        x_train,
        np.asarray(t_train, dtype=np.int64),
        x_test,
        np.asarray(t_test, dtype=np.int64),
    )
    for array in arrays:
        # Shared by every trial this process runs: no trial may change them.
        array.flags.writeable = False
    return arrays


def load_trial_data(spec: TrialSpec, data_dir: str | None = None):
    """(x_train (N, D), t_train (N,), x_test (M, D), t_test (M,)) as the trial trains on them.

    Float32 inputs in [0, 1], int64 labels; the training set reduced as the spec's imbalance
    says (the test set is always whole), then sorted by label when the spec's order is
    "by-label" (a stable sort: the stored order within each class). A worker process loads
    each data set once.
    """
    x_train, t_train, x_test, t_test = shared_dataset(
        spec.dataset, None if data_dir is None else str(data_dir)
    )
    if spec.imbalance_classes and spec.imbalance_keep < 1:
        kept = imbalanced_indices(
            t_train, spec.imbalance_classes, spec.imbalance_keep, seed=_seeds(spec)["data"]
        )
        x_train, t_train = x_train[kept], t_train[kept]
    if spec.order == "by-label":
        by_label = np.argsort(t_train, kind="stable")
        x_train, t_train = x_train[by_label], t_train[by_label]
    return x_train, t_train, x_test, t_test


def _seeds(spec: TrialSpec) -> dict[str, Any]:
    """Independent seeds for the initial weights, the imbalanced subset and each phase's sampler.

    SeedSequence children depend only on their position, so a schedule's first phase draws the
    same batches as the fixed batch size it starts with.
    """
    seeds = spawn_seeds(spec.seed, 2 + len(spec.phases))
    return {"init": seeds[0], "data": seeds[1], "phases": seeds[2:]}


class _UpdateBudget:
    """A sampler that stops handing out batches once ``max_batches`` have gone, in all epochs.

    For the equal-updates budget: the Trainer ends an epoch when its sampler runs dry, so the
    last epoch is simply shorter.
    """

    def __init__(self, sampler, max_batches: int):
        self.sampler = sampler
        self.max_batches = max_batches
        self.batches_given = 0
        self.n_samples = sampler.n_samples
        self.batch_size = sampler.batch_size

    def __len__(self) -> int:
        return min(len(self.sampler), self.max_batches - self.batches_given)

    def epoch(self):
        for index in self.sampler.epoch():
            if self.batches_given >= self.max_batches:
                return
            self.batches_given += 1
            yield index


class _TrialMonitor(Callback):
    """Sets the learning rate before every update and times the epochs.

    phase_lr: the current phase's (scaled) learning rate. During the first warmup_iterations
    updates the rate rises linearly from warmup_start to it.
    """

    def __init__(self, optimizer, warmup_start: float, warmup_iterations: int):
        self.optimizer = optimizer
        self.warmup_start = warmup_start
        self.warmup_iterations = warmup_iterations
        self.phase_lr = optimizer.lr
        self.epoch_started = 0.0
        self.last_update = 0.0
        self.last_update_lr = optimizer.lr  # the rate the latest update used, recorded per epoch
        self.train_seconds: list[float] = []
        self.epoch_rows: list[dict[str, Any]] = []

    def start_phase(self, lr: float, iteration: int) -> None:
        self.phase_lr = lr
        self.set_lr(iteration + 1)

    def set_lr(self, iteration: int) -> None:
        self.optimizer.lr = warmup_lr(
            iteration, self.phase_lr, min(self.warmup_start, self.phase_lr), self.warmup_iterations
        )

    def on_epoch_start(self, trainer, n_batches):
        self.epoch_started = self.last_update = time.perf_counter()

    def on_iteration(self, trainer, loss):
        self.last_update = time.perf_counter()
        self.last_update_lr = self.optimizer.lr
        self.set_lr(trainer.iteration + 1)

    def on_epoch_end(self, trainer, metrics):
        self.train_seconds.append(self.last_update - self.epoch_started)
        self.epoch_rows.append(
            {**metrics, "batch_size": trainer.sampler.batch_size, "lr": self.last_update_lr}
        )


def _step_peak_bytes(
    spec: TrialSpec, x_train: np.ndarray, t_train: np.ndarray, n_classes: int, batch_size: int
) -> int | None:
    """tracemalloc's peak over one training step at batch_size, on a fresh net (the trial's is untouched).

    None when another trial is running in this process. tracemalloc would count that trial's
    arrays too, and, worse, CPython before 3.12.9 and 3.13.2 can crash when tracemalloc.stop()
    runs while another thread allocates (CPython issue 128679): NumPy allocates with the GIL
    released. Holding the lock keeps any other trial from starting until tracing has stopped.
    """
    net = MultiLayerNet(x_train.shape[1], spec.hidden, n_classes, rng=0)
    optimizer = make_optimizer(spec.optimizer, lr=spec.lr)
    index = np.arange(min(batch_size, len(x_train)))
    with _running_lock:
        if _running > 1:
            return None
        was_tracing = tracemalloc.is_tracing()
        if not was_tracing:
            tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            x_batch, t_batch = x_train[index], t_train[index]
            optimizer.update(net.params, net.gradient(x_batch, t_batch))
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            if not was_tracing:
                tracemalloc.stop()
    return int(peak)


def _per_class_accuracy(net, x: np.ndarray, t: np.ndarray, n_classes: int) -> list[float | None]:
    """Accuracy on the samples of each class (None for a class absent from t)."""
    predicted = np.concatenate(
        [
            np.argmax(net.predict(x[i : i + _EVAL_CHUNK]), axis=1)
            for i in range(0, len(x), _EVAL_CHUNK)
        ]
    )
    accuracies = []
    for c in range(n_classes):
        members = t == c
        accuracies.append(float(np.mean(predicted[members] == c)) if members.any() else None)
    return accuracies


def _phase_sampler(spec: TrialSpec, t_train: np.ndarray, batch_size: int, seed: int):
    name, options = parse_sampler(spec.sampler)
    return make_sampler(
        name, n_samples=len(t_train), labels=t_train, batch_size=batch_size, rng=seed, **options
    )


def run_trial(spec: TrialSpec, data_dir: str | None = None) -> dict[str, Any]:
    """Train as spec says and return the record described in this module's docstring.

    Raises what a bad spec raises (an unknown data set, sampler or optimizer, a learning rate
    that is not positive, …); a loss that becomes NaN or infinite is a result ("diverged").
    """
    with _counted_as_running():  # all of it, the record's NumPy sums included
        return _run_trial(spec, data_dir)


def _run_trial(spec: TrialSpec, data_dir: str | None) -> dict[str, Any]:
    # A diverging run overflows on its way to NaN: a result the record states, not a warning to print.
    with (
        single_blas_thread() as blas_threads,
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
    ):
        started = time.perf_counter()
        x_train, t_train, x_test, t_test = load_trial_data(spec, data_dir)
        n_classes = dataset_info(spec.dataset).n_classes
        assert n_classes is not None, f"{spec.dataset}: the sweeps train classifiers"
        seeds = _seeds(spec)
        net = MultiLayerNet(x_train.shape[1], spec.hidden, n_classes, rng=seeds["init"])
        lrs = [
            scaled_lr(spec.lr, b, spec.base_batch_size, spec.lr_scaling) for b in spec.batch_sizes
        ]
        optimizer = make_optimizer(spec.optimizer, lr=lrs[0])
        samplers = [
            _phase_sampler(spec, t_train, b, s) for b, s in zip(spec.batch_sizes, seeds["phases"])
        ]
        phase_epochs = [e for _, e in spec.phases]
        if spec.budget == "updates":
            assert spec.reference_batch_size is not None  # budget "updates" needs it
            reference = _phase_sampler(spec, t_train, spec.reference_batch_size, 0)
            max_updates = spec.phases[0][1] * len(reference)
            phase_epochs = [math.ceil(max_updates / len(samplers[0]))]
            samplers = [_UpdateBudget(samplers[0], max_updates)]
        monitor = _TrialMonitor(
            optimizer,
            warmup_start=spec.lr,
            warmup_iterations=round(spec.warmup_epochs * len(samplers[0])),
        )
        trainer = Trainer(
            net, optimizer, samplers[0], 0, eval_chunk_size=_EVAL_CHUNK, callbacks=[monitor]
        )
        diverged_at = None
        try:
            for sampler, n_epochs, lr in zip(samplers, phase_epochs, lrs):
                # A new phase: a new batch size, its own sampler and learning rate, the same net and optimizer.
                trainer.sampler = sampler
                trainer.n_epochs += n_epochs
                monitor.start_phase(lr, trainer.iteration)
                trainer.train(x_train, t_train, x_test, t_test, verbose=False)
        except TrainingDiverged as exc:
            diverged_at = {"epoch": exc.epoch, "iteration": exc.iteration, "message": str(exc)}
        seconds = time.perf_counter() - started
        per_class = (
            _per_class_accuracy(net, x_test, t_test, n_classes) if diverged_at is None else None
        )
        step_peak = _step_peak_bytes(spec, x_train, t_train, n_classes, max(spec.batch_sizes))
    run = TrialRun(
        epoch_rows=monitor.epoch_rows,
        train_seconds=monitor.train_seconds,
        epochs=trainer.epoch,
        updates=trainer.iteration,
        lrs=lrs,
        class_counts=np.bincount(t_train, minlength=n_classes).tolist(),
        per_class=per_class,
        diverged_at=diverged_at,
        measurements={
            "seconds": seconds,
            "step_peak_bytes": step_peak,
            "blas_threads": blas_threads,
        },
    )
    return TrialRecord.from_run(spec, run).to_dict()


def run_trial_safely(spec: TrialSpec, data_dir: str | None = None) -> dict[str, Any]:
    """run_trial, with any exception turned into a failure record, so a sweep goes on without it."""
    try:
        return run_trial(spec, data_dir)
    except Exception as exc:  # noqa: BLE001 (any failure of one trial becomes its record)
        return failure_record(spec, f"{type(exc).__name__}: {exc}", traceback.format_exc())
