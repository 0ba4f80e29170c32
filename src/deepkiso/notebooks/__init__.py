"""The course's notebooks (exercises 2_1 – 2_18 and the group works), built from one source each.

Each notebook has one source in ``sources/<name>.py`` (the percent format of ``source``), written
once for Japanese and English, the learner's version and the solutions. ``build_notebook`` makes
one notebook (an nbformat v4 dict), ``write_notebooks`` writes them all into a folder, in course
order, and never overwrites a notebook the learner edited unless ``force``. ``implemented`` is for
the notebooks' picture cells: it tells whether the learner's function is written yet.

    write_notebooks(Path("notebooks"), lang="ja")                  # the learner's notebooks
    write_notebooks(Path("solutions"), lang="en", solutions=True)  # filled in
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from deepkiso import __version__
from deepkiso.files import read_regular_file, write_file_atomically
from deepkiso.i18n import _
from deepkiso.notebooks.build import GENERATED, build, cells_hash
from deepkiso.notebooks.source import LANGUAGES, SourceError, parse

__all__ = [
    "LANGUAGES",
    "NOTEBOOKS",
    "SOURCES",
    "NotebookEdited",
    "SourceError",
    "build_notebook",
    "implemented",
    "notebook_path",
    "write_notebooks",
]

SOURCES = Path(__file__).with_name("sources")
# Where each group work comes in the course (the slides' order): after this exercise.
GROUP_WORK_AFTER = {
    "group_batch_size": "2_1",
    "group_saddle_plateau": "2_9",
    "group_squared_error_graph": "2_18",
    "group_tanh_graph": "2_18",
}
# A notebook deepkiso wrote is small (no outputs); one a learner ran may hold many figures.
_MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024


class NotebookEdited(ValueError):
    """A notebook in the way that deepkiso did not write as it is now: the learner's work (paths: all of them)."""

    def __init__(self, paths: list[Path]):
        super().__init__(f"{paths[0]}: not as deepkiso wrote it (edited, or another file)")
        self.paths = paths


def _course_order(name: str) -> tuple[int, ...]:
    """The sort key of a notebook's name: 2_1 < 2_2 < … < 2_18; a group work right after its exercise."""
    exercise = GROUP_WORK_AFTER.get(name, name)
    numbers = re.match(r"^(\d+)_(\d+)", exercise)
    if numbers is None:  # a group work not in the table: at the end
        return (10**6,)
    return (int(numbers[1]), int(numbers[2]), 1 if name in GROUP_WORK_AFTER else 0)


def _names() -> tuple[str, ...]:
    names = [p.stem for p in SOURCES.glob("*.py") if not p.name.startswith("_")]
    return tuple(sorted(names, key=lambda n: (_course_order(n), n)))


NOTEBOOKS = _names()


@cache
def _cells(name: str):
    path = SOURCES / f"{name}.py"
    if name not in NOTEBOOKS:
        raise ValueError(f"no notebook named {name!r}; the notebooks are {', '.join(NOTEBOOKS)}")
    return parse(path.read_text(encoding="utf-8"), path.name)


def build_notebook(source: str, lang: str = "ja", solutions: bool = False) -> dict[str, Any]:
    """The notebook named source (one of NOTEBOOKS) as an nbformat v4 dict, in lang ("ja" or "en").

    solutions: the solution blocks filled in (else the learner's blanks). Raises ValueError for an
    unknown name or language, SourceError for a malformed source.
    """
    return build(_cells(source), source, lang, solutions, __version__)


def notebook_path(folder: Path, name: str) -> Path:
    """Where the notebook name goes in folder: folder / "<name>.ipynb"."""
    return folder / f"{name}.ipynb"


def _serialized(notebook: dict[str, Any]) -> bytes:
    # Jupyter's own layout (one-space indent, keys sorted, UTF-8 kept), so a save in Jupyter
    # changes only what the learner changed.
    return (json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _generated_hash(path: Path) -> str | None:
    """The recorded hash of a notebook deepkiso wrote and nobody edited since; None for any other file."""
    try:
        notebook = json.loads(read_regular_file(path, _MAX_NOTEBOOK_BYTES))
    except (ValueError, UnicodeDecodeError):  # not JSON, or not a file deepkiso can read whole
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    recorded = notebook.get("metadata", {}).get(GENERATED, {})
    wanted = recorded.get("cells_sha256") if isinstance(recorded, dict) else None
    cells = [c for c in notebook["cells"] if isinstance(c, dict)]
    return wanted if isinstance(wanted, str) and cells_hash(cells) == wanted else None


def write_notebooks(
    folder: Path, lang: str = "ja", solutions: bool = False, force: bool = False
) -> list[Path]:
    """Write every notebook (NOTEBOOKS, in course order) into folder; return the paths written.

    A notebook already there is rewritten when deepkiso wrote it and nobody edited it since (an
    upgrade, another language), and left as it is (outputs and all) when it would not change.
    One the learner edited, or any other file in the way, is overwritten only with force;
    otherwise NotebookEdited lists them all and nothing is written.
    """
    folder = Path(folder)
    built = {name: build_notebook(name, lang, solutions) for name in NOTEBOOKS}
    plan, edited = [], []
    for name, notebook in built.items():
        path = notebook_path(folder, name)
        if path.exists() or path.is_symlink():
            found = _generated_hash(path)
            if found is None and not force:
                edited.append(path)
                continue
            if found == notebook["metadata"][GENERATED]["cells_sha256"]:
                continue  # the same cells: keep the learner's outputs
        plan.append((path, notebook))
    if edited:
        raise NotebookEdited(edited)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_file_atomically(path, _serialized(notebook)) for path, notebook in plan]


def implemented(function: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """True when function(*args, **kwargs) runs without NotImplementedError; else prints why not, False.

    For the picture cells of the learner's notebooks: ``if implemented(gradient_descent, f, x0):``
    draws with the learner's function once it is written, and until then prints one line saying
    what to write first. A generator's first item is taken too (its body runs only then). Any other
    error is the learner's to see and is raised.
    """
    try:
        result = function(*args, **kwargs)
        if inspect.isgenerator(result):
            next(result, None)
    except NotImplementedError:
        # SimpleNet.loss for a method; a function's own name wherever it was defined.
        qualified = getattr(function, "__qualname__", None) or repr(function)
        name = qualified.rpartition("<locals>.")[2]
        print(
            _(
                "{name} is not written yet: fill in its cell above and run it, then run this cell again"
            ).format(name=name)
        )
        return False
    return True
