"""`deepkiso check --class`: every submission its own row, whatever it does to its grader."""

import csv
import json
import time

import pytest

from deepkiso.check.batch import submissions
from deepkiso.cli import main

CORRECT = """\
import os, signal, time


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
{attack}
    def forward(self, x):
        return x @ self.W + {bias}

    def backward(self, dout):
        return dout @ self.W.T
"""


def submission(attack: str = "", bias: str = "self.b") -> str:
    return CORRECT.format(
        attack="".join(f"        {line}\n" for line in attack.splitlines()), bias=bias
    )


@pytest.fixture
def classroom(tmp_path):
    folder = tmp_path / "submissions"
    (folder / "carol" / "common").mkdir(parents=True)
    (folder / "carol" / "pyproject.toml").write_text("")
    (folder / "carol" / "common" / "layers.py").write_text(submission())
    (folder / "alice.py").write_text(submission())
    (folder / "bob.py").write_text(submission(bias="0"))
    (folder / "dave.py").write_text(submission("os.kill(os.getppid(), signal.SIGKILL)"))
    marker = tmp_path / "erin_alive"
    (folder / "erin.py").write_text(
        submission(
            f"if os.fork() == 0:\n    os.setsid()\n    for _ in range(100):\n        open({str(marker)!r}, 'a').write('x')\n"
            "        time.sleep(0.05)\n    os._exit(0)\nos.kill(os.getppid(), signal.SIGSTOP)"
        )
    )
    (folder / "notes.txt").write_text("not a submission")
    return folder, marker


def test_a_class_is_graded_one_row_per_learner_and_check(classroom, tmp_path, capsys):
    folder, marker = classroom
    out_json, out_csv = tmp_path / "class.json", tmp_path / "class.csv"
    code = main(
        [
            "check",
            "--class",
            str(folder),
            "--only",
            "Affine.forward_batch",
            "--jobs",
            "2",
            "--timeout",
            "2",
            "--json",
            str(out_json),
            "--csv",
            str(out_csv),
        ]
    )
    assert code == 1
    rows = list(csv.DictReader(out_csv.open()))
    assert json.loads(out_json.read_text())["rows"] == rows
    verdicts = {(r["learner"], r["name"]): r["verdict"] for r in rows}
    assert verdicts == {
        ("alice", "Affine.forward_batch"): "pass",
        ("bob", "Affine.forward_batch"): "fail",
        ("carol", "Affine.forward_batch"): "pass",
        ("dave", "grading"): "fail",
        ("erin", "Affine.forward_batch"): "pass",
    }  # erin stopped her grader: it was resumed
    dave = next(r for r in rows if r["learner"] == "dave")
    assert "killed (SIGKILL)" in dave["cause"]
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["exercise", "learners", "passed", "failed", "skipped"]
    assert "2_14" in table and "grading" in table
    size = marker.stat().st_size
    time.sleep(0.3)
    assert marker.stat().st_size == size  # erin's daemon did not outlive her grading


def test_submissions_are_files_and_folders_directly_in_the_class_folder(classroom):
    folder, _ = classroom
    assert [learner for learner, _ in submissions(folder)] == [
        "alice",
        "bob",
        "carol",
        "dave",
        "erin",
    ]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--jobs", "2"], "add --class"),
        (["--csv", "x.csv"], "add --class"),
        (["--class", "--jobs", "0"], "argument --jobs: expected an integer from 1 to 16, got 0"),
        (["--class", "--root", "."], "--root does not apply"),
    ],
)
def test_class_options_used_wrongly_are_usage_errors(classroom, argv, message, capsys):
    folder, _ = classroom
    assert main(["check", str(folder), *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_empty_or_missing_class_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["check", "--class", str(tmp_path / "none")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["check", "--class", str(tmp_path)]) == 2
    assert "no submission" in capsys.readouterr().err


def test_json_with_a_file_name_writes_the_report_and_json_alone_still_prints_it(tmp_path, capsys):
    path = tmp_path / "alice.py"
    path.write_text(submission())
    assert main(["check", "--json", str(path), "--only", "Affine.forward_batch"]) == 0
    assert json.loads(capsys.readouterr().out)["exit_code"] == 0
    assert (
        main(
            [
                "check",
                str(path),
                "--only",
                "Affine.forward_batch",
                "--json",
                str(tmp_path / "r.json"),
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "r.json").read_text())["exit_code"] == 0
