"""`deepkiso check --class FOLDER`: grade a whole class's submissions, one row per learner and check.

A class folder holds one submission per learner: a .py file or a notebook
directly in it (the learner is the file's stem), or a folder (the learner is
the folder's name; the folder is that learner's project, as issue 12 grades
one). Each submission is graded by its own grader process
(``python -m deepkiso check SUBMISSION --json``) in its own worker, ``jobs``
at a time, so one that crashes, hangs, floods or kills its grader is its own
row and nothing else. This process is a subreaper: whatever a submission left
running when its grader ended (or was killed) is killed; a grader the
learner's code stopped with SIGSTOP is resumed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from deepkiso.check.contain import Tree, become_subreaper, starting_worker, worker_ended
from deepkiso.check.project import _skipped_folder
from deepkiso.check.report import FAIL, NOTE, PASS, SKIP
from deepkiso.i18n import _

__all__ = ["Row", "submissions", "grade_class", "rows_csv", "summary_table", "OUTPUT_LIMIT_BYTES"]

OUTPUT_LIMIT_BYTES = 8 * 1024 * 1024  # one grader's JSON report
_POLL_SECONDS = 0.1
_FIELDS = ("learner", "name", "exercise", "verdict", "cause")


@dataclass
class Row:
    """One check of one learner: name is the check id, verdict PASS/FAIL/NOTE/SKIP, cause the reason given."""

    learner: str
    name: str
    exercise: str
    verdict: str
    cause: str


def submissions(folder: Path) -> list[tuple[str, Path]]:
    """(learner, submission) for each .py / .ipynb file and each folder directly in folder, sorted.

    Raises FileNotFoundError when folder is missing and ValueError when it holds no submission.
    """
    if not folder.is_dir():
        raise FileNotFoundError(
            _("{folder}: no such folder (--class takes a folder of submissions)").format(
                folder=folder
            )
        )
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not _skipped_folder((entry.name,)):
            found.append((entry.name, entry))
        elif entry.is_file() and entry.suffix in (".py", ".ipynb"):
            found.append((entry.stem, entry))
    if not found:
        raise ValueError(
            _(
                "{folder}: no submission in this folder (expected .py files, notebooks or folders)"
            ).format(folder=folder)
        )
    return found


class _Graders:
    """Starting grader processes, and killing what each left (``contain`` knows the running ones)."""

    @staticmethod
    def start(command: list[str], stdout, stderr) -> subprocess.Popen:
        with starting_worker() as started:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
            started(process.pid)
            return process

    @staticmethod
    def clean_up(process: subprocess.Popen) -> None:
        """Kill what is left of this grader's tree and every orphan that came back to this process."""
        Tree(root=process.pid, memory_bytes=0).kill()
        process.wait()
        worker_ended(process.pid)


def _grade_one(
    learner: str, path: Path, options: list[str], seconds: float, graders: _Graders
) -> list[Row]:
    command = [sys.executable, "-m", "deepkiso", "check", str(path), "--json", *options]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = graders.start(command, out, err)
        reason = _watch(process, seconds)
        graders.clean_up(process)
        out.seek(0)
        data = out.read(OUTPUT_LIMIT_BYTES + 1)
        err.seek(max(0, os.fstat(err.fileno()).st_size - 300))
        tail = err.read().decode("utf-8", "replace").strip().splitlines()
    if reason:
        return [Row(learner, "grading", "", FAIL, reason)]
    if process.returncode not in (0, 1):
        last = tail[-1] if tail else _("exit code {code}").format(code=process.returncode)
        return [
            Row(learner, "grading", "", FAIL, _("the grader stopped: {last}").format(last=last))
        ]
    try:
        if len(data) > OUTPUT_LIMIT_BYTES:
            raise ValueError("the report is over the limit")
        report = json.loads(data)
        return [
            Row(
                learner,
                str(r["id"]),
                str(r.get("exercise", "")),
                str(r["status"]),
                str(r.get("cause") or r.get("message") or ""),
            )
            for r in report["results"]
        ]
    except (ValueError, TypeError, KeyError):
        return [Row(learner, "grading", "", FAIL, _("the grader's report was not valid JSON"))]


def _watch(process: subprocess.Popen, seconds: float) -> str:
    """Wait for the grader; resume it when stopped; "" when it ended in time, else why it was stopped."""
    deadline = time.monotonic() + seconds
    while process.poll() is None:
        if time.monotonic() > deadline:
            return _(
                "the grader took more than {seconds:g} s for this submission and was stopped"
            ).format(seconds=seconds)
        try:
            with open(f"/proc/{process.pid}/stat", "rb") as file:
                if file.read().rsplit(b")", 1)[1].split()[0] == b"T":
                    os.kill(process.pid, signal.SIGCONT)  # the learner's code stopped its grader
        except (OSError, IndexError):
            pass
        time.sleep(_POLL_SECONDS)
    if process.returncode < 0:
        return _("the grader was killed ({signal}), by the submission's code").format(
            signal=signal.Signals(-process.returncode).name
        )
    return ""


def grade_class(
    folder: Path, jobs: int, options: list[str], seconds: float, on_learner=None
) -> list[Row]:
    """Grade every submission in folder, jobs at a time; the rows in the submissions' order.

    options: more arguments for each grader (--only, --timeout, --memory-mb, --isolate …).
    seconds: the most one submission may take, all its checks together.
    on_learner(learner, rows): called as each submission is graded (for progress).
    """
    entries = submissions(folder)
    become_subreaper()
    graders = _Graders()

    def grade(entry: tuple[str, Path]) -> list[Row]:
        rows = _grade_one(entry[0], entry[1], options, seconds, graders)
        if on_learner is not None:
            on_learner(entry[0], rows)
        return rows

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [row for rows in pool.map(grade, entries) for row in rows]


def rows_csv(rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(asdict(r) for r in rows)
    return buffer.getvalue()


def rows_json(rows: list[Row]) -> str:
    return json.dumps({"rows": [asdict(r) for r in rows]}, indent=2, ensure_ascii=False)


def summary_table(rows: list[Row]) -> str:
    """Per exercise: how many learners have none of its checks failed (notes allowed), one failed, only skips.

    Rows without an exercise (a grading that stopped, an invalid message) count under their name.
    """
    by_exercise: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        by_exercise.setdefault(row.exercise or row.name, {}).setdefault(row.learner, []).append(
            row.verdict
        )
    header = (_("exercise"), _("learners"), _("passed"), _("failed"), _("skipped"))
    lines = [_row(header)]
    for exercise in sorted(by_exercise):
        outcomes = [_outcome(verdicts) for verdicts in by_exercise[exercise].values()]
        counts = (len(outcomes), outcomes.count(PASS), outcomes.count(FAIL), outcomes.count(SKIP))
        lines.append(_row((exercise, *(str(c) for c in counts))))
    return "\n".join(lines)


_WIDTHS = (10, 8, 7, 7, 8)  # the first column left-aligned, the counts right-aligned


def _row(cells: tuple[str, ...]) -> str:
    """One line of the summary table, aligned as the terminal shows it (a Japanese letter is two columns)."""
    padded = []
    for i, (cell, width) in enumerate(zip(cells, _WIDTHS, strict=True)):
        gap = " " * max(0, width - _columns(cell))
        padded.append(cell + gap if i == 0 else gap + cell)
    return " ".join(padded)


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _outcome(verdicts: list[str]) -> str:
    if FAIL in verdicts:
        return FAIL
    return PASS if PASS in verdicts or NOTE in verdicts else SKIP
