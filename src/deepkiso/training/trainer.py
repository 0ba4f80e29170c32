"""The training loop: Trainer, History, Callback, and what stops a run.

``Trainer.train`` draws mini-batches from a sampler, backpropagates and lets the
optimizer update the parameters in place, evaluates after every epoch and writes
checkpoints. It stops with ``TrainingDiverged`` when the run diverges (a NaN or
infinite loss, weight or optimizer buffer, or a loss that stays far above its
start) and with ``TrainingInterrupted``, after a checkpoint, when asked to stop
(``request_stop``, which the command line calls on SIGINT and SIGTERM).
``load_state_dict`` checks every field of a saved state against the trainer
before anything changes.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deepkiso._types import TrainableNet
from deepkiso.data.samplers import Sampler
from deepkiso.i18n import _
from deepkiso.optimizers import Optimizer
from deepkiso.training.checkpoints import ExpectedArray, checkpoint_layout, save_checkpoint
from deepkiso.training.evaluation import evaluate, is_classifier
from deepkiso.training.progress import ProgressReport
from deepkiso.training.state_checks import names_or_shapes_differ, section, state_problems

__all__ = [
    "Trainer",
    "History",
    "Callback",
    "TrainingDiverged",
    "TrainingInterrupted",
]


@dataclass
class History:
    """What a run has measured so far.

    iteration_loss: the mini-batch loss of every iteration, in order (one float each).
    epochs: one dict per finished epoch with "epoch" (1, 2, …), "iteration" (updates so far),
        "train_loss", "test_loss", "train_accuracy", "test_accuracy" (None where not measured:
        no test data, or a regression net) and "seconds" (the epoch's wall time).
    """

    iteration_loss: list[float] = field(default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)

    def state_dict(self) -> dict[str, Any]:
        """{"history/iteration_loss": float64 array (n_iterations,), "history/epochs": list of dicts}."""
        return {
            "history/iteration_loss": np.array(self.iteration_loss, dtype=np.float64),
            "history/epochs": [dict(row) for row in self.epochs],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""
        self.iteration_loss = [
            float(v) for v in np.asarray(state["history/iteration_loss"], dtype=np.float64)
        ]
        self.epochs = [dict(row) for row in state["history/epochs"]]


class Callback:
    """Hooks the Trainer calls during ``train``; override the ones you need.

    The command line uses them for its progress bar, summary lines and files.
    """

    def on_epoch_start(self, trainer: Trainer, n_batches: int) -> None:
        """Before the first batch of an epoch; n_batches is how many remain in it."""

    def on_iteration(self, trainer: Trainer, loss: float) -> None:
        """After each update; loss is that mini-batch's loss before the update."""

    def on_epoch_end(self, trainer: Trainer, metrics: dict[str, Any]) -> None:
        """After an epoch's evaluation and checkpoint; metrics is its row of the history."""


class TrainingDiverged(RuntimeError):
    """Training diverged: a NaN or infinite loss, parameter or optimizer buffer, or a loss that stayed
    far above its start (see Trainer's divergence_factor).

    iteration: the 1-based iteration where it showed; last_checkpoint: the newest checkpoint
    (all of whose arrays, parameters and optimizer buffers, are finite), or None.
    """

    def __init__(self, what: str, iteration: int, epoch: int, last_checkpoint: Path | None):
        where = (
            _("the last good checkpoint is {path}").format(path=last_checkpoint)
            if last_checkpoint is not None
            else _("no checkpoint had been written yet")
        )
        super().__init__(
            _(
                "{what} at iteration {iteration} (epoch {epoch}); {where}; try a smaller learning rate"
            ).format(what=what, iteration=iteration, epoch=epoch, where=where)
        )
        self.iteration = iteration
        self.epoch = epoch
        self.last_checkpoint = last_checkpoint


class TrainingInterrupted(Exception):
    """Training stopped because ``Trainer.request_stop`` was called (a signal, in the command line).

    reason: what asked for the stop (such as "SIGINT"); iteration, epoch: where it stopped (epoch is
    the 1-based epoch of the last update); checkpoint: the checkpoint written there, or None
    when the trainer has no checkpoint_dir.
    """

    def __init__(self, reason: str, iteration: int, epoch: int, checkpoint: Path | None):
        saved = (
            _("checkpoint {path} written").format(path=checkpoint)
            if checkpoint is not None
            else _("no checkpoint written")
        )
        super().__init__(
            _("stopped by {reason} after iteration {iteration} (epoch {epoch}); {saved}").format(
                reason=reason, iteration=iteration, epoch=epoch, saved=saved
            )
        )
        self.reason = reason
        self.iteration = iteration
        self.epoch = epoch
        self.checkpoint = checkpoint


class Trainer:
    """Mini-batch training of a net (exercises 2_10, 2_11, 2_18).

    net: a MultiLayerNet (or anything with params, gradient(x, t), predict(x),
        last_layer, state_dict and load_state_dict).
    optimizer: an Optimizer from ``deepkiso.optimizers``; it updates net.params in place.
    sampler: a Sampler from ``deepkiso.data``, built for the training set; it decides
        the batches and their order, and carries the run's random state.
    n_epochs: train until this many epochs are done (counting epochs done before a resume).
    eval_chunk_size: samples per forward pass when evaluating.
    evaluate_train: measure loss and accuracy on the whole training set after each epoch
        (the benchmarks turn it off to time the updates alone).
    checkpoint_dir: where to write checkpoints (None: never).
    checkpoint_every: also write one every this many iterations (None: at epoch ends only).
    settings: JSON-serialisable description of the run, stored in every checkpoint.
    callbacks: Callback objects called during ``train``.
    divergence_factor, divergence_iterations: the run has diverged when the mini-batch loss stays
        above divergence_factor × its start for divergence_iterations iterations in a row. The start
        is the loss of the initial weights on the first batch, and for a classifier at least ln C
        (the loss of a uniform guess over C classes), so a lucky first batch sets no hair trigger.
        divergence_factor None: only NaN and infinity count. (With the defaults, 10 and 50, an Adam
        run at lr 1e6 on the digits stops at iteration 51; no run that learns comes near.)

    State: ``epoch`` (epochs finished), ``iteration`` (updates made), ``history``,
    ``last_checkpoint`` (path of the newest checkpoint.json, or None), ``stop_reason`` (set by
    ``request_stop``, else None).
    """

    def __init__(
        self,
        net: TrainableNet,
        optimizer: Optimizer,
        sampler: Sampler,
        n_epochs: int,
        *,
        eval_chunk_size: int = 10_000,
        evaluate_train: bool = True,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        checkpoint_every: int | None = None,
        settings: dict[str, Any] | None = None,
        callbacks: Iterable[Callback] = (),
        divergence_factor: float | None = 10.0,
        divergence_iterations: int = 50,
    ) -> None:
        if int(n_epochs) != n_epochs or n_epochs < 0:
            raise ValueError(
                _("Trainer: n_epochs must be a non-negative integer, got {value}").format(
                    value=repr(n_epochs)
                )
            )
        if checkpoint_every is not None and (
            int(checkpoint_every) != checkpoint_every or checkpoint_every < 1
        ):
            raise ValueError(
                _(
                    "Trainer: checkpoint_every must be a positive integer or None, got {value}"
                ).format(value=repr(checkpoint_every))
            )
        if checkpoint_every is not None and checkpoint_dir is None:
            raise ValueError(
                _("Trainer: checkpoint_every={value} needs a checkpoint_dir to write to").format(
                    value=checkpoint_every
                )
            )
        if int(eval_chunk_size) != eval_chunk_size or eval_chunk_size < 1:
            raise ValueError(
                _("Trainer: eval_chunk_size must be a positive integer, got {value}").format(
                    value=repr(eval_chunk_size)
                )
            )
        if divergence_factor is not None and not (
            divergence_factor > 1 and math.isfinite(divergence_factor)
        ):
            raise ValueError(
                _(
                    "Trainer: divergence_factor must be a finite number above 1 or None, got {value}"
                ).format(value=repr(divergence_factor))
            )
        if int(divergence_iterations) != divergence_iterations or divergence_iterations < 1:
            raise ValueError(
                _("Trainer: divergence_iterations must be a positive integer, got {value}").format(
                    value=repr(divergence_iterations)
                )
            )
        self.net = net
        self.optimizer = optimizer
        self.sampler = sampler
        self.n_epochs = int(n_epochs)
        self.eval_chunk_size = int(eval_chunk_size)
        self.evaluate_train = evaluate_train
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every = checkpoint_every
        self.settings = {} if settings is None else settings
        self.callbacks = list(callbacks)
        self.divergence_factor = divergence_factor
        self.divergence_iterations = int(divergence_iterations)
        self.epoch = 0
        self.iteration = 0
        self.history = History()
        self.last_checkpoint: Path | None = None
        self.stop_reason: str | None = None
        self._losses_above = (
            0  # how many of the latest iterations had a loss above the divergence threshold
        )
        # The threshold is fixed by the run's first loss, so it is worked out once, not every step.
        self._threshold: float | None = None

    # -- the loop ---------------------------------------------------------------------------

    def train(
        self,
        x_train: np.ndarray,
        t_train: np.ndarray,
        x_test: np.ndarray | None = None,
        t_test: np.ndarray | None = None,
        *,
        verbose: bool = True,
        live_plot: bool = False,
    ) -> History:
        """Train until ``n_epochs`` epochs are done; returns the history.

        x_train: (N, …) inputs in the net's dtype (float32); t_train: labels (N,),
        one-hot (N, C) or regression targets (N, K). x_test, t_test likewise (optional).
        A trainer restored with ``load_state_dict`` continues where it stopped, mid-epoch included.
        verbose: show a progress bar per epoch (a widget in a notebook) and print one line per
            finished epoch (training.progress); False shows nothing. live_plot: in a notebook,
            redraw the learning curves under the cell after every epoch.
        Raises TrainingDiverged when the run diverges (see the class's divergence_factor), and
        TrainingInterrupted, after writing a checkpoint, when ``request_stop`` was called.
        """
        if len(x_train) != len(t_train):
            raise ValueError(
                _("Trainer.train: x_train has {n_x} samples but t_train has {n_t}").format(
                    n_x=len(x_train), n_t=len(t_train)
                )
            )
        n_samples = getattr(self.sampler, "n_samples", len(x_train))
        if n_samples != len(x_train):
            raise ValueError(
                _(
                    "Trainer.train: the sampler was built for {n_samples} samples, x_train has {n_x}"
                ).format(n_samples=n_samples, n_x=len(x_train))
            )
        if (x_test is None) != (t_test is None):
            raise ValueError(_("Trainer.train: give both x_test and t_test, or neither"))
        # One buffer per array for the whole run: each batch is gathered into it, used, forgotten.
        x_buffer = np.empty((self.sampler.batch_size, *x_train.shape[1:]), dtype=x_train.dtype)
        t_buffer = np.empty((self.sampler.batch_size, *t_train.shape[1:]), dtype=t_train.dtype)
        gradient, step = self._gradient_and_step(x_train, t_train)
        report = ProgressReport(live_plot) if verbose else None
        callbacks: list[Any] = [*self.callbacks, *([report] if report else [])]
        try:
            while self.epoch < self.n_epochs:
                started = time.perf_counter()
                self._train_one_epoch(
                    x_train, t_train, x_buffer, t_buffer, gradient, step, callbacks
                )
                metrics = self._end_epoch(
                    x_train, t_train, x_test, t_test, time.perf_counter() - started
                )
                for callback in callbacks:
                    callback.on_epoch_end(self, metrics)
                if self.stop_reason is not None and self.epoch < self.n_epochs:
                    self._stop(saved=True)  # _end_epoch has just written the checkpoint
        finally:
            if report is not None:
                report.close()
        self.stop_reason = (
            None  # a stop asked for as the last epoch ended: the run is complete anyway
        )
        return self.history

    def request_stop(self, reason: str) -> None:
        """Ask ``train`` to stop after the current update, write a checkpoint there and raise
        TrainingInterrupted. Only sets a flag, so a signal handler may call it at any moment.
        (A stop asked for during an epoch's last batch or its evaluation waits for the epoch's end.)
        """
        self.stop_reason = reason

    def _stop(self, saved: bool) -> None:
        reason, self.stop_reason = self.stop_reason, None
        assert reason is not None  # called only once a stop was asked for
        if self.checkpoint_dir is not None and not saved:
            self.save()
        checkpoint = self.last_checkpoint if self.checkpoint_dir is not None else None
        raise TrainingInterrupted(
            reason, self.iteration, self._epoch_of_last_iteration(), checkpoint
        )

    def _gradient_and_step(
        self, x_train: np.ndarray, t_train: np.ndarray
    ) -> tuple[Callable[..., Any], Callable[..., None]]:
        """The net's unchecked gradient where the run's data fits it (the same numbers without the
        per-batch checks), with Optimizer.step using its arrays, buffers the next step overwrites,
        as work space (η·∂L/∂W for SGD and Momentum); else gradient, and step or update as given."""
        net, optimizer = self.net, self.optimizer
        step: Callable[..., None] = getattr(optimizer, "step", None) or optimizer.update
        fits = getattr(net, "fits_unchecked", None)
        if fits is None or not fits(x_train, t_train):
            return net.gradient, step
        if getattr(type(optimizer), "step", None) is Optimizer.step:
            step = functools.partial(step, reuse_grads=True)
        return net.gradient_unchecked, step  # type: ignore[attr-defined]  # a MultiLayerNet

    def _train_one_epoch(
        self,
        x_train: np.ndarray,
        t_train: np.ndarray,
        x_buffer: np.ndarray,
        t_buffer: np.ndarray,
        gradient: Callable[..., Any],
        step: Callable[..., None],
        callbacks: list[Any],  # Callbacks and the ProgressReport
    ) -> None:
        done_before = self.iteration - (
            self.history.epochs[-1]["iteration"] if self.history.epochs else 0
        )
        n_batches = len(self.sampler) - done_before
        for callback in callbacks:
            callback.on_epoch_start(self, n_batches)
        net, params, losses = self.net, self.net.params, self.history.iteration_loss
        for batch_number, index in enumerate(self.sampler.epoch(), start=1):
            n = len(index)
            # mode="clip" skips the bounds-checking copy that mode="raise" makes into `out`;
            # the sampler only yields valid indices.
            x_batch = x_train.take(index, axis=0, out=x_buffer[:n], mode="clip")
            t_batch = t_train.take(index, axis=0, out=t_buffer[:n], mode="clip")
            grads = gradient(x_batch, t_batch)
            loss = net.last_layer.loss
            assert loss is not None  # gradient() ran the loss layer's forward
            self._check_loss(loss)
            step(params, grads)
            self.iteration += 1
            losses.append(loss)
            for callback in callbacks:
                callback.on_iteration(self, loss)
            # The epoch's last batch is saved by _end_epoch, after the evaluation.
            if batch_number < n_batches:
                saved = (
                    self.checkpoint_every is not None
                    and self.iteration % self.checkpoint_every == 0
                )
                if saved:
                    self.save()
                if self.stop_reason is not None:
                    self._stop(saved)

    def _check_loss(self, loss: float) -> None:
        """Raise TrainingDiverged when loss, the next iteration's, is not finite or ends a long rise."""
        if not math.isfinite(loss):
            raise TrainingDiverged(
                _("the loss became {loss}").format(loss=loss),
                self.iteration + 1,
                self.epoch + 1,
                self.last_checkpoint,
            )
        threshold = self._threshold
        if threshold is None:
            threshold = self._threshold = self._divergence_threshold(loss)
        self._losses_above = (
            self._losses_above + 1 if threshold is not None and loss > threshold else 0
        )
        if self._losses_above >= self.divergence_iterations:
            # A loss counts as above only where the rule is on: threshold and factor are set.
            assert threshold is not None and self.divergence_factor is not None
            start = threshold / self.divergence_factor
            raise TrainingDiverged(
                _(
                    "the loss stayed above {threshold} ({factor} × its start, {start}) "
                    "for {n} iterations, reaching {loss}"
                ).format(
                    threshold=f"{threshold:.4g}",
                    factor=f"{self.divergence_factor:g}",
                    start=f"{start:.4g}",
                    n=self.divergence_iterations,
                    loss=f"{loss:.4g}",
                ),
                self.iteration + 1,
                self.epoch + 1,
                self.last_checkpoint,
            )

    def _divergence_threshold(self, first_loss: float) -> float | None:
        """divergence_factor × the run's start: its first loss (first_loss until one is recorded),
        for a classifier at least ln C. None when the rule is off."""
        if self.divergence_factor is None:
            return None
        start = self.history.iteration_loss[0] if self.history.iteration_loss else first_loss
        output_size = getattr(self.net, "output_size", 0)  # not every net has one
        if is_classifier(self.net) and output_size >= 2:
            start = max(start, math.log(output_size))
        return self.divergence_factor * start

    def _end_epoch(
        self,
        x_train: np.ndarray,
        t_train: np.ndarray,
        x_test: np.ndarray | None,
        t_test: np.ndarray | None,
        seconds: float,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        train_loss = train_accuracy = test_loss = test_accuracy = None
        if self.evaluate_train:
            train_loss, train_accuracy = evaluate(self.net, x_train, t_train, self.eval_chunk_size)
        if x_test is not None:
            assert t_test is not None  # train() takes both or neither
            test_loss, test_accuracy = evaluate(self.net, x_test, t_test, self.eval_chunk_size)
        self.epoch += 1
        metrics = {
            "epoch": self.epoch,
            "iteration": self.iteration,
            "train_loss": train_loss,
            "train_accuracy": train_accuracy,
            "test_loss": test_loss,
            "test_accuracy": test_accuracy,
            "seconds": seconds + time.perf_counter() - started,
        }
        self.history.epochs.append(metrics)
        if self.checkpoint_dir is not None:
            self.save()
        return metrics

    # -- state --------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything training consumes and has produced, flat:

        "net/W1", … (arrays), "optimizer/lr", "optimizer/m/W1", … (numbers, arrays),
        "sampler" (the sampler's JSON-serialisable state, random state included),
        "epoch", "iteration", "history/iteration_loss" (array), "history/epochs" (list).
        """
        state: dict[str, Any] = {f"net/{k}": v for k, v in self.net.state_dict().items()}
        state.update({f"optimizer/{k}": v for k, v in self.optimizer.state_dict().items()})
        state["sampler"] = self.sampler.state_dict()
        state["epoch"] = self.epoch
        state["iteration"] = self.iteration
        state.update(self.history.state_dict())
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (possibly read back by ``load_checkpoint``).

        Every field is checked first, and a state that does not fit this trainer (another net, wrong
        types, counters that disagree, non-finite arrays) raises a ValueError listing every problem,
        each naming the field, what was expected and what was received, before anything changes.
        """
        missing = [
            k
            for k in ("sampler", "epoch", "iteration", "history/iteration_loss", "history/epochs")
            if k not in state
        ]
        if missing:
            raise ValueError(
                _("Trainer.load_state_dict: the state lacks {missing}").format(missing=missing)
            )
        if names_or_shapes_differ(self.net, section(state, "net/")):
            self.net.load_state_dict(
                section(state, "net/")
            )  # raises, listing every missing or misshaped array
        problems = state_problems(state, self.net, self.optimizer)
        if problems:
            raise ValueError(
                _("the saved state does not fit this trainer: {problems}").format(
                    problems="; ".join(problems)
                )
            )
        # The sampler checks its own state (settings, counters, generator) before it changes anything.
        self.sampler.load_state_dict(state["sampler"])
        self.optimizer.load_state_dict(section(state, "optimizer/"))
        self.net.load_state_dict(section(state, "net/"))
        self.epoch = int(state["epoch"])
        self.iteration = int(state["iteration"])
        self.history.load_state_dict(state)
        threshold = self._divergence_threshold(math.inf)
        self._threshold = threshold if self.history.iteration_loss else None
        self._losses_above = 0
        for loss in reversed(
            self.history.iteration_loss
        ):  # so a resumed run stops where one left alone does
            if threshold is None or not loss > threshold:
                break
            self._losses_above += 1

    def save(self) -> Path:
        """Write a checkpoint into ``checkpoint_dir`` now; returns the path of its JSON file.

        Refuses (TrainingDiverged) when a parameter or an optimizer buffer is no longer finite, so
        the last checkpoint is always one training can continue from.
        """
        if self.checkpoint_dir is None:
            raise ValueError(_("Trainer.save: this trainer has no checkpoint_dir"))
        state = self.state_dict()
        for key, value in state.items():
            if key.startswith(("net/", "optimizer/")) and not np.all(np.isfinite(value)):
                what = (
                    _("parameter {name} is no longer finite").format(name=key[4:])
                    if key.startswith("net/")
                    else _("optimizer buffer {name} is no longer finite").format(name=key[10:])
                )
                raise TrainingDiverged(
                    what,
                    self.iteration,
                    self._epoch_of_last_iteration(),
                    self.last_checkpoint,
                )
        self.last_checkpoint = save_checkpoint(self.checkpoint_dir, state, self.settings)
        return self.last_checkpoint

    def checkpoint_layout(self) -> dict[str, ExpectedArray]:
        """The arrays this trainer's checkpoints may hold (see the module's checkpoint_layout)."""
        return checkpoint_layout(self.net, self.optimizer)

    def _epoch_of_last_iteration(self) -> int:
        """The (1-based) epoch the latest update belongs to: a finished one, or the one in progress."""
        finished = (
            bool(self.history.epochs) and self.history.epochs[-1]["iteration"] == self.iteration
        )
        return self.epoch if finished else self.epoch + 1
