"""The trials of one setting grouped over their seeds: the rows of the tables and the points of the pictures.

A ``Group`` holds the finished records of one setting (one per seed) and gives each metric's
values, mean and spread over the seeds and the mean learning curve. The report builds them and
the pictures (``deepkiso.plots.experiments``) read them; a leaf module of plain data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Group", "METRICS", "metric_value"]

# The per-trial numbers that are averaged over seeds, in table order.
METRICS = (
    "test_accuracy",
    "train_accuracy",
    "test_loss",
    "train_loss",
    "gap_accuracy",
    "gap_loss",
    "epochs",
    "updates",
    "epochs_to_target",
    "updates_to_target",
    "seconds_to_target",
    "train_seconds_per_epoch",
    "epoch_seconds",
    "step_peak_mb",
    "seconds",
)
_MB = 1e6


def metric_value(record: dict[str, Any], name: str) -> float | None:
    """One number of a trial's record by its METRICS name (None where not measured)."""
    measurements = record.get("measurements", {})
    if name in record.get("final", {}):
        value = record["final"][name]
    elif name == "step_peak_mb":
        value = measurements.get("step_peak_bytes")
        value = None if value is None else value / _MB
    elif name in measurements:
        value = measurements[name]
    else:
        value = record.get(name)
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


@dataclass
class Group:
    """The trials of one setting, one per seed: what the tables and pictures show as one row or point."""

    label: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def spec(self) -> dict[str, Any]:
        return self.records[0]["spec"]

    @property
    def experiment(self) -> str:
        return self.spec["experiment"]

    @property
    def batch_sizes(self) -> tuple[int, ...]:
        return tuple(b for b, _ in self.spec["phases"])

    @property
    def batch_size(self) -> int | None:
        """The batch size, or None for a schedule of several."""
        return self.batch_sizes[0] if len(self.batch_sizes) == 1 else None

    @property
    def lr_scaling(self) -> str:
        return self.spec["lr_scaling"]

    @property
    def seeds(self) -> list[int]:
        return [r["spec"]["seed"] for r in self.records]

    @property
    def n_diverged(self) -> int:
        return sum(r["status"] == "diverged" for r in self.records)

    def values(self, metric: str) -> list[float]:
        """The metric of each seed that has it (diverged trials and unreached targets left out)."""
        return [v for v in (metric_value(r, metric) for r in self.records) if v is not None]

    def mean(self, metric: str) -> float | None:
        values = self.values(metric)
        return float(np.mean(values)) if values else None

    def std(self, metric: str) -> float | None:
        """Sample standard deviation over seeds (0 for a single seed)."""
        values = self.values(metric)
        if not values:
            return None
        return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0

    def curve(self, metric: str, x: str = "epoch") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x (E,), mean (E,), std (E,)) of a per-epoch metric over the seeds that did not diverge.

        x: "epoch" or "iteration" (updates made). Seeds share the same epochs, so they align.
        """
        curves = [r["curves"] for r in self.records if r["status"] == "ok" and r["curves"]]
        if not curves:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        length = min(len(c) for c in curves)
        values = np.array([[row[metric] for row in c[:length]] for c in curves], dtype=float)
        return (
            np.array([row[x] for row in curves[0][:length]], dtype=float),
            values.mean(axis=0),
            values.std(axis=0, ddof=1) if len(curves) > 1 else np.zeros(length),
        )

    def per_class_mean(self) -> list[float | None]:
        """Test accuracy per class, mean over the seeds that did not diverge."""
        rows = [
            r["per_class_test_accuracy"] for r in self.records if r.get("per_class_test_accuracy")
        ]
        if not rows:
            return []
        return [
            None if any(v is None for v in column) else float(np.mean(column))
            for column in zip(*rows)
        ]
