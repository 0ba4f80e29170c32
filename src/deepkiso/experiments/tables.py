"""The tables of a sweep's report: GitHub Markdown, one row per setting, mean ± std over the seeds.

``batch_size_table`` answers the group work on the batch size (バッチサイズの決め方),
``sampling_table`` exercise 2_1's comparison of samplers; ``markdown_table`` lays out any rows.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import cast

import numpy as np

from deepkiso.experiments.groups import Group
from deepkiso.i18n import _

__all__ = ["markdown_table", "batch_size_table", "sampling_table"]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table: first column left-aligned, the others (numbers) right-aligned.

    Widths are as a terminal shows the text: a full-width (Japanese) character takes two places.
    """
    widths = [max(_width(str(x)) for x in column) for column in zip(headers, *rows)]

    def line(cells) -> str:
        padded = (
            str(c) + " " * (w - _width(str(c))) if i == 0 else " " * (w - _width(str(c))) + str(c)
            for i, (c, w) in enumerate(zip(cells, widths))
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ":" + "-" * (w + 1) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plus_minus(g: Group, metric: str, decimals: int | None = 3) -> str:
    """ "0.912 ± 0.004", or "–" when no seed has the metric.

    decimals None: as many as give the mean three significant digits (times, memory), the
    standard deviation to the same place.
    """
    mean = g.mean(metric)
    if mean is None:
        return "–"
    if decimals is None:
        decimals = max(0, 2 - math.floor(math.log10(abs(mean)))) if mean else 3
    return (
        f"{mean:.{decimals}f} ± {g.std(metric):.{decimals}f}"
        if len(g.values(metric)) > 1
        else f"{mean:.{decimals}f}"
    )


def _seeds_cell(g: Group) -> str:
    diverged = _(" ({n} diverged)").format(n=g.n_diverged) if g.n_diverged else ""
    return f"{len(g.records)}{diverged}"


def _to_target(g: Group) -> str:
    if not g.spec.get("target_accuracy"):
        return "–"
    reached = g.values("epochs_to_target")
    if not reached:
        return _("never")
    text = f"{np.mean(reached):.1f}"
    return text if len(reached) == len(g.records) else f"{text} ({len(reached)}/{len(g.records)})"


def batch_size_table(groups: Sequence[Group]) -> str:
    headers = [
        _("setting"),
        _("seeds"),
        _("test acc"),
        _("train acc"),
        _("gap (acc)"),
        _("gap (loss)"),
        _("updates"),
        _("epochs to target"),
        _("s/epoch"),
        _("step MB"),
    ]
    rows = [
        [
            g.label,
            _seeds_cell(g),
            plus_minus(g, "test_accuracy"),
            plus_minus(g, "train_accuracy"),
            plus_minus(g, "gap_accuracy"),
            plus_minus(g, "gap_loss"),
            f"{g.mean('updates'):.0f}" if g.values("updates") else "–",
            _to_target(g),
            plus_minus(g, "train_seconds_per_epoch", None),
            plus_minus(g, "step_peak_mb", None),
        ]
        for g in groups
    ]
    return markdown_table(headers, rows)


def rare_classes(g: Group) -> list[int]:
    """The classes a sampling sweep made rare (kept at imbalance_keep < 1); none otherwise."""
    return list(g.spec["imbalance_classes"]) if g.spec["imbalance_keep"] < 1 else []


def class_subset_mean(g: Group, classes: Sequence[int]) -> float | None:
    """Mean over the seeds and over classes of the per-class test accuracy; None when unmeasured."""
    means = g.per_class_mean()
    values = [m for c in classes if c < len(means) and (m := means[c]) is not None]
    return float(np.mean(values)) if values else None


def sampling_table(groups: Sequence[Group], class_names: Sequence[str] | None = None) -> str:
    rare = rare_classes(groups[0]) if groups else []
    headers = [_("sampler"), _("seeds"), _("test acc"), _("train acc"), _("gap (acc)")]
    headers += [_("worst class")] + ([_("rare classes")] if rare else [])
    headers += [_("epochs to target"), _("s/epoch")]
    rows = []
    for g in groups:
        means = g.per_class_mean()
        worst = "–"
        if means and all(m is not None for m in means):
            c = int(np.argmin(cast("list[float]", means)))  # none is None: checked above
            worst = f"{(class_names[c] if class_names else c)}: {means[c]:.3f}"
        row = [
            g.label,
            _seeds_cell(g),
            plus_minus(g, "test_accuracy"),
            plus_minus(g, "train_accuracy"),
            plus_minus(g, "gap_accuracy"),
            worst,
        ]
        if rare:
            value = class_subset_mean(g, rare)
            row.append("–" if value is None else f"{value:.3f}")
        row += [_to_target(g), plus_minus(g, "train_seconds_per_epoch", None)]
        rows.append(row)
    return markdown_table(headers, rows)
