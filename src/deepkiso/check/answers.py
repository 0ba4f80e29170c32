"""The plain answers of a learner's code as they travel from the checking process to the grader.

A value is JSON: None, bools, numbers and strings as themselves; an array
(numbers or bools) as ``{"a": base64 of its .npy bytes}`` (loaded with
``allow_pickle=False``), a NumPy scalar as ``{"s": …}``; tuples, lists and
dicts (plain keys) as ``{"t": […]}``, ``{"l": […]}``, ``{"d": [[key, value], …]}``;
one of the check's own arguments as ``{"r": its number}``; any other object
as a handle ``{"h": number, "k": "callable" | "iterator" | "object"}``, which
the check sees as a proxy (``remote``). An exception the learner's code
raised travels as its type's name, its builtin base class, its text and the
learner's line. ``Decoder`` raises ``InvalidTranscript`` for anything else.
"""

from __future__ import annotations

import base64
import builtins
import inspect
import io
from collections import OrderedDict
from typing import Any

import numpy as np

from deepkiso.i18n import _

__all__ = [
    "InvalidTranscript",
    "MAX_DEPTH",
    "Encoder",
    "Decoder",
    "npy",
    "from_npy",
    "plain_key",
    "builtin_base",
    "rebuilt",
    "signature_from",
    "signature_of",
]

MAX_DEPTH = 20  # nesting of tuples, lists and dicts in one value


class InvalidTranscript(BaseException):
    """A reply that does not decode, or that does not answer the operation the check made.

    A BaseException, so that no ``except Exception`` in a check can take it for the learner's error.
    """


def npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def from_npy(text: Any) -> np.ndarray:
    if not isinstance(text, str):
        raise InvalidTranscript(_("an array that is not .npy bytes"))
    try:
        array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except (ValueError, OSError, EOFError, TypeError) as exc:
        raise InvalidTranscript(
            _("an array that does not load ({error})").format(error=exc)
        ) from None
    if not isinstance(array, np.ndarray):
        raise InvalidTranscript(_("an array that is not one"))
    return array


def plain_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind in "biufc" and not value.dtype.fields


class Encoder:
    """Encodes one reply's values; registers the learner's objects it meets as handles (checking process only)."""

    def __init__(self, session: Any, refs: dict[int, int] | None = None):
        self.session, self.refs = session, refs or {}
        self.arrays: list[
            np.ndarray
        ] = []  # the learner's arrays, in the order the decoder meets them

    def array(self, array: np.ndarray) -> str:
        self.arrays.append(array)
        return npy(array)

    def value(self, value: Any, depth: int = 0) -> Any:
        if id(value) in self.refs:
            return {"r": self.refs[id(value)]}
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) in (int, float):  # not their subclasses (bool is handled above)
            return value
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":
            return {"s": npy(np.asarray(value))}
        if plain_array(value):
            return {"a": self.array(value)}
        if depth < MAX_DEPTH and type(value) in (tuple, list):
            return {"t" if type(value) is tuple else "l": [self.value(v, depth + 1) for v in value]}
        if (
            depth < MAX_DEPTH
            and type(value) in (dict, OrderedDict)
            and all(plain_key(k) for k in value)
        ):
            items = [[self.value(k, depth + 1), self.value(v, depth + 1)] for k, v in value.items()]
            return {"d": items, "o": type(value) is OrderedDict}
        return self.session.new_handle(value)


def plain_key(key: Any) -> bool:
    return (
        key is None
        or type(key) in (str, int, bool)
        or (type(key) is tuple and all(plain_key(k) for k in key))
    )


class Decoder:
    """Decodes one reply's values into what the check sees: plain values and proxies."""

    def __init__(self, session: Any, refs: list[Any] | None = None, arrays=None):
        self.session, self.refs = session, refs or []
        self.arrays = iter(arrays) if arrays is not None else None

    def value(self, data: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH + 1:
            raise InvalidTranscript(_("a value nested too deeply"))
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if not isinstance(data, dict) or len(data) not in (1, 2):
            raise InvalidTranscript(
                _("an unknown value {value}").format(value=repr(str(data)[:40]))
            )
        if "s" in data:
            array = from_npy(data["s"])
            if array.ndim != 0:
                raise InvalidTranscript(
                    _("a scalar that is an array of shape {shape}").format(shape=array.shape)
                )
            return array[()]
        if "a" in data:
            array = from_npy(data["a"])
            self.session.remember(array, next(self.arrays) if self.arrays is not None else None)
            return array
        if "t" in data or "l" in data:
            items = data.get("t", data.get("l"))
            if not isinstance(items, list):
                raise InvalidTranscript(_("a sequence that is not a list"))
            values = [self.value(v, depth + 1) for v in items]
            return tuple(values) if "t" in data else values
        if "d" in data:
            return self._dict(data, depth)
        if "r" in data:
            index = data["r"]
            if type(index) is not int or not 0 <= index < len(self.refs):
                raise InvalidTranscript(
                    _("a reference to an unknown argument {index} (the call had {count})").format(
                        index=str(index)[:20], count=len(self.refs)
                    )
                )
            return self.refs[index]
        if "h" in data:
            return self.session.proxy(data.get("h"), data.get("k"))
        raise InvalidTranscript(_("an unknown value {value}").format(value=repr(str(data)[:40])))

    def _dict(self, data: dict, depth: int) -> dict:
        items = data["d"]
        if not isinstance(items, list) or not all(
            isinstance(i, list) and len(i) == 2 for i in items
        ):
            raise InvalidTranscript(_("a dict that is not a list of pairs"))
        result: dict = OrderedDict() if data.get("o") is True else {}
        for key, value in items:
            key = self.value(key, depth + 1)
            if not plain_key(key):
                raise InvalidTranscript(_("a dict key that is not plain"))
            result[key] = self.value(value, depth + 1)
        return result


_REBUILT: dict[tuple[str, str], type[BaseException]] = {}


def builtin_base(exc: BaseException) -> str:
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls.__name__
    return "Exception"


def rebuilt(info: Any) -> BaseException:
    """An exception of the learner's type's name, a subclass of its builtin base, with the same text and line."""
    if not isinstance(info, dict) or not all(
        isinstance(info.get(k), str) for k in ("type", "base", "text", "location")
    ):
        raise InvalidTranscript(_("an exception that is not described by its type, base and text"))
    base = getattr(builtins, info["base"], None)
    if not (isinstance(base, type) and issubclass(base, BaseException)) or issubclass(
        base, (KeyboardInterrupt, GeneratorExit)
    ):
        raise InvalidTranscript(
            _("an exception of the unknown base {base}").format(base=repr(info["base"][:40]))
        )
    name = info["type"][:80] or base.__name__
    cls: type[BaseException] | None = _REBUILT.get((name, base.__name__))
    if cls is None:
        cls = type(name, (base,), {"__str__": lambda self: self.text, "__module__": "learner"})
        _REBUILT[(name, base.__name__)] = cls
    exc: Any = cls.__new__(cls)
    exc.text, exc.learner_location = info["text"][:2000], info["location"][:500]
    return exc


def signature_from(data: Any) -> inspect.Signature:
    try:
        return inspect.Signature(
            [
                inspect.Parameter(
                    name,
                    inspect._ParameterKind(kind),
                    default=inspect.Parameter.empty if not has_default else default,
                )
                for name, kind, has_default, default in data
            ]
        )
    except (TypeError, ValueError) as exc:
        raise InvalidTranscript(
            _("a signature that is not one ({error})").format(error=exc)
        ) from None


def signature_of(obj: Any) -> list | None:
    """[(name, kind, has a default, the default when it is plain), …] of obj's signature."""
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"no signature found for {type(obj).__name__}") from None
    plain = (type(None), bool, int, float, str)
    return [
        (
            p.name,
            int(p.kind),
            p.default is not p.empty,
            p.default if isinstance(p.default, plain) else None,
        )
        for p in parameters
    ]
