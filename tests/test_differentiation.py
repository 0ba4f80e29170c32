import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import any_shapes, float_arrays

from deepkiso.differentiation import gradient_descent, numerical_diff, numerical_gradient
from deepkiso.nets import TwoLayerNet

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
    x = np.array(
        [4096.0, -3.0, 0.1], dtype=np.float32
    )  # float32 4096 ± 1e-4 is 4096: no step at all
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
    holder = {
        "W": weights,
        "W transposed": weights.T,
    }  # a float64 copy of W would leave the view behind
    grad = numerical_gradient(
        lambda _: float(np.sum(holder["W transposed"].astype(np.float64) ** 2)), weights
    )
    np.testing.assert_allclose(grad, 2 * weights.astype(np.float64), rtol=1e-3)
    np.testing.assert_array_equal(weights, [[0.5, -1.25], [2.0, 0.125]])


_GLOBAL_WEIGHTS = np.array([4096.0, 1.0], dtype=np.float32)


def test_numerical_gradient_names_h_x_and_the_spacing_when_x_plus_h_rounds_back_to_x():
    # f reads a global float32 array, so only that array perturbed in place moves f, and in float32
    # 4096 + 1e-4 is 4096 (this was a bare ZeroDivisionError).
    with pytest.raises(
        ValueError,
        match=r"^numerical_gradient: h = 0\.0001 is below the spacing of float32 numbers "
        r"at x\[0\] = 4096 \(spacing 0\.000488\), so x ± h rounds back to x",
    ):
        numerical_gradient(
            lambda _: float(np.sum(_GLOBAL_WEIGHTS.astype(np.float64) ** 2)), _GLOBAL_WEIGHTS
        )
    np.testing.assert_array_equal(_GLOBAL_WEIGHTS, [4096.0, 1.0])
    with pytest.raises(ValueError, match=r"float64 numbers at x\[1, 0\] = 1e\+13"):
        numerical_gradient(lambda z: float(np.sum(z)), np.array([[1.0, 2.0], [1e13, 3.0]]))
    with pytest.raises(
        ValueError, match=r"^numerical_gradient: h must be a positive number, got 0"
    ):
        numerical_gradient(lambda z: float(np.sum(z)), np.ones(2), h=0)


def test_numerical_diff_refuses_an_h_below_the_spacing_and_keeps_a_float32_x_type():
    with pytest.raises(
        ValueError,
        match=r"^numerical_diff: h = 0\.0001 is below the spacing of float64 numbers at "
        r"x = 1e\+20 \(spacing 1\.64e\+04\)",
    ):
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
    _, path = gradient_descent(
        lambda p: float(np.sum(p**2)), np.array([1.0]), lr=1.5, step_num=10, grad=lambda p: 2 * p
    )
    np.testing.assert_allclose(np.abs(path[:, 0]), 2.0 ** np.arange(11))


def test_the_gradient_check_stays_importable_from_differentiation_and_the_package():
    # It moved to deepkiso.gradcheck; code written against the old home must keep working.
    import deepkiso
    from deepkiso import differentiation, gradcheck

    for name in (
        "gradient_check",
        "check_layer_gradient",
        "check_net_gradient",
        "GradientCheckReport",
        "ParameterCheck",
    ):
        assert getattr(differentiation, name) is getattr(gradcheck, name)
    for name in ("gradient_check", "check_layer_gradient", "check_net_gradient"):
        assert getattr(deepkiso, name) is getattr(gradcheck, name)
