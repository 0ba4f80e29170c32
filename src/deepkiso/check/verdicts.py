"""A check's verdict: run in the checking process to drive the learner's code, and again in the grader to decide.

``judge`` runs one check on a context and turns how it ended (returned,
``Failure``, ``Note``, ``Skip``, a timeout, the learner's exception) into a
``Result``. The checking process calls it with a ``RecordingSession``'s proxy
and sends nothing of the Result: its replies are what counts. The grader
calls ``replay``, which judges the same check again on a ``ReplaySession`` of
those replies, so the comparisons that decide the verdict run in the grader.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from deepkiso import i18n
from deepkiso.check.learner_code import describe_error
from deepkiso.check.protocol import InvalidEvent
from deepkiso.check.registry import Check, Context, Failure, Note, Skip
from deepkiso.check.remote import MAX_REPLY_BYTES, InvalidTranscript, ReplaySession
from deepkiso.check.report import FAIL, NOTE, PASS, SKIP, Result, skipped_because
from deepkiso.check.timeouts import StepTimeout
from deepkiso.i18n import N_, _

__all__ = ["judge", "replay", "from_learner", "check_result", "Grading"]

TIMEOUT_CAUSE = N_(
    "a loop that never ends (or work far too slow for the small arrays the check uses)"
)


def from_learner(exc: BaseException) -> bool:
    """Whether exc was raised by the learner's code (and so has been answered in a reply)."""
    return hasattr(exc, "learner_location")


def check_result(check: Check, status: str, **fields: str) -> Result:
    """A Result of check (its id, name, title and exercise) with status and the other fields given.

    The title stays as the check's module keeps it, in English (marked with N_): the report
    translates it where it is shown (``report.shown``), as it does the note reason.
    """
    return Result(
        id=check.id,
        subject=check.subject,
        title=check.title,
        status=status,
        exercise=check.exercise,
        **fields,
    )


def _where(exc: BaseException | None) -> str:
    return str(getattr(exc, "learner_location", "")) if exc is not None else ""


def judge(
    check: Check,
    ctx: Context,
    memory_mb: int,
    on_abort: Callable[[BaseException], None] | None = None,
) -> tuple[Result, bool]:
    """Run check on ctx; return its Result and whether the learner's code crashed.

    on_abort: called with a timeout or MemoryError that did not come from the learner's code
        (the checking process reports it as the check's last reply).
    """
    result = check_result(check, PASS, learner_name=ctx.name)
    crashed = False
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            passed = check.func(ctx)
        result.message = passed if isinstance(passed, str) else ""
    except Failure as exc:
        result.status, result.message = FAIL, exc.message
        result.expected, result.received, result.cause = exc.expected, exc.received, exc.cause
        # Explained after the learner's code raised, and no line given: the learner's line.
        result.location = exc.location or _where(exc.__cause__)
    except Note as exc:
        result.status, result.message, result.cause = NOTE, exc.message, exc.cause
    except Skip as exc:
        result.status, result.message = SKIP, str(exc)
    except StepTimeout as exc:
        crashed = True
        if on_abort is not None and not from_learner(exc):
            on_abort(exc)
        result.status = FAIL
        result.message = _("timed out after {seconds} s").format(seconds=f"{exc.seconds:g}")
        result.location, result.cause = _where(exc), i18n._(TIMEOUT_CAUSE)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - whatever the learner's code raises is reported
        crashed = True
        if on_abort is not None and isinstance(exc, MemoryError) and not from_learner(exc):
            on_abort(exc)
        result.status, result.location = FAIL, _where(exc)
        result.message, result.cause = describe_error(exc, memory_mb)
        if not result.location and not isinstance(exc, MemoryError):
            result.message = _("the check could not use what {name} returned: {error}").format(
                name=ctx.name, error=result.message
            )
    if check.limitation and result.status == FAIL:
        result.status, result.note_reason = NOTE, check.limitation
    return result, crashed


def replay(check: Check, learner_name: str, replies: list, memory_mb: int) -> tuple[Result, bool]:
    """The grader's verdict on check from the checking process's replies; InvalidTranscript when they do not fit."""
    session = ReplaySession(replies)
    ctx = check.context(session.root(), learner_name)
    result, crashed = judge(check, ctx, memory_mb)
    if session.leftover():
        raise InvalidTranscript(
            _("{count} answers to operations check {id} did not make").format(
                count=len(session.leftover()), id=check.id
            )
        )
    return result, crashed


class Grading:
    """The grader's side of one file: collects each check's replies and replays it when it ends, in order.

    checks: the selected checks by id, in report order; gated: the names whose first check
    crashed (shared with the job, so a restarted checking process skips them too); report and
    done: where results go. Anything out of order raises InvalidEvent.
    """

    def __init__(
        self, checks: dict[str, Check], gated: dict[str, str], report, done: set, memory_mb: int
    ):
        self.checks, self.gated, self.report, self.done = checks, gated, report, done
        self.memory_mb = memory_mb
        self.names: dict[str, str] | None = None
        self.current: str | None = None
        self.replies: list = []
        self.size = 0

    def restart(self) -> None:
        """A new checking process: whatever check the last one was in is over (the caller reports it)."""
        self.current, self.replies, self.size = None, [], 0

    def found(self, names: dict[str, str]) -> None:
        if self.names is None:
            self.names = dict(names)

    def result(self, result: Result) -> None:
        if result.id in self.checks:
            raise InvalidEvent(
                _("a verdict on check {id}, which only the grader gives").format(id=result.id[:60])
            )
        self.report.results.append(result)
        self.done.add(result.id)

    def begin(self, check_id: str) -> None:
        check = self.checks.get(check_id)
        if (
            self.names is None
            or check is None
            or check.id in self.done
            or check.subject not in self.names
            or check.subject in self.gated
            or self.current is not None
        ):
            raise InvalidEvent(
                _("a start of check {id} out of turn").format(id=repr(check_id[:60]))
            )
        self._skip_gated(until=check)
        self.current, self.replies, self.size = check_id, [], 0

    def reply(self, check_id: str, reply: dict, size: int) -> None:
        if check_id != self.current:
            raise InvalidEvent(
                _("a reply for check {id} out of turn").format(id=repr(check_id[:60]))
            )
        self.size += size
        if self.size > MAX_REPLY_BYTES:
            raise InvalidEvent(
                _("replies of more than {limit} bytes for one check").format(limit=MAX_REPLY_BYTES)
            )
        self.replies.append(reply)

    def end(self, check_id: str) -> None:
        if check_id != self.current or self.names is None:
            raise InvalidEvent(_("an end of check {id} out of turn").format(id=repr(check_id[:60])))
        check = self.checks[check_id]
        try:
            result, crashed = replay(check, self.names[check.subject], self.replies, self.memory_mb)
        except InvalidTranscript as exc:
            raise InvalidEvent(_("check {id}: {error}").format(id=check.id, error=exc)) from None
        if crashed and not self._checked(check.subject):
            self.gated[check.subject] = check.title
        self.report.results.append(result)
        self.done.add(check.id)
        self.restart()

    def finish(self) -> None:
        if self.current is not None:
            raise InvalidEvent(
                _("the end of the checks inside check {id}").format(id=repr(self.current[:60]))
            )
        self._skip_gated(until=None)

    def _checked(self, subject: str) -> bool:
        return any(self.checks[i].subject == subject for i in self.done if i in self.checks)

    def _skip_gated(self, until: Check | None) -> None:
        """Report the checks before until that the checking process rightly left out; refuse any other gap."""
        for check in self.checks.values():
            if check is until:
                return
            if check.id in self.done or self.names is None or check.subject not in self.names:
                continue
            if check.subject not in self.gated:
                raise InvalidEvent(_("check {id} left out").format(id=check.id))
            self.report.results.append(
                check_result(
                    check,
                    SKIP,
                    learner_name=self.names[check.subject],
                    message=skipped_because(
                        _("they need '{title}' to run").format(
                            title=i18n._(self.gated[check.subject])
                        )
                    ),
                )
            )
            self.done.add(check.id)
