"""The nets', training and class-grading checks in Japanese: learners' planted mistakes, told in the course's terms.

Each test grades a small learner-style object with set_language("ja") and reads the lines the
checks wrote (message, expected, received, likely cause): they are Japanese, and no English
sentence is left in them (code such as W1, np.random.permutation(N) or lr = 0.1 stays).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from deepkiso.check import FAIL, NOTE, PASS, SKIP, check
from deepkiso.check.batch import Row, summary_table
from deepkiso.check.net_models import MODELS
from deepkiso.i18n import catalog, set_language

_FUNCTION_WORDS = {
    "the",
    "is",
    "are",
    "was",
    "of",
    "and",
    "not",
    "with",
    "has",
    "to",
    "in",
    "by",
    "for",
    "from",
    "does",
    "did",
    "no",
    "at",
    "it",
    "its",
    "one",
    "each",
    "every",
    "gives",
    "returns",
    "returned",
    "after",
    "times",
}
_WORD_PAIR = re.compile(r"(?=\b([A-Za-z]{2,}) ([A-Za-z]{2,})\b)")


def english_left(text: str) -> list[str]:
    """The pairs of English words in text that read as a sentence ("is wrong", "the loss")."""
    return [
        f"{a} {b}"
        for a, b in _WORD_PAIR.findall(text)
        if a.lower() in _FUNCTION_WORDS or b.lower() in _FUNCTION_WORDS
    ]


def assert_japanese(*texts: str) -> None:
    for text in texts:
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), f"not Japanese: {text!r}"
        assert not english_left(text), f"English left in {text!r}: {english_left(text)}"


def results(*objects, only: list[str]) -> dict:
    return {r.id: r for r in check(*objects, only=only).results}


# --------------------------------------------------------------------------- learners' code


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class TwoLayerNet:
    """A learner's net whose backward pass forgets to divide by the batch size N."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def predict(self, x):
        z1 = _sigmoid(x @ self.params["W1"] + self.params["b1"])
        return _softmax(z1 @ self.params["W2"] + self.params["b2"])

    def loss(self, x, t):
        y = self.predict(x)
        return -np.sum(t * np.log(y + 1e-7)) / x.shape[0]

    def numerical_gradient(self, x, t):
        grads = {}
        for key, param in self.params.items():
            grad = np.zeros_like(param)
            for idx in np.ndindex(param.shape):
                tmp_val = param[idx]
                param[idx] = tmp_val + 1e-4
                fxh1 = self.loss(x, t)
                param[idx] = tmp_val - 1e-4
                fxh2 = self.loss(x, t)
                grad[idx] = (fxh1 - fxh2) / 2e-4
                param[idx] = tmp_val
            grads[key] = grad
        return grads

    def gradient(self, x, t):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        a1 = x @ W1 + b1
        z1 = _sigmoid(a1)
        y = _softmax(z1 @ W2 + b2)
        dy = y - t  # the planted bug: no / batch_num
        grads = {"W2": z1.T @ dy, "b2": dy.sum(axis=0)}
        da1 = (dy @ W2.T) * z1 * (1 - z1)
        grads["W1"], grads["b1"] = x.T @ da1, da1.sum(axis=0)
        return grads


def minibatches(x, t, batch_size):
    """One epoch of mini-batches, drawn with replacement where the exercise wants without."""
    for _batch in range(-(-len(x) // batch_size)):
        batch_mask = np.random.choice(len(x), batch_size)
        yield x[batch_mask], t[batch_mask]


def train(network, x_train, t_train, learning_rate=0.1, batch_size=10, iters_num=30):
    """A training loop that computes the gradient and never updates the parameters."""
    for _step in range(iters_num):
        batch_mask = np.random.choice(len(x_train), batch_size)
        network.gradient(x_train[batch_mask], t_train[batch_mask])


class SGD:
    """An update with the sign turned: it climbs the loss."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] += self.lr * grads[key]


# --------------------------------------------------------------------------- the tests


def test_a_gradient_that_forgets_the_batch_mean_is_told_in_japanese(japanese):
    found = results(TwoLayerNet, only=["TwoLayerNet.gradient", "TwoLayerNet.gradients_agree"])
    gradient = found["TwoLayerNet.gradient"]
    assert gradient.status == FAIL
    assert gradient.cause == (
        "gradient(x, t) が loss(x, t) の勾配の N = 5 倍です。損失と逆伝播とで、バッチサイズで割るかどうかが"
        "食い違っています (どちらも 1 回だけ割るようにそろえてください)。"
    )
    assert_japanese(gradient.cause)
    agree = found["TwoLayerNet.gradients_agree"]
    assert agree.status == FAIL
    assert re.fullmatch(r"W1: \|backprop - numerical\| の平均が \S+ です。", agree.message)
    assert agree.cause == (
        "間違っているのは gradient (誤差逆伝播法) です。numerical_gradient は参照と一致します。"
    )
    assert_japanese(agree.message, agree.cause)
    # Titles stay English in the Result (the report shows them translated): the catalog has them.
    assert catalog("ja")[agree.title] == "numerical_gradient と gradient の一致 (勾配確認)"


def test_the_gradient_check_passes_with_its_relative_errors_in_japanese(japanese):
    class TwoLayerNet_(TwoLayerNet):
        def gradient(self, x, t):
            return {k: g / x.shape[0] for k, g in super().gradient(x, t).items()}

    TwoLayerNet_.__name__ = "TwoLayerNet"
    agree = results(TwoLayerNet_, only=["TwoLayerNet.gradients_agree"])[
        "TwoLayerNet.gradients_agree"
    ]
    assert agree.status == PASS
    assert agree.message.startswith("相対誤差 max |a - n| / max(|a| + |n|): W1 ")
    reference = results(TwoLayerNet_, only=["TwoLayerNet.reference"])["TwoLayerNet.reference"]
    assert reference.message == (
        "認識したネットワーク: sigmoid の隠れ層、softmax の出力と交差エントロピー誤差 "
        "(predict は softmax(a2) を返す)。predict と loss は、同じ重みの deepkiso の参照ネットワークと"
        "一致します。"
    )
    assert_japanese(reference.message)


def test_a_net_without_its_hidden_activation_names_the_mistake_in_japanese(japanese):
    class TwoLayerNet_(TwoLayerNet):
        def predict(self, x):
            a1 = x @ self.params["W1"] + self.params["b1"]
            z1 = a1
            return _softmax(z1 @ self.params["W2"] + self.params["b2"])

    TwoLayerNet_.__name__ = "TwoLayerNet"
    r = results(TwoLayerNet_, only=["TwoLayerNet.reference"])["TwoLayerNet.reference"]
    assert r.status == FAIL
    assert r.message == (
        "チェックの重みでは、TwoLayerNet は次のネットワークと同じ計算をしています: "
        "隠れ層の活性化関数なし、softmax の出力と交差エントロピー誤差 (predict は softmax(a2) を返す)"
    )
    assert r.cause.startswith("predict が、隠れ層の活性化関数のないネットワークと一致します。")
    assert r.location.endswith("z1 = a1")  # the same line as in English
    assert_japanese(r.message, r.cause)


def test_every_wrong_model_has_its_cause_in_japanese_with_the_activation_put_in(japanese):
    for model in (m for m in MODELS if m.wrong):
        assert_japanese(model.cause())
        assert "{" not in model.cause()
    last = next(m for m in MODELS if m.order == "activation last" and m.hidden == "relu")
    assert "最後の Affine の後にも relu を適用しています" in last.cause()
    set_language("en")
    assert last.cause().startswith("wrong layer order: relu is applied after the last Affine too")


def test_sampling_with_replacement_in_one_epoch_is_told_as_復元抽出(japanese):
    found = results(minibatches, only=["minibatches"])
    epoch = found["minibatches.one_epoch"]
    assert epoch.status == FAIL
    assert re.fullmatch(
        r"5 個のバッチからなる 1 エポックで、サンプル \d+ が \d+ 回出てきます。", epoch.message
    )
    assert epoch.expected == "23 個のサンプルがそれぞれ 1 エポックに高々 1 回"
    assert re.fullmatch(r"\d+ 個のサンプルが重複", epoch.received)
    assert epoch.cause == (
        "これは復元抽出です。エポックごとに 1 回インデックスをシャッフルし (np.random.permutation(N))、"
        "それを区切ってバッチにしてください。"
    )
    assert_japanese(epoch.message, epoch.expected, epoch.received, epoch.cause)
    skipped = found["minibatches.with_replacement"]
    assert skipped.status == SKIP
    # The report folds skips by this English prefix and never shows it; the reason is Japanese.
    reason = skipped.message.removeprefix("not graded: ")
    assert reason == (
        "minibatches には replace オプションがありません "
        "(復元抽出を行う別の関数は minibatches_with_replacement として採点します)"
    )
    assert_japanese(reason)
    assert {found[i].status for i in ("minibatches.pairs", "minibatches.batch_sizes")} == {PASS}


def test_a_sampler_without_replacement_where_draws_should_repeat_is_told_as_非復元抽出(japanese):
    def minibatches_with_replacement(x, t, batch_size):
        order = np.random.permutation(len(x))
        for start in range(0, len(x), batch_size):
            yield x[order[start : start + batch_size]], t[order[start : start + batch_size]]

    r = results(minibatches_with_replacement, only=["minibatches_with_replacement.draws"])[
        "minibatches_with_replacement.draws"
    ]
    assert r.status == FAIL
    assert r.message == "23 個のサンプルからの最初の 20 回の抽出で、重複するサンプルがありません。"
    assert (r.expected, r.received) == ("サンプルが重複する、独立な抽出", "どのサンプルも高々 1 回")
    assert r.cause.startswith("これは非復元抽出です。")
    assert_japanese(r.message, r.expected, r.received, r.cause)


def test_a_training_loop_without_the_parameter_update_is_told_in_japanese(japanese):
    r = results(train, only=["train.loss_falls"])["train.loss_falls"]
    assert r.status == FAIL
    assert re.fullmatch(r"損失が \S+ から \S+ になりました。", r.message)
    assert r.expected.endswith(" 未満")
    assert r.cause == (
        "パラメータが一度も変わっていません。network.params[key] -= learning_rate * grad[key] で"
        "パラメータ更新をしてください。"
    )
    assert_japanese(r.message, r.expected, r.cause)
    uses = results(train, only=["train.uses_backprop"])["train.uses_backprop"]
    assert uses.status == PASS


def test_an_update_that_climbs_is_told_in_japanese(japanese):
    found = results(SGD, only=["SGD"])
    update = found["SGD.update"]
    assert update.status == FAIL
    assert update.cause == (
        "勾配を登る向きに動いています。パラメータ更新は W = W - lr * grad です (マイナス)。"
    )
    assert_japanese(update.cause)
    in_place = found["SGD.in_place"]  # += is in place, but climbs: a failure the note reports
    assert in_place.status == NOTE
    assert in_place.cause == ""  # the arrays were changed in place: not the rebinding's cause
    assert catalog("ja")[in_place.note_reason].startswith(
        "レイヤがパラメータの配列を持つようになると (2_16, 2_18) 問題になります。"
    )


def test_a_simple_net_whose_numerical_gradient_perturbs_a_copy_is_told_in_japanese(japanese):
    class SimpleNet:
        def __init__(self):
            self.W = np.random.randn(2, 3)

        def predict(self, x):
            return x @ self.W

        def loss(self, x, t):
            y = _softmax(self.predict(x).reshape(1, -1))
            return -np.sum(t * np.log(y + 1e-7))

        def numerical_gradient(self, x, t):
            W = self.W.copy()  # the planted bug: loss never reads this copy
            grad = np.zeros_like(W)
            for idx in np.ndindex(W.shape):
                tmp_val = W[idx]
                W[idx] = tmp_val + 1e-4
                fxh1 = self.loss(x, t)
                W[idx] = tmp_val - 1e-4
                fxh2 = self.loss(x, t)
                grad[idx] = (fxh1 - fxh2) / 2e-4
                W[idx] = tmp_val
            return grad

    found = results(SimpleNet, only=["SimpleNet"])
    assert found["SimpleNet.predict"].status == PASS
    r = found["SimpleNet.gradient"]
    assert r.status == FAIL
    assert r.cause == (
        "勾配がすべて 0 です。numerical_gradient が動かしているのは W のコピーで、loss はそれを読みません。"
        "W そのものをその場で動かし、元に戻してください。"
    )
    assert_japanese(r.cause)


def test_the_class_summary_is_in_japanese_and_aligned_by_display_width(japanese):
    rows = [
        Row("alice", "Affine.forward_batch", "2_14", PASS, ""),
        Row("bob", "Affine.forward_batch", "2_14", FAIL, "…"),
    ]
    header, line = summary_table(rows).splitlines()
    assert header.split() == ["演習", "受講者", "合格", "不合格", "未採点"]
    set_language("en")
    english_header, english_line = summary_table(rows).splitlines()
    assert english_header.split() == ["exercise", "learners", "passed", "failed", "skipped"]
    assert line == english_line == "2_14              2       1       1        0"

    def columns(text: str) -> int:
        return sum(2 if re.match(r"[\u3040-\u30ff\u4e00-\u9fff]", c) else 1 for c in text)

    assert columns(header) == len(english_header) == len(line)


def test_every_title_and_limitation_of_these_checks_has_its_japanese():
    from deepkiso.check.registry import all_checks

    subjects = {"SimpleNet", "TwoLayerNet", "minibatches", "minibatches_with_replacement", "SGD"}
    mine = [c for c in all_checks() if c.subject in subjects | {"train"}]
    assert len(mine) == 24
    japanese = catalog("ja")
    for c in mine:
        if c.title != "predict(x) = x · W":  # code alone, the same in both languages
            assert_japanese(japanese[c.title])
        if c.limitation:
            assert_japanese(japanese[c.limitation])


def test_a_class_folder_that_is_missing_or_empty_is_told_in_japanese(japanese, tmp_path):
    from deepkiso.check.batch import submissions

    with pytest.raises(FileNotFoundError) as missing:
        submissions(tmp_path / "none")
    assert str(missing.value).endswith(
        "none: そのようなフォルダはありません (--class には提出物のフォルダを指定します)"
    )
    with pytest.raises(ValueError, match="このフォルダには提出物がありません"):
        submissions(tmp_path)
