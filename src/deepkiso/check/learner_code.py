"""The learner's code once loaded: its modules, every binding of each name, and where their lines are.

Problems are reported with the learner's own file, cell, line and source
line (``location``, ``where_defined``), never with deepkiso's traceback.
"""

from __future__ import annotations

import linecache
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepkiso.check.expect import raised, shorten
from deepkiso.check.source_lines import code_of
from deepkiso.i18n import _

__all__ = [
    "Binding",
    "Module",
    "LearnerCode",
    "location",
    "where_defined",
    "defined_by_learner",
    "describe_error",
]


@dataclass
class Binding:
    """One binding of a name by a top-level statement of the learner's file.

    where: "cell In[3], line 4" or "line 12" (the file is said by the Module).
    statement: the statement's first line ("from common.layers import *").
    own: the object was defined in this file (a def or class here, or an alias of one).
    """

    obj: Any
    where: str
    statement: str
    own: bool


@dataclass
class Module:
    """One of the learner's files, run as a module: its namespace and every binding of each name.

    helpers: names the definitions' code may use beyond the namespace (for
        live objects, whose namespace holds only what is to be graded).
    """

    path: Path
    label: str
    namespace: dict
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    helpers: dict = field(default_factory=dict)


@dataclass
class LearnerCode:
    """The learner's modules and what is needed to point at their lines.

    roots: the project roots (labels are relative to them).
    sources: code filename (a file, or one per notebook cell) -> its lines.
    labels: code filename -> (the file's label, the part: "" or "cell In[3]").
    """

    roots: list[Path]
    modules: list[Module] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add_source(self, filename: str, label: str, part: str, text: str) -> None:
        lines = text.splitlines(True)
        self.sources[filename] = lines
        self.labels[filename] = (label, part)
        # So that tracebacks and inspect can show the learner's lines of notebook cells too.
        linecache.cache[filename] = (len(text), None, lines, filename)

    def relative(self, filename: str) -> str | None:
        """filename relative to a project root when it is the learner's own (not an installed library)."""
        try:
            resolved = Path(filename).resolve()
            if not resolved.is_file():  # "<string>", "<stdin>": code without a file
                return None
        except (OSError, ValueError):
            return None
        if any(str(resolved).startswith(prefix) for prefix in _library_roots()):
            return None
        for root in self.roots:
            if resolved.is_relative_to(root):
                return resolved.relative_to(root).as_posix()
        return None

    def label(self, filename: str) -> str | None:
        """ "ch05/net.py" or "2_12.ipynb, cell In[3]" for the learner's own code; None for anything else."""
        if filename in self.labels:
            return ", ".join(p for p in self.labels[filename] if p)
        return self.relative(filename)


def _library_roots() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).resolve().parents[1])}
    return tuple(str(Path(r).resolve()) + os.sep for r in roots)


def _source_line(filename: str, lineno: int, code: LearnerCode) -> str:
    lines = code.sources.get(filename) or linecache.getlines(filename)
    return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


def location(exc: BaseException, code: LearnerCode) -> str:
    """The learner's line closest to where exc happened: "my.py, line 23: self.db = dout"; "" if none.

    The learner's own files include those their file imported (common/layers.py).
    For a SyntaxError, the line it points at.
    """
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno and code.label(exc.filename):
        text = (exc.text or _source_line(exc.filename, exc.lineno, code)).strip()
        return f"{code.label(exc.filename)}, line {exc.lineno}: {text}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if code.label(f.filename)]
    if not frames:
        return ""
    frame = frames[-1]
    text = (frame.line or _source_line(frame.filename, frame.lineno or 0, code)).strip()
    return f"{code.label(frame.filename)}, line {frame.lineno}: {text}"


def defined_by_learner(obj: Any, code: LearnerCode) -> bool:
    """Whether obj's code is in the learner's own files (where_defined gives its line), not imported."""
    code_object = code_of(obj)
    return code_object is not None and code.label(code_object.co_filename) is not None


def where_defined(obj: Any, code: LearnerCode, own_label: str | None) -> str:
    """ "line 12", "cell In[3], line 4", "common/layers.py, line 8" or "imported from x".

    own_label: the label left out because the report is about that file alone.
    """
    code_object = code_of(obj)
    label = code.label(code_object.co_filename) if code_object is not None else None
    if label is None:
        module = getattr(obj, "__module__", None)
        if not module:
            return _("imported from elsewhere")
        return _("imported from {module}").format(module=module)
    line = code_object.co_firstlineno
    lines = code.sources.get(code_object.co_filename) or linecache.getlines(code_object.co_filename)
    if isinstance(obj, type):  # the class statement, above its first method
        line = next(
            (
                n
                for n in range(min(line, len(lines)), 0, -1)
                if lines[n - 1].lstrip().startswith(f"class {obj.__name__}")
            ),
            line,
        )
    if own_label and label.startswith(own_label):
        label = label[len(own_label) :].lstrip(", ")
    return f"{label}, line {line}" if label else f"line {line}"


def describe_error(exc: BaseException, memory_mb: int) -> tuple[str, str]:
    """(message, likely cause) for an exception raised in the learner's code."""
    if isinstance(exc, MemoryError):
        text = _("ran out of memory (the limit is {limit} MB)").format(limit=memory_mb)
        text += f": {exc}" if str(exc) else ""
        cause = _(
            "an array far larger than intended; check the shapes "
            "(raise the limit with --memory-mb if it is needed)"
        )
        return shorten(text), cause
    if isinstance(exc, NotImplementedError):
        return (
            _("not written yet (raise NotImplementedError)"),
            _("replace `raise NotImplementedError` with your code"),
        )
    return raised(exc), ""
