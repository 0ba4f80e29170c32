"""The fast kernels agree with the slides' forms of the course classes.

deepkiso.kernels holds FastAffine and FastSoftmaxWithLoss, which the nets use;
deepkiso.layers holds Affine and SoftmaxWithLoss as the slides write them. Each
pair must give the same loss, outputs and gradients: to 1e-12 in float64, for
every target the layers accept, and to float32's precision in float32.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays

from deepkiso.functions import sigmoid
from deepkiso.kernels import FastAffine, FastReLU, FastSoftmaxWithLoss
from deepkiso.layers import Affine, ReLU, Sigmoid, SoftmaxWithLoss
from deepkiso.optimizers import RMSProp, make_optimizer

TOL = {np.float64: 1e-12, np.float32: 1e-6}


def assert_close(fast, slide, dtype=np.float64):
    assert np.asarray(fast).dtype == np.asarray(slide).dtype
    np.testing.assert_allclose(fast, slide, rtol=TOL[dtype], atol=TOL[dtype])


# --- Affine -------------------------------------------------------------------------------------


@st.composite
def affine_cases(draw):
    """(x, W, b, dout): x of shape (N, D_in), (N, d1, d2) with d1·d2 = D_in, or (D_in,)."""
    n, d_out = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    x_shape = draw(st.sampled_from(["rows", "images", "one sample"]))
    if x_shape == "images":
        d1, d2 = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        x = draw(float_arrays((n, d1, d2)))
        d_in = d1 * d2
    else:
        d_in = draw(st.integers(1, 4))
        x = draw(float_arrays((d_in,) if x_shape == "one sample" else (n, d_in)))
    W, b = draw(float_arrays((d_in, d_out))), draw(float_arrays((d_out,)))
    dout = draw(float_arrays((d_out,) if x.ndim == 1 else (n, d_out)))
    return x, W, b, dout


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=affine_cases())
def test_fast_affine_agrees_with_the_slides_affine(dtype, case):
    x, W, b, dout = (a.astype(dtype) for a in case)
    fast, slide = FastAffine(W, b), Affine(W, b)
    assert_close(fast.forward(x), slide.forward(x), dtype)
    assert_close(fast.backward(dout), slide.backward(dout), dtype)
    assert_close(fast.dW, slide.dW, dtype)
    assert_close(fast.db, slide.db, dtype)
    # Without dx, the same gradients, written into the same arrays as before.
    dW, db = fast.grads["W"], fast.grads["b"]
    assert fast.backward(dout, need_dx=False) is None
    assert fast.grads["W"] is dW and fast.grads["b"] is db
    assert_close(fast.dW, slide.dW, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    case=st.integers(1, 5).flatmap(lambda n: st.tuples(float_arrays((n, 4)), float_arrays((n, 4))))
)
def test_fast_relu_agrees_with_the_slides_relu_bit_for_bit_working_in_place(dtype, case):
    x, dout = (a.astype(dtype) for a in case)
    fast, slide = FastReLU(), ReLU()
    y = slide.forward(x)
    dx = slide.backward(dout)
    x_fast, dout_fast = x.copy(), dout.copy()
    y_fast = fast.forward(x_fast)
    dx_fast = fast.backward(dout_fast)
    # Bit for bit, signed zeros included; and in place, as the net's hidden layers use it.
    assert y_fast.tobytes() == y.tobytes() and dx_fast.tobytes() == dx.tobytes()
    assert y_fast is x_fast and dx_fast is dout_fast


def test_the_slides_affine_sets_dw_and_db_as_the_slides_write_them():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    dout = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 0.5, 1.0]])
    layer = Affine(np.ones((2, 3)), np.zeros(3))
    layer.forward(x)
    dx = layer.backward(dout)
    np.testing.assert_array_equal(layer.dW, x.T @ dout)
    np.testing.assert_array_equal(layer.db, dout.sum(axis=0))
    assert layer.grads["W"] is layer.dW and layer.grads["b"] is layer.db
    np.testing.assert_array_equal(dx, dout @ np.ones((3, 2)))


# --- SoftmaxWithLoss ----------------------------------------------------------------------------


@st.composite
def softmax_cases(draw):
    """(x, t, dout): a batch or one sample, t as labels, one-hot, or any non-negative rows."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    one_sample = draw(st.booleans())
    x = draw(float_arrays((c,) if one_sample else (n, c), low=-30, high=30))
    rows = 1 if one_sample else n
    kind = draw(st.sampled_from(["labels", "one-hot", "any rows"]))
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=rows, max_size=rows)))
    if kind == "labels":
        t = labels[0] if one_sample else labels
    else:
        # One-hot rows, or the rows of label smoothing, multi-hot targets and all-zero rows:
        # the general gradient y·Σt - t, not y - t.
        t = np.eye(c)[labels] if kind == "one-hot" else draw(float_arrays((rows, c), low=0, high=2))
        t = t[0] if one_sample else t
    dout = draw(st.sampled_from([1.0, 0.5, -2.0]))
    return x, t, dout


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=softmax_cases())
def test_fast_softmax_with_loss_agrees_with_the_slides_form(dtype, case):
    x, t, dout = case
    x = x.astype(dtype)
    t = t.astype(dtype) if t.dtype.kind == "f" else t
    fast, slide = FastSoftmaxWithLoss(), SoftmaxWithLoss()
    loss_fast, loss_slide = fast.forward(x, t), slide.forward(x, t)
    assert loss_fast == pytest.approx(loss_slide, rel=TOL[dtype], abs=TOL[dtype])
    assert_close(fast.y, slide.y, dtype)
    dx_fast, dx_slide = fast.backward(dout), slide.backward(dout)
    assert dx_fast.shape == dx_slide.shape == x.shape
    assert_close(dx_fast, dx_slide, dtype)


def test_the_slides_softmax_with_loss_gives_y_minus_t_over_n_for_one_hot_and_labels():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    t = np.array([2, 0])
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-(math.log(y[0, 2]) + math.log(y[1, 0])) / 2, rel=1e-15)
    expected = (y - np.eye(3)[t]) / 2
    np.testing.assert_allclose(layer.backward(), expected, rtol=1e-15, atol=1e-17)
    layer.forward(x, np.eye(3)[t])
    np.testing.assert_allclose(layer.backward(), expected, rtol=1e-15, atol=1e-17)


def test_the_slides_softmax_with_loss_is_exact_at_scores_of_1000():
    layer = SoftmaxWithLoss()
    with np.errstate(
        over="raise", divide="raise", invalid="raise"
    ):  # exp(-2000) underflows to 0, as it should
        loss = layer.forward(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == 2000.0
    np.testing.assert_array_equal(layer.backward(), [[1.0, -1.0]])


# --- the stated differences: last-bit changes only -----------------------------------------------


def test_sigmoid_of_negative_x_is_exp_x_over_one_plus_exp_x_in_one_division():
    # Before: e · (1 / (1 + e)), two roundings; now the slide's fraction times exp(x)/exp(x).
    x = np.linspace(-30, -0.1, 50)
    np.testing.assert_array_equal(sigmoid(x), np.exp(x) / (1 + np.exp(x)))
    x = np.linspace(0, 30, 50)
    np.testing.assert_array_equal(sigmoid(x), 1 / (1 + np.exp(-x)))


def test_sigmoid_layer_backward_is_dout_times_one_minus_y_times_y():
    # Before: dout · (y - y·y); now the book's dout · (1 - y) · y.
    x, dout = np.linspace(-4, 4, 12).reshape(3, 4), np.linspace(-1, 1, 12).reshape(3, 4)
    layer = Sigmoid()
    y = layer.forward(x)
    assert layer.backward(dout).tobytes() == (dout * (1.0 - y) * y).tobytes()


def test_float32_optimizers_round_python_float_hyper_parameters_to_float32():
    """The book's `params[key] -= self.lr * grads[key]` keeps float32, with lr rounded to float32 once."""
    rng = np.random.default_rng(0)
    W0, g = (
        rng.standard_normal((3, 4)).astype(np.float32),
        rng.standard_normal((3, 4)).astype(np.float32),
    )
    params = {"W": W0.copy()}
    make_optimizer("sgd", lr=0.1).update(params, {"W": g})
    assert params["W"].tobytes() == (W0 - np.float32(0.1) * g).tobytes()
    # Adam's lr_t is a Python float as well, so its step is float32 arithmetic throughout.
    params = {"W": W0.copy()}
    make_optimizer("adam", lr=0.01).update(params, {"W": g})
    m, v = np.float32(1 - 0.9) * g, np.float32(1 - 0.999) * (g * g)
    lr_t = np.float32(0.01 * math.sqrt(1 - 0.999) / (1 - 0.9))
    assert params["W"].tobytes() == (W0 - lr_t * m / (np.sqrt(v) + np.float32(1e-8))).tobytes()
    # RMSProp's 1 - ρ is rounded from float64 (0.01 → the nearest float32), no longer
    # float32(1) - float32(ρ) (0.00999999): the one float32 update whose last bits changed.
    params = {"W": W0.copy()}
    RMSProp(lr=0.01, decay_rate=0.99).update(params, {"W": g})
    h = np.float32(1 - 0.99) * g * g
    assert (
        params["W"].tobytes()
        == (W0 - np.float32(0.01) * g / (np.sqrt(h) + np.float32(1e-7))).tobytes()
    )
