"""Pictures of the experiments: accuracy and gap against the batch size, cost, learning curves, samplers.

Serve the group work on choosing the batch size (バッチサイズの決め方) and exercise 2_1 (sampling
with and without replacement). Each function takes the groups of a finished sweep — one group
per setting, holding its seeds' records (``deepkiso.experiments.groups.Group``: ``label``,
``batch_size``, ``batch_sizes``, ``lr_scaling``, ``values(metric)``, ``mean(metric)``,
``std(metric)``, ``curve(metric, x)``, ``per_class_mean()``) — and returns a matplotlib Figure.
The seeds' spread is always drawn: error bars of ± one standard deviation and each seed's value
as a faint dot, so a difference smaller than the spread is seen to be one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator
from matplotlib.typing import LineStyleType

from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure

__all__ = [
    "plot_batch_size_accuracy",
    "plot_batch_size_cost",
    "plot_learning_curves",
    "plot_sampling_accuracy",
]

# One colour per learning-rate scaling, far apart for colour-blind readers too (blue, vermilion, green).
SCALING_COLORS = {"none": "#0072B2", "linear": "#D55E00", "sqrt": "#009E73"}
SCALING_STYLES: dict[str, LineStyleType] = {"none": "-", "linear": "--", "sqrt": ":"}
# Schedules in the learning curves: red, which viridis (the batch sizes' colours) never uses.
SCHEDULE_COLOR = "#E4002B"
# Okabe–Ito, then tab10's remainder: distinguishable colours for up to 12 samplers
# (its pale yellow left out: it vanishes on white).
CATEGORY_COLORS = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8c564b",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#9467bd",
]


def _metric_name(metric: str) -> str:
    """A metric of the records as the figure says it: "test_accuracy" -> "test accuracy"."""
    names = {
        "test_accuracy": _("test accuracy"),
        "train_accuracy": _("train accuracy"),
        "gap_accuracy": _("train accuracy − test accuracy"),
        "test_loss": _("test loss"),
        "train_loss": _("train loss"),
    }
    return names.get(metric, metric.replace("_", " "))


def _capitalized(text: str) -> str:
    """text with its first letter in upper case (English titles; Japanese has none)."""
    return text[:1].upper() + text[1:]


def _fixed(groups) -> list:

    return [g for g in groups if g.batch_size is not None]


def _scalings(groups) -> list[str]:
    return list(dict.fromkeys(g.lr_scaling for g in groups))


def _batch_axis(ax, batch_sizes: Sequence[int]) -> None:
    """Log₂ x axis with a tick at each batch size of the sweep, labelled plainly."""
    ax.set_xscale("log", base=2)
    ticks = sorted(set(batch_sizes))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(b) for b in ticks])
    ax.set_xlabel(_("batch size"))
    ax.grid(True, alpha=0.3)


def _series(
    ax, groups, metric: str, color: str, style: str, label: str, scale: float = 1.0
) -> None:
    """Mean ± std of metric against the batch size, with each seed's value as a dot."""
    groups = [g for g in groups if g.values(metric)]
    if not groups:
        return
    x = np.array([g.batch_size for g in groups], dtype=float)
    mean = np.array([g.mean(metric) for g in groups]) * scale
    std = np.array([g.std(metric) for g in groups]) * scale
    ax.errorbar(
        x,
        mean,
        yerr=std,
        color=color,
        linestyle=style,
        marker="o",
        markersize=4,
        capsize=3,
        linewidth=1.6,
        label=label,
    )
    for g in groups:
        values = np.array(g.values(metric)) * scale
        ax.plot(
            np.full(len(values), g.batch_size), values, "o", color=color, alpha=0.25, markersize=3
        )


def _schedules(ax, groups, metric: str) -> None:
    """A schedule as a dash-dotted segment over the batch sizes it went through, at its final value,
    ending in a star at its last batch size; coloured like its learning-rate scaling."""
    for g in groups:
        if g.batch_size is None and g.values(metric):
            sizes = g.batch_sizes
            color = SCALING_COLORS.get(g.lr_scaling, "#555555")
            ax.plot(
                [min(sizes), max(sizes)],
                [g.mean(metric)] * 2,
                color=color,
                linestyle="-.",
                linewidth=1.4,
            )
            ax.errorbar(
                [sizes[-1]],
                [g.mean(metric)],
                yerr=[g.std(metric)],
                color=color,
                marker="*",
                markersize=12,
                markeredgecolor="black",
                capsize=3,
                linestyle="none",
                label=_("{label} (schedule)").format(label=g.label),
            )


def plot_batch_size_accuracy(groups, title: str | None = None) -> Figure:
    """Left: test accuracy (solid) and train accuracy (faint) against the batch size; right: the gap.

    One colour per learning-rate scaling; a batch-size schedule is a dash-dotted segment over its
    batch sizes ending in a star at its final batch size. Error bars: ± one standard deviation over seeds.
    """
    figure = new_figure(figsize=(11, 4.3), layout="constrained")
    acc_ax, gap_ax = figure.subplots(1, 2)
    fixed = _fixed(groups)
    all_sizes = [b for g in groups for b in g.batch_sizes]
    for scaling in _scalings(fixed):
        members = sorted((g for g in fixed if g.lr_scaling == scaling), key=lambda g: g.batch_size)
        color = SCALING_COLORS.get(scaling, "#555555")
        _series(
            acc_ax,
            members,
            "test_accuracy",
            color,
            "-",
            _("test, lr scaling {scaling}").format(scaling=scaling),
        )
        train = [g for g in members if g.values("train_accuracy")]
        if train:
            acc_ax.plot(
                [g.batch_size for g in train],
                [g.mean("train_accuracy") for g in train],
                color=color,
                linestyle=":",
                alpha=0.7,
                label=_("train, lr scaling {scaling}").format(scaling=scaling),
            )
        _series(
            gap_ax,
            members,
            "gap_accuracy",
            color,
            "-",
            _("lr scaling {scaling}").format(scaling=scaling),
        )
    _schedules(acc_ax, groups, "test_accuracy")
    _schedules(gap_ax, groups, "gap_accuracy")
    for ax in (acc_ax, gap_ax):
        _batch_axis(ax, all_sizes)
        ax.legend(fontsize=8, loc="best")
    acc_ax.set_ylabel(_("accuracy (final epoch)"))
    acc_ax.set_title(_("Test and train accuracy"))
    gap_ax.axhline(0, color="0.5", linewidth=0.8)
    gap_ax.set_ylabel(_("train accuracy − test accuracy"))
    gap_ax.set_title(_("Generalization gap"))
    if title:
        figure.suptitle(title)
    return figure


def _plain_number(value: float) -> str:
    return f"{value / 1000:g}k" if value >= 10_000 else f"{value:g}"


def _plain_numbers(axis) -> None:
    """Tick labels on a log axis as plain numbers (0.5, 2, 300, 20k), not powers of ten; minor
    ticks labelled at 2 and 5 × 10ᵏ, so an axis spanning less than a decade still has numbers."""

    def minor(value, _):
        mantissa = value / 10 ** np.floor(np.log10(value))
        return _plain_number(value) if np.isclose(mantissa, 2) or np.isclose(mantissa, 5) else ""

    axis.set_major_formatter(FuncFormatter(lambda value, _: _plain_number(value)))
    axis.set_minor_formatter(FuncFormatter(minor))


def plot_batch_size_cost(groups, title: str | None = None) -> Figure:
    """Left: seconds per epoch against the batch size, for the updates alone (solid) and with the
    evaluation (dashed); right: a training step's peak memory. Log–log, ± one standard deviation
    over every trial of the batch size (all seeds and learning-rate scalings pooled).
    """
    figure = new_figure(figsize=(11, 4.0), layout="constrained")
    time_ax, memory_ax = figure.subplots(1, 2)
    fixed = _fixed(groups)
    sizes = sorted({g.batch_size for g in fixed})
    # The cost does not depend on the learning rate: every trial of a batch size, whatever its
    # scaling, is one more measurement of it.
    # A group of the caller's own kind (replace keeps the class), so this module needs no import
    # of the report that built the groups.
    pooled = [
        dataclasses.replace(
            fixed[0],
            label=f"B={b}",
            records=[r for g in fixed if g.batch_size == b for r in g.records],
        )
        for b in sizes
    ]
    color = SCALING_COLORS["none"]
    _series(time_ax, pooled, "train_seconds_per_epoch", color, "-", _("updates only"))
    _series(time_ax, pooled, "epoch_seconds", color, "--", _("updates and evaluation"))
    measured = any(p.values("step_peak_mb") for p in pooled)
    if measured:
        _series(
            memory_ax,
            pooled,
            "step_peak_mb",
            color,
            "-",
            _("forward, backward and update of one batch"),
        )
    else:
        memory_ax.text(
            0.5,
            0.5,
            _("not measured:\nthe trials ran as threads of one process"),
            ha="center",
            va="center",
            transform=memory_ax.transAxes,
            color="0.4",
        )
    for ax in (time_ax, memory_ax) if measured else (time_ax,):
        _batch_axis(ax, sizes or [1])
        ax.set_yscale("log")
        _plain_numbers(ax.yaxis)
        ax.legend(fontsize=8, loc="best")
    if not measured:
        _batch_axis(memory_ax, sizes or [1])
        memory_ax.set_xlim(time_ax.get_xlim())
        memory_ax.set_yticks([])
    time_ax.set_ylabel(_("seconds per epoch"))
    time_ax.set_title(_("Time per epoch (one BLAS thread)"))
    memory_ax.set_ylabel(_("MB (tracemalloc peak)"))
    memory_ax.set_title(_("Memory of one training step"))
    if title:
        figure.suptitle(title)
    return figure


def _batch_colors(sizes: Sequence[int]) -> dict[int, tuple]:
    """A colour per batch size, dark (small) to light (large), evenly spaced in log₂ B.

    viridis stops at 0.85: its last, pale yellow vanishes on white.
    """
    sizes = sorted(set(sizes))
    positions = np.linspace(0, 0.85, len(sizes)) if len(sizes) > 1 else [0.0]
    return {b: colormaps["viridis"](p) for b, p in zip(sizes, positions)}


def plot_learning_curves(groups, metric: str = "test_accuracy", title: str | None = None) -> Figure:
    """The metric per epoch (left) and against the updates made (right, log scale), mean ± std over seeds.

    Batch-size sweeps: colour = batch size (dark small, light large), line style = learning-rate
    scaling, red = a batch-size schedule. Sampling sweeps: one colour per sampler.
    """
    figure = new_figure(figsize=(11.5, 4.3), layout="constrained")
    epoch_ax, update_ax = figure.subplots(1, 2)
    by_batch = any(g.experiment == "batch-size" for g in groups)
    batch_colors = _batch_colors([g.batch_size for g in _fixed(groups)]) if by_batch else {}
    handles = []
    for i, g in enumerate(groups):
        if by_batch:
            color = SCHEDULE_COLOR if g.batch_size is None else batch_colors[g.batch_size]
            style = SCALING_STYLES.get(g.lr_scaling, "-")
        else:
            color, style = CATEGORY_COLORS[i % len(CATEGORY_COLORS)], "-"
            handles.append(Line2D([], [], color=color, linestyle=style, label=g.label))
        for ax, x_name in ((epoch_ax, "epoch"), (update_ax, "iteration")):
            x, mean, std = g.curve(metric, x_name)
            if len(x):
                ax.plot(x, mean, color=color, linestyle=style, linewidth=1.5)
                ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.15, linewidth=0)
    if by_batch:
        handles += [Line2D([], [], color=c, label=f"B={b}") for b, c in batch_colors.items()]
        handles += [
            Line2D(
                [],
                [],
                color=SCHEDULE_COLOR,
                linestyle=SCALING_STYLES.get(g.lr_scaling, "-"),
                label=g.label,
            )
            for g in groups
            if g.batch_size is None
        ]
        scalings = _scalings(groups)
        if len(scalings) > 1:
            handles += [
                Line2D(
                    [],
                    [],
                    color="0.3",
                    linestyle=SCALING_STYLES.get(s, "-"),
                    label=_("lr scaling {scaling}").format(scaling=s),
                )
                for s in scalings
            ]
    pretty = _metric_name(metric)
    epoch_ax.set_xlabel(_("epoch"))
    update_ax.set_xlabel(_("updates (log scale)"))
    update_ax.set_xscale("log")
    low, high = update_ax.get_xlim()
    # Ticks at 1, 2, 5 × 10ᵏ while the updates span few decades (so there are some), at 10ᵏ beyond.
    update_ax.xaxis.set_major_locator(
        LogLocator(base=10, subs=(1, 2, 5) if high / low < 300 else (1,))
    )
    update_ax.xaxis.set_minor_locator(NullLocator())
    _plain_numbers(update_ax.xaxis)
    for ax in (epoch_ax, update_ax):
        ax.set_ylabel(pretty)
        ax.grid(True, alpha=0.3)
    epoch_ax.set_title(_capitalized(_("{metric} per epoch").format(metric=pretty)))
    update_ax.set_title(_capitalized(_("{metric} against updates made").format(metric=pretty)))
    figure.legend(handles=handles, loc="outside right center", fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


def plot_sampling_accuracy(
    groups,
    class_names: Sequence[str] | None = None,
    rare_classes: Sequence[int] = (),
    title: str | None = None,
) -> Figure:
    """Left: test accuracy per sampler (bar = mean, error bar = ± std, dots = seeds);
    right: test accuracy per class and sampler as a heat map with the numbers written in.

    rare_classes: the classes an imbalanced run thinned out; their columns are marked with "*".
    """
    n_classes = max((len(g.per_class_mean()) for g in groups), default=0)
    class_names = list(class_names) if class_names else [str(c) for c in range(n_classes)]
    figure = new_figure(figsize=(12, 0.42 * len(groups) + 2.6), layout="constrained")
    bar_ax, heat_ax = figure.subplots(1, 2, width_ratios=[1, 1.7])
    y = np.arange(len(groups))
    for i, g in enumerate(groups):
        values = g.values("test_accuracy")
        color = CATEGORY_COLORS[i % len(CATEGORY_COLORS)]
        if values:
            bar_ax.barh(
                i,
                g.mean("test_accuracy"),
                xerr=g.std("test_accuracy"),
                color=color,
                alpha=0.75,
                capsize=3,
            )
            bar_ax.plot(
                values, np.full(len(values), i), "o", color="black", markersize=3, alpha=0.6
            )
    bar_ax.set_yticks(y, [g.label for g in groups])
    bar_ax.invert_yaxis()
    bar_ax.set_xlabel(_("test accuracy (final epoch)"))
    bar_ax.set_title(_("Overall test accuracy"))
    bar_ax.grid(True, axis="x", alpha=0.3)
    grid = np.full((len(groups), n_classes), np.nan)
    for i, g in enumerate(groups):
        means = g.per_class_mean()
        grid[i, : len(means)] = [np.nan if m is None else m for m in means]
    image = heat_ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for (i, c), value in np.ndenumerate(grid):
        if np.isfinite(value):
            heat_ax.text(
                c,
                i,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value < 0.6 else "black",
            )
    rare = {int(c) for c in rare_classes}
    labels = [f"{name}*" if c in rare else name for c, name in enumerate(class_names[:n_classes])]
    heat_ax.set_xticks(np.arange(n_classes), labels, rotation=35, ha="right", fontsize=8)
    heat_ax.set_yticks(y, [g.label for g in groups])
    heat_ax.set_title(
        _("Test accuracy per class (* = thinned-out class)")
        if rare
        else _("Test accuracy per class")
    )
    figure.colorbar(image, ax=heat_ax, shrink=0.8, label=_("accuracy"))
    if title:
        figure.suptitle(title)
    return figure
