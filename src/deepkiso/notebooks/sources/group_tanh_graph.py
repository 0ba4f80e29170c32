# Source of the notebook group_tanh_graph (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # グループワーク: tanh の逆伝播
#
# 活性化関数として使われる $\tanh$ (双曲線正接関数) の逆伝播はどうなるでしょうか。詳細な計算グラフを描いて確かめましょう。ノードは加算ノードや乗算ノードのほかに、$\exp$ ノード、逆数ノード、減算ノードなど、微分できるものなら何を使ってもかまいません。最後に、$y = \tanh(x)$ のとき $\frac{dy}{dx}$ が $y$ だけで表せることを確かめます。
#
# 2〜3 名のグループで、まず紙に計算グラフを描き、各ノードの局所的な微分を書き込んでから、下のセルで deepkiso の計算グラフ (`deepkiso.graph`) を使って確かめてください。

# %% [markdown] en
# # Group work: the backward pass of tanh
#
# What is the backward pass of $\tanh$, the hyperbolic tangent, used as an activation function?
# Draw a detailed computational graph to find out. Besides add and multiply nodes, any
# differentiable node will do: $\exp$, reciprocal, subtract… Finally, check that for
# $y = \tanh(x)$, $\frac{dy}{dx}$ can be written with $y$ alone.
#
# In groups of 2 or 3, first draw the graph on paper with each node's local derivative, then check
# it below with deepkiso's computational graph (`deepkiso.graph`).

# %% [markdown] ja
# ## ノードに分ける
#
# $$y = \tanh(x) = \frac{\exp(x) - \exp(-x)}{\exp(x) + \exp(-x)} = \frac{1 - \exp(-2x)}{1 + \exp(-2x)}$$
#
# $e = \exp(-2x)$ とおくと $y = (1 - e) \times \frac{1}{1 + e}$ で、次のノードに分けられます。
#
# | ノード | 順伝播 | 局所的な微分 |
# |---|---|---|
# | 乗算 | $u = -2 \times x$ | $\frac{\partial u}{\partial x} = -2$ |
# | $\exp$ | $e = \exp(u)$ | $\frac{\partial e}{\partial u} = \exp(u) = e$ |
# | 加算 | $p = 1 + e$ | $\frac{\partial p}{\partial e} = 1$ |
# | 逆数 | $r = \frac{1}{p}$ | $\frac{\partial r}{\partial p} = -\frac{1}{p^2}$ |
# | 減算 | $q = 1 - e$ | $\frac{\partial q}{\partial e} = -1$ |
# | 乗算 | $y = q \times r$ | $\frac{\partial y}{\partial q} = r, \ \frac{\partial y}{\partial r} = q$ |
#
# $e$ は $p$ と $q$ の 2 つに分かれて使われるので、$e$ の勾配は 2 つの経路の勾配の **和** です。
#
# $$\frac{\partial y}{\partial e} = \frac{\partial y}{\partial q} \frac{\partial q}{\partial e}
# + \frac{\partial y}{\partial r} \frac{\partial r}{\partial p} \frac{\partial p}{\partial e}
# = -\frac{1}{1 + e} - \frac{1 - e}{(1 + e)^2} = -\frac{2}{(1 + e)^2}$$
#
# $$\frac{dy}{dx} = \frac{\partial y}{\partial e} \frac{\partial e}{\partial u} \frac{\partial u}{\partial x}
# = -\frac{2}{(1 + e)^2} \times e \times (-2) = \frac{4e}{(1 + e)^2}$$
#
# 一方、$1 - y^2 = \frac{(1 + e)^2 - (1 - e)^2}{(1 + e)^2} = \frac{4e}{(1 + e)^2}$ なので、
#
# $$\frac{dy}{dx} = 1 - y^2$$
#
# です。シグモイドの $y(1 - y)$ と同じく、順伝播の出力 $y$ だけで逆伝播できます。

# %% [markdown] en
# ## Splitting into nodes
#
# $$y = \tanh(x) = \frac{\exp(x) - \exp(-x)}{\exp(x) + \exp(-x)} = \frac{1 - \exp(-2x)}{1 + \exp(-2x)}$$
#
# With $e = \exp(-2x)$, $y = (1 - e) \times \frac{1}{1 + e}$, which splits into these nodes:
#
# | node | forward | local derivative |
# |---|---|---|
# | multiply | $u = -2 \times x$ | $\frac{\partial u}{\partial x} = -2$ |
# | $\exp$ | $e = \exp(u)$ | $\frac{\partial e}{\partial u} = \exp(u) = e$ |
# | add | $p = 1 + e$ | $\frac{\partial p}{\partial e} = 1$ |
# | reciprocal | $r = \frac{1}{p}$ | $\frac{\partial r}{\partial p} = -\frac{1}{p^2}$ |
# | subtract | $q = 1 - e$ | $\frac{\partial q}{\partial e} = -1$ |
# | multiply | $y = q \times r$ | $\frac{\partial y}{\partial q} = r, \ \frac{\partial y}{\partial r} = q$ |
#
# $e$ is used twice, by $p$ and by $q$, so its gradient is the **sum** of the gradients along the
# two paths:
#
# $$\frac{\partial y}{\partial e} = \frac{\partial y}{\partial q} \frac{\partial q}{\partial e}
# + \frac{\partial y}{\partial r} \frac{\partial r}{\partial p} \frac{\partial p}{\partial e}
# = -\frac{1}{1 + e} - \frac{1 - e}{(1 + e)^2} = -\frac{2}{(1 + e)^2}$$
#
# $$\frac{dy}{dx} = \frac{\partial y}{\partial e} \frac{\partial e}{\partial u} \frac{\partial u}{\partial x}
# = -\frac{2}{(1 + e)^2} \times e \times (-2) = \frac{4e}{(1 + e)^2}$$
#
# And $1 - y^2 = \frac{(1 + e)^2 - (1 - e)^2}{(1 + e)^2} = \frac{4e}{(1 + e)^2}$, so
#
# $$\frac{dy}{dx} = 1 - y^2$$
#
# As with the sigmoid's $y(1 - y)$, the forward output $y$ is all the backward pass needs.

# %%
import numpy as np
from IPython.display import display

from deepkiso.check import check
from deepkiso.graph import Variable, exp, reciprocal
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented
from deepkiso.plots.graph import draw_graph
from deepkiso.plots.vanishing import plot_vanishing
from deepkiso.vanishing import activation_derivatives, compare_activations

set_language("{{lang}}")

# %% [markdown] ja
# ## 演習 1: tanh の計算グラフを組み立てる
#
# deepkiso の `Variable` どうしの演算 (`+`、`-`、`*`) と関数 `exp`、`reciprocal` で、上の表のとおりにグラフを組み立て、出力のノード `y` と入力のノード `x` を返してください。数 (`-2.0` や `1.0`) はそのまま `Variable` と演算できます。`.named("…")` で付けた名前が図に表示されます。`np.tanh` や `deepkiso.graph.tanh` は使わないでください。

# %% [markdown] en
# ## Exercise 1: building the graph of tanh
#
# Build the graph of the table above from operations on deepkiso's `Variable`s (`+`, `-`, `*`) and
# the functions `exp` and `reciprocal`, and return the output node `y` and the input node `x`.
# Plain numbers (`-2.0`, `1.0`) combine with a `Variable` directly. Names given with `.named("…")`
# appear in the drawing. Do not use `np.tanh` or `deepkiso.graph.tanh`.


# %% exercise
def tanh_graph(x):
    vx = Variable(x, "x")
    # >>> solution
    u = (-2.0 * vx).named("u = -2x")
    e = exp(u).named("e")
    p = (1.0 + e).named("p = 1 + e")
    r = reciprocal(p).named("r = 1/p")
    q = (1.0 - e).named("q = 1 - e")
    y = (q * r).named("y")
    # <<< solution
    return y, vx


# %% [markdown] ja
# ## 逆伝播させて確かめる
#
# $x = 0.5$ で `y.backward()` を呼ぶと、`x.grad` に $\frac{dy}{dx}$ が入ります。順伝播の値が `np.tanh(0.5)` と、勾配が $1 - y^2$ と一致するでしょうか。図の $e$ のノードでは、2 つの経路から戻ってきた勾配が足し合わされています。

# %% [markdown] en
# ## Running it backward
#
# At $x = 0.5$, `y.backward()` puts $\frac{dy}{dx}$ into `x.grad`. Does the forward value equal
# `np.tanh(0.5)`, and the gradient $1 - y^2$? At the node $e$ in the drawing, the gradients coming
# back along the two paths are added up.

# %% picture
if implemented(tanh_graph, 0.5):
    y_node, x_node = tanh_graph(0.5)
    y_node.backward()
    print("y =", y_node.data, "  np.tanh(0.5) =", np.tanh(0.5))
    print("dy/dx =", x_node.grad, "  1 - y² =", 1 - y_node.data**2)
    display(draw_graph(y_node))

# %% [markdown] ja
# ## 演習 2: Tanh レイヤ
#
# 結果をレイヤにまとめます。`forward(x)` は $y = \tanh(x)$ (`np.tanh` を使ってかまいません) を返して $y$ を覚えておき、`backward(dout)` は $\frac{\partial L}{\partial x} = \text{dout} \times (1 - y^2)$ を返します。

# %% [markdown] en
# ## Exercise 2: the Tanh layer
#
# Put the result into a layer. `forward(x)` returns $y = \tanh(x)$ (`np.tanh` is fine here) and
# keeps $y$; `backward(dout)` returns
# $\frac{\partial L}{\partial x} = \text{dout} \times (1 - y^2)$.


# %% exercise
class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        # >>> solution
        self.out = np.tanh(x)
        return self.out
        # <<< solution

    def backward(self, dout):
        # >>> solution
        return dout * (1 - self.out**2)
        # <<< solution


# %% check
check(Tanh)

# %% [markdown] ja
# ## tanh、シグモイド、ReLU の微分
#
# あなたの Tanh レイヤの `backward` で求めた $1 - y^2$ を、シグモイドと ReLU の微分と並べます (左)。$\tanh$ の微分は $x = 0$ で最大の 1 になり、シグモイドの 0.25 の 4 倍です。右の図は、隠れ層 10 層のネットワークで各層に届く勾配の大きさを比べたものです (`deepkiso.vanishing`)。

# %% [markdown] en
# ## The derivatives of tanh, sigmoid and ReLU
#
# The $1 - y^2$ of your Tanh layer's `backward`, beside the derivatives of the sigmoid and ReLU
# (left). The derivative of $\tanh$ peaks at 1 at $x = 0$, four times the sigmoid's 0.25. The right
# panel compares the size of the gradient reaching each layer of a net with 10 hidden layers
# (`deepkiso.vanishing`).

# %% picture
xs = np.linspace(-6, 6, 241)
layer = Tanh()
if implemented(layer.forward, xs) and implemented(layer.backward, np.ones_like(xs)):
    derivatives = activation_derivatives(xs)
    derivatives["tanh"] = layer.backward(np.ones_like(xs))
    display(plot_vanishing(compare_activations(), xs, derivatives))

# %% [markdown] ja
# ## 話し合ってみよう
#
# - $\tanh(x) = 2\,\sigma(2x) - 1$ ($\sigma$ はシグモイド関数) を使うと、$1 - y^2$ をシグモイドの $y(1 - y)$ から導けるでしょうか。
# - $\tanh$ の出力は $-1$ から $1$、シグモイドは $0$ から $1$ です。この違いは学習にどう影響するでしょうか。
# - $\tanh$ を活性化関数に使うと、勾配消失は起こらないのでしょうか ($|x|$ が大きいときの微分は?)。

# %% [markdown] en
# ## To discuss
#
# - With $\tanh(x) = 2\,\sigma(2x) - 1$ ($\sigma$ the sigmoid), can you derive $1 - y^2$ from the
#   sigmoid's $y(1 - y)$?
# - tanh outputs values from $-1$ to $1$, the sigmoid from $0$ to $1$. How might that difference
#   affect training?
# - Does tanh as the activation function avoid vanishing gradients (what is its derivative for
#   large $|x|$)?
