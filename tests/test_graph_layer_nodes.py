"""Tests of deepkiso.graph.layer_nodes and the layer-sized slide graphs built with them: the Affine
layer for a batch (∂L/∂B is the sum of the N rows' ∂L/∂Y_n), Softmax-with-Loss as one node
(∂L/∂a = y − t, or (y − t)/N for a batch), and tanh's title with dy/dx = 1 − y²."""

import importlib.util

import matplotlib.text
import numpy as np
import pytest
from glyphs import render_without_missing_glyphs
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays

from deepkiso import graph as g
from deepkiso.differentiation import numerical_gradient
from deepkiso.graph.layer_nodes import add_row, softmax_with_loss, upstream
from deepkiso.layers import Affine, SoftmaxWithLoss

# -- the Affine layer for a batch -----------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_affine_batch_graph_computes_the_layer_forward_and_backward(batch_size):
    example = g.affine_batch_example(rng=3, batch_size=batch_size)
    X, W, B = (example.inputs[k] for k in ("X", "W", "B"))
    upstream_op = example.output.creator
    rows = upstream_op.inputs
    dout = np.stack(upstream_op.dout)  # (N, M): the ∂L/∂Y the layers above send
    assert [y.name for y in rows] == [f"Y{n + 1}" for n in range(batch_size)]
    np.testing.assert_allclose(np.stack([y.data for y in rows]), X.data @ W.data + B.data)

    example.output.backward()
    dY = np.stack([y.grad for y in rows])
    np.testing.assert_array_equal(dY, dout)  # each row gets its own upstream gradient
    # The slide: ∂L/∂B = ∂L/∂Y₁ + … + ∂L/∂Y_N, the sum over the rows.
    np.testing.assert_allclose(B.grad, dout.sum(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(X.grad, dout @ W.data.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W.grad, X.data.T @ dout, rtol=1e-12, atol=1e-15)
    # ... and the course's Affine layer agrees.
    layer = Affine(W.data.copy(), B.data.copy())
    np.testing.assert_allclose(layer.forward(X.data), X.data @ W.data + B.data)
    np.testing.assert_allclose(layer.backward(dout), X.grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.grads["b"], B.grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.grads["W"], W.grad, rtol=1e-12, atol=1e-15)


def test_affine_batch_graph_draws_the_bias_branching_into_one_node_per_row():
    example = g.affine_batch_example(batch_size=3)
    B = example.inputs["B"]
    readers = [op for op in g.topological_operations(example.output) if B in op.inputs]
    assert [op.kind for op in readers] == [
        "add_row"
    ] * 3  # B feeds N nodes, so its gradients add up
    assert [op.symbol for op in readers] == ["row 1 +", "row 2 +", "row 3 +"]
    assert [op.gradient_labels for op in readers][1] == ("× 1 (row 2)", "× 1")
    assert example.title == "Affine layer for a batch (N = 3): ∂L/∂B = ∂L/∂Y₁ + ∂L/∂Y₂ + ∂L/∂Y₃"
    with pytest.raises(ValueError, match="batch_size must be from 1 to 4, got 5"):
        g.affine_batch_example(batch_size=5)


def test_affine_batch_graph_speaks_japanese(japanese):
    example = g.affine_batch_example()
    assert example.title.startswith("バッチ対応版のアフィンレイヤ (N = 2)")
    symbols = {op.symbol for op in g.topological_operations(example.output)}
    assert {"1 行目 +", "2 行目 +", "上流のレイヤ"} <= symbols


@given(x=float_arrays((3, 4)), b=float_arrays((4,)), row=st.integers(-3, 2))
def test_add_row_backward_matches_central_differences(x, b, row):
    dout = np.linspace(-1, 1, 4)
    for k, value in enumerate((x, b)):

        def f(z, k=k):
            args = [z if j == k else a for j, a in enumerate((x, b))]
            return float(np.sum(add_row(*args, row).data * dout))

        vx, vb = g.Variable(x), g.Variable(b)
        add_row(vx, vb, row).backward(dout)
        numeric = numerical_gradient(f, np.array(value), h=1e-5)
        np.testing.assert_allclose((vx, vb)[k].grad, numeric, rtol=1e-5, atol=1e-7)


def test_add_row_and_upstream_refuse_shapes_that_do_not_fit():
    with pytest.raises(ValueError, match=r"add_row: expected x of shape \(N, M\) with N > 2"):
        add_row(np.ones((2, 3)), np.ones(3), 2)
    with pytest.raises(ValueError, match="add_row"):
        add_row(np.ones((2, 3)), np.ones(4), 0)
    with pytest.raises(ValueError, match="upstream: expected inputs of the shapes of dout"):
        upstream([np.ones(3)], [np.ones(2)])


def test_upstream_sends_back_the_given_gradients_and_its_value_is_their_linear_form():
    ys = [g.Variable([1.0, 2.0], "Y1"), g.Variable([3.0, -1.0], "Y2")]
    dout = [np.array([0.5, -0.5]), np.array([2.0, 1.0])]
    loss = upstream(ys, dout).named("L")
    assert float(loss.data) == pytest.approx(0.5 - 1.0 + 6.0 - 1.0)
    loss.backward()
    for y, d in zip(ys, dout):
        np.testing.assert_array_equal(y.grad, d)
    assert loss.creator.gradient_labels == ("× ∂L/∂Y1", "× ∂L/∂Y2")


# -- Softmax-with-Loss as one node ----------------------------------------------------------------


def test_simple_softmax_with_loss_graph_backward_is_y_minus_t():
    example = g.softmax_with_loss_simple_example()
    a, t = example.inputs["a"].data, example.inputs["t"].data
    example.output.backward()
    y = np.exp(a) / np.sum(np.exp(a))
    assert float(example.output.data) == pytest.approx(-np.sum(t * np.log(y)), rel=1e-12)
    np.testing.assert_allclose(example.inputs["a"].grad, y - t, rtol=1e-12, atol=1e-15)
    assert example.inputs["t"].grad is None  # the labels are a constant
    (op,) = g.topological_operations(example.output)
    assert (op.symbol, op.gradient_labels[0]) == ("Softmax-with-Loss", "× (y - t)")
    assert example.title == "Softmax-with-Loss: ∂L/∂a = y − t, where y = softmax(a)"


@given(data=st.data())
def test_softmax_with_loss_node_for_a_batch_is_the_layer_with_y_minus_t_over_n(data):
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 5))
    a = data.draw(float_arrays((n, c)))
    labels = data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    t = np.eye(c)[labels]
    example = g.softmax_with_loss_simple_example(a, t)
    example.output.backward()
    layer = SoftmaxWithLoss()
    assert float(example.output.data) == pytest.approx(layer.forward(a, t), rel=1e-12, abs=1e-12)
    y = np.exp(a - a.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(example.inputs["a"].grad, (y - t) / n, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(example.inputs["a"].grad, layer.backward(), rtol=1e-9, atol=1e-12)
    if n > 1:
        assert example.output.creator.gradient_labels[0] == "× (y - t)/N"
        assert "(y − t)/N" in example.title


def test_softmax_with_loss_node_backward_matches_central_differences():
    a, t = (
        np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.5]]),
        np.array([[0.0, 0.0, 1.0], [0.2, 0.8, 0.0]]),
    )
    va, vt = g.Variable(a), g.Variable(t)
    softmax_with_loss(va, vt).backward()
    for variable, value, k in ((va, a, 0), (vt, t, 1)):

        def f(z, k=k):
            args = [z if j == k else v for j, v in enumerate((a, t))]
            return float(softmax_with_loss(*args).data)

        numeric = numerical_gradient(f, value.copy(), h=1e-5)
        np.testing.assert_allclose(variable.grad, numeric, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="softmax_with_loss: expected scores a of shape"):
        softmax_with_loss(np.ones(3), np.ones(2))


# -- tanh: the relation itself, with its value ------------------------------------------------


@pytest.mark.parametrize("x", [0.5, -1.0])
def test_tanh_title_shows_one_minus_y_squared_with_its_value(x):
    example = g.tanh_example(x)
    y = np.tanh(x)
    shown = f"({y:.4g})" if y < 0 else f"{y:.4g}"
    assert example.title == (
        f"tanh from exp, add and reciprocal nodes: dy/dx = 1 − y² = 1 − {shown}² = {1 - y * y:.4g}"
    )
    example.output.backward()
    assert f"{float(example.inputs['x'].grad):.4g}" == f"{1 - y * y:.4g}"  # what the x box shows


def test_tanh_title_in_japanese(japanese):
    assert g.tanh_example().title == (
        "exp・加算・逆数のノードで組んだ tanh: dy/dx = 1 − y² = 1 − 0.4621² = 0.7864"
    )


def test_the_new_examples_are_named_for_the_command():
    assert g.EXAMPLES["affine_batch"] is g.affine_batch_example
    assert g.EXAMPLES["softmax_with_loss_simple"] is g.softmax_with_loss_simple_example
    names = list(g.EXAMPLES)
    # Beside the detailed Softmax-with-Loss graph, in the slides' order.
    assert names.index("softmax_with_loss_simple") + 1 == names.index("affine_softmax_loss")


@pytest.mark.parametrize("name", ["affine_batch", "softmax_with_loss_simple", "tanh"])
def test_the_new_graphs_draw_their_japanese_with_no_missing_glyph(name, japanese, tmp_path, caplog):
    if importlib.util.find_spec("matplotlib_fontja") is None:
        pytest.skip("matplotlib-fontja is not installed")
    from deepkiso.plots.graph import draw_graph

    example = g.EXAMPLES[name]()
    example.output.backward()
    figure = draw_graph(example.output, title=example.title)
    render_without_missing_glyphs(figure, tmp_path / f"{name}.png", caplog)
    texts = [t.get_text() for t in figure.findobj(matplotlib.text.Text)]
    assert example.title in texts
