"""A run directory written by deepkiso 0.1.0's ``deepkiso train`` (fixtures/run_today, committed; its
curves.png left out) must still evaluate, predict and resume with every later version.

Written with: deepkiso train --hidden 4 --epochs 2 --batch-size 64 --quiet --out fixtures/run_today
"""

import shutil
from pathlib import Path

import numpy as np

from deepkiso.cli import main
from deepkiso.data import load_dataset

RUN = Path(__file__).resolve().parent / "fixtures" / "run_today"


def test_the_committed_run_evaluates_to_its_recorded_test_accuracy(tmp_path, capsys):
    run_dir = shutil.copytree(RUN, tmp_path / "run")
    assert main(["evaluate", str(run_dir)]) == 0
    # metrics.jsonl of the run: epoch 2, test_accuracy 0.17222…, test_loss 2.22677…
    assert "digits test: 360 samples, accuracy 0.1722, loss 2.2268" in capsys.readouterr().out


def test_the_committed_run_predicts_as_when_it_was_written(tmp_path, capsys):
    run_dir = shutil.copytree(RUN, tmp_path / "run")
    _, (x, _) = load_dataset("digits")
    images = tmp_path / "three.npy"
    np.save(images, x[:3].reshape(3, 8, 8))
    assert main(["predict", str(run_dir), str(images)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{images}[0]: 2 (p=0.215)",
        f"{images}[1]: 9 (p=0.104)",
        f"{images}[2]: 7 (p=0.145)",
    ]


def test_the_committed_run_resumes_for_another_epoch(tmp_path, capsys):
    run_dir = shutil.copytree(RUN, tmp_path / "run")
    assert main(["train", "--resume", str(run_dir), "--epochs", "3", "--quiet"]) == 0
    assert "after 3 epochs" in capsys.readouterr().out
