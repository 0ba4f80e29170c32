"""The function checks: softmax at ±1000, cross-entropy's batch mean, side effects (exercises 2_7 – 2_12)."""

from deepkiso.check import FAIL, PASS


def test_softmax_without_the_max_shift_fails_at_1000_with_the_fix(bugs_a_report, result):
    r = result(bugs_a_report, "softmax.extremes")
    assert (r.status, r.exercise) == (FAIL, "2_7")
    assert r.message == "softmax(x) at x = [1000, 999, -1000] contains inf or nan"
    assert r.received == "shape (3,): [nan, nan, 0]"
    assert "x - np.max(x, axis=-1, keepdims=True)" in r.cause
    assert result(bugs_a_report, "softmax.values").status == PASS  # fine on ordinary inputs


def test_a_cross_entropy_summed_over_the_batch_fails_with_the_missing_division(
    bugs_b_report, result
):
    r = result(bugs_b_report, "cross_entropy_error.batch")
    assert r.status == FAIL
    assert (
        r.cause
        == "sums over the batch without dividing by the batch size N = 4: divide by y.shape[0]"
    )
    assert result(bugs_b_report, "cross_entropy_error.values").status == PASS  # one sample: N = 1


def test_a_cross_entropy_without_delta_is_infinite_where_y_is_zero(learner_file):
    from deepkiso.check import check_file

    path = learner_file(
        "ce.py",
        "import numpy as np\n\ndef cross_entropy_error(y, t):\n"
        "    return -np.sum(t * np.log(y)) / (y.shape[0] if y.ndim == 2 else 1)\n",
    )
    report = check_file(path, only=["cross_entropy_error.extremes"])
    [r] = report.results
    assert r.status == FAIL
    assert r.cause == "log(0) is -inf: add a tiny delta inside the log, np.log(y + 1e-7)"
