"""The training checks: the update in place and a loop that lowers the loss (exercises 2_1, 2_9, 2_10, 2_18)."""

from deepkiso.check import FAIL, NOTE, PASS, SKIP


def test_an_update_that_rebinds_the_arrays_is_a_note(bugs_b_report, result):
    assert result(bugs_b_report, "SGD.update").status == PASS
    r = result(bugs_b_report, "SGD.in_place")
    assert r.status == NOTE
    assert r.cause.startswith(
        "params[key] = params[key] - lr * grads[key] puts a new array in the dict"
    )


def test_a_loop_that_never_updates_fails_with_that_cause(bugs_b_report, result):
    r = result(bugs_b_report, "train.loss_falls")
    assert (r.status, r.exercise) == (FAIL, "2_10")
    assert (
        r.cause
        == "the parameters never changed: update network.params[key] -= learning_rate * grad[key]"
    )


def test_sampling_with_replacement_breaks_the_epoch_law(learner_file):
    from deepkiso.check import check_file

    path = learner_file(
        "mb.py",
        """\
import numpy as np

def minibatches(x, t, batch_size):
    for _ in range(len(x) // batch_size + 1):
        batch = np.random.choice(len(x), batch_size)
        yield x[batch], t[batch]
""",
    )
    report = check_file(path, only=["minibatches"])
    r = report.results[0]
    assert (r.id, r.status) == ("minibatches.one_epoch", FAIL)
    assert r.cause.startswith("that is sampling with replacement (復元抽出)")
    assert {x.id: x.status for x in report.results[1:]} == {
        "minibatches.pairs": PASS,
        "minibatches.batch_sizes": PASS,
        "minibatches.shuffles": PASS,
        "minibatches.with_replacement": SKIP,
    }
