"""What a finished sweep shows: tables (CSV, Markdown), pictures and a plain-language summary.

Answers the group work's questions on the batch size (バッチサイズの決め方) and exercise 2_1's
comparison of samplers from the numbers themselves: the trials of one setting (one batch size
and learning-rate scaling, one schedule, or one sampler) are grouped over their seeds, each
metric is given as mean ± standard deviation over the seeds, and the summary sentences are
generated from those means and spreads — a difference smaller than the seeds' spread is called
one. ``write_report`` writes everything into the sweep's folder:

    results.csv          one row per trial
    summary.csv          one row per setting: n seeds, mean and std of every metric
    report.md            the Markdown table, the summary and any failed trials
    batch_size.png, batch_size_cost.png, learning_curves.png     (batch-size sweeps)
    sampling.png, learning_curves.png                            (sampling sweeps)
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from deepkiso.experiments.groups import METRICS, Group, metric_value
from deepkiso.experiments.tables import (
    batch_size_table,
    class_subset_mean,
    markdown_table,
    plus_minus,
    rare_classes,
    sampling_table,
)
from deepkiso.files import write_file_atomically

__all__ = [
    "Group",
    "Report",
    "group_results",
    "trial_rows",
    "summary_rows",
    "markdown_table",
    "batch_size_summary",
    "sampling_summary",
    "write_report",
    "METRICS",
]

_SCALING_ORDER = {"none": 0, "linear": 1, "sqrt": 2}


def _group_order(group: Group) -> tuple:
    if group.experiment == "sampling":
        return (0,)
    return (_SCALING_ORDER.get(group.lr_scaling, 9), group.batch_size is None, group.batch_sizes)


def group_results(results: Sequence[dict[str, Any]]) -> list[Group]:
    """The records grouped by setting (all fields but the seed). Batch-size sweeps are ordered by
    scaling, then batch size, schedules last; sampling sweeps keep the order of the first trials."""
    groups: dict[str, Group] = {}
    for record in results:
        setting = {k: v for k, v in record["spec"].items() if k != "seed"}
        key = repr(sorted(setting.items()))
        groups.setdefault(key, Group(label=record["label"])).records.append(record)
    return sorted(groups.values(), key=_group_order)  # sorted() is stable: sampling keeps its order


def trial_rows(
    results: Sequence[dict[str, Any]], class_names: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One flat row per trial for results.csv: settings, status, METRICS, and per-class accuracy."""
    rows = []
    for record in results:
        spec = record["spec"]
        row = {
            "trial_id": record["trial_id"],
            "label": record["label"],
            "seed": spec["seed"],
            "batch_sizes": "→".join(str(b) for b, _ in spec["phases"]),
            "lr_scaling": spec["lr_scaling"],
            "lr": ";".join(f"{lr:.6g}" for lr in record["lr"]),
            "sampler": spec["sampler"],
            "status": record["status"],
        }
        row.update({name: metric_value(record, name) for name in METRICS})
        for c, accuracy in enumerate(record.get("per_class_test_accuracy") or []):
            name = class_names[c] if class_names and c < len(class_names) else str(c)
            row[f"test_accuracy[{name}]"] = accuracy
        rows.append(row)
    return rows


def summary_rows(groups: Sequence[Group]) -> list[dict[str, Any]]:
    """One row per group for summary.csv: label, seeds, diverged, and mean/std of every metric."""
    rows = []
    for g in groups:
        row: dict[str, Any] = {
            "label": g.label,
            "n_seeds": len(g.records),
            "n_diverged": g.n_diverged,
        }
        for name in METRICS:
            row[f"{name}_mean"], row[f"{name}_std"] = g.mean(name), g.std(name)
        rows.append(row)
    return rows


def _csv_text(rows: Sequence[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return out.getvalue()


# -- the summary in words -------------------------------------------------------------------------


def _mean(group: Group, metric: str) -> float:
    """group's mean of a metric its caller knows was measured (the test accuracy of a group with
    values, ...)."""
    mean = group.mean(metric)
    assert mean is not None, f"{group.label}: {metric} was not measured"
    return mean


def _size(group: Group) -> int:
    """The batch size of a group of one batch size (the groups of ``_ok_fixed``)."""
    size = group.batch_size
    assert size is not None, f"{group.label}: a schedule of batch sizes"
    return size


def _spread(*groups: Group, metric: str) -> float:
    """The larger of the groups' seed spreads (std) of metric; 0 when unknown."""
    return max([g.std(metric) or 0.0 for g in groups], default=0.0)


def _compare(difference: float, spread: float) -> str:
    if spread == 0:
        return "(a single seed: no spread to compare with)"
    return (
        f"larger than the seeds' spread (± {spread:.3f})"
        if abs(difference) > spread
        else f"within the seeds' spread (± {spread:.3f})"
    )


def _rank_correlation(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (no ties expected among batch sizes)."""
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    if np.std(rx) == 0 or np.std(ry) == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def _ok_fixed(groups: Sequence[Group], scaling: str) -> list[Group]:
    return sorted(
        (
            g
            for g in groups
            if g.batch_size is not None and g.lr_scaling == scaling and g.values("test_accuracy")
        ),
        key=_size,
    )


def _gap_sentence(row: list[Group], scaling: str) -> str:
    small, large = row[0], row[-1]
    g0, g1 = _mean(small, "gap_accuracy"), _mean(large, "gap_accuracy")
    difference, spread = g1 - g0, _spread(small, large, metric="gap_accuracy")
    trend = (
        "grows"
        if difference > max(spread, 0.002)
        else "shrinks"
        if difference < -max(spread, 0.002)
        else "hardly changes"
    )
    rho = _rank_correlation([_size(g) for g in row], [_mean(g, "gap_accuracy") for g in row])
    steady = " steadily" if len(row) >= 3 and abs(rho) >= 0.8 and trend != "hardly changes" else ""
    return (
        f"Generalization gap (train − test accuracy, learning rate {scaling}): {g0:+.3f} at batch "
        f"{small.batch_size} and {g1:+.3f} at batch {large.batch_size} — it{steady} {trend} with the batch "
        f"size (a change of {difference:+.3f}, {_compare(difference, spread)}"
        + (f"; rank correlation with the batch size {rho:+.2f}" if len(row) >= 3 else "")
        + f"). In loss terms (test − train): {small.mean('gap_loss'):+.3f} → "
        f"{large.mean('gap_loss'):+.3f}."
    )


def _accuracy_sentence(row: list[Group]) -> str:
    best = max(row, key=lambda g: _mean(g, "test_accuracy"))
    small, large = row[0], row[-1]
    ends = [
        f"{plus_minus(g, 'test_accuracy')} at batch {g.batch_size}"
        for g in (small, large)
        if g is not best
    ]
    text = (
        f"Test accuracy is highest at batch {best.batch_size} ({plus_minus(best, 'test_accuracy')}); "
        f"it is {' and '.join(ends)}."
    )
    budget = small.spec["budget"]
    if budget == "epochs":
        text += (
            f" With equal epochs, batch {large.batch_size} makes {large.mean('updates'):.0f} updates against "
            f"{small.mean('updates'):.0f} at batch {small.batch_size}: part of what large batches lose is "
            f"simply fewer steps (Hoffer et al. 2017; compare --budget updates)."
        )
    else:
        text += (
            f" With equal updates ({small.mean('updates'):.0f}), batch {large.batch_size} trains "
            f"{large.mean('epochs'):.0f} epochs against {small.mean('epochs'):.0f} at batch {small.batch_size}."
        )
    return text


def _recovery(best: Group, fixed: Group, scaled: Group) -> str:
    """ "512: 40 % (0.848 vs 0.844)": how much of fixed's shortfall against best the scaled rate wins back."""
    lost = _mean(best, "test_accuracy") - _mean(fixed, "test_accuracy")
    a_fixed, a_scaled = _mean(fixed, "test_accuracy"), _mean(scaled, "test_accuracy")
    share = (a_scaled - a_fixed) / lost
    verdict = "none" if share <= 0 else "all" if share >= 1 else f"{100 * share:.0f} %"
    return f"{fixed.batch_size}: {verdict} ({a_scaled:.3f} vs {a_fixed:.3f})"


def _scaling_sentence(groups: Sequence[Group], scaling: str) -> str | None:
    """What scaling the learning rate did against a fixed rate, batch size by batch size."""
    by_none = {g.batch_size: g for g in _ok_fixed(groups, "none")}
    scaled_row = _ok_fixed(groups, scaling)
    all_scaled = [g for g in groups if g.batch_size is not None and g.lr_scaling == scaling]
    if not by_none:
        return None
    best = max(by_none.values(), key=lambda g: _mean(g, "test_accuracy"))
    parts = []
    losers = [
        g
        for g in scaled_row
        if _size(g) > _size(best)
        and g.batch_size in by_none
        and _mean(best, "test_accuracy") - _mean(by_none[g.batch_size], "test_accuracy")
        > max(_spread(best, by_none[g.batch_size], metric="test_accuracy"), 0.002)
    ]
    if losers:
        parts.append(
            f"{scaling.capitalize()} scaling of the learning rate wins back, of the test accuracy a fixed "
            f"rate loses against batch {best.batch_size} ({best.mean('test_accuracy'):.3f}), at batch "
            + ", ".join(_recovery(best, by_none[g.batch_size], g) for g in losers)
            + "."
        )
    elif scaled_row:
        parts.append(
            f"A fixed learning rate loses little above batch {best.batch_size}, so {scaling} scaling has "
            f"little to win back."
        )
    below = [
        g
        for g in scaled_row
        if g.batch_size < g.spec["base_batch_size"] and g.batch_size in by_none
    ]
    if below:
        g = below[0]
        parts.append(
            f"Below the base batch size it lowers the rate: at batch {g.batch_size}, {scaling} gives "
            f"{g.mean('test_accuracy'):.3f} against {by_none[g.batch_size].mean('test_accuracy'):.3f}."
        )
    n_classes = len(best.per_class_mean())
    at_chance = [g for g in scaled_row if n_classes and _mean(g, "test_accuracy") < 1.5 / n_classes]
    if at_chance:
        sizes = ", ".join(str(g.batch_size) for g in at_chance)
        rates = ", ".join(f"{g.records[0]['lr'][0]:.3g}" for g in at_chance)
        parts.append(
            f"At batch {sizes} (learning rate {rates}) it ends near chance level: the scaled rate is "
            f"past what this net tolerates."
        )
    diverged = [g for g in all_scaled if g.n_diverged]
    if diverged:
        n, total = sum(g.n_diverged for g in diverged), sum(len(g.records) for g in all_scaled)
        hint = "" if diverged[0].spec["warmup_epochs"] else "; a warm-up (--warmup-epochs) may help"
        parts.append(
            f"{n} of {total} trials diverged, at batch "
            f"{', '.join(str(g.batch_size) for g in diverged)}{hint}."
        )
    return " ".join(parts) or None


def _cost_sentence(row: list[Group]) -> str | None:
    timed = [g for g in row if g.values("train_seconds_per_epoch")]
    if len(timed) < 2:
        return None
    small, large = timed[0], timed[-1]
    t0, t1 = _mean(small, "train_seconds_per_epoch"), _mean(large, "train_seconds_per_epoch")
    m0, m1 = small.mean("step_peak_mb"), large.mean("step_peak_mb")
    speed = f"{t0 / t1:.1f}× faster" if t1 < t0 else f"{t1 / t0:.1f}× slower"
    sentence = (
        f"Cost: one epoch of updates takes {t0:.3g} s at batch {small.batch_size} and {t1:.3g} s at batch "
        f"{large.batch_size} ({speed}; one BLAS thread per trial)"
    )
    if m0 is None or m1 is None:  # trials that ran as threads of one process are not measured
        return sentence + "."
    return (
        f"{sentence}, while a training step's peak memory grows from {m0:.3g} MB to {m1:.3g} MB "
        f"({m1 / m0:.0f}× for a {_size(large) // _size(small)}× larger batch)."
    )


def _target_sentence(groups: Sequence[Group]) -> str | None:
    target = groups[0].spec.get("target_accuracy") if groups else None
    if not target:
        return None
    reached = [g for g in groups if len(g.values("epochs_to_target")) == len(g.records)]
    never = [g.label for g in groups if not g.values("epochs_to_target")]
    if not reached:
        return f"No setting reached the target test accuracy {target:g} in every seed."
    fewest_epochs = min(reached, key=lambda g: _mean(g, "epochs_to_target"))
    fewest_seconds = min(reached, key=lambda g: _mean(g, "seconds_to_target"))
    text = (
        f"Target test accuracy {target:g}: reached in the fewest epochs by {fewest_epochs.label} "
        f"({fewest_epochs.mean('epochs_to_target'):.1f}) and in the least time by {fewest_seconds.label} "
        f"({fewest_seconds.mean('seconds_to_target'):.2f} s)"
    )
    return text + (f"; never reached by {', '.join(never)}." if never else ".")


def _schedule_sentences(groups: Sequence[Group]) -> list[str]:
    lines = []
    for g in groups:
        if g.batch_size is not None or not g.values("test_accuracy"):
            continue
        fixed = {f.batch_size: f for f in _ok_fixed(groups, g.lr_scaling)}
        text = (
            f"Growing the batch ({g.label}, {sum(e for _, e in g.spec['phases'])} epochs) ends at test accuracy "
            f"{plus_minus(g, 'test_accuracy')} after {g.mean('updates'):.0f} updates, gap {g.mean('gap_accuracy'):+.3f}"
        )
        comparisons = [
            f"fixed batch {b}: {fixed[b].mean('test_accuracy'):.3f} after {fixed[b].mean('updates'):.0f} "
            f"updates in {fixed[b].mean('epochs'):.0f} epochs"
            for b in dict.fromkeys((g.batch_sizes[0], g.batch_sizes[-1]))
            if b in fixed
        ]
        lines.append(text + ("; " + "; ".join(comparisons) if comparisons else "") + ".")
    return lines


def batch_size_summary(groups: Sequence[Group]) -> list[str]:
    """Sentences on the batch-size sweep, from its numbers: the gap's trend, accuracy, learning-rate
    scaling, cost, time to the target accuracy, schedules."""
    lines: list[str | None] = []
    scalings = list(dict.fromkeys(g.lr_scaling for g in groups))
    reference = "none" if "none" in scalings else scalings[0]
    row = _ok_fixed(groups, reference)
    if len(row) >= 2:
        lines += [_gap_sentence(row, reference), _accuracy_sentence(row)]
    for scaling in scalings:
        if scaling != "none" and "none" in scalings:
            lines.append(_scaling_sentence(groups, scaling))
    lines += _schedule_sentences(groups)
    lines += [_cost_sentence(row) if row else None, _target_sentence(groups)]
    return [line for line in lines if line]


def sampling_summary(
    groups: Sequence[Group], class_names: Sequence[str] | None = None
) -> list[str]:
    """Sentences on the sampling sweep, from its numbers: ranking, with vs without replacement, the
    rare classes (imbalanced runs), and what ordering by label did."""
    ok = [g for g in groups if g.values("test_accuracy")]
    if not ok:
        return []
    by_label = {g.label: g for g in ok}
    ranked = sorted(ok, key=lambda g: -_mean(g, "test_accuracy"))
    lines = [
        "Test accuracy, best first: "
        + ", ".join(f"{g.label} {plus_minus(g, 'test_accuracy')}" for g in ranked)
        + "."
    ]
    if "replacement" in by_label and "shuffle" in by_label:
        a, b = by_label["replacement"], by_label["shuffle"]
        difference = _mean(a, "test_accuracy") - _mean(b, "test_accuracy")
        lines.append(
            f"With replacement (復元抽出) against without (非復元抽出, shuffle every epoch): "
            f"{a.mean('test_accuracy'):.3f} vs {b.mean('test_accuracy'):.3f}, a difference of "
            f"{difference:+.3f}, {_compare(difference, _spread(a, b, metric='test_accuracy'))}."
        )
    rare = rare_classes(ok[0])
    name = (lambda c: class_names[c]) if class_names else str
    if rare:
        keep = ok[0].spec["imbalance_keep"]
        rare_means = {g.label: class_subset_mean(g, rare) for g in ok}
        known = {k: v for k, v in rare_means.items() if v is not None}
        if known:
            order = sorted(known, key=lambda k: -known[k])
            lines.append(
                f"On the thinned-out classes ({', '.join(name(c) for c in rare)}: {keep:.0%} of their training "
                f"samples kept) test accuracy is "
                + ", ".join(f"{k} {known[k]:.3f}" for k in order)
                + "."
            )
            if "shuffle" in known and order[0] != "shuffle":
                best = by_label[order[0]]
                lines.append(
                    f"{order[0]} lifts them by {known[order[0]] - known['shuffle']:+.3f} over shuffle, "
                    f"changing overall test accuracy by "
                    f"{_mean(best, 'test_accuracy') - _mean(by_label['shuffle'], 'test_accuracy'):+.3f}."
                )
    elif "shuffle" in by_label:
        means = by_label["shuffle"].per_class_mean()
        if means and all(m is not None for m in means):
            c = int(np.argmin(cast("list[float]", means)))  # none is None: checked above
            lines.append(f"The hardest class with shuffling is {name(c)} ({means[c]:.3f}).")
    if "rare-first" in by_label and "shuffle" in by_label:
        drop = _mean(by_label["shuffle"], "test_accuracy") - _mean(
            by_label["rare-first"], "test_accuracy"
        )
        if drop > max(
            0.05, _spread(by_label["shuffle"], by_label["rare-first"], metric="test_accuracy")
        ):
            lines.append(
                f"rare-first is {drop:.3f} below shuffle: it hands the labels over one after another within "
                f"each epoch, rarest first, so the batches that end every epoch hold only the most frequent "
                f"labels and overwrite what the earlier ones taught (see the per-class picture)."
            )
    return lines


# -- writing it all -------------------------------------------------------------------------------------


@dataclass
class Report:
    """What write_report produced: ``text`` (Markdown: the table and the summary) and the files written."""

    text: str
    files: list[Path]


def _save_figure(figure, path: Path, dpi: int) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    write_file_atomically(path, buffer.getvalue())


def write_report(
    out_dir: str | os.PathLike,
    results: Sequence[dict[str, Any]],
    failures: Sequence[dict[str, Any]] = (),
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    dpi: int = 100,
) -> Report:
    """Write the CSV tables, report.md and the pictures of a sweep into out_dir; return the text.

    results: finished trial records (``SweepOutcome.results``); failures: failed trials' records.
    class_names: names of the classes, for the per-class columns and pictures.
    """
    from deepkiso.plots import experiments as plots

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    groups = group_results(results)
    files = []
    sections = []
    if groups:
        write_file_atomically(
            out / "results.csv", _csv_text(trial_rows(results, class_names)).encode()
        )
        write_file_atomically(out / "summary.csv", _csv_text(summary_rows(groups)).encode())
        files += [out / "results.csv", out / "summary.csv"]
        if groups[0].experiment == "batch-size":
            table, summary = batch_size_table(groups), batch_size_summary(groups)
            figures = {
                "batch_size.png": plots.plot_batch_size_accuracy(groups, title),
                "batch_size_cost.png": plots.plot_batch_size_cost(groups, title),
                "learning_curves.png": plots.plot_learning_curves(groups, title=title),
            }
        else:
            table, summary = (
                sampling_table(groups, class_names),
                sampling_summary(groups, class_names),
            )
            figures = {
                "sampling.png": plots.plot_sampling_accuracy(
                    groups, class_names, rare_classes(groups[0]), title
                ),
                "learning_curves.png": plots.plot_learning_curves(groups, title=title),
            }
        for name, figure in figures.items():
            _save_figure(figure, out / name, dpi)
            files.append(out / name)
        sections += [table, "\n".join(f"- {line}" for line in summary)]
    if failures:
        sections.append(
            f"{len(failures)} trial(s) failed (run the same command again to retry them):\n"
            + "\n".join(f"- {f['trial_id']}: {f['error']}" for f in failures)
        )
    text = "\n\n".join(sections) + "\n"
    header = f"# {title}\n\n" if title else ""
    write_file_atomically(out / "report.md", (header + text).encode())
    files.append(out / "report.md")
    return Report(text=text, files=files)
