"""load_run: a run trained on the command line, back in Python with its net, optimizer and history."""

import json

import numpy as np
import pytest

from deepkiso.cli import main
from deepkiso.data import load_dataset
from deepkiso.errors import JobError, UsageError
from deepkiso.runs import load_run
from deepkiso.training import evaluate


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "digits"
    argv = [
        "train",
        "--out",
        str(run_dir),
        "--hidden",
        "16",
        "--epochs",
        "2",
        "--optimizer",
        "adam",
    ]
    assert main([*argv, "--lr", "0.01", "--quiet"]) == 0
    return run_dir


def test_the_run_comes_back_as_training_left_it(run_dir):
    run = load_run(run_dir)
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert run.epoch == 2 and len(run.history.epochs) == 2
    assert run.iteration == rows[-1]["iteration"] == len(run.history.iteration_loss)
    assert run.settings.hidden == (16,) and run.settings.optimizer == "adam"
    (_x, _t), (x_test, t_test) = load_dataset("digits")
    _loss, accuracy = evaluate(run.net, x_test, t_test)
    assert accuracy == pytest.approx(rows[-1]["test_accuracy"])
    assert run.history.epochs[-1]["test_accuracy"] == pytest.approx(rows[-1]["test_accuracy"])


def test_the_optimizer_holds_its_buffers(run_dir):
    state = load_run(run_dir).optimizer.state_dict()
    assert state["iterations"] > 0
    moments = [key for key in state if key.startswith("m/")]
    assert moments and all(np.any(state[key] != 0) for key in moments)


def test_a_folder_that_is_not_a_run_is_one_clear_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_run(tmp_path / "nowhere")
    with pytest.raises(UsageError, match=r"is not a run directory: it holds no settings\.json"):
        load_run(tmp_path)


def test_a_run_without_a_checkpoint_yet(run_dir, tmp_path):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "settings.json").write_bytes((run_dir / "settings.json").read_bytes())
    with pytest.raises(UsageError, match="holds no checkpoint yet"):
        load_run(fresh)


def test_a_tampered_checkpoint_is_refused_and_left_alone(run_dir, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in run_dir.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    arrays = next(copy.glob("checkpoint-*.npz"))
    data = bytearray(arrays.read_bytes())
    data[-100] ^= 0xFF
    arrays.write_bytes(bytes(data))
    with pytest.raises(JobError):
        load_run(copy)
    assert arrays.read_bytes() == bytes(data)
