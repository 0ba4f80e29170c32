"""The checks of functions, differentiation, layers and losses speak Japanese: titles, messages, causes, notes.

Each learner below has one planted bug (the classics of exercises 2_2 – 2_15); its check is run
live (``check(...)``, in the checking process and again in the grader) with the language set to
Japanese, and every line the check writes must be Japanese, apart from code, names and numbers.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from deepkiso.check import FAIL, NOTE, check
from deepkiso.i18n import _

# English words a sentence of ours would contain, outside code (y.shape[0], np.sum, dout are code).
_ENGLISH = re.compile(
    r"(?<![.\w])(the|is|are|of|to|should|must|with|and|not|was|has|have|expected|received|shape|wrong|"
    r"returned|batch|sample|changed|after|for|at|divided|sum|summed|over|first|became|likely|"
    r"matches|gradient|numerical|leaves|unchanged|caller|uses|instead|difference|works|too)(?![\w(\[])"
)


def _lines(r) -> list[str]:
    return [
        text
        for text in (_(r.title), r.message, r.expected, r.received, r.cause, _(r.note_reason))
        if text
    ]


def _assert_japanese(r) -> None:
    for line in _lines(r):
        # What the learner's code raised is its own text (numpy's "index 2 is out of bounds …").
        line = re.sub(r"(が発生しました: ).*?(?=\)。|$)", r"\1", line)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", line) or not re.search(
            r"[a-z]{3,} [a-z]{3,}", line
        ), f"{r.id}: {line!r} has no Japanese"
        english = _ENGLISH.findall(line)
        assert not english, f"{r.id}: English words {english} left in {line!r}"


def _result(report, check_id: str):
    [r] = [r for r in report.results if r.id == check_id]
    _assert_japanese(r)
    return r


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout  # the planted bug: no sum over the batch
        dx = dout @ self.W.T
        dout[0, 0] = 0.0  # and a second one: it writes into the caller's dout
        return dx


def test_affine_db_not_summed_is_told_in_japanese(japanese):
    report = check(Affine, only=["Affine.backward_db", "Affine.unchanged"])
    r = _result(report, "Affine.backward_db")
    assert r.status == FAIL
    assert _(r.title) == "backward: db = dout のバッチ方向の和"
    assert r.message == "db (self.db) の形状が (5, 3) です。期待される形状は (3,) です"
    assert r.expected.startswith("形状 (3,): [") and r.received.startswith("形状 (5, 3): [")
    assert r.cause == (
        "db の形状が (5, 3) です。(3,) のはずです。dout をバッチの軸 (axis=0) で合計してください。"
    )
    assert r.location.endswith("self.db = dout  # the planted bug: no sum over the batch")

    r = _result(report, "Affine.unchanged")
    assert r.status == FAIL
    assert r.message.startswith("呼び出し側の dout (forward と backward の後) が書き換えられました")
    assert r.cause.startswith("レイヤが dout に書き込んでいます。")
    # The line that writes into dout, as in English.
    assert r.location.endswith(
        "dout[0, 0] = 0.0  # and a second one: it writes into the caller's dout"
    )


def test_affine_unchanged_points_at_the_same_line_in_english():
    r = next(r for r in check(Affine, only=["Affine.unchanged"]).results)
    assert r.message.startswith("the caller's dout after forward and backward was changed")
    assert r.location.endswith(
        "dout[0, 0] = 0.0  # and a second one: it writes into the caller's dout"
    )


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        x[self.mask] = 0  # the planted bug: in place
        return x

    def backward(self, dout):
        return dout  # the planted bug: ignores the mask... and so the local derivative


def test_relu_in_place_and_a_wrong_backward_in_japanese(japanese):
    report = check(Relu, only=["Relu.input_unchanged", "Relu.backward_online"])
    r = _result(report, "Relu.input_unchanged")
    assert r.status == FAIL
    assert _(r.title) == "forward が呼び出し側の x を変更しない"
    assert r.message.startswith(
        "呼び出し側の x (forward(x) の後) が書き換えられました (最初の違いは "
    )
    assert r.cause.startswith(
        "forward が呼び出し側の x の x <= 0 の要素をその場で 0 にしています。"
    )
    assert r.location.endswith("x[self.mask] = 0  # the planted bug: in place")
    r = _result(report, "Relu.backward_online")
    assert r.status == FAIL
    assert r.message.startswith("backward(dout) (形状 (5,) の 1 サンプル) が違います (位置 (")
    assert "期待値 " in r.message and "、実際の値 " in r.message


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t = t
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = e / e.sum(axis=1, keepdims=True)
        return -np.sum(t * np.log(self.y + 1e-7)) / len(x)

    def backward(self, dout=1):
        return (self.y - self.t) * dout  # the planted bug: not divided by the batch size


def test_softmax_with_loss_not_divided_by_n_in_japanese(japanese):
    report = check(SoftmaxWithLoss, only=["SoftmaxWithLoss.backward", "SoftmaxWithLoss.one_sample"])
    r = _result(report, "SoftmaxWithLoss.backward")
    assert r.status == FAIL
    assert _(r.title) == "backward: dx = (y - t) / N が数値微分の勾配と一致"
    assert r.cause == "dx をバッチサイズで割っていません。dx = (y - t) / N (N = 4) です。"
    r = _result(report, "SoftmaxWithLoss.one_sample")  # not asked for: a note, with its reason
    assert r.status == NOTE
    assert _(r.note_reason).startswith("2_15 はバッチを扱います。")


def numerical_diff(f, x):
    h = 1e-4
    return (f(x + h) - f(x)) / h  # the planted bug: a forward difference


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        fx = f(x)
        x[idx] = tmp_val + h
        grad[idx] = (f(x) - fx) / h  # the planted bug: a forward difference
        x[idx] = tmp_val
    return grad


def test_forward_differences_are_told_in_japanese(japanese):
    report = check(
        numerical_diff,
        numerical_gradient,
        only=[
            "numerical_diff.central",
            "numerical_gradient.values_1d",
            "numerical_gradient.values_2d",
        ],
    )
    r = _result(report, "numerical_diff.central")
    assert r.status == FAIL
    assert _(r.title) == "中心差分 (f(x + h) - f(x - h)) / 2h の使用"
    assert "これは前進差分で、誤差は O(h) です。" in r.message
    assert r.cause == "演習のとおり、中心差分 (f(x + h) - f(x - h)) / (2 * h) を使ってください。"
    r = _result(report, "numerical_gradient.values_1d")
    assert r.status == FAIL
    assert r.cause.startswith("f を x そのもので評価しています。これは前進差分で")
    r = _result(report, "numerical_gradient.values_2d")  # the 1-D version of 2_4: a note
    assert r.status == NOTE
    assert r.message.startswith("numerical_gradient は演習 2_4 の 1 次元版です (2 次元配列では ")
    assert r.cause.startswith("2_5 では、np.nditer(x, flags=['multi_index']) などで")


def softmax(x):
    x -= np.max(x)  # the planted bug: in place, and one maximum for the whole batch
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    return -np.sum(t * np.log(y))  # the planted bugs: no delta, no division by N


def test_softmax_and_cross_entropy_in_japanese(japanese):
    report = check(softmax, cross_entropy_error)
    r = _result(report, "softmax.extremes")
    assert r.status == FAIL
    assert r.message.startswith("softmax(x) (x = [[1000.0, 0.0, -1000.0], ") and r.message.endswith(
        ") に inf か nan が含まれています"
    )
    assert r.cause.startswith("バッチ全体で 1 つの最大値を使っています。")
    r = _result(report, "softmax.input_unchanged")
    assert r.message.startswith("呼び出し側の x (softmax(x) の後) が書き換えられました")
    r = _result(report, "cross_entropy_error.batch")
    assert r.cause.startswith("バッチ全体で合計したまま、バッチサイズ N = 4 で割っていません。")
    r = _result(report, "cross_entropy_error.extremes")
    assert r.message == "cross_entropy_error(y, t) (y = [1, 0, 0]、t = [0, 1, 0]) が nan です"
    for r in report.results:  # every line of every check of theirs, failed or not
        _assert_japanese(r)


_SUBJECTS = {
    "sigmoid",
    "relu",
    "softmax",
    "cross_entropy_error",
    "sum_squared_error",
    "numerical_diff",
    "numerical_gradient",
    "gradient_descent",
    "AddLayer",
    "MulLayer",
    "Relu",
    "Sigmoid",
    "Tanh",
    "Affine",
    "SoftmaxWithLoss",
    "SquaredError",
}


@pytest.mark.parametrize("bugs", ["BUGS_A", "BUGS_B", None])
def test_the_planted_bugs_of_the_course_file_are_told_in_japanese(japanese, learner_dir, bugs):
    """The conftest's files (every planted bug of these names, and the course's own code's notes)."""
    from deepkiso.check import check_file
    from deepkiso.check.registry import all_checks

    from . import conftest

    source = conftest.plant(getattr(conftest, bugs)) if bugs else conftest.COURSE
    report = check_file(conftest.write(learner_dir, f"ja_{bugs or 'course'}.py", source))
    ours = {c.id for c in all_checks() if c.subject in _SUBJECTS}
    mine = [r for r in report.results if r.id in ours]  # not the worker's own lines (.conventions)
    assert {r.subject for r in mine} == _SUBJECTS - {"SquaredError", "Tanh"}
    assert any(r.status == FAIL for r in mine) if bugs else any(r.status == NOTE for r in mine)
    for r in mine:
        _assert_japanese(r)
