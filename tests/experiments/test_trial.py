"""One trial: what it records, its budgets, schedules, warm-up, imbalance and divergence."""

import json
import math

import numpy as np
import pytest

from deepkiso.data import load_dataset
from deepkiso.experiments.batch_size import scaled_lr
from deepkiso.experiments.sweep import TrialSpec
from deepkiso.experiments.trial import _seeds, load_trial_data, run_trial, run_trial_safely

N_TRAIN = 1437  # the embedded digits set


def _spec(**changes):
    settings = dict(
        experiment="batch-size", dataset="digits", seed=0, phases=((32, 2),), hidden=(16,)
    )
    return TrialSpec(**{**settings, **changes})


def test_a_trial_records_its_numbers_as_json():
    record = run_trial(_spec(target_accuracy=0.5))
    assert json.loads(json.dumps(record)) == record
    assert record["status"] == "ok" and record["trial_id"] == _spec(target_accuracy=0.5).trial_id
    final = record["final"]
    assert record["gap_accuracy"] == pytest.approx(final["train_accuracy"] - final["test_accuracy"])
    assert record["gap_loss"] == pytest.approx(final["test_loss"] - final["train_loss"])
    assert record["epochs"] == 2 and record["updates"] == 2 * math.ceil(N_TRAIN / 32)
    assert [row["epoch"] for row in record["curves"]] == [1, 2]
    assert record["curves"][-1]["test_accuracy"] == final["test_accuracy"]
    reached = record["epochs_to_target"]
    assert reached is not None and record["curves"][reached - 1]["test_accuracy"] >= 0.5
    assert len(record["per_class_test_accuracy"]) == 10 and sum(record["class_counts"]) == N_TRAIN
    measured = record["measurements"]
    assert measured["step_peak_bytes"] > 32 * 64 * 4  # at least the batch of 32 × 64 float32 inputs
    assert measured["train_seconds_per_epoch"] <= measured["epoch_seconds"]


def test_the_step_memory_is_not_traced_while_another_trial_runs_in_the_process(monkeypatch):
    # Trials in threads of one process: tracemalloc.stop() while another thread allocates can crash
    # CPython 3.11 (issue 128679; this suite's Dask thread test did, about one run in ten).
    import tracemalloc

    from deepkiso.experiments import trial

    def refuse():
        raise AssertionError("tracemalloc started while another trial was running")

    monkeypatch.setattr(tracemalloc, "start", refuse)
    with trial._counted_as_running():  # the other trial
        record = run_trial(_spec())
    assert record["status"] == "ok" and record["measurements"]["step_peak_bytes"] is None
    assert trial._running == 0


def test_the_same_spec_gives_the_same_record():
    first, second = run_trial(_spec()), run_trial(_spec())
    first.pop("measurements"), second.pop("measurements")
    assert first == second


def test_an_updates_budget_makes_exactly_the_smallest_batch_updates():
    record = run_trial(_spec(phases=((256, 1),), budget="updates", reference_batch_size=64))
    assert record["updates"] == math.ceil(
        N_TRAIN / 64
    )  # 23 updates of 256: 4 epochs of 6 batches, the last cut short
    assert record["epochs"] == math.ceil(23 / math.ceil(N_TRAIN / 256))


def test_a_schedule_trains_each_phase_with_its_batch_size_and_learning_rate():
    spec = _spec(phases=((16, 1), (64, 2)), lr_scaling="linear", base_batch_size=32)
    record = run_trial(spec)
    assert [row["batch_size"] for row in record["curves"]] == [16, 64, 64]
    assert [row["lr"] for row in record["curves"]] == [0.05, 0.2, 0.2]
    assert record["lr"] == [scaled_lr(0.1, 16, 32, "linear"), scaled_lr(0.1, 64, 32, "linear")]
    assert record["updates"] == math.ceil(N_TRAIN / 16) + 2 * math.ceil(N_TRAIN / 64)


def test_warm_up_reaches_the_scaled_rate_after_its_epochs():
    record = run_trial(_spec(phases=((128, 3),), lr_scaling="linear", warmup_epochs=2))
    rates = [row["lr"] for row in record["curves"]]
    # The last update of epoch 1 is update 12 of a 24-update warm-up: exactly half-way.
    assert rates[0] == pytest.approx(0.1 + (0.4 - 0.1) * 12 / 24)
    assert rates[1:] == [0.4, 0.4]


def test_imbalance_thins_out_the_chosen_classes_in_training_only():
    spec = _spec(
        experiment="sampling", sampler="balanced", imbalance_classes=(3, 5), imbalance_keep=0.1
    )
    x_train, t_train, _x_test, t_test = load_trial_data(spec)
    (_, full_t), (_, full_test) = load_dataset("digits")
    full_counts, counts = np.bincount(full_t), np.bincount(t_train)
    assert counts[3] == round(0.1 * full_counts[3]) and counts[5] == round(0.1 * full_counts[5])
    assert np.array_equal(np.delete(counts, [3, 5]), np.delete(full_counts, [3, 5]))
    assert len(t_test) == len(full_test) and len(x_train) == len(t_train)
    assert run_trial(spec)["class_counts"] == counts.tolist()


def test_a_loss_that_explodes_is_a_diverged_result_not_a_failure():
    record = run_trial(_spec(lr=1e30))
    assert record["status"] == "diverged"
    assert record["diverged_at"]["epoch"] == 1 and record["final"]["test_accuracy"] is None
    assert record["gap_accuracy"] is None and record["per_class_test_accuracy"] is None


def test_run_trial_safely_turns_an_error_into_a_failure_record():
    record = run_trial_safely(_spec(sampler="no-such-sampler"))
    assert record["status"] == "failed"
    assert record["error"].startswith("ValueError: unknown sampler 'no-such-sampler'")
    assert record["spec"]["sampler"] == "no-such-sampler"


def test_a_trial_splits_its_seeds_as_it_always_has():
    # The first 32-bit word of each SeedSequence(seed).spawn child: init, data, then each phase.
    spec = _spec(seed=7, phases=((32, 1), (64, 1)))
    children = np.random.SeedSequence(7).spawn(4)
    words = [int(child.generate_state(1)[0]) for child in children]
    assert _seeds(spec) == {"init": words[0], "data": words[1], "phases": words[2:]}
