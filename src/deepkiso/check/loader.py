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
"""

from __future__ import annotations
import __future__

import ast
import importlib
import importlib.machinery
import json
import linecache
import os
import re
import signal
import symtable
import sys
import traceback
import types
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepkiso.check.expect import raised, shorten
from deepkiso.check.names import code_of, subjects_named
from deepkiso.check.report import FAIL, NOTE, Result

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
]

ROOT_MARKERS = ("pyproject.toml", "setup.py", ".git")
ROOT_PACKAGES = ("common", "dataset")
_BODY_MAGICS = ("time", "timeit", "capture")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
# Calls that load a data set: never run, the checks bring their own arrays.
_DATA_LOADING = re.compile(
    r"(^|_)(load_mnist|load_dataset|load_data|fetch_openml|fetch|download|urlretrieve)$"
    r"|^(read_csv|loadtxt)$"
)
_DATA_MODULES = re.compile(r"(^|\.)(dataset|datasets|mnist)(\.|$)")
# Folders a folder argument never descends into: not the learner's code.
_NOT_LEARNER_DIRS = (
    "__pycache__",
    ".ipynb_checkpoints",
    "site-packages",
    "dataset",
    "node_modules",
)

NOT_RUN_NOTE = "not run, as they do not decide the verdict (training, plotting, data loading, the check itself)"


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


# --- where the learner's project is -------------------------------------------------------------


def find_root(path: Path) -> Path:
    """The learner's project root for path: the nearest folder at or above path's folder that holds
    a common/ or dataset/ package, a pyproject.toml, setup.py or .git; path's own folder if none does."""
    start = path.parent if path.suffix else path
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
        if any(
            (folder / package).is_dir() and _is_package(folder / package)
            for package in ROOT_PACKAGES
        ):
            return folder
    return start


def _is_package(folder: Path) -> bool:
    """A folder Python can import: one with an __init__.py, or a namespace package holding .py files."""
    return (folder / "__init__.py").is_file() or any(folder.glob("*.py"))


def learner_paths(given: list[Path]) -> list[Path]:
    """The files to check, in order: each .py/.ipynb given, and those under each folder given (sorted).

    Raises FileNotFoundError for a missing path and ValueError for a file of
    another kind or a folder holding none.
    """
    files: list[Path] = []
    for path in given:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".py", ".ipynb")
                and p.is_file()
                and not _skipped_folder(p.relative_to(path).parts[:-1])
            )
            if not found:
                raise ValueError(f"{path}: no .py file or .ipynb notebook in this folder")
            files.extend(found)
        elif path.is_file():
            if path.suffix not in (".py", ".ipynb"):
                raise ValueError(
                    f"{path}: expected a .py file, a .ipynb notebook or a folder, "
                    f"got {path.suffix or 'no suffix'!r}"
                )
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return list(dict.fromkeys(p.resolve() for p in files))


def file_label(path: Path, root: Path) -> str:
    """How reports name a learner's file: relative to its project root ("ch05/two_layer_net.py")."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _skipped_folder(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") or part in _NOT_LEARNER_DIRS for part in parts)


# --- what the learner's code is, and where its lines are --------------------------------------------


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
    text = (frame.line or _source_line(frame.filename, frame.lineno, code)).strip()
    return f"{code.label(frame.filename)}, line {frame.lineno}: {text}"


def where_defined(obj: Any, code: LearnerCode, own_label: str | None) -> str:
    """ "line 12", "cell In[3], line 4", "common/layers.py, line 8" or "imported from x".

    own_label: the label left out because the report is about that file alone.
    """
    code_object = code_of(obj)
    label = code.label(code_object.co_filename) if code_object is not None else None
    if label is None:
        return f"imported from {getattr(obj, '__module__', None) or 'elsewhere'}"
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
        text = f"ran out of memory (the limit is {memory_mb} MB)" + (f": {exc}" if str(exc) else "")
        cause = "an array far larger than intended; check the shapes (raise the limit with --memory-mb if it is needed)"
        return shorten(text), cause
    if isinstance(exc, NotImplementedError):
        return (
            "not written yet (raise NotImplementedError)",
            "replace `raise NotImplementedError` with your code",
        )
    return raised(exc), ""


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


# --- which statements run -------------------------------------------------------------------


def _names(node: ast.AST, context: type) -> set[str]:
    """Names node reads (ast.Load) or binds (ast.Store), not counting the bodies of functions it defines."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and isinstance(current.ctx, context):
            found.add(current.id)
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.append(child)
    return found


def _bound(statement: ast.stmt) -> set[str]:
    names = _names(statement, ast.Store)
    if isinstance(statement, _DEFINITIONS):
        names.add(statement.name)
    elif isinstance(statement, _IMPORTS):
        names.update((a.asname or a.name).split(".")[0] for a in statement.names if a.name != "*")
    return names


def used_by_definitions(sources: list[tuple[str, str]]) -> set[str]:
    """The globals the definitions in sources ((text, filename) pairs) may need when they run.

    A global read in a function, lambda or class body (a local variable, such
    as a method's own `grads`, is not one), or in a decorator, a default value
    or a base class.
    """
    used: set[str] = set()
    for text, filename in sources:
        try:
            scopes, tree = symtable.symtable(text, filename, "exec").get_children(), ast.parse(text)
        except SyntaxError:
            continue  # reported when it runs
        while scopes:
            scope = scopes.pop()
            used.update(symbol.get_name() for symbol in scope.get_symbols() if symbol.is_global())
            scopes.extend(scope.get_children())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                heads = [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                heads = [
                    *node.decorator_list,
                    *node.args.defaults,
                    *(d for d in node.args.kw_defaults if d),
                ]
            else:
                continue
            used.update(n.id for head in heads for n in ast.walk(head) if isinstance(n, ast.Name))
    return used


def _calls(node: ast.AST) -> list[ast.Call]:
    calls, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            calls.append(current)
        stack.extend(c for c in ast.iter_child_nodes(current) if not isinstance(c, ast.Lambda))
    return calls


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_main_block(statement: ast.stmt) -> bool:
    test = statement.test if isinstance(statement, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _sets_up_imports(statement: ast.stmt) -> bool:
    """sys.path.append(os.pardir), sys.path.insert(0, ...), os.chdir(...): the book's way to find common/."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    name = _dotted(statement.value.func)
    return name.startswith("sys.path.") or name in ("os.chdir", "chdir")


def _holds_definitions(statement: ast.stmt) -> bool:
    return any(
        isinstance(n, _DEFINITIONS + _IMPORTS) for n in ast.walk(statement) if n is not statement
    )


def why_not_run(statement: ast.stmt, used: set[str], tainted: set[str]) -> str | None:
    """None when the statement runs; otherwise why it does not ("a loop", "loads a data set", …)."""
    if isinstance(statement, _DEFINITIONS + _IMPORTS + (ast.Global, ast.Nonlocal, ast.Pass)):
        return None
    if isinstance(statement, ast.If) and _is_main_block(statement):
        return "the main block"
    if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
        return "a loop"
    if _names(statement, ast.Load) & tainted:
        return "uses what did not run"
    if any(_DATA_LOADING.search(_dotted(c.func).rsplit(".", 1)[-1]) for c in _calls(statement)):
        return "loads a data set"
    if isinstance(statement, ast.Expr):
        plain = isinstance(statement.value, ast.Constant)
        return None if plain or _sets_up_imports(statement) else "a call"
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = _bound(statement) | {_dotted(t).split(".")[0] for t in _targets(statement)}
        if targets & used or any(subjects_named(t) for t in targets) or not _calls(statement):
            return None
        return "a value no definition uses"
    if isinstance(statement, (ast.If, ast.Try, ast.With, ast.AsyncWith)):
        return (
            None
            if _holds_definitions(statement) or _bound(statement) & used
            else "a block without definitions"
        )
    if isinstance(statement, ast.Delete):
        return None
    return "a statement that defines nothing"


def _targets(statement: ast.stmt) -> list[ast.AST]:
    if isinstance(statement, ast.Assign):
        return statement.targets
    return [statement.target]


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
                        f"the data set is missing: {message}; "
                        "the statements that use it did not run",
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
                    message + "; the notebook's other statements still ran",
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
            f"{place} ({', '.join(dict.fromkeys(reasons))})"
            for place, reasons in self.not_run.items()
        )
        return _problem(
            self.module.label,
            NOTE,
            f"statements of {self.module.label} that did not run",
            f"{count} top-level statement{'s' if count > 1 else ''} {NOT_RUN_NOTE}: {places}",
            "",
        )


_UNSET = object()


def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags


def _uses_relative_imports(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))


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
    module.__builtins__ = __builtins__
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
    specs = {}
    for name in _DEFERRED:
        parent, _, child = name.rpartition(".")
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
    title = f"importing {label}"
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
                "nothing in the file could run; fix this line first",
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
        message = f"timed out after {timeout:g} s while importing {label}; the rest of the file did not run"
        cause = 'a loop that never ends, or long top-level work: put it under if __name__ == "__main__":'
        runner.problems.append(_problem(label, FAIL, title, message, location(exc, code), cause))
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the package's __init__.py raised
        message, cause = describe_error(exc, memory_mb)
        runner.problems.append(
            _problem(
                label,
                FAIL,
                title,
                f"importing its package {parent}: {message}",
                location(exc, code),
                cause,
            )
        )
    note = runner.not_run_note()
    return runner.problems + ([note] if note else [])


@dataclass
class Cell:
    """A notebook code cell: its source and the execution count Jupyter shows as In[n] (None if never run)."""

    source: str
    execution_count: int | None


def notebook_cells(path: Path) -> list[Cell]:
    """The notebook's code cells, in order. ValueError when the file is not an nbformat-4 notebook."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not a notebook: invalid JSON at line {exc.lineno} ({exc.msg})"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(
            f"{path}: not a Jupyter notebook of format 4 (no list of 'cells'); re-save it with Jupyter"
        )
    cells = []
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            count = cell.get("execution_count")
            cells.append(
                Cell(
                    "".join(source) if isinstance(source, list) else str(source),
                    count if isinstance(count, int) and not isinstance(count, bool) else None,
                )
            )
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
        if stripped.startswith(("%", "!")) or (
            rhs.startswith(("%", "!"))
            and not rhs.startswith(("!=", "%="))
            and stripped.split("=", 1)[0].strip().isidentifier()
        ):
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
    return "\n".join(out) + "\n", ""


def cell_part(number: int, cell: Cell) -> str:
    """How Jupyter names the cell: "cell In[7]" once it ran, else "code cell 3" (its index among code cells)."""
    return (
        f"cell In[{cell.execution_count}]"
        if cell.execution_count is not None
        else f"code cell {number}"
    )


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
        [(text, filename) for _, text, _, filename in cells if text is not None]
    )
    runner = _Runner(code, module, used, memory_mb, notebook=True)
    for part, text, why, filename in cells:
        title = f"running {label}, {part}"
        if text is None:
            runner.problems.append(_problem(label, NOTE, title, f"skipped: {why}", ""))
            continue
        on_step(f"{label}, {part}", timeout)
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
                    "this cell could not run; its definitions are missing",
                )
            )
        except StepTimeout as exc:
            runner.problems.append(
                _problem(
                    label,
                    NOTE,
                    title,
                    f"stopped after {timeout:g} s; the definitions made before that point are kept",
                    location(exc, code),
                )
            )
    note = runner.not_run_note()
    return runner.problems + ([note] if note else [])


# --- which definition of each course name is graded ------------------------------------------


@dataclass
class Graded:
    """The learner's definition of one course name that the checks get.

    namespace: its module's namespace, with the learner's own definitions put
        back where a later import or assignment replaced them.
    where: where it came from, and the other bindings of the name if any.
    """

    learner_name: str
    obj: Any
    namespace: dict
    where: str


def _identity(obj: Any) -> tuple:
    code_object = code_of(obj) if callable(obj) else None
    return (
        (code_object.co_filename, code_object.co_firstlineno)
        if code_object is not None
        else (id(obj),)
    )


def _own_view(module: Module) -> dict:
    view = dict(module.namespace)
    for name, bindings in module.bindings.items():
        own = [b for b in bindings if b.own]
        if own:
            view[name] = own[-1].obj
    return view


def graded(code: LearnerCode, subjects, discover: Callable) -> dict[str, Graded]:
    """Course name -> the definition to grade: the learner's own first (in the order of the files), once.

    discover(namespace, subjects) -> {course name: learner's name}, as in ``names.discover``.
    A name bound more than once (two cells, defined and imported, or defined in
    two files) is graded at the learner's own definition, the last one made in
    the first file that makes one, and ``where`` names the other bindings.
    """
    single = code.modules[0].label if len(code.modules) == 1 else None
    candidates: dict[str, list[tuple[bool, Module, str, Any, dict]]] = {}
    for module in code.modules:
        view = _own_view(module)
        for course, learner in discover(view, subjects).items():
            obj = view[learner]
            own = any(b.own and b.obj is obj for b in module.bindings.get(learner, ()))
            candidates.setdefault(course, []).append((own, module, learner, obj, view))
    chosen = {}
    for course, found in candidates.items():
        own, module, learner, obj, view = next((c for c in found if c[0]), found[0])
        others = [
            f"also bound by `{b.statement}` ({_prefix(module, single)}{b.where}), not graded"
            for b in module.bindings.get(learner, ())
            if _identity(b.obj) != _identity(obj)
        ]
        seen = {_identity(obj)}
        for _, other_module, _, other, _ in found:
            if _identity(other) not in seen and other_module is not module:
                seen.add(_identity(other))
                where = where_defined(other, code, None)
                others.append(
                    f"also {where} in {other_module.label}, not graded"
                    if where.startswith("imported")
                    else f"also defined in {where}, not graded"
                )
        where = where_defined(obj, code, single)
        chosen[course] = Graded(
            learner, obj, {**module.helpers, **view}, "; ".join([where, *dict.fromkeys(others)])
        )
    return chosen


def _prefix(module: Module, single: str | None) -> str:
    return "" if single else f"{module.label}, "
