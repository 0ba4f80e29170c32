# Source of the notebook 2_16_NN_with_backpropagation_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_16 誤差逆伝播法に対応したニューラルネットワーク
#
# 2_8 の 2 層ニューラルネットワークは、勾配を数値微分で求めていました。数値微分はパラメータ 1 つごとに損失を 2 回計算し直すので、パラメータが増えると極端に遅くなります。この演習では、2_12〜2_15 のレイヤを組み合わせてネットワークを作り、勾配を **誤差逆伝播法** で求める `gradient` メソッドを実装します。

# %% [markdown] en
# # 2_16 A neural network with backpropagation
#
# The two-layer network of 2_8 took its gradient by numerical differentiation, which recomputes
# the loss twice for every single parameter and becomes very slow as the parameters grow in
# number. In this exercise you build the network from the layers of 2_12 – 2_15 and write its
# `gradient` method by **backpropagation**.

# %% [markdown] ja
# ## レイヤを並べる
#
# 2 層ニューラルネットワークは、次のレイヤを順につないだものです。
#
# $$X \xrightarrow{\text{Affine1}} A_1 \xrightarrow{\text{Relu1}} Z_1 \xrightarrow{\text{Affine2}} A_2
# \xrightarrow{\text{SoftmaxWithLoss}} L$$
#
# レイヤは順番を保つ辞書 `OrderedDict` に入れておきます。`predict` は辞書の順にレイヤの `forward` を呼び、`gradient` は最後のレイヤ (Softmax-with-Loss) から **逆の順** に `backward` を呼びます。連鎖律により、各レイヤは上流から来た勾配に自分の局所的な微分を掛けて下流へ渡すだけです。
#
# $$\frac{\partial L}{\partial A_2} = \frac{Y - T}{N}, \quad
# \frac{\partial L}{\partial W_2} = Z_1^{\mathsf T} \frac{\partial L}{\partial A_2}, \quad
# \frac{\partial L}{\partial Z_1} = \frac{\partial L}{\partial A_2} W_2^{\mathsf T}, \quad \dots$$
#
# 逆伝播が終わると、各 Affine レイヤの `dW`、`db` に重みとバイアスの勾配が入っています。ここではレイヤとして deepkiso の `Affine`、`ReLU`、`SoftmaxWithLoss` を使います (2_12〜2_15 で書いた自分のクラスに置き換えてもかまいません)。

# %% [markdown] en
# ## Layers in a row
#
# The two-layer network is these layers, one after the other:
#
# $$X \xrightarrow{\text{Affine1}} A_1 \xrightarrow{\text{Relu1}} Z_1 \xrightarrow{\text{Affine2}} A_2
# \xrightarrow{\text{SoftmaxWithLoss}} L$$
#
# Keep the layers in an `OrderedDict`, a dictionary that keeps its order. `predict` calls each
# layer's `forward` in that order, and `gradient` calls `backward` in **reverse** order, starting
# from the last layer (Softmax-with-Loss). By the chain rule, each layer only multiplies the
# gradient arriving from upstream by its own local derivative and passes it downstream:
#
# $$\frac{\partial L}{\partial A_2} = \frac{Y - T}{N}, \quad
# \frac{\partial L}{\partial W_2} = Z_1^{\mathsf T} \frac{\partial L}{\partial A_2}, \quad
# \frac{\partial L}{\partial Z_1} = \frac{\partial L}{\partial A_2} W_2^{\mathsf T}, \quad \dots$$
#
# After the backward pass, each Affine layer holds the gradients of its weights and bias in `dW` and
# `db`. The layers here are deepkiso's `Affine`, `ReLU` and `SoftmaxWithLoss` (you may put your own
# classes of 2_12 – 2_15 in their place).

# %%
import time
from collections import OrderedDict

import numpy as np
from IPython.display import display

from deepkiso import numerical_gradient
from deepkiso.check import check
from deepkiso.diff_error import GradientTiming
from deepkiso.i18n import set_language
from deepkiso.layers import Affine, SoftmaxWithLoss
from deepkiso.layers import ReLU as Relu
from deepkiso.notebooks import implemented
from deepkiso.plots.diff_error import plot_gradient_timing

set_language("{{lang}}")

# %% [markdown] ja
# ## 演習: TwoLayerNet
#
# 埋めるところは 4 つです。
#
# 1. `__init__`: レイヤ `Affine1`、`Relu1`、`Affine2` を `self.layers` (OrderedDict) に入れ、最後のレイヤ `SoftmaxWithLoss` を `self.last_layer` に入れる。Affine には `self.params` の配列そのもの (コピーではなく) を渡します。パラメータ更新が `self.params` の配列をその場で書き換えると、レイヤからも新しい値が見えるようにするためです。
# 2. `predict`: レイヤを順に通す。
# 3. `loss`: `predict` の出力と `t` を最後のレイヤに渡す。
# 4. `gradient`: 順伝播 (損失の計算) のあと、最後のレイヤから逆順に `backward` を呼び、`{"W1": …, "b1": …, "W2": …, "b2": …}` を返す。

# %% [markdown] en
# ## Exercise: TwoLayerNet
#
# There are four blanks:
#
# 1. `__init__`: put the layers `Affine1`, `Relu1` and `Affine2` into `self.layers` (an
#    OrderedDict) and the last layer, `SoftmaxWithLoss`, into `self.last_layer`. Give each Affine
#    the very arrays of `self.params` (not copies), so that when a parameter update changes the
#    arrays of `self.params` in place, the layers see the new values.
# 2. `predict`: pass x through the layers in order.
# 3. `loss`: give the output of `predict` and `t` to the last layer.
# 4. `gradient`: after the forward pass (computing the loss), call `backward` from the last layer
#    back to the first and return `{"W1": …, "b1": …, "W2": …, "b2": …}`.


# %% exercise
class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }
        # >>> solution
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.last_layer = SoftmaxWithLoss()
        # <<< solution

    def predict(self, x):
        # >>> solution
        for layer in self.layers.values():
            x = layer.forward(x)
        return x
        # <<< solution

    def loss(self, x, t):
        # >>> solution
        return self.last_layer.forward(self.predict(x), t)
        # <<< solution

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
check(TwoLayerNet)

# %% [markdown] ja
# ## どれだけ速くなったか
#
# 入力 16、出力 4 で隠れ層の大きさを変えたネットワークについて、あなたの `numerical_gradient` と `gradient` が 1 回の勾配にかかる時間を測ります。パラメータが多いほど差が開きます (図の「×」は誤差逆伝播法の何倍遅いか)。

# %% [markdown] en
# ## How much faster
#
# For networks with 16 inputs, 4 outputs and hidden layers of several sizes, the time your
# `numerical_gradient` and your `gradient` take for one gradient is measured. The more parameters,
# the wider the gap (the "×" labels: how many times slower than backpropagation).


# %% picture
def seconds(function, repeats=3):
    best = float("inf")
    for _repeat in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


np.random.seed(0)
x_demo = np.random.randn(10, 16)
t_demo = np.random.randint(0, 4, size=10)
if implemented(TwoLayerNet, 16, 2, 4) and implemented(
    TwoLayerNet(16, 2, 4).gradient, x_demo, t_demo
):
    rows = []
    for hidden in (2, 8, 32):
        net = TwoLayerNet(16, hidden, 4, weight_init_std=0.1)
        rows.append(
            GradientTiming(
                hidden_size=hidden,
                n_params=sum(p.size for p in net.params.values()),
                numerical_seconds=seconds(
                    lambda net=net: net.numerical_gradient(x_demo, t_demo), 1
                ),
                backprop_seconds=seconds(lambda net=net: net.gradient(x_demo, t_demo)),
            )
        )
    display(plot_gradient_timing(rows))
