"""The numerical differentiation checks: the central difference, x restored, descent (exercises 2_2 – 2_5)."""

from deepkiso.check import FAIL, NOTE, PASS


def test_a_forward_difference_numerical_diff_fails_the_central_check_with_its_error(
    bugs_a_report, result
):
    r = result(bugs_a_report, "numerical_diff.central")
    assert (r.status, r.exercise) == (FAIL, "2_2")
    assert r.message.startswith(
        "numerical_diff evaluates f at x and x + h: that is the forward difference"
    )
    assert "off by 3.0e-04; the central difference with the same h is off by 1.0e-08" in r.message
    assert r.received == "f evaluated at [1.0, 1.0001]"
    # It still approximates the derivative: only the method is wrong.
    assert result(bugs_a_report, "numerical_diff.values").status == PASS


def test_a_numerical_gradient_that_leaves_x_perturbed_fails_and_says_how_to_restore_it(
    bugs_a_report, result
):
    r = result(bugs_a_report, "numerical_gradient.restores_x")
    assert (r.status, r.exercise) == (FAIL, "2_4")
    assert (
        r.message == "x after numerical_gradient(f, x) was changed (first at (0,): 3 became 2.9999)"
    )
    assert r.cause.endswith("put the original value back (x[idx] = tmp_val)")


def test_a_descent_that_adds_the_gradient_is_told_it_moves_uphill(bugs_b_report, result):
    r = result(bugs_b_report, "gradient_descent.one_step")
    assert r.status == FAIL
    assert r.cause == "moves uphill: the update is x = x - lr * grad (minus)"


def test_changing_init_x_is_a_note(course_report, result):
    r = result(course_report, "gradient_descent.init_x_unchanged")
    assert r.status == NOTE
    assert r.cause.startswith("x = init_x does not copy")


def test_a_numerical_gradient_on_copies_is_a_note_for_the_nets(learner_file):
    from deepkiso.check import check_file

    path = learner_file(
        "copies.py",
        """\
import numpy as np

def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (f(up) - f(down)) / (2 * h)
    return grad
""",
    )
    report = check_file(path, only=["numerical_gradient"])
    statuses = {r.id: r.status for r in report.results}
    assert statuses == {
        "numerical_gradient.values_1d": PASS,
        "numerical_gradient.values_2d": PASS,
        "numerical_gradient.restores_x": PASS,
        "numerical_gradient.whole_array": NOTE,
    }
    note = report.results[-1]
    assert note.cause.startswith(
        "perturbs a copy of x, so an f that reads the original array sees no change"
    )
    assert report.exit_code == 0
