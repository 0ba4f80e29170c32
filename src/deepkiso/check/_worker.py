"""The checking process of `deepkiso check`: runs the learner's code and the checks, reports as it goes.

``sandbox`` forks this process from the grader (the `deepkiso` command, or the
learner's own Jupyter kernel for ``check(Affine)``) and calls ``serve`` in the
child with a ``Job``: the learner's files to load, or their live objects. The
child limits its own address space, loads the files (``loader``), picks the
definition of each course name to grade (``loader.graded``) and runs each
selected check under the time limit. Every event is one framed JSON message
(``protocol``) on the pipe the parent reads:

    {"event": "step", "what": "...", "check": id or null, "seconds": S}   before each time-limited step
    {"event": "reply", "check": id, "reply": {...}}                       each answer of the learner's code
    {"event": "ended", "check": id}                                       after a check's last reply
    {"event": "result", "result": {...}}                                  a failure or note of the file
    {"event": "found", "found": {...}, "names": {...}, "missing": [...]}  once the names are known
    {"event": "done"}

A check runs here only to put the course's inputs to the learner's code: it
sees the learner's objects through proxies (``remote``) whose answers are
sent as replies, and the grader decides the verdict by running the check
again on those replies (``verdicts``). The parent enforces the same time
limit from outside, for code that never returns to Python.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deepkiso.check.loader import (
    Graded,
    LearnerCode,
    graded,
    load,
    location,
)
from deepkiso.check.names import SUBJECT_BY_NAME, adapt, conventions, discover
from deepkiso.check.protocol import FramedChannel
from deepkiso.check.recording import RecordingSession
from deepkiso.check.registry import Check, all_checks
from deepkiso.check.remote import aborted_reply
from deepkiso.check.report import FAIL, NOTE, Result
from deepkiso.check.timeouts import StepTimeout, time_limit
from deepkiso.check.verdicts import judge
from deepkiso.i18n import _


@dataclass
class Job:
    """What one checking process does.

    paths / roots: the learner's files and the project root of each, to load; or
    code: the learner's code already there (live objects of a kernel).
    label: how the report names the whole (the file, or "the kernel").
    checks: the ids of the selected checks.
    skip / gated / restart: set when a child is started again after one was
        stopped: checks already done, names whose first check stopped it.
    """

    label: str
    checks: list[str]
    timeout: float
    memory_mb: int
    paths: list[Path] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)
    code: LearnerCode | None = None
    skip: set[str] = field(default_factory=set)
    gated: dict[str, str] = field(default_factory=dict)
    restart: bool = False


def limit_memory(memory_mb: int) -> str:
    """Let this process allocate memory_mb more than it holds now; return why it could not be done ("" when done).

    More than it holds now, because a forked Jupyter kernel may already map
    more than the limit itself: the limit is on what the learner's code adds.
    """
    try:
        import resource
    except ImportError:
        return _("this system has no resource limits (the time limit still holds)")
    limit = _address_space() + int(memory_mb) * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError) as exc:  # macOS, for one, refuses RLIMIT_AS
        return _(
            "this system refused the memory limit ({error}); the time limit still holds"
        ).format(error=exc)
    return ""


def _address_space() -> int:
    """Bytes of address space this process maps now (0 where /proc cannot tell)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as file:
            return int(file.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def drive(
    check: Check, code: LearnerCode, chosen: Graded, job: Job, send: Callable[[dict], None]
) -> bool:
    """Run one check on the learner's code under the time limit, sending each reply; whether the code crashed.

    The verdict this process reaches is not sent: the grader replays the replies (``verdicts``).
    """
    # Learners' code draws from the global generators (np.random.randn); the same draws every run.
    np.random.seed(0)
    random.seed(0)
    crashed = True
    try:
        with time_limit(job.timeout):
            session = RecordingSession(
                send,
                adapt(check.subject, chosen.obj)[0],
                where=lambda exc: location(exc, code),
                relabel=lambda text: _relabel(text, code),
                namespace=chosen.namespace,
            )
            ctx = check.context(session.root(), chosen.learner_name)
            _result, crashed = judge(
                check, ctx, job.memory_mb, on_abort=lambda exc: send(aborted_reply(exc))
            )
    except (
        StepTimeout,
        MemoryError,
    ) as exc:  # before the check began (adapting the learner's class)
        send(aborted_reply(exc))
    return crashed


def _relabel(where: str, code: LearnerCode) -> str:
    """A check's "/path/layers.py, line 51: …" with the file as the report names it ("common/layers.py")."""
    filename, sep, rest = where.rpartition(", line ")
    if not sep:
        return where
    label = code.label(filename) or os.path.basename(filename)
    return f"{label}, line {rest}" if label else f"line {rest}"


def _found_text(course: str, chosen: Graded) -> str:
    return (
        chosen.where
        if chosen.learner_name == course
        else _("your {name}, {where}").format(name=chosen.learner_name, where=chosen.where)
    )


def serve(job: Job, channel: FramedChannel) -> None:
    """Run the job in this (child) process, sending every event on channel."""
    refused = limit_memory(job.memory_mb)
    if refused and not job.restart:
        channel.send(
            event="result",
            result=Result(
                id="memory",
                subject=job.label,
                title=_("setting the memory limit"),
                status=NOTE,
                message=refused,
            ).to_dict(),
        )

    def on_step(what: str, seconds: float) -> None:
        channel.send(event="step", what=what, check=None, seconds=seconds)

    problems: list[Result]
    if job.code is not None:
        code, problems = job.code, []
    else:
        code, problems = load(job.paths, job.roots, job.timeout, job.memory_mb, on_step)
    wanted = set(job.checks)
    checks = [c for c in all_checks() if c.id in wanted]
    subjects = [SUBJECT_BY_NAME[name] for name in dict.fromkeys(c.subject for c in checks)]
    chosen = graded(code, subjects, discover)
    channel.send(
        event="found",
        found={course: _found_text(course, g) for course, g in chosen.items()},
        names={course: g.learner_name for course, g in chosen.items()},
        missing=[s.name for s in subjects if s.name not in chosen],
    )
    if not job.restart:
        for problem in problems:
            channel.send(event="result", result=problem.to_dict())
        if not chosen and not any(p.status == FAIL for p in problems):
            channel.send(
                event="result",
                result=Result(
                    id="names",
                    subject=job.label,
                    title=_("finding the names to check"),
                    status=FAIL,
                    message=_("{label} defines none of the names these checks are for").format(
                        label=job.label
                    ),
                    expected=_("one of {names}").format(names=", ".join(s.name for s in subjects)),
                    cause=_(
                        "check the spelling of your functions and classes (see examples/exercises/)"
                    ),
                ).to_dict(),
            )
        for (
            name,
            graded_name,
        ) in chosen.items():  # what was recognised of the learner's names and conventions
            notes = conventions(name, graded_name.learner_name, graded_name.obj)
            if notes:
                channel.send(
                    event="result",
                    result=Result(
                        id=f"{name}.conventions",
                        subject=name,
                        title=_("recognised: your names and conventions"),
                        status=NOTE,
                        learner_name=graded_name.learner_name,
                        message="\n".join(notes),
                    ).to_dict(),
                )
    _run_checks(job, code, checks, chosen, channel)
    channel.send(event="done")


def _reply_sender(channel: FramedChannel, check_id: str) -> Callable[[dict], None]:
    def send(reply: dict) -> None:
        channel.send(event="reply", check=check_id, reply=reply)

    return send


def _run_checks(
    job: Job,
    code: LearnerCode,
    checks: list[Check],
    chosen: dict[str, Graded],
    channel: FramedChannel,
) -> None:
    """Drive each check the grader will judge; the checks of a name whose first check crashed are left
    out (the grader reports them skipped, as it reaches the same verdict)."""
    gated = dict(job.gated)
    first_checked = {
        c.subject for c in checks if c.id in job.skip
    }  # a restarted process goes on from there
    for check in checks:
        if check.subject not in chosen or check.id in job.skip or check.subject in gated:
            continue
        channel.send(
            event="step",
            what=_("running check {id}").format(id=check.id),
            check=check.id,
            seconds=job.timeout,
        )
        crashed = drive(check, code, chosen[check.subject], job, _reply_sender(channel, check.id))
        if crashed and check.subject not in first_checked:
            gated[check.subject] = check.title
        first_checked.add(check.subject)
        channel.send(event="ended", check=check.id)
