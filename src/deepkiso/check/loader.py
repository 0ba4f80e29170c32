"""Running a learner's files and notebooks to collect their definitions (inside the checking process).

`deepkiso check` needs the functions and classes a learner wrote for
exercises 2_1 – 2_18, not their experiments. The rules, the same for .py
files and notebooks:

* **Imports work as in the learner's IDE or notebook.** The project root (the
  nearest folder above the file that holds a ``common/`` or ``dataset/``
  package, a ``pyproject.toml``, ``setup.py`` or ``.git``; ``--root``
  overrides) and the file's folder are on ``sys.path``, the working directory
  is the file's folder, and a file inside a package runs as a module of that
  package (``pkg.sub.mod``), so ``from .layers import *`` works.
* **Only what defines something runs**, one top-level statement at a time, in
  the file's own module: ``def``, ``class``, ``import``, a plain value
  (``h = 1e-4``, ``Relu = ReLU``), a value some definition uses, ``sys.path``
  changes, and blocks that hold definitions. Loops, bare calls (training,
  plotting, printing, the check itself), ``if __name__ == "__main__":`` and
  data-set loading do not run, nor does a statement that uses what one of
  them would have made: they cannot decide the verdict, and one note says so.
* A statement that raises is reported and the next one still runs. In a .py
  file it is a failure (an importable module must not raise), except a missing
  data set; in a notebook only a broken ``def``/``class`` or a syntax error is
  one, anything else is a note. A .py file shares one time limit, a notebook
  has one per cell.
* Every binding of every name is recorded, so that a name bound twice (two
  cells, or defined and imported) is graded at the learner's own definition,
  with a word about the other binding.

Problems are reported with the learner's own file, cell, line and source line
(``location``), never with deepkiso's traceback. A notebook's cells are named
as Jupyter shows them: ``cell In[7]`` when it has execution counts, else
``code cell 3`` (its index among the code cells).

This module runs the files (module execution); the rest lives beside it and is
imported from here too: ``project`` (the root and the files), ``notebooks``
(reading cells), ``statements`` (which statements run), ``learner_code`` (the
loaded code and its lines), ``definitions`` (which definition is graded).
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import os
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path

from deepkiso import i18n
from deepkiso.check.definitions import Graded, graded
from deepkiso.check.learner_code import (
    Binding,
    LearnerCode,
    Module,
    _source_line,
    describe_error,
    location,
    where_defined,
)
from deepkiso.check.notebooks import Cell, cell_part, notebook_cells, python_source
from deepkiso.check.project import (  # _NOT_LEARNER_DIRS: contain.py imports it from here
    _NOT_LEARNER_DIRS as _NOT_LEARNER_DIRS,
)
from deepkiso.check.project import (
    ROOT_MARKERS,
    ROOT_PACKAGES,
    file_label,
    find_root,
    learner_paths,
)
from deepkiso.check.report import FAIL, NOTE, Result, listed, shown_where
from deepkiso.check.source_lines import code_of
from deepkiso.check.statements import (
    _DEFINITIONS,
    _bound,
    _future_flags,
    _uses_relative_imports,
    used_by_definitions,
    why_not_run,
)
from deepkiso.check.timeouts import StepTimeout, time_limit
from deepkiso.i18n import N_, _, n_

__all__ = [
    "StepTimeout",
    "time_limit",
    "Binding",
    "LearnerCode",
    "load",
    "location",
    "describe_error",
    "find_root",
    "file_label",
    "learner_paths",
    "notebook_cells",
    "python_source",
    "why_not_run",
    "Graded",
    "graded",
    "Module",
    "Cell",
    "cell_part",
    "where_defined",
    "used_by_definitions",
    "ROOT_MARKERS",
    "ROOT_PACKAGES",
]

_DATA_MODULES = re.compile(r"(^|\.)(dataset|datasets|mnist)(\.|$)")

NOT_RUN_NOTE = N_(
    "not run, as they do not decide the verdict (training, plotting, data loading, the check itself)"
)


def _problem(
    label: str, status: str, title: str, message: str, where: str, cause: str = ""
) -> Result:
    return Result(
        id="import",
        subject=label,
        title=title,
        status=status,
        message=message,
        location=where,
        cause=cause,
    )


# --- running the learner's files ---------------------------------------------------------------


class _Runner:
    """Runs one file's statements in its module, recording bindings and what did not run."""

    def __init__(
        self, code: LearnerCode, module: Module, used: set[str], memory_mb: int, notebook: bool
    ):
        self.code, self.module, self.used, self.memory_mb, self.notebook = (
            code,
            module,
            used,
            memory_mb,
            notebook,
        )
        self.tainted: set[str] = set()
        self.not_run: dict[
            str, list[str]
        ] = {}  # "cell In[4]" or "line 30" -> why its statements did not run
        self.problems: list[Result] = []
        self.data_missing = False

    def run(self, text: str, filename: str, part: str, title: str) -> None:
        """Compile text and run its statements one by one; a StepTimeout or SyntaxError propagates."""
        tree = ast.parse(text, filename=filename)
        flags = _future_flags(tree)
        for statement in tree.body:
            why = why_not_run(statement, self.used, self.tainted)
            if why is not None:
                self.tainted |= _bound(statement)
                if why != "the main block" or self.notebook:  # a module's main block is no news
                    reasons = self.not_run.setdefault(part or f"line {statement.lineno}", [])
                    reasons.append(why)
                continue
            unit = compile(
                ast.Module(body=[statement], type_ignores=[]),
                filename,
                "exec",
                flags=flags,
                dont_inherit=True,
            )
            before = dict(self.module.namespace)
            try:
                exec(unit, self.module.namespace)  # noqa: S102 - running the learner's code is the point; sandboxed
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - the learner's errors are reported, one by one
                self.tainted |= _bound(statement)
                self._report(exc, statement, title)
            else:
                self.tainted -= _bound(statement)
            self._record(before, statement, filename, part)

    def _record(self, before: dict, statement: ast.stmt, filename: str, part: str) -> None:
        where = f"{part}, line {statement.lineno}" if part else f"line {statement.lineno}"
        text = _source_line(filename, statement.lineno, self.code)
        text = text if len(text) <= 60 else text[:59] + "…"
        for name, obj in self.module.namespace.items():
            if before.get(name, _UNSET) is obj or name.startswith("__"):
                continue
            code_object = code_of(obj) if callable(obj) else None
            own = isinstance(statement, _DEFINITIONS) or (
                code_object is not None
                and code_object.co_filename in self.code.sources
                and self.code.labels[code_object.co_filename][0] == self.module.label
            )
            self.module.bindings.setdefault(name, []).append(Binding(obj, where, text, own))

    def _report(self, exc: BaseException, statement: ast.stmt, title: str) -> None:
        message, cause = describe_error(exc, self.memory_mb)
        where = location(exc, self.code)
        if isinstance(exc, ImportError) and _DATA_MODULES.search(getattr(exc, "name", None) or ""):
            if (
                not self.data_missing
            ):  # one note: every statement that needs the data set is left out anyway
                self.problems.append(
                    _problem(
                        self.module.label,
                        NOTE,
                        title,
                        _(
                            "the data set is missing: {error}; the statements that use it did not run"
                        ).format(error=message),
                        where,
                    )
                )
            self.data_missing = True
        elif not self.notebook or isinstance(statement, _DEFINITIONS):
            self.problems.append(_problem(self.module.label, FAIL, title, message, where, cause))
        else:
            self.problems.append(
                _problem(
                    self.module.label,
                    NOTE,
                    title,
                    _("{error}; the notebook's other statements still ran").format(error=message),
                    where,
                    cause,
                )
            )

    def not_run_note(self) -> Result | None:
        """One note for everything that did not run: where (cell or line) and why."""
        if not self.not_run:
            return None
        count = sum(len(reasons) for reasons in self.not_run.values())
        places = "; ".join(
            f"{shown_where(place)} ({listed([i18n._(r) for r in dict.fromkeys(reasons)])})"
            for place, reasons in self.not_run.items()
        )
        text = n_(
            "{count} top-level statement {not_run}: {places}",
            "{count} top-level statements {not_run}: {places}",
            count,
        )
        return _problem(
            self.module.label,
            NOTE,
            _("statements of {label} that did not run").format(label=self.module.label),
            text.format(count=count, not_run=i18n._(NOT_RUN_NOTE), places=places),
            "",
        )


_UNSET = object()


def module_name(path: Path, root: Path, relative_imports: bool) -> tuple[str, str, str]:
    """(module name, package, parent package to import first) under which path runs.

    A file inside folders with __init__.py runs as a module of that package
    ("pkg.sub.mod", package "pkg.sub"; an __init__.py runs as "pkg.sub" itself);
    a file that uses relative imports in a plain folder below the root runs as
    a module of that folder taken as a namespace package, as `python -m` would.
    Any other file runs under its own name (the stem) when that is free, so
    the learner's other files that import it get this same module.
    """
    parts, folder = [path.stem], path.parent
    while (folder / "__init__.py").is_file() and folder.name.isidentifier() and folder != root:
        parts.insert(0, folder.name)
        folder = folder.parent
    if (
        len(parts) == 1
        and relative_imports
        and path.parent != root
        and path.parent.is_relative_to(root)
    ):
        folders = path.parent.relative_to(root).parts
        if all(p.isidentifier() for p in folders):
            parts = [*folders, path.stem]
    if len(parts) > 1 and all(p.isidentifier() for p in parts):
        if parts[-1] == "__init__":
            name = ".".join(parts[:-1])
            return name, name, name.rpartition(".")[0]
        package = ".".join(parts[:-1])
        return ".".join(parts), package, package
    stem = path.stem
    plain = stem.isidentifier() and stem not in sys.modules and stem not in sys.stdlib_module_names
    return (stem if plain else f"__learner_{len(sys.modules)}__"), "", ""


def _new_module(path: Path, name: str, package: str) -> types.ModuleType:
    """A fresh module for path, named name; a package's __init__.py gets its __path__."""
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__package__ = package
    if path.name == "__init__.py":
        module.__path__ = [str(path.parent)]
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]  # what exec'd code finds its builtins by
    return module


class _Deferred(types.ModuleType):
    """A plotting module that loads on its first use: `import matplotlib.pyplot as plt` costs nothing.

    The statements that plot do not run, so most checks never use it; importing
    matplotlib would cost a second or more of every check of a notebook.
    """

    def __getattr__(self, attribute: str):
        for name in [n for n, m in sys.modules.items() if isinstance(m, _Deferred)]:
            del sys.modules[name]
        return getattr(importlib.import_module(self.__name__), attribute)


_DEFERRED = ("matplotlib", "matplotlib.pyplot", "seaborn")


def defer_plotting_imports() -> None:
    """Put a _Deferred stand-in in sys.modules for each plotting module not loaded yet (and installed)."""
    specs: dict[str, importlib.machinery.ModuleSpec] = {}
    for name in _DEFERRED:
        parent, _dot, child = name.rpartition(".")
        if name in sys.modules or (parent and parent not in specs):
            continue
        spec = importlib.machinery.PathFinder.find_spec(
            name, specs[parent].submodule_search_locations if parent else None
        )
        if spec is None:
            continue
        module = _Deferred(name)
        # What inspect and pickle look up on every module, so that looking does not load it.
        module.__spec__, module.__file__ = spec, spec.origin
        specs[name] = spec
        if spec.submodule_search_locations is not None:
            module.__path__ = spec.submodule_search_locations
        sys.modules[name] = module
        if parent:
            setattr(sys.modules[parent], child, module)


def load(
    paths: list[Path],
    roots: list[Path],
    timeout: float,
    memory_mb: int,
    on_step: Callable[[str, float], None],
) -> tuple[LearnerCode, list[Result]]:
    """Run the learner's files (.py or .ipynb) by the module's rules; return their code and the problems met.

    roots: the project root of each path (the same one, usually).
    on_step(what, seconds) is called before each time-limited step, so the
    parent process knows what is running and for how long it may.
    """
    code = LearnerCode(roots=list(dict.fromkeys(roots)))
    defer_plotting_imports()
    for root in reversed(code.roots):
        sys.path.insert(0, str(root))
    problems: list[Result] = []
    for path, root in zip(paths, roots, strict=True):
        sys.path.insert(0, str(path.parent))
        os.chdir(path.parent)
        label = file_label(path, root)
        if path.suffix == ".ipynb":
            problems += _load_notebook(code, path, label, timeout, memory_mb, on_step)
        else:
            problems += _load_python(code, path, root, label, timeout, memory_mb, on_step)
    os.chdir(paths[0].parent)
    return code, problems


def _load_python(
    code: LearnerCode, path: Path, root: Path, label: str, timeout: float, memory_mb: int, on_step
) -> list[Result]:
    text = path.read_text(encoding="utf-8")
    filename = str(path)
    code.add_source(filename, label, "", text)
    title = _("importing {label}").format(label=label)
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as exc:
        return [
            _problem(
                label,
                FAIL,
                title,
                f"{type(exc).__name__}: {exc.msg}",
                location(exc, code),
                _("nothing in the file could run; fix this line first"),
            )
        ]
    name, package, parent = module_name(path, root, _uses_relative_imports(tree))
    new = _new_module(path, name, package)
    module = Module(path, label, new.__dict__)
    code.modules.append(module)
    runner = _Runner(
        code, module, used_by_definitions([(text, filename)]), memory_mb, notebook=False
    )
    on_step(title, timeout)
    try:
        with time_limit(timeout):
            if parent:
                # Its package's __init__.py first, as `import pkg.mod` would; it may import this very file,
                # which then runs whole, before this module takes its place.
                importlib.import_module(parent)
            sys.modules[name] = (
                new  # so that the learner's other files that import it get this module
            )
            runner.run(text, filename, "", title)
    except StepTimeout as exc:
        message = _(
            "timed out after {seconds} s while importing {label}; the rest of the file did not run"
        ).format(seconds=f"{timeout:g}", label=label)
        cause = _(
            'a loop that never ends, or long top-level work: put it under if __name__ == "__main__":'
        )
        runner.problems.append(_problem(label, FAIL, title, message, location(exc, code), cause))
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the package's __init__.py raised
        message, cause = describe_error(exc, memory_mb)
        runner.problems.append(
            _problem(
                label,
                FAIL,
                title,
                _("importing its package {package}: {error}").format(package=parent, error=message),
                location(exc, code),
                cause,
            )
        )
    note = runner.not_run_note()
    return runner.problems + ([note] if note else [])


def _load_notebook(
    code: LearnerCode, path: Path, label: str, timeout: float, memory_mb: int, on_step
) -> list[Result]:
    name = f"__notebook_{len(code.modules)}__"
    # Registered, as every learner module is, so that dataclasses, pickling and inspect find it.
    sys.modules[name] = _new_module(path, name, "")
    module = Module(path, label, sys.modules[name].__dict__)
    code.modules.append(module)
    cells = []  # (part, Python source or None, why skipped, code filename)
    for number, cell in enumerate(notebook_cells(path), start=1):
        part = cell_part(number, cell)
        text, why = python_source(cell.source)
        filename = f"{path} ({part})"
        if text is not None:
            code.add_source(filename, label, part, text)
        cells.append((part, text, why, filename))
    used = used_by_definitions(
        [(text, filename) for _part, text, _why, filename in cells if text is not None]
    )
    runner = _Runner(code, module, used, memory_mb, notebook=True)
    for part, text, why, filename in cells:
        title = _("running {label}, {cell}").format(label=label, cell=shown_where(part))
        if text is None:
            runner.problems.append(
                _problem(label, NOTE, title, _("skipped: {why}").format(why=why), "")
            )
            continue
        on_step(f"{label}, {shown_where(part)}", timeout)
        try:
            with time_limit(timeout):
                runner.run(text, filename, part, title)
        except SyntaxError as exc:
            runner.problems.append(
                _problem(
                    label,
                    FAIL,
                    title,
                    f"{type(exc).__name__}: {exc.msg}",
                    location(exc, code),
                    _("this cell could not run; its definitions are missing"),
                )
            )
        except StepTimeout as exc:
            runner.problems.append(
                _problem(
                    label,
                    NOTE,
                    title,
                    _(
                        "stopped after {seconds} s; the definitions made before that point are kept"
                    ).format(seconds=f"{timeout:g}"),
                    location(exc, code),
                )
            )
    note = runner.not_run_note()
    return runner.problems + ([note] if note else [])
