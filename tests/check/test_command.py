"""`deepkiso check`: text or JSON on stdout, exit 0 / 1 / 2, and the real command line once."""

import json
import os
import subprocess
import sys

from deepkiso.cli import main

AFFINE = """\
import numpy as np

class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout
        return dout @ self.W.T
"""


def test_a_failed_check_exits_1_and_prints_the_cause(learner_file, capsys):
    path = learner_file("my_2_14.py", AFFINE)
    assert main(["check", str(path), "--only", "Affine.backward_db", "Affine.forward_batch"]) == 1
    out = capsys.readouterr().out
    assert "  FAIL  [2_14]  backward: db = dout summed over the batch\n" in out
    assert (
        "likely cause: db has shape (5, 3); it should be (3,): sum dout over the batch axis (axis=0)"
        in out
    )
    assert out.rstrip().endswith("some checks failed: 1 passed, 1 failed, 0 notes, 0 skipped")


def test_json_and_a_passing_selection_exit_0(learner_file, capsys):
    path = learner_file("my_2_14.py", AFFINE)
    assert (
        main(["check", str(path), "--only", "Affine.forward_batch,Affine.backward_dx", "--json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["status"]) for r in data["results"]] == [
        ("Affine.forward_batch", "pass"),
        ("Affine.backward_dx", "pass"),
    ]
    assert data["only"] == ["Affine.forward_batch", "Affine.backward_dx"]


def test_usage_mistakes_exit_2_with_one_line(tmp_path, learner_file, capsys):
    assert main(["check", str(tmp_path / "nope.py")]) == 2
    assert (
        capsys.readouterr().err
        == f"deepkiso check: error: {tmp_path / 'nope.py'}: no such file or folder\n"
    )
    path = learner_file("my.py", AFFINE)
    assert main(["check", str(path), "--only", "Afine"]) == 2
    assert "unknown --only name 'Afine' (did you mean 'Affine'?)" in capsys.readouterr().err
    assert main(["check"]) == 2  # argparse: PATH is required


def test_the_help_shows_every_default(capsys):
    assert main(["check", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 10)" in out and "(default: 2048)" in out and "(default: text)" in out


def test_the_command_runs_as_a_real_process(learner_file):
    path = learner_file("my_2_14.py", AFFINE)
    done = subprocess.run(
        [sys.executable, "-m", "deepkiso", "check", str(path), "--only", "2_14"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Affine (line 3)  exercise 2_14" in done.stdout
