# Source of the notebook 2_8_two_layer_NeuralNetwork_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_8 2層 NN において勾配を求めるクラスの実装
#
# 入力層・隠れ層 (中間層)・出力層からなる2層 NN です。活性化関数は隠れ層でシグモイド、出力層でソフトマックスです。
#
# $$a_1 = x \cdot W_1 + b_1, \quad z_1 = \sigma(a_1), \quad a_2 = z_1 \cdot W_2 + b_2, \quad y = \mathrm{softmax}(a_2)$$
#
# 損失はミニバッチ ($N$ 個) の交差エントロピー誤差の平均です。
#
# $$L = -\frac{1}{N} \sum_{n} \sum_{k} t_{nk} \log y_{nk}$$
#
# パラメータ $W_1, b_1, W_2, b_2$ を辞書 `params` に、その勾配を同じキーの辞書 `grads` に入れます。

# %% [markdown] en
# # 2_8 The gradient of a two-layer net
#
# A two-layer net: an input layer, a hidden layer and an output layer, with the sigmoid as the hidden
# layer's activation function and softmax at the output:
#
# $$a_1 = x \cdot W_1 + b_1, \quad z_1 = \sigma(a_1), \quad a_2 = z_1 \cdot W_2 + b_2, \quad y = \mathrm{softmax}(a_2)$$
#
# The loss is the cross-entropy error averaged over the mini-batch of $N$ samples:
#
# $$L = -\frac{1}{N} \sum_{n} \sum_{k} t_{nk} \log y_{nk}$$
#
# The parameters $W_1, b_1, W_2, b_2$ go in the dict `params`, their gradients in a dict `grads`
# with the same keys.

# %%
import numpy as np

from deepkiso import numerical_gradient
from deepkiso.check import check
from deepkiso.functions import cross_entropy_error, sigmoid, softmax
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")
np.random.seed(0)

# %% [markdown] ja
# ## TwoLayerNet
#
# `predict`・`loss`・`accuracy`・`numerical_gradient` を書きましょう。`numerical_gradient(x, t)` は
# 各パラメータについて deepkiso の `numerical_gradient(f, params[key])` を呼び、`grads` を返します。

# %% [markdown] en
# ## TwoLayerNet
#
# Write `predict`, `loss`, `accuracy` and `numerical_gradient`. `numerical_gradient(x, t)` calls
# deepkiso's `numerical_gradient(f, params[key])` for each parameter and returns `grads`.


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
        """y = softmax(sigmoid(x · W1 + b1) · W2 + b2), (N, output_size)。"""  # ja
        """y = softmax(sigmoid(x · W1 + b1) · W2 + b2), (N, output_size)."""  # en
        # >>> solution
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        z1 = sigmoid(np.dot(x, W1) + b1)
        return softmax(np.dot(z1, W2) + b2)
        # <<< solution

    def loss(self, x, t):
        """バッチの交差エントロピー誤差の平均。t は one-hot (N, output_size)。"""  # ja
        """The mean cross-entropy error of the batch; t one-hot (N, output_size)."""  # en
        # >>> solution
        return cross_entropy_error(self.predict(x), t)
        # <<< solution

    def accuracy(self, x, t):
        """出力が最大のクラスが正解ラベルと一致するデータの割合 (正解率)。"""  # ja
        """The fraction of samples whose largest output is the correct label (accuracy)."""  # en
        # >>> solution
        y = np.argmax(self.predict(x), axis=1)
        labels = np.argmax(t, axis=1)
        return np.sum(y == labels) / float(x.shape[0])
        # <<< solution

    def numerical_gradient(self, x, t):
        """W1, b1, W2, b2 のそれぞれについて grads[key] = dL/dparams[key] を数値微分で求める。"""  # ja
        """grads[key] = dL/dparams[key] for W1, b1, W2, b2, by numerical differentiation."""  # en
        # >>> solution
        # ja: f は引数 w を使わなくてよい: numerical_gradient が params[key] そのものをずらし、loss がそれを読む
        # en: f may ignore its w: numerical_gradient moves params[key] itself, which loss reads
        grads = {}
        for key in ("W1", "b1", "W2", "b2"):
            grads[key] = numerical_gradient(lambda w: self.loss(x, t), self.params[key])
        return grads
        # <<< solution


# %% check
check(TwoLayerNet)

# %% [markdown] ja
# `gradient` (誤差逆伝播法による勾配) は 2_16 で加えるので、ここではそのチェックは未採点 (SKIP) になります。
#
# ## 勾配の形
#
# 入力 64 (8×8 画素の手書き数字)、隠れ層 10、出力 10 の NN で、勾配の形がパラメータと同じであることを確かめます。
# 数値微分は重み1つにつき損失を2回計算するので、重みが多いと時間がかかります (MNIST の 784-50-10 なら 39,760 個)。

# %% [markdown] en
# `gradient` (backpropagation) comes in 2_16, so its checks are not graded (SKIP) here.
#
# ## The shapes of the gradients
#
# For a net of 64 inputs (8×8-pixel digits), 10 hidden units and 10 outputs, check that each
# gradient has its parameter's shape. Numerical differentiation evaluates the loss twice per weight,
# which takes long when there are many (MNIST's 784-50-10 net has 39,760).

# %%
net = TwoLayerNet(input_size=64, hidden_size=10, output_size=10)
x = np.random.rand(3, 64)
t = np.eye(10)[[1, 4, 7]]
if implemented(net.loss, x, t):
    grads = net.numerical_gradient(x, t)
    for key in ("W1", "b1", "W2", "b2"):
        print(key, net.params[key].shape, grads[key].shape)
