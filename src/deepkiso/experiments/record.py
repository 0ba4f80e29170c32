"""A trial's record, typed: what one trial gave, summarised from what its run measured.

``TrialRun`` is what ``trial`` collects while it trains (one row per epoch, the
updates made, the learning rates, …); ``TrialRecord.from_run`` summarises it
(the final metrics, the gaps, when the target accuracy was reached) and
``to_dict`` gives the JSON-ready record that sweeps store and reports read
(its keys are listed in ``trial``'s docstring). ``from_dict`` reads one back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from deepkiso.experiments.spec import TrialSpec
from deepkiso.i18n import _

__all__ = ["TrialRun", "TrialRecord", "CURVE_KEYS", "FINAL_KEYS"]

# One row of a record's curves, per epoch.
CURVE_KEYS = (
    "epoch",
    "iteration",
    "batch_size",
    "lr",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
)
FINAL_KEYS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")


@dataclass(frozen=True)
class TrialRun:
    """What a trial measured while it trained.

    epoch_rows: one dict per epoch with CURVE_KEYS and "seconds" (the epoch's, evaluation included).
    train_seconds: per epoch, without the evaluation.
    lrs: the learning rate of each phase, after scaling.
    diverged_at: {"epoch", "iteration", "message"} when the loss stopped being finite, else None.
    measurements: seconds, step_peak_bytes, blas_threads (completed by the summary).
    """

    epoch_rows: list[dict[str, Any]]
    train_seconds: list[float]
    epochs: int
    updates: int
    lrs: list[float]
    class_counts: list[int]
    per_class: list[float | None] | None
    diverged_at: dict[str, Any] | None
    measurements: dict[str, Any]


@dataclass(frozen=True)
class TrialRecord:
    """One trial's result; see ``trial`` for what each field holds."""

    trial_id: str
    status: Literal["ok", "diverged"]
    spec: dict[str, Any]
    label: str
    final: dict[str, float | None]
    gap_accuracy: float | None
    gap_loss: float | None
    epochs: int
    updates: int
    lr: list[float]
    n_train: int
    class_counts: list[int]
    epochs_to_target: int | None
    updates_to_target: int | None
    per_class_test_accuracy: list[float | None] | None
    curves: list[dict[str, Any]]
    diverged_at: dict[str, Any] | None
    measurements: dict[str, Any]

    @classmethod
    def from_run(cls, spec: TrialSpec, run: TrialRun) -> TrialRecord:
        """The record of spec's trial from what its run measured."""
        curves = [{key: row[key] for key in CURVE_KEYS} for row in run.epoch_rows]
        epoch_seconds = [row["seconds"] for row in run.epoch_rows]
        final: dict[str, float | None] = dict.fromkeys(FINAL_KEYS)
        if run.diverged_at is None and curves:
            final = {key: curves[-1][key] for key in FINAL_KEYS}
        reached = _first_reaching(curves, spec.target_accuracy)
        measurements = {
            **run.measurements,
            "epoch_seconds": float(np.mean(epoch_seconds)) if epoch_seconds else None,
            "train_seconds_per_epoch": float(np.mean(run.train_seconds))
            if run.train_seconds
            else None,
            "seconds_to_target": None
            if reached is None
            else float(np.sum(epoch_seconds[: reached + 1])),
        }
        gap_accuracy, gap_loss = _gaps(final) if run.diverged_at is None else (None, None)
        return cls(
            trial_id=spec.trial_id,
            status="ok" if run.diverged_at is None else "diverged",
            spec=spec.to_dict(),
            label=spec.config_label,
            final=final,
            gap_accuracy=gap_accuracy,
            gap_loss=gap_loss,
            epochs=run.epochs,
            updates=run.updates,
            lr=run.lrs,
            n_train=sum(run.class_counts),
            class_counts=run.class_counts,
            epochs_to_target=None if reached is None else curves[reached]["epoch"],
            updates_to_target=None if reached is None else curves[reached]["iteration"],
            per_class_test_accuracy=run.per_class,
            curves=curves,
            diverged_at=run.diverged_at,
            measurements=measurements,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready record, its keys in the documented order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialRecord:
        """A record read back (ValueError naming what is missing or unknown, and for a failed trial's)."""
        names = [f.name for f in fields(cls)]
        if data.get("status") not in ("ok", "diverged"):
            raise ValueError(
                _(
                    "a trial record with status {status!r}: only an 'ok' or 'diverged' "
                    "trial has a TrialRecord (a failed one is its error and traceback)"
                ).format(status=data.get("status"))
            )
        missing, unknown = [n for n in names if n not in data], sorted(set(data) - set(names))
        if missing or unknown:
            raise ValueError(
                _("a trial record with missing keys {missing} and unknown keys {unknown}").format(
                    missing=missing, unknown=unknown
                )
            )
        return cls(**{n: data[n] for n in names})


def _gaps(final: dict[str, float | None]) -> tuple[float | None, float | None]:
    """(train - test accuracy, test - train loss) of the final metrics; None where they are not known."""
    train_accuracy, test_accuracy = final["train_accuracy"], final["test_accuracy"]
    train_loss, test_loss = final["train_loss"], final["test_loss"]
    if train_accuracy is None or test_accuracy is None or train_loss is None or test_loss is None:
        return None, None
    return train_accuracy - test_accuracy, test_loss - train_loss


def _first_reaching(curves: list[dict[str, Any]], target: float | None) -> int | None:
    """The index of the first epoch whose test accuracy reached target; None when none did."""
    if target is None:
        return None
    return next((i for i, row in enumerate(curves) if row["test_accuracy"] >= target), None)
