"""The checking process's events, framed and validated: what the grader accepts from the process it watches.

The worker runs the learner's code, so whatever arrives on its pipe may have
been written by that code. Each event is one frame: a 4-byte big-endian length,
then that many bytes of UTF-8 JSON holding one object. The grader reads frames
with ``FrameReader`` and checks each against its event's schema
(``validate``); a frame over MAX_FRAME_BYTES, bytes that are not JSON, an
unknown event, a missing field or a value of the wrong type raises
``InvalidEvent``, which the grader turns into a verdict, never a traceback.
The events (see ``_worker``):

    {"event": "step", "what": str, "check": str or null, "seconds": number > 0}
    {"event": "reply", "check": str, "reply": {...}}      one answer of the learner's code (``remote``)
    {"event": "ended", "check": str}                      the check's operations are over
    {"event": "result", "result": {"id": str, "subject": str, "title": str, "status": FAIL or NOTE, ...str}}
    {"event": "found", "found": {str: str}, "names": {str: str}, "missing": [str]}
    {"event": "done"}

Framing and validation keep a malformed or oversized message from crashing the
grader. No event carries a verdict of a check: the grader replays each check
on its replies (``verdicts``), and a ``result`` event may only add a failure or
a note (a file that does not load, the learner's conventions), never a pass.
"""

from __future__ import annotations

import json
import math
import os
import signal
import struct

from deepkiso import i18n
from deepkiso.check.report import FAIL, NOTE, Result
from deepkiso.i18n import N_, _

__all__ = [
    "FramedChannel",
    "FrameReader",
    "InvalidEvent",
    "validate",
    "MAX_FRAME_BYTES",
    "INVALID_CAUSE",
]

MAX_FRAME_BYTES = 16 * 1024 * 1024  # one reply: an array of a few million numbers
_HEADER = struct.Struct(">I")
_REQUIRED_RESULT = ("id", "subject", "title", "status")
INVALID_CAUSE = N_(
    "the code under test may have written to the checker's channel itself; "
    "the rest of this file's checks were not trusted"
)


class InvalidEvent(Exception):
    """What the worker sent is not a valid event; str() says how, for the report."""


class FramedChannel:
    """The worker's side: each event one length-prefixed JSON frame on the pipe to the grader."""

    def __init__(self, fd: int):
        self._fd = fd

    def send(self, **event) -> None:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        data = _HEADER.pack(len(body)) + body
        # The time limit (SIGALRM) waits until the frame is written whole: half a frame would end the file's checks.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        try:
            while data:  # a pipe may take a large frame in parts
                data = data[os.write(self._fd, data) :]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


class FrameReader:
    """The grader's side: feed bytes as they arrive, take whole validated events out."""

    def __init__(self):
        self._buffer = b""
        self.last_size = 0  # bytes of the event last taken out

    def feed(self, data: bytes) -> None:
        self._buffer += data
        if (
            len(self._buffer) >= _HEADER.size
            and _HEADER.unpack_from(self._buffer)[0] > MAX_FRAME_BYTES
        ):
            raise InvalidEvent(
                _("a message of {size} bytes (at most {limit} are accepted)").format(
                    size=_HEADER.unpack_from(self._buffer)[0], limit=MAX_FRAME_BYTES
                )
            )

    def events(self):
        """Yield each complete event in the buffer, validated."""
        while len(self._buffer) >= _HEADER.size:
            size = _HEADER.unpack_from(self._buffer)[0]
            if size > MAX_FRAME_BYTES:
                raise InvalidEvent(
                    _("a message of {size} bytes (at most {limit} are accepted)").format(
                        size=size, limit=MAX_FRAME_BYTES
                    )
                )
            if len(self._buffer) < _HEADER.size + size:
                return
            body = self._buffer[_HEADER.size : _HEADER.size + size]
            self._buffer = self._buffer[_HEADER.size + size :]
            self.last_size = size
            yield validate(_decode(body))

    def leftover(self) -> bool:
        """Whether a partial frame is left (at the end of the stream: a truncated message)."""
        return bool(self._buffer)


def _decode(body: bytes) -> dict:
    try:
        event = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidEvent(_("a message that is not JSON")) from None
    if not isinstance(event, dict):
        raise InvalidEvent(
            _("a JSON {kind} instead of an event object").format(kind=type(event).__name__)
        )
    return event


def _expect(event: dict, name: str, kinds: tuple[type, ...], what: str):
    value = event.get(name)
    if name not in event or not isinstance(value, kinds) or isinstance(value, bool):
        raise InvalidEvent(
            _("a {event} event whose {name} is not {what}").format(
                event=repr(event.get("event")), name=repr(name), what=i18n._(what)
            )
        )
    return value


def validate(event: dict) -> dict:
    """The event unchanged when it matches its schema (result: a Result in "result"); else InvalidEvent."""
    kind = event.get("event")
    allowed = {
        "step": {"what", "check", "seconds"},
        "result": {"result"},
        "found": {"found", "names", "missing"},
        "reply": {"check", "reply"},
        "ended": {"check"},
        "done": set(),
    }
    if not isinstance(kind, str) or kind not in allowed:
        raise InvalidEvent(_("an unknown event {event}").format(event=repr(str(kind)[:40])))
    extra = set(event) - allowed[kind] - {"event"}
    if extra:
        raise InvalidEvent(
            _("a {event} event with unknown fields {fields}").format(
                event=repr(kind), fields=sorted(extra)[:3]
            )
        )
    if kind == "step":
        _expect(event, "what", (str,), N_("a string"))
        if event.get("check") is not None and not isinstance(event["check"], str):
            raise InvalidEvent(_("a 'step' event whose 'check' is not a check id"))
        seconds = _expect(event, "seconds", (int, float), N_("a number"))
        if not (math.isfinite(seconds) and 0 < seconds <= 86400):
            raise InvalidEvent(_("a 'step' event whose 'seconds' is not a time limit"))
    elif kind == "result":
        data = _expect(event, "result", (dict,), N_("an object"))
        for name in _REQUIRED_RESULT:
            _expect(data, name, (str,), N_("a string"))
        if set(data) - set(Result.__dataclass_fields__) or not all(
            isinstance(v, str) for v in data.values()
        ):
            raise InvalidEvent(
                _("a 'result' event with unknown fields or values that are not strings")
            )
        if data["status"] not in (FAIL, NOTE):
            raise InvalidEvent(
                _("a 'result' event with the status {status}").format(
                    status=repr(data["status"][:20])
                )
            )
        event = dict(event, result=Result.from_dict(data))
    elif kind == "found":
        found = _expect(event, "found", (dict,), N_("an object"))
        names = _expect(event, "names", (dict,), N_("an object"))
        missing = _expect(event, "missing", (list,), N_("a list"))
        if set(names) != set(found) or not all(
            isinstance(v, str) for v in [*found, *found.values(), *names.values(), *missing]
        ):
            raise InvalidEvent(_("a 'found' event with names that are not strings"))
    elif kind in ("reply", "ended"):
        _expect(event, "check", (str,), N_("a check id"))
        if kind == "reply":
            _expect(event, "reply", (dict,), N_("an object"))
    return event
