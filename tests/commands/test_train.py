import collections
import csv
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from deepkiso import blas
from deepkiso.cli import main
from deepkiso.commands import train as train_command
from deepkiso.data import write_idx
from deepkiso.training import load_checkpoint

# Small and quick: 45 batches of digits per epoch, a narrow net.
SMALL = ["--hidden", "16", "--epochs", "2", "--quiet"]


def final_arrays(run_dir):
    state = load_checkpoint(run_dir).state
    return {k: v for k, v in state.items() if isinstance(v, np.ndarray)}


def assert_bit_identical(run_a, run_b):
    a, b = final_arrays(run_a), final_arrays(run_b)
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_train_writes_the_run_directory(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "--out", str(run_dir), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/2" in out and "epoch 2/2" in out and "test acc" in out
    assert f"run directory {run_dir}" in out
    for name in ("settings.json", "metrics.csv", "metrics.jsonl", "curves.png", "checkpoint.json"):
        assert (run_dir / name).is_file(), name
    settings = json.loads((run_dir / "settings.json").read_text())
    assert (
        settings["dataset"] == "digits" and settings["hidden"] == [16] and settings["lr"] == 0.001
    )
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    assert [row["epoch"] for row in rows] == ["1", "2"]
    assert float(rows[-1]["test_accuracy"]) > 0.2  # above chance (0.1) after two short epochs
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["iteration"] == 90
    assert (run_dir / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_progress_bar_goes_to_stderr_and_quiet_turns_it_off(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "a"), "--hidden", "8", "--epochs", "1"]) == 0
    assert (
        "batch/s" in capsys.readouterr().err
    )  # tqdm's rate: the bar itself, not the run's description
    assert (
        main(["train", "--out", str(tmp_path / "b"), "--hidden", "8", "--epochs", "1", "--quiet"])
        == 0
    )
    assert "batch/s" not in capsys.readouterr().err


def test_default_run_directory_is_under_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *SMALL]) == 0
    assert main(["train", *SMALL]) == 0
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all(name.startswith("digits-") for name in runs)


@pytest.mark.parametrize(
    "flags",
    [
        [
            "--model",
            "mlp",
            "--hidden",
            "16",
            "8",
            "--activation",
            "tanh",
            "--weight-init",
            "xavier",
        ],
        ["--optimizer", "sgd", "--lr", "0.1", "--batch-size", "64", "--sampler", "stratified"],
        ["--optimizer", "momentum", "--sampler", "shuffle", "--shuffle-every", "2", "--seed", "3"],
        ["--sampler", "balanced", "--loss", "squared", "--weight-init", "0.05"],
        ["--sampler", "rare-first"],
        ["--sampler", "replacement"],
        ["--sampler", "sequential"],
    ],
)
def test_train_accepts_each_flag_group(tmp_path, capsys, flags):
    assert (
        main(
            [
                "train",
                "--out",
                str(tmp_path / "run"),
                "--hidden",
                "16",
                "--epochs",
                "1",
                "--quiet",
                *flags,
            ]
        )
        == 0
    )
    assert "epoch 1/1" in capsys.readouterr().out


def test_regression_run_draws_the_fitted_curve(tmp_path, capsys):
    run_dir = tmp_path / "sine"
    assert (
        main(
            [
                "train",
                "--dataset",
                "sine",
                "--out",
                str(run_dir),
                "--epochs",
                "3",
                "--hidden",
                "8",
                "--quiet",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "test loss" in out and "acc" not in out
    assert json.loads((run_dir / "settings.json").read_text())["loss"] == "squared"
    assert (run_dir / "curves.png").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "cifar"], "unknown data set 'cifar'; choose one of"),
        (
            ["--batch-size", "0"],
            "argument --batch-size: expected an integer from 1 to 60000, got 0",
        ),
        (
            ["--batch-size", "-5"],
            "argument --batch-size: expected an integer from 1 to 60000, got -5",
        ),
        (
            ["--batch-size", "2.5"],
            "argument --batch-size: expected an integer from 1 to 60000, got '2.5'",
        ),
        (
            ["--epochs", "many"],
            "argument --epochs: expected an integer from 1 to 10000, got 'many'",
        ),
        (["--lr", "-1"], "argument --lr: expected a number above 0 up to 1e+30, got -1"),
        (["--optimizer", "lbfgs"], "unknown optimizer 'lbfgs'; choose one of"),
        (["--sampler", "random"], "unknown sampler 'random'; choose one of"),
        (["--hidden", "10", "10"], "--model two-layer takes one --hidden size, got 2"),
        (["--dataset", "sine", "--loss", "softmax"], "sine is a regression data set"),
        (
            ["--shuffle-every", "2", "--sampler", "sequential"],
            "--shuffle-every applies to --sampler shuffle only",
        ),
        (["--resume", "nowhere"], "run directory nowhere does not exist"),
        (["--threads", "0"], "argument --threads: expected an integer from 1 to 64, got 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *argv]) == 2
    line = one_error_line(capsys)
    assert line.startswith("deepkiso train: error: ") and message in line
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_an_existing_run_directory_is_not_overwritten_without_force(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "--out", str(run_dir), *SMALL]) == 0
    capsys.readouterr()
    assert main(["train", "--out", str(run_dir), *SMALL]) == 2
    assert "already exists; continue it with --resume" in one_error_line(capsys)
    (run_dir / "notes.txt").write_text("mine")
    stale = run_dir / ".metrics.123-abcd.part.csv"  # what a killed write_atomically leaves
    stale.write_text("epoch")
    assert main(["train", "--out", str(run_dir), *SMALL, "--force", "--seed", "1"]) == 0
    assert json.loads((run_dir / "settings.json").read_text())["seed"] == 1
    assert (run_dir / "notes.txt").read_text() == "mine"
    assert not stale.exists()


def test_resume_takes_only_options_that_may_change(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "--out", str(run_dir), *SMALL]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir), "--lr", "0.5"]) == 2
    assert (
        "only --epochs, --checkpoint-every, --data-dir, --mirror, --threads and --quiet"
        in one_error_line(capsys)
    )


def test_resume_of_a_finished_run_trains_further_with_more_epochs(tmp_path, capsys):
    reference, run_dir = tmp_path / "reference", tmp_path / "run"
    assert (
        main(["train", "--out", str(reference), "--hidden", "16", "--epochs", "3", "--quiet"]) == 0
    )
    assert main(["train", "--out", str(run_dir), *SMALL]) == 0
    assert main(["train", "--resume", str(run_dir), "--quiet"]) == 0
    assert "has done all 2 epochs" in capsys.readouterr().out
    assert main(["train", "--resume", str(run_dir), "--epochs", "3", "--quiet"]) == 0
    assert_bit_identical(reference, run_dir)


def test_resume_from_a_mid_epoch_checkpoint_is_bit_identical(tmp_path, monkeypatch, capsys):
    reference, run_dir = tmp_path / "reference", tmp_path / "run"
    argv = ["train", "--hidden", "16", "--epochs", "2", "--checkpoint-every", "10", "--quiet"]
    assert main([*argv, "--out", str(reference)]) == 0

    original = train_command._Report.on_iteration

    def interrupt_at_58(self, trainer, loss):
        original(self, trainer, loss)
        if trainer.iteration == 58:  # the last checkpoint is iteration 50, in the second epoch
            raise KeyboardInterrupt

    monkeypatch.setattr(train_command._Report, "on_iteration", interrupt_at_58)
    assert main([*argv, "--out", str(run_dir)]) == 130
    assert f"continue with: deepkiso train --resume {run_dir}" in capsys.readouterr().err
    assert load_checkpoint(run_dir).state["iteration"] == 50
    monkeypatch.setattr(train_command._Report, "on_iteration", original)
    assert main(["train", "--resume", str(run_dir)]) == 0
    assert "resuming at epoch 2, iteration 51" in capsys.readouterr().err
    assert_bit_identical(reference, run_dir)


def _small_mnist_folder(folder):
    """MNIST-format files of 600 + 100 random 28×28 images: wide enough (784 inputs) that OpenBLAS
    splits the matrix products by thread count, which the digits (64 inputs) are not."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    for name, n in (("train", 600), ("t10k", 100)):
        write_idx(
            folder / f"{name}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        )
        write_idx(folder / f"{name}-labels-idx1-ubyte", rng.integers(0, 10, n, dtype=np.uint8))
    return folder


def test_threads_are_recorded_and_the_count_is_restored_afterwards(tmp_path, capsys):
    before = blas.get_blas_threads()
    if before is None:
        pytest.skip("this NumPy's BLAS cannot be steered here")
    threads = (
        2 if before == 1 else 1
    )  # another count than the process's, or the restore is not tested
    assert main(["train", "--out", str(tmp_path / "run"), *SMALL, "--threads", str(threads)]) == 0
    assert json.loads((tmp_path / "run" / "settings.json").read_text())["blas_threads"] == threads
    assert blas.get_blas_threads() == before


def test_a_run_without_threads_picks_them_by_shape_and_resumes_with_the_rule(tmp_path, capsys):
    before = blas.get_blas_threads()
    if before is None:
        pytest.skip("this NumPy's BLAS cannot be steered here")
    data = _small_mnist_folder(tmp_path / "data")
    argv = ["train", "--dataset", "mnist", "--data-dir", str(data), "--quiet"]
    reference, run_dir = tmp_path / "reference", tmp_path / "run"
    assert main([*argv, "--out", str(reference), "--epochs", "2"]) == 0
    settings = json.loads((reference / "settings.json").read_text())
    assert settings["blas_threads_by_shape"] is True and settings["blas_threads"] == before
    assert blas.threads_by_shape() is None and blas.get_blas_threads() == before  # rule off again
    assert main([*argv, "--out", str(run_dir), "--epochs", "1"]) == 0
    try:
        blas.set_blas_threads(1)  # resumed in another environment: the recorded rule still holds
        assert main(["train", "--resume", str(run_dir), "--epochs", "2", "--quiet"]) == 0
    finally:
        blas.set_blas_threads(before)
    assert_bit_identical(reference, run_dir)
    assert "warning" not in capsys.readouterr().err
    resumed = json.loads((run_dir / "settings.json").read_text())
    assert (resumed["blas_threads"], resumed["blas_threads_by_shape"]) == (before, True)
    # A fixed count on resume is told apart from the rule the run was started with.
    assert main(["train", "--resume", str(run_dir), "--epochs", "3", "--threads", "1"]) == 0
    assert (
        f"the run has trained with up to {before} BLAS threads by the products' shapes; "
        "with 1 BLAS thread its weights will differ"
    ) in capsys.readouterr().err
    assert "blas_threads_by_shape" not in json.loads((run_dir / "settings.json").read_text())


def test_a_resumed_run_trains_with_the_thread_count_it_was_started_with(tmp_path, capsys):
    before = blas.get_blas_threads()
    if before is None:
        pytest.skip("this NumPy's BLAS cannot be steered here")
    data = _small_mnist_folder(tmp_path / "data")
    argv = [
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        str(data),
        "--batch-size",
        "100",
        "--quiet",
    ]
    reference, run_dir, other = tmp_path / "reference", tmp_path / "run", tmp_path / "other"
    assert main([*argv, "--out", str(reference), "--epochs", "2", "--threads", "2"]) == 0
    for half_done in (run_dir, other):
        assert main([*argv, "--out", str(half_done), "--epochs", "1", "--threads", "2"]) == 0
    try:
        blas.set_blas_threads(1)  # resumed in another environment: a one-thread default
        assert main(["train", "--resume", str(run_dir), "--epochs", "2", "--quiet"]) == 0
        capsys.readouterr()
        assert (
            main(["train", "--resume", str(other), "--epochs", "2", "--quiet", "--threads", "1"])
            == 0
        )
    finally:
        blas.set_blas_threads(before)
    assert_bit_identical(reference, run_dir)
    # The control: with one thread the same resumed run ends elsewhere, and is told so.
    assert not np.array_equal(final_arrays(reference)["net/W1"], final_arrays(other)["net/W1"])
    assert (
        "the run has trained with 2 BLAS threads; with 1 BLAS thread its weights will differ"
        in capsys.readouterr().err
    )
    assert json.loads((other / "settings.json").read_text())["blas_threads"] == 1


def test_a_resume_where_the_blas_cannot_be_read_keeps_the_recorded_count(
    tmp_path, monkeypatch, capsys
):
    run_dir = tmp_path / "run"
    assert main(["train", "--out", str(run_dir), *SMALL, "--epochs", "1"]) == 0
    settings = json.loads((run_dir / "settings.json").read_text())
    (run_dir / "settings.json").write_text(json.dumps({**settings, "blas_threads": 3}))
    monkeypatch.setattr(train_command, "get_blas_threads", lambda: None)
    monkeypatch.setattr(train_command, "set_blas_threads", lambda n: False)
    monkeypatch.setattr(train_command, "use_threads_by_shape", lambda n: False)
    assert main(["train", "--resume", str(run_dir), "--epochs", "2", "--quiet"]) == 0
    assert "cannot be set here" in capsys.readouterr().err
    assert json.loads((run_dir / "settings.json").read_text())["blas_threads"] == 3


def test_a_run_killed_at_a_random_moment_resumes_bit_identical(tmp_path):
    argv = [
        "train",
        "--hidden",
        "16",
        "--batch-size",
        "8",
        "--epochs",
        "6",
        "--checkpoint-every",
        "25",
        "--quiet",
    ]
    reference, run_dir = tmp_path / "reference", tmp_path / "run"
    assert main([*argv, "--out", str(reference)]) == 0

    process = subprocess.Popen(
        [sys.executable, "-m", "deepkiso", *argv, "--out", str(run_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (run_dir / "checkpoint.json").exists():
            assert process.poll() is None, "the run ended before its first checkpoint"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(random.uniform(0.0, 0.15))
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    killed_at = load_checkpoint(run_dir).state["iteration"]
    assert 0 < killed_at < 6 * 180
    assert main(["train", "--resume", str(run_dir), "--quiet"]) == 0
    assert_bit_identical(reference, run_dir)


def test_a_diverging_run_stops_with_exit_code_1(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--out",
                str(run_dir),
                "--optimizer",
                "sgd",
                "--lr",
                "1e30",
                "--checkpoint-every",
                "1",
                "--quiet",
                "--hidden",
                "8",
            ]
        )
        == 1
    )
    line = one_error_line(capsys)
    assert line.startswith("deepkiso train: failed: the loss became nan at iteration ")
    assert f"the last good checkpoint is {run_dir / 'checkpoint.json'}" in line


def test_a_stopped_epochs_progress_bar_is_cleared_before_the_message(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "run"), "--lr", "1e6", "--epochs", "3"]) == 1
    err = capsys.readouterr().err
    before, message = err.rsplit("deepkiso train: failed:", 1)
    # tqdm redraws its bar after a carriage return; a closed bar leaves blanks and one more return.
    assert before.split("\r")[-1].strip() == "", before[-200:]
    assert "the loss stayed above" in message


def test_a_checkpoint_that_does_not_fit_lists_every_mismatch(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "--out", str(run_dir), *SMALL]) == 0
    settings = json.loads((run_dir / "settings.json").read_text())
    settings["hidden"] = [12]
    (run_dir / "settings.json").write_text(json.dumps(settings))
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir), "--epochs", "3"]) == 1
    line = one_error_line(capsys)
    assert "does not fit this run's net and optimizer" in line
    for mismatch in (
        "net/W1: saved float32 of shape (64, 16), expected float32 of shape (64, 12)",
        "net/b1: saved float32 of shape (16,)",
        "net/W2: saved float32 of shape (16, 10)",
        "optimizer/m/W1: saved float32 of shape (64, 16), expected float32 of shape (64, 12)",
    ):
        assert mismatch in line


def test_readme_first_command_runs_as_a_real_process(tmp_path):
    env = {**os.environ, "COLUMNS": "100"}
    # The console script that `pip install .` put beside this Python, as the README runs it.
    script = Path(sys.executable).with_name("deepkiso")
    command = (
        [str(script), "train"] if script.exists() else [sys.executable, "-m", "deepkiso", "train"]
    )
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "epoch 30/30" in done.stdout
    accuracy = float(done.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy >= 0.95
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "curves.png").is_file() and (run_dir / "checkpoint.json").is_file()


def test_missing_data_files_are_one_line_and_leave_no_run_directory(tmp_path, monkeypatch, capsys):
    from deepkiso.commands import _runs
    from deepkiso.data import DatasetNotFoundError

    def not_found(name, **options):
        raise DatasetNotFoundError(
            f"{name}: the data files are not in {options['data_dir']}; put them there"
        )

    monkeypatch.setattr(_runs, "load_dataset", not_found)
    run_dir = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--dataset",
                "mnist",
                "--data-dir",
                str(tmp_path / "data"),
                "--out",
                str(run_dir),
            ]
        )
        == 2
    )
    assert (
        one_error_line(capsys)
        == f"deepkiso train: error: mnist: the data files are not in {tmp_path / 'data'}; put them there"
    )
    assert not run_dir.exists()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A one-epoch run of a tiny net, to be copied and damaged."""
    run_dir = tmp_path_factory.mktemp("fuzz") / "base"
    assert (
        main(
            [
                "train",
                "--out",
                str(run_dir),
                "--hidden",
                "4",
                "--epochs",
                "1",
                "--batch-size",
                "100",
                "--quiet",
            ]
        )
        == 0
    )
    return run_dir


# -- never lose a run ---------------------------------------------------------------------------


def snapshot(run_dir):
    """Every file of the run directory: {name: (bytes, mtime)}; links as their targets."""
    files = {}
    for path in sorted(run_dir.iterdir()):
        if path.is_symlink():
            files[path.name] = ("link", os.readlink(path))
        elif path.is_dir():
            files[path.name] = ("dir", sorted(p.name for p in path.iterdir()))
        else:
            files[path.name] = (path.read_bytes(), path.stat().st_mtime_ns)
    return files


def _remove(json_path):
    json_path.unlink()


def _dangling_link(json_path):
    json_path.unlink()
    json_path.symlink_to(json_path.with_name("gone.json"))


def _directory(json_path):
    json_path.unlink()
    json_path.mkdir()


def _dev_zero(json_path):
    json_path.unlink()
    json_path.symlink_to("/dev/zero")


def _truncated(json_path):
    json_path.write_bytes(json_path.read_bytes()[:100])


def _wrong_hash(json_path):
    arrays = next(json_path.parent.glob("checkpoint-*.npz"))
    data = bytearray(arrays.read_bytes())
    data[len(data) // 2] ^= 0xFF
    arrays.write_bytes(bytes(data))


def _edited_lr(json_path):
    json_path.write_text(
        json_path.read_text().replace('"optimizer/lr": 0.001', '"optimizer/lr": -1')
    )


@pytest.fixture(scope="module")
def five_epochs(tmp_path_factory):
    """deepkiso train --epochs 5 --out R (a narrow net)."""
    run_dir = tmp_path_factory.mktemp("five") / "R"
    assert main(["train", "--epochs", "5", "--out", str(run_dir), "--hidden", "8", "--quiet"]) == 0
    return run_dir


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_remove, "checkpoint.json: missing, yet "),
        (_dangling_link, "checkpoint.json: a symbolic link to "),
        (_directory, "checkpoint.json: a directory, not a file"),
        (_dev_zero, "checkpoint.json: not a regular file"),
        (_truncated, "checkpoint.json: not a readable checkpoint"),
        (_wrong_hash, ".npz: SHA-256 "),
        (_edited_lr, "checkpoint.json: its fields do not match the SHA-256 it records"),
    ],
)
def test_a_resume_whose_checkpoint_cannot_be_read_refuses_and_touches_nothing(
    five_epochs, tmp_path, capsys, damage, message
):
    # The reproduction: train 5 epochs, damage the checkpoint, resume for 1.
    run_dir = shutil.copytree(five_epochs, tmp_path / "R", symlinks=True)
    damage(run_dir / "checkpoint.json")
    before = snapshot(run_dir)
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir), "--epochs", "1"]) == 1
    line = one_error_line(capsys)
    assert line.startswith(f"deepkiso train: failed: {run_dir}") and message in line, line
    assert snapshot(run_dir) == before
    assert len(list(run_dir.glob("checkpoint-*.npz"))) == 1  # the 5-epoch weights are still there


def test_a_run_killed_before_its_first_checkpoint_starts_over_on_resume(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "--out", str(run_dir), *SMALL]) == 0
    for (
        path
    ) in run_dir.iterdir():  # as a run killed before its first checkpoint leaves it: settings only
        if path.name != "settings.json":
            path.unlink()
    assert main(["train", "--resume", str(run_dir), "--quiet"]) == 0
    assert load_checkpoint(run_dir).state["epoch"] == 2


# -- divergence ---------------------------------------------------------------------------------


def test_adam_at_lr_1e6_is_caught_as_diverged_and_its_last_good_checkpoint_resumes(
    tmp_path, capsys
):
    run_dir = tmp_path / "run"
    argv = ["train", "--out", str(run_dir), "--lr", "1e6", "--checkpoint-every", "10", "--quiet"]
    assert main(argv) == 1
    line = one_error_line(capsys)
    assert line.startswith("deepkiso train: failed: the loss stayed above ")
    assert "for 50 iterations" in line and "at iteration 51 (epoch 2)" in line
    assert f"the last good checkpoint is {run_dir / 'checkpoint.json'}" in line
    state = load_checkpoint(run_dir).state
    assert state["iteration"] == 50
    assert all(
        np.all(np.isfinite(v)) for k, v in state.items() if k.startswith(("net/", "optimizer/"))
    )
    # It resumes, and diverges where the run left alone did.
    assert main(["train", "--resume", str(run_dir), "--quiet"]) == 1
    assert "at iteration 51 (epoch 2)" in one_error_line(capsys)


# -- signals ------------------------------------------------------------------------------------


# Checkpoints at epoch ends only (--checkpoint-every 0): a mid-epoch one can only come from a signal.
SIGNALLED = [
    "train",
    "--hidden",
    "16",
    "--batch-size",
    "8",
    "--epochs",
    "8",
    "--checkpoint-every",
    "0",
    "--quiet",
]


@pytest.fixture(scope="module")
def left_alone(tmp_path_factory):
    """The SIGNALLED run, not interrupted."""
    reference = tmp_path_factory.mktemp("signals") / "reference"
    assert main([*SIGNALLED, "--out", str(reference)]) == 0
    return reference


@pytest.mark.parametrize(
    ("signal_number", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)]
)
def test_a_signal_writes_a_checkpoint_at_the_current_iteration_and_resumes_bit_identical(
    left_alone, tmp_path, signal_number, exit_code
):
    argv, run_dir = SIGNALLED, tmp_path / "run"

    process = subprocess.Popen(
        [sys.executable, "-m", "deepkiso", *argv, "--out", str(run_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (
            run_dir / "checkpoint.json"
        ).exists():  # the end of epoch 1: the handlers are in place
            assert process.poll() is None, "the run ended before its first checkpoint"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(0.02)  # into epoch 2 of 8: seven epochs are left to run, far longer than this
        process.send_signal(signal_number)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == exit_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    name = signal.Signals(signal_number).name
    assert lines[0].startswith(f"deepkiso train: stopped by {name} after iteration ")
    assert lines[0].endswith(f"; continue with: deepkiso train --resume {run_dir}")
    stopped_at = int(lines[0].split("after iteration ")[1].split()[0])
    assert 180 <= stopped_at < 8 * 180
    assert load_checkpoint(run_dir).state["iteration"] == stopped_at
    assert main(["train", "--resume", str(run_dir), "--quiet"]) == 0
    assert_bit_identical(left_alone, run_dir)


# -- fuzzed checkpoints -------------------------------------------------------------------------


def _rehash(run_dir, meta, arrays=None):
    """Write meta and the .npz bytes arrays back with hashes that match, as a careful forger would."""
    if arrays is not None:
        (run_dir / meta["arrays"]).unlink(missing_ok=True)
        meta["arrays_sha256"] = hashlib.sha256(arrays).hexdigest()
        meta["arrays"] = f"checkpoint-{meta['arrays_sha256'][:16]}.npz"
        (run_dir / meta["arrays"]).write_bytes(arrays)
    fields = {k: v for k, v in meta.items() if k != "sha256"}
    meta["sha256"] = hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    (run_dir / "checkpoint.json").write_text(json.dumps(meta))


_ODD_VALUES = [
    None,
    -1,
    0,
    1,
    2**63,
    -(2**63),
    1e308,
    float("inf"),
    float("nan"),
    -0.5,
    "x",
    "",
    [],
    {},
    [1, 2],
    {"a": 1},
    True,
    False,
    "../../etc/passwd",
    "checkpoint-0000000000000000.npz",
    10**400,
]


def _leaves(value, path=()):
    """Every (path, value) inside a JSON value, containers included."""
    yield path, value
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        yield from _leaves(item, (*path, key))


def _set(meta, path, value):
    target = meta
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE and isinstance(target, dict):
        del target[path[-1]]
    elif value is not _DELETE:
        target[path[-1]] = value


_DELETE = object()


def _members(arrays_path):
    with zipfile.ZipFile(arrays_path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members, compress_type=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name", on purpose
        for name, data in members:
            archive.writestr(name, data, compress_type=compress_type)
    return buffer.getvalue()


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _changed_bytes(rng, data, start=0, stop=None):
    """data with one to three bytes in [start, stop) changed to other values."""
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        position = rng.randrange(start, len(data) if stop is None else stop)
        data[position] = (data[position] + rng.randrange(1, 256)) % 256
    return bytes(data)


def _fuzz_members(rng, members):
    """The .npz's members, one of them changed as a damaged or hostile file would have it."""
    names = sorted(members)
    name = rng.choice(names)
    array = np.load(io.BytesIO(members[name]))
    kind = rng.choice(
        [
            "drop",
            "extra",
            "dtype",
            "shape",
            "deflate",
            "bomb",
            "object",
            "duplicate",
            "header",
            "truncate",
            "nan",
        ]
    )
    items = [(n, members[n]) for n in names]
    if kind == "drop":
        items = [(n, d) for n, d in items if n != name]
    elif kind == "extra":
        items.append(("net/W9.npy", _npy(np.zeros(3, np.float32))))
    elif kind == "dtype":
        other = np.float32 if array.dtype == np.float64 else np.float64
        items = [(n, _npy(array.astype(other)) if n == name else d) for n, d in items]
    elif kind == "shape":
        items = [(n, _npy(array.reshape(-1)[:-1]) if n == name else d) for n, d in items]
    elif kind == "deflate":
        return _zip(items, zipfile.ZIP_DEFLATED)
    elif kind == "bomb":
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header, {"descr": "<f4", "fortran_order": False, "shape": (1 << 22,)}
        )
        return _zip([*items[1:], (name, header.getvalue() + bytes(1 << 24))], zipfile.ZIP_DEFLATED)
    elif kind == "object":
        items = [
            (n, _npy(np.array([None] * 3, dtype=object)) if n == name else d) for n, d in items
        ]
    elif kind == "duplicate":
        items.append((name, members[name]))
    elif kind == "header":
        items = [
            (n, _changed_bytes(rng, members[name], 8, 60) if n == name else d) for n, d in items
        ]
    elif kind == "truncate":
        items = [(n, d[: rng.randrange(len(d))] if n == name else d) for n, d in items]
    else:
        bad = array.copy()
        bad.reshape(-1)[0] = np.nan
        items = [(n, _npy(bad) if n == name else d) for n, d in items]
    return _zip(items)


def _fuzz_case(rng, run_dir):
    """Damage run_dir's checkpoint in one seeded way; returns the way's name."""
    json_path = run_dir / "checkpoint.json"
    meta = json.loads(json_path.read_text())
    arrays_path = run_dir / meta["arrays"]
    kind = rng.choice(["field", "field", "field", "json-bytes", "npz-bytes", "members", "members"])
    if kind == "field":
        path, _ = rng.choice(list(_leaves(meta))[1:])
        _set(meta, path, rng.choice([*_ODD_VALUES, _DELETE]))
        if rng.random() < 0.8:
            _rehash(run_dir, meta)
        else:
            json_path.write_text(json.dumps(meta))
    elif kind == "json-bytes":
        data = _changed_bytes(rng, json_path.read_bytes())
        json_path.write_bytes(data[: rng.randrange(1, len(data) + 1)])
    elif kind == "npz-bytes":
        data = _changed_bytes(rng, arrays_path.read_bytes())
        _rehash(run_dir, meta, data[: rng.randrange(1, len(data) + 1)])
    else:
        _rehash(run_dir, meta, _fuzz_members(rng, _members(arrays_path)))
    return kind


@pytest.mark.parametrize("block", range(4))
def test_fuzzed_checkpoints_give_one_line_and_never_a_traceback(small_run, tmp_path, capsys, block):
    outcomes = collections.Counter()
    for seed in range(block * 60, (block + 1) * 60):
        rng = random.Random(seed)
        run_dir = tmp_path / f"case{seed}"
        shutil.copytree(small_run, run_dir)
        kind = _fuzz_case(rng, run_dir)
        capsys.readouterr()
        code = main(["train", "--resume", str(run_dir), "--epochs", "1", "--quiet"])
        err = capsys.readouterr().err.strip().splitlines()
        outcomes[kind, code] += 1
        if code != 0:
            assert code in (1, 2) and len(err) == 1 and "Traceback" not in err[0], (seed, kind, err)
        # Whatever was done to the arrays, it is refused: only an edit of a harmless field may pass.
        assert code != 0 or kind == "field", (seed, kind)
        shutil.rmtree(run_dir)
    assert sum(count for (kind, code), count in outcomes.items() if code == 1) >= 40, outcomes


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("lr", "fast", "\"lr\" must be a positive number, got 'fast'"),
        (
            "hidden",
            [10**9],
            '"hidden" must be sizes of a net with at most 67108864 weights, got [1000000000]',
        ),
        ("hidden", ["8"], "\"hidden\" must be a non-empty list of positive integers, got ['8']"),
        ("optimizer", "lbfgs", '"optimizer" must be one of sgd, momentum'),
        ("seed", -1, '"seed" must be a non-negative integer, got -1'),
        ("batch_size", True, '"batch_size" must be a positive integer, got True'),
    ],
)
def test_an_edited_settings_json_is_one_line_before_anything_is_built(
    small_run, tmp_path, capsys, key, value, message
):
    run_dir = shutil.copytree(small_run, tmp_path / "run")
    settings = json.loads((run_dir / "settings.json").read_text())
    (run_dir / "settings.json").write_text(json.dumps({**settings, key: value}))
    before = snapshot(run_dir)
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir), "--epochs", "3", "--quiet"]) == 2
    line = one_error_line(capsys)
    assert (
        line.startswith(f"deepkiso train: error: {run_dir / 'settings.json'}: ") and message in line
    ), line
    assert snapshot(run_dir) == before
