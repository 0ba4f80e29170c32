"""Notebooks: code cells run in order, IPython lines are skipped, training and data loading do not run."""

import json
import subprocess
import sys

import pytest

from deepkiso.check import FAIL, NOTE, PASS, check_file, format_text
from deepkiso.check.loader import find_root, learner_paths, notebook_cells, python_source
from deepkiso.cli import main


def _notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 2_12 layers\n"]}]
            + [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": cell.splitlines(True),
                }
                for cell in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


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
    problems = [
        (r.title, r.status, r.message.split("; the")[0], r.location)
        for r in notebook_report.results
        if r.id == "import"
    ]
    assert problems == [
        (
            "running 2_12_layers.ipynb, code cell 4",
            NOTE,
            "skipped: a %%bash cell is not Python",
            "",
        ),
        (
            "running 2_12_layers.ipynb, code cell 7",
            FAIL,
            "SyntaxError: expected ':'",
            "2_12_layers.ipynb, code cell 7, line 1: def sigmoid(x)",
        ),
        # The data loading and the endless loop never ran, so neither cost time nor failed.
        (
            "statements of 2_12_layers.ipynb that did not run",
            NOTE,
            "2 top-level statements not run, as they do not decide the verdict (training, plotting, data loading, "
            "the check itself): code cell 3 (a value no definition uses); code cell 5 (a loop)",
            "",
        ),
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
    assert [(c.source, c.execution_count) for c in notebook_cells(path)] == [
        ("a = 1\n", None),
        ("b = 2\n", None),
    ]


# --- project layouts ---------------------------------------------------------------------------

AFFINE = """\
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)
"""
RELU = "import numpy as np\n\n\ndef relu(x):\n    return np.maximum(0, x)\n"


def _tree(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("header", ["import sys, os\nsys.path.append(os.pardir)\n", ""])
def test_a_book_layout_imports_common_from_the_chapter_folder(tmp_path, header):
    _tree(
        tmp_path,
        {
            "common/__init__.py": "",
            "common/layers.py": AFFINE,
            "ch05/two_layer_net.py": header + "from common.layers import *\n",
        },
    )
    report = check_file(tmp_path / "ch05" / "two_layer_net.py", only=["Affine"])
    assert report.found == {"Affine": "common/layers.py, line 4"}
    assert report.passed, format_text(report)


def test_the_project_root_is_the_nearest_folder_with_a_marker(tmp_path):
    _tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "src/ch04/net.py": "",
            "work/common/__init__.py": "",
            "work/ch05/x.py": "",
        },
    )
    assert find_root(tmp_path / "src" / "ch04" / "net.py") == tmp_path
    assert find_root(tmp_path / "work" / "ch05" / "x.py") == tmp_path / "work"
    assert find_root(tmp_path / "work" / "common" / "__init__.py") == tmp_path / "work"


def test_an_ide_layout_imports_from_the_project_root_and_root_overrides(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "mylib/layers.py": AFFINE,
            "exercises/ex14.py": "from mylib.layers import Affine\n",
        },
    )
    assert check_file(tmp_path / "exercises" / "ex14.py", only=["Affine"]).passed
    # --root elsewhere: mylib is not importable, and the report says so with the learner's line.
    elsewhere = _tree(tmp_path / "other", {"x.txt": ""})
    assert main(["check", str(tmp_path / "exercises" / "ex14.py"), "--root", str(elsewhere)]) == 1
    out = capsys.readouterr().out
    assert "raised ModuleNotFoundError: No module named 'mylib'" in out
    assert (
        main(["check", str(tmp_path / "exercises" / "ex14.py"), "--root", str(tmp_path / "nope")])
        == 2
    )
    assert "no such folder" in capsys.readouterr().err


def test_a_module_of_a_package_runs_with_its_relative_imports(tmp_path):
    _tree(
        tmp_path,
        {
            "setup.py": "",
            "mynet/__init__.py": "from .layers import Affine\n",
            "mynet/layers.py": AFFINE,
            "mynet/functions.py": RELU,
            "mynet/net.py": "from .layers import *\nfrom .functions import relu\n",
        },
    )
    report = check_file(tmp_path / "mynet" / "net.py", only=["Affine", "relu"])
    assert report.found == {
        "relu": "mynet/functions.py, line 4",
        "Affine": "mynet/layers.py, line 4",
    }
    assert report.passed, format_text(report)


def test_an_error_inside_an_imported_file_names_that_file_and_line(tmp_path):
    broken = AFFINE + "\nlayer = Afine(1, 2)\n"
    _tree(
        tmp_path,
        {
            "common/__init__.py": "",
            "common/layers.py": broken,
            "ch05/net.py": "from common.layers import *\n",
        },
    )
    [problem] = [r for r in check_file(tmp_path / "ch05" / "net.py").results if r.id == "import"]
    assert (
        problem.status == FAIL
        and problem.message == "raised NameError: name 'Afine' is not defined"
    )
    assert problem.location == "common/layers.py, line 18: layer = Afine(1, 2)"


def test_several_files_and_a_folder_grade_each_name_once(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "common/__init__.py": "",
            "common/layers.py": AFFINE,
            "common/functions.py": RELU,
            "ch05/two_layer_net.py": "import sys, os\nsys.path.append(os.pardir)\n"
            "from common.layers import *\nfrom common.functions import relu\n",
            "ch05/my_affine.py": AFFINE.replace("np.sum(dout, axis=0)", "dout"),
        },
    )
    report = check_file([tmp_path / "common", tmp_path / "ch05"], only=["Affine", "relu"])
    assert report.found == {
        "relu": "common/functions.py, line 4",
        "Affine": "common/layers.py, line 4; also defined in ch05/my_affine.py, line 4, not graded",
    }
    assert [r.subject for r in report.results].count(
        "relu"
    ) == 3  # once, although two files bind it
    assert report.passed


# --- notebooks ---------------------------------------------------------------------------------


def _counted_notebook(cells: list[tuple[int | None, str]]) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": count,
                    "metadata": {},
                    "outputs": [],
                    "source": text,
                }
                for count, text in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_a_notebook_grades_the_learners_own_definition_when_an_import_shadows_it(tmp_path):
    _tree(tmp_path, {"common/__init__.py": "", "common/layers.py": AFFINE})
    own = AFFINE.replace("np.sum(dout, axis=0)", "dout").replace("import numpy as np\n", "")
    path = tmp_path / "2_14.ipynb"
    path.write_text(
        _counted_notebook([(1, "import numpy as np"), (2, own), (7, "from common.layers import *")])
    )
    report = check_file(path, only=["Affine.backward_db"])
    assert report.found == {
        "Affine": "cell In[2], line 3; also bound by `from common.layers import *` "
        "(cell In[7], line 1), not graded"
    }
    assert [r.status for r in report.results if r.subject == "Affine"] == [FAIL]


def test_a_notebook_grades_its_own_definition_over_an_earlier_import(tmp_path):
    path = tmp_path / "2_12.ipynb"
    path.write_text(
        _counted_notebook([(None, "from deepkiso.functions import relu"), (None, RELU)])
    )
    report = check_file(path, only=["relu"])
    assert report.found == {
        "relu": "code cell 2, line 4; also bound by `from deepkiso.functions import relu` "
        "(code cell 1, line 1), not graded"
    }


TRAINING_NOTEBOOK = [
    (
        1,
        "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
        "from dataset.mnist import load_mnist\nfrom deepkiso.check import check",
    ),
    (2, RELU),
    (
        3,
        "(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)\n"
        "train_size = x_train.shape[0]",
    ),
    (
        4,
        "!nvidia-smi\nlosses = []\nfor epoch in range(10**9):\n    losses.append(relu(np.ones(3)).sum())",
    ),
    (5, "plt.plot(losses)\nplt.show()"),
    (6, "check(relu)"),
]


def test_training_plotting_data_and_the_check_cell_do_not_run(tmp_path):
    path = tmp_path / "2_10.ipynb"
    path.write_text(_counted_notebook(TRAINING_NOTEBOOK))
    report = check_file(path, timeout=2)
    problems = [(r.status, r.message) for r in report.results if r.id == "import"]
    assert problems == [
        (
            NOTE,
            "the data set is missing: raised ModuleNotFoundError: No module named 'dataset'; "
            "the statements that use it did not run",
        ),
        (
            NOTE,
            "6 top-level statements not run, as they do not decide the verdict (training, plotting, data loading, "
            "the check itself): cell In[3] (uses what did not run); cell In[4] (a loop); cell In[5] (a call); "
            "cell In[6] (a call)",
        ),
    ]
    assert report.passed and report.found == {"relu": "cell In[2], line 4"}


def test_the_working_directory_is_the_files_folder(tmp_path):
    # A value a definition uses runs, from the file's own folder, wherever the checker was started.
    _tree(
        tmp_path,
        {
            "ch03/scale.txt": "2.0",
            "ch03/layers.py": "import numpy as np\n\n"
            "SCALE = float(open('scale.txt').read())\n\n\ndef relu(x):\n    return np.maximum(0, x) * SCALE / 2\n",
        },
    )
    assert check_file(tmp_path / "ch03" / "layers.py", only=["relu"]).passed


def test_a_top_level_result_named_like_a_methods_local_does_not_run(tmp_path):
    # Exercise 2_8's notebook: the methods' own `grads` is local, so the slow top-level `grads = ...` needs no run.
    net = (
        "import numpy as np\n\n\nclass Net:\n    def numerical_gradient(self, x):\n        grads = {}\n"
        "        for _ in range(10**9):\n            pass\n        return grads\n"
    )
    path = tmp_path / "2_8.ipynb"
    path.write_text(
        _counted_notebook(
            [
                (1, RELU),
                (2, net),
                (
                    3,
                    "network = Net()\nf = lambda w: network\ngrads = network.numerical_gradient(1)",
                ),
            ]
        )
    )
    report = check_file(path, timeout=2)
    assert [r.message for r in report.results if r.id == "import"] == [
        "1 top-level statement not run, as they do not decide the verdict (training, plotting, data loading, "
        "the check itself): cell In[3] (a value no definition uses)"
    ]


def test_a_folder_stands_for_the_learners_files_not_checkpoints_caches_or_data(tmp_path):
    _tree(
        tmp_path,
        {
            "ch04/a.py": "",
            "ch04/b.ipynb": "{}",
            "ch04/.ipynb_checkpoints/b-checkpoint.ipynb": "{}",
            "ch04/__pycache__/a.py": "",
            "ch04/dataset/mnist.py": "",
            "ch04/notes.txt": "",
            "empty/x.txt": "",
        },
    )
    folder = (tmp_path / "ch04").resolve()
    assert learner_paths([tmp_path / "ch04", tmp_path / "ch04" / "a.py"]) == [
        folder / "a.py",
        folder / "b.ipynb",
    ]
    with pytest.raises(ValueError, match=r"empty: no \.py file or \.ipynb notebook in this folder"):
        learner_paths([tmp_path / "empty"])


def test_importing_pyplot_costs_nothing_until_it_is_used(tmp_path):
    # relu is right only while matplotlib's modules have not been loaded in the checking process.
    path = (
        _tree(
            tmp_path,
            {
                "plots.py": "import sys\nimport numpy as np\nimport matplotlib.pyplot as plt\n\n"
                "LOADED = 'matplotlib.figure' in sys.modules\n\n\n"
                "def relu(x):\n    return x if LOADED else np.maximum(0, x)\n"
            },
        )
        / "plots.py"
    )
    # A fresh process: this one may have loaded matplotlib already, and the checking process is its fork.
    done = subprocess.run(
        [sys.executable, "-m", "deepkiso.cli", "check", str(path), "--only", "relu"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout
