"""The results of `deepkiso check` and the two ways of printing them: text for a learner, JSON for tools.

One ``Result`` is one line of the report: a check of one of the learner's names
(exercises 2_1 – 2_18), or a problem met while importing the learner's file.
Results travel from the checking process to the parent as plain dicts, so
they hold only strings.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field

__all__ = [
    "PASS",
    "FAIL",
    "NOTE",
    "SKIP",
    "Result",
    "Report",
    "format_text",
    "format_json",
    "format_html",
]

PASS, FAIL, NOTE, SKIP = "pass", "fail", "note", "skip"
STATUSES = (PASS, FAIL, NOTE, SKIP)


@dataclass
class Result:
    """One check's verdict.

    id: "Affine.backward_db", or "import" for a problem met while importing.
    subject: the course's spelling of the name checked ("Affine"), or the file's name.
    learner_name: the learner's own spelling ("Affine", "Softmax_with_Loss").
    exercise: the course exercise, "2_14"; empty for import problems.
    status: "pass", "fail", "note" (a limitation the exercise did not ask about) or "skip".
    expected / received: short descriptions with shapes and a few numbers.
    cause: the likely cause, in one sentence.
    location: the learner's own line, "my_2_14.py, line 23: self.db = dout".
    note_reason: for a note, why it is not a failure.
    """

    id: str
    subject: str
    title: str
    status: str
    exercise: str = ""
    learner_name: str = ""
    message: str = ""
    expected: str = ""
    received: str = ""
    cause: str = ""
    location: str = ""
    note_reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        return cls(**{k: str(data.get(k, "")) for k in cls.__dataclass_fields__})


@dataclass
class Report:
    """Every result for one learner file, in the order the checks ran.

    found: course name -> the learner's version: "line 12", "your ReLU, line 30", "imported from x".
    missing: course names the file does not define (they are not checked).
    only: what --only asked for (empty: everything).
    """

    path: str
    timeout: float
    memory_mb: int
    only: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    found: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def passed(self) -> bool:
        """True when at least one check passed and none failed (notes and skips are fine)."""
        return self.count(FAIL) == 0 and self.count(PASS) > 0

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def __str__(self) -> str:
        return format_text(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's plain-text display
        printer.text(format_text(self))

    def _repr_html_(self) -> str:  # Jupyter's display
        return format_html(self)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "counts": {s: self.count(s) for s in STATUSES},
            "timeout_s": self.timeout,
            "memory_mb": self.memory_mb,
            "only": self.only,
            "found": self.found,
            "missing": self.missing,
            "results": [r.to_dict() for r in self.results],
        }


def format_json(report: Report) -> str:
    """The whole report as indented JSON (see Report.to_dict for the keys)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


_LABEL = {PASS: "PASS", FAIL: "FAIL", NOTE: "NOTE", SKIP: "SKIP"}
_DETAIL_INDENT = " " * 15


def _detail_lines(r: Result) -> list[str]:
    lines = [r.message] if r.message else []
    # A scalar's message already says "expected 0.2, received 0.4"; the lines would only repeat it.
    repeated = (
        bool(r.expected)
        and f"expected {r.expected}" in r.message
        and f"received {r.received}" in r.message
    )
    details = (
        ("expected", "" if repeated else r.expected),
        ("received", "" if repeated else r.received),
        ("likely cause", r.cause),
        ("your code", r.location),
        ("why a note, not a failure", r.note_reason),
    )
    lines += [f"{label}: {text}" for label, text in details if text]
    return [_DETAIL_INDENT + part for line in lines for part in line.splitlines()]


def _subject_header(name: str, results: list[Result], found: dict[str, str]) -> str:
    exercises = sorted({r.exercise for r in results if r.exercise}, key=_exercise_key)
    where = f" ({found[name]})" if name in found else ""
    return f"{name}{where}  exercise {', '.join(exercises)}" if exercises else f"{name}{where}"


def _exercise_key(exercise: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in exercise.split("_"))


def _subject_lines(results: list[Result]) -> list[str]:
    """One line per check; a crash repeated at the same line is said once; skips after a crash fold into one line."""
    lines: list[str] = []
    crashes: dict[tuple, str] = {}
    folded: dict[str, int] = {}
    for r in results:
        if r.status == SKIP and r.message.startswith(("skipped because ", "not graded: ")):
            reason = r.message.removeprefix("skipped because ").removeprefix("not graded: ")
            folded[reason] = folded.get(reason, 0) + 1
            continue
        exercise = f"[{r.exercise}]" if r.exercise else ""
        lines.append(f"  {_LABEL[r.status]}  {exercise:<7} {r.title}".rstrip())
        if r.status == PASS:  # what a pass recognised or measured, if it says
            lines.extend(_DETAIL_INDENT + part for part in r.message.splitlines())
            continue
        signature = (r.status, r.message, r.location)
        if r.location and signature in crashes:
            lines.append(f"{_DETAIL_INDENT}the same error as '{crashes[signature]}' above")
            continue
        crashes.setdefault(signature, r.title)
        lines.extend(_detail_lines(r))
    for reason, count in folded.items():
        more = "more " if any(r.status != SKIP for r in results) else ""
        lines.append(f"  SKIP  {count} {more}check{'s' if count > 1 else ''}: {reason}")
    return lines


def _not_graded(results: list[Result]) -> list[str]:
    """The closing list: each name's checks that were not graded, and why (once per reason).

    Skips that only follow a failed first check are left out: the failure above says it.
    """
    reasons: dict[tuple[str, str], int] = {}
    for r in results:
        if r.status == SKIP and not r.message.startswith("skipped because "):
            reason = r.message.removeprefix("not graded: ")
            reasons[(r.subject, reason)] = reasons.get((r.subject, reason), 0) + 1
    if not reasons:
        return []
    lines = ["", "not graded:"]
    for (subject, reason), count in reasons.items():
        lines.append(f"  {subject}: {reason}" + (f" ({count} checks)" if count > 1 else ""))
    return lines


def format_text(report: Report) -> str:
    """The report a learner reads: one line per check, details under each failure and note.

    Skips that follow a failed first check are folded into one line.
    """
    lines = [f"deepkiso check {report.path}"]
    if (
        report.only and report.missing
    ):  # without --only, every name the checker knows would be listed
        lines.append("not in this file (not checked): " + ", ".join(report.missing))
    groups: dict[str, list[Result]] = {}
    for r in report.results:
        groups.setdefault(r.subject, []).append(r)
    for subject, results in groups.items():
        lines.append("")
        lines.append(_subject_header(subject, results, report.found))
        lines.extend(_subject_lines(results))
    lines.extend(_not_graded(report.results))
    lines.append("")
    counts = ", ".join(
        f"{report.count(s)} {word}"
        for s, word in ((PASS, "passed"), (FAIL, "failed"), (NOTE, "notes"), (SKIP, "skipped"))
    )
    verdict = (
        "all checks passed"
        if report.passed
        else ("some checks failed" if report.count(FAIL) else "nothing was checked")
    )
    lines.append(f"{verdict}: {counts}")
    return "\n".join(lines)


_HTML_COLOURS = {"PASS": "#1a7f37", "FAIL": "#cf222e", "NOTE": "#9a6700", "SKIP": "#6e7781"}


def format_html(report: Report) -> str:
    """The text report as HTML for Jupyter: the same lines, the verdict labels coloured, names in bold."""
    lines = []
    for line in format_text(report).splitlines():
        text = html.escape(line)
        label = re.match(r"  (PASS|FAIL|NOTE|SKIP)  ", line)
        if label:
            word = label.group(1)
            text = f'  <b style="color:{_HTML_COLOURS[word]}">{word}</b>' + text[len(word) + 2 :]
        elif line and not line.startswith(" "):
            text = f"<b>{text}</b>"
        lines.append(text)
    return '<pre style="white-space:pre-wrap">' + "\n".join(lines) + "</pre>"
