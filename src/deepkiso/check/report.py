"""The results of `deepkiso check` and the two ways of printing them: text for a learner, JSON for tools.

One ``Result`` is one line of the report: a check of one of the learner's names
(exercises 2_1 – 2_18), or a problem met while importing the learner's file.
Results travel from the checking process to the parent as plain dicts, so
they hold only strings.

Languages (``deepkiso.i18n``): the texts of a Result are made in the language in use by the
process that makes them (the grader, or the checking process, which gets the language through
``$DEEPKISO_LANG``), except a check's title and note reason, which stay the English constants
the check modules mark with ``N_``; those, and any other text that is such a constant, are
translated here, where they are shown (``shown``); a text with no catalog entry stays as it is.
The places ("line 23", "cell In[3]"), the line labels, the verdict words, the headings and the
summary line are this module's. The text, HTML (Jupyter) and JSON reports all show the same
translated texts. The JSON report (``format_json``) follows the language in its human texts
(titles, messages, causes, notes, where names were found) and never in its keys, ids, statuses
("pass", "fail", …), course names or exercise numbers, so tools read it alike in both
languages. The Results themselves (``Report.results``) keep what was made, for the same reason.
"""

from __future__ import annotations

import functools
import html
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace

from deepkiso import i18n
from deepkiso.i18n import N_, _, language, n_

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
    "shown",
    "shown_where",
    "skipped_because",
    "not_graded",
    "listed",
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
            "found": {name: shown_where(where, code=False) for name, where in self.found.items()},
            "missing": self.missing,
            "results": [shown(r).to_dict() for r in self.results],
        }


def format_json(report: Report) -> str:
    """The whole report as indented JSON (see Report.to_dict for the keys)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


# The verdict words, shown in a column of their own.
_LABEL = {PASS: N_("PASS"), FAIL: N_("FAIL"), NOTE: N_("NOTE"), SKIP: N_("SKIP")}
_DETAIL_INDENT = " " * 15
_SKIPPED_BECAUSE = N_("skipped because {reason}")
_NOT_GRADED = N_("not graded: {reason}")
_DETAIL_LABELS = (
    ("expected", N_("expected")),
    ("received", N_("received")),
    ("cause", N_("likely cause")),
    ("location", N_("your code")),
    ("note_reason", N_("why a note, not a failure")),
)


def skipped_because(reason: str) -> str:
    """A skipped check's message, "skipped because they need 'forward' to run" (folded in the report)."""
    return i18n._(_SKIPPED_BECAUSE).format(reason=reason)


def not_graded(reason: str) -> str:
    """A check's message when the learner's code cannot be called the course's way: "not graded: …"."""
    return i18n._(_NOT_GRADED).format(reason=reason)


def _reason(message: str, template: str) -> str | None:
    """The {reason} of message when it is template's text, in English or the language in use; else None."""
    for form in dict.fromkeys((template, i18n._(template))):
        head, _sep, tail = form.partition("{reason}")
        if message.startswith(head) and message.endswith(tail) and len(message) > len(head + tail):
            return message[len(head) : len(message) - len(tail)]
    return None


def listed(items: list[str]) -> str:
    """Words of the language in one list: "a loop, a call" in English, 「ループ、関数呼び出し」 in Japanese."""
    return functools.reduce(lambda a, b: _("{first}, {second}").format(first=a, second=b), items)


def _width(text: str) -> int:
    """Columns text takes in a terminal: Japanese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _label(status: str) -> str:
    """The verdict word of status, padded so that the words of one language line up."""
    words = [i18n._(word) for word in _LABEL.values()]
    word = i18n._(_LABEL[status])
    return word + " " * (max(_width(w) for w in words) - _width(word))


_WHERE = re.compile(
    r"(?:(?<=^)|(?<=, )|(?<=、)|(?<=\())(?:line (\d+)|cell In\[(\d+)\]|code cell (\d+))(?=$|, |: |\)|;)"
)


def shown_where(text: str, code: bool = True) -> str:
    """A place in the learner's code as the language says it: "my.py, line 23: y = x" -> "my.py, 23 行目: y = x".

    code: text ends with a source line after the first ": " (a location), which stays as it is;
    False for a text that names places only ("line 12; also defined in common/layers.py, line 8").
    """
    if language() == "en" or not text:
        return text
    place, sep, rest = text.partition(": ") if code else (text, "", "")

    def local(match: re.Match) -> str:
        line, cell, code_cell = match.groups()
        if line is not None:
            return _("line {number}").format(number=line)
        if cell is not None:
            return _("cell In[{number}]").format(number=cell)
        return _("code cell {number}").format(number=code_cell)

    return _WHERE.sub(local, place) + sep + rest


def shown(r: Result) -> Result:
    """r as shown in the language in use: the texts a check module keeps in English translated.

    Titles, causes and note reasons are often constants marked with N_ (and a message may be one);
    a text already in the language, or with no catalog entry, stays as it is. A skip's
    "not graded: …" or "skipped because …" gets the language's words around its reason.
    """
    if language() == "en":
        return r
    message = i18n._(r.message) if r.message else ""
    for template, say in ((_SKIPPED_BECAUSE, skipped_because), (_NOT_GRADED, not_graded)):
        reason = _reason(message, template) if r.status == SKIP else None
        if reason is not None:  # said with the English words around it
            message = say(reason)
            break
    return replace(
        r,
        title=i18n._(r.title),
        message=message,
        expected=i18n._(r.expected) if r.expected else "",
        received=i18n._(r.received) if r.received else "",
        cause=i18n._(r.cause) if r.cause else "",
        note_reason=i18n._(r.note_reason) if r.note_reason else "",
        location=shown_where(r.location),
    )


def _repeats(r: Result) -> bool:
    """Whether r's message already says what was expected and received (a scalar's does)."""
    if not r.expected:
        return False
    if f"expected {r.expected}" in r.message and f"received {r.received}" in r.message:
        return True
    return language() != "en" and r.expected in r.message and r.received in r.message


def _detail_lines(r: Result) -> list[str]:
    lines = [r.message] if r.message else []
    # A scalar's message already says "expected 0.2, received 0.4"; the lines would only repeat it.
    repeated = _repeats(r)
    lines += [
        _("{label}: {text}").format(label=i18n._(label), text=getattr(r, name))
        for name, label in _DETAIL_LABELS
        if getattr(r, name) and not (repeated and name in ("expected", "received"))
    ]
    return [_DETAIL_INDENT + part for line in lines for part in line.splitlines()]


def _subject_header(name: str, results: list[Result], found: dict[str, str]) -> str:
    exercises = sorted({r.exercise for r in results if r.exercise}, key=_exercise_key)
    where = f" ({shown_where(found[name], code=False)})" if name in found else ""
    if not exercises:
        return f"{name}{where}"
    return _("{name}{where}  exercise {exercises}").format(
        name=name, where=where, exercises=", ".join(exercises)
    )


def _exercise_key(exercise: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in exercise.split("_"))


def _subject_lines(results: list[Result]) -> list[str]:
    """One line per check; a crash repeated at the same line is said once; skips after a crash fold into one line."""
    lines: list[str] = []
    crashes: dict[tuple, str] = {}
    folded: dict[str, int] = {}
    for r in results:
        if r.status == SKIP:
            reason = _reason(r.message, _SKIPPED_BECAUSE) or _reason(r.message, _NOT_GRADED)
            if reason is not None:
                folded[reason] = folded.get(reason, 0) + 1
                continue
        exercise = f"[{r.exercise}]" if r.exercise else ""
        lines.append(f"  {_label(r.status)}  {exercise:<7} {r.title}".rstrip())
        if r.status == PASS:  # what a pass recognised or measured, if it says
            lines.extend(_DETAIL_INDENT + part for part in r.message.splitlines())
            continue
        signature = (r.status, r.message, r.location)
        if r.location and signature in crashes:
            lines.append(
                _DETAIL_INDENT
                + _("the same error as '{title}' above").format(title=crashes[signature])
            )
            continue
        crashes.setdefault(signature, r.title)
        lines.extend(_detail_lines(r))
    for reason, count in folded.items():
        if any(r.status != SKIP for r in results):
            text = n_("{count} more check: {reason}", "{count} more checks: {reason}", count)
        else:
            text = n_("{count} check: {reason}", "{count} checks: {reason}", count)
        lines.append(f"  {_label(SKIP)}  " + text.format(count=count, reason=reason))
    return lines


def _not_graded(results: list[Result]) -> list[str]:
    """The closing list: each name's checks that were not graded, and why (once per reason).

    Skips that only follow a failed first check are left out: the failure above says it.
    """
    reasons: dict[tuple[str, str], int] = {}
    for r in results:
        if r.status == SKIP and _reason(r.message, _SKIPPED_BECAUSE) is None:
            reason = _reason(r.message, _NOT_GRADED) or r.message
            reasons[(r.subject, reason)] = reasons.get((r.subject, reason), 0) + 1
    if not reasons:
        return []
    lines = ["", _("not graded:")]
    for (subject, reason), count in reasons.items():
        checks = (
            n_(" ({count} check)", " ({count} checks)", count).format(count=count)
            if count > 1
            else ""
        )
        lines.append(f"  {subject}: {reason}{checks}")
    return lines


def format_text(report: Report) -> str:
    """The report a learner reads: one line per check, details under each failure and note.

    Skips that follow a failed first check are folded into one line.
    """
    lines = [f"deepkiso check {report.path}"]
    if (
        report.only and report.missing
    ):  # without --only, every name the checker knows would be listed
        lines.append(
            _("not in this file (not checked): {names}").format(names=", ".join(report.missing))
        )
    groups: dict[str, list[Result]] = {}
    for r in report.results:
        groups.setdefault(r.subject, []).append(shown(r))
    for subject, results in groups.items():
        lines.append("")
        lines.append(_subject_header(subject, results, report.found))
        lines.extend(_subject_lines(results))
    lines.extend(_not_graded([shown(r) for r in report.results]))
    lines.append("")
    counts = _("{passed} passed, {failed} failed, {notes} notes, {skipped} skipped").format(
        passed=report.count(PASS),
        failed=report.count(FAIL),
        notes=report.count(NOTE),
        skipped=report.count(SKIP),
    )
    if report.passed:
        verdict = _("all checks passed")
    elif report.count(FAIL):
        verdict = _("some checks failed")
    else:
        verdict = _("nothing was checked")
    lines.append(_("{verdict}: {counts}").format(verdict=verdict, counts=counts))
    return "\n".join(lines)


_HTML_COLOURS = {PASS: "#1a7f37", FAIL: "#cf222e", NOTE: "#9a6700", SKIP: "#6e7781"}


def format_html(report: Report) -> str:
    """The text report as HTML for Jupyter: the same lines, the verdict labels coloured, names in bold."""
    labels = {_label(status): status for status in STATUSES}
    lines = []
    for line in format_text(report).splitlines():
        text = html.escape(line)
        label = next((word for word in labels if line.startswith(f"  {word}  ")), None)
        if label is not None:
            word = html.escape(label.rstrip())
            colour = _HTML_COLOURS[labels[label]]
            text = f'  <b style="color:{colour}">{word}</b>' + text[len(word) + 2 :]
        elif line and not line.startswith(" "):
            text = f"<b>{text}</b>"
        lines.append(text)
    return '<pre style="white-space:pre-wrap">' + "\n".join(lines) + "</pre>"
