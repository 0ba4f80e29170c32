# Source of the notebook 2_9_update_weight_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_9 NN におけるパラメータ更新部分の実装
#
# 勾配が求まったら、勾配の逆向きに少しだけパラメータを動かします。これがパラメータ更新です。
# ミニバッチごとに勾配を求めて更新するのが確率的勾配降下法 (SGD) です。
#
# $$W \leftarrow W - \eta \frac{\partial L}{\partial W}$$
#
# $\eta$ は学習率です。

# %% [markdown] en
# # 2_9 The parameter update
#
# Once the gradient is known, each parameter moves a little against it: the parameter update.
# Computing the gradient on each mini-batch and updating is stochastic gradient descent (SGD):
#
# $$W \leftarrow W - \eta \frac{\partial L}{\partial W}$$
#
# with $\eta$ the learning rate.

# %%
import numpy as np
from IPython.display import display

from deepkiso.check import check
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")
np.random.seed(0)

# %% [markdown] ja
# ## SGD
#
# `SGD(lr=0.01)` の `update(params, grads)` を書きましょう。`params[key] -= self.lr * grads[key]` のように、
# 配列をその場で (in place) 書き換えます。`params[key] = params[key] - ...` では辞書に新しい配列が入るだけで、
# 同じ配列を持っているレイヤ (2_16 以降) には変化が伝わりません。

# %% [markdown] en
# ## SGD
#
# Write `update(params, grads)` of `SGD(lr=0.01)`. Change the arrays in place,
# `params[key] -= self.lr * grads[key]`: `params[key] = params[key] - ...` only puts a new array in
# the dict, and the layers that hold the old one (from 2_16 on) never see the change.


# %% exercise
class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        # >>> solution
        for key in params:
            # ja: その場で: レイヤも同じ配列を持っていて、新しい値を見る必要がある
            # en: in place on purpose: the layers hold these same arrays and must see the new values
            params[key] -= self.lr * grads[key]
        # <<< solution


# %% check
check(SGD)

# %% [markdown] ja
# ## SGD で学習する
#
# 手書き数字のデータセット `digits` (8×8 画素、訓練データ 1437 個) で、deepkiso の `TwoLayerNet` を
# ミニバッチ学習させます。勾配は `net.gradient` (誤差逆伝播法、2_16 で自分で書きます) で求めます。
# 数値微分でも同じ値になりますが、ずっと遅いからです。損失が下がり、正解率が上がっていくことを確かめましょう。

# %% [markdown] en
# ## Training with SGD
#
# Train deepkiso's `TwoLayerNet` by mini-batches on the handwritten digits `digits` (8×8 pixels,
# 1437 training samples). The gradient comes from `net.gradient` (backpropagation, which you write in
# 2_16): numerical differentiation gives the same values, much more slowly. Watch the loss fall
# and the accuracy rise.

# %% picture
from deepkiso import TwoLayerNet as ReferenceNet
from deepkiso.data import ShuffleSampler, iterate_minibatches, load_dataset
from deepkiso.plots.curves import learning_curve_figure
from deepkiso.training import History

(x_train, t_train), (x_test, t_test) = load_dataset("digits", one_hot=True)
net = ReferenceNet(64, 50, 10, rng=0)
optimizer = SGD(lr=0.5)
trial = {key: value.copy() for key, value in net.params.items()}
if implemented(optimizer.update, trial, net.gradient(x_train[:2], t_train[:2])):
    sampler = ShuffleSampler(len(x_train), batch_size=32, rng=0)
    history = History()
    for epoch in range(1, 11):
        for x_batch, t_batch in iterate_minibatches(x_train, t_train, sampler):
            history.iteration_loss.append(net.loss(x_batch, t_batch))
            optimizer.update(net.params, net.gradient(x_batch, t_batch))
        history.epochs.append(
            {
                "epoch": epoch,
                "iteration": len(history.iteration_loss),
                "train_loss": net.loss(x_train, t_train),
                "test_loss": net.loss(x_test, t_test),
                "train_accuracy": net.accuracy(x_train, t_train),
                "test_accuracy": net.accuracy(x_test, t_test),
            }
        )
    display(learning_curve_figure(history))
