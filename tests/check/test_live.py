"""check(Affine): the live objects of a session or a Jupyter kernel are graded as they are now, under the limits."""

import numpy as np
import pytest

from deepkiso.check import FAIL, PASS, check, format_text


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout  # the planted bug: no sum over the batch
        return dout @ self.W.T


def relu(x):
    return np.maximum(0, x)


def test_a_live_class_is_graded_with_the_files_checks_and_causes():
    report = check(Affine, only=["Affine.backward_db", "Affine.backward_dx"])
    statuses = {r.id: r.status for r in report.results}
    assert statuses == {"Affine.backward_db": FAIL, "Affine.backward_dx": PASS}
    assert report.passed is False
    assert str(report) == format_text(report)
    assert (
        "likely cause: db has shape (5, 3); it should be (3,): sum dout over the batch axis (axis=0)"
        in str(report)
    )
    assert report.found["Affine"].endswith(
        "test_live.py, line 9"
    )  # where this class is, relative to the cwd


def test_several_objects_and_a_namespace_are_graded_by_their_course_names():
    assert {r.subject for r in check(Affine, relu).results} == {"Affine", "relu"}
    namespace = {"Relu_layer": None, "relu": relu, "unrelated": 3, "_private": Affine}
    report = check(namespace)
    assert {r.subject for r in report.results} == {"relu"} and report.passed


def test_the_report_renders_in_jupyter():
    html = check(relu)._repr_html_()
    assert html.startswith("<pre") and '<b style="color:#1a7f37">PASS</b>' in html


@pytest.mark.parametrize("bad", [(), (3,), ("Affine",)])
def test_anything_but_functions_classes_and_namespaces_is_refused(bad):
    with pytest.raises(TypeError, match=r"check\(\) grades functions and classes"):
        check(*bad)


KERNEL_CELLS = [
    "import numpy as np\nfrom deepkiso.check import check",
    # The learner's first try, with a bug; the notebook is never saved to disk.
    "class Affine:\n    def __init__(self, W, b):\n        self.W, self.b = W, b\n\n    def forward(self, x):\n"
    "        self.x = x\n        return x @ self.W + self.b\n\n    def backward(self, dout):\n"
    "        self.dW = self.x.T @ dout\n        self.db = dout\n        return dout @ self.W.T",
    "before = check(Affine)\nbefore",
    # The fix, made in the kernel only.
    "class Affine:\n    def __init__(self, W, b):\n        self.W, self.b = W, b\n\n    def forward(self, x):\n"
    "        self.x = x\n        return x @ self.W + self.b\n\n    def backward(self, dout):\n"
    "        self.dW = self.x.T @ dout\n        self.db = dout.sum(axis=0)\n        return dout @ self.W.T",
    "after = check(Affine)\nprint(after.passed)",
    "def relu(x):\n    while True:\n        pass",
    "stuck = check(relu, timeout=1)\nprint(stuck)",
    "print('the kernel survived', before.passed, after.passed, stuck.passed)",
    "%load_ext deepkiso.check",
    "%check Affine",
]


@pytest.fixture(scope="module")
def executed_notebook():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in KERNEL_CELLS])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return notebook


def _output(notebook, cell: int, mime: str = "text/plain") -> str:
    [output] = notebook.cells[cell].outputs
    return output["text"] if output["output_type"] == "stream" else output["data"][mime]


def test_in_a_kernel_check_sees_an_unsaved_edit(executed_notebook):
    before = _output(executed_notebook, 2)
    assert before.startswith(
        "deepkiso check live objects: Affine\n\nAffine (cell In[2], line 1)  exercise 2_14\n"
    )
    assert "  FAIL  [2_14]  backward: db = dout summed over the batch\n" in before
    assert '<b style="color:#cf222e">FAIL</b>' in _output(executed_notebook, 2, "text/html")
    assert _output(executed_notebook, 4) == "True\n"


def test_in_a_kernel_an_endless_loop_is_stopped_and_the_kernel_survives(executed_notebook):
    stuck = _output(executed_notebook, 6)
    assert "timed out after 1 s" in stuck and "your code: cell In[6], line 2: while True:" in stuck
    assert _output(executed_notebook, 7) == "the kernel survived False True False\n"


def test_the_check_magic_grades_the_kernels_names(executed_notebook):
    text = _output(executed_notebook, 9)
    assert "Affine (cell In[4], line 1)" in text and text.rstrip().endswith("1 notes, 0 skipped")
