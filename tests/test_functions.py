import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import any_shapes, float_arrays

from deepkiso import functions as F
from deepkiso.differentiation import numerical_diff


def test_step_function_is_one_only_for_positive_inputs():
    np.testing.assert_array_equal(F.step_function(np.array([-1.0, 0.0, 0.5])), [0.0, 0.0, 1.0])


def test_identity_returns_a_copy():
    x = np.array([1.0, -2.0])
    y = F.identity(x)
    y[0] = 5
    assert x[0] == 1.0


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_sigmoid_is_finite_and_silent_at_extremes(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.sigmoid(np.array([x]))
    assert np.all(np.isfinite(y)) and 0.0 <= y[0] <= 1.0


def test_sigmoid_keeps_float32():
    assert F.sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


@given(st.floats(-30, 30))
def test_sigmoid_derivative_is_y_times_one_minus_y_and_at_most_a_quarter(x):
    analytic = F.sigmoid_grad(np.array(x))
    y = F.sigmoid(np.array(x))
    assert analytic == pytest.approx(y * (1 - y))
    assert analytic <= 0.25
    assert analytic == pytest.approx(numerical_diff(lambda z: F.sigmoid(np.array(z)), x), abs=1e-8)


def test_sigmoid_derivative_peaks_at_a_quarter_at_zero():
    assert F.sigmoid_grad(np.array(0.0)) == 0.25


@given(st.floats(-5, 5))
def test_tanh_derivative_is_one_minus_y_squared(x):
    y = F.tanh(np.array(x))
    assert F.tanh_grad(np.array(x)) == pytest.approx(1 - y * y)
    assert F.tanh_grad(np.array(x)) == pytest.approx(
        numerical_diff(lambda z: np.tanh(z), x), abs=1e-8
    )


def test_relu_and_its_derivative():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.relu(x), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.relu_grad(x), [0.0, 0.0, 1.0])


@given(float_arrays(st.tuples(st.integers(1, 4), st.integers(1, 6)), -50, 50))
def test_softmax_rows_are_probabilities(x):
    y = F.softmax(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(y >= 0)


def test_softmax_of_one_sample_equals_its_batch_of_one():
    x = np.array([0.3, 2.9, 4.0])
    np.testing.assert_allclose(F.softmax(x), F.softmax(x[None, :])[0])


def test_softmax_and_cross_entropy_stay_finite_and_silent_at_1000():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.softmax(x)
        loss = F.cross_entropy_error(y, np.array([1, 2]))
        exact = F.softmax_cross_entropy(x, np.array([1, 2]))
    assert np.all(np.isfinite(y))
    assert np.isfinite(loss) and loss > 100
    # Sample 0 puts label 1 at 2000 below the best score, sample 1 is exactly right.
    assert exact == pytest.approx((2000.0 + 0.0) / 2)


def test_cross_entropy_accepts_labels_or_one_hot_and_averages_over_the_batch():
    y = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    t = np.array([1, 0])
    expected = -(np.log(0.7) + np.log(0.5)) / 2
    assert F.cross_entropy_error(y, t) == pytest.approx(expected)
    assert F.cross_entropy_error(y, F.to_one_hot(t, 3)) == pytest.approx(expected)


def test_cross_entropy_of_one_sample_accepts_a_label_or_one_hot():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])  # the slides' example
    assert F.cross_entropy_error(y, 2) == pytest.approx(-np.log(0.6))
    assert F.cross_entropy_error(y, F.to_one_hot(np.array([2]), 10)[0]) == pytest.approx(
        -np.log(0.6)
    )


def test_cross_entropy_never_takes_log_of_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy_error(np.array([[1.0, 0.0]]), np.array([1]))
    assert np.isfinite(loss)


def test_cross_entropy_names_bad_targets():
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        F.cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        F.cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 3]))


@given(st.data())
def test_softmax_cross_entropy_equals_cross_entropy_of_softmax(data):
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 5))
    x = data.draw(float_arrays((n, c), -10, 10))
    t = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    assert F.softmax_cross_entropy(x, t) == pytest.approx(
        F.cross_entropy_error(F.softmax(x), t), rel=1e-9, abs=1e-12
    )


def test_sum_squared_error_is_half_the_squared_distance_averaged_over_the_batch():
    y = np.array([[1.0, 2.0], [0.0, 0.0]])
    t = np.array([[0.0, 0.0], [0.0, 3.0]])
    assert F.sum_squared_error(y, t) == pytest.approx((0.5 * 5 + 0.5 * 9) / 2)
    assert F.sum_squared_error(np.array([1.0, 2.0]), np.array([0.0, 0.0])) == pytest.approx(2.5)


def test_sum_squared_error_names_mismatched_shapes():
    with pytest.raises(ValueError, match=r"y has shape \(2, 2\) but t has shape \(2,\)"):
        F.sum_squared_error(np.zeros((2, 2)), np.zeros(2))


@given(float_arrays(any_shapes))
def test_functions_do_not_change_their_arguments(x):
    before = x.copy()
    for f in (F.sigmoid, F.relu, F.tanh, F.softmax, F.step_function, F.identity):
        f(x)
    np.testing.assert_array_equal(x, before)


def test_to_labels_undoes_to_one_hot_and_keeps_labels_as_they_are():
    labels = np.array([2, 0, 1, 2])
    assert np.array_equal(F.to_labels(F.to_one_hot(labels, 3)), labels)
    assert np.array_equal(F.to_labels(labels), labels)
