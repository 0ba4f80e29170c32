import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepkiso.differentiation import (
    check_layer_gradient,
    check_net_gradient,
    gradient_check,
    gradient_descent,
    numerical_diff,
    numerical_gradient,
)
from deepkiso.layers import Affine, Sigmoid
from deepkiso.nets import TwoLayerNet
from strategies import any_shapes, float_arrays

# --- the slides' worked examples -------------------------------------------


def test_derivative_of_x_squared_at_one_is_two():
    assert numerical_diff(lambda x: x**2, 1.0) == pytest.approx(2.0, abs=1e-8)


def test_central_difference_beats_forward_difference():
    f, exact = (lambda x: x**3), 3.0  # d(x³)/dx at 1
    central = abs(numerical_diff(f, 1.0, h=1e-3) - exact)
    forward = abs(numerical_diff(f, 1.0, h=1e-3, method="forward") - exact)
    backward = abs(numerical_diff(f, 1.0, h=1e-3, method="backward") - exact)
    # Forward and backward err by ~3h (first order), central by ~h² (second order).
    assert forward == pytest.approx(3e-3, rel=0.01) and backward == pytest.approx(3e-3, rel=0.01)
    assert central == pytest.approx(1e-6, rel=0.01)


def test_numerical_diff_names_the_allowed_methods():
    with pytest.raises(ValueError, match=r"unknown method 'sideways'; choose one of \['central'"):
        numerical_diff(lambda x: x, 0.0, method="sideways")


@given(st.floats(-5, 5), st.floats(-5, 5))
def test_gradient_of_2x2_plus_3y_is_4x_and_3(x, y):
    grad = numerical_gradient(lambda p: 2 * p[0] ** 2 + 3 * p[1], np.array([x, y]))
    np.testing.assert_allclose(grad, [4 * x, 3.0], atol=1e-6)


@given(st.floats(-5, 5), st.floats(-5, 5))
def test_chain_rule_example_gives_two_times_the_sum_for_both_inputs(x1, x2):
    grad = numerical_gradient(lambda p: (p[0] + p[1]) ** 2, np.array([x1, x2]))
    np.testing.assert_allclose(grad, [2 * (x1 + x2)] * 2, atol=1e-6)


# --- numerical_gradient ------------------------------------------------------


@given(float_arrays(any_shapes))
def test_numerical_gradient_of_sum_of_squares_is_2x_for_any_shape(x):
    grad = numerical_gradient(lambda z: float(np.sum(z**2)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * x, atol=1e-6)


@given(float_arrays(any_shapes))
def test_numerical_gradient_leaves_x_exactly_as_it_was(x):
    before = x.copy()
    numerical_gradient(lambda z: float(np.sum(np.sin(z))), x)
    assert np.array_equal(x, before) and x.tobytes() == before.tobytes()


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(z):
        calls.append(z.copy())
        if len(calls) == 4:
            raise RuntimeError("boom")
        return float(z.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_numerical_gradient_works_on_a_float32_array_that_f_reads_directly():
    weights = np.array([[0.5, -1.25], [2.0, 0.125]], dtype=np.float32)
    grad = numerical_gradient(lambda _: float(np.sum(weights.astype(np.float64) ** 2)), weights)
    # Accurate despite float32 storage: the quotient uses the step actually taken.
    np.testing.assert_allclose(grad, 2 * weights.astype(np.float64), rtol=1e-3)
    np.testing.assert_array_equal(weights, [[0.5, -1.25], [2.0, 0.125]])


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(ValueError, match="must be a floating array, got dtype int64"):
        numerical_gradient(lambda z: 0.0, np.array([1, 2], dtype=np.int64))


# --- gradient_descent --------------------------------------------------------


def test_gradient_descent_returns_the_whole_trajectory():
    init = np.array([-3.0, 4.0])
    x, path = gradient_descent(lambda p: p[0] ** 2 + p[1] ** 2, init, lr=0.1, step_num=100)
    assert path.shape == (101, 2)
    np.testing.assert_array_equal(path[0], [-3.0, 4.0])
    np.testing.assert_array_equal(path[-1], x)
    np.testing.assert_allclose(x, [0.0, 0.0], atol=1e-8)
    np.testing.assert_array_equal(init, [-3.0, 4.0])
    # Each step multiplies x by (1 - 2·lr) = 0.8 on this bowl.
    np.testing.assert_allclose(path[1], [-2.4, 3.2], rtol=1e-6)


def test_gradient_descent_keeps_the_shape_of_a_2d_start():
    x, path = gradient_descent(lambda p: float(np.sum(p**2)), np.ones((2, 3)), lr=0.25, step_num=3)
    assert x.shape == (2, 3) and path.shape == (4, 2, 3)


def test_gradient_descent_with_too_large_a_learning_rate_diverges_visibly():
    _, path = gradient_descent(lambda p: float(np.sum(p**2)), np.array([1.0]), lr=1.5,
                               step_num=10, grad=lambda p: 2 * p)
    np.testing.assert_allclose(np.abs(path[:, 0]), 2.0 ** np.arange(11))


# --- gradient check ----------------------------------------------------------


class AffineForgettingBatchSum(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["b"] = dout.copy()  # bug: db not summed over the batch
        return dx


class AffineTransposingW(Affine):
    def backward(self, dout):
        super().backward(dout)
        return (dout @ self.params["W"]).reshape(self.x_shape)  # bug: W instead of Wᵀ


class SigmoidIgnoringDout(Sigmoid):
    def backward(self, dout):
        return self.out * (1 - self.out)  # bug: dout dropped


def _affine(cls, d_in=3, d_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return cls(rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out))


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_gradient_check_passes_a_correct_affine_layer(mode):
    x = np.random.default_rng(1).standard_normal((5, 3))
    report = check_layer_gradient(_affine(Affine), x, mode=mode)
    assert report.passed, str(report)
    assert [c.name for c in report.checks] == ["x", "W", "b"]


def test_gradient_check_reports_db_not_summed_over_the_batch():
    report = check_layer_gradient(_affine(AffineForgettingBatchSum), np.ones((5, 3)))
    assert not report.passed
    assert [c.name for c in report.failures] == ["b"]
    assert "backprop gradient has shape (5, 3), expected (3,)" in report["b"].problem
    assert "FAILED: b" in str(report)


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_gradient_check_reports_a_transposed_w_in_dx(mode):
    x = np.random.default_rng(2).standard_normal((4, 3))
    report = check_layer_gradient(_affine(AffineTransposingW), x, mode=mode)
    assert [c.name for c in report.failures] == ["x"]
    text = str(report)
    assert "x " in text and "FAIL at" in text


def test_gradient_check_reports_a_backward_that_ignores_dout():
    report = check_layer_gradient(SigmoidIgnoringDout(), np.linspace(-2, 2, 12).reshape(3, 4))
    assert [c.name for c in report.failures] == ["x"]
    worst = report["x"]
    assert worst.worst_index is not None and len(worst.worst_index) == 2


def test_gradient_check_names_the_failing_parameter_of_a_net():
    net = TwoLayerNet(4, 3, 3, weight_init_std=1.0, dtype=np.float64, rng=0)
    # Plant the transposed-W bug in the second Affine: W1 and b1 get wrong gradients, W2 and b2 stay right.
    net.layers[2].__class__ = AffineTransposingW
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    for mode in ("full", "directional"):
        report = check_net_gradient(net, x, t, mode=mode)
        assert [c.name for c in report.failures] == ["W1", "b1"], str(report)


def test_gradient_check_restores_the_parameters_bit_for_bit():
    net = TwoLayerNet(4, 5, 3, dtype=np.float64, rng=0)
    before = net.state_dict()
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((3, 4)), rng.integers(0, 3, 3)
    for mode in ("full", "sample", "directional"):
        check_net_gradient(net, x, t, mode=mode)
        for name, value in before.items():
            assert net.params[name].tobytes() == value.tobytes()


def test_gradient_check_sample_mode_compares_n_samples_elements():
    net = TwoLayerNet(10, 8, 3, dtype=np.float64, rng=0)
    rng = np.random.default_rng(0)
    report = check_net_gradient(net, rng.standard_normal((4, 10)), rng.integers(0, 3, 4), mode="sample", n_samples=5)
    assert [c.n_compared for c in report.checks] == [5, 5, 5, 3]


def test_gradient_check_of_a_float32_net_uses_float32_tolerances():
    net = TwoLayerNet(6, 5, 3, weight_init_std="he", rng=0)
    rng = np.random.default_rng(0)
    report = check_net_gradient(net, rng.standard_normal((4, 6)).astype(np.float32), rng.integers(0, 3, 4))
    assert report.dtype == "float32" and report.h == 1e-2
    assert report.passed, str(report)


def test_gradient_check_reports_a_missing_gradient_and_rejects_unknown_modes():
    params = {"w": np.zeros(2)}
    report = gradient_check(lambda: 0.0, params, {})
    assert "no backprop gradient" in report["w"].problem
    with pytest.raises(ValueError, match="unknown mode 'fast'"):
        gradient_check(lambda: 0.0, params, {"w": np.zeros(2)}, mode="fast")
