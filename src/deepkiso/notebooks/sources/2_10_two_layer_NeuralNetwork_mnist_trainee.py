# Source of the notebook 2_10_two_layer_NeuralNetwork_mnist_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_10 2 層ニューラルネットワークの学習 (画像の分類)
#
# これまでに、ミニバッチを作る関数 (2_1)、勾配を求める関数 (2_4、2_5)、2 層ニューラルネットワーク (2_8)、パラメータ更新 (2_9) を実装しました。この演習ではそれらを組み合わせて、手書き数字の画像を分類する 2 層ニューラルネットワークを **ミニバッチ学習** で学習させ、学習が進むにつれて損失が小さくなっていくことを確かめます。

# %% [markdown] en
# # 2_10 Training a two-layer neural network (classifying images)
#
# So far you have written a mini-batch function (2_1), functions for the gradient (2_4, 2_5), a
# two-layer neural network (2_8) and the parameter update (2_9). This exercise puts them together:
# a two-layer network learns to classify images of handwritten digits by **mini-batch learning**,
# and you watch the loss fall as training goes on.

# %% [markdown] ja
# ## 学習の流れ
#
# 1 エポックの間、次の手順をミニバッチごとに繰り返します。
#
# 1. 訓練データからミニバッチ (バッチサイズ $B$ 個のデータ) を取り出す (非復元抽出)。
# 2. ミニバッチの損失 $L = \frac{1}{B} \sum_{n} L_n$ の勾配 $\frac{\partial L}{\partial W}$ を求める。
# 3. 確率的勾配降下法 (SGD) でパラメータを更新する。$\eta$ は学習率です。
#
# $$W \leftarrow W - \eta \frac{\partial L}{\partial W}$$
#
# 全部のミニバッチを 1 回ずつ使うと 1 エポックです。ここでは勾配を **数値微分** (`numerical_gradient`) で求めます。数値微分はパラメータの数だけ損失を計算し直すので遅く、ここでは小さなネットワーク (隠れ層 10 個) と、deepkiso に同梱の 8×8 画素の手書き数字 `digits` のうち 300 枚で学習します。2_18 では、同じ学習を誤差逆伝播法で速く行います。

# %% [markdown] en
# ## The training loop
#
# During one epoch, repeat for every mini-batch:
#
# 1. take a mini-batch of $B$ samples from the training data (without replacement);
# 2. compute the gradient $\frac{\partial L}{\partial W}$ of the mini-batch loss
#    $L = \frac{1}{B} \sum_{n} L_n$;
# 3. update the parameters by stochastic gradient descent (SGD), with the learning rate $\eta$:
#
# $$W \leftarrow W - \eta \frac{\partial L}{\partial W}$$
#
# Once every mini-batch has been used, one epoch is over. Here the gradient comes from **numerical
# differentiation** (`numerical_gradient`). It recomputes the loss twice per parameter, which is
# slow, so the network is small (10 hidden units) and learns from 300 of the 8×8-pixel handwritten
# digits that come with deepkiso (`digits`). In 2_18 the same training runs fast, with
# backpropagation.

# %%
import numpy as np
from IPython.display import display

from deepkiso.check import check
from deepkiso.data import load_dataset
from deepkiso.i18n import set_language
from deepkiso.nets import TwoLayerNet
from deepkiso.notebooks import implemented
from deepkiso.plots.curves import learning_curve_figure
from deepkiso.training import History

set_language("{{lang}}")

(x_train, t_train), (x_test, t_test) = load_dataset("digits")
print("x_train", x_train.shape, " t_train", t_train.shape, " x_test", x_test.shape)

# %% [markdown] ja
# ## 演習 1: ミニバッチを作る関数 (非復元抽出)
#
# 2_1 の復習です。データの番号をシャッフルし、先頭から `batch_size` 個ずつ切り出して `(x_batch, t_batch)` を順に返すジェネレータを書いてください (最後のミニバッチは小さくてもかまいません)。

# %% [markdown] en
# ## Exercise 1: a mini-batch function (without replacement)
#
# A reminder of 2_1: shuffle the sample indices, cut them into pieces of `batch_size` from the
# start, and yield `(x_batch, t_batch)` for each (the last mini-batch may be smaller).


# %% exercise
def minibatches(x, t, batch_size):
    # >>> solution
    order = np.random.permutation(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        yield x[index], t[index]
    # <<< solution


# %% check
check(minibatches)

# %% [markdown] ja
# ## 演習 2: 学習の関数
#
# `train(network, x, t, learning_rate, batch_size, epochs)` は、`epochs` エポックの間、ミニバッチごとに
#
# - そのミニバッチの損失 `network.loss(x_batch, t_batch)` を記録し (更新の前の値)、
# - 勾配 `grad = network.numerical_gradient(x_batch, t_batch)` を求め、
# - `network.params` の各パラメータ (`"W1"`, `"b1"`, `"W2"`, `"b2"`) を更新します。
#
# 戻り値は、記録した損失のリストです。パラメータは **その場で** (`-=`) 更新してください。新しい配列を `network.params[key]` に入れ直すと、ネットワークの中のレイヤが古い配列を使い続けることがあります。

# %% [markdown] en
# ## Exercise 2: the training function
#
# `train(network, x, t, learning_rate, batch_size, epochs)`, for `epochs` epochs and for every
# mini-batch:
#
# - records the mini-batch loss `network.loss(x_batch, t_batch)` (before the update),
# - computes the gradient `grad = network.numerical_gradient(x_batch, t_batch)`,
# - updates each parameter of `network.params` (`"W1"`, `"b1"`, `"W2"`, `"b2"`).
#
# It returns the list of recorded losses. Update the parameters **in place** (`-=`): a new array put
# into `network.params[key]` may leave the network's layers using the old one.


# %% exercise
def train(network, x, t, learning_rate=0.1, batch_size=10, epochs=1):
    losses = []
    # >>> solution
    for _epoch in range(epochs):
        for x_batch, t_batch in minibatches(x, t, batch_size):
            losses.append(network.loss(x_batch, t_batch))
            grad = network.numerical_gradient(x_batch, t_batch)
            for key in network.params:
                network.params[key] -= learning_rate * grad[key]
    # <<< solution
    return losses


# %% check
check(train, only=["2_10"])

# %% [markdown] ja
# ## 損失が小さくなることを確かめる
#
# 入力 64 (8×8 画素)、隠れ層 10、出力 10 (数字 0〜9) のネットワーク (deepkiso の `TwoLayerNet`) を、訓練データ 300 枚、バッチサイズ 30、学習率 0.5 で 4 エポック学習させます。エポックごとに訓練データとテストデータでの損失と正解率を測り、学習曲線を描きます (数秒かかります)。左の図はミニバッチごとの損失で、ミニバッチごとに目的関数が変わるためギザギザしながら下がっていきます。

# %% [markdown] en
# ## Watching the loss fall
#
# A network (deepkiso's `TwoLayerNet`) with 64 inputs (8×8 pixels), 10 hidden units and 10 outputs
# (the digits 0 to 9) learns from 300 training images, batch size 30, learning rate 0.5, for 4
# epochs. After each epoch the loss and the accuracy are measured on the training and the test
# data, and the learning curves are drawn (a few seconds). The left panel shows the loss of every
# mini-batch: it falls in a zigzag, since every mini-batch has its own objective function.

# %% picture
np.random.seed(0)
network = TwoLayerNet(64, 10, 10, weight_init_std=0.1, rng=0)
x_small, t_small = x_train[:300], t_train[:300]
history = History()
probe = TwoLayerNet(64, 10, 10, weight_init_std=0.1, rng=0)
if implemented(train, probe, x_small[:30], t_small[:30], 0.5, 30, 1):
    for epoch in range(1, 5):
        history.iteration_loss += train(
            network, x_small, t_small, learning_rate=0.5, batch_size=30, epochs=1
        )
        history.epochs.append(
            {
                "epoch": epoch,
                "iteration": len(history.iteration_loss),
                "train_loss": network.loss(x_small, t_small),
                "test_loss": network.loss(x_test, t_test),
                "train_accuracy": network.accuracy(x_small, t_small),
                "test_accuracy": network.accuracy(x_test, t_test),
            }
        )
    print("test accuracy:", round(history.epochs[-1]["test_accuracy"], 3))
    display(learning_curve_figure(history))

# %% [markdown] ja
# ## MNIST で学習する (時間がかかります)
#
# 次のセルは、MNIST (28×28 画素、訓練データ 60,000 枚) で同じ学習を行います。入力が 784 個になり、パラメータは約 8,000 個に増えるので、数値微分では 1 回の更新に 5〜10 秒かかります。ここでは最初の 2,000 枚で 1 エポック (20 回の更新) だけ学習します (数分かかります)。60,000 枚で 1 エポック学習すると 1 時間を超えます。MNIST のファイルが必要です (`deepkiso.data.load_mnist` がキャッシュなどから探します)。このセルは自動実行の対象外です。

# %% [markdown] en
# ## Training on MNIST (this takes a while)
#
# The next cell runs the same training on MNIST (28×28 pixels, 60,000 training images). With 784
# inputs the network has about 8,000 parameters, so one update by numerical differentiation takes 5
# to 10 seconds: the cell trains for one epoch (20 updates) on the first 2,000 images only, which
# takes a few minutes (one epoch of all 60,000 would take over an hour). It needs the MNIST files
# (`deepkiso.data.load_mnist` finds them, in the cache for example). Automatic runs of the notebook
# skip this cell.

# %% full-run
from deepkiso.data import load_mnist

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
network = TwoLayerNet(784, 10, 10, weight_init_std=0.1, rng=0)
losses = train(network, x_train[:2000], t_train[:2000], learning_rate=0.5, batch_size=100)
mnist_history = History(
    iteration_loss=losses,
    epochs=[
        {
            "epoch": 1,
            "iteration": len(losses),
            "train_loss": network.loss(x_train[:2000], t_train[:2000]),
            "test_loss": network.loss(x_test, t_test),
            "train_accuracy": network.accuracy(x_train[:2000], t_train[:2000]),
            "test_accuracy": network.accuracy(x_test, t_test),
        }
    ],
)
learning_curve_figure(mnist_history)

# %% [markdown] ja
# ## 考えてみよう
#
# - 学習率を 0.05 や 5 にすると、学習曲線はどう変わるでしょうか。
# - ミニバッチごとの損失 (左の図の細い線) は、なぜ滑らかに下がらないのでしょうか。

# %% [markdown] en
# ## To think about
#
# - How do the learning curves change with a learning rate of 0.05, or 5?
# - Why does the loss of each mini-batch (the thin line on the left) not fall smoothly?
