"""Tests of deepkiso.experiments.record: a trial's record, typed, summarised and read back."""

import json

import pytest

from deepkiso.experiments.record import CURVE_KEYS, TrialRecord, TrialRun
from deepkiso.experiments.spec import TrialSpec, failure_record


def _row(epoch: int, test_accuracy: float) -> dict:
    return {
        "epoch": epoch,
        "iteration": 10 * epoch,
        "batch_size": 32,
        "lr": 0.1,
        "train_loss": 1.0 / epoch,
        "train_accuracy": test_accuracy + 0.05,
        "test_loss": 1.2 / epoch,
        "test_accuracy": test_accuracy,
        "seconds": 2.0,
    }


def _run(diverged_at=None) -> TrialRun:
    return TrialRun(
        epoch_rows=[_row(1, 0.5), _row(2, 0.8), _row(3, 0.9)],
        train_seconds=[1.5, 1.5, 1.5],
        epochs=3,
        updates=30,
        lrs=[0.1],
        class_counts=[40, 60],
        per_class=[0.85, 0.95],
        diverged_at=diverged_at,
        measurements={"seconds": 6.5, "step_peak_bytes": 1024, "blas_threads": 1},
    )


def test_a_record_summarises_its_run_the_documented_way():
    spec = TrialSpec("batch-size", "digits", seed=0, phases=((32, 3),), target_accuracy=0.75)
    record = TrialRecord.from_run(spec, _run()).to_dict()
    assert record["status"] == "ok" and record["trial_id"] == spec.trial_id
    assert record["final"]["test_accuracy"] == 0.9
    assert record["gap_accuracy"] == pytest.approx(0.05) and record["gap_loss"] == pytest.approx(
        0.2 / 3
    )
    assert (record["epochs_to_target"], record["updates_to_target"]) == (2, 20)
    assert record["n_train"] == 100
    assert record["measurements"]["seconds_to_target"] == 4.0
    assert record["measurements"]["train_seconds_per_epoch"] == 1.5
    assert all(set(row) == set(CURVE_KEYS) for row in record["curves"])
    assert json.loads(json.dumps(record)) == record


def test_a_diverged_run_has_no_final_metrics_and_no_gaps():
    spec = TrialSpec("batch-size", "digits", seed=0, phases=((32, 3),))
    at = {"epoch": 2, "iteration": 15, "message": "the loss is nan"}
    record = TrialRecord.from_run(spec, _run(diverged_at=at)).to_dict()
    assert record["status"] == "diverged" and record["diverged_at"] == at
    assert set(record["final"].values()) == {None}
    assert record["gap_accuracy"] is None and record["gap_loss"] is None
    assert record["epochs_to_target"] is None


def test_a_record_reads_back_and_refuses_what_is_not_one():
    spec = TrialSpec("batch-size", "digits", seed=0, phases=((32, 3),))
    record = TrialRecord.from_run(spec, _run())
    assert TrialRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    with pytest.raises(ValueError, match="status 'failed'"):
        TrialRecord.from_dict(failure_record(spec, "ValueError: boom"))
    broken = record.to_dict()
    del broken["curves"]
    broken["extra"] = 1
    with pytest.raises(ValueError, match=r"missing keys \['curves'\] and unknown keys \['extra'\]"):
        TrialRecord.from_dict(broken)
