"""Training a net with mini-batches: Trainer, History, save_checkpoint, load_checkpoint.

Exercises 2_10, 2_11 and 2_18 train a two-layer net on images or on a
regression problem and watch the loss fall. ``Trainer`` runs that loop — draw a
mini-batch from a sampler, backpropagate, let the optimizer update the
parameters in place — and after every epoch measures the loss (and, for
classification, the accuracy) on the training and test data, in chunks so
memory stays bounded. ``History`` keeps the loss of every iteration and the
metrics of every epoch. A checkpoint holds everything the loop consumes (the
net, the optimizer's buffers, the sampler's position and random state, the
counters and the history), so a run that is stopped at any point and resumed
ends with the same weights, bit for bit, as one left alone.

Checkpoint files: ``checkpoint.json`` names an ``.npz`` of arrays and holds its
SHA-256, the numbers and the settings. Both are written under temporary names
and renamed; the JSON is renamed last and the previous ``.npz`` is deleted only
after that, so a crash at any moment leaves a complete, matching pair.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from deepkiso.files import write_file_atomically
from deepkiso.layers import SoftmaxWithLoss

__all__ = [
    "Trainer",
    "History",
    "Callback",
    "Checkpoint",
    "TrainingDiverged",
    "save_checkpoint",
    "load_checkpoint",
    "evaluate",
    "CHECKPOINT_NAME",
]

CHECKPOINT_NAME = "checkpoint.json"
_CHECKPOINT_FORMAT = "deepkiso-checkpoint"
_CHECKPOINT_VERSION = 1


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

    def state_dict(self) -> dict:
        """{"history/iteration_loss": float64 array (n_iterations,), "history/epochs": list of dicts}."""
        return {
            "history/iteration_loss": np.array(self.iteration_loss, dtype=np.float64),
            "history/epochs": [dict(row) for row in self.epochs],
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned."""
        self.iteration_loss = [float(v) for v in np.asarray(state["history/iteration_loss"], dtype=np.float64)]
        self.epochs = [dict(row) for row in state["history/epochs"]]


class Callback:
    """Hooks the Trainer calls during ``train``; override the ones you need.

    The command line uses them for its progress bar, summary lines and files.
    """

    def on_epoch_start(self, trainer: "Trainer", n_batches: int) -> None:
        """Before the first batch of an epoch; n_batches is how many remain in it."""

    def on_iteration(self, trainer: "Trainer", loss: float) -> None:
        """After each update; loss is that mini-batch's loss before the update."""

    def on_epoch_end(self, trainer: "Trainer", metrics: dict[str, Any]) -> None:
        """After an epoch's evaluation and checkpoint; metrics is its row of the history."""


class TrainingDiverged(RuntimeError):
    """Training produced a NaN or infinite loss or parameter.

    iteration: the 1-based iteration where it showed; last_checkpoint: the newest checkpoint
    (all of whose values are finite), or None.
    """

    def __init__(self, what: str, iteration: int, epoch: int, last_checkpoint: Path | None):
        where = (f"the last good checkpoint is {last_checkpoint}" if last_checkpoint is not None
                 else "no checkpoint had been written yet")
        super().__init__(f"{what} at iteration {iteration} (epoch {epoch}); {where}; try a smaller learning rate")
        self.iteration = iteration
        self.epoch = epoch
        self.last_checkpoint = last_checkpoint


def _is_classifier(net) -> bool:
    return isinstance(getattr(net, "last_layer", None), SoftmaxWithLoss)


def evaluate(net, x: np.ndarray, t: np.ndarray, chunk_size: int = 10_000) -> tuple[float, float | None]:
    """(mean loss, accuracy) of net on x, t; accuracy is None for a regression net.

    x: (N, …) inputs; t: labels (N,), one-hot (N, C) or targets (N, K).
    Runs ``chunk_size`` samples at a time, so at most one chunk's activations
    are alive however large N is.
    """
    n = len(x)
    if n == 0:
        raise ValueError("evaluate: got no samples")
    classifier = _is_classifier(net)
    loss_sum = 0.0
    correct = 0
    for start in range(0, n, chunk_size):
        x_chunk, t_chunk = x[start:start + chunk_size], t[start:start + chunk_size]
        y = net.predict(x_chunk)
        # The loss layer returns the chunk's mean; weight it back to a sum.
        loss_sum += net.last_layer.forward(y, t_chunk) * len(x_chunk)
        if classifier:
            labels = np.argmax(t_chunk, axis=1) if t_chunk.ndim == 2 else t_chunk
            correct += int(np.count_nonzero(np.argmax(y, axis=1) == labels))
    return loss_sum / n, (correct / n if classifier else None)


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

    State: ``epoch`` (epochs finished), ``iteration`` (updates made), ``history``,
    ``last_checkpoint`` (path of the newest checkpoint.json, or None).
    """

    def __init__(
        self,
        net,
        optimizer,
        sampler,
        n_epochs: int,
        *,
        eval_chunk_size: int = 10_000,
        evaluate_train: bool = True,
        checkpoint_dir: str | os.PathLike | None = None,
        checkpoint_every: int | None = None,
        settings: dict | None = None,
        callbacks: Iterable[Callback] = (),
    ):
        if int(n_epochs) != n_epochs or n_epochs < 0:
            raise ValueError(f"Trainer: n_epochs must be a non-negative integer, got {n_epochs!r}")
        if checkpoint_every is not None and (int(checkpoint_every) != checkpoint_every or checkpoint_every < 1):
            raise ValueError(f"Trainer: checkpoint_every must be a positive integer or None, got {checkpoint_every!r}")
        if checkpoint_every is not None and checkpoint_dir is None:
            raise ValueError(f"Trainer: checkpoint_every={checkpoint_every} needs a checkpoint_dir to write to")
        if int(eval_chunk_size) != eval_chunk_size or eval_chunk_size < 1:
            raise ValueError(f"Trainer: eval_chunk_size must be a positive integer, got {eval_chunk_size!r}")
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
        self.epoch = 0
        self.iteration = 0
        self.history = History()
        self.last_checkpoint: Path | None = None

    # -- the loop ---------------------------------------------------------------------------

    def train(self, x_train: np.ndarray, t_train: np.ndarray,
              x_test: np.ndarray | None = None, t_test: np.ndarray | None = None) -> History:
        """Train until ``n_epochs`` epochs are done; returns the history.

        x_train: (N, …) inputs in the net's dtype (float32); t_train: labels (N,),
        one-hot (N, C) or regression targets (N, K). x_test, t_test likewise (optional).
        A trainer restored with ``load_state_dict`` continues where it stopped, mid-epoch included.
        Raises TrainingDiverged when a loss is NaN or infinite.
        """
        if len(x_train) != len(t_train):
            raise ValueError(f"Trainer.train: x_train has {len(x_train)} samples but t_train has {len(t_train)}")
        n_samples = getattr(self.sampler, "n_samples", len(x_train))
        if n_samples != len(x_train):
            raise ValueError(f"Trainer.train: the sampler was built for {n_samples} samples, "
                             f"x_train has {len(x_train)}")
        if (x_test is None) != (t_test is None):
            raise ValueError("Trainer.train: give both x_test and t_test, or neither")
        # One buffer per array for the whole run: each batch is gathered into it, used, forgotten.
        x_buffer = np.empty((self.sampler.batch_size, *x_train.shape[1:]), dtype=x_train.dtype)
        t_buffer = np.empty((self.sampler.batch_size, *t_train.shape[1:]), dtype=t_train.dtype)
        while self.epoch < self.n_epochs:
            started = time.perf_counter()
            self._train_one_epoch(x_train, t_train, x_buffer, t_buffer)
            metrics = self._end_epoch(x_train, t_train, x_test, t_test, time.perf_counter() - started)
            for callback in self.callbacks:
                callback.on_epoch_end(self, metrics)
        return self.history

    def _train_one_epoch(self, x_train, t_train, x_buffer, t_buffer) -> None:
        done_before = self.iteration - (self.history.epochs[-1]["iteration"] if self.history.epochs else 0)
        n_batches = len(self.sampler) - done_before
        for callback in self.callbacks:
            callback.on_epoch_start(self, n_batches)
        net, optimizer, params, losses = self.net, self.optimizer, self.net.params, self.history.iteration_loss
        for batch_number, index in enumerate(self.sampler.epoch(), start=1):
            n = len(index)
            # mode="clip" skips the bounds-checking copy that mode="raise" makes into `out`;
            # the sampler only yields valid indices.
            x_batch = x_train.take(index, axis=0, out=x_buffer[:n], mode="clip")
            t_batch = t_train.take(index, axis=0, out=t_buffer[:n], mode="clip")
            grads = net.gradient(x_batch, t_batch)
            loss = net.last_layer.loss
            if not math.isfinite(loss):
                raise TrainingDiverged(f"the loss became {loss}", self.iteration + 1, self.epoch + 1,
                                       self.last_checkpoint)
            optimizer.update(params, grads)
            self.iteration += 1
            losses.append(loss)
            for callback in self.callbacks:
                callback.on_iteration(self, loss)
            # The epoch's last batch is saved by _end_epoch, after the evaluation.
            if (self.checkpoint_every is not None and self.iteration % self.checkpoint_every == 0
                    and batch_number < n_batches):
                self.save()

    def _end_epoch(self, x_train, t_train, x_test, t_test, seconds: float) -> dict[str, Any]:
        started = time.perf_counter()
        train_loss = train_accuracy = test_loss = test_accuracy = None
        if self.evaluate_train:
            train_loss, train_accuracy = evaluate(self.net, x_train, t_train, self.eval_chunk_size)
        if x_test is not None:
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

        A net that does not fit raises a ValueError listing every mismatch, before anything changes.
        """
        missing = [k for k in ("sampler", "epoch", "iteration", "history/iteration_loss", "history/epochs")
                   if k not in state]
        if missing:
            raise ValueError(f"Trainer.load_state_dict: the state lacks {missing}")
        self.net.load_state_dict(_section(state, "net/"))
        self.optimizer.load_state_dict(_section(state, "optimizer/"))
        self.sampler.load_state_dict(state["sampler"])
        self.epoch = int(state["epoch"])
        self.iteration = int(state["iteration"])
        self.history.load_state_dict(state)

    def save(self) -> Path:
        """Write a checkpoint into ``checkpoint_dir`` now; returns the path of its JSON file.

        Refuses (TrainingDiverged) when a parameter is no longer finite, so the last
        checkpoint is always one training can continue from.
        """
        if self.checkpoint_dir is None:
            raise ValueError("Trainer.save: this trainer has no checkpoint_dir")
        for name, param in self.net.params.items():
            if not np.all(np.isfinite(param)):
                raise TrainingDiverged(f"parameter {name} is no longer finite", self.iteration,
                                       self._epoch_of_last_iteration(), self.last_checkpoint)
        self.last_checkpoint = save_checkpoint(self.checkpoint_dir, self.state_dict(), self.settings)
        return self.last_checkpoint


    def _epoch_of_last_iteration(self) -> int:
        """The (1-based) epoch the latest update belongs to: a finished one, or the one in progress."""
        finished = bool(self.history.epochs) and self.history.epochs[-1]["iteration"] == self.iteration
        return self.epoch if finished else self.epoch + 1


def _section(state: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


# -- checkpoint files ----------------------------------------------------------------------------


@dataclass
class Checkpoint:
    """A checkpoint read back: ``state`` (as Trainer.state_dict gave it), ``settings``, the files' paths."""

    state: dict[str, Any]
    settings: dict[str, Any]
    json_path: Path
    arrays_path: Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"checkpoint: cannot store a value of type {type(value).__name__} in JSON")


def save_checkpoint(directory: str | os.PathLike, state: dict[str, Any], settings: dict | None = None) -> Path:
    """Write state (arrays to an .npz, everything else to JSON) into directory; returns the JSON's path.

    state: a flat dict like Trainer.state_dict(): numpy arrays, and JSON-serialisable values.
    The .npz is named after its SHA-256 and written first; checkpoint.json, which names it and
    holds its hash, replaces the old one last; only then is the previous .npz removed. A kill
    at any moment therefore leaves the old pair or the new pair, never a mix.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    values = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    arrays_name = f"checkpoint-{digest[:16]}.npz"
    write_file_atomically(directory / arrays_name, data)
    meta = {
        "format": _CHECKPOINT_FORMAT,
        "version": _CHECKPOINT_VERSION,
        "arrays": arrays_name,
        "sha256": digest,
        "settings": settings or {},
        "state": values,
    }
    text = json.dumps(meta, indent=1, default=_json_default).encode()
    json_path = write_file_atomically(directory / CHECKPOINT_NAME, text)
    # Only now is the old .npz unreferenced; also sweep up temporaries a killed writer left behind.
    for old in directory.glob("checkpoint-*.npz"):
        if old.name != arrays_name:
            old.unlink(missing_ok=True)
    # write_atomically's temporaries: .checkpoint.<pid>-<hex>.part.json, .checkpoint-<hash>.<pid>-<hex>.part.npz
    for stale in directory.glob(".checkpoint*.part.*"):
        stale.unlink(missing_ok=True)
    return json_path


def load_checkpoint(directory: str | os.PathLike) -> Checkpoint:
    """Read back what save_checkpoint wrote into directory.

    Raises FileNotFoundError when there is no checkpoint, and ValueError naming
    the file when it is damaged (bad JSON, a missing .npz, a hash that does not match).
    """
    directory = Path(directory)
    json_path = directory / CHECKPOINT_NAME
    if not json_path.is_file():
        raise FileNotFoundError(f"{directory}: no {CHECKPOINT_NAME} (no checkpoint has been written there)")
    try:
        meta = json.loads(json_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{json_path}: not a readable checkpoint ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{json_path}: not a deepkiso checkpoint (expected \"format\": \"{_CHECKPOINT_FORMAT}\")")
    if meta.get("version") != _CHECKPOINT_VERSION:
        raise ValueError(f"{json_path}: checkpoint version {meta.get('version')!r}, "
                         f"this deepkiso reads version {_CHECKPOINT_VERSION}")
    missing = [key for key in ("arrays", "sha256", "state", "settings") if key not in meta]
    if missing:
        raise ValueError(f"{json_path}: the checkpoint lacks {missing} (found keys {sorted(meta)})")
    arrays_path = directory / str(meta["arrays"])
    if not arrays_path.is_file():
        raise ValueError(f"{json_path}: names {arrays_path.name}, which does not exist")
    found = _sha256(arrays_path)
    if found != meta["sha256"]:
        raise ValueError(f"{arrays_path}: SHA-256 {found} does not match {meta['sha256']} "
                         f"recorded in {json_path.name} (the file is damaged)")
    with np.load(arrays_path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    return Checkpoint(state={**meta["state"], **arrays}, settings=meta["settings"],
                      json_path=json_path, arrays_path=arrays_path)
