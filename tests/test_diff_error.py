"""Tests of deepkiso.diff_error: difference quotients in float32/float64, the V-shaped error, gradient timing."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepkiso.diff_error import (
    SCALAR_FUNCTIONS,
    difference_errors,
    difference_quotient,
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
