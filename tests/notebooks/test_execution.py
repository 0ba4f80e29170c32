"""Every course notebook executed in a Jupyter kernel (nbclient), as a learner would run it.

The solutions run top to bottom in Japanese and English with every check cell reporting no failure
(and at least one pass), every picture cell showing a picture and no text missing from the font;
the learner's version runs top to bottom without an error in both languages, each check cell
reporting the blanks as not written yet. Each notebook runs in a fresh kernel, two at a time.
Verdicts are read from the cells' outputs (the report's count line and "not written yet", in the
notebook's language), never decided by code in the notebook. The two languages' code differs only
in text (``test_the_learners_versions_differ_only_in_text``).
Every source in deepkiso/notebooks/sources is picked up.
"""

import ast
import asyncio
import os
import re
from pathlib import Path

import nbformat
import pytest

import deepkiso
from deepkiso.i18n import _, set_language
from deepkiso.notebooks import NOTEBOOKS, build_notebook

nbclient = pytest.importorskip("nbclient")

# A cell of a learner's notebook may train a little (digits, a few epochs): minutes would be a bug.
CELL_TIMEOUT = 120


# Kernels start in parallel up to this many (a kernel's start is mostly CPU: Python, NumPy, matplotlib).
PARALLEL = max(1, min(2, os.cpu_count() or 1))


def kernel_env() -> dict[str, str]:
    """The environment of a notebook's kernel: this checkout's deepkiso first, figures drawn inline."""
    src = str(Path(deepkiso.__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
        # The suite's Agg backend would hide the figures; a kernel draws them inline.
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def execute_all(lang: str, solutions: bool, folder: Path) -> dict[str, list]:
    """Every notebook (lang, version) executed, each in a fresh kernel as a learner opens it: name -> cells.

    PARALLEL kernels at a time. An error in a cell is kept as that cell's output (allow_errors),
    for its notebook's test to report.
    """
    notebooks = {
        name: nbformat.from_dict(build_notebook(name, lang, solutions)) for name in NOTEBOOKS
    }
    env = kernel_env()

    async def run_all():
        slots = asyncio.Semaphore(PARALLEL)

        async def run(name, notebook):
            cwd = folder / name
            cwd.mkdir()
            async with slots:
                client = nbclient.NotebookClient(
                    notebook,
                    timeout=CELL_TIMEOUT,
                    kernel_name="python3",
                    allow_errors=True,
                    resources={"metadata": {"path": str(cwd)}},
                )
                await client.async_execute(env=env)

        await asyncio.gather(*(run(name, nb) for name, nb in notebooks.items()))

    asyncio.run(run_all())
    return {name: notebook.cells for name, notebook in notebooks.items()}


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """executed(lang, solutions) -> {name: cells}, each set executed once per session."""
    runs: dict[tuple[str, bool], dict[str, list]] = {}

    def run(lang: str, solutions: bool) -> dict[str, list]:
        if (lang, solutions) not in runs:
            folder = tmp_path_factory.mktemp(f"notebooks-{lang}-{solutions}")
            runs[lang, solutions] = execute_all(lang, solutions, folder)
        return runs[lang, solutions]

    return run


def text_of(cell) -> str:
    """Everything a code cell showed, as text (stdout, stderr, results, errors)."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        else:
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def check_cells(cells):
    return [c for c in cells if "check" in c.metadata.get("tags", [])]


def counts_pattern(lang: str) -> re.Pattern:
    """The report's count line, in lang, with its numbers to read."""
    set_language(lang)
    try:
        template = _("{passed} passed, {failed} failed, {notes} notes, {skipped} skipped")
    finally:
        set_language(None)
    pattern = re.escape(template)
    for field in ("passed", "failed", "notes", "skipped"):
        pattern = pattern.replace(re.escape(f"{{{field}}}"), rf"(?P<{field}>\d+)")
    return re.compile(pattern)


def not_written_yet(lang: str) -> str:
    set_language(lang)
    try:
        return _("not written yet (raise NotImplementedError)")
    finally:
        set_language(None)


def errors_of(cells) -> list[str]:
    return [
        f"cell {i}: {o['ename']}: {o['evalue']}"
        for i, c in enumerate(cells)
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_execute_solution_notebook_every_check_passes(name, lang, executed):
    notebook = executed(lang, True)[name]
    assert errors_of(notebook) == []
    pattern = counts_pattern(lang)
    for cell in check_cells(notebook):
        shown = text_of(cell)
        found = pattern.search(shown)
        assert found, f"{name} ({lang}): no report in the check cell {cell.source!r}:\n{shown}"
        assert int(found["failed"]) == 0 and int(found["passed"]) >= 1, f"{name} ({lang}):\n{shown}"
    for cell in notebook:
        assert "missing from font" not in text_of(cell), f"{name} ({lang}): {text_of(cell)[:300]}"
        if "full-run" in cell.metadata.get("tags", []):  # the long run waits for the learner
            assert cell.get("execution_count") is None and not cell.get("outputs"), name


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_execute_solution_notebook_draws_every_picture(name, lang, executed):
    # A figure left as a cell's last line, or display(figure), shows as a picture only where
    # deepkiso's figures show themselves in Jupyter (issue 16, item 5: deepkiso.plots._figure).
    pytest.importorskip("deepkiso.plots._figure", reason="figures that show themselves in Jupyter")
    for cell in executed(lang, True)[name]:
        if "picture" in cell.metadata.get("tags", []):
            shown = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert shown, f"{name} ({lang}): the picture cell {cell.source[:80]!r} drew nothing"


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_execute_learners_notebook_runs_and_reports_not_written_yet(name, lang, executed):
    notebook = executed(lang, False)[name]
    assert errors_of(notebook) == []
    pattern, blank = counts_pattern(lang), not_written_yet(lang)
    for cell in check_cells(notebook):
        shown = text_of(cell)
        found = pattern.search(shown)
        assert found, f"{name} ({lang}): no report in the check cell {cell.source!r}:\n{shown}"
        assert blank in shown and int(found["failed"]) >= 1, f"{name} ({lang}):\n{shown}"


class _Text(ast.NodeTransformer):
    """Blanks every string literal: what is left is the code's logic."""

    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node


def _logic(source: str) -> str:
    return ast.dump(_Text().visit(ast.parse(source)))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_learners_versions_differ_only_in_text(name):
    ja, en = build_notebook(name, "ja", False), build_notebook(name, "en", False)
    code_ja = [c["source"] for c in ja["cells"] if c["cell_type"] == "code"]
    code_en = [c["source"] for c in en["cells"] if c["cell_type"] == "code"]
    assert len(code_ja) == len(code_en), f"{name}: the languages have different code cells"
    for a, b in zip(code_ja, code_en):
        assert _logic(a) == _logic(b), f"{name}: the code differs beyond text:\n{a}\n---\n{b}"
