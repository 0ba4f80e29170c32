"""`deepkiso experiment batch-size|sampling` through main([...]): output, files, resume, errors."""

import argparse
import json
import sys

import pytest
from images import assert_picture

from deepkiso.cli import main
from deepkiso.commands import experiment

TINY = ["--seeds", "1", "--epochs", "2", "--hidden", "16"]


def _trial_files(out_dir):
    found = {}
    for path in sorted((out_dir / "trials").glob("*.json")):
        record = json.loads(path.read_text())
        record.pop("measurements")
        found[path.name] = record
    return found


def test_batch_size_prints_the_table_and_summary_writes_the_files_and_resumes(tmp_path, capsys):
    args = [
        "experiment",
        "batch-size",
        "--batch-sizes",
        "16",
        "128",
        *TINY,
        "--lr-scaling",
        "none",
        "linear",
        "--batch-schedule",
        "16:1,128:1",
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "| setting" in out and "| B=128 linear " in out and "| B 16→128 " in out
    assert "- Generalization gap (train − test accuracy, learning rate none)" in out
    assert "6 trials, sequentially in this process" in err and "[6/6]" in err
    for name in ("results.csv", "summary.csv", "report.md", "sweep.json"):
        assert (tmp_path / name).is_file()
    assert_picture(tmp_path / "batch_size.png", 1100, 430)
    assert_picture(tmp_path / "batch_size_cost.png", 1100, 400)
    assert_picture(tmp_path / "learning_curves.png", 1150, 430)

    assert main(args) == 0
    again, err = capsys.readouterr()
    assert "6 trials were already finished" in err and "[1/" not in err
    assert again == out


def test_jobs_give_the_same_trials_as_one_after_another(tmp_path, capsys):
    args = ["experiment", "batch-size", "--batch-sizes", "8", "64", *TINY]
    assert main([*args, "--out", str(tmp_path / "sequential")]) == 0
    assert main([*args, "--out", str(tmp_path / "jobs"), "--jobs", "2"]) == 0
    assert "in 2 processes" in capsys.readouterr().err
    expected = _trial_files(tmp_path / "sequential")
    assert len(expected) == 2 and _trial_files(tmp_path / "jobs") == expected


def test_a_dask_scheduler_gives_the_same_trials_as_one_after_another(tmp_path, capsys):
    distributed = pytest.importorskip("dask.distributed")
    args = ["experiment", "batch-size", "--batch-sizes", "8", "64", *TINY]
    assert main([*args, "--out", str(tmp_path / "sequential")]) == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        assert (
            main([*args, "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address])
            == 0
        )
    assert "on the Dask scheduler at" in capsys.readouterr().err
    assert _trial_files(tmp_path / "dask") == _trial_files(tmp_path / "sequential")
    assert_picture(tmp_path / "dask" / "batch_size.png", 1100, 430)


def test_sampling_on_an_imbalanced_set_reports_the_rare_classes(tmp_path, capsys):
    assert (
        main(
            [
                "experiment",
                "sampling",
                "--samplers",
                "shuffle",
                "balanced",
                "--imbalance",
                "3",
                "5",
                "--keep",
                "0.2",
                *TINY,
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "| sampler" in out
        and "rare classes" in out
        and "On the thinned-out classes (3, 5: 20%" in out
    )
    assert_picture(tmp_path / "sampling.png", 1200, 344)


def test_a_failing_trial_is_reported_the_others_finish_and_the_exit_code_is_1(
    tmp_path, capsys, monkeypatch
):
    from deepkiso.experiments import trial

    real = trial.run_trial

    def broken_for_batch_64(spec, data_dir=None):
        if spec.phases[0][0] == 64:
            raise MemoryError("pretend the batch does not fit")
        return real(spec, data_dir)

    monkeypatch.setattr(trial, "run_trial", broken_for_batch_64)
    code = main(
        ["experiment", "batch-size", "--batch-sizes", "16", "64", *TINY, "--out", str(tmp_path)]
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert (
        "| B=16 " in out
        and "1 trial(s) failed" in out
        and "MemoryError: pretend the batch does not fit" in out
    )
    assert (
        "FAILED: MemoryError" in err
        and "failed: 1 of 2 trials failed" in err
        and "run the same command again" in err
    )
    assert len(list((tmp_path / "trials").glob("*.failed.json"))) == 1


@pytest.mark.parametrize(
    "options, message",
    [
        (["batch-size", "--dataset", "sine"], "--dataset 'sine': choose one of digits"),
        (
            ["batch-size", "--batch-sizes", "16", "0"],
            "argument --batch-sizes: expected an integer from 1 to 60000, got 0",
        ),
        (
            ["batch-size", "--batch-schedule", "32:5,x"],
            "--batch-schedule: batch schedule '32:5,x': expected BATCH:EPOCHS",
        ),
        (
            ["batch-size", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:1"],
            "give --jobs or --scheduler, not both",
        ),
        (["batch-size", "--seeds", "1", "1"], "--seeds: several seeds must be distinct"),
        (
            ["batch-size", "--seeds", "0"],
            "--seeds N must be a number of seeds from 1 to 100, got 0",
        ),
        (
            ["batch-size", "--target-accuracy", "2"],
            "argument --target-accuracy: expected a number from 0 to 1, got 2",
        ),
        (["sampling", "--imbalance", "3", "12"], "--imbalance: digits has classes 0 … 9, got [12]"),
        (["sampling", "--keep", "0"], "argument --keep: expected a number above 0 up to 1, got 0"),
        (["sampling", "--samplers", "shuffle", "nope"], "--samplers: unknown sampler 'nope'"),
    ],
)
def test_bad_options_get_one_line_and_exit_code_2(tmp_path, capsys, options, message):
    assert main(["experiment", *options, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not (tmp_path / "trials").exists()


def test_without_dask_the_scheduler_option_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # importing it raises ImportError
    assert (
        main(["experiment", "sampling", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)])
        == 2
    )
    assert "pip install 'deepkiso[dask]'" in capsys.readouterr().err


def test_an_experiment_must_be_named(capsys):
    assert main(["experiment"]) == 2
    assert "EXPERIMENT" in capsys.readouterr().err


def test_every_option_shows_its_default_in_its_help():
    parser = argparse.ArgumentParser()
    experiment.add_arguments(parser)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert "(default: " in action.help, f"{name} {action.option_strings[0]}"


@pytest.mark.parametrize(
    ("given", "order", "title"),
    [
        ([], "by-label", "# digits sorted by label: samplers"),
        (["--order", "stored"], "stored", "# digits: samplers"),
    ],
)
def test_sampling_sorts_the_data_by_label_by_default_and_records_the_order(
    tmp_path, capsys, given, order, title
):
    options = ["experiment", "sampling", "--samplers", "sequential", "shuffle", *given]
    assert (
        main([*options, "--seeds", "2", "--epochs", "3", "--hidden", "16", "--out", str(tmp_path)])
        == 0
    )
    out = capsys.readouterr().out
    records = _trial_files(tmp_path)
    assert len(records) == 4 and {r["spec"]["order"] for r in records.values()} == {order}
    assert (tmp_path / "report.md").read_text().startswith(title)
    if order == "by-label":
        assert all(
            name.startswith(("sequential-by-label-", "shuffle-by-label-")) for name in records
        )
        assert "so sequential order hands out mini-batches of one class each" in out
        accuracy = {r["spec"]["sampler"]: r["final"]["test_accuracy"] for r in records.values()}
        assert accuracy["sequential"] < accuracy["shuffle"] - 0.3
    else:
        assert "The training set keeps its stored order (--order stored)" in out
    # Run again: every trial is found finished, whichever the order.
    assert (
        main([*options, "--seeds", "2", "--epochs", "3", "--hidden", "16", "--out", str(tmp_path)])
        == 0
    )
    assert "4 trials were already finished" in capsys.readouterr().err


def test_sampling_refuses_an_unknown_order(tmp_path, capsys):
    assert main(["experiment", "sampling", "--order", "random", "--out", str(tmp_path)]) == 2
    assert "unknown order 'random'; choose one of by-label, stored" in capsys.readouterr().err
