# Source of the notebook 2_7_simple_NeuralNetwork_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_7 シンプルな NN において勾配を求めるクラスの実装
#
# 入力2つ、出力3つ (3クラス) の、重み $W$ (2×3) だけの NN を考えます。
#
# $$y = \mathrm{softmax}(x \cdot W), \qquad L = -\sum_k t_k \log y_k$$
#
# $L$ は交差エントロピー誤差で、$t$ は正解ラベル (one-hot) です。学習では、損失関数 $L$ の重みについての
# 勾配 $\frac{\partial L}{\partial W}$ を求め、それを使って $W$ を更新します。ここでは勾配を
# 数値微分で求めます。

# %% [markdown] en
# # 2_7 The gradient of a simple net
#
# Take a net with two inputs, three outputs (three classes) and nothing but the weights $W$ (2×3):
#
# $$y = \mathrm{softmax}(x \cdot W), \qquad L = -\sum_k t_k \log y_k$$
#
# $L$ is the cross-entropy error and $t$ the correct label (one-hot). Training needs the gradient of
# the loss with respect to the weights, $\frac{\partial L}{\partial W}$, to update $W$; here it comes
# from numerical differentiation.

# %%
import numpy as np

from deepkiso import numerical_gradient
from deepkiso.check import check
from deepkiso.functions import cross_entropy_error, softmax
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")
np.random.seed(0)

# %% [markdown] ja
# ## SimpleNet
#
# `predict(x)` は $x \cdot W$ を、`loss(x, t)` は `softmax` と `cross_entropy_error` (deepkiso のもの)
# で損失を返します。

# %% [markdown] en
# ## SimpleNet
#
# `predict(x)` returns $x \cdot W$; `loss(x, t)` returns the loss, with deepkiso's `softmax` and
# `cross_entropy_error`.


# %% exercise
class SimpleNet:
    def __init__(self):
        # ja: ガウス分布で初期化した重み
        # en: Gaussian initial weights
        self.W = np.random.randn(2, 3)

    def predict(self, x):
        # >>> solution
        return np.dot(x, self.W)
        # <<< solution

    def loss(self, x, t):
        # >>> solution
        z = self.predict(x)
        y = softmax(z)
        return cross_entropy_error(y, t)
        # <<< solution


# %% check
check(SimpleNet)

# %% [markdown] ja
# ## 勾配 $\frac{\partial L}{\partial W}$
#
# `numerical_gradient(f, net.W)` の `f` は $W$ を受け取って損失を返す関数です。`lambda w: net.loss(x, t)`
# は引数 `w` を使いませんが、`numerical_gradient` が `net.W` そのものをずらすので、損失はその変化を見ます。

# %% [markdown] en
# ## The gradient $\frac{\partial L}{\partial W}$
#
# The `f` of `numerical_gradient(f, net.W)` takes $W$ and returns the loss. `lambda w: net.loss(x, t)`
# ignores its `w`, yet `numerical_gradient` moves the elements of `net.W` itself, which the loss reads.

# %%
net = SimpleNet()
x = np.array([0.6, 0.9])
t = np.array([0, 0, 1])
if implemented(net.loss, x, t):
    dW = numerical_gradient(lambda w: net.loss(x, t), net.W)
    print(dW)
