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


def test_numerical_gradient_of_a_float32_net_is_its_float64_gradient_cast_to_float32():
    # In float32 in place (h = 1e-4) the quotient of this net's loss erred by up to 9e-4.
    rng = np.random.default_rng(0)
    net = TwoLayerNet(8, 6, 3, weight_init_std=1.0, activation="tanh", rng=0)
    x, t = rng.standard_normal((5, 8)).astype(np.float32), rng.integers(0, 3, 5)
    exact = TwoLayerNet(8, 6, 3, weight_init_std=1.0, activation="tanh", dtype=np.float64, rng=0)
    exact.load_state_dict(net.state_dict())
    expected = {k: np.array(g) for k, g in exact.gradient(x.astype(np.float64), t).items()}
    before = net.state_dict()
    for name, grad in net.numerical_gradient(x, t).items():
        assert grad.dtype == np.float32
        np.testing.assert_allclose(grad, expected[name], rtol=1e-6, atol=1e-7)
        assert net.params[name].tobytes() == before[name].tobytes()


def test_numerical_gradient_evaluates_f_in_float64_and_never_writes_a_float32_x():
    x = np.array([4096.0, -3.0, 0.1], dtype=np.float32)  # float32 4096 ± 1e-4 is 4096: no step at all
    x.flags.writeable = False
    seen = set()

    def f(z):
        seen.add(z.dtype)
        return float(np.sum(np.sin(z)))

    grad = numerical_gradient(f, x)
    assert grad.dtype == np.float32 and seen == {np.dtype(np.float64)}
    np.testing.assert_allclose(grad, np.cos(x.astype(np.float64)), rtol=1e-6, atol=1e-8)


def test_numerical_gradient_of_a_closure_over_a_float32_array_perturbs_a_float64_copy():
    weights = np.array([[2049.5, -1.25], [2.0, 0.125]], dtype=np.float32)
    weights.flags.writeable = False
    grad = numerical_gradient(lambda _: float(np.sum(np.sin(weights.astype(np.float64)))), weights)
    np.testing.assert_allclose(grad, np.cos(weights.astype(np.float64)), rtol=1e-6, atol=1e-8)


def test_numerical_gradient_follows_a_float32_array_that_f_reaches_through_a_view_by_working_in_place():
    weights = np.array([[0.5, -1.25], [2.0, 0.125]], dtype=np.float32)
    holder = {"W": weights, "W transposed": weights.T}  # a float64 copy of W would leave the view behind
    grad = numerical_gradient(lambda _: float(np.sum(holder["W transposed"].astype(np.float64) ** 2)), weights)
    np.testing.assert_allclose(grad, 2 * weights.astype(np.float64), rtol=1e-3)
    np.testing.assert_array_equal(weights, [[0.5, -1.25], [2.0, 0.125]])


_GLOBAL_WEIGHTS = np.array([4096.0, 1.0], dtype=np.float32)


def test_numerical_gradient_names_h_x_and_the_spacing_when_x_plus_h_rounds_back_to_x():
    # f reads a global float32 array, so only that array perturbed in place moves f, and in float32
    # 4096 + 1e-4 is 4096 (this was a bare ZeroDivisionError).
    with pytest.raises(ValueError, match=r"^numerical_gradient: h = 0\.0001 is below the spacing of float32 numbers "
                                         r"at x\[0\] = 4096 \(spacing 0\.000488\), so x ± h rounds back to x"):
        numerical_gradient(lambda _: float(np.sum(_GLOBAL_WEIGHTS.astype(np.float64) ** 2)), _GLOBAL_WEIGHTS)
    np.testing.assert_array_equal(_GLOBAL_WEIGHTS, [4096.0, 1.0])
    with pytest.raises(ValueError, match=r"float64 numbers at x\[1, 0\] = 1e\+13"):
        numerical_gradient(lambda z: float(np.sum(z)), np.array([[1.0, 2.0], [1e13, 3.0]]))
    with pytest.raises(ValueError, match=r"^numerical_gradient: h must be a positive number, got 0"):
        numerical_gradient(lambda z: float(np.sum(z)), np.ones(2), h=0)


def test_numerical_diff_refuses_an_h_below_the_spacing_and_keeps_a_float32_x_type():
    with pytest.raises(ValueError, match=r"^numerical_diff: h = 0\.0001 is below the spacing of float64 numbers at "
                                         r"x = 1e\+20 \(spacing 1\.64e\+04\)"):
        numerical_diff(lambda x: x**2, 1e20)  # returned 0.0 without a word
    slope = numerical_diff(lambda x: x**2, np.float32(3000.0))
    assert type(slope) is np.float32 and slope == pytest.approx(6000.0, rel=1e-7)


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


@pytest.mark.parametrize("shape", [(5, 12), (5, 3, 4)])
def test_gradient_check_of_a_float32_layer_uses_a_float64_copy_and_still_finds_a_transposed_w(shape):
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    good = check_layer_gradient(Affine(*_float32(_affine(Affine, 12, 12))), x)
    assert good.evaluation == "float32 on a float64 copy" and good.passed, str(good)
    bad = check_layer_gradient(AffineTransposingW(*_float32(_affine(Affine, 12, 12))), x)
    assert bad.evaluation == "float32 on a float64 copy" and [c.name for c in bad.failures] == ["x"]


def _float32(layer):
    return layer.params["W"].astype(np.float32), layer.params["b"].astype(np.float32)


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


def _read_only_float32_net(**options):
    """A float32 TwoLayerNet whose parameters cannot be written: a check that touched them would raise."""
    net = TwoLayerNet(**options, rng=0)
    for param in net.params.values():
        param.flags.writeable = False
    return net


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_gradient_check_of_a_float32_net_evaluates_a_float64_copy_and_never_touches_the_net(mode):
    net = _read_only_float32_net(input_size=6, hidden_size=5, output_size=3, weight_init_std="he")
    before = net.state_dict()
    rng = np.random.default_rng(0)
    report = check_net_gradient(net, rng.standard_normal((4, 6)).astype(np.float32), rng.integers(0, 3, 4),
                                mode=mode)
    assert (report.dtype, report.evaluation, report.h, report.rtol) == ("float32", "float32 on a float64 copy",
                                                                       1e-5, 1e-4)
    assert report.passed, str(report)
    assert "float32 on a float64 copy" in str(report)
    assert all(net.params[k].tobytes() == v.tobytes() and net.params[k].dtype == np.float32 for k, v in before.items())


class _SignFlip:
    """A net whose gradient is the real one with the sign of one entry flipped."""

    def __init__(self, net, name, index):
        self.net, self.name, self.index, self.params = net, name, index, net.params

    def loss(self, x, t):
        return self.net.loss(x, t)

    def gradient(self, x, t):
        grads = {k: np.array(g) for k, g in self.net.gradient(x, t).items()}
        grads[self.name][self.index] *= -1
        return grads


def test_directional_check_of_a_float32_net_finds_one_wrong_entry_among_39760():
    # Flipping one entry of 39,760 moves a directional derivative by about 1e-2 of itself: float32
    # differences with their 2e-2 tolerance cannot see that, float64 differences on a copy can.
    rng = np.random.default_rng(0)
    net = TwoLayerNet(784, 50, 10, weight_init_std="he", rng=rng)
    x, t = rng.random((20, 784)).astype(np.float32), rng.integers(0, 10, 20)
    assert check_net_gradient(net, x, t, mode="directional").passed
    grad = net.gradient(x, t)["W1"]
    index = tuple(int(i) for i in np.argwhere(grad != 0)[rng.integers(np.count_nonzero(grad))])
    report = check_net_gradient(_SignFlip(net, "W1", index), x, t, mode="directional")
    assert [c.name for c in report.failures] == ["W1"], str(report)


class _Uncopyable:
    """A loss that refuses to be deep-copied, so the check must perturb its parameters in place."""

    def __init__(self, net, x, t):
        self.net, self.x, self.t = net, x, t

    def __call__(self):
        return self.net.loss(self.x, self.t)

    def __deepcopy__(self, memo):
        raise TypeError("cannot copy this loss")


def test_gradient_check_works_in_place_in_float32_when_f_cannot_be_copied():
    net = TwoLayerNet(6, 5, 3, weight_init_std="he", rng=0)
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 6)).astype(np.float32), rng.integers(0, 3, 4)
    before = net.state_dict()
    grads = {k: np.array(g) for k, g in net.gradient(x, t).items()}
    report = gradient_check(_Uncopyable(net, x, t), net.params, grads)
    assert (report.evaluation, report.h) == ("float32 in place", 1e-2) and "could not be copied" in report.note
    assert report.passed, str(report)
    assert all(net.params[k].tobytes() == v.tobytes() for k, v in before.items())


def test_gradient_check_refuses_an_h_below_the_spacing_at_the_parameters():
    params = {"W": np.array([1.0, 1e12])}
    with pytest.raises(ValueError, match=r"^gradient_check: h = 1e-05 is below the spacing of float64 numbers at "
                                         r"W\[1\] = 1e\+12 \(spacing 0\.000122\)"):
        gradient_check(lambda: float(np.sum(params["W"])), params, {"W": np.ones(2)})


def test_gradient_check_reports_a_missing_gradient_and_rejects_unknown_modes():
    params = {"w": np.zeros(2)}
    report = gradient_check(lambda: 0.0, params, {})
    assert "no backprop gradient" in report["w"].problem
    with pytest.raises(ValueError, match="unknown mode 'fast'"):
        gradient_check(lambda: 0.0, params, {"w": np.zeros(2)}, mode="fast")
