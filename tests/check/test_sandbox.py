"""check_file: the reference and the course's style pass; broken learner code cannot hang or kill the grader."""

import os
import time

import pytest

from deepkiso.check import FAIL, NOTE, PASS, SKIP, all_checks, check_file

SUBJECTS_IN_REFERENCE = {c.subject for c in all_checks()}


def test_deepkiso_references_pass_every_check(reference_report):
    statuses = {r.id: r.status for r in reference_report.results}
    assert set(statuses) == {c.id for c in all_checks()}
    assert set(statuses.values()) == {PASS}, [
        r for r in reference_report.results if r.status != PASS
    ]
    assert reference_report.exit_code == 0


def test_a_file_in_the_course_style_passes_with_notes_only(course_report):
    failures = [r for r in course_report.results if r.status == FAIL]
    assert not failures, failures
    assert course_report.exit_code == 0
    notes = {r.id for r in course_report.results if r.status == NOTE}
    # The book's own code: Relu zeroes dout in place, SoftmaxWithLoss ignores dout and divides a 1-D t
    # by t.shape[0], Affine is batch-only, gradient_descent moves init_x, mean_squared_error sums.
    assert notes == {
        "Relu.dout_unchanged",
        "SoftmaxWithLoss.scales_with_dout",
        "SoftmaxWithLoss.one_sample",
        "Affine.one_sample",
        "gradient_descent.init_x_unchanged",
        "sum_squared_error.batch",
        "sum_squared_error.conventions",
        "minibatches.conventions",
    }


def test_the_course_file_is_found_under_its_own_spellings(course_report):
    assert course_report.found["SimpleNet"].startswith("your simpleNet, line ")
    assert course_report.found["sum_squared_error"].startswith("your mean_squared_error")
    assert course_report.found["numerical_gradient"].startswith(
        "line "
    )  # not _numerical_gradient_no_batch
    assert course_report.missing == ["minibatches_with_replacement", "Tanh", "SquaredError"]


def test_a_loop_at_import_times_out_with_the_learners_line(learner_file):
    # The loop is in a file the checked file imports: the location names that file and its line.
    learner_file("helpers.py", "while True:\n    pass\n")
    path = learner_file(
        "loop.py",
        "import numpy as np\n\ndef relu(x):\n    return np.maximum(0, x)\n\n"
        "import helpers\n\ndef sigmoid(x):\n    return x\n",
    )
    report = check_file(path, timeout=2)
    problem = report.results[0]
    assert (problem.id, problem.status) == ("import", FAIL)
    assert (
        problem.message
        == "timed out after 2 s while importing loop.py; the rest of the file did not run"
    )
    assert problem.location in ("helpers.py, line 1: while True:", "helpers.py, line 2: pass")
    # What was defined before the loop is still checked; what comes after never ran.
    assert {r.subject for r in report.results if r.status == PASS} == {"relu"}
    assert report.exit_code == 1


def test_code_that_ignores_the_timeout_is_stopped_from_outside_and_the_rest_goes_on(learner_file):
    path = learner_file(
        "stuck.py",
        """\
import signal
import numpy as np

class Relu:
    def forward(self, x):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)  # the child's own timer can no longer stop it
        while True:
            pass

    def backward(self, dout):
        return dout

def sigmoid(x):
    return 1 / (1 + np.exp(-x))
""",
    )
    report = check_file(path, timeout=1)
    first = next(r for r in report.results if r.subject == "Relu")
    assert first.status == FAIL and first.message.startswith(
        "timed out after 1 s; the checker had to stop the process"
    )
    assert {r.status for r in report.results if r.subject == "Relu" and r is not first} == {SKIP}
    # A fresh process went on with the other names.
    assert [r.status for r in report.results if r.subject == "sigmoid"] == [PASS] * 4


def test_a_huge_allocation_gives_a_memory_message(learner_file):
    # W runs because a definition uses it (a value nothing uses would not run at all).
    path = learner_file(
        "huge.py",
        "import numpy as np\n\nW = np.ones((100000, 100000))\n\n"
        "def relu(x):\n    return np.maximum(0, x)\n\ndef predict(x):\n    return x @ W\n",
    )
    report = check_file(path, memory_mb=1024)
    problem = report.results[0]
    assert problem.status == FAIL
    assert problem.message.startswith(
        "ran out of memory (the limit is 1024 MB): Unable to allocate 74.5 GiB"
    )
    assert problem.location == "huge.py, line 3: W = np.ones((100000, 100000))"
    assert [r.status for r in report.results if r.subject == "relu"] == [PASS] * 3


def test_a_syntax_error_shows_the_learners_line(learner_file):
    path = learner_file(
        "typo.py", "import numpy as np\n\ndef sigmoid(x)\n    return 1 / (1 + np.exp(-x))\n"
    )
    report = check_file(path)
    [problem] = report.results
    assert problem.status == FAIL
    assert problem.message == "SyntaxError: expected ':'"
    assert problem.location == "typo.py, line 3: def sigmoid(x)"
    assert report.exit_code == 1


def test_a_crash_points_at_the_learners_line_not_at_deepkiso(learner_file):
    path = learner_file(
        "crash.py",
        """\
import numpy as np

class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.w.T)
""",
    )
    report = check_file(path, only=["Affine.backward_dx"])
    [result] = report.results
    assert result.message == "raised AttributeError: 'Affine' object has no attribute 'w'"
    assert result.location == "crash.py, line 14: return np.dot(dout, self.w.T)"
    assert "deepkiso" not in result.location


def test_a_file_without_known_names_fails_and_says_so(learner_file):
    report = check_file(learner_file("empty.py", "x = 1\n"))
    [result] = report.results
    assert (
        result.status == FAIL
        and result.message == "empty.py defines none of the names these checks are for"
    )


@pytest.mark.parametrize(
    "name, text, error, match",
    [
        ("missing.py", None, FileNotFoundError, "no such file or folder"),
        (
            "notes.txt",
            "x = 1",
            ValueError,
            r"expected a \.py file, a \.ipynb notebook or a folder, got '\.txt'",
        ),
        ("broken.ipynb", "{not json", ValueError, "not a notebook: invalid JSON"),
        ("old.ipynb", '{"worksheets": []}', ValueError, "not a Jupyter notebook of format 4"),
    ],
)
def test_bad_files_are_refused_before_any_process_starts(tmp_path, name, text, error, match):
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=match):
        check_file(path)


def test_bad_limits_and_names_are_refused(learner_file):
    path = learner_file("ok.py", "x = 1\n")
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds, got 0"):
        check_file(path, timeout=0)
    with pytest.raises(ValueError, match="at least 256 MB"):
        check_file(path, memory_mb=100)
    with pytest.raises(
        ValueError, match=r"unknown --only name 'Afine' \(did you mean 'Affine'\?\)"
    ):
        check_file(path, only=["Afine"])


def test_processes_the_learners_code_started_are_ended_too(learner_file, monkeypatch):
    # A worker that exits on its own must not leave the learner's own children running.
    killed = []
    real_killpg = os.killpg

    def killpg(pgid, sig):
        killed.append(pgid)
        real_killpg(pgid, sig)

    monkeypatch.setattr(os, "killpg", killpg)
    marker = "deepkiso-check-orphan-test"
    learner_file(
        "orphan_helper.py",
        "import os, subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n"
        "os._exit(3)\n",
    )
    path = learner_file("orphan.py", "import orphan_helper\n")
    report = check_file(path, timeout=5)
    assert report.exit_code == 1
    assert "exit code 3" in report.results[0].message
    # One worker, its session killed once: once the worker is reaped, its id may belong to another process.
    assert len(killed) == 1
    # SIGKILL is delivered asynchronously: give the killed process a moment to leave /proc.
    deadline = time.monotonic() + 5
    while _survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _survivors(marker) == []


def _survivors(marker: str) -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p).endswith(marker)]


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return file.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:  # the process ended while we looked
        return ""
