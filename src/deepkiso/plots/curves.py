"""Figures of a training run: learning curves, a regression fit, a confusion matrix.

Exercise 2_10 asks the learner to watch the loss fall while a two-layer net
learns MNIST-format images, and exercise 2_11 to see the fitted curve of a
regression net over its data. These functions take a run's history or plain
arrays (never a live Trainer) and return a matplotlib Figure; ``deepkiso train``
and ``deepkiso evaluate`` save them as PNG files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from matplotlib.figure import Figure

from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure

__all__ = ["learning_curve_figure", "regression_fit_figure", "confusion_matrix_figure"]


class RunHistory(Protocol):
    """What the learning curves read of a run; ``deepkiso.training.History`` is one (plots import no training)."""

    @property
    def iteration_loss(self) -> Sequence[float]: ...  # one loss per mini-batch
    @property
    def epochs(self) -> Sequence[dict[str, Any]]: ...  # one row per epoch: "epoch", "train_loss", …


def _metric(history: RunHistory, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) of one per-epoch metric, leaving out epochs where it was not measured."""
    rows = [row for row in history.epochs if row.get(key) is not None]
    return np.array([row["epoch"] for row in rows]), np.array(
        [row[key] for row in rows], dtype=float
    )


def _draw_loss(ax, history: RunHistory) -> None:
    losses = np.asarray(history.iteration_loss, dtype=float)
    iterations = np.arange(1, len(losses) + 1)
    ax.plot(
        iterations, losses, color="tab:blue", linewidth=0.6, alpha=0.45, label=_("mini-batch loss")
    )
    # Each epoch's mean mini-batch loss, placed at the epoch's last iteration: the trend the noise hides.
    ends = [row["iteration"] for row in history.epochs]
    starts = [0, *ends[:-1]]
    means = [losses[a:b].mean() for a, b in zip(starts, ends) if b > a]
    if means:
        ax.plot(
            [b for a, b in zip(starts, ends) if b > a],
            means,
            color="tab:blue",
            marker="o",
            markersize=3,
            label=_("epoch mean"),
        )
    if history.epochs and history.epochs[-1].get("test_loss") is not None:
        test = [
            (row["iteration"], row["test_loss"])
            for row in history.epochs
            if row.get("test_loss") is not None
        ]
        ax.plot(
            *zip(*test),
            color="tab:orange",
            marker="s",
            markersize=3,
            label=_("test loss (per epoch)"),
        )
    finite = losses[np.isfinite(losses) & (losses > 0)]
    if finite.size and finite.max() / finite.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel(_("iteration"))
    ax.set_ylabel(_("loss"))
    ax.set_title(_("loss per iteration"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")


def _draw_epoch_metric(ax, history: RunHistory, key: str, label: str) -> None:
    """key: "accuracy" or "loss", drawn for train and test; label: its name as the figure says it."""
    splits = (("train", _("train"), "tab:blue"), ("test", _("test"), "tab:orange"))
    for split, name, color in splits:
        epochs, values = _metric(history, f"{split}_{key}")
        if values.size:
            ax.plot(epochs, values, color=color, marker="o", markersize=3, label=name)
    ax.set_xlabel(_("epoch"))
    ax.set_ylabel(label)
    ax.set_title(_("{metric} per epoch").format(metric=label))
    ax.grid(True, alpha=0.3)
    if ax.has_data():
        ax.legend(fontsize="small")


def _draw_fit(ax, x: np.ndarray, t: np.ndarray, x_line: np.ndarray, y_line: np.ndarray) -> None:
    ax.scatter(np.ravel(x), np.ravel(t), s=8, color="tab:gray", alpha=0.6, label=_("data"))
    order = np.argsort(np.ravel(x_line))
    ax.plot(
        np.ravel(x_line)[order],
        np.ravel(y_line)[order],
        color="tab:red",
        linewidth=2,
        label=_("net"),
    )
    ax.set_xlabel("x")
    ax.set_ylabel("t")
    ax.set_title(_("fitted curve"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")


def learning_curve_figure(
    history: RunHistory,
    title: str | None = None,
    fit: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Figure:
    """The learning curves of a run.

    history: a training.History (iteration_loss, and per-epoch rows).
    Left: the loss of every mini-batch, its mean per epoch and the test loss. Right: train and
    test accuracy per epoch, or, for a regression run (no accuracy), train and test loss.
    fit: (x (N,), t (N,), x_line (M,), y_line (M,)) adds a third panel with the data and the
    net's curve over it (exercise 2_11).
    """
    n_panels = 3 if fit is not None else 2
    figure = new_figure(figsize=(4.6 * n_panels, 3.8), layout="constrained")
    axes = figure.subplots(1, n_panels)
    _draw_loss(axes[0], history)
    has_accuracy = any(
        row.get("test_accuracy") is not None or row.get("train_accuracy") is not None
        for row in history.epochs
    )
    if has_accuracy:
        _draw_epoch_metric(axes[1], history, "accuracy", _("accuracy"))
    else:
        _draw_epoch_metric(axes[1], history, "loss", _("loss"))
    if fit is not None:
        _draw_fit(axes[2], *fit)
    if title:
        figure.suptitle(title)
    return figure


def regression_fit_figure(
    x: np.ndarray, t: np.ndarray, x_line: np.ndarray, y_line: np.ndarray, title: str | None = None
) -> Figure:
    """Data points (x, t), each (N,) or (N, 1), and the net's curve y_line over x_line, each (M,)."""
    figure = new_figure(figsize=(5.0, 3.8), layout="constrained")
    _draw_fit(figure.subplots(), x, t, x_line, y_line)
    if title:
        figure.suptitle(title)
    return figure


def confusion_matrix_figure(
    matrix: np.ndarray, class_names: Sequence[str] | None = None, title: str | None = None
) -> Figure:
    """matrix: (C, C) counts, rows the true class, columns the predicted one.

    Cells are coloured by the share of their row (so rare classes show as clearly as common
    ones) and labelled with their counts; class_names label the axes (default 0 … C-1).
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            _("confusion_matrix_figure: expected a square (C, C) matrix, got shape {shape}").format(
                shape=matrix.shape
            )
        )
    n = matrix.shape[0]
    names = [str(i) for i in range(n)] if class_names is None else list(class_names)
    if len(names) != n:
        raise ValueError(
            _("confusion_matrix_figure: {n} classes but {n_names} class names").format(
                n=n, n_names=len(names)
            )
        )

    row_sums = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, row_sums, out=np.zeros(matrix.shape), where=row_sums > 0)
    size = max(4.5, 0.5 * n + 2.5)
    figure = new_figure(figsize=(size + 1.0, size), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=ax, label=_("share of the true class"), shrink=0.8)
    if n <= 30:
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    str(int(matrix[i, j])),
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if shares[i, j] > 0.5 else "black",
                )
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel(_("predicted class"))
    ax.set_ylabel(_("true class"))
    ax.set_title(title or _("confusion matrix"))

    return figure
