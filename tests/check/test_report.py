"""The report: one line per check, details under failures, repeated crashes and skips folded, JSON for tools."""

import json

from deepkiso.check import FAIL, NOTE, PASS, SKIP, Report, Result, format_json, format_text


def _report() -> Report:
    crash = dict(status=FAIL, message="raised ValueError: bad", location="my.py, line 3: y = x @ W")
    return Report(
        path="my.py",
        timeout=10.0,
        memory_mb=2048,
        found={"Affine": "line 1"},
        results=[
            Result("Affine.a", "Affine", "first", PASS, exercise="2_14"),
            Result("Affine.b", "Affine", "second", exercise="2_14", **crash),
            Result("Affine.c", "Affine", "third", exercise="2_14", **crash),
            Result(
                "Affine.d",
                "Affine",
                "fourth",
                NOTE,
                exercise="2_14",
                message="no 1-D",
                note_reason="not asked",
            ),
            Result(
                "relu.a",
                "relu",
                "values",
                FAIL,
                exercise="2_12",
                message="relu(x) is wrong: expected 1, received 2",
                expected="1",
                received="2",
                cause="a typo",
            ),
            Result(
                "relu.b",
                "relu",
                "batch",
                SKIP,
                exercise="2_12",
                message="skipped because they need 'values' to run",
            ),
            Result(
                "relu.c",
                "relu",
                "side",
                SKIP,
                exercise="2_12",
                message="skipped because they need 'values' to run",
            ),
        ],
    )


def test_the_text_report_says_each_thing_once():
    assert (
        format_text(_report())
        == """\
deepkiso check my.py

Affine (line 1)  exercise 2_14
  PASS  [2_14]  first
  FAIL  [2_14]  second
               raised ValueError: bad
               your code: my.py, line 3: y = x @ W
  FAIL  [2_14]  third
               the same error as 'second' above
  NOTE  [2_14]  fourth
               no 1-D
               why a note, not a failure: not asked

relu  exercise 2_12
  FAIL  [2_12]  values
               relu(x) is wrong: expected 1, received 2
               likely cause: a typo
  SKIP  2 more checks: they need 'values' to run

some checks failed: 1 passed, 3 failed, 1 notes, 2 skipped"""
    )


def test_the_json_report_holds_every_result_and_the_verdict():
    data = json.loads(format_json(_report()))
    assert data["passed"] is False and data["exit_code"] == 1
    assert data["counts"] == {"pass": 1, "fail": 3, "note": 1, "skip": 2}
    assert [Result.from_dict(r) for r in data["results"]] == _report().results


def test_notes_and_skips_alone_do_not_fail_but_nothing_passed_is_not_a_pass():
    report = Report(
        path="x.py",
        timeout=1.0,
        memory_mb=512,
        results=[
            Result("a.b", "a", "t", PASS),
            Result("a.c", "a", "t", NOTE),
            Result("a.d", "a", "t", SKIP),
        ],
    )
    assert report.exit_code == 0
    assert Report(path="x.py", timeout=1.0, memory_mb=512).exit_code == 1


def test_a_pass_shows_what_it_measured_and_the_report_ends_with_what_was_not_graded():
    report = Report(
        path="my.py",
        timeout=10.0,
        memory_mb=2048,
        results=[
            Result(
                "TwoLayerNet.gradients_agree",
                "TwoLayerNet",
                "the gradient check",
                PASS,
                exercise="2_17",
                message="relative error max |a - n| / max(|a| + |n|): W1 1.2e-10",
            ),
            Result(
                "Relu.batch",
                "Relu",
                "batch",
                SKIP,
                exercise="2_13",
                message="not graded: Relu has no backward method (a forward-only layer)",
            ),
            Result(
                "Relu.scales",
                "Relu",
                "scales",
                SKIP,
                exercise="2_12",
                message="not graded: Relu has no backward method (a forward-only layer)",
            ),
        ],
    )
    assert (
        format_text(report)
        == """\
deepkiso check my.py

TwoLayerNet  exercise 2_17
  PASS  [2_17]  the gradient check
               relative error max |a - n| / max(|a| + |n|): W1 1.2e-10

Relu  exercise 2_12, 2_13
  SKIP  2 checks: Relu has no backward method (a forward-only layer)

not graded:
  Relu: Relu has no backward method (a forward-only layer) (2 checks)

all checks passed: 1 passed, 0 failed, 0 notes, 2 skipped"""
    )
