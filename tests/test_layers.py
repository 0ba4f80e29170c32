import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import any_shapes, away_from_zero, float_arrays

from deepkiso.differentiation import numerical_gradient
from deepkiso.functions import softmax, to_one_hot
from deepkiso.layers import (
    AddLayer,
    Affine,
    MulLayer,
    ReLU,
    Sigmoid,
    SoftmaxWithLoss,
    SquaredError,
    Tanh,
)

# Central differences with h = 1e-4 on these smooth functions of inputs in [-3, 3]
# err by about h²·|f'''| ≈ 1e-8, and rounding adds about 1e-16·|f|/h ≈ 1e-11:
# rtol 1e-5 with atol 1e-7 leaves a wide margin and still catches any real mistake
# (a wrong factor, a transpose, a missing sum all err by O(1)).
RTOL, ATOL = 1e-5, 1e-7


def assert_backward_matches_numerical(layer, x, dout):
    layer.forward(x)
    analytic = layer.backward(dout)
    numeric = numerical_gradient(lambda z: float(np.sum(layer.forward(z) * dout)), x)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


# --- add and multiply nodes (exercise 2_12: online, scalars) -----------------


def test_add_and_mul_layers_on_the_shopping_example():
    # An apple costs 100, we buy 2, with 10 % tax: the slides' computational graph.
    mul_apple, mul_tax = MulLayer(), MulLayer()
    price = mul_tax.forward(mul_apple.forward(100, 2), 1.1)
    assert price == pytest.approx(220)
    dapple_price, dtax = mul_tax.backward(1)
    dapple, dnum = mul_apple.backward(dapple_price)
    assert (dapple, dnum, dtax) == (pytest.approx(2.2), pytest.approx(110), pytest.approx(200))
    add = AddLayer()
    assert add.forward(3, 4) == 7
    assert add.backward(1.5) == (1.5, 1.5)


@given(st.data())
def test_mul_layer_backward_matches_numerical_gradient_with_broadcasting(data):
    shape = data.draw(any_shapes)
    x = data.draw(float_arrays(shape))
    y = data.draw(float_arrays(shape[-1:]))  # broadcast over the leading axes
    dout = data.draw(float_arrays(shape))
    layer = MulLayer()
    layer.forward(x, y)
    dx, dy = layer.backward(dout)
    np.testing.assert_allclose(
        dx,
        numerical_gradient(lambda z: float(np.sum(z * y * dout)), x.copy()),
        rtol=RTOL,
        atol=ATOL,
    )
    np.testing.assert_allclose(
        dy,
        numerical_gradient(lambda z: float(np.sum(x * z * dout)), y.copy()),
        rtol=RTOL,
        atol=ATOL,
    )


@given(st.data())
def test_add_layer_sums_the_gradient_back_to_each_inputs_shape(data):
    shape = data.draw(any_shapes)
    dout = data.draw(float_arrays(shape))
    layer = AddLayer()
    layer.forward(np.zeros(shape), np.zeros(shape[-1:]))
    dx, dy = layer.backward(dout)
    np.testing.assert_array_equal(dx, dout)
    np.testing.assert_allclose(dy, dout.reshape(-1, shape[-1]).sum(axis=0))


# --- activations -------------------------------------------------------------


@given(st.data())
def test_relu_backward_matches_numerical_gradient(data):
    shape = data.draw(any_shapes)
    assert_backward_matches_numerical(
        ReLU(), data.draw(away_from_zero(shape)), data.draw(float_arrays(shape))
    )


@given(st.data())
def test_sigmoid_backward_matches_numerical_gradient(data):
    shape = data.draw(any_shapes)
    assert_backward_matches_numerical(
        Sigmoid(), data.draw(float_arrays(shape)), data.draw(float_arrays(shape))
    )


@given(st.data())
def test_tanh_backward_matches_numerical_gradient(data):
    shape = data.draw(any_shapes)
    assert_backward_matches_numerical(
        Tanh(), data.draw(float_arrays(shape)), data.draw(float_arrays(shape))
    )


def test_relu_leaves_the_callers_arrays_alone():
    x = np.array([-1.0, 2.0, -3.0])
    dout = np.array([5.0, 6.0, 7.0])
    layer = ReLU()
    np.testing.assert_array_equal(layer.forward(x), [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(layer.backward(dout), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(x, [-1.0, 2.0, -3.0])
    np.testing.assert_array_equal(dout, [5.0, 6.0, 7.0])


@pytest.mark.parametrize("layer_class", [ReLU, Sigmoid, Tanh])
def test_activations_keep_float32(layer_class):
    layer = layer_class()
    y = layer.forward(np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3))
    dx = layer.backward(np.ones((2, 3), dtype=np.float32))
    assert y.dtype == np.float32 and dx.dtype == np.float32


def test_sigmoid_layer_is_silent_at_extremes_and_its_gradient_is_at_most_a_quarter():
    layer = Sigmoid()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = layer.forward(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(y, [0.0, 0.5, 1.0])
    assert layer.backward(np.ones(3)).max() == 0.25


@pytest.mark.parametrize("layer_class", [ReLU, Sigmoid, Tanh])
def test_activations_take_a_scalar(layer_class):
    layer = layer_class()
    x = np.array(-0.5)
    y = layer.forward(x)
    assert np.shape(y) == () and np.shape(layer.backward(np.array(2.0))) == ()
    assert float(y) == pytest.approx(
        {ReLU: 0.0, Sigmoid: 1 / (1 + np.exp(0.5)), Tanh: np.tanh(-0.5)}[layer_class]
    )


def test_tanh_layer_gradient_is_one_minus_y_squared():
    layer = Tanh()
    y = layer.forward(np.array([-0.5, 0.0, 2.0]))
    np.testing.assert_allclose(layer.backward(np.ones(3)), 1 - y**2)


@pytest.mark.parametrize("layer_class", [ReLU, Sigmoid, Tanh])
def test_activation_backward_names_a_wrong_dout_shape(layer_class):
    layer = layer_class()
    layer.forward(np.zeros((2, 3)))
    with pytest.raises(
        ValueError,
        match=rf"{layer_class.__name__}.backward: expected dout of shape \(2, 3\).*got shape \(3, 2\)",
    ):
        layer.backward(np.zeros((3, 2)))


# --- Affine (exercise 2_14) --------------------------------------------------


@given(st.data())
def test_affine_backward_matches_numerical_gradient(data):
    n, d_in, d_out = (data.draw(st.integers(1, 5)) for _ in range(3))
    W, b = data.draw(float_arrays((d_in, d_out))), data.draw(float_arrays((d_out,)))
    x, dout = data.draw(float_arrays((n, d_in))), data.draw(float_arrays((n, d_out)))
    layer = Affine(W, b)
    assert_backward_matches_numerical(layer, x, dout)
    layer.forward(x)
    layer.backward(dout)
    loss = lambda _: float(np.sum(layer.forward(x) * dout))  # noqa: E731
    np.testing.assert_allclose(layer.grads["W"], numerical_gradient(loss, W), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.grads["b"], numerical_gradient(loss, b), rtol=RTOL, atol=ATOL)


def test_affine_gradients_follow_the_slides_formulas():
    rng = np.random.default_rng(0)
    x, W, b, dout = (
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 2)),
        rng.standard_normal(2),
        rng.standard_normal((4, 2)),
    )
    layer = Affine(W, b)
    np.testing.assert_allclose(layer.forward(x), x @ W + b)
    np.testing.assert_allclose(layer.backward(dout), dout @ W.T)
    np.testing.assert_allclose(layer.dW, x.T @ dout)
    np.testing.assert_allclose(layer.db, dout.sum(axis=0))
    assert layer.db.shape == (2,)


def test_affine_flattens_images_and_gives_dx_back_in_their_shape():
    rng = np.random.default_rng(0)
    layer = Affine(rng.standard_normal((12, 5)), np.zeros(5))
    x = rng.standard_normal((2, 3, 4))
    y = layer.forward(x)
    assert y.shape == (2, 5)
    np.testing.assert_allclose(y, x.reshape(2, 12) @ layer.W)
    assert layer.backward(np.ones((2, 5))).shape == (2, 3, 4)


def test_affine_accepts_one_sample():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 2))
    layer = Affine(W, np.zeros(2))
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(layer.forward(x), x @ W)
    dx = layer.backward(np.array([1.0, -1.0]))
    np.testing.assert_allclose(dx, W @ np.array([1.0, -1.0]))
    np.testing.assert_allclose(layer.dW, np.outer(x, [1.0, -1.0]))


def test_affine_shares_its_parameters_with_the_caller():
    W, b = np.ones((2, 2)), np.zeros(2)
    layer = Affine(W, b)
    W += 1  # an optimizer's in-place update is seen by the layer
    np.testing.assert_allclose(layer.forward(np.ones((1, 2))), [[4.0, 4.0]])


def test_affine_names_the_expected_and_received_shapes():
    layer = Affine(np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(
        ValueError, match=r"Affine: expected input of shape \(N, 4\).*got shape \(5, 3\)"
    ):
        layer.forward(np.zeros((5, 3)))
    layer.forward(np.zeros((5, 4)))
    with pytest.raises(
        ValueError, match=r"Affine.backward: expected dout of shape \(5, 3\).*got shape \(5, 4\)"
    ):
        layer.backward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"got \(4, 3\) and \(4,\)"):
        Affine(np.zeros((4, 3)), np.zeros(4))


# --- loss layers (exercise 2_15 and the squared error) -------------------------


@given(st.data())
def test_softmax_with_loss_backward_matches_numerical_gradient(data):
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 5))
    x = data.draw(float_arrays((n, c), -5, 5))
    t = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    dout = data.draw(st.floats(0.1, 3))
    for target in (t, to_one_hot(t, c, dtype=np.float64)):
        layer = SoftmaxWithLoss()
        layer.forward(x, target)
        analytic = layer.backward(dout)
        numeric = numerical_gradient(
            lambda z, layer=layer, target=target: dout * layer.forward(z, target), x.copy()
        )
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


@given(st.data())
def test_softmax_with_loss_backward_is_the_gradient_of_its_loss_for_any_target_rows(data):
    # Multi-hot, smoothed, partial and all-zero rows: backward must stay the gradient of forward's loss.
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 5))
    x = data.draw(float_arrays((n, c), -5, 5))
    t = data.draw(float_arrays((n, c), 0, 2))
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    analytic = layer.backward(1.5)
    numeric = numerical_gradient(lambda z: 1.5 * layer.forward(z, t), x.copy())
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_softmax_with_loss_backward_is_y_times_row_sum_minus_t():
    x = np.array([[0.3, 2.9, 4.0], [1.0, 1.0, -1.0], [0.5, -0.5, 2.0]])
    t = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.1, 0.1, 0.8]])  # multi-hot, empty, smoothed
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    dx = layer.backward()
    y = softmax(x)
    np.testing.assert_allclose(
        dx, (2 * y[0] - t[0], 0 * y[1], y[2] - t[2]) / np.float64(3), atol=1e-15
    )
    np.testing.assert_array_equal(dx[1], 0)  # a row that adds nothing to the loss gets no gradient


def test_softmax_with_loss_backward_is_dout_times_y_minus_t_over_n():
    x = np.array([[0.3, 2.9, 4.0], [1.0, 1.0, -1.0]])
    t = np.array([2, 0])
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    expected = (softmax(x) - to_one_hot(t, 3, dtype=np.float64)) / 2
    np.testing.assert_allclose(layer.backward(), expected)
    np.testing.assert_allclose(layer.backward(3.0), 3.0 * expected)


@pytest.mark.parametrize("shape", [(1, 4), (4,), (3, 4)])
def test_softmax_with_loss_leaves_its_input_alone(shape):
    # The layer shifts a transposed copy of the scores in place; for one sample that transpose
    # is itself contiguous, so a careless "contiguous" copy would be a view of the caller's array.
    x = np.arange(float(np.prod(shape))).reshape(shape)
    before = x.copy()
    layer = SoftmaxWithLoss()
    layer.forward(x, 1 if x.ndim == 1 else np.ones(len(x), dtype=int))
    layer.backward()
    np.testing.assert_array_equal(x, before)


def test_softmax_with_loss_is_exact_and_silent_at_1000():
    layer = SoftmaxWithLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = layer.forward(np.array([[1000.0, -1000.0]]), np.array([1]))
        dx = layer.backward()
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(dx, [[1.0, -1.0]])


def test_softmax_with_loss_on_one_sample():
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([1.0, 2.0, 3.0]), 2)
    assert loss == pytest.approx(-np.log(softmax(np.array([1.0, 2.0, 3.0]))[2]))
    assert layer.backward().shape == (3,)


def test_softmax_with_loss_names_bad_targets():
    layer = SoftmaxWithLoss()
    with pytest.raises(
        ValueError,
        match=r"SoftmaxWithLoss: expected t as integer labels of shape \(2,\) or one-hot of shape \(2, 3\), got shape \(3,\)",
    ):
        layer.forward(np.zeros((2, 3)), np.array([0, 1, 2]))


@given(st.data())
def test_squared_error_backward_matches_numerical_gradient(data):
    shape = data.draw(st.tuples(st.integers(1, 5), st.integers(1, 4)))
    y, t = data.draw(float_arrays(shape)), data.draw(float_arrays(shape))
    dout = data.draw(st.floats(0.1, 3))
    layer = SquaredError()
    layer.forward(y, t)
    analytic = layer.backward(dout)
    numeric = numerical_gradient(lambda z: dout * layer.forward(z, t), y.copy())
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_squared_error_is_the_batch_mean_and_its_backward_is_y_minus_t_over_n():
    y, t = np.array([[1.0], [3.0]]), np.array([[0.0], [0.0]])
    layer = SquaredError()
    assert layer.forward(y, t) == pytest.approx((0.5 + 4.5) / 2)
    np.testing.assert_allclose(layer.backward(), [[0.5], [1.5]])
    np.testing.assert_allclose(layer.backward(2.0), [[1.0], [3.0]])


def test_squared_error_names_a_shape_mismatch():
    with pytest.raises(
        ValueError, match=r"SquaredError: expected t of shape \(2, 3\).*got shape \(3, 2\)"
    ):
        SquaredError().forward(np.zeros((2, 3)), np.zeros((3, 2)))
