"""Tests of deepkiso.graph: every operation's backward against central differences, the
ready-made slide graphs against their closed forms, and the layers' own backward."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes
from strategies import away_from_zero, float_arrays

from deepkiso import functions
from deepkiso import graph as g
from deepkiso.differentiation import numerical_gradient
from deepkiso.layers import Affine, ReLU, Sigmoid, SoftmaxWithLoss, SquaredError, Tanh

RTOL, ATOL = 1e-5, 1e-7


def assert_gradient_matches(build, arrays, dout=None):
    """build(*Variables) -> Variable; every input's .grad equals d sum(y * dout)/d input numerically."""
    inputs = [g.Variable(a, f"x{k}") for k, a in enumerate(arrays)]
    y = build(*inputs)
    dout = np.ones(y.shape) if dout is None else dout
    y.backward(dout)
    for k, x in enumerate(inputs):

        def f(z, k=k):
            values = [z if j == k else a for j, a in enumerate(arrays)]
            return float(np.sum(build(*(g.Variable(v) for v in values)).data * dout))

        # h = 1e-5, not the course's 1e-4: the truncation error, h² times the third derivative over 6, must stay
        # below ATOL even where the gradient is 0 (1e-4 left 1.6e-7 there); rounding stays near 1e-10.
        numeric = numerical_gradient(f, np.array(arrays[k], dtype=np.float64), h=1e-5)
        np.testing.assert_allclose(x.grad, numeric, rtol=RTOL, atol=ATOL, err_msg=f"input {k}")
        assert x.grad.shape == x.shape


UNARY = {
    "exp": (g.exp, float_arrays),
    "square": (g.square, float_arrays),
    "tanh": (g.tanh, float_arrays),
    "sigmoid": (g.sigmoid, float_arrays),
    "neg": (lambda x: -x, float_arrays),
    "relu": (g.relu, away_from_zero),
    "reciprocal": (g.reciprocal, lambda shape: away_from_zero(shape, margin=0.5)),
    "log": (g.log, lambda shape: float_arrays(shape, 0.3, 3.0)),
    "sin": (g.sin, float_arrays),
    "cos": (g.cos, float_arrays),
    "sqrt": (g.sqrt, lambda shape: float_arrays(shape, 0.3, 3.0)),
    "absolute": (g.absolute, away_from_zero),
    "pow3": (lambda x: x**3, float_arrays),
    "pow_half": (lambda x: x**0.5, lambda shape: float_arrays(shape, 0.3, 3.0)),
    "pow_minus2": (lambda x: x**-2, lambda shape: away_from_zero(shape, margin=0.5)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_operation_backward_matches_numerical_gradient(name, data):
    op, elements = UNARY[name]
    shape = data.draw(array_shapes(min_dims=0, max_dims=3, max_side=4))
    x = data.draw(elements(shape))
    dout = data.draw(float_arrays(shape))
    assert_gradient_matches(op, [x], dout)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_operation_with_broadcasting_matches_numerical_gradient(name, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    a_shape, b_shape = shapes.input_shapes
    a = data.draw(float_arrays(a_shape))
    b = data.draw(away_from_zero(b_shape, margin=0.5) if name == "div" else float_arrays(b_shape))
    dout = data.draw(float_arrays(shapes.result_shape))
    assert_gradient_matches(BINARY[name], [a, b], dout)


@given(data=st.data(), number=st.floats(-3, 3), number_first=st.booleans())
def test_operations_with_a_plain_number_on_either_side_match_numerical_gradient(
    data, number, number_first
):
    x = data.draw(away_from_zero((2, 3), margin=0.5))
    for op in BINARY.values():
        if number_first:
            assert_gradient_matches(lambda v, op=op: op(number, v), [x])
        else:
            assert_gradient_matches(
                lambda v, op=op: op(v, number if op is not BINARY["div"] else 2.5), [x]
            )


@pytest.mark.parametrize(
    "a_shape, b_shape", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,))]
)
@given(data=st.data())
def test_matmul_backward_matches_numerical_gradient(a_shape, b_shape, data):
    a = data.draw(float_arrays(a_shape))
    b = data.draw(float_arrays(b_shape))
    out_shape = np.empty(a_shape) @ np.empty(b_shape)
    dout = data.draw(float_arrays(np.shape(out_shape)))
    assert_gradient_matches(lambda p, q: p @ q, [a, b], dout)
    assert_gradient_matches(g.matmul, [a, b], dout)


@pytest.mark.parametrize("reduce", [g.sum, g.mean])
@given(data=st.data(), keepdims=st.booleans())
def test_sum_and_mean_backward_match_numerical_gradient(reduce, data, keepdims):
    shape = data.draw(array_shapes(min_dims=1, max_dims=3, max_side=4))
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    x = data.draw(float_arrays(shape))
    expected_shape = np.sum(x, axis=axis, keepdims=keepdims).shape
    dout = data.draw(float_arrays(expected_shape))
    assert_gradient_matches(lambda v: reduce(v, axis=axis, keepdims=keepdims), [x], dout)


@given(data=st.data())
def test_a_composition_with_broadcasting_and_reuse_matches_numerical_gradient(data):
    x = data.draw(float_arrays((3, 2)))
    w = data.draw(float_arrays((2, 4)))
    b = data.draw(float_arrays((4,)))
    c = data.draw(float_arrays((1, 4), 0.5, 2.0))

    def build(x, w, b, c):
        h = g.tanh(x @ w + b)  # b broadcast over the batch
        z = (
            g.sigmoid(h * c) + g.square(h) / c - g.exp(-g.relu(c - 0.25) * h)
        )  # c − 0.25 > 0: no kink
        return g.mean(g.log(1.0 + g.square(z)), axis=0) * g.sum(c) + x.__class__(
            2.0
        ) * g.reciprocal(c + 1.0)

    assert_gradient_matches(build, [x, w, b, c])


# -- the layers' backward gives the same gradients ------------------------------------------


@pytest.mark.parametrize("op, layer", [(g.sigmoid, Sigmoid), (g.tanh, Tanh), (g.relu, ReLU)])
@given(data=st.data())
def test_activation_graph_gradient_equals_the_layer_backward(op, layer, data):
    shape = data.draw(array_shapes(min_dims=1, max_dims=3, max_side=4))
    x = data.draw(away_from_zero(shape))
    dout = data.draw(float_arrays(shape))
    v = g.Variable(x)
    op(v).backward(dout)
    instance = layer()
    instance.forward(x.copy())
    np.testing.assert_allclose(v.grad, instance.backward(dout), rtol=1e-12, atol=1e-12)


def test_sigmoid_node_computes_the_librarys_sigmoid_precisely_far_out_at_negative_x():
    x = np.array([-40.0, -30.0, -20.0, -0.5, 0.0, 0.5, 20.0, 800.0, -800.0])
    v = g.Variable(x)
    y = g.sigmoid(v)
    np.testing.assert_array_equal(y.data, functions.sigmoid(x))
    with np.errstate(over="ignore"):
        exact = 1 / (1 + np.exp(-x))  # exp(800) overflows to inf, giving exactly 0
    np.testing.assert_allclose(y.data, exact, rtol=1e-12, atol=0)
    y.backward()
    np.testing.assert_allclose(v.grad, exact * (1 - exact), rtol=1e-12, atol=0)


@given(
    seed=st.integers(0, 2**31 - 1),
    batch_size=st.integers(1, 4),
    n_features=st.integers(1, 4),
    n_classes=st.integers(2, 4),
)
def test_affine_softmax_graph_gradients_equal_the_layers_and_the_direct_formula(
    seed, batch_size, n_features, n_classes
):
    example = g.affine_softmax_loss_example(seed, batch_size, n_features, n_classes)
    example.output.backward()
    x, W, b, t = (example.inputs[k].data for k in ("x", "W", "b", "t"))
    # The direct formula: softmax, then dL/da = (y − t)/N.
    a = x @ W + b
    y = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    da = (y - t) / batch_size
    np.testing.assert_allclose(example.output.data, -np.sum(t * np.log(y)) / batch_size, rtol=1e-12)
    np.testing.assert_allclose(example.inputs["W"].grad, x.T @ da, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(example.inputs["b"].grad, da.sum(axis=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(example.inputs["x"].grad, da @ W.T, rtol=1e-9, atol=1e-12)
    # The layers of exercises 2_14 and 2_15.
    affine, loss = Affine(W.copy(), b.copy()), SoftmaxWithLoss()
    np.testing.assert_allclose(
        example.output.data, loss.forward(affine.forward(x.copy()), t), rtol=1e-12
    )
    dx = affine.backward(loss.backward())
    np.testing.assert_allclose(example.inputs["x"].grad, dx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(example.inputs["W"].grad, affine.dW, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(example.inputs["b"].grad, affine.db, rtol=1e-9, atol=1e-12)


# -- the ready-made graphs give the slides' answers --------------------------------------------


@given(x1=st.floats(-5, 5), x2=st.floats(-5, 5))
def test_chain_rule_graph_gives_two_times_x1_plus_x2(x1, x2):
    example = g.chain_rule_example(x1, x2)
    example.output.backward()
    assert example.output.data == pytest.approx((x1 + x2) ** 2)
    assert example.inputs["x1"].grad == pytest.approx(2 * (x1 + x2))
    assert example.inputs["x2"].grad == pytest.approx(2 * (x1 + x2))


def test_add_node_passes_the_gradient_and_multiply_node_swaps_its_inputs():
    add = g.add_node_example(2.0, 3.0)
    add.output.backward(np.array(1.5))
    assert add.inputs["x"].grad == 1.5 and add.inputs["y"].grad == 1.5
    mul = g.multiply_node_example(4.0, 5.0)
    mul.output.backward(np.array(1.5))
    assert mul.inputs["x"].grad == 1.5 * 5.0 and mul.inputs["y"].grad == 1.5 * 4.0
    assert mul.output.creator.gradient_labels == ("× y", "× x")


def test_shopping_graph_gives_each_price_and_count_its_share_of_the_bill():
    example = g.shopping_example(pencil=80, n_pencils=3, notebook=150, n_notebooks=2, tax=1.1)
    example.output.backward()
    grads = {name: float(v.grad) for name, v in example.inputs.items()}
    assert example.output.data == pytest.approx((80 * 3 + 150 * 2) * 1.1)
    assert grads == pytest.approx(
        {"pencil": 3.3, "n_pencils": 88.0, "notebook": 2.2, "n_notebooks": 165.0, "tax": 540.0}
    )


@given(data=st.data())
def test_squared_error_graph_gives_y_minus_t(data):
    k = data.draw(st.integers(1, 5))
    y, t = data.draw(float_arrays((k,))), data.draw(float_arrays((k,)))
    example = g.squared_error_example(y, t)
    example.output.backward()
    np.testing.assert_allclose(example.inputs["y"].grad, y - t, rtol=1e-12, atol=1e-12)
    assert example.output.data == pytest.approx(0.5 * np.sum((y - t) ** 2))
    assert example.inputs["t"].grad is None  # a target is a constant


@given(data=st.data())
def test_detailed_squared_error_graph_gives_y_minus_t_over_n_like_the_layer(data):
    n, k = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    y, t = data.draw(float_arrays((n, k))), data.draw(float_arrays((n, k)))
    example = g.squared_error_detailed_example(y, t)
    example.output.backward()
    np.testing.assert_allclose(example.inputs["y"].grad, (y - t) / n, rtol=1e-12, atol=1e-12)
    layer = SquaredError()
    assert example.output.data == pytest.approx(layer.forward(y, t))
    np.testing.assert_allclose(example.inputs["y"].grad, layer.backward(), rtol=1e-12, atol=1e-12)
    kinds = {op.kind for op in g.topological_operations(example.output)}
    assert {"sub", "square", "reciprocal", "sum", "mul"} <= kinds


@given(x=st.floats(-4, 4))
def test_tanh_graph_gives_one_minus_y_squared(x):
    example = g.tanh_example(x)
    example.output.backward()
    y = float(example.output.data)
    assert y == pytest.approx(np.tanh(x), abs=1e-12)
    assert example.inputs["x"].grad == pytest.approx(1 - y**2, abs=1e-12)
    kinds = {op.kind for op in g.topological_operations(example.output)}
    assert kinds <= {"exp", "add", "reciprocal", "mul", "neg"}


@given(x=st.floats(-6, 6))
def test_sigmoid_graph_gives_y_times_one_minus_y(x):
    example = g.sigmoid_example(x)
    example.output.backward()
    y = float(example.output.data)
    assert y == pytest.approx(1 / (1 + np.exp(-x)), abs=1e-12)
    assert example.inputs["x"].grad == pytest.approx(y * (1 - y), abs=1e-12)


def test_every_example_runs_forward_and_backward_with_finite_values():
    for name, build in g.EXAMPLES.items():
        example = build()
        example.output.backward()
        assert np.all(np.isfinite(example.output.data)), name
        assert example.title
        for v in example.inputs.values():
            assert v.grad is None or np.all(np.isfinite(v.grad)), name


# -- the graph itself ---------------------------------------------------------------------------


def test_every_node_keeps_its_value_and_gradient():
    example = g.chain_rule_example(1.0, 2.0)
    example.output.backward()
    t = example.output.creator.inputs[0]
    assert (t.name, float(t.data), float(t.grad)) == ("t", 3.0, 6.0)
    assert float(example.output.grad) == 1.0  # dy/dy = 1
    assert example.inputs["x1"].grad is not t.grad  # copies, so changing one cannot change another


def test_operation_nodes_record_kind_inputs_output_and_local_derivatives():
    example = g.chain_rule_example()
    add, square = g.topological_operations(example.output)
    assert (add.kind, square.kind) == ("add", "square")
    assert add.inputs == (example.inputs["x1"], example.inputs["x2"]) and add.output.name == "t"
    assert add.local_derivatives == ("1", "1")
    assert square.local_derivatives == ("2t",) and square.gradient_labels == ("× 2t",)
    x = g.Variable(0.3, "x")
    assert g.tanh(x).creator.gradient_labels == ("× (1 - y²)",)
    assert g.sigmoid(x).creator.gradient_labels == ("× y(1 - y)",)
    assert g.reciprocal(x).creator.local_derivatives == ("-1/x²",)
    assert g.exp(x).creator.local_derivatives == ("exp(x)",)
    assert (x * 0.5).creator.local_derivatives == ("0.5", "x")
    assert (g.Variable(np.ones((2, 3))) + g.Variable(np.ones(3), "b")).creator.gradient_labels[
        1
    ] == "× 1, summed"


def test_a_value_used_twice_gets_both_gradients():
    x = g.Variable(3.0, "x")
    y = x * x + x
    y.backward()
    assert float(x.grad) == 2 * 3.0 + 1


def test_backward_replaces_gradients_and_accumulates_only_when_asked():
    x = g.Variable(2.0, "x")
    y = g.square(x)
    y.backward()
    y.backward()
    assert float(x.grad) == 4.0
    y.backward(accumulate=True)
    assert float(x.grad) == 8.0
    y.zero_grad()
    assert x.grad is None and y.grad is None


def test_backward_runs_through_a_graph_deeper_than_the_recursion_limit():
    x = g.Variable(1.0, "x")
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert float(x.grad) == pytest.approx(1.0001**5000)


def test_power_zero_has_gradient_zero_even_at_zero():
    x = g.Variable([0.0, 2.0, -3.0], "x")
    (x**0).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])  # d(x⁰)/dx = 0, not 0·0⁻¹ = nan


@pytest.mark.parametrize("a, b", [(1e300, 1e200), (1e-300, 1e-200), (1e150, 1e160), (-3.0, 7.0)])
def test_division_gradients_equal_the_analytic_ones_where_b_squared_is_out_of_range(a, b):
    va, vb = g.Variable(a, "a"), g.Variable(b, "b")
    (va / vb).backward()
    # d(a/b)/da = 1/b and d(a/b)/db = -a/b², written as -(a/b)/b so that the check itself stays in range.
    assert float(va.grad) == pytest.approx(1 / b, rel=1e-15, abs=0)
    assert float(vb.grad) == pytest.approx(-(a / b) / b, rel=1e-15, abs=0)
    assert float(vb.grad) != 0.0


@pytest.mark.parametrize("x, dout", [(1e160, 1e300), (1e-160, 1e-300), (4.0, 2.0)])
def test_reciprocal_gradient_equals_the_analytic_one_where_x_squared_is_out_of_range(x, dout):
    v = g.Variable(x, "x")
    g.reciprocal(v).backward(np.array(dout))
    assert float(v.grad) == pytest.approx(-(dout / x) / x, rel=1e-15, abs=0)


def test_constants_get_no_gradient():
    x = g.Variable(2.0, "x")
    c = g.Variable(5.0, "c", requires_grad=False)
    y = x * c + 1.0
    y.backward()
    assert float(x.grad) == 5.0 and c.grad is None
    assert not y.creator.inputs[1].requires_grad  # the number 1.0 became a constant node


def test_numpy_array_on_the_left_gives_a_variable():
    x = g.Variable([1.0, 2.0], "x")
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, g.Variable)
    np.testing.assert_array_equal(y.data, [3.0, 8.0])


def test_values_are_float64_by_default():
    assert g.Variable(1).data.dtype == np.float64
    assert g.Variable([1, 2], dtype=np.float32).data.dtype == np.float32


def test_errors_name_what_was_expected_and_received():
    x = g.Variable(np.ones((2, 3)), "x")
    with pytest.raises(ValueError, match=r"expected dout of shape \(2, 3\).*got shape \(3,\)"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(ValueError, match=r"matmul: .*got \(2, 3\) @ \(2, 3\)"):
        x @ x
    with pytest.raises(TypeError, match="exponent must be a number"):
        x**x
    with pytest.raises(TypeError, match=r"number \*\* Variable"):
        2**x
    with pytest.raises(TypeError, match="expected a number or an array of numbers"):
        g.Variable("abc")


def test_format_value_shows_4_significant_digits_or_shape_and_a_few_numbers():
    assert g.format_value(np.float64(2 / 3)) == "0.6667"
    assert g.format_value(np.float64(-0.0)) == "0"
    assert g.format_value(np.arange(5.0)) == "(5,) [0, 1, 2, …]"
    assert g.format_value(np.array([[0.5, 1.25]])) == "(1, 2) [0.5, 1.25]"


def test_to_dot_describes_every_node_value_gradient_and_labelled_gradient_edge():
    example = g.chain_rule_example()
    before = g.to_dot(example.output)
    assert "∂y" not in before and "dir=back" not in before  # no gradients before backward
    example.output.backward()
    dot = g.to_dot(example.output, title='Chain "rule"')
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    assert 'label="Chain \\"rule\\""' in dot
    for text in (
        "<b>x₁</b>",  # subscripts, as in the matplotlib drawing and the titles
        "∂y/∂x₁ = 6",
        "<b>t</b>",
        'label="+"',
        'label="x²"',
        'label="× 2t"',
        g.COLORS["gradient"],
    ):
        assert text in dot
    assert dot.count("dir=back") == 5  # one gradient edge beside each of the 5 forward edges


def test_named_sets_the_name_and_returns_the_same_node_for_chaining():
    x1, x2 = g.Variable(1.0, "x1"), g.Variable(2.0, "x2")
    t = x1 + x2
    assert t.named("t") is t
    y = g.square(t).named("y")
    assert (t.name, y.name) == ("t", "y")
    assert y.creator.local_derivatives == ("2t",)  # the name reaches the derivative labels
    y.backward()
    assert g.gradient_name(t, y) == "∂y/∂t"


def test_every_public_name_of_the_old_graph_module_is_importable_from_the_package():
    # The names graph.py exported before it became a package, which the README, examples/ and check use.
    names = [
        "Variable",
        "Operation",
        "exp",
        "log",
        "square",
        "reciprocal",
        "tanh",
        "sigmoid",
        "relu",
        "sin",
        "cos",
        "sqrt",
        "absolute",
        "matmul",
        "sum",
        "mean",
        "topological_operations",
        "graph_variables",
        "format_value",
        "gradient_name",
        "to_dot",
        "COLORS",
        "GraphExample",
        "EXAMPLES",
        "chain_rule_example",
        "add_node_example",
        "multiply_node_example",
        "shopping_example",
        "squared_error_example",
        "squared_error_detailed_example",
        "tanh_example",
        "sigmoid_example",
        "affine_softmax_loss_example",
    ]
    added = ["affine_batch_example", "softmax_with_loss_simple_example"]  # since, for issue 17
    assert sorted(g.__all__) == sorted(names + added)
    assert all(hasattr(g, name) for name in names)


def test_seed_is_a_deprecated_name_of_rng_in_the_softmax_example():
    with pytest.warns(DeprecationWarning, match="affine_softmax_loss_example: seed= is deprecated"):
        old = g.affine_softmax_loss_example(seed=4)
    new = g.affine_softmax_loss_example(rng=4)
    np.testing.assert_array_equal(old.output.data, new.output.data)
