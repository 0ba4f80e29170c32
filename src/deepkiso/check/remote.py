"""The boundary between a check and the learner's code: proxies that answer in plain values, recorded and replayed.

A check never touches the learner's objects itself: it gets a proxy
(``Remote``) of each, and every use of one (an attribute, a call, an item, a
signature, the source line of a method) is an *operation* that a session
carries out. In the checking process a ``RecordingSession`` (``recording``)
runs each operation on the real object and sends its answer as a *reply*:
plain values only (``answers``: None, bools, numbers, strings, arrays as
``.npy`` bytes, tuples, lists and dicts of these), a *handle* for any other
object (the check gets a proxy of it), or the exception the learner's code
raised (its type, base class, text and line). The grader runs the same check again with a
``ReplaySession`` that answers each operation from the replies, in order, so
every comparison, and so every verdict, is made in the grader: the code
under test can change its own answers, never the check that judges them. An
operation that does not match the next reply, or a reply that does not
decode, raises ``InvalidTranscript``.

Both sides see the same values: the checking process decodes its own
replies, as the grader does. What a call does to the check's own arguments
(an optimizer updating the check's ``params`` in place, a training loop
moving the weights of the check's net) is part of its reply, so the grader's
copies change the same way; an array that came from the learner and is
changed by the check in place (``W[...] = …``) is written back into the
learner's own array before the next operation.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from deepkiso.check.answers import (
    MAX_DEPTH,
    Decoder,
    InvalidTranscript,
    from_npy,
    rebuilt,
    signature_from,
)
from deepkiso.check.timeouts import StepTimeout
from deepkiso.i18n import _

__all__ = [
    "Remote",
    "InvalidTranscript",
    "Session",
    "tracked",
    "fingerprint",
    "ReplaySession",
    "fact",
    "class_of",
    "is_remote",
    "FACTS",
    "MAX_REPLY_BYTES",
]

MAX_REPLY_BYTES = 64 * 1024 * 1024  # all the replies of one check together
# Dunder attributes a check may ask of a learner's object; any other is not forwarded.
_DUNDERS = {"__name__", "__qualname__", "__module__", "__doc__", "__init__", "__func__"}
_KINDS = ("callable", "iterator", "object")


# --------------------------------------------------------------------------- proxies


class Remote:
    """A learner's object seen from a check: every use is an operation of the session."""

    __slots__ = ("__weakref__", "_handle", "_session")

    def __init__(self, session: Session, handle: int):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_handle", handle)

    def _op(self, kind: str, *operands: Any) -> Any:
        return self._session.op(kind, self._handle, *operands)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name not in _DUNDERS:
            raise AttributeError(name)
        return self._op("getattr", name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._op("setattr", name, value)

    def __getitem__(self, key: Any) -> Any:
        return self._op("getitem", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._op("setitem", key, value)

    def __len__(self) -> int:
        return int(self._op("len"))

    def __bool__(self) -> bool:
        return bool(self._op("bool"))

    def __contains__(self, item: Any) -> bool:
        return bool(self._op("contains", item))

    def __iter__(self) -> Iterator[Any]:
        return self._op("iter")  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return str(self._op("repr"))

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError("a learner's object that is not an array")

    @property
    def __signature__(self) -> inspect.Signature:
        return signature_from(self._op("signature"))


class RemoteCallable(Remote):
    """A learner's function, class or method."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._op("call", args, kwargs)


class RemoteIterator(Remote):
    """A learner's iterator or generator (minibatches(…))."""

    __slots__ = ()

    def __iter__(self) -> RemoteIterator:
        return self

    def __next__(self) -> Any:
        return self._op("next")


_PROXIES = {"callable": RemoteCallable, "iterator": RemoteIterator, "object": Remote}


def is_remote(obj: Any) -> bool:
    return isinstance(obj, Remote)


# Facts: what the checking process tells of an object, computed there: name -> f(session, obj, *args).
FACTS: dict[str, Callable[..., Any]] = {}


def fact(obj: Any, name: str, *args: Any) -> Any:
    """FACTS[name] of obj: asked of the checking process for a proxy, computed here for anything else."""
    if isinstance(obj, Remote):
        return obj._op("fact", name, args)
    return FACTS[name](None, obj, *args)


def class_of(obj: Any) -> Any:
    """type(obj), also for a proxy (then a proxy of the learner's class)."""
    if isinstance(obj, Remote):
        return obj._op("class")
    return type(obj)


# --------------------------------------------------------------------------- state of the check's arguments


def tracked(values: Any) -> list[Any]:
    """The check's own mutable objects reachable from values, in a fixed order (proxies and callables not followed)."""
    found: list[Any] = []
    seen: set[int] = set()

    def visit(value: Any, depth: int) -> None:
        if depth > MAX_DEPTH or id(value) in seen or isinstance(value, Remote):
            return
        if isinstance(value, (np.ndarray, np.random.Generator)):
            seen.add(id(value))
            found.append(value)
        elif type(value) is tuple:
            for v in value:
                visit(v, depth + 1)
        elif isinstance(value, (list, dict)):
            seen.add(id(value))
            found.append(value)
            for v in value.values() if isinstance(value, dict) else value:
                visit(v, depth + 1)
        elif type(value).__module__.startswith("deepkiso.") and hasattr(value, "__dict__"):
            seen.add(id(value))
            found.append(value)
            for v in vars(value).values():
                visit(v, depth + 1)

    visit(values, 0)
    return found


def fingerprint(obj: Any, real: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return np.array(real, copy=True)
    if isinstance(obj, np.random.Generator):
        return obj.bit_generator.state
    if isinstance(obj, list):
        return [id(v) for v in obj]
    items = obj if isinstance(obj, dict) else vars(obj)
    return {k: id(v) for k, v in items.items()}


# --------------------------------------------------------------------------- sessions


class Session:
    """Carries out a check's operations on the learner's objects; see RecordingSession and ReplaySession."""

    def __init__(self) -> None:
        self.proxies: list[Remote] = []
        # Every array the check got from the learner, numbered as it came: index -> the check's copy.
        self.copies: dict[int, weakref.ref] = {}
        self.n_copies = 0

    def op(self, kind: str, handle: int | None, *operands: Any) -> Any:
        raise NotImplementedError

    def root(self) -> Any:
        """The proxy of the object under check (the first operation of every check)."""
        return self.op("root", None)

    def proxy(self, handle: Any, kind: Any) -> Remote:
        if handle != len(self.proxies) or kind not in _KINDS:
            raise InvalidTranscript(
                _(
                    "a handle out of order: expected handle {expected} of a kind in {kinds}, "
                    "received {handle} of kind {kind}"
                ).format(
                    expected=len(self.proxies),
                    kinds=_KINDS,
                    handle=str(handle)[:20],
                    kind=repr(str(kind)[:20]),
                )
            )
        proxy = _PROXIES[kind](self, handle)
        self.proxies.append(proxy)
        return proxy

    def remember(self, array: np.ndarray, real: np.ndarray | None) -> None:
        """Number array, the check's copy of one of the learner's arrays (real, in the checking process)."""
        self.copies[self.n_copies] = weakref.ref(array)
        self.n_copies += 1

    def rebase(self, array: np.ndarray) -> None:
        """Note that the check's copy array now holds what the learner's array holds (the checking process only)."""

    def _refresh(self, refreshed: Any) -> None:
        """Update the check's copies of the learner's arrays that the learner's code changed in place."""
        if not isinstance(refreshed, list):
            raise InvalidTranscript(_("refreshed arrays that are not a list"))
        for item in refreshed:
            if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is int):
                raise InvalidTranscript(_("a refreshed array that names no copy"))
            ref = self.copies.get(item[0])
            copy = ref() if ref is not None else None
            value = from_npy(item[1])
            if copy is not None:
                if copy.shape != value.shape:
                    raise InvalidTranscript(
                        _(
                            "a refreshed array of another shape: expected {expected}, received {received}"
                        ).format(expected=copy.shape, received=value.shape)
                    )
                copy[...] = value
                self.rebase(copy)

    def _check_handle(self, handle: int | None) -> None:
        if handle is not None and not 0 <= handle < len(self.proxies):
            raise InvalidTranscript(
                _("an operation on an unknown handle {handle} (known: 0 to {last})").format(
                    handle=handle, last=len(self.proxies) - 1
                )
            )

    @staticmethod
    def descriptor(kind: str, handle: int | None, operands: tuple) -> list:
        name = operands[0] if kind in ("getattr", "setattr", "fact") else None
        return [kind, handle, name]

    def _answer(self, reply: dict, refs: list[Any], arrays=None) -> Any:
        """The value of a reply for the check (or its exception raised), the arguments' changes applied."""
        decoder = Decoder(self, refs, arrays)
        # In the order the checking process encoded them: the value, then the changes.
        value = decoder.value(reply["value"]) if "value" in reply else None
        changes = reply.get("changes", [])
        if not isinstance(changes, list):
            raise InvalidTranscript(_("changes that are not a list"))
        for change in changes:
            _apply(change, refs, decoder)
        self._refresh(reply.get("refreshed", []))
        if "raise" in reply:
            raise rebuilt(reply["raise"])
        if "timeout" in reply:
            raise _timeout(reply["timeout"], reply.get("location", ""))
        if "value" not in reply:
            raise InvalidTranscript(_("a reply without a value"))
        return value


def _timeout(seconds: Any, where: Any) -> BaseException:
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not seconds > 0:
        raise InvalidTranscript(_("a timeout that is not a number of seconds"))
    exc = StepTimeout(float(seconds))
    exc.learner_location = str(where)[:500]  # type: ignore[attr-defined]
    return exc


def _apply(change: Any, refs: list[Any], decoder: Decoder) -> None:
    """Apply one change of a check's argument (what the learner's call did to it)."""
    if not isinstance(change, dict) or type(change.get("i")) is not int:
        raise InvalidTranscript(_("a change that names no argument"))
    index = change["i"]
    if not 0 <= index < len(refs):
        raise InvalidTranscript(
            _("a change of an unknown argument {index} (the call had {count})").format(
                index=index, count=len(refs)
            )
        )
    target = refs[index]
    if "a" in change:
        value = decoder.value({"a": change["a"]})
        if not isinstance(target, np.ndarray) or value.shape != target.shape:
            raise InvalidTranscript(
                _(
                    "a change of an array to another shape: expected {expected}, received {received}"
                ).format(expected=np.shape(target), received=value.shape)
            )
        target[...] = value
        decoder.session.rebase(target)
    elif "g" in change:
        if not isinstance(target, np.random.Generator):
            raise InvalidTranscript(_("a generator's state for something else"))
        try:
            target.bit_generator.state = change["g"]
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidTranscript(
                _("a generator state that is not one ({error})").format(error=exc)
            ) from None
    elif "l" in change:
        if not isinstance(target, list):
            raise InvalidTranscript(_("a list's items for something else"))
        target[:] = decoder.value({"l": change["l"]})
    elif "d" in change:
        if isinstance(target, (list, np.ndarray, np.random.Generator)):
            raise InvalidTranscript(_("a dict's items for something else"))
        items = target if isinstance(target, dict) else vars(target)
        removed = change.get("x", [])
        if not isinstance(removed, list):
            raise InvalidTranscript(_("removed keys that are not a list"))
        for key in removed:
            items.pop(decoder.value(key), None)
        items.update(decoder.value({"d": change["d"]}))
    else:
        raise InvalidTranscript(_("a change of an unknown kind"))


class ReplaySession(Session):
    """The grader's side: answers each operation with the next reply, which must be its answer.

    replies: the checking process's replies for this check, in order (each validated here).
    """

    def __init__(self, replies: list[Any]):
        super().__init__()
        self.replies, self.next = replies, 0

    def op(self, kind: str, handle: int | None, *operands: Any) -> Any:
        self._check_handle(handle)
        if self.next >= len(self.replies):
            if kind == "fact":
                # A line for the report that the checking process never needed: its copy of the check
                # took another way (the learner's code changed it). The line is only left out.
                return ""
            raise InvalidTranscript(
                _("no answer to the check's {kind} operation").format(kind=repr(kind))
            )
        reply = self.replies[self.next]
        self.next += 1
        if not isinstance(reply, dict):
            raise InvalidTranscript(_("a reply that is not an object"))
        if "abort" in reply:  # the checking process stopped this check here (out of time or memory)
            self.next -= 1
            raise _aborted(reply)
        if reply.get("op") != self.descriptor(kind, handle, operands):
            raise InvalidTranscript(
                _("an answer to {op} where the check asked {kind}").format(
                    op=str(reply.get("op"))[:60], kind=repr(kind)
                )
            )
        unknown = set(reply) - {
            "op",
            "value",
            "raise",
            "timeout",
            "location",
            "changes",
            "refreshed",
        }
        if unknown:
            raise InvalidTranscript(
                _("a reply with unknown fields {fields}").format(fields=sorted(unknown)[:3])
            )
        refs = tracked(operands) if kind in ("call", "setattr", "setitem") else []
        return self._answer(reply, refs)

    def leftover(self) -> list[Any]:
        """The replies the check did not ask for (an abort at the end is not one)."""
        rest = self.replies[self.next :]
        return [r for r in rest if not (isinstance(r, dict) and "abort" in r)]


def aborted_reply(exc: BaseException) -> dict:
    """The reply for a check the checking process stopped outside the learner's code (time, memory)."""
    if isinstance(exc, StepTimeout):
        return {"abort": "timeout", "seconds": exc.seconds}
    return {"abort": "memory"}


def _aborted(reply: dict) -> BaseException:
    if reply.get("abort") == "timeout":
        return _timeout(reply.get("seconds"), "")
    if reply.get("abort") == "memory":
        return MemoryError()
    raise InvalidTranscript(_("an abort of an unknown kind"))
