"""The checking process's side of the boundary: each of a check's operations run on the learner's real object.

See ``remote``: the answer of each operation is sent as a reply and then
decoded here exactly as the grader decodes it, so both copies of the check
see the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deepkiso.check.answers import MAX_DEPTH, Encoder, builtin_base, npy, signature_of
from deepkiso.check.remote import FACTS, Remote, Session, fingerprint, tracked
from deepkiso.check.timeouts import StepTimeout

__all__ = ["RecordingSession"]


class RecordingSession(Session):
    """The checking process's side: runs each operation on the real object and sends its reply.

    send: called with each reply (a JSON-able dict).
    root: the learner's object under check (adapted to the course's calls).
    where: the learner's line an exception comes from (``loader.location``).
    relabel: a source line as the report names its file.
    namespace: the learner's module, for facts about its helpers.
    """

    def __init__(
        self,
        send: Callable[[dict], None],
        root: Any,
        where: Callable[[BaseException], str],
        relabel: Callable[[str], str],
        namespace: dict | None = None,
    ):
        super().__init__()
        self.send, self.real_root, self.where, self.relabel = send, root, where, relabel
        self.namespace = namespace or {}
        self.objects: list[Any] = []  # handle -> the real object
        self.depth = 0  # > 0 while the learner's code runs (it may call back into the check's code)
        # For each numbered copy that is alive: (the learner's array, the copy as the learner's array was).
        self.reals: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.index_of: dict[int, int] = {}  # id of a live copy -> its number

    # -- the checking process's own bookkeeping

    def new_handle(self, value: Any) -> dict:
        self.objects.append(value)
        if callable(value):
            kind = "callable"
        elif hasattr(type(value), "__next__"):
            kind = "iterator"
        else:
            kind = "object"
        return {"h": len(self.objects) - 1, "k": kind}

    def remember(self, array: np.ndarray, real: np.ndarray | None) -> None:
        index = self.n_copies
        super().remember(array, real)
        if real is not None and real is not array:
            self.reals[index] = (real, array.copy())
            self.index_of[id(array)] = index

    def rebase(self, array: np.ndarray) -> None:
        index = self.index_of.get(id(array))
        if index is not None and index in self.reals:
            self.reals[index] = (self.reals[index][0], array.copy())

    def _live(self):
        """(number, the check's copy, the learner's array, as it was) of each copy still alive."""
        for index in list(self.reals):
            copy = self.copies[index]()
            if copy is None:
                del self.reals[index], self.copies[index]
                continue
            yield index, copy, *self.reals[index]

    def _real_array(self, array: np.ndarray) -> np.ndarray:
        index = self.index_of.get(id(array))
        if index is not None and index in self.reals and self.copies[index]() is array:
            return self.reals[index][0]
        return array

    def _write_back(self) -> None:
        """Write into the learner's arrays what the check changed in its copies (W[...] = …)."""
        for index, copy, real, as_was in self._live():
            if copy.shape == as_was.shape == real.shape:
                changed = ~((copy == as_was) | (np.isnan(copy) & np.isnan(as_was)))
                if changed.any():
                    real[changed] = copy[changed]
                    self.reals[index] = (real, real.copy())

    def _refreshed(self) -> list:
        """The learner's arrays that its code changed in place since the check's copy was made, for the reply."""
        refreshed = []
        for index, copy, real, as_was in self._live():
            if (
                real.shape == copy.shape
                and real.dtype == copy.dtype
                and not np.array_equal(real, as_was, equal_nan=True)
            ):
                refreshed.append([index, npy(real)])
        return refreshed

    def _real(self, value: Any, depth: int = 0) -> Any:
        """An operand as the learner's code gets it: proxies as their objects, the learner's arrays as themselves."""
        if isinstance(value, Remote):
            return self.objects[value._handle]
        if isinstance(value, np.ndarray):
            return self._real_array(value)
        if depth < MAX_DEPTH and type(value) is tuple:
            return tuple(self._real(v, depth + 1) for v in value)
        return value

    # -- operations

    def op(self, kind: str, handle: int | None, *operands: Any) -> Any:
        if self.depth > 0:  # the learner's code called the check's code back: nothing to record
            return self._perform(kind, handle, operands)
        self._write_back()
        refs = tracked(operands) if kind in ("call", "setattr", "setitem") else []
        before = [
            fingerprint(r, self._real_array(r) if isinstance(r, np.ndarray) else r) for r in refs
        ]
        encoder = Encoder(self, {id(r): i for i, r in enumerate(refs)})
        reply: dict[str, Any] = {"op": self.descriptor(kind, handle, operands)}
        self.depth += 1
        try:
            result = self._perform(kind, handle, operands)
        except StepTimeout as exc:
            reply["timeout"], reply["location"] = exc.seconds, self.where(exc)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the learner's exception is the answer
            reply["raise"] = {
                "type": type(exc).__name__,
                "base": builtin_base(exc),
                "text": str(exc)[:2000],
                "location": self.where(exc) if kind != "fact" else "",
            }
        else:
            reply["value"] = encoder.value(result)
        finally:
            self.depth -= 1
        reply["changes"] = self._changes(refs, before, encoder)
        reply["refreshed"] = self._refreshed()
        self.send(reply)
        return self._answer(reply, refs, encoder.arrays)

    def _changes(self, refs: list[Any], before: list[Any], encoder: Encoder) -> list[dict]:
        changes: list[dict] = []
        for i, (obj, was) in enumerate(zip(refs, before, strict=True)):
            if isinstance(obj, np.ndarray):
                now = self._real_array(obj)
                if now.shape == was.shape and not np.array_equal(now, was, equal_nan=True):
                    changes.append({"i": i, "a": encoder.array(now)})
            elif isinstance(obj, np.random.Generator):
                if obj.bit_generator.state != was:
                    changes.append({"i": i, "g": obj.bit_generator.state})
            elif isinstance(obj, list):
                if [id(v) for v in obj] != was:
                    changes.append({"i": i, "l": encoder.value(list(obj))["l"]})
            else:
                items = obj if isinstance(obj, dict) else vars(obj)
                new = {k: v for k, v in items.items() if was.get(k) != id(v)}
                removed = [k for k in was if k not in items]
                if new or removed:
                    changes.append(
                        {
                            "i": i,
                            "d": encoder.value(new)["d"],
                            "x": [encoder.value(k) for k in removed],
                        }
                    )
        return changes

    def _perform(self, kind: str, handle: int | None, operands: tuple) -> Any:
        if kind == "root":
            return self.real_root
        target: Any = self.objects[handle] if handle is not None else None
        real = [self._real(v) for v in operands]
        if kind == "getattr":
            return getattr(target, real[0])
        if kind == "setattr":
            return setattr(target, real[0], real[1])
        if kind == "getitem":
            return target[real[0]]
        if kind == "setitem":
            target[real[0]] = real[1]
            return None
        if kind == "call":  # real[0]: the arguments as the learner gets them; keywords likewise
            return target(*real[0], **{k: self._real(v) for k, v in operands[1].items()})
        if kind == "len":
            return len(target)
        if kind == "bool":
            return bool(target)
        if kind == "contains":
            return real[0] in target
        if kind == "iter":
            return iter(target)
        if kind == "next":
            return next(target)
        if kind == "repr":
            return repr(target)[:200]
        if kind == "signature":
            return signature_of(target)
        if kind == "class":
            return type(target)
        if kind == "fact":
            return FACTS[real[0]](self, target, *operands[1])
        raise ValueError(f"unknown operation {kind}")
