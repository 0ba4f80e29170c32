# Source of the notebook 2_14_affine_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_14 Affine レイヤ (アフィンレイヤ)
#
# ニューラルネットワークの中間層は、入力に重みを掛けてバイアスを足します。行列の積にバイアスを足す計算は幾何学でいうアフィン変換なので、この層を **Affine レイヤ** と呼びます。この演習では、バッチ (N 個のデータをまとめた行列) に対応した Affine レイヤの順伝播と逆伝播を実装します。

# %% [markdown] en
# # 2_14 The Affine layer
#
# A hidden layer of a neural network multiplies its input by a weight matrix and adds a bias.
# A matrix product plus a vector is what geometry calls an affine map, hence the name **Affine
# layer**. In this exercise you write its forward and backward pass for a batch: N samples at
# once, one per row of a matrix.

# %% [markdown] ja
# ## 順伝播と逆伝播
#
# 入力 $X$ を形状 $(N, D)$、重み $W$ を $(D, M)$、バイアス $B$ を $(M,)$ とすると、順伝播は
#
# $$Y = X \cdot W + B$$
#
# で、$Y$ は $(N, M)$ になります ($B$ は各行に同じものが足されます)。逆伝播では、上流から $\frac{\partial L}{\partial Y}$ (形状 $(N, M)$、コードでは `dout`) を受け取り、連鎖律で次の 3 つを求めます。
#
# $$\frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} \cdot W^{\mathsf T}, \qquad
# \frac{\partial L}{\partial W} = X^{\mathsf T} \cdot \frac{\partial L}{\partial Y}, \qquad
# \frac{\partial L}{\partial B} = \frac{\partial L}{\partial Y_1} + \frac{\partial L}{\partial Y_2}
# + \dots + \frac{\partial L}{\partial Y_N}$$
#
# 形状を確かめると覚えやすくなります。$\frac{\partial L}{\partial X}$ は $X$ と同じ $(N, D)$、$\frac{\partial L}{\partial W}$ は $W$ と同じ $(D, M)$ です。$B$ はバッチの N 個のデータすべてに足されたので、その勾配は N 個の勾配の合計 (バッチ方向の和、`axis=0`) になります。$W$ の勾配も N 個の合計ですが、その和は行列の積 $X^{\mathsf T} \cdot \frac{\partial L}{\partial Y}$ の中で計算されます。

# %% [markdown] en
# ## Forward and backward
#
# With the input $X$ of shape $(N, D)$, the weights $W$ of shape $(D, M)$ and the bias $B$ of
# shape $(M,)$, the forward pass is
#
# $$Y = X \cdot W + B$$
#
# and $Y$ is $(N, M)$ (the same $B$ is added to every row).
# Backward receives $\frac{\partial L}{\partial Y}$ from upstream (shape $(N, M)$, `dout` in the
# code) and the chain rule gives three gradients:
#
# $$\frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} \cdot W^{\mathsf T}, \qquad
# \frac{\partial L}{\partial W} = X^{\mathsf T} \cdot \frac{\partial L}{\partial Y}, \qquad
# \frac{\partial L}{\partial B} = \frac{\partial L}{\partial Y_1} + \frac{\partial L}{\partial Y_2}
# + \dots + \frac{\partial L}{\partial Y_N}$$
#
# The shapes are a good memory aid: $\frac{\partial L}{\partial X}$ has the shape of $X$, $(N, D)$,
# and $\frac{\partial L}{\partial W}$ that of $W$, $(D, M)$. $B$ was added to each of the N samples,
# so its gradient is the sum of their N gradients (a sum over the batch, `axis=0`). The gradient of
# $W$ is a sum over the batch too, but the matrix product
# $X^{\mathsf T} \cdot \frac{\partial L}{\partial Y}$ does that sum for you.

# %%
import numpy as np

from deepkiso.check import check
from deepkiso.graph import Variable, matmul
from deepkiso.graph import sum as graph_sum
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented
from deepkiso.plots.graph import draw_graph

set_language("{{lang}}")

# %% [markdown] ja
# ## 演習: Affine クラス
#
# `forward(x)` は逆伝播で使う `x` を覚えておき、$Y$ を返します。`backward(dout)` は `self.dW` と `self.db` に重みとバイアスの勾配を入れ、入力の勾配 `dx` を返します。`x` や `dout` を書き換えず、新しい配列を作ってください。

# %% [markdown] en
# ## Exercise: the Affine class
#
# `forward(x)` keeps `x` for the backward pass and returns $Y$. `backward(dout)` stores the
# gradients of the weights and the bias in `self.dW` and `self.db` and returns the input's
# gradient `dx`. Do not write into `x` or `dout`: make new arrays.


# %% exercise
class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        # ja: 重みとバイアスの勾配 (backward で計算)
        # en: the gradients of the weights and the bias (set by backward)
        self.dW = None
        self.db = None

    def forward(self, x):
        # >>> solution
        self.x = x
        return np.dot(x, self.W) + self.b
        # <<< solution

    def backward(self, dout):
        # >>> solution
        # ja: 1 つのデータ (1 次元の x) も、1 行のバッチとして扱う
        # en: one sample (a 1-D x) is treated as a batch of one row
        x = self.x.reshape(-1, self.W.shape[0])
        dout_rows = dout.reshape(-1, self.W.shape[1])
        self.dW = np.dot(x.T, dout_rows)
        self.db = np.sum(dout_rows, axis=0)
        return np.dot(dout, self.W.T)
        # <<< solution


# %% check
check(Affine)

# %% [markdown] ja
# ## 形状を確かめる
#
# バッチサイズ 5、入力 4 次元、出力 3 次元の例で、各配列の形状を表示します。

# %% [markdown] en
# ## Checking the shapes
#
# A batch of 5 samples, 4 inputs and 3 outputs: the shape of every array.

# %%
rng = np.random.default_rng(0)
X = rng.standard_normal((5, 4))
W = rng.standard_normal((4, 3))
b = rng.standard_normal(3)
layer = Affine(W, b)
if implemented(layer.forward, X) and implemented(layer.backward, np.ones((5, 3))):
    Y = layer.forward(X)
    dX = layer.backward(np.ones_like(Y))
    print("X", X.shape, " W", W.shape, " b", b.shape)
    print("Y", Y.shape, " dX", dX.shape, " dW", layer.dW.shape, " db", layer.db.shape)

# %% [markdown] ja
# ## 計算グラフで確かめる
#
# deepkiso の計算グラフ (`deepkiso.graph`) で $L = \sum (X \cdot W + B)$ を作り、逆伝播させます。このとき $\frac{\partial L}{\partial Y}$ はすべて 1 なので、グラフが求めた $\frac{\partial L}{\partial W}, \frac{\partial L}{\partial B}$ と、あなたの Affine に `dout = np.ones(...)` を渡した結果が一致するはずです。図の赤い数字が各ノードの勾配です。

# %% [markdown] en
# ## Checking with a computational graph
#
# deepkiso's computational graph (`deepkiso.graph`) builds $L = \sum (X \cdot W + B)$ and runs it
# backward. Here every $\frac{\partial L}{\partial Y}$ is 1, so the graph's
# $\frac{\partial L}{\partial W}$ and $\frac{\partial L}{\partial B}$ must equal what your Affine
# gives for `dout = np.ones(...)`. The red numbers in the drawing are each node's gradient.

# %% picture
Xg = Variable(np.round(X[:2], 1), "X")
Wg = Variable(np.round(W, 1), "W")
bg = Variable(np.round(b, 1), "B")
Yg = (matmul(Xg, Wg).named("XW") + bg).named("Y")
Lg = graph_sum(Yg).named("L")
Lg.backward()
mine = Affine(Wg.data.copy(), bg.data.copy())
if implemented(mine.forward, Xg.data.copy()) and implemented(mine.backward, np.ones((2, 3))):
    print("dW:", np.allclose(mine.dW, Wg.grad), " dB:", np.allclose(mine.db, bg.grad))
draw_graph(Lg, max_items=2)
