"""The layer checks catch the classic backprop bugs, each with its cause (exercises 2_12 – 2_15)."""

from deepkiso.check import FAIL, NOTE, PASS


def test_forgetting_the_batch_sum_in_db_fails_with_the_shape_and_the_fix(bugs_a_report, result):
    r = result(bugs_a_report, "Affine.backward_db")
    assert (r.status, r.exercise) == (FAIL, "2_14")
    assert r.message == "db (self.db) has shape (5, 3); expected (3,)"
    assert r.expected.startswith("shape (3,): [") and r.received.startswith("shape (5, 3): [")
    assert (
        r.cause == "db has shape (5, 3); it should be (3,): sum dout over the batch axis (axis=0)"
    )


def test_transposing_w_in_dx_fails_with_the_missing_transpose_and_the_line(bugs_b_report, result):
    r = result(bugs_b_report, "Affine.backward_dx")
    assert r.status == FAIL
    assert r.message.startswith("raised ValueError: shapes (5,3) and (4,3) not aligned")
    assert r.cause == "dx = dout · W: W must be transposed, dx = dout · Wᵀ (np.dot(dout, self.W.T))"
    assert r.location == "bugs_b.py, line 169: dx = np.dot(dout, self.W)"


def test_ignoring_dout_fails_the_numerical_gradient_and_the_scaling_checks(
    bugs_a_report, bugs_b_report, result
):
    for report, subject in ((bugs_a_report, "Sigmoid"), (bugs_b_report, "Relu")):
        for check in ("backward_online", "batch", "scales_with_dout"):
            r = result(report, f"{subject}.{check}")
            assert r.status == FAIL, r
            assert r.cause.startswith(
                "backward ignores dout: multiply the local derivative by dout"
            ), r


def test_an_in_place_relu_fails_because_it_zeroes_the_callers_array(bugs_a_report, result):
    r = result(bugs_a_report, "Relu.input_unchanged")
    assert r.status == FAIL
    assert r.message.startswith("the caller's x after forward(x) was changed (first at (1, 0): ")
    assert r.message.endswith("became 0)")
    assert r.cause.startswith("forward set the caller's x to 0 where x <= 0 (in place)")
    # Its gradients are still right: only the side effect is wrong.
    assert result(bugs_a_report, "Relu.batch").status == PASS


def test_dividing_the_loss_twice_by_n_fails_with_that_cause(bugs_a_report, result):
    r = result(bugs_a_report, "SoftmaxWithLoss.forward_batch")
    assert r.status == FAIL
    assert r.cause == "the loss is divided by the batch size N twice"


def test_a_softmax_without_the_max_shift_overflows_at_1000(bugs_a_report, result):
    r = result(bugs_a_report, "SoftmaxWithLoss.extremes")
    assert r.status == FAIL
    assert r.message == "the loss or dx is not finite at scores of ±1000"
    assert r.cause.startswith(
        "exp(1000) overflows to inf, and inf / inf is nan: subtract the maximum first"
    )


def test_not_swapping_the_inputs_of_the_multiply_node_fails_on_numbers_and_batches(
    bugs_b_report, result
):
    for check in ("MulLayer.backward_scalars", "MulLayer.batch"):
        r = result(bugs_b_report, check)
        assert (r.status, r.cause) == (
            FAIL,
            "the inputs must swap: dx = dout · y and dy = dout · x",
        )
    assert (
        result(bugs_b_report, "MulLayer.backward_scalars").message
        == "dx of backward(1.5) after forward(100, 2) is wrong: expected 3, received 150"
    )


def test_what_the_exercise_does_not_ask_for_is_a_note_with_its_reason(course_report, result):
    r = result(course_report, "SoftmaxWithLoss.one_sample")
    assert r.status == NOTE
    assert r.cause.startswith(
        "dx is divided by t.shape[0], which for one 1-D sample is the number of classes (3)"
    )
    assert r.note_reason.startswith("2_15 works on batches")
    r = result(course_report, "Affine.one_sample")
    assert r.status == NOTE and r.location.startswith("course.py, line ")
