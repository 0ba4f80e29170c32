"""The library's errors in Japanese: what a learner reads in a traceback's last line, values intact."""

from __future__ import annotations

import errno
import re

import numpy as np
import pytest

from deepkiso.data import load_dataset, make_sampler
from deepkiso.data.idx import read_idx, write_idx
from deepkiso.errors import os_error_line
from deepkiso.gradcheck import gradient_check
from deepkiso.layers import Affine
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import SGD, Adam
from deepkiso.training.checkpoints import checkpoint_layout, load_checkpoint, save_checkpoint
from deepkiso.training.state_checks import state_problems


def test_a_wrong_input_shape_to_affine_is_told_in_japanese_with_its_shapes(japanese):
    layer = Affine(np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(ValueError) as info:
        layer.forward(np.zeros((2, 5)))
    message = str(info.value)
    assert message.startswith("Affine: 入力の形状は (N, 4) ")
    assert "d1·d2·… = 4" in message and "形状 (2, 5) が渡されました" in message


def test_a_wrong_parameter_shape_to_affine_names_both_shapes(japanese):
    with pytest.raises(ValueError, match=re.escape("(4, 3) と (4,) が渡されました")):
        Affine(np.zeros((4, 3)), np.zeros(4))


def test_an_unknown_data_set_is_told_in_japanese_with_the_choices(japanese):
    with pytest.raises(ValueError) as info:
        load_dataset("mnits")
    message = str(info.value)
    assert message.startswith("データセット 'mnits' はありません。次から選んでください: [")
    assert "'digits'" in message and "'mnist'" in message


def test_a_corrupt_idx_file_is_told_in_japanese_naming_the_file(japanese, tmp_path):
    path = tmp_path / "bad-images-idx3-ubyte"
    path.write_bytes(b"\x01\x02\x08\x03" + bytes(12))
    with pytest.raises(ValueError) as info:
        read_idx(path)
    assert str(info.value) == (
        f"{path}: マジックナンバー 0x01020803 が不正です "
        "(IDX ファイルは 0x0000 で始まり、型コード、次元数が続きます)"
    )


def test_a_truncated_idx_file_keeps_its_numbers(japanese, tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(path, np.arange(10, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError) as info:
        read_idx(path)
    message = str(info.value)
    assert message.startswith(f"{path}: 途中で切れています (")
    assert "形状 (10,) を宣言しており 18 バイトのはずですが、15 バイトでした" in message


@pytest.mark.parametrize(
    "call, expected",
    [
        (
            lambda: make_sampler("shufle", n_samples=10, batch_size=2),
            "サンプラー 'shufle' はありません。次から選んでください: [",
        ),
        (
            lambda: make_sampler("shuffle", n_samples=10, batch_size=0),
            "batch_size は正の整数にしてください (渡された値: 0)",
        ),
        (
            lambda: make_sampler("shuffle", n_samples=10, batch_size=2, shuffle_every="twice"),
            "shuffle_every は 'epoch'、'once'、'never' または 1 以上の整数 k にしてください "
            "(渡された値: 'twice')",
        ),
        (
            lambda: make_sampler("stratified", n_samples=10, batch_size=2),
            "サンプラー 'stratified' にはラベル (10 個のサンプルのクラスラベル) が必要ですが、"
            "None が渡されました",
        ),
        (
            lambda: make_sampler("sequential", n_samples=3, batch_size=5, drop_last=True),
            "drop_last で batch_size 5 > n_samples 3 だと、1 エポックにバッチが一つも残りません",
        ),
    ],
)
def test_a_bad_sampler_argument_is_told_in_japanese(japanese, call, expected):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(expected)


def _saved_run(tmp_path, hidden):
    net = TwoLayerNet(6, hidden, 3, rng=0)
    optimizer = Adam(0.01)
    grads = {k: np.ones_like(p) for k, p in net.params.items()}
    optimizer.update(net.params, grads)
    state = {f"net/{k}": v for k, v in net.state_dict().items()}
    state.update({f"optimizer/{k}": v for k, v in optimizer.state_dict().items()})
    save_checkpoint(tmp_path, state)
    return net, optimizer


def test_a_checkpoint_of_another_net_cannot_be_resumed_and_says_so_in_japanese(japanese, tmp_path):
    _saved_run(tmp_path, hidden=4)
    other = TwoLayerNet(6, 5, 3, rng=0)
    with pytest.raises(ValueError) as info:
        load_checkpoint(tmp_path, checkpoint_layout(other, Adam(0.01)))
    message = str(info.value)
    assert "この実行のネットワークと最適化手法に合いません: " in message
    assert (
        "net/W1: 保存されているのは形状 (6, 4) の float32 ですが、形状 (6, 5) の float32 のはずです"
        in message
    )


def test_why_a_state_cannot_be_resumed_is_told_field_by_field_in_japanese(japanese):
    net, optimizer = TwoLayerNet(6, 4, 3, rng=0), SGD(0.1)
    state = {
        "epoch": -1,
        "iteration": 0,
    }
    assert state_problems(state, net, optimizer) == ["epoch: 0 以上の整数のはずですが、-1 でした"]
    state = {
        "epoch": 0,
        "iteration": 2,
        "history/epochs": [],
        "history/iteration_loss": np.array([0.5, np.nan]),
        "optimizer/lr": -0.1,
        "optimizer/iterations": 1,
        "sampler": {"epochs_done": 0, "batches_done": 2},
        **{f"net/{k}": v for k, v in net.params.items()},
    }
    assert state_problems(state, net, optimizer) == [
        "history/iteration_loss: 損失は有限のはずですが、有限でないものがあります",
        "optimizer/lr: 正の有限の数のはずですが、-0.1 でした",
        "optimizer/iterations: 2 (Trainer の値) のはずですが、1 でした",
    ]


def test_the_gradient_check_report_is_in_japanese_with_its_numbers(japanese):
    w = np.array([1.0, -2.0, 3.0])
    report = gradient_check(lambda: float(np.sum(w**2)), {"w": w}, {"w": 3 * w})
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("勾配確認 (full、float64、h=1e-05。")
    assert lines[1].split() == ["パラメータ", "形状", "比較数", "最大|a-n|", "最大相対", "結果"]
    assert lines[2].startswith("  w          (3,)                  3 ")
    assert "で不合格: 誤差逆伝播法 " in lines[2] and "、数値微分 " in lines[2]
    assert lines[-1] == "不合格: w"


def test_a_missing_file_is_told_in_japanese_naming_it(japanese):
    exc = FileNotFoundError(errno.ENOENT, "No such file or directory", "runs/a/settings.json")
    assert os_error_line(exc) == "runs/a/settings.json: そのようなファイルやフォルダはありません"


def test_english_stays_the_default():
    with pytest.raises(ValueError, match=r"^unknown data set 'mnits'; choose one of \["):
        load_dataset("mnits")
    exc = FileNotFoundError(errno.ENOENT, "No such file or directory", "x.json")
    assert os_error_line(exc) == "x.json: No such file or directory"
