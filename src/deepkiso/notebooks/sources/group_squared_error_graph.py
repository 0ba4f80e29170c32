# Source of the notebook group_squared_error_graph (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # グループワーク: 2乗和誤差レイヤの逆伝播を詳細な計算グラフで確かめる
#
# 2乗和誤差レイヤの逆伝播は $y_k - t_k$ になる、と学びました。本当にそうなるのかを、加算ノードと乗算ノードだけでなく、**減算ノード**、**2 乗ノード**、**逆数ノード** なども使った詳細な計算グラフを描いて確かめましょう。どのノードも微分できるので、連鎖律で勾配を 1 ノードずつ逆にたどれます。
#
# 2〜3 名のグループで、まず紙に計算グラフを描き、各ノードの局所的な微分を書き込んでから、下のセルで deepkiso の計算グラフ (`deepkiso.graph`) を使って確かめてください。

# %% [markdown] en
# # Group work: the squared-error layer's backward pass, as a detailed computational graph
#
# You learned that the backward pass of the squared-error layer gives $y_k - t_k$. Check that it
# really does by drawing a detailed computational graph: not only add and multiply nodes, but also
# **subtract**, **square** and **reciprocal** nodes. Every node is differentiable, so the chain rule
# takes the gradient back one node at a time.
#
# In groups of 2 or 3, first draw the graph on paper with each node's local derivative, then check
# it below with deepkiso's computational graph (`deepkiso.graph`).

# %% [markdown] ja
# ## 1 つのデータの計算グラフ
#
# $$L = \frac{1}{2} \sum_{k=1}^{K} (y_k - t_k)^2$$
#
# を、次のノードに分けます。
#
# | ノード | 順伝播 | 局所的な微分 |
# |---|---|---|
# | 減算 | $d_k = y_k - t_k$ | $\frac{\partial d_k}{\partial y_k} = 1$ |
# | 2乗 | $s_k = d_k^2$ | $\frac{\partial s_k}{\partial d_k} = 2 d_k$ |
# | 和 ($\Sigma$) | $S = \sum_k s_k$ | $\frac{\partial S}{\partial s_k} = 1$ |
# | 逆数 | $r = \frac{1}{2}$ | (定数 2 の逆数: 勾配は不要) |
# | 乗算 | $L = S \times r$ | $\frac{\partial L}{\partial S} = r = \frac{1}{2}$ |
#
# 出力側から連鎖律で掛け合わせると
#
# $$\frac{\partial L}{\partial y_k}
# = \frac{\partial L}{\partial S} \frac{\partial S}{\partial s_k}
#   \frac{\partial s_k}{\partial d_k} \frac{\partial d_k}{\partial y_k}
# = \frac{1}{2} \times 1 \times 2 d_k \times 1 = y_k - t_k$$
#
# となります。2 乗ノードの「2」と $\frac{1}{2}$ が打ち消し合うのが、$\frac{1}{2}$ を付けておく理由です。

# %% [markdown] en
# ## The graph for one sample
#
# $$L = \frac{1}{2} \sum_{k=1}^{K} (y_k - t_k)^2$$
#
# splits into these nodes:
#
# | node | forward | local derivative |
# |---|---|---|
# | subtract | $d_k = y_k - t_k$ | $\frac{\partial d_k}{\partial y_k} = 1$ |
# | square | $s_k = d_k^2$ | $\frac{\partial s_k}{\partial d_k} = 2 d_k$ |
# | sum ($\Sigma$) | $S = \sum_k s_k$ | $\frac{\partial S}{\partial s_k} = 1$ |
# | reciprocal | $r = \frac{1}{2}$ | (the reciprocal of the constant 2: no gradient needed) |
# | multiply | $L = S \times r$ | $\frac{\partial L}{\partial S} = r = \frac{1}{2}$ |
#
# Multiplying back from the output by the chain rule:
#
# $$\frac{\partial L}{\partial y_k}
# = \frac{\partial L}{\partial S} \frac{\partial S}{\partial s_k}
#   \frac{\partial s_k}{\partial d_k} \frac{\partial d_k}{\partial y_k}
# = \frac{1}{2} \times 1 \times 2 d_k \times 1 = y_k - t_k$$
#
# The 2 of the square node cancels the $\frac{1}{2}$: that is why the $\frac{1}{2}$ is there.

# %%
import numpy as np
from IPython.display import display

from deepkiso.check import check
from deepkiso.graph import Variable, reciprocal, square, squared_error_detailed_example
from deepkiso.graph import sum as graph_sum
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented
from deepkiso.plots.graph import draw_graph

set_language("{{lang}}")

# %% [markdown] ja
# ## 演習 1: 計算グラフを組み立てる
#
# deepkiso の `Variable` どうしの演算 (`-`、`*`) と関数 `square`、`graph_sum` (`deepkiso.graph` の `sum`)、`reciprocal` で、上の表のとおりにグラフを組み立て、損失のノード `L` と出力のノード `y` を返してください。`.named("…")` で付けた名前が図に表示されます。正解値 `t` は勾配のいらない定数 (`requires_grad=False`) にします。

# %% [markdown] en
# ## Exercise 1: building the graph
#
# Build the graph of the table above from operations on deepkiso's `Variable`s (`-`, `*`) and the
# functions `square`, `graph_sum` (the `sum` of `deepkiso.graph`) and `reciprocal`, and return the
# loss node `L` and the output node `y`. Names given with `.named("…")` appear in the drawing. The
# target `t` is a constant that needs no gradient (`requires_grad=False`).


# %% exercise
def squared_error_graph(y, t):
    vy = Variable(y, "y")
    vt = Variable(t, "t", requires_grad=False)
    # >>> solution
    d = (vy - vt).named("y - t")
    s = square(d).named("(y - t)²")
    total = graph_sum(s).named("Σ(y - t)²")
    half = reciprocal(Variable(2.0, "2", requires_grad=False)).named("½")
    loss = (total * half).named("L")
    # <<< solution
    return loss, vy


# %% [markdown] ja
# ## 逆伝播させて確かめる
#
# 出力 $y = (0.7, 0.2, 0.1)$、正解 $t = (1, 0, 0)$ で `L.backward()` を呼ぶと、`y.grad` に $\frac{\partial L}{\partial y}$ が入ります。$y - t$ と一致するでしょうか。図では、各ノードの値 (黒) と勾配 (赤)、逆向きの破線の矢印に局所的な微分が書かれています。

# %% [markdown] en
# ## Running it backward
#
# With the output $y = (0.7, 0.2, 0.1)$ and the target $t = (1, 0, 0)$, `L.backward()` puts
# $\frac{\partial L}{\partial y}$ into `y.grad`. Does it equal $y - t$? The drawing shows each node's
# value (black) and gradient (red), and each dashed backward arrow its local derivative.

# %% picture
y = np.array([0.7, 0.2, 0.1])
t = np.array([1.0, 0.0, 0.0])
if implemented(squared_error_graph, y, t):
    L, y_node = squared_error_graph(y, t)
    L.backward()
    print("L =", L.data)
    print("dL/dy =", y_node.grad, "  y - t =", y - t)
    display(draw_graph(L))

# %% [markdown] ja
# ## バッチの場合: $(y - t)/N$
#
# バッチ (N 個のデータ) では損失を N で割って平均を取るので、逆数ノード $1/N$ がもう 1 つ増え、勾配は $\frac{y - t}{N}$ になります。損失関数レイヤの逆伝播でバッチサイズで割るのはこのためです。下の図は deepkiso に用意された詳細版のグラフ (`squared_error_detailed_example`、N = 2) です。

# %% [markdown] en
# ## For a batch: $(y - t)/N$
#
# For a batch of N samples, the loss is divided by N (the mean), which adds another reciprocal
# node, $1/N$, and the gradient becomes $\frac{y - t}{N}$: this is why a loss layer's backward pass
# divides by the batch size. The drawing is deepkiso's detailed graph
# (`squared_error_detailed_example`, N = 2).

# %% picture
example = squared_error_detailed_example()
example.output.backward()
y_batch = example.inputs["y"].data
t_batch = example.inputs["t"].data
print("dL/dy =", example.inputs["y"].grad.tolist())
print("(y - t) / N =", ((y_batch - t_batch) / len(y_batch)).tolist())
draw_graph(example.output, title=example.title)

# %% [markdown] ja
# ## 演習 2: 2乗和誤差レイヤ
#
# 以上をレイヤにまとめます。`forward(y, t)` はバッチの平均の損失 $\frac{1}{N} \sum_n \frac{1}{2} \sum_k (y_{nk} - t_{nk})^2$ を返し、`backward(dout=1)` は $\text{dout} \cdot \frac{y - t}{N}$ を返します。1 つのデータ (1 次元) は 1 行のバッチとして扱ってかまいません。

# %% [markdown] en
# ## Exercise 2: the squared-error layer
#
# Put it all into a layer. `forward(y, t)` returns the batch mean of the loss,
# $\frac{1}{N} \sum_n \frac{1}{2} \sum_k (y_{nk} - t_{nk})^2$, and `backward(dout=1)` returns
# $\text{dout} \cdot \frac{y - t}{N}$. One sample (1-D) may be treated as a batch of one row.


# %% exercise
class SquaredError:
    def __init__(self):
        self.y = None
        self.t = None

    def forward(self, y, t):
        # >>> solution
        self.y = y
        self.t = t
        rows = y.reshape(-1, y.shape[-1])
        return 0.5 * np.sum((y - t) ** 2) / rows.shape[0]
        # <<< solution

    def backward(self, dout=1):
        # >>> solution
        n = self.y.reshape(-1, self.y.shape[-1]).shape[0]
        return dout * (self.y - self.t) / n
        # <<< solution


# %% check
check(SquaredError)

# %% [markdown] ja
# ## レイヤとグラフを比べる
#
# 上のバッチのグラフと同じ $y$、$t$ で、あなたのレイヤの `backward` がグラフの勾配と一致するかを確かめます。

# %% [markdown] en
# ## The layer against the graph
#
# With the $y$ and $t$ of the batch graph above: does your layer's `backward` match the graph's
# gradient?

# %%
layer = SquaredError()
if implemented(layer.forward, y_batch, t_batch) and implemented(layer.backward):
    print("forward:", layer.forward(y_batch, t_batch), " graph:", example.output.data)
    print("backward matches the graph:", np.allclose(layer.backward(), example.inputs["y"].grad))

# %% [markdown] ja
# ## 話し合ってみよう
#
# - 損失に $\frac{1}{2}$ を付けなかったら、逆伝播はどうなるでしょうか。学習に影響はあるでしょうか。
# - 2乗のかわりに絶対値 $|y - t|$ を使うと、逆伝播はどうなるでしょうか (`deepkiso.graph.absolute`)。
# - 同じ計算グラフを、別のノードの分け方 (例えば $d^2 = d \times d$ の乗算ノード) で描くこともできます。勾配は変わるでしょうか。

# %% [markdown] en
# ## To discuss
#
# - Without the $\frac{1}{2}$ in the loss, what would the backward pass give? Would it matter for
#   training?
# - With the absolute value $|y - t|$ instead of the square, what does the backward pass give
#   (`deepkiso.graph.absolute`)?
# - The same graph can be split into other nodes (for example $d^2 = d \times d$, a multiply node).
#   Does the gradient change?
