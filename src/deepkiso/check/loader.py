"""Running a learner's .py file or .ipynb notebook to collect its definitions (inside the checking process).

`deepkiso check` needs the functions and classes a learner wrote for
exercises 2_1 – 2_18, not their experiments. The rule, the same for both kinds
of file: the code runs top to bottom, one top-level statement at a time, in one
namespace, under a time limit; a statement that raises is reported and the
next one still runs, so every definition that can be made is made.

* A .py file runs as a module named ``__learner__``, so code under
  ``if __name__ == "__main__":`` does not run. The whole file shares one time
  limit. Anything that stops a statement is a failure (an importable module
  must not raise), and a timeout stops the file there.
* A notebook's code cells run in order, each under its own time limit, as a
  lab log: a cell that runs past it (a training loop, usually) is stopped and
  the definitions made before that point are kept; an error in top-level code
  (a missing data file, say) is a note. A syntax error, or a ``def`` or
  ``class`` statement that raises, is a failure. IPython lines (``%magic``,
  ``!shell``) are skipped; a ``%%time``, ``%%timeit`` or ``%%capture`` cell runs
  its body once, other ``%%`` cells are skipped.

Problems are reported with the learner's own file, cell, line and source line
(``location``), never with deepkiso's traceback.
"""

from __future__ import annotations
import __future__

import ast
import json
import linecache
import signal
import sys
import traceback
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from deepkiso.check.expect import raised, shorten
from deepkiso.check.report import FAIL, NOTE, Result

__all__ = ["StepTimeout", "time_limit", "LearnerCode", "load", "location", "is_learner_file", "describe_error",
           "notebook_cells", "python_source", "MODULE_NAME"]

MODULE_NAME = "__learner__"
_BODY_MAGICS = ("time", "timeit", "capture")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class StepTimeout(BaseException):
    """Raised inside the learner's code when a step runs past its time limit.

    A BaseException, so a learner's ``except Exception:`` does not swallow it.
    """

    def __init__(self, seconds: float):
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


@contextmanager
def time_limit(seconds: float):
    """Raise StepTimeout in whatever code runs when seconds have passed (main thread only)."""

    def expire(signum, frame):
        raise StepTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class LearnerCode:
    """The learner's namespace and what is needed to point at their lines.

    sources: code filename (the file, or one per notebook cell) -> its lines.
    labels: code filename -> how the report names it ("my.ipynb, code cell 3").
    """

    path: Path
    namespace: dict
    sources: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def add_source(self, filename: str, label: str, text: str) -> None:
        lines = text.splitlines(True)
        self.sources[filename] = lines
        self.labels[filename] = label
        # So that tracebacks and inspect can show the learner's lines of notebook cells too.
        linecache.cache[filename] = (len(text), None, lines, filename)


def _library_roots() -> tuple[str, ...]:
    import deepkiso

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(deepkiso.__file__).resolve().parent)}
    return tuple(str(Path(r).resolve()) for r in roots)


def is_learner_file(filename: str, code: LearnerCode) -> bool:
    """True for the learner's file or cells, and for their own modules beside it (not installed libraries)."""
    if filename in code.sources:
        return True
    try:
        resolved = Path(filename).resolve()
    except (OSError, ValueError):
        return False
    if not resolved.is_relative_to(code.path.parent.resolve()):
        return False
    return not any(str(resolved).startswith(root) for root in _library_roots())


def _source_line(filename: str, lineno: int, code: LearnerCode) -> str:
    lines = code.sources.get(filename) or linecache.getlines(filename)
    return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


def _label(filename: str, code: LearnerCode) -> str:
    if filename in code.labels:
        return code.labels[filename]
    try:
        return str(Path(filename).resolve().relative_to(code.path.parent.resolve()))
    except ValueError:
        return filename


def location(exc: BaseException, code: LearnerCode) -> str:
    """The learner's line closest to where exc happened: "my.py, line 23: self.db = dout"; "" if none.

    For a SyntaxError, the line it points at.
    """
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        text = (exc.text or _source_line(exc.filename, exc.lineno, code)).strip()
        return f"{_label(exc.filename, code)}, line {exc.lineno}: {text}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_learner_file(f.filename, code)]
    if not frames:
        return ""
    frame = frames[-1]
    text = (frame.line or _source_line(frame.filename, frame.lineno, code)).strip()
    return f"{_label(frame.filename, code)}, line {frame.lineno}: {text}"


def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags


def _problem(code: LearnerCode, status: str, title: str, message: str, where: str, cause: str = "") -> Result:
    return Result(id="import", subject=code.path.name, title=title, status=status,
                  message=message, location=where, cause=cause)


def describe_error(exc: BaseException, memory_mb: int) -> tuple[str, str]:
    """(message, likely cause) for an exception raised in the learner's code."""
    if isinstance(exc, MemoryError):
        text = f"ran out of memory (the limit is {memory_mb} MB)" + (f": {exc}" if str(exc) else "")
        cause = "an array far larger than intended; check the shapes (raise the limit with --memory-mb if it is needed)"
        return shorten(text), cause
    if isinstance(exc, NotImplementedError):
        return "not written yet (raise NotImplementedError)", "replace `raise NotImplementedError` with your code"
    return raised(exc), ""


def _run_statements(code: LearnerCode, text: str, filename: str,
                    report: Callable[[BaseException, ast.stmt], None]) -> None:
    """Compile text and run its top-level statements one by one in code.namespace.

    report(exc, statement) is called for each statement that raises, and the
    next statement runs. A StepTimeout ends the run (it propagates), and so
    does a SyntaxError, before anything runs.
    """
    tree = ast.parse(text, filename=filename)
    flags = _future_flags(tree)
    for statement in tree.body:
        unit = compile(ast.Module(body=[statement], type_ignores=[]), filename, "exec", flags=flags, dont_inherit=True)
        try:
            exec(unit, code.namespace)  # noqa: S102 - running the learner's code is the point; it is sandboxed
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the learner's errors are reported, one by one
            report(exc, statement)


def _new_namespace(path: Path) -> dict:
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = str(path)
    # Registered so that dataclasses, pickling and inspect find the learner's classes' module.
    sys.modules[MODULE_NAME] = module
    return module.__dict__


def load(path: Path, timeout: float, memory_mb: int,
         on_step: Callable[[str, float], None]) -> tuple[LearnerCode, list[Result]]:
    """Run the learner's file (.py or .ipynb) by the module's rule; return its namespace and the problems met.

    on_step(what, seconds) is called before each time-limited step, so the
    parent process knows what is running and for how long it may.
    """
    code = LearnerCode(path=path, namespace=_new_namespace(path))
    if path.suffix == ".ipynb":
        problems = _load_notebook(code, timeout, memory_mb, on_step)
    else:
        problems = _load_python(code, timeout, memory_mb, on_step)
    return code, problems


def _load_python(code: LearnerCode, timeout: float, memory_mb: int, on_step) -> list[Result]:
    path = code.path
    text = path.read_text(encoding="utf-8")
    filename = str(path)
    code.add_source(filename, path.name, text)
    problems: list[Result] = []

    title = f"importing {path.name}"

    def report(exc: BaseException, statement: ast.stmt) -> None:
        message, cause = describe_error(exc, memory_mb)
        problems.append(_problem(code, FAIL, title, message, location(exc, code), cause))

    on_step(title, timeout)
    try:
        with time_limit(timeout):
            _run_statements(code, text, filename, report)
    except SyntaxError as exc:
        problems.append(_problem(code, FAIL, title, f"{type(exc).__name__}: {exc.msg}", location(exc, code),
                                 "nothing in the file could run; fix this line first"))
    except StepTimeout as exc:
        message = f"timed out after {timeout:g} s while importing {path.name}; the rest of the file did not run"
        cause = "a loop that never ends, or long top-level work: put it under if __name__ == \"__main__\":"
        problems.append(_problem(code, FAIL, title, message, location(exc, code), cause))
    return problems


def notebook_cells(path: Path) -> list[str]:
    """The sources of a notebook's code cells, in order. ValueError when the file is not an nbformat-4 notebook."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a notebook: invalid JSON at line {exc.lineno} ({exc.msg})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{path}: not a Jupyter notebook of format 4 (no list of 'cells'); re-save it with Jupyter")
    cells = []
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else str(source))
    return cells


def python_source(cell: str) -> tuple[str | None, str]:
    """A notebook cell as plain Python, with line numbers kept: (source or None to skip, why skipped).

    IPython lines (%magic, !shell, x = !shell) become `pass` at the same indent.
    """
    lines = cell.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in _BODY_MAGICS:
            return None, f"a %%{magic} cell is not Python"
        lines[0] = ""
    out = []
    for line in lines:
        stripped = line.lstrip()
        rhs = stripped.split("=", 1)[1].lstrip() if "=" in stripped else ""
        if stripped.startswith(("%", "!")) or (rhs.startswith(("%", "!")) and not rhs.startswith(("!=", "%="))
                                                  and stripped.split("=", 1)[0].strip().isidentifier()):
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
    return "\n".join(out) + "\n", ""


def _load_notebook(code: LearnerCode, timeout: float, memory_mb: int, on_step) -> list[Result]:
    path = code.path
    problems: list[Result] = []
    for number, cell in enumerate(notebook_cells(path), start=1):
        label = f"{path.name}, code cell {number}"
        title = f"running {label}"
        text, why = python_source(cell)
        if text is None:
            problems.append(_problem(code, NOTE, title, f"skipped: {why}", ""))
            continue
        filename = f"{path} (code cell {number})"
        code.add_source(filename, label, text)

        def report(exc: BaseException, statement: ast.stmt, title=title) -> None:
            message, cause = describe_error(exc, memory_mb)
            if isinstance(statement, _DEFINITIONS):
                problems.append(_problem(code, FAIL, title, message, location(exc, code), cause))
            else:
                problems.append(_problem(code, NOTE, title, message + "; the notebook's other statements still ran",
                                         location(exc, code), cause))

        on_step(label, timeout)
        try:
            with time_limit(timeout):
                _run_statements(code, text, filename, report)
        except SyntaxError as exc:
            problems.append(_problem(code, FAIL, title, f"{type(exc).__name__}: {exc.msg}", location(exc, code),
                                     "this cell could not run; its definitions are missing"))
        except StepTimeout as exc:
            problems.append(_problem(code, NOTE, title, f"stopped after {timeout:g} s (a training loop?); "
                                     "the definitions made before that point are kept", location(exc, code)))
    return problems
