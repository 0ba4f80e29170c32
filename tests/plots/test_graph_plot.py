"""Tests of deepkiso.plots.graph: the drawings are real, readable (nothing overlaps) and saved
as .svg, .png and .dot, with Graphviz when it is there and matplotlib when it is not."""

import itertools
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import matplotlib.image
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyBboxPatch

from deepkiso import graph as g
from deepkiso.expression import parse_expression
from deepkiso.plots import graph as plots
from deepkiso.plots.graph import GraphView, draw_graph, save_graph, show_graph


def chain_rule():
    example = g.chain_rule_example(1.0, 2.0)
    example.output.backward()
    return example.output


def drawn_boxes(figure: Figure):
    """Window extents of the node shapes and of the gradient-edge labels (the texts with a background)."""
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    ax = figure.axes[0]
    nodes = [
        p.get_window_extent(renderer)
        for p in ax.patches
        if isinstance(p, (FancyBboxPatch, Ellipse))
    ]
    labels = [t.get_window_extent(renderer) for t in ax.texts if t.get_bbox_patch() is not None]
    texts = [t.get_text() for t in ax.texts]
    return nodes, labels, texts


def expression_graph(text, **values):
    output, _ = parse_expression(text).evaluate(values)
    output.backward()
    return output


READY_MADE = dict(g.EXAMPLES.items())
TYPED = {
    "reuse": lambda: expression_graph("x*x*x + x", x=1.5),
    "crossing": lambda: expression_graph("(a+b)*(a-b)/(a*b)", a=2.0, b=3.0),
    "long": lambda: expression_graph(
        "tanh(x)*w + sigmoid(x*w) - relu(x)/2 + x**3 + exp(-x)*log(w) "
        "+ mean(square(x)) + sum(reciprocal(w))",
        x=1.5,
        w=0.7,
    ),
}


def build_graph(name):
    if name in READY_MADE:
        example = READY_MADE[name]()
        example.output.backward()
        return example.output
    return TYPED[name]()


@pytest.mark.parametrize("name", [*READY_MADE, *TYPED])
def test_no_nodes_or_derivative_labels_overlap(name):
    nodes, labels, _ = drawn_boxes(draw_graph(build_graph(name)))
    assert len(nodes) >= 3
    for a, b in itertools.combinations(nodes, 2):
        assert not a.overlaps(b), f"{name}: two nodes overlap"
    for a, b in itertools.combinations(labels, 2):
        assert not a.overlaps(b), f"{name}: two labels overlap"
    for label, node in itertools.product(labels, nodes):
        assert not label.overlaps(node), f"{name}: a label covers a node"


def test_drawing_shows_values_gradients_and_local_derivatives():
    _, labels, texts = drawn_boxes(draw_graph(chain_rule(), title="Chain rule"))
    for text in (
        "x₁ = 1",
        "∂y/∂x₁ = 6",
        "x₂ = 2",
        "t = 3",
        "∂y/∂t = 6",
        "y = 9",
        "+",
        "x²",
        "× 2t",
        "× 1",
        "Chain rule",
    ):
        assert text in texts
    assert len(labels) == 3  # × 1, × 1, × 2t


def test_drawing_before_backward_shows_values_only():
    example = g.chain_rule_example()
    _, labels, texts = drawn_boxes(draw_graph(example.output))
    assert "t = 3" in texts and not any(t.startswith("∂") for t in texts) and labels == []


def test_arrays_show_their_shape_and_a_few_numbers():
    example = g.affine_softmax_loss_example()
    example.output.backward()
    _, _, texts = drawn_boxes(draw_graph(example.output))
    assert "W  (2×3)" in texts
    assert any(t.startswith("∂L/∂W = [") and t.endswith("…]") for t in texts)


def test_a_graph_wider_than_max_width_is_folded_into_rows():
    x = g.Variable(0.5, "x")
    y = x
    for _ in range(12):
        y = g.tanh(y * 1.5)
    y.backward()
    wide, folded = draw_graph(y, max_width=1000.0), draw_graph(y, max_width=12.0)
    assert folded.get_figwidth() <= 12.0 + 2.0
    assert folded.get_figheight() > wide.get_figheight()
    assert wide.get_figwidth() > 12.0


def test_save_graph_writes_a_real_png_of_the_figure_size(tmp_path, monkeypatch):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    path = tmp_path / "chain.png"
    assert save_graph(chain_rule(), path, dpi=80) == "matplotlib"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figure = draw_graph(chain_rule())
    image = matplotlib.image.imread(path)
    expected = (round(figure.get_figheight() * 80), round(figure.get_figwidth() * 80))
    assert image.shape[:2] == expected
    assert image.shape[0] > 100 and image.shape[1] > 300
    assert image[..., :3].std() > 0.05  # not a blank picture
    assert [p.name for p in tmp_path.iterdir()] == ["chain.png"]  # no temporary file left


def test_save_graph_writes_a_parseable_svg_with_the_node_text(tmp_path, monkeypatch):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    path = tmp_path / "chain.svg"
    assert save_graph(chain_rule(), path) == "matplotlib"
    root = ElementTree.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert float(root.get("width").removesuffix("pt")) > 200
    assert len(list(root.iter())) > 50


def test_save_graph_writes_dot_text_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    path = tmp_path / "sub" / "chain.dot"
    assert save_graph(chain_rule(), path, title="Chain") == "text"
    text = path.read_text(encoding="utf-8")
    # Names are written with subscripts, as in the matplotlib drawing and the titles.
    assert text.startswith("digraph") and "∂y/∂x₁ = 6" in text and 'label="Chain"' in text


def fake_dot(calls, returncode=0):
    def run(command, input, capture_output, timeout, check):
        if command[1] == "-Tplain":  # measuring the drawing, to shape it for a slide
            plain = b"graph 1 7.5 1.9\n" if returncode == 0 else b""
            return subprocess.CompletedProcess(
                command, returncode, plain, b"Error: syntax error in line 3"
            )
        calls.append((command, input.decode("utf-8")))
        if returncode == 0:
            Path(command[command.index("-o") + 1]).write_bytes(
                b"<svg xmlns='http://www.w3.org/2000/svg'/>"
            )
        return subprocess.CompletedProcess(
            command, returncode, b"", b"Error: syntax error in line 3"
        )

    return run


def test_auto_renderer_uses_graphviz_dot_when_it_is_installed(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(plots.shutil, "which", lambda name: "/opt/graphviz/bin/dot")
    monkeypatch.setattr(plots.subprocess, "run", fake_dot(calls))
    path = tmp_path / "chain.svg"
    assert save_graph(chain_rule(), path, dpi=72) == "dot"
    ((command, text),) = calls
    assert command[:2] == ["/opt/graphviz/bin/dot", "-Tsvg"] and "-Gdpi=72" in command
    # One row (the graph is small), pinned where deepkiso's layout put it, with margins that
    # make the 7.5 × 1.9 inches that dot measured slide-shaped.
    assert text == plots.dot_text(chain_rule(), dot="/opt/graphviz/bin/dot")
    assert f'pad="0.060,{plots._slide_pad(7.5, 1.9, 0.06)[1]:.3f}"' in text
    assert "layout=neato" in text and "∂y/∂x₁ = 6" in text
    assert ElementTree.parse(path).getroot().tag.endswith("svg")


@pytest.mark.parametrize(
    "fontconfig_has_japanese, expected", [(False, "matplotlib"), (True, "dot")]
)
def test_in_japanese_auto_uses_graphviz_only_with_a_japanese_font(
    tmp_path, monkeypatch, fontconfig_has_japanese, expected
):
    """Graphviz finds fonts through fontconfig: without a Japanese one its labels would be boxes."""
    from deepkiso.i18n import set_language

    monkeypatch.setattr(plots.shutil, "which", lambda name: "/opt/graphviz/bin/dot")
    monkeypatch.setattr(plots, "graphviz_has_japanese_font", lambda: fontconfig_has_japanese)
    set_language("ja")
    try:
        assert plots.chosen_renderer(tmp_path / "chain.png") == expected
        assert plots.chosen_renderer(tmp_path / "chain.png", "dot") == "dot"  # forced: as asked
    finally:
        set_language(None)
    assert plots.chosen_renderer(tmp_path / "chain.png") == "dot"  # English needs no such font


def test_the_japanese_font_question_is_asked_of_fontconfig(monkeypatch):
    plots.graphviz_has_japanese_font.cache_clear()
    answers = {"IPAexGothic\n": True, "": False}
    try:
        for stdout, expected in answers.items():
            plots.graphviz_has_japanese_font.cache_clear()
            monkeypatch.setattr(plots.shutil, "which", lambda name: "/usr/bin/fc-list")
            monkeypatch.setattr(
                plots.subprocess,
                "run",
                lambda command, out=stdout, **kw: subprocess.CompletedProcess(command, 0, out, ""),
            )
            assert plots.graphviz_has_japanese_font() is expected
        plots.graphviz_has_japanese_font.cache_clear()
        monkeypatch.setattr(plots.shutil, "which", lambda name: None)
        assert plots.graphviz_has_japanese_font() is False  # no fontconfig: no such font
    finally:
        plots.graphviz_has_japanese_font.cache_clear()


def test_matplotlib_renderer_can_be_forced_when_dot_is_installed(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(plots.shutil, "which", lambda name: "/opt/graphviz/bin/dot")
    monkeypatch.setattr(plots.subprocess, "run", fake_dot(calls))
    assert save_graph(chain_rule(), tmp_path / "chain.png", renderer="matplotlib") == "matplotlib"
    assert calls == []


def test_a_failing_dot_raises_with_its_message_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(plots.shutil, "which", lambda name: "/opt/graphviz/bin/dot")
    monkeypatch.setattr(plots.subprocess, "run", fake_dot([], returncode=1))
    with pytest.raises(RuntimeError, match="exit code 1: Error: syntax error in line 3"):
        save_graph(chain_rule(), tmp_path / "chain.png")
    assert list(tmp_path.iterdir()) == []


def test_save_graph_refuses_unknown_suffixes_renderers_and_a_missing_dot(tmp_path, monkeypatch):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match=r"must end in one of \['.svg', '.png', '.dot'\]"):
        save_graph(chain_rule(), tmp_path / "chain.jpg")
    with pytest.raises(ValueError, match="unknown renderer 'cairo'"):
        save_graph(chain_rule(), tmp_path / "chain.svg", renderer="cairo")
    with pytest.raises(ValueError, match="needs Graphviz's dot program"):
        save_graph(chain_rule(), tmp_path / "chain.svg", renderer="dot")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_real_graphviz_renders_the_dot_text(tmp_path):
    save_graph(chain_rule(), tmp_path / "chain.png", renderer="dot")
    assert matplotlib.image.imread(tmp_path / "chain.png").shape[0] > 50


def test_graph_view_shows_inline_as_svg_in_jupyter(tmp_path):
    view = show_graph(chain_rule(), title="Chain rule")
    assert isinstance(view, GraphView)
    root = ElementTree.fromstring(view._repr_svg_())
    assert root.tag.endswith("svg")
    assert isinstance(view.figure(), Figure)
    assert view.to_dot().startswith("digraph")
    view.save(tmp_path / "view.dot")
    assert (tmp_path / "view.dot").exists()
