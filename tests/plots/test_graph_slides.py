"""Slide-shaped graphs: every example's picture is between 4:3 and 2.5:1 in both renderers, the
DOT text carries the folding, --dout's upstream gradient is drawn, and formulas read as mathematics."""

import re
import shutil
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from matplotlib.mathtext import MathTextParser

from deepkiso import graph as g
from deepkiso.cli import main
from deepkiso.commands import graph as graph_command
from deepkiso.expression import to_mathtext, to_text
from deepkiso.plots import graph as plots
from deepkiso.plots.graph import SLIDE_ASPECT, dot_text, draw_graph, save_graph
from deepkiso.plots.graph_layout import Layout

LOW, HIGH = SLIDE_ASPECT


def example(name):
    built = g.EXAMPLES[name]()
    built.output.backward()
    return built


# Every example, whatever others add to EXAMPLES (read at collection time).
@pytest.mark.parametrize("name", list(g.EXAMPLES))
def test_every_example_is_slide_shaped_in_matplotlib(name):
    built = example(name)
    width, height = draw_graph(built.output, title=built.title).get_size_inches()
    assert LOW - 1e-6 <= width / height <= HIGH + 1e-6, f"{name}: {width:.1f} x {height:.1f}"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
@pytest.mark.parametrize("name", list(g.EXAMPLES))
def test_every_example_is_slide_shaped_in_graphviz(name, tmp_path):
    built = example(name)
    path = tmp_path / f"{name}.svg"
    assert save_graph(built.output, path, renderer="dot", title=built.title) == "dot"
    root = ElementTree.parse(path).getroot()
    width, height = (float(root.get(key).removesuffix("pt")) for key in ("width", "height"))
    assert LOW - 0.02 <= width / height <= HIGH + 0.02, f"{name}: {width:.0f} x {height:.0f} pt"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_one_row_keeps_graphviz_s_strip(tmp_path):
    built = example("affine_softmax_loss")
    path = tmp_path / "strip.svg"
    save_graph(built.output, path, renderer="dot", fold=False)
    root = ElementTree.parse(path).getroot()
    assert (
        float(root.get("width").removesuffix("pt")) / float(root.get("height").removesuffix("pt"))
        > 2 * HIGH
    )


def test_the_dot_text_carries_the_rows_of_the_layout_without_graphviz(monkeypatch):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    built = example("affine_softmax_loss")
    text = dot_text(built.output, title=built.title)
    layout = Layout.build(built.output, True, 3, plots.text_width)
    plots.choose_rows(layout, 18.0, lambda placed: plots.frame_size(placed, built.title))
    assert len(layout.rows) > 1
    # Every node is pinned where the folded layout put it, and neato only draws.
    assert "layout=neato" in text and "splines=line" in text
    ids = {id(v): f"v{i}" for i, v in enumerate(g.graph_variables(built.output))}
    pinned = {
        name: (float(x), -float(y))
        for name, x, y in re.findall(r'  (v\d+) \[pos="([-\d.]+),([-\d.]+)!"', text)
    }
    drawn = [n for n in layout.nodes if n.kind == "value"]
    assert len(pinned) == len(drawn)
    for node in drawn:
        x, y = pinned[ids[id(node.item)]]
        assert (x, y) == pytest.approx((node.x, node.y), abs=1e-3)
    # The rows stack: the output sits in the last row, below the inputs.
    tops = [offset for _first, _last, offset in layout.rows]
    assert pinned[ids[id(built.output)]][1] > tops[-1] > pinned[ids[id(built.inputs["x"])]][1]
    # The local-derivative labels keep their places too, one per input edge that carries a gradient.
    n_labels = sum(
        1
        for e in layout.edges
        if e.input_index is not None and e.op.inputs[e.input_index].grad is not None
    )
    assert len(re.findall(r"_label \[shape=plaintext.*pos=", text)) == n_labels
    # Every edge runs along the layout's own route: an edge that wraps to the next row turns at
    # four pinned corners per fold, on its way down and along the lane between the rows.
    corners = re.findall(r"  (\w+f\d+) \[shape=point, style=invis.*pos=", text)
    assert len(corners) >= 4 * (len(layout.rows) - 1)
    assert "dir=back];" in text and "dir=forward];" in text
    # The same text is what the .dot file and GraphView hold; one row on request.
    assert plots.GraphView(built.output, built.title).to_dot() == text
    one_row = dot_text(built.output, fold=False)
    assert "layout=neato" not in one_row and "pos=" not in one_row


def test_one_row_in_matplotlib_is_wider_than_the_folded_picture():
    built = example("affine_softmax_loss")
    folded = draw_graph(built.output)
    strip = draw_graph(built.output, fold=False, max_width=1000.0)
    assert strip.get_figwidth() > folded.get_figwidth() * 1.5


def test_a_small_graph_keeps_one_row_and_gets_margins_instead():
    built = example("chain_rule")
    layout = Layout.build(built.output, True, 3, plots.text_width)
    assert plots.choose_rows(layout, 18.0, lambda placed: plots.frame_size(placed, None)) == 1
    assert plots._slide_pad(7.5, 1.9, 0.06)[1] > 0.06  # taller margins for a strip
    assert plots._slide_pad(3.0, 3.0, 0.06)[0] > 0.06  # wider ones for a square
    assert plots._slide_pad(4.0, 2.0, 0.06) is None


def texts_of(figure):
    return [t.get_text() for t in figure.axes[0].texts]


def test_an_upstream_gradient_is_named_and_drawn_coming_into_the_output():
    built = g.multiply_node_example(4.0, 5.0)
    built.output.backward(np.array(1.5))
    texts = texts_of(draw_graph(built.output, upstream="L"))
    assert "∂L/∂x = 7.5" in texts and "∂L/∂y = 6" in texts and "∂L/∂z = 1.5" in texts
    assert texts.count("∂L/∂z = 1.5") == 2  # in z's box, and on the arrow that brings it in
    text = g.to_dot(built.output, upstream="L")
    assert 'label="∂L/∂z = 1.5"' in text and "-> upstream" in text
    assert "∂L/∂x = 7.5" in text


def test_dout_scales_the_gradients_and_names_them_after_the_upstream_loss(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    monkeypatch.setattr(graph_command.shutil, "which", lambda name: None)
    out = tmp_path / "add.dot"
    assert main(["graph", "--example", "add_node", "--dout", "2.5", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["z = 5", "dL/dz = 2.5", "dL/dx = 2.5", "dL/dy = 2.5"]
    text = out.read_text(encoding="utf-8")
    assert "∂L/∂x = 2.5" in text and 'label="∂L/∂z = 2.5"' in text
    assert main(["graph", "x * y", "--set", "x=3", "y=4", "--dout", "-2"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "f = 12",
        "dL/df = -2",
        "dL/dx = -8",
        "dL/dy = -6",
    ]


def test_dout_must_be_finite(capsys):
    assert main(["graph", "--example", "add_node", "--dout", "nan"]) == 2
    assert (
        "argument --dout: expected a number from -1e+06 to 1e+06, got nan"
        in capsys.readouterr().err
    )


def test_one_row_option_draws_a_strip(tmp_path, monkeypatch):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    monkeypatch.setattr(graph_command.shutil, "which", lambda name: None)
    out = tmp_path / "strip.dot"
    assert main(["graph", "--example", "affine_softmax_loss", "--one-row", "--out", str(out)]) == 0
    assert "pos=" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("formula", "math", "text"),
    [
        ("x**4 - 3*x**2", "$x^{4} - 3x^{2}$", "x⁴ − 3x²"),
        ("(x1 + x2)**2", "$(x₁ + x₂)^{2}$", "(x₁ + x₂)²"),
        ("2*x**2 + 3*y", "$2x^{2} + 3y$", "2x² + 3y"),
        ("exp(-x)/(1 + exp(-x))", r"$\frac{\exp(-x)}{1 + \exp(-x)}$", "exp(−x)/(1 + exp(−x))"),
        ("a - (b - c)", "$a - (b - c)$", "a − (b − c)"),
        ("x*y", r"$x \cdot y$", "x·y"),
        ("3*(x + 1)", "$3(x + 1)$", "3(x + 1)"),
        ("-x**2", "$-x^{2}$", "−x²"),
        ("(-x)**2", "$(-x)^{2}$", "(−x)²"),
        ("x**0.5 + x**-1", "$x^{0.5} + x^{-1}$", "x^0.5 + x⁻¹"),
        ("sqrt(x1) + sigmoid(w*x)", r"$\sqrt{x₁} + \sigma(w \cdot x)$", "√(x₁) + σ(w·x)"),
        ("reciprocal(x + 1)", r"$\frac{1}{x + 1}$", "1/(x + 1)"),
        ("square(x + y)", "$(x + y)^{2}$", "(x + y)²"),
        ("x - -2", "$x - (-2)$", "x − (−2)"),
    ],
)
def test_formulas_are_written_as_mathematics(formula, math, text):
    assert to_mathtext(formula) == math
    assert to_text(formula) == text
    MathTextParser("path").parse(math)  # matplotlib reads it


def test_a_formula_s_title_is_mathtext_with_the_boxes_subscripts():
    output, _inputs, title, dot_title = graph_command._expression(
        "(x1 + x2)**2", {"x1": 1, "x2": 2}
    )
    assert title == "$y = (x₁ + x₂)^{2}$" and dot_title == "y = (x₁ + x₂)²"
    output.backward()
    texts = texts_of(draw_graph(output, title=title))
    assert "x₁ = 1" in texts and title in texts  # the same subscript glyph in box and title
    assert "x₁" in g.to_dot(output, title=dot_title).split("label=", 1)[1].split("\n", 1)[0]
