"""Reading a learner's notebook: its code cells, as plain Python, named as Jupyter shows them.

IPython lines (``%magic``, ``!shell``) become ``pass`` with the line numbers
kept; a cell is ``cell In[7]`` once it ran, else ``code cell 3`` (its index
among the code cells).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from deepkiso.i18n import _

__all__ = ["Cell", "notebook_cells", "python_source", "cell_part"]

_BODY_MAGICS = ("time", "timeit", "capture")


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
            _("{path}: not a notebook: invalid JSON at line {line} ({error})").format(
                path=path, line=exc.lineno, error=exc.msg
            )
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(
            _(
                "{path}: not a Jupyter notebook of format 4 (no list of 'cells'); re-save it with Jupyter"
            ).format(path=path)
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
            return None, _("a %%{magic} cell is not Python").format(magic=magic)
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
