"""Notebooks: code cells run in order, IPython lines are skipped, training and data loading do not run."""

import json

import pytest

from deepkiso.check import FAIL, NOTE, PASS, check_file
from deepkiso.check.loader import notebook_cells, python_source


def _notebook(cells: list[str]) -> str:
    return json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 2_12 layers\n"]}]
        + [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": cell.splitlines(True)} for cell in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    })


NOTEBOOK_CELLS = [
    "%matplotlib inline\nimport numpy as np\n!ls\n",
    "def relu(x):\n    return np.maximum(0, x)\n",
    "x_train = np.load('mnist.npz')\n",
    "%%bash\necho training data\n",
    "for i in range(10**9):\n    pass\n",
    "class Relu:\n    def __init__(self):\n        self.mask = None\n\n    def forward(self, x):\n"
    "        self.mask = x <= 0\n        return np.where(self.mask, 0.0, x)\n\n    def backward(self, dout):\n"
    "        return np.where(self.mask, 0.0, dout)\n",
    "def sigmoid(x)\n    return 1 / (1 + np.exp(-x))\n",
]


@pytest.fixture(scope="module")
def notebook_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("notebook") / "2_12_layers.ipynb"
    path.write_text(_notebook(NOTEBOOK_CELLS), encoding="utf-8")
    return check_file(path, timeout=1)


def test_a_notebooks_definitions_are_checked_cell_after_cell(notebook_report):
    assert notebook_report.found == {"relu": "code cell 2, line 1", "Relu": "code cell 6, line 1"}
    checked = {r.subject for r in notebook_report.results if r.status == PASS}
    assert checked == {"relu", "Relu"}


def test_a_notebooks_problems_are_notes_except_a_broken_definition(notebook_report):
    problems = [(r.title, r.status, r.message.split(";")[0], r.location)
                for r in notebook_report.results if r.id == "import"]
    assert problems == [
        ("running 2_12_layers.ipynb, code cell 4", NOTE, "skipped: a %%bash cell is not Python", ""),
        ("running 2_12_layers.ipynb, code cell 7", FAIL, "SyntaxError: expected ':'",
         "2_12_layers.ipynb, code cell 7, line 1: def sigmoid(x)"),
        # The data loading and the endless loop never ran, so neither cost time nor failed.
        ("statements of 2_12_layers.ipynb that did not run", NOTE,
         "2 top-level statements not run, as they do not decide the verdict (training, plotting, data loading, "
         "the check itself): code cell 3, code cell 5", ""),
    ]
    assert notebook_report.exit_code == 1


def test_ipython_lines_become_pass_and_keep_the_line_numbers():
    source, why = python_source("%time x = 1\nif True:\n    !ls\n    y = !pwd\nz = 2\n")
    assert why == ""
    assert source == "pass\nif True:\n    pass\n    pass\nz = 2\n"
    assert python_source("%%timeit\nx = 1\n") == ("\nx = 1\n", "")
    assert python_source("%%writefile a.py\nx = 1\n") == (None, "a %%writefile cell is not Python")
    assert python_source("a = b != c\nd %= 2\n")[0] == "a = b != c\nd %= 2\n"


def test_notebook_cells_reads_the_code_cells_in_order(tmp_path):
    path = tmp_path / "n.ipynb"
    path.write_text(_notebook(["a = 1\n", "b = 2\n"]), encoding="utf-8")
    assert [(c.source, c.execution_count) for c in notebook_cells(path)] == [("a = 1\n", None), ("b = 2\n", None)]
