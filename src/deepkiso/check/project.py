"""Where a learner's project is: its root, the files to check, and how reports name them.

The project root is the nearest folder above a file that holds a ``common/``
or ``dataset/`` package, a ``pyproject.toml``, ``setup.py`` or ``.git``
(``--root`` overrides). A folder given stands for the ``.py`` files and
notebooks under it, hidden folders, caches and ``dataset/`` left out.
"""

from __future__ import annotations

from pathlib import Path

from deepkiso.i18n import _

__all__ = ["ROOT_MARKERS", "ROOT_PACKAGES", "find_root", "learner_paths", "file_label"]

ROOT_MARKERS = ("pyproject.toml", "setup.py", ".git")
ROOT_PACKAGES = ("common", "dataset")
# Folders a folder argument never descends into: not the learner's code.
_NOT_LEARNER_DIRS = (
    "__pycache__",
    ".ipynb_checkpoints",
    "site-packages",
    "dataset",
    "node_modules",
)


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
                raise ValueError(
                    _("{path}: no .py file or .ipynb notebook in this folder").format(path=path)
                )
            files.extend(found)
        elif path.is_file():
            if path.suffix not in (".py", ".ipynb"):
                suffix = repr(path.suffix or _("no suffix"))
                raise ValueError(
                    _(
                        "{path}: expected a .py file, a .ipynb notebook or a folder, got {suffix}"
                    ).format(path=path, suffix=suffix)
                )
            files.append(path)
        else:
            raise FileNotFoundError(_("{path}: no such file or folder").format(path=path))
    return list(dict.fromkeys(p.resolve() for p in files))


def file_label(path: Path, root: Path) -> str:
    """How reports name a learner's file: relative to its project root ("ch05/two_layer_net.py")."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _skipped_folder(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") or part in _NOT_LEARNER_DIRS for part in parts)
