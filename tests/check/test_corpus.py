"""The corpus of learner-style projects under tests/check/corpus/: every expected verdict, and the rates.

Each folder is one learner's project with an ``expected.json`` (the format is
in tests/check/corpus/README.md). Every case goes through ``deepkiso check
--json`` in-process, two cases at a time (the machine has two cores); the test
fails on any verdict that differs from the expected one (and when fewer than
90 % of the planted bugs get their right cause), and prints the
false-alarm rate (correct projects with a FAIL), the catch rate (planted bugs
that FAIL) and the right-cause rate (FAILs whose cause names the planted bug),
with the wall time per checked file. A case folder is added without touching
this file. ``python tests/check/test_corpus.py [CASE …]`` prints the same
summary and each case's mismatches.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
VERDICTS = ("fail", "pass", "note", "not graded")


@dataclass
class Outcome:
    """What one case gave: its mismatches, its planted bugs and how each fared, the seconds per file."""

    case: str
    correct: bool
    mismatches: list[str] = field(default_factory=list)
    cause_misses: list[str] = field(default_factory=list)
    bugs: int = 0
    caught: int = 0
    right_cause: int = 0
    false_alarm: bool = False
    seconds_per_file: list[float] = field(default_factory=list)


def _reports(stdout: str) -> list[dict]:
    """Every report in the JSON that `deepkiso check --json` printed (one object, a list, or several)."""
    decoder, reports, text = json.JSONDecoder(), [], stdout.strip()
    while text:
        value, end = decoder.raw_decode(text)
        text = text[end:].strip()
        values = value if isinstance(value, list) else value.get("reports", [value])
        reports.extend(v for v in values if isinstance(v, dict) and "results" in v)
    return reports


def _run(case_dir: Path, spec: dict) -> tuple[list[dict], list[float]]:
    """The results of checking the case's files, and the wall time of each file."""
    from deepkiso.cli import main

    results, seconds = [], []
    for path in spec["check"]:
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            main(["check", str(case_dir / path), "--json", *spec.get("args", [])])
        seconds.append(time.perf_counter() - start)
        for report in _reports(out.getvalue()):
            results.extend(report["results"])
    return results, seconds


def verdict(results: list[dict]) -> str:
    """A name's verdict: fail if any result failed, else pass if any passed, else note, else not graded."""
    statuses = {r["status"] for r in results}
    for status, word in (("fail", "fail"), ("pass", "pass"), ("note", "note")):
        if status in statuses:
            return word
    return "not graded" if results else "absent"


def _explanations(results: list[dict]) -> str:
    """The text a note substring is looked for in: the notes' and not-graded results' words."""
    return " | ".join(
        " ".join((r["message"], r["cause"], r["note_reason"]))
        for r in results
        if r["status"] in ("note", "skip")
    ).lower()


def run_case(case_dir: Path) -> Outcome:
    spec = json.loads((case_dir / "expected.json").read_text(encoding="utf-8"))
    outcome = Outcome(case_dir.name, bool(spec["correct"]))
    results, outcome.seconds_per_file = _run(case_dir, spec)
    by_name: dict[str, list[dict]] = {}
    for r in results:
        by_name.setdefault(r["subject"], []).append(r)
    outcome.false_alarm = outcome.correct and any(r["status"] == "fail" for r in results)
    for name, expected in spec["expect"].items():
        expected = {"verdict": expected} if isinstance(expected, str) else expected
        mine = by_name.get(name, [])
        got = verdict(mine)
        failures = [r for r in mine if r["status"] == "fail"]
        if expected["verdict"] == "fail":
            outcome.bugs += 1
            outcome.caught += got == "fail"
            cause = expected.get("cause", "").lower()
            if got == "fail" and any(
                cause in (r["cause"] + " " + r["message"]).lower() for r in failures
            ):
                outcome.right_cause += 1
            elif got == "fail":
                outcome.cause_misses.append(
                    f"{name}: cause {expected['cause']!r} not in "
                    + " / ".join(r["cause"] or r["message"] for r in failures)
                )
        if got != expected["verdict"]:
            detail = "; ".join(
                f"{r['status']} {r['title']}: {r['message']}" for r in mine if r["status"] != "pass"
            )
            outcome.mismatches.append(
                f"{name}: expected {expected['verdict']}, got {got} ({detail[:400]})"
            )
        elif "note" in expected and expected["note"].lower() not in _explanations(mine):
            outcome.mismatches.append(
                f"{name}: no note or not-graded reason says {expected['note']!r}: "
                + _explanations(mine)[:400]
            )
    return outcome


def cases(names: list[str] | None = None) -> list[Path]:
    found = sorted(p.parent for p in CORPUS.glob("*/expected.json"))
    return [p for p in found if not names or p.name in names]


def _import_cli() -> None:
    """Import every command and the checks before the first case, so that its wall time is the check's alone."""
    from deepkiso.check import all_checks
    from deepkiso.cli import build_parser

    build_parser()
    all_checks()


def run_all(names: list[str] | None = None) -> list[Outcome]:
    # Two at a time: each check already runs the learner's code in a child process of its own.
    # Forked workers share this module as pytest imported it (a spawned one would have to import it by name).
    fork = (
        multiprocessing.get_context("fork")
        if "fork" in multiprocessing.get_all_start_methods()
        else None
    )
    with ProcessPoolExecutor(max_workers=2, mp_context=fork, initializer=_import_cli) as pool:
        return list(pool.map(run_case, cases(names)))


def summary(outcomes: list[Outcome]) -> str:
    correct = [o for o in outcomes if o.correct]
    bugs = sum(o.bugs for o in outcomes)
    caught = sum(o.caught for o in outcomes)
    right = sum(o.right_cause for o in outcomes)
    times = [s for o in outcomes for s in o.seconds_per_file]
    files = sum(
        1 for o in outcomes for f in (CORPUS / o.case).rglob("*") if f.suffix in (".py", ".ipynb")
    )

    def rate(a: int, b: int) -> str:
        return f"{a}/{b} = {100 * a / b:.0f} %" if b else "0/0"

    slowest = sorted(
        ((max(o.seconds_per_file), o.case) for o in outcomes if o.seconds_per_file), reverse=True
    )[:3]
    return "\n".join(
        [
            f"corpus: {len(outcomes)} cases, {files} learner files, {len(times)} files checked",
            f"false alarms: {rate(sum(o.false_alarm for o in correct), len(correct))} of the correct cases",
            f"caught: {rate(caught, bugs)} of the planted bugs; right cause: {rate(right, bugs)}",
            f"wall time per checked file: median {statistics.median(times):.2f} s, max {max(times):.2f} s"
            + " (slowest: "
            + ", ".join(f"{case} {seconds:.1f} s" for seconds, case in slowest)
            + ")"
            if times
            else "no file checked",
        ]
    )


def test_every_case_of_the_corpus_gets_its_expected_verdicts(capsys):
    outcomes = run_all()
    text = summary(outcomes)
    with capsys.disabled():
        print("\n" + text)
    wrong = [f"{o.case}: {m}" for o in outcomes for m in o.mismatches]
    causes = [f"{o.case}: {m}" for o in outcomes for m in o.cause_misses]
    assert len(outcomes) >= 40
    assert not wrong, text + "\n" + "\n".join(wrong + causes)
    bugs = sum(o.bugs for o in outcomes)
    assert sum(o.right_cause for o in outcomes) >= 0.9 * bugs, text + "\n" + "\n".join(causes)


if __name__ == "__main__":
    done = run_all(sys.argv[1:] or None)
    for o in done:
        for m in o.mismatches + o.cause_misses:
            print(f"{o.case}: {m}")
    print(summary(done))
