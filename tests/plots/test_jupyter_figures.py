"""deepkiso's figures in Jupyter, shown the usual ways, each once; and outside Jupyter, never in pyplot."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import deepkiso
from deepkiso.plots._figure import CourseFigure
from deepkiso.plots.curves import confusion_matrix_figure

SRC = str(Path(deepkiso.__file__).resolve().parents[1])


def _run(code: str, **env: str) -> str:
    """code in a fresh Python (the deepkiso under test first on its path); its stdout."""
    environment = {**os.environ, "PYTHONPATH": SRC, **env}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_script_never_imports_pyplot():
    out = _run(
        """
        import sys
        import numpy as np
        from deepkiso.plots.curves import confusion_matrix_figure
        figure = confusion_matrix_figure(np.eye(3, dtype=int))
        print("matplotlib.pyplot" in sys.modules, type(figure.canvas).__name__)
        """
    )
    assert out.split() == ["False", "FigureCanvasAgg"]


def test_with_pyplot_on_a_non_notebook_backend_no_figure_is_registered():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figures = [confusion_matrix_figure(np.eye(2, dtype=int)) for _unused in range(3)]
    assert plt.get_fignums() == before
    assert all(isinstance(f, CourseFigure) and f.canvas.manager is None for f in figures)


def test_the_inline_backend_registers_the_figures_and_closes_them_after_the_cell(tmp_path):
    pytest.importorskip("matplotlib_inline")
    out = _run(
        """
        import matplotlib
        import matplotlib.pyplot as plt
        from matplotlib_inline.backend_inline import flush_figures
        import numpy as np
        from deepkiso.plots._figure import new_figure, outside_pyplot
        from deepkiso.plots.curves import confusion_matrix_figure

        matplotlib.interactive(True)  # as IPython sets it in a kernel
        figures = [confusion_matrix_figure(np.eye(2, dtype=int)) for _unused in range(5)]
        # Figures made only to be saved or rendered by their caller stay out of pyplot.
        with outside_pyplot():
            confusion_matrix_figure(np.eye(2, dtype=int))
        new_figure(through_pyplot=False)
        from deepkiso import graph
        from deepkiso.landscape import descend, get_surface
        from deepkiso.plots.graph import save_graph, show_graph
        from deepkiso.plots.landscape import animate_descent
        y = graph.square(graph.Variable(2.0, "x")).named("y")
        save_graph(y, {png!r}, renderer="matplotlib")
        show_graph(y)._repr_svg_()
        surface = get_surface("bowl")
        animate_descent(surface, [descend(surface, (1.0, 1.0), n_steps=3)], n_frames=2)
        print("open", len(plt.get_fignums()), figures[0].canvas.manager is not None)
        flush_figures()  # what the kernel runs when a cell ends
        print("open", len(plt.get_fignums()))
        """.replace("{png!r}", repr(str(tmp_path / "graph.png"))),
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    lines = [line for line in out.splitlines() if line.startswith("open")]
    assert lines == ["open 5 True", "open 0"]


NOTEBOOK = [
    # Before pyplot is imported: plain figures, shown by their own PNG.
    "import sys\nsys.path.insert(0, {src!r})\nimport numpy as np\n"
    "from deepkiso.plots.curves import confusion_matrix_figure\nM = np.eye(3, dtype=int)",
    "fig = confusion_matrix_figure(M)\nfig",
    "fig = confusion_matrix_figure(M)\nfig.show()",
    # The usual notebook: pyplot imported (the inline backend of the kernel).
    "import matplotlib.pyplot as plt",
    "fig = confusion_matrix_figure(M)\nplt.show()",
    "fig = confusion_matrix_figure(M)\nfig.show()",
    "fig = confusion_matrix_figure(M)\nfig",
    "for i in range(30):\n    confusion_matrix_figure(M, title=f'figure {{i}}')",
    "print(plt.get_fignums())",
    # In Japanese, KMNIST's kana: one picture, and no glyph missing.
    "from deepkiso.i18n import set_language\nfrom deepkiso.data import dataset_info\n"
    "set_language('ja')\n"
    "confusion_matrix_figure(np.eye(10, dtype=int), dataset_info('kmnist').class_names)",
    "print(plt.get_fignums())",
]


@pytest.fixture(scope="module")
def notebook():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib_inline")
    cells = [nbformat.v4.new_code_cell(source.format(src=SRC)) for source in NOTEBOOK]
    executed = nbformat.v4.new_notebook(cells=cells)
    with pytest.MonkeyPatch.context() as patch:
        # The kernel picks its inline backend itself, as for a learner (the suite's Agg would win).
        patch.delenv("MPLBACKEND", raising=False)
        patch.delenv("DEEPKISO_LANG", raising=False)
        nbclient.NotebookClient(executed, timeout=180, kernel_name="python3").execute()
    return executed


def _images(notebook, cell: int) -> int:
    return sum("image/png" in output.get("data", {}) for output in notebook.cells[cell].outputs)


def _printed(notebook, cell: int) -> str:
    return "".join(o.get("text", "") for o in notebook.cells[cell].outputs if "text" in o)


@pytest.mark.parametrize(
    "cell, way",
    [
        (1, "last line, before pyplot"),
        (2, "fig.show(), before pyplot"),
        (4, "plt.show()"),
        (5, "fig.show()"),
        (6, "last line"),
        (9, "last line, in Japanese"),
    ],
)
def test_each_way_of_showing_a_figure_shows_it_once(notebook, cell, way):
    assert _images(notebook, cell) == 1, (way, notebook.cells[cell].outputs)


def test_figures_made_in_a_loop_are_shown_and_closed_when_the_cell_ends(notebook):
    assert _images(notebook, 7) == 30
    assert _printed(notebook, 8).strip() == "[]"
    assert _printed(notebook, 10).strip() == "[]"


def test_no_cell_warns(notebook):
    """No error, no missing glyph, no font warning; the loop's cell alone has pyplot's own warning of
    more than 20 open figures (they are, until the cell ends), as a loop of plt.subplots would."""
    for number, cell in enumerate(notebook.cells):
        errors = [o for o in cell.outputs if o.get("name") == "stderr" or "ename" in o]
        if number == 7:
            assert all("More than 20 figures" in o["text"] for o in errors), errors
        else:
            assert not errors, (cell.source, errors)
