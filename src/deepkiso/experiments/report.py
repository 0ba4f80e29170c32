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
from typing import Any

from deepkiso.experiments.groups import METRICS, Group, metric_value
from deepkiso.experiments.summary import batch_size_summary, sampling_summary
from deepkiso.experiments.tables import (
    batch_size_table,
    markdown_table,
    rare_classes,
    sampling_table,
)
from deepkiso.files import write_file_atomically
from deepkiso.i18n import _

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
        # A record written before the spec had an order is of the stored order.
        spec = {"order": "stored", **record["spec"]}
        setting = {k: v for k, v in spec.items() if k != "seed"}
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
            "order": spec.get("order", "stored"),
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
            _("{n} trial(s) failed (run the same command again to retry them):").format(
                n=len(failures)
            )
            + "\n"
            + "\n".join(f"- {f['trial_id']}: {f['error']}" for f in failures)
        )
    text = "\n\n".join(sections) + "\n"
    header = f"# {title}\n\n" if title else ""
    write_file_atomically(out / "report.md", (header + text).encode())
    files.append(out / "report.md")
    return Report(text=text, files=files)
