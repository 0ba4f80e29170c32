"""Making one notebook (nbformat v4, as a dict) from a source, for one language and version.

The learner's version (``solutions=False``) blanks out every ``# >>> solution`` … ``# <<< solution``
block of an exercise cell: one comment line (``# ここを実装`` / ``# your code here``) and
``raise NotImplementedError`` at the block's indentation, so that the notebook runs and each check
reports the piece as not written yet. The solutions keep the blocks' lines, markers removed.

In code cells, a comment line ``# ja: …`` / ``# en: …`` stays (as ``# …``) only in its language,
so does a line of code ending in ``  # ja`` / ``  # en`` (without that ending), and ``{{lang}}`` becomes the notebook's language (``set_language("{{lang}}")`` makes the checks'
reports speak it). The notebook's metadata records what was generated (``GENERATED``): the
source, language, version and a hash of the cells, so an edited notebook can be told from one
deepkiso wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from deepkiso.notebooks.source import LANGUAGES, Cell, SourceError

__all__ = ["BLANK_COMMENT", "GENERATED", "TAGS", "build", "cells_hash"]

# The comment that stands where the learner writes a solution block.
BLANK_COMMENT = {"ja": "# ここを実装", "en": "# your code here"}
# The cell tags of each role: nbclient skips "skip-execution"; the tests read "check".
TAGS = {
    "exercise": ["exercise"],
    "check": ["check"],
    "picture": ["picture"],
    "full-run": ["full-run", "skip-execution"],
}
GENERATED = "deepkiso"  # the notebook metadata's key for what deepkiso generated
_START = re.compile(r"^(?P<indent>\s*)# >>> solution\s*$")
_END = re.compile(r"^\s*# <<< solution\s*$")
_LANGUAGE_COMMENT = re.compile(r"^(?P<indent>\s*)# (?P<lang>ja|en):(?P<text>.*)$")
_LANGUAGE_LINE = re.compile(r"^(?P<code>.*\S)\s+# (?P<lang>ja|en)$")


def build(
    cells: Sequence[Cell], name: str, lang: str, solutions: bool, version: str
) -> dict[str, Any]:
    """The notebook (an nbformat v4.5 dict) of a source's cells in lang; solutions filled in or not.

    name: the source's name (the notebook's file name without .ipynb), for messages and metadata.
    Raises SourceError (naming name and the line) for a solution block that is not closed, or a
    marker outside an exercise cell.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    chosen = [c for c in cells if c.lang in (None, lang)]
    out = [_notebook_cell(c, name, lang, solutions, f"cell-{i}") for i, c in enumerate(chosen)]
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            GENERATED: {
                "source": name,
                "lang": lang,
                "solutions": solutions,
                "version": version,
                "cells_sha256": cells_hash(out),
            },
        },
        "cells": out,
    }


def cells_hash(cells: Iterable[dict[str, Any]]) -> str:
    """SHA-256 of the cells' types and sources (not outputs or metadata): what a learner edits."""
    content = [[c.get("cell_type"), _text(c.get("source", ""))] for c in cells]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


def _text(source: Any) -> str:
    """A cell's source as one string (nbformat allows a string or a list of lines)."""
    return "".join(source) if isinstance(source, list) else str(source)


def _notebook_cell(cell: Cell, name: str, lang: str, solutions: bool, cell_id: str) -> dict:
    if cell.kind == "markdown":
        return {
            "cell_type": "markdown",
            "id": cell_id,
            "metadata": {},
            "source": "\n".join(cell.lines),
        }
    lines = _code_lines(cell, name, lang, solutions)
    metadata = {"tags": list(TAGS[cell.role])} if cell.role else {}
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": metadata,
        "outputs": [],
        "source": "\n".join(lines).replace("{{lang}}", lang),
    }


def _code_lines(cell: Cell, name: str, lang: str, solutions: bool) -> list[str]:
    out: list[str] = []
    block_start: int | None = None  # the source line of an open solution block
    for offset, line in enumerate(cell.lines, start=1):
        number = cell.line + offset
        start, end = _START.match(line), _END.match(line)
        if (start or end) and cell.role != "exercise":
            raise SourceError(f"{name}.py:{number}: a solution marker outside an exercise cell")
        if start:
            if block_start is not None:
                raise SourceError(f"{name}.py:{number}: a solution block inside another")
            block_start = number
            if not solutions:
                indent = start["indent"]
                out += [indent + BLANK_COMMENT[lang], indent + "raise NotImplementedError"]
            continue
        if end:
            if block_start is None:
                raise SourceError(f"{name}.py:{number}: '# <<< solution' without '# >>> solution'")
            block_start = None
            continue
        if block_start is not None and not solutions:
            continue
        comment = _LANGUAGE_COMMENT.match(line)
        if comment:
            if comment["lang"] == lang:
                out.append(f"{comment['indent']}#{comment['text']}")
            continue
        code = _LANGUAGE_LINE.match(line)
        if code:
            if code["lang"] == lang:
                out.append(code["code"])
            continue
        out.append(line)
    if block_start is not None:
        raise SourceError(f"{name}.py:{block_start}: '# >>> solution' is never closed")
    return out
