"""Tests of deepkiso.diff_error: difference quotients in float32/float64, the V-shaped error, gradient timing."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepkiso.diff_error import (
    SCALAR_FUNCTIONS,
    difference_errors,
    difference_quotient,
    function_from_formula,
    secants,
    time_gradients,
)
from deepkiso.differentiation import numerical_diff


@given(
    x=st.floats(-3, 3),
    h=st.sampled_from([1e-2, 1e-4, 1e-6]),
    method=st.sampled_from(["central", "forward"]),
)
def test_float64_quotient_is_the_librarys_numerical_diff(x, h, method):
    assert difference_quotient(np.sin, x, h, method, np.float64) == numerical_diff(
        np.sin, x, h, method
    )


def test_float32_quotient_is_computed_in_float32():
    # In float32, 1 + 1e-8 == 1: the step vanishes and the quotient is 0.
    assert difference_quotient(np.sin, 1.0, 1e-8, "central", np.float32) == 0.0
    assert difference_quotient(np.sin, 1.0, 1e-8, "central", np.float64) == pytest.approx(
        np.cos(1.0), rel=1e-7
    )


def test_error_is_v_shaped_with_its_bottom_where_theory_puts_it():
    errors = difference_errors("sin")
    # Central: h ≈ eps^(1/3); forward: h ≈ eps^(1/2).
    assert 1e-7 < errors.best_step("central", "float64")[0] < 1e-4
    assert 1e-10 < errors.best_step("forward", "float64")[0] < 1e-7
    assert 1e-4 < errors.best_step("forward", "float32")[0] < 1e-2
    for curve in errors.errors.values():
        bottom = int(np.argmin(curve))
        assert curve[0] > curve[bottom] < curve[-1]


def test_the_courses_h_is_good_for_central_differences_in_float64():
    errors = difference_errors("sin")
    assert errors.error_at(1e-4, "central", "float64") < 1e-8
    assert errors.error_at(1e-4, "forward", "float64") > 1e-5
    assert errors.error_at(1e-12, "central", "float32") == pytest.approx(1.0)


def test_central_difference_of_the_courses_quadratic_has_no_truncation_error():
    errors = difference_errors("quadratic", steps=[1e-1, 1e-2])
    assert np.all(errors.errors[("central", "float64")] < 1e-12)
    # The forward difference of 0.01x² + 0.1x errs by 0.01·h, relative to f'(5) = 0.2.
    np.testing.assert_allclose(errors.errors[("forward", "float64")], [0.005, 0.0005], rtol=1e-6)


def test_difference_errors_refuses_bad_arguments():
    with pytest.raises(ValueError, match="unknown function 'cos'; choose one of"):
        difference_errors("cos")
    with pytest.raises(ValueError, match="positive numbers"):
        difference_errors("sin", steps=[1e-2, 0.0])
    with pytest.raises(ValueError, match="unknown method 'backward'"):
        difference_quotient(np.sin, 1.0, 1e-3, "backward")


def test_every_scalar_function_has_its_analytic_derivative():
    for function in SCALAR_FUNCTIONS.values():
        assert numerical_diff(function.f, function.x) == pytest.approx(
            function.dfdx(function.x), rel=1e-7
        )


def test_time_gradients_measures_both_for_each_size():
    rows = time_gradients(hidden_sizes=(2, 3), input_size=4, output_size=3, batch_size=5, repeats=1)
    assert [r.n_params for r in rows] == [(4 + 1 + 3) * 2 + 3, (4 + 1 + 3) * 3 + 3]
    assert all(r.numerical_seconds > 0 and r.backprop_seconds > 0 for r in rows)
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        time_gradients(repeats=0)


# -- the slide's picture: the tangent and the secants ---------------------------------------------


@given(x=st.floats(-2, 2), h=st.floats(0.01, 1))
def test_secants_of_x_cubed_err_by_h_squared_central_and_3xh_plus_h_squared_forward(x, h):
    s = secants("x**3", x, h)
    assert s.tangent == pytest.approx(3 * x * x, abs=1e-12)
    # ((x+h)³ − (x−h)³)/2h = 3x² + h² and ((x+h)³ − x³)/h = 3x² + 3xh + h², exactly.
    assert s.central_error == pytest.approx(h * h, rel=1e-6, abs=1e-9)
    assert s.forward_error == pytest.approx(3 * x * h + h * h, rel=1e-6, abs=1e-9)
    assert (s.f_minus, s.f_x, s.f_plus) == pytest.approx(((x - h) ** 3, x**3, (x + h) ** 3))


def test_central_error_is_of_order_h_squared_and_forward_of_order_h():
    errors = [secants("x**3", 1.0, h) for h in (0.4, 0.2, 0.1)]
    for bigger, smaller in itertools.pairwise(errors):
        # Halving h quarters the central difference's error and (about) halves the forward one's.
        assert bigger.central_error / smaller.central_error == pytest.approx(4.0, rel=1e-9)
        assert 2.0 < bigger.forward_error / smaller.forward_error < 2.2
    assert abs(errors[-1].central_error) < abs(errors[-1].forward_error) / 10


def test_secants_default_is_the_slides_picture_and_takes_the_named_functions():
    s = secants()
    assert (s.function.formula, s.x, s.h) == ("f(x) = x³", 1.0, 0.5)
    assert (s.tangent, s.central, s.forward) == pytest.approx((3.0, 3.25, 4.75))
    np.testing.assert_allclose(s.curve_y, s.curve_x**3)
    assert s.curve_x[0] == pytest.approx(1 - 0.9) and s.curve_x[-1] == pytest.approx(1 + 0.9)
    quadratic = secants("quadratic", h=2.0)  # the course's function_1 at its own x = 5
    assert quadratic.x == 5.0
    assert quadratic.central == pytest.approx(quadratic.tangent)  # no truncation error: f''' = 0
    assert quadratic.forward_error == pytest.approx(0.01 * 2.0)
    sine = secants("sin", 1.0, 0.5)
    assert sine.tangent == pytest.approx(np.cos(1.0))
    assert sine.central == pytest.approx((np.sin(1.5) - np.sin(0.5)) / 1.0)


@given(x=st.floats(0.2, 3))
def test_a_formulas_derivative_is_the_analytic_one_from_the_graph(x):
    f = function_from_formula("x**3 - 2*exp(x) + log(x)")
    assert f.f(np.array([x])) == pytest.approx([x**3 - 2 * np.exp(x) + np.log(x)])
    assert f.dfdx(x) == pytest.approx(3 * x * x - 2 * np.exp(x) + 1 / x, rel=1e-12)


def test_formulas_are_written_as_the_slides_write_them():
    assert function_from_formula("0.01*x**2 + 0.1*x").formula == "f(x) = 0.01x² + 0.1x"
    assert function_from_formula("x^3").formula == "f(x) = x³"
    assert function_from_formula("x*exp(x)").formula == "f(x) = x·exp(x)"
    assert function_from_formula("3").dfdx(1.0) == 0.0


def test_secants_refuse_bad_arguments():
    with pytest.raises(ValueError, match="unknown name 'y' at column 1; use x only"):
        secants("y**2")
    with pytest.raises(ValueError, match="attribute"):
        secants("x.real")
    with pytest.raises(ValueError, match="sum and mean are not elementwise"):
        secants("sum(x)")
    with pytest.raises(ValueError, match="h must be a positive number"):
        secants("x**3", 1.0, 0.0)
    with pytest.raises(ValueError, match="no finite value or derivative near x = 0"):
        secants("log(x)", 0.0, 0.5)
