# Source of the notebook 2_11_two_layer_NeuralNetwork_regression_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_11 2 層ニューラルネットワークの学習 (回帰)
#
# 2_10 ではクラス分類を学習しました。この演習では **回帰** 問題、つまり数値そのものを予測する問題を 2 層ニューラルネットワークで解きます。データは $t = \sin(\pi x)$ にノイズを加えた 200 点で、ネットワークは $x$ から $t$ を予測する曲線を学習します。学習が進むにつれて損失が小さくなり、曲線がデータに沿っていく様子を確かめましょう。

# %% [markdown] en
# # 2_11 Training a two-layer neural network (regression)
#
# 2_10 trained a classifier. This exercise solves a **regression** problem, predicting a number
# itself, with a two-layer neural network. The data are 200 points of $t = \sin(\pi x)$ plus noise,
# and the network learns a curve that predicts $t$ from $x$. Watch the loss fall and the curve
# follow the data as training goes on.

# %% [markdown] ja
# ## 分類との違い
#
# - 出力層: ソフトマックス関数を使わず、$a_2 = z_1 W_2 + b_2$ をそのまま出力します (恒等関数)。
# - 損失関数: 交差エントロピー誤差のかわりに **2乗和誤差** を使います。1 つのデータについて
#
# $$L = \frac{1}{2} \sum_{i=1}^{k} (y_i - t_i)^2$$
#
# ($k$ は出力層のノード数、$y_i$ は $i$ 番目の出力、$t_i$ はその正解値)。バッチでは N 個の平均 $\frac{1}{N} \sum_{n=1}^{N} L_n$ を取ります。
#
# 隠れ層の活性化関数はここでは ReLU を使います (シグモイドでも学習できますが、数値微分では時間がかかります)。

# %% [markdown] en
# ## What differs from classification
#
# - The output layer has no softmax: it outputs $a_2 = z_1 W_2 + b_2$ as it is (the identity).
# - The loss is the **sum of squared errors** instead of the cross-entropy error. For one sample,
#
# $$L = \frac{1}{2} \sum_{i=1}^{k} (y_i - t_i)^2$$
#
# ($k$ output nodes, $y_i$ the $i$-th output, $t_i$ its correct value). For a batch, take the mean
# of the N losses, $\frac{1}{N} \sum_{n=1}^{N} L_n$.
#
# The hidden layer uses ReLU here (a sigmoid learns too, but more slowly, which numerical
# differentiation makes even slower).

# %%
import numpy as np
from IPython.display import display

from deepkiso import numerical_gradient
from deepkiso.check import check
from deepkiso.data import load_dataset
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented
from deepkiso.plots.curves import learning_curve_figure
from deepkiso.training import History

set_language("{{lang}}")

(x_train, t_train), (x_test, t_test) = load_dataset("sine", dtype=np.float64)
print("x_train", x_train.shape, " t_train", t_train.shape, " x_test", x_test.shape)

# %% [markdown] ja
# ## 演習 1: 2乗和誤差
#
# `y` と `t` は同じ形状で、1 つのデータなら 1 次元、バッチなら $(N, k)$ です。バッチの平均を返します。

# %% [markdown] en
# ## Exercise 1: the sum of squared errors
#
# `y` and `t` have the same shape: 1-D for one sample, $(N, k)$ for a batch. Return the mean over
# the batch.


# %% exercise
def sum_squared_error(y, t):
    # >>> solution
    # ja: 1 つのデータも 1 行のバッチとして扱う
    # en: one sample is a batch of one row
    y = y.reshape(-1, y.shape[-1])
    t = np.reshape(t, y.shape)
    return 0.5 * np.sum((y - t) ** 2) / y.shape[0]
    # <<< solution


# %% check
check(sum_squared_error)

# %% [markdown] ja
# ## 演習 2: 回帰のための 2 層ニューラルネットワーク
#
# `predict(x)` は
#
# $$a_1 = x W_1 + b_1, \quad z_1 = \mathrm{ReLU}(a_1), \quad y = z_1 W_2 + b_2$$
#
# を計算し (出力層に活性化関数はありません)、`loss(x, t)` は `predict(x)` と `t` の2乗和誤差を返します。勾配 `numerical_gradient` は 2_8 と同じく数値微分で求めます (書いてあります)。

# %% [markdown] en
# ## Exercise 2: a two-layer neural network for regression
#
# `predict(x)` computes
#
# $$a_1 = x W_1 + b_1, \quad z_1 = \mathrm{ReLU}(a_1), \quad y = z_1 W_2 + b_2$$
#
# (no activation on the output layer), and `loss(x, t)` returns the sum of squared errors of
# `predict(x)` against `t`. The gradient, `numerical_gradient`, is numerical as in 2_8 (given).


# %% exercise
class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def predict(self, x):
        # >>> solution
        a1 = np.dot(x, self.params["W1"]) + self.params["b1"]
        z1 = np.maximum(0, a1)
        return np.dot(z1, self.params["W2"]) + self.params["b2"]
        # <<< solution

    def loss(self, x, t):
        # >>> solution
        return sum_squared_error(self.predict(x), t)
        # <<< solution

    def numerical_gradient(self, x, t):
        def loss_of_params(_w):
            return self.loss(x, t)

        return {key: numerical_gradient(loss_of_params, p) for key, p in self.params.items()}


# %% check
check(TwoLayerNet, only=["2_8", "2_10"])

# %% [markdown] ja
# ## 学習させる
#
# 2_10 と同じミニバッチ学習です (ここでは書いてあります)。入力 1、隠れ層 10、出力 1 のネットワークを、バッチサイズ 50、学習率 0.3 で 100 エポック学習させます (1 秒ほどかかります)。右端の図が、データ (灰色の点) と学習したネットワークの曲線 (赤) です。

# %% [markdown] en
# ## Training
#
# The same mini-batch learning as in 2_10 (written out for you here). A network with 1 input,
# 10 hidden units and 1 output learns with batch size 50 and learning rate 0.3 for 100 epochs
# (about a second). The rightmost panel shows the data (grey points) and the curve the network
# learned (red).


# %%
def train(network, x, t, learning_rate=0.1, batch_size=10, epochs=1):
    losses = []
    for _epoch in range(epochs):
        order = np.random.permutation(len(x))
        for start in range(0, len(x), batch_size):
            index = order[start : start + batch_size]
            losses.append(network.loss(x[index], t[index]))
            grad = network.numerical_gradient(x[index], t[index])
            for key in network.params:
                network.params[key] -= learning_rate * grad[key]
    return losses


# %% picture
np.random.seed(0)
network = TwoLayerNet(1, 10, 1, weight_init_std=1.0)
history = History()
if implemented(network.loss, x_train[:5], t_train[:5]):
    for epoch in range(1, 101):
        history.iteration_loss += train(
            network, x_train, t_train, learning_rate=0.3, batch_size=50, epochs=1
        )
        history.epochs.append(
            {
                "epoch": epoch,
                "iteration": len(history.iteration_loss),
                "train_loss": network.loss(x_train, t_train),
                "test_loss": network.loss(x_test, t_test),
            }
        )
    print("test loss:", round(history.epochs[-1]["test_loss"], 4))
    x_line = np.linspace(-1, 1, 200).reshape(-1, 1)
    fit = (x_train.ravel(), t_train.ravel(), x_line.ravel(), network.predict(x_line).ravel())
    display(learning_curve_figure(history, fit=fit))

# %% [markdown] ja
# ## 考えてみよう
#
# - 隠れ層のノード数を 2 や 50 にすると、曲線はどう変わるでしょうか。
# - ノイズの大きさは 0.1 です。損失はどこまで下がりうるでしょうか ($\frac{1}{2} \times 0.1^2$ と比べてみましょう)。

# %% [markdown] en
# ## To think about
#
# - How does the curve change with 2 or 50 hidden units?
# - The noise has a standard deviation of 0.1. How low can the loss go (compare it with
#   $\frac{1}{2} \times 0.1^2$)?
