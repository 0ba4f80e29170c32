"""The checking process of `deepkiso check`: runs the learner's code and the checks, reports as it goes.

Started by ``deepkiso.check.sandbox`` as ``python -m deepkiso.check._worker SETTINGS``
with SETTINGS a JSON object (path, check ids, timeout, memory limit, and the
number of the pipe to write to). It limits its own address space, runs the
learner's file (``loader``), finds the names it knows (``names``) and runs each
selected check under the time limit. Every event is one JSON line on the pipe:

    {"event": "step", "what": "...", "check": id or null, "seconds": S}   before each time-limited step
    {"event": "result", "result": {...}}                                  a Result as a dict
    {"event": "found", "found": {...}, "missing": [...]}                  after the import
    {"event": "done"}

The parent enforces the same time limit from outside, for code that never
returns to Python.
"""

from __future__ import annotations

import json
import os
import random
import sys
import warnings
from pathlib import Path

import numpy as np

from deepkiso.check.loader import LearnerCode, StepTimeout, describe_error, load, location, time_limit
from deepkiso.check.names import SUBJECT_BY_NAME, code_of, discover
from deepkiso.check.registry import Check, Failure, Note, Skip, all_checks
from deepkiso.check.report import FAIL, NOTE, PASS, SKIP, Result


def _limit_memory(memory_mb: int) -> str:
    """Limit this process's address space; return why it could not be done ("" when it was)."""
    try:
        import resource
    except ImportError:
        return "this system has no resource limits (the time limit still holds)"
    limit = int(memory_mb) * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError) as exc:  # macOS, for one, refuses RLIMIT_AS
        return f"this system refused the memory limit ({exc}); the time limit still holds"
    return ""


def _where(obj, code: LearnerCode) -> str:
    """ "line 12", "code cell 3, line 4", or "imported from module x", for the report's headers."""
    code_object = code_of(obj)
    if code_object is None or code_object.co_filename not in code.labels:
        return f"imported from {getattr(obj, '__module__', None) or 'elsewhere'}"
    label = code.labels[code_object.co_filename]
    line = code_object.co_firstlineno
    if isinstance(obj, type):  # the class statement, above its first method
        lines = code.sources[code_object.co_filename]
        line = next((n for n in range(line, 0, -1) if lines[n - 1].lstrip().startswith(f"class {obj.__name__}")),
                    line)
    cell = label.split(", ", 1)[1] + ", " if ", " in label else ""
    return f"{cell}line {line}"


def run_check(check: Check, code: LearnerCode, learner_name: str, timeout: float,
              memory_mb: int) -> tuple[Result, bool]:
    """Run one check under the time limit; return its Result and whether the learner's code crashed."""
    ctx = check.context(code.namespace[learner_name], learner_name, code.namespace)
    result = Result(id=check.id, subject=check.subject, title=check.title, status=PASS,
                    exercise=check.exercise, learner_name=learner_name)
    # Learners' code draws from the global generators (np.random.randn); the same draws every run.
    np.random.seed(0)
    random.seed(0)
    crashed = False
    try:
        with time_limit(timeout), np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check.func(ctx)
    except Failure as exc:
        result.status, result.message = FAIL, exc.message
        result.expected, result.received, result.cause = exc.expected, exc.received, exc.cause
        if exc.__cause__ is not None:  # a failure explained after the learner's code raised: point at their line
            result.location = location(exc.__cause__, code)
    except Note as exc:
        result.status, result.message, result.cause = NOTE, exc.message, exc.cause
    except Skip as exc:
        result.status, result.message = SKIP, str(exc)
    except StepTimeout as exc:
        crashed = True
        result.status, result.message = FAIL, f"timed out after {exc.seconds:g} s"
        result.location = location(exc, code)
        result.cause = "a loop that never ends (or work far too slow for the small arrays the check uses)"
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - whatever the learner's code raises is reported
        crashed = True
        result.status = FAIL
        result.location = location(exc, code)
        result.message, result.cause = describe_error(exc, memory_mb)
        if not result.location and not isinstance(exc, MemoryError):
            result.message = f"the check could not use what {learner_name} returned: {result.message}"
    if check.limitation and result.status == FAIL:
        result.status, result.note_reason = NOTE, check.limitation
    return result, crashed


class _Channel:
    """JSON lines to the parent, on the pipe it gave us (stdout is left to the learner's prints)."""

    def __init__(self, fd: int):
        self._file = os.fdopen(fd, "w", encoding="utf-8", buffering=1)

    def send(self, **event) -> None:
        self._file.write(json.dumps(event, ensure_ascii=False) + "\n")
        self._file.flush()


def _run(settings: dict, channel: _Channel) -> None:
    path = Path(settings["path"])
    timeout, memory_mb = float(settings["timeout"]), int(settings["memory_mb"])
    skip, gated = set(settings.get("skip", ())), dict(settings.get("gated", {}))
    os.chdir(path.parent)
    sys.path.insert(0, str(path.parent))

    def on_step(what: str, seconds: float) -> None:
        channel.send(event="step", what=what, check=None, seconds=seconds)

    code, problems = load(path, timeout, memory_mb, on_step)
    wanted = set(settings["checks"])
    checks = [c for c in all_checks() if c.id in wanted]
    subjects = [SUBJECT_BY_NAME[name] for name in dict.fromkeys(c.subject for c in checks)]
    found = discover(code.namespace, subjects)
    channel.send(event="found",
                 found={name: f"your {learner}, {_where(code.namespace[learner], code)}" if learner != name
                        else _where(code.namespace[learner], code) for name, learner in found.items()},
                 missing=[s.name for s in subjects if s.name not in found])
    if not settings.get("restart"):
        for problem in problems:
            channel.send(event="result", result=problem.to_dict())
        if not found and not any(p.status == FAIL for p in problems):
            channel.send(event="result", result=Result(
                id="names", subject=path.name, title="finding the names to check", status=FAIL,
                message=f"{path.name} defines none of the names these checks are for",
                expected="one of " + ", ".join(s.name for s in subjects),
                cause="check the spelling of your functions and classes (see examples/exercises/)").to_dict())
    first_checked = {c.subject for c in checks if c.id in skip}  # a restarted process goes on from there
    for check in checks:
        if check.subject not in found or check.id in skip:
            continue
        if check.subject in gated:
            channel.send(event="result", result=Result(
                id=check.id, subject=check.subject, title=check.title, status=SKIP, exercise=check.exercise,
                learner_name=found[check.subject],
                message=f"skipped because they need '{gated[check.subject]}' to run").to_dict())
            continue
        channel.send(event="step", what=f"running check {check.id}", check=check.id, seconds=timeout)
        result, crashed = run_check(check, code, found[check.subject], timeout, memory_mb)
        if crashed and check.subject not in first_checked:
            gated[check.subject] = check.title
        first_checked.add(check.subject)
        channel.send(event="result", result=result.to_dict())
    channel.send(event="done")


def main(argv: list[str] | None = None) -> int:
    settings = json.loads((sys.argv[1:] if argv is None else argv)[0])
    channel = _Channel(int(settings["fd"]))
    refused = _limit_memory(int(settings["memory_mb"]))
    if refused and not settings.get("restart"):
        channel.send(event="result", result=Result(id="memory", subject=Path(settings["path"]).name,
                                                   title="setting the memory limit", status=NOTE,
                                                   message=refused).to_dict())
    _run(settings, channel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
