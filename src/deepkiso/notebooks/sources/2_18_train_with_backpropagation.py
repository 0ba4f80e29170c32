# Source of the notebook 2_18_train_with_backpropagation (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_18 誤差逆伝播法を使った学習
#
# 2_10 では、勾配を数値微分で求めて 2 層ニューラルネットワークを学習させました。遅いので、小さなネットワークと 300 枚の画像しか使えませんでした。この演習では、同じミニバッチ学習の勾配を **誤差逆伝播法** (`network.gradient`、2_16) で求めます。学習の手順は同じで、変わるのは勾配を求める 1 行だけですが、はるかに速くなり、大きなネットワークと全部の訓練データで学習できるようになります。

# %% [markdown] en
# # 2_18 Training with backpropagation
#
# In 2_10 the two-layer network learned with gradients from numerical differentiation: so slowly
# that a small network and 300 images were all it could use. This exercise takes the gradient of
# the same mini-batch learning by **backpropagation** (`network.gradient`, 2_16). The loop is the
# same, and only the line computing the gradient changes, but training becomes far faster: a larger
# network learns from all of the training data.

# %% [markdown] ja
# ## 学習の手順 (2_10 と同じ)
#
# 各エポックで訓練データをシャッフルし、ミニバッチごとに
#
# 1. 損失 $L$ を記録し、
# 2. 誤差逆伝播法で勾配 $\frac{\partial L}{\partial W}$ を求め、
# 3. $W \leftarrow W - \eta \frac{\partial L}{\partial W}$ と更新します (SGD、$\eta$ は学習率)。

# %% [markdown] en
# ## The loop (as in 2_10)
#
# Every epoch, shuffle the training data, and for every mini-batch
#
# 1. record the loss $L$,
# 2. compute the gradient $\frac{\partial L}{\partial W}$ by backpropagation,
# 3. update $W \leftarrow W - \eta \frac{\partial L}{\partial W}$ (SGD with the learning rate $\eta$).

# %%
import time

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
print("x_train", x_train.shape, " x_test", x_test.shape)

# %% [markdown] ja
# ## 演習: 誤差逆伝播法で学習する関数
#
# `train(network, x, t, learning_rate, batch_size, epochs)` を書いてください。2_10 と同じく、記録したミニバッチごとの損失 (更新の前の値) のリストを返し、パラメータ `network.params[key]` はその場で (`-=`) 更新します。勾配は `network.gradient(x_batch, t_batch)` で求めます。

# %% [markdown] en
# ## Exercise: a training function with backpropagation
#
# Write `train(network, x, t, learning_rate, batch_size, epochs)`. As in 2_10, it returns the list
# of recorded mini-batch losses (before each update) and updates the parameters
# `network.params[key]` in place (`-=`). The gradient comes from
# `network.gradient(x_batch, t_batch)`.


# %% exercise
def train(network, x, t, learning_rate=0.1, batch_size=100, epochs=1):
    losses = []
    # >>> solution
    for _epoch in range(epochs):
        order = np.random.permutation(len(x))
        for start in range(0, len(x), batch_size):
            index = order[start : start + batch_size]
            x_batch, t_batch = x[index], t[index]
            losses.append(network.loss(x_batch, t_batch))
            grad = network.gradient(x_batch, t_batch)
            for key in network.params:
                network.params[key] -= learning_rate * grad[key]
    # <<< solution
    return losses


# %% check
check(train)

# %% [markdown] ja
# ## 学習曲線
#
# 入力 64、隠れ層 50、出力 10 のネットワークを、`digits` の訓練データ全部 (1,437 枚)、バッチサイズ 100、学習率 0.5 で 20 エポック学習させます。2_10 の数値微分では、隠れ層 10 のネットワークで 300 枚を 4 エポック学習するのに数秒かかりました。誤差逆伝播法では、この大きさでも 1 秒ほどで終わります。

# %% [markdown] en
# ## Learning curves
#
# A network with 64 inputs, 50 hidden units and 10 outputs learns from all 1,437 training images of
# `digits`, batch size 100, learning rate 0.5, for 20 epochs. With the numerical gradients of 2_10,
# 4 epochs of 300 images on a network of 10 hidden units took seconds; with backpropagation, this
# larger run takes about a second.

# %% picture
np.random.seed(0)
network = TwoLayerNet(64, 50, 10, weight_init_std=0.1, rng=0)
probe = TwoLayerNet(64, 50, 10, weight_init_std=0.1, rng=0)
history = History()
if implemented(train, probe, x_train[:100], t_train[:100], 0.5, 100, 1):
    start = time.perf_counter()
    for epoch in range(1, 21):
        history.iteration_loss += train(
            network, x_train, t_train, learning_rate=0.5, batch_size=100, epochs=1
        )
        history.epochs.append(
            {
                "epoch": epoch,
                "iteration": len(history.iteration_loss),
                "train_loss": network.loss(x_train, t_train),
                "test_loss": network.loss(x_test, t_test),
                "train_accuracy": network.accuracy(x_train, t_train),
                "test_accuracy": network.accuracy(x_test, t_test),
            }
        )
    print(f"{time.perf_counter() - start:.1f} s")
    print("test accuracy:", round(history.epochs[-1]["test_accuracy"], 3))
    display(learning_curve_figure(history))

# %% [markdown] ja
# ## MNIST で学習する
#
# 誤差逆伝播法なら、MNIST の訓練データ 60,000 枚でも学習できます。入力 784、隠れ層 50、出力 10 のネットワークを、バッチサイズ 100、学習率 0.1 で 10 エポック学習させます (1 分ほどかかります)。MNIST のファイルが必要です (`deepkiso.data.load_mnist` がキャッシュなどから探します)。このセルは自動実行の対象外です。テストデータの正解率は 0.95 を超えるはずです。

# %% [markdown] en
# ## Training on MNIST
#
# With backpropagation, all 60,000 MNIST training images are within reach. A network with 784
# inputs, 50 hidden units and 10 outputs learns with batch size 100 and learning rate 0.1 for 10
# epochs (about a minute). It needs the MNIST files (`deepkiso.data.load_mnist` finds them, in the
# cache for example). Automatic runs of the notebook skip this cell. The test accuracy should end
# above 0.95.

# %% full-run
from deepkiso.data import load_mnist

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
network = TwoLayerNet(784, 50, 10, weight_init_std=0.01, rng=0)
mnist_history = History()
for epoch in range(1, 11):
    mnist_history.iteration_loss += train(
        network, x_train, t_train, learning_rate=0.1, batch_size=100, epochs=1
    )
    mnist_history.epochs.append(
        {
            "epoch": epoch,
            "iteration": len(mnist_history.iteration_loss),
            "train_loss": network.loss(x_train, t_train),
            "test_loss": network.loss(x_test, t_test),
            "train_accuracy": network.accuracy(x_train, t_train),
            "test_accuracy": network.accuracy(x_test, t_test),
        }
    )
    print(epoch, round(mnist_history.epochs[-1]["test_accuracy"], 4))
learning_curve_figure(mnist_history)

# %% [markdown] ja
# ## 考えてみよう
#
# - 訓練データとテストデータの正解率の差は、エポックが進むとどうなるでしょうか (過学習)。
# - バッチサイズを 10 や 1000 にすると、同じエポック数で学習曲線はどう変わるでしょうか。

# %% [markdown] en
# ## To think about
#
# - What happens to the gap between the training and the test accuracy as the epochs go by
#   (overfitting)?
# - How do the learning curves change, for the same number of epochs, with a batch size of 10 or
#   1000?
