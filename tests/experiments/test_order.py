"""The order of the training set in the sampling experiment: sorted by label by default, so that
"sequential" means what it means for data stored class by class, and the summary says why it hurts."""

import json

import numpy as np
import pytest

from deepkiso import i18n
from deepkiso.experiments import run_sweep, sampling_trials
from deepkiso.experiments.report import group_results, sampling_summary, trial_rows
from deepkiso.experiments.sweep import TrialSpec
from deepkiso.experiments.trial import load_trial_data

DIGITS = [str(c) for c in range(10)]


def _sampling_spec(**changes):
    settings = dict(
        experiment="sampling", dataset="digits", seed=0, phases=((32, 20),), sampler="sequential"
    )
    return TrialSpec(**{**settings, **changes})


def test_the_stored_order_keeps_the_trial_ids_of_before_and_by_label_has_its_own():
    # The ids deepkiso gave these specs before a spec had an order: finished trials are still found.
    assert _sampling_spec().trial_id == "sequential-s0-59b0eb7fca"
    batch = TrialSpec(experiment="batch-size", dataset="digits", seed=1, phases=((128, 5),))
    assert batch.trial_id == "b00128-none-s1-c9b81fe300"
    by_label = _sampling_spec(order="by-label")
    assert by_label.trial_id.startswith("sequential-by-label-s0-")
    assert by_label.trial_id != _sampling_spec().trial_id
    assert by_label.to_dict()["order"] == "by-label"


def test_a_spec_written_before_the_order_existed_reads_as_stored_and_a_bad_order_is_refused():
    old = {k: v for k, v in _sampling_spec().to_dict().items() if k != "order"}
    assert TrialSpec.from_dict(json.loads(json.dumps(old))).order == "stored"
    with pytest.raises(ValueError, match=r"order must be one of stored, by-label, got 'random'"):
        _sampling_spec(order="random")


def test_by_label_sorts_the_training_set_stably_and_leaves_the_test_set_alone():
    x0, t0, x_test0, t_test0 = load_trial_data(_sampling_spec())
    x1, t1, x_test1, t_test1 = load_trial_data(_sampling_spec(order="by-label"))
    assert np.all(np.diff(t1) >= 0) and not np.all(np.diff(t0) >= 0)
    order = np.argsort(t0, kind="stable")
    assert np.array_equal(x1, x0[order]) and np.array_equal(t1, t0[order])
    assert np.array_equal(x_test1, x_test0) and np.array_equal(t_test1, t_test0)
    # With an imbalance, the thinned-out set is sorted.
    _x2, t2, *_unused = load_trial_data(
        _sampling_spec(order="by-label", imbalance_classes=(3,), imbalance_keep=0.2)
    )
    assert np.all(np.diff(t2) >= 0) and np.count_nonzero(t2 == 3) < 0.25 * np.count_nonzero(t0 == 3)


def test_the_sampling_grid_sorts_by_label_unless_told_otherwise():
    specs = sampling_trials(dataset="digits", samplers=["sequential"], seeds=[0], epochs=1)
    assert {s.order for s in specs} == {"by-label"}
    specs = sampling_trials(
        dataset="digits", samplers=["sequential"], seeds=[0], epochs=1, order="stored"
    )
    assert {s.order for s in specs} == {"stored"}


@pytest.fixture(scope="module")
def small_sweeps(tmp_path_factory):
    """sequential against shuffle on digits, 2 seeds, 3 epochs, a narrow net: both orders."""
    groups = {}
    for order in ("by-label", "stored"):
        specs = sampling_trials(
            dataset="digits",
            samplers=["sequential", "shuffle"],
            seeds=[0, 1],
            epochs=3,
            hidden=[16],
            order=order,
        )
        outcome = run_sweep(specs, tmp_path_factory.mktemp(order))
        assert not outcome.failures
        groups[order] = {g.label: g for g in group_results(outcome.results)}
    return groups


def test_sorted_by_label_sequential_order_falls_far_behind_shuffle(small_sweeps):
    groups = small_sweeps["by-label"]
    sequential, shuffle = groups["sequential"], groups["shuffle"]
    assert sequential.mean("test_accuracy") < shuffle.mean("test_accuracy") - 0.3
    # It forgets: the class that ends every epoch, 9, is learnt, the first ones are not.
    per_class = sequential.per_class_mean()
    assert per_class[9] > 0.9 and min(per_class[:3]) < 0.2
    # In the stored (mixed) order of digits, sequential is as good as shuffle.
    stored = small_sweeps["stored"]
    difference = stored["sequential"].mean("test_accuracy") - stored["shuffle"].mean(
        "test_accuracy"
    )
    assert abs(difference) < 0.05


def test_the_summary_says_why_sequential_order_hurts_and_what_was_measured(small_sweeps):
    groups = small_sweeps["by-label"]
    lines = sampling_summary(list(groups.values()), DIGITS)
    sequential = groups["sequential"].mean("test_accuracy")
    shuffle = groups["shuffle"].mean("test_accuracy")
    assert lines[0].startswith("Test accuracy, best first: shuffle ")
    assert lines[1].startswith(
        "The training set is sorted by label, as data stored class by class is, so sequential "
        "order hands out mini-batches of one class each: the gradient of every update points "
        "towards that one class, and by the end of each epoch the net has learned the last "
        "classes and forgotten the earlier ones."
    )
    assert f"Measured: sequential {sequential:.3f} ± " in lines[1]
    assert f"against shuffle {shuffle:.3f} ± " in lines[1]
    assert f"a difference of {sequential - shuffle:+.3f}, larger than the seeds' spread" in lines[1]
    assert lines[2].startswith("On the class that ends every epoch, 9, sequential scores 1.000")


def test_the_summary_of_the_stored_order_points_to_by_label(small_sweeps):
    lines = sampling_summary(list(small_sweeps["stored"].values()), DIGITS)
    assert lines[1].startswith("The training set keeps its stored order (--order stored)")
    assert "--order by-label" in lines[1]


def test_the_summary_in_japanese(small_sweeps, monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", None)
    i18n.set_language("ja")
    try:
        lines = sampling_summary(list(small_sweeps["by-label"].values()), DIGITS)
        stored = sampling_summary(list(small_sweeps["stored"].values()), DIGITS)
    finally:
        i18n.set_language(None)
    assert lines[1].startswith(
        "訓練データはクラスごとにまとめて保存されたデータと同じくラベル順に並んでいるので、"
        "sequential (順番どおり) ではどのミニバッチも一つのクラスだけになります。"
        "すると更新のたびに勾配はその一つのクラスの方を向き"
    )
    assert "測定結果: sequential " in lines[1] and "シードによるばらつき" in lines[1]
    assert lines[2].startswith("毎エポックの最後に来るクラス 9 では sequential の正解率は 1.000")
    assert stored[1].startswith("訓練データは保存されている順のままです (--order stored)。")


def test_records_without_an_order_group_with_the_stored_order(small_sweeps):
    records = [r for g in small_sweeps["stored"].values() for r in g.records]
    old = json.loads(json.dumps(records[0]))
    del old["spec"]["order"]
    old["spec"]["seed"] = 7
    groups = group_results([*records, old])
    assert [len(g.records) for g in groups] == [3, 2]


def test_results_csv_rows_name_the_order(small_sweeps):
    by_label = [r for g in small_sweeps["by-label"].values() for r in g.records]
    assert {row["order"] for row in trial_rows(by_label)} == {"by-label"}
    old = json.loads(json.dumps(by_label[0]))
    del old["spec"]["order"]
    assert trial_rows([old])[0]["order"] == "stored"
