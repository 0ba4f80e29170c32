# Source of the notebook 2_15_softmax_with_loss_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_15 Softmax-with-Loss レイヤ
#
# 分類問題の出力層では、スコア $a$ をソフトマックス関数で確率 $y$ に変え、正解ラベル $t$ との交差エントロピー誤差 $L$ を損失にします。この 2 つをまとめて 1 つのレイヤにすると、逆伝播が $y - t$ という驚くほど簡単な形になります。この演習では、そのレイヤ **Softmax-with-Loss** を実装します。

# %% [markdown] en
# # 2_15 The Softmax-with-Loss layer
#
# The output layer of a classifier turns the scores $a$ into probabilities $y$ with the softmax
# function and takes the cross-entropy error $L$ against the correct labels $t$ as the loss. Put
# the two together in one layer and the backward pass becomes remarkably simple: $y - t$. In this
# exercise you write that layer, **Softmax-with-Loss**.

# %% [markdown] ja
# ## 式
#
# 1 つのデータについて、ソフトマックス関数と交差エントロピー誤差は
#
# $$y_k = \frac{\exp(a_k)}{\sum_{i=1}^{K} \exp(a_i)}, \qquad L = -\sum_{k=1}^{K} t_k \log y_k$$
#
# です ($K$ はクラスの数)。$\exp$ はすぐに大きくなってあふれるので、各行の最大値を引いてから $\exp$ を取ります (分子と分母に同じ数を掛けるだけなので、値は変わりません)。
#
# バッチでは N 個の損失の平均を取ります。
#
# $$L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{k=1}^{K} t_{nk} \log y_{nk}$$
#
# 逆伝播の結果は
#
# $$\frac{\partial L}{\partial a_{nk}} = \frac{y_{nk} - t_{nk}}{N}$$
#
# です。損失関数レイヤの逆伝播では、**バッチサイズ N で割る** ことを忘れないでください (順伝播で平均を取ったからです)。正解ラベル `t` は、one-hot 表現 (形状 $(N, K)$) でも、ラベルの番号 (形状 $(N,)$) でも受け取れるようにします。

# %% [markdown] en
# ## The formulas
#
# For one sample, the softmax function and the cross-entropy error are
#
# $$y_k = \frac{\exp(a_k)}{\sum_{i=1}^{K} \exp(a_i)}, \qquad L = -\sum_{k=1}^{K} t_k \log y_k$$
#
# ($K$ classes). $\exp$ overflows quickly, so subtract each row's maximum before taking $\exp$
# (it multiplies the numerator and the denominator by the same number: the value is unchanged).
#
# For a batch, the loss is the mean of the N losses:
#
# $$L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{k=1}^{K} t_{nk} \log y_{nk}$$
#
# and the backward pass gives
#
# $$\frac{\partial L}{\partial a_{nk}} = \frac{y_{nk} - t_{nk}}{N}$$
#
# Remember to **divide by the batch size N** in a loss layer's backward pass (the forward pass
# took the mean). The labels `t` may come one-hot (shape $(N, K)$) or as label numbers (shape
# $(N,)$): accept both.

# %%
import numpy as np

from deepkiso.check import check
from deepkiso.graph import affine_softmax_loss_example
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented
from deepkiso.plots.graph import draw_graph

set_language("{{lang}}")

# %% [markdown] ja
# ## 演習 1: ソフトマックス関数
#
# 1 つのデータ (1 次元) にもバッチ (2 次元、1 行が 1 データ) にも使えるように、最後の軸 (`axis=-1`) に沿って計算してください。

# %% [markdown] en
# ## Exercise 1: the softmax function
#
# Work along the last axis (`axis=-1`), so that it serves one sample (1-D) and a batch (2-D, one
# sample per row) alike.


# %% exercise
def softmax(x):
    # >>> solution
    # ja: あふれ対策
    # en: against overflow
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
    # <<< solution


# %% check
check(softmax)

# %% [markdown] ja
# ## 演習 2: 交差エントロピー誤差
#
# `y` はソフトマックスの出力、`t` は one-hot 表現かラベルの番号です。バッチの平均を返します。$\log 0$ は $-\infty$ になるので、小さな値 (例えば $10^{-7}$) を足してから $\log$ を取ります。

# %% [markdown] en
# ## Exercise 2: the cross-entropy error
#
# `y` is the softmax output, `t` one-hot rows or label numbers. Return the mean over the batch.
# $\log 0$ is $-\infty$, so add a small number (for example $10^{-7}$) before taking the $\log$.


# %% exercise
def cross_entropy_error(y, t):
    # >>> solution
    # ja: 1 つのデータも 1 行のバッチに
    # en: one sample becomes a batch of one row
    y = y.reshape(-1, y.shape[-1])
    t = np.asarray(t)
    if t.size == y.size:
        # ja: one-hot 表現なら、各行の正解の番号に直す
        # en: one-hot rows: take each row's label number
        t = t.reshape(y.shape).argmax(axis=1)
    t = t.reshape(-1)
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n
    # <<< solution


# %% check
check(cross_entropy_error)

# %% [markdown] ja
# ## 演習 3: SoftmaxWithLoss クラス
#
# `forward(x, t)` はソフトマックスの出力 `self.y` と `t` を覚えておき、損失を返します。`backward(dout=1)` は $\frac{\partial L}{\partial a} = \text{dout} \cdot \frac{y - t}{N}$ を返します。`t` がラベルの番号のときは、$y$ の各行の正解の位置から 1 を引けば $y - t$ になります。

# %% [markdown] en
# ## Exercise 3: the SoftmaxWithLoss class
#
# `forward(x, t)` keeps the softmax output `self.y` and `t`, and returns the loss.
# `backward(dout=1)` returns $\frac{\partial L}{\partial a} = \text{dout} \cdot \frac{y - t}{N}$.
# When `t` holds label numbers, subtracting 1 at each row's correct class of $y$ gives $y - t$.


# %% exercise
class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        # ja: ソフトマックスの出力
        # en: the softmax output
        self.y = None
        # ja: 正解ラベル (one-hot 表現かラベルの番号)
        # en: the labels (one-hot rows or label numbers)
        self.t = None

    def forward(self, x, t):
        # >>> solution
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, t)
        return self.loss
        # <<< solution

    def backward(self, dout=1):
        # >>> solution
        y = self.y.reshape(-1, self.y.shape[-1])
        t = np.asarray(self.t)
        n = y.shape[0]
        if t.size == y.size:
            # ja: one-hot 表現
            # en: one-hot rows
            dx = (y - t.reshape(y.shape)) / n
        else:
            # ja: ラベルの番号: 正解の位置から 1 を引く
            # en: label numbers: subtract 1 at each row's label
            dx = y.copy()
            dx[np.arange(n), t.reshape(-1)] -= 1
            dx = dx / n
        return (dout * dx).reshape(self.y.shape)
        # <<< solution


# %% check
check(SoftmaxWithLoss)

# %% [markdown] ja
# ## 計算グラフで確かめる: $\frac{\partial L}{\partial a} = \frac{y - t}{N}$
#
# 下の図は、Affine レイヤと Softmax-with-Loss レイヤを、$\exp$、和 ($\Sigma$)、逆数 ($1/x$)、$\log$、乗算、平均のノードまで分解した計算グラフです (`deepkiso.graph` の `affine_softmax_loss_example`)。逆伝播させると、途中のノードの勾配はどれも複雑なのに、スコア $a$ の勾配は $(y - t)/N$ にまとまります。あなたのレイヤの `backward` と比べます。

# %% [markdown] en
# ## Checking with a computational graph: $\frac{\partial L}{\partial a} = \frac{y - t}{N}$
#
# The drawing below takes the Affine and Softmax-with-Loss layers apart into $\exp$, sum
# ($\Sigma$), reciprocal ($1/x$), $\log$, multiply and mean nodes (`affine_softmax_loss_example` of
# `deepkiso.graph`). Run backward: the gradients along the way are all involved, yet the gradient
# of the scores $a$ comes out as $(y - t)/N$. It is compared with your layer's `backward`.

# %% picture
example = affine_softmax_loss_example()
example.output.backward()
x, W, b, t = (example.inputs[k].data for k in ("x", "W", "b", "t"))
a = x @ W + b
y = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
print("(y - t) / N =", np.round((y - t) / len(a), 4).tolist())
layer = SoftmaxWithLoss()
if implemented(layer.forward, a, t) and implemented(layer.backward):
    mine = layer.backward()
    print("backward():", np.round(mine, 4).tolist())
    # ja: グラフの dL/dW は xᵀ · dL/da: あなたの dL/da から計算した値と比べる
    # en: the graph's dL/dW is xᵀ · dL/da: compared with the one from your dL/da
    print("dL/dW:", np.allclose(x.T @ mine, example.inputs["W"].grad))
draw_graph(example.output, title=example.title)
