# Source of the notebook 2_17_check_gradient (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_17 勾配確認
#
# 誤差逆伝播法を使うと勾配を効率よく求められるので、ニューラルネットワークの学習では数値微分ではなく誤差逆伝播法を使います。ただし誤差逆伝播法の実装は複雑で、間違いが入り込みやすいものです。そこで、遅いけれども実装が簡単な **数値微分** で求めた勾配と比べ、差が十分小さいことを確かめます。この作業を **勾配確認** といいます。

# %% [markdown] en
# # 2_17 The gradient check
#
# Backpropagation computes gradients efficiently, so neural networks are trained with it rather
# than with numerical differentiation. But backpropagation is intricate to write, and mistakes slip
# in easily. So its gradients are compared with those of **numerical differentiation**, slow but
# simple to get right, and the difference must be small: the **gradient check**.

# %% [markdown] ja
# ## 差の測り方
#
# パラメータ (例えば $W_1$) ごとに、誤差逆伝播法の勾配 $g^{\text{bp}}$ と数値微分 (中心差分) の勾配 $g^{\text{num}}$ を比べます。勾配の大きさはパラメータによって違うので、差をそのまま見るより、大きさで割った **相対誤差** で見るとわかりやすくなります。
#
# $$\text{相対誤差} = \frac{\max_i \left| g^{\text{bp}}_i - g^{\text{num}}_i \right|}
# {\max_i \left( \left| g^{\text{bp}}_i \right| + \left| g^{\text{num}}_i \right| \right)}$$
#
# float64 で計算した正しい実装なら、相対誤差は $10^{-7}$ よりずっと小さくなります (中心差分の誤差は $h^2$ 程度です)。$10^{-2}$ を超えるようなら、ほぼ確実にどこかが間違っています。

# %% [markdown] en
# ## Measuring the difference
#
# For each parameter (say $W_1$), compare the backpropagation gradient $g^{\text{bp}}$ with the
# numerical (central difference) gradient $g^{\text{num}}$. Gradients differ in size from one
# parameter to the next, so rather than the plain difference, look at the **relative error**, the
# difference divided by their size:
#
# $$\text{relative error} = \frac{\max_i \left| g^{\text{bp}}_i - g^{\text{num}}_i \right|}
# {\max_i \left( \left| g^{\text{bp}}_i \right| + \left| g^{\text{num}}_i \right| \right)}$$
#
# A correct implementation computed in float64 gives relative errors far below $10^{-7}$ (the
# central difference is off by about $h^2$). Above $10^{-2}$, something is almost surely wrong.

# %%
from collections import OrderedDict

import numpy as np

from deepkiso import numerical_gradient
from deepkiso.check import check
from deepkiso.data import load_dataset
from deepkiso.gradcheck import check_net_gradient
from deepkiso.i18n import set_language
from deepkiso.layers import Affine, SoftmaxWithLoss
from deepkiso.layers import ReLU as Relu
from deepkiso.notebooks import implemented

set_language("{{lang}}")

(x_train, t_train), _test = load_dataset("digits", dtype=np.float64)

# %% [markdown] ja
# ## 演習 1: 確かめるネットワーク
#
# 2_16 のネットワークです。`gradient` (誤差逆伝播法) を 2_16 で書いたコードで埋めてください。

# %% [markdown] en
# ## Exercise 1: the network to check
#
# The network of 2_16. Fill in `gradient` (backpropagation) with the code you wrote in 2_16.


# %% exercise
class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.mean(y == t)

    def numerical_gradient(self, x, t):
        def loss_of_params(_w):
            return self.loss(x, t)

        return {key: numerical_gradient(loss_of_params, p) for key, p in self.params.items()}

    def gradient(self, x, t):
        # >>> solution
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {
            "W1": self.layers["Affine1"].dW,
            "b1": self.layers["Affine1"].db,
            "W2": self.layers["Affine2"].dW,
            "b2": self.layers["Affine2"].db,
        }
        # <<< solution


# %% check
check(TwoLayerNet, only=["2_16", "2_17"])

# %% [markdown] ja
# ## 演習 2: 勾配確認の関数
#
# `gradient_check(network, x, t)` は、`network.numerical_gradient(x, t)` と `network.gradient(x, t)` を求め、パラメータごとの相対誤差 (上の式) を `{"W1": …, "b1": …, …}` の辞書で返します。分母が 0 になる場合 (勾配がすべて 0) に備えて、分母には小さな値 (例えば $10^{-12}$) との大きい方を使いましょう。

# %% [markdown] en
# ## Exercise 2: the gradient check function
#
# `gradient_check(network, x, t)` computes `network.numerical_gradient(x, t)` and
# `network.gradient(x, t)` and returns the relative error (the formula above) of each parameter as a
# dictionary `{"W1": …, "b1": …, …}`. In case the denominator is 0 (all gradients zero), divide by
# at least a small number (say $10^{-12}$).


# %% exercise
def gradient_check(network, x, t):
    # >>> solution
    numerical = network.numerical_gradient(x, t)
    backprop = network.gradient(x, t)
    errors = {}
    for key in numerical:
        difference = np.max(np.abs(backprop[key] - numerical[key]))
        size = np.max(np.abs(backprop[key]) + np.abs(numerical[key]))
        errors[key] = difference / max(size, 1e-12)
    return errors
    # <<< solution


# %% [markdown] ja
# ## 勾配確認をする
#
# 入力 64、隠れ層 10、出力 10 のネットワークで、訓練データ 3 枚について確かめます (数値微分は遅いので、データもネットワークも小さくします)。deepkiso の `check_net_gradient` の結果 (各パラメータの相対誤差) も表示するので、あなたの関数の結果と比べてください。

# %% [markdown] en
# ## Running the gradient check
#
# A network with 64 inputs, 10 hidden units and 10 outputs, checked on 3 training images
# (numerical differentiation is slow, so both the data and the network are small). deepkiso's
# `check_net_gradient` prints its own result (the relative error of each parameter): compare it
# with yours.

# %%
np.random.seed(0)
network = TwoLayerNet(64, 10, 10, weight_init_std=0.1)
x_batch, t_batch = x_train[:3], t_train[:3]
if implemented(network.gradient, x_batch, t_batch) and implemented(
    gradient_check, network, x_batch, t_batch
):
    for key, error in gradient_check(network, x_batch, t_batch).items():
        print(f"{key}: {error:.2e}")
    print(check_net_gradient(network, x_batch, t_batch))

# %% [markdown] ja
# ## 間違いを見つけられるか
#
# わざと間違えたネットワークを作ります。ReLU レイヤの `backward` が `mask` を忘れて、`dout` をそのまま通してしまうものです。順伝播 (損失の値) は正しいままなので、学習させても間違いに気づきにくいバグです。勾配確認では、$W_1$ と $b_1$ の相対誤差だけが大きくなり、どこが間違っているかの手がかりになります ($W_2$ と $b_2$ の勾配は ReLU を通らないので正しいままです)。

# %% [markdown] en
# ## Does it catch a mistake?
#
# Here is a network with a planted bug: its ReLU layer's `backward` forgets the `mask` and lets
# `dout` through everywhere. The forward pass (the loss) is still right, so training alone would
# hardly reveal it. The gradient check shows large relative errors for $W_1$ and $b_1$ only, which
# points at where the mistake is ($W_2$ and $b_2$ do not pass through the ReLU, so their gradients
# stay right).


# %%
class ReluWithoutMask(Relu):
    def backward(self, dout):
        # ja: mask を忘れた逆伝播 (わざと入れたバグ)
        # en: backward without the mask (the planted bug)
        return dout


np.random.seed(0)
buggy = TwoLayerNet(64, 10, 10, weight_init_std=0.1)
buggy.layers["Relu1"] = ReluWithoutMask()
if implemented(gradient_check, buggy, x_batch, t_batch):
    right = gradient_check(network, x_batch, t_batch)
    wrong = gradient_check(buggy, x_batch, t_batch)
    print("パラメータ   正しいネットワーク   mask を忘れたネットワーク")  # ja
    print("parameter    correct network      ReLU without its mask")  # en
    for key in network.params:
        verdict = "  <- !" if wrong[key] > 1e-2 else ""
        print(f"{key:<12} {right[key]:<20.2e} {wrong[key]:.2e}{verdict}")
