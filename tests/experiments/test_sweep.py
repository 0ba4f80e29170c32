"""Trial specs and their ids, and run_sweep: one file per trial, resume, failures recorded."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepkiso.experiments import batch_size_trials, run_sweep
from deepkiso.experiments.sweep import TrialSpec
from deepkiso.experiments.trial import run_trial_safely

specs_strategy = st.builds(
    TrialSpec,
    experiment=st.sampled_from(["batch-size", "sampling"]),
    dataset=st.sampled_from(["digits", "fashion-mnist"]),
    seed=st.integers(0, 2**31),
    phases=st.lists(st.tuples(st.integers(1, 4096), st.integers(1, 50)), min_size=1, max_size=3),
    hidden=st.lists(st.integers(1, 512), min_size=1, max_size=3),
    lr=st.floats(1e-4, 10),
    lr_scaling=st.sampled_from(["none", "linear", "sqrt"]),
    imbalance_classes=st.lists(st.integers(0, 9), max_size=3),
    order=st.sampled_from(["stored", "by-label"]),
)


@given(specs_strategy)
def test_spec_survives_json_and_keeps_its_id(spec):
    again = TrialSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.trial_id == spec.trial_id


def test_trial_id_changes_with_every_setting_and_reads_plainly():
    spec = TrialSpec(experiment="batch-size", dataset="digits", seed=0, phases=((128, 5),))
    assert spec.trial_id.startswith("b00128-none-s0-")
    others = [
        TrialSpec(experiment="batch-size", dataset="digits", seed=1, phases=((128, 5),)),
        TrialSpec(experiment="batch-size", dataset="digits", seed=0, phases=((128, 6),)),
        TrialSpec(experiment="batch-size", dataset="digits", seed=0, phases=((128, 5),), lr=0.2),
        TrialSpec(
            experiment="batch-size", dataset="digits", seed=0, phases=((128, 5),), hidden=(32,)
        ),
    ]
    assert len({spec.trial_id, *(o.trial_id for o in others)}) == 5


def test_from_dict_names_unknown_and_missing_fields():
    with pytest.raises(ValueError, match=r"unknown fields \['colour'\], missing fields \['seed'\]"):
        TrialSpec.from_dict(
            {"experiment": "sampling", "dataset": "digits", "phases": [[8, 1]], "colour": 1}
        )


def _comparable(records):
    """The records less their machine-dependent measurements (times, memory)."""
    return [{k: v for k, v in r.items() if k != "measurements"} for r in records]


def _tiny_specs():
    return batch_size_trials(
        dataset="digits", batch_sizes=[16, 128], seeds=[0, 1], epochs=1, hidden=[16]
    )


class CountingTrial:
    """Runs the real trial in this process, counting calls and failing the trials named in fail."""

    def __init__(self, fail=()):
        self.calls = []
        self.fail = set(fail)

    def __call__(self, spec, data_dir):
        self.calls.append(spec.trial_id)
        if spec.trial_id in self.fail:
            bad = TrialSpec.from_dict({**spec.to_dict(), "lr": -1.0})  # the optimizer refuses it
            record = run_trial_safely(bad, data_dir)
            return {**record, "trial_id": spec.trial_id, "spec": spec.to_dict()}
        return run_trial_safely(spec, data_dir)


def test_sweep_writes_one_file_per_trial_and_resume_skips_them(tmp_path):
    specs = _tiny_specs()
    first = CountingTrial()
    outcome = run_sweep(specs, tmp_path, trial_function=first)
    assert len(first.calls) == 4 and len(outcome.results) == 4 and not outcome.failures
    assert sorted(p.name for p in (tmp_path / "trials").iterdir()) == sorted(
        f"{s.trial_id}.json" for s in specs
    )
    assert json.loads((tmp_path / "sweep.json").read_text())["trial_ids"] == [
        s.trial_id for s in specs
    ]

    (tmp_path / "trials" / f"{specs[2].trial_id}.json").unlink()
    second = CountingTrial()
    again = run_sweep(specs, tmp_path, trial_function=second)
    assert second.calls == [specs[2].trial_id]
    assert again.ran == [specs[2].trial_id] and len(again.skipped) == 3
    assert [r["trial_id"] for r in again.results] == [s.trial_id for s in specs]
    assert _comparable(again.results) == _comparable(outcome.results)


def test_a_failing_trial_is_recorded_the_others_finish_and_a_rerun_retries_it(tmp_path):
    specs = _tiny_specs()
    bad_id = specs[1].trial_id
    seen = []
    outcome = run_sweep(
        specs,
        tmp_path,
        trial_function=CountingTrial(fail=[bad_id]),
        on_result=lambda record, n, total: seen.append((record["status"], n, total)),
    )
    assert [f["trial_id"] for f in outcome.failures] == [bad_id]
    assert "learning rate must be positive" in outcome.failures[0]["error"]
    assert "Traceback" in outcome.failures[0]["traceback"]
    assert len(outcome.results) == 3
    assert seen == [("ok", 1, 4), ("failed", 2, 4), ("ok", 3, 4), ("ok", 4, 4)]
    assert (tmp_path / "trials" / f"{bad_id}.failed.json").is_file()

    retry = CountingTrial()
    again = run_sweep(specs, tmp_path, trial_function=retry)
    assert retry.calls == [bad_id] and not again.failures and len(again.results) == 4
    assert not (tmp_path / "trials" / f"{bad_id}.failed.json").exists()


def test_an_unreadable_result_file_is_run_again(tmp_path):
    specs = _tiny_specs()[:1]
    run_sweep(specs, tmp_path, trial_function=CountingTrial())
    (tmp_path / "trials" / f"{specs[0].trial_id}.json").write_text('{"status": "ok", "trunc')
    counting = CountingTrial()
    run_sweep(specs, tmp_path, trial_function=counting)
    assert counting.calls == [specs[0].trial_id]


def test_duplicate_specs_run_once(tmp_path):
    spec = _tiny_specs()[0]
    counting = CountingTrial()
    outcome = run_sweep([spec, spec], tmp_path, trial_function=counting)
    assert counting.calls == [spec.trial_id] and len(outcome.results) == 1
