"""Tables, summaries in words and pictures of a finished sweep."""

import csv

import pytest
from images import assert_picture

from deepkiso.experiments import batch_size_trials, run_sweep, sampling_trials, write_report
from deepkiso.experiments.report import (
    batch_size_summary,
    group_results,
    markdown_table,
    sampling_summary,
    trial_rows,
)
from deepkiso.experiments.sweep import TrialSpec


def _record(spec, test_accuracy, gap, status="ok", per_class=None):
    """A made-up finished trial: only what the report reads."""
    train_accuracy = test_accuracy + gap
    final = {
        "train_loss": 0.2,
        "train_accuracy": train_accuracy,
        "test_loss": 0.2 + gap,
        "test_accuracy": test_accuracy,
    }
    n_batches = 1000 // spec.phases[0][0] + 1
    curves = [
        {
            "epoch": e,
            "iteration": e * n_batches,
            "batch_size": spec.phases[0][0],
            "lr": spec.lr,
            **final,
        }
        for e in (1, 2)
    ]
    return {
        "trial_id": spec.trial_id,
        "status": status,
        "spec": spec.to_dict(),
        "label": spec.config_label,
        "final": final,
        "gap_accuracy": gap,
        "gap_loss": gap,
        "epochs": 2,
        "updates": 2 * n_batches,
        "lr": [spec.lr],
        "epochs_to_target": None,
        "updates_to_target": None,
        "curves": curves,
        "diverged_at": None,
        "per_class_test_accuracy": per_class or [test_accuracy] * 3,
        "measurements": {
            "seconds": 1.0,
            "epoch_seconds": 10 / spec.phases[0][0] + 0.1,
            "train_seconds_per_epoch": 10 / spec.phases[0][0],
            "seconds_to_target": None,
            "step_peak_bytes": 1000 * spec.phases[0][0],
            "blas_threads": 1,
        },
    }


def _batch_records(gap_of, accuracy_of, scalings=("none",)):
    records = []
    for scaling in scalings:
        for batch_size in (8, 64, 512):
            for seed, wobble in enumerate((-0.002, 0.0, 0.002)):
                spec = TrialSpec(
                    experiment="batch-size",
                    dataset="digits",
                    seed=seed,
                    phases=((batch_size, 2),),
                    lr_scaling=scaling,
                )
                records.append(
                    _record(
                        spec, accuracy_of(batch_size, scaling) + wobble, gap_of(batch_size) + wobble
                    )
                )
    return records


def test_groups_pool_the_seeds_and_give_mean_and_spread():
    groups = group_results(_batch_records(lambda b: 0.01, lambda b, s: 0.9))
    assert [g.label for g in groups] == ["B=8", "B=64", "B=512"]
    assert groups[0].seeds == [0, 1, 2]
    assert groups[0].mean("test_accuracy") == pytest.approx(0.9)
    assert groups[0].std("test_accuracy") == pytest.approx(0.002)
    x, mean, _std = groups[0].curve("test_accuracy", "iteration")
    assert list(x) == [126, 252] and mean == pytest.approx([0.9, 0.9])


def test_summary_says_the_gap_grows_when_it_does_and_what_linear_scaling_recovers():
    records = _batch_records(
        gap_of=lambda b: {8: 0.01, 64: 0.03, 512: 0.06}[b],
        accuracy_of=lambda b, s: (
            0.95 - (0.10 if b == 512 and s == "none" else 0.025 if b == 512 else 0.0)
        ),
        scalings=("none", "linear"),
    )
    text = "\n".join(batch_size_summary(group_results(records)))
    assert (
        "+0.010 at batch 8 and +0.060 at batch 512 — it steadily grows with the batch size" in text
    )
    assert (
        "Linear scaling of the learning rate wins back, of the test accuracy a fixed rate loses against batch 8 "
        "(0.950), at batch 512: 75 % (0.925 vs 0.850)."
    ) in text
    assert "makes 4 updates against 252 at batch 8" in text


def test_summary_gives_the_cost_without_the_memory_when_trials_ran_as_threads():
    records = _batch_records(gap_of=lambda b: 0.01, accuracy_of=lambda b, s: 0.9)
    for record in records:
        record["measurements"]["step_peak_bytes"] = (
            None  # not measured: another trial shared the process
        )
    cost = next(
        line
        for line in batch_size_summary(group_results(records))
        if line and line.startswith("Cost:")
    )
    assert cost == (
        "Cost: one epoch of updates takes 1.25 s at batch 8 and 0.0195 s at batch 512 "
        "(64.0× faster; one BLAS thread per trial)."
    )


def test_the_cost_picture_says_when_the_memory_was_not_measured(tmp_path):
    from deepkiso.plots.experiments import plot_batch_size_cost

    records = _batch_records(gap_of=lambda b: 0.01, accuracy_of=lambda b, s: 0.9)
    for record in records:
        record["measurements"]["step_peak_bytes"] = None
    figure = plot_batch_size_cost(group_results(records))
    time_ax, memory_ax = figure.axes
    assert [t.get_text() for t in memory_ax.texts] == [
        "not measured:\nthe trials ran as threads of one process"
    ]
    assert memory_ax.get_xlim() == time_ax.get_xlim()
    figure.savefig(tmp_path / "cost.png", dpi=50)
    assert_picture(tmp_path / "cost.png", 550, 200)


def test_summary_calls_a_change_within_the_spread_no_change():
    records = _batch_records(
        gap_of=lambda b: {8: 0.010, 64: 0.011, 512: 0.011}[b], accuracy_of=lambda b, s: 0.9
    )
    assert "it hardly changes with the batch size" in batch_size_summary(group_results(records))[0]


def test_sampling_summary_ranks_the_samplers_and_weighs_replacement_against_the_spread():
    records = []
    for sampler, accuracy in (("shuffle", 0.90), ("replacement", 0.899), ("balanced", 0.93)):
        for seed, wobble in enumerate((-0.01, 0.0, 0.01)):
            spec = TrialSpec(
                experiment="sampling",
                dataset="digits",
                seed=seed,
                phases=((32, 2),),
                sampler=sampler,
                imbalance_classes=(2,),
                imbalance_keep=0.1,
            )
            records.append(
                _record(spec, accuracy + wobble, 0.01, per_class=[0.95, 0.95, accuracy - 0.5])
            )
    lines = sampling_summary(group_results(records), class_names=["a", "b", "c"])
    assert lines[0].startswith(
        "Test accuracy, best first: balanced 0.930 ± 0.010, shuffle 0.900 ± 0.010"
    )
    assert "a difference of -0.001, within the seeds' spread (± 0.010)" in lines[1]
    assert "On the thinned-out classes (c: 10% of their training samples kept)" in lines[2]


def test_markdown_table_aligns_text_left_and_numbers_right():
    assert markdown_table(["name", "value"], [["a", "1.5"], ["bbb", "10"]]).splitlines() == [
        "| name | value |",
        "|:-----|------:|",
        "| a    |   1.5 |",
        "| bbb  |    10 |",
    ]


def test_write_report_of_a_real_batch_size_sweep_writes_tables_and_pictures(tmp_path):
    specs = batch_size_trials(
        dataset="digits",
        batch_sizes=[16, 128],
        seeds=[0, 1],
        epochs=2,
        hidden=[16],
        lr_scalings=["none", "linear"],
        schedule=((16, 1), (128, 1)),
        target_accuracy=0.5,
    )
    outcome = run_sweep(specs, tmp_path)
    report = write_report(
        tmp_path, outcome.results, class_names=[str(d) for d in range(10)], title="tiny", dpi=50
    )
    assert (
        "| B=16 " in report.text
        and "| B 16→128 linear " in report.text
        and "Generalization gap" in report.text
    )
    with open(tmp_path / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(specs) and {
        "test_accuracy",
        "gap_accuracy",
        "step_peak_mb",
        "test_accuracy[7]",
    } <= set(rows[0])
    assert len((tmp_path / "summary.csv").read_text().splitlines()) == 1 + 6
    assert (tmp_path / "report.md").read_text().startswith("# tiny\n")
    assert_picture(tmp_path / "batch_size.png", 550, 215)
    assert_picture(tmp_path / "batch_size_cost.png", 550, 200)
    assert_picture(tmp_path / "learning_curves.png", 575, 215)


def test_write_report_of_a_sampling_sweep_draws_per_class_accuracy_and_lists_failures(tmp_path):
    specs = sampling_trials(
        dataset="digits",
        samplers=["shuffle", "balanced"],
        seeds=[0],
        epochs=1,
        hidden=[16],
        imbalance_classes=[3],
        imbalance_keep=0.2,
    )
    outcome = run_sweep(specs, tmp_path)
    failure = {"trial_id": "x-s0-0", "error": "ValueError: bad"}
    report = write_report(tmp_path, outcome.results, [failure], dpi=50)
    assert "| sampler" in report.text and "rare classes" in report.text
    assert (
        "1 trial(s) failed (run the same command again to retry them):\n- x-s0-0: ValueError: bad"
        in report.text
    )
    assert_picture(tmp_path / "sampling.png", 600, 172)
    assert trial_rows(outcome.results)[0]["test_accuracy[3]"] is not None
