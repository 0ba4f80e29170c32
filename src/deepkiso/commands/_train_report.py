"""What ``deepkiso train`` shows of a run: its progress bar, the lines per epoch, the start and end
summaries and the learning-curve picture, in the language in use. The leading underscore keeps
``deepkiso.cli`` from taking this for a command.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepkiso.commands import _runs
from deepkiso.commands._run_settings import RunSettings
from deepkiso.i18n import _
from deepkiso.training import Callback, Trainer
from deepkiso.training.progress import ProgressReport

__all__ = ["Report", "curves_figure", "describe", "final_line"]


class Report(ProgressReport, Callback):
    """The Trainer's progress report (a bar per epoch on stderr, unless quiet, and a line per epoch on
    stdout), and the run's metrics files written after every epoch."""

    def __init__(self, run_dir: Path, quiet: bool):
        super().__init__(bar=not quiet)
        self.run_dir = run_dir

    def on_epoch_end(self, trainer, metrics):
        super().on_epoch_end(trainer, metrics)
        _runs.write_metrics(self.run_dir, trainer.history.epochs)


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
