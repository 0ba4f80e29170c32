"""What ``deepkiso train`` shows of a run: its progress bar, the lines per epoch, the start and end
summaries and the learning-curve picture, in the language in use. The leading underscore keeps
``deepkiso.cli`` from taking this for a command.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from deepkiso.commands import _runs
from deepkiso.commands._run_settings import RunSettings
from deepkiso.i18n import _
from deepkiso.training import Callback, Trainer

__all__ = ["Report", "curves_figure", "describe", "epoch_line", "final_line"]


class Report(Callback):
    """Progress bar per epoch (stderr), one summary line per epoch (stdout), metrics files."""

    def __init__(self, run_dir: Path, quiet: bool):
        self.run_dir = run_dir
        self.quiet = quiet
        self.bar = None
        self.loss_sum = 0.0
        self.n_losses = 0
        self.next_refresh = 0.0

    def on_epoch_start(self, trainer, n_batches):
        from tqdm import (
            tqdm,  # here: a usage error should not wait for it (imported once, then cached)
        )

        self.bar = tqdm(
            total=n_batches,
            desc=_("epoch {epoch}/{epochs}").format(
                epoch=trainer.epoch + 1, epochs=trainer.n_epochs
            ),
            unit="batch",
            file=sys.stderr,
            leave=False,
            disable=self.quiet,
            dynamic_ncols=True,
        )
        self.loss_sum, self.n_losses, self.next_refresh = 0.0, 0, 0.0

    def close_bar(self) -> None:
        """Take the epoch's progress bar off the screen (it is drawn with leave=False)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def on_iteration(self, trainer, loss):
        self.loss_sum += loss
        self.n_losses += 1
        self.bar.update()
        # Formatting the postfix costs more than the update itself: only when the bar is redrawn.
        now = time.monotonic()
        if now >= self.next_refresh and not self.quiet:
            self.bar.set_postfix_str(
                _("loss {loss:.4f}").format(loss=self.loss_sum / self.n_losses), refresh=False
            )
            self.next_refresh = now + 0.2

    def on_epoch_end(self, trainer, metrics):
        self.close_bar()
        print(epoch_line(trainer.n_epochs, metrics), flush=True)
        _runs.write_metrics(self.run_dir, trainer.history.epochs)


def epoch_line(n_epochs: int, metrics: dict[str, Any]) -> str:
    width = len(str(n_epochs))
    parts = [
        _("epoch {epoch}/{epochs}").format(epoch=f"{metrics['epoch']:>{width}}", epochs=n_epochs)
    ]
    for key, label in (
        ("train_loss", _("loss {value:.4f}")),
        ("train_accuracy", _("train acc {value:.4f}")),
        ("test_loss", _("test loss {value:.4f}")),
        ("test_accuracy", _("test acc {value:.4f}")),
    ):
        if metrics.get(key) is not None:
            parts.append(label.format(value=metrics[key]))
    parts.append(_("{seconds:.1f} s").format(seconds=metrics["seconds"]))
    return "  ".join(parts)


def describe(
    settings: RunSettings, net, n_train: int, n_test: int, run_dir: Path, trainer: Trainer
) -> str:
    sizes = "-".join(str(s) for s in (net.input_size, *net.hidden_sizes, net.output_size))
    values = dict(
        model=settings.model,
        sizes=sizes,
        activation=settings.activation,
        loss=settings.loss,
        dataset=settings.dataset,
        n_train=n_train,
        n_test=n_test,
        optimizer=settings.optimizer,
        lr=settings.lr,
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        run_dir=run_dir,
    )
    if trainer.iteration:
        return _(
            "resuming at epoch {epoch}, iteration {iteration}: {model} {sizes} ({activation}, "
            "{loss}) on {dataset} ({n_train} train / {n_test} test), {optimizer} lr {lr:g}, "
            "batch {batch_size}, {epochs} epochs -> {run_dir}"
        ).format(epoch=trainer.epoch + 1, iteration=trainer.iteration + 1, **values)
    return _(
        "training: {model} {sizes} ({activation}, {loss}) on {dataset} ({n_train} train / "
        "{n_test} test), {optimizer} lr {lr:g}, batch {batch_size}, {epochs} epochs -> {run_dir}"
    ).format(**values)


def final_line(trainer: Trainer, run_dir: Path, curves: Path) -> str:
    last = trainer.history.epochs[-1]
    result = (
        _("test accuracy {value:.4f}").format(value=last["test_accuracy"])
        if last.get("test_accuracy") is not None
        else _("test loss {value:.5f}").format(value=last["test_loss"])
    )
    return _(
        "done: {result} after {epochs} epochs; run directory {run_dir}, curves {curves}"
    ).format(result=result, epochs=last["epoch"], run_dir=run_dir, curves=curves)


def curves_figure(
    settings: RunSettings, trainer: Trainer, x_train: np.ndarray, t_train: np.ndarray
):
    sizes = "-".join(str(size) for size in settings.layer_sizes)
    title = _(
        "{dataset}: {model} {sizes} ({activation}), {optimizer} lr {lr:g}, batch {batch_size}"
    ).format(
        dataset=settings.dataset,
        model=settings.model,
        sizes=sizes,
        activation=settings.activation,
        optimizer=settings.optimizer,
        lr=settings.lr,
        batch_size=settings.batch_size,
    )
    fit = None
    if settings.task == "regression" and x_train.shape[1] == 1 and t_train.shape[1] == 1:
        x_line = np.linspace(x_train.min(), x_train.max(), 400, dtype=x_train.dtype).reshape(-1, 1)
        fit = (x_train[:, 0], t_train[:, 0], x_line[:, 0], trainer.net.predict(x_line)[:, 0])
    # Imported here: matplotlib takes a moment to load, and `--help` and usage errors should not wait for it.
    from deepkiso.plots.curves import learning_curve_figure

    return learning_curve_figure(trainer.history, title=title, fit=fit)
