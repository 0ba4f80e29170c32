"""The learner's source lines a report points at: where an object was defined, and the line a wrong value comes from."""

from __future__ import annotations

import inspect
import re
from typing import Any

from deepkiso.check.remote import FACTS, fact, is_remote

__all__ = ["code_of", "source_line", "locate"]


def code_of(obj: Any):
    """The code object where obj was defined: a function's own, or a class's first method's."""
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if hasattr(obj, "__code__"):
        return obj.__code__
    if inspect.isclass(obj):
        for value in vars(obj).values():
            value = getattr(value, "__func__", value)
            if hasattr(value, "__code__"):
                return value.__code__
    return None


def source_line(obj: Any, pattern: str = "", regex: str = "") -> str:
    """ "/path/my_net.py, line 23: z1 = a1": the first line of obj's source that contains pattern (or matches
    regex); its def line when there is none; "" when the source cannot be read (a builtin, a lost cell).

    The file is the code's own filename; the checking process relabels it as the report names it
    ("common/layers.py", "cell In[3]"). For a learner's object seen through a proxy (also behind a
    check's wrapper's ``__wrapped__``), the checking process reads its source.
    """
    target = inspect.unwrap(obj) if callable(obj) else obj
    if is_remote(target):
        return str(fact(target, "source_line", pattern, regex))
    code = code_of(obj)
    try:
        lines, first = inspect.getsourcelines(inspect.unwrap(getattr(obj, "__func__", obj)))
    except (OSError, TypeError):
        return ""
    hits = [
        i
        for i, text in enumerate(lines)
        if (pattern and pattern in text) or (regex and re.search(regex, text.split("#")[0]))
    ]
    index = hits[0] if hits else 0
    line = f"line {first + index}: {lines[index].strip()}"
    return f"{code.co_filename}, {line}" if code is not None else line


_METHOD_WORDS = (
    "backward",
    "forward",
    "numerical_gradient",
    "gradient",
    "predict",
    "loss",
    "accuracy",
    "update",
)


def locate(obj: Any, title: str, message: str) -> str:
    """The learner's line a wrong value most likely comes from: "my.py, line 31: self.db = dout".

    The method is the one the check's title names (backward, forward, gradient, …), else obj itself;
    within it, the line that assigns the quantity the message starts with (db, dW, dx, …), else its
    first return line.
    """
    if is_remote(obj):
        return str(fact(obj, "locate", title, message))
    if inspect.isclass(obj):
        method = next(
            (
                getattr(obj, m)
                for m in _METHOD_WORDS
                if m in title and callable(getattr(obj, m, None))
            ),
            None,
        )
        if method is None:
            return ""
    else:
        method = obj
    changed = re.match(r"the caller's (\w+) .*was changed", message or "")
    if changed:  # the line that writes into the caller's array: x[self.mask] = 0, x -= …
        name = changed.group(1)
        for pattern in (f"{name}[", f"{name} -=", f"{name} +=", f"{name} *=", f"{name} /="):
            line = source_line(method, pattern)
            if line and pattern in line and "=" in line.split(pattern, 1)[1]:
                return line
    word = re.match(r"[A-Za-z_][\w\[\]'\"]*", message or "")
    if word and word.group(0) not in ("the", "one", "sample", "batch", "after", "no"):
        name = word.group(0).split("(")[0]
        for pattern in (f"self.{name} =", f"{name} =", f"self.{name}="):
            line = source_line(method, pattern)
            if line and pattern in line:
                return line
    return source_line(method, "return ") or source_line(method)


def _relabelled(session: Any, text: str) -> str:
    return session.relabel(text) if session is not None and text else text


FACTS["source_line"] = lambda session, obj, pattern, regex: _relabelled(
    session, source_line(obj, pattern, regex)
)
FACTS["locate"] = lambda session, obj, title, message: _relabelled(
    session, locate(obj, title, message)
)
