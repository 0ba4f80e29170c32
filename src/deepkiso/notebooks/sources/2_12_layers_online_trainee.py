# Source of the notebook 2_12_layers_online_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_12 各種レイヤの実装 (1 つのデータ)
#
# 誤差逆伝播法では、計算を小さな部品 (レイヤ) に分けます。どのレイヤも同じ 2 つのメソッドを持ちます。
#
# - `forward`: 入力から出力を計算する (順伝播)。逆伝播で必要な値を覚えておく。
# - `backward`: 上流 (出力側) から来た勾配 `dout` に局所的な微分を掛けて、下流 (入力側) へ渡す (逆伝播)。
#
# この演習では、計算グラフの加算ノード・乗算ノードにあたる **AddLayer**、**MulLayer** と、活性化関数の **Relu**、**Sigmoid** を、1 つのデータ (スカラーや 1 次元の配列) について実装します。

# %% [markdown] en
# # 2_12 Layers, one sample at a time
#
# Backpropagation splits a calculation into small parts, the layers. Every layer has the same two
# methods:
#
# - `forward`: computes the output from the input (the forward pass), keeping what backward needs.
# - `backward`: multiplies the gradient `dout` arriving from upstream (the output side) by the
#   layer's local derivative and passes it downstream (to the inputs): the backward pass.
#
# In this exercise you write **AddLayer** and **MulLayer**, the add and multiply nodes of a
# computational graph, and the activation layers **Relu** and **Sigmoid**, for one sample (numbers
# or 1-D arrays).

# %%
import numpy as np
from IPython.display import display

from deepkiso.check import check
from deepkiso.graph import shopping_example
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented
from deepkiso.plots.graph import draw_graph
from deepkiso.plots.vanishing import plot_vanishing
from deepkiso.vanishing import compare_activations

set_language("{{lang}}")

# %% [markdown] ja
# ## 演習 1: 加算レイヤ
#
# $z = x + y$ では $\frac{\partial z}{\partial x} = 1$、$\frac{\partial z}{\partial y} = 1$ なので、連鎖律から
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \times 1, \qquad
# \frac{\partial L}{\partial y} = \frac{\partial L}{\partial z} \times 1$$
#
# となります。加算ノードは上流の勾配をそのまま両方の入力へ渡します。

# %% [markdown] en
# ## Exercise 1: the add layer
#
# For $z = x + y$, $\frac{\partial z}{\partial x} = 1$ and $\frac{\partial z}{\partial y} = 1$, so
# the chain rule gives
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \times 1, \qquad
# \frac{\partial L}{\partial y} = \frac{\partial L}{\partial z} \times 1$$
#
# An add node passes the upstream gradient on to both inputs unchanged.


# %% exercise
class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        # >>> solution
        return x + y
        # <<< solution

    def backward(self, dout):
        # >>> solution
        dx = dout * 1
        dy = dout * 1
        return dx, dy
        # <<< solution


# %% check
check(AddLayer)

# %% [markdown] ja
# ## 演習 2: 乗算レイヤ
#
# $z = x \times y$ では $\frac{\partial z}{\partial x} = y$、$\frac{\partial z}{\partial y} = x$ です。
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \times y, \qquad
# \frac{\partial L}{\partial y} = \frac{\partial L}{\partial z} \times x$$
#
# 乗算ノードは、上流の勾配に **もう一方の入力** を掛けて渡します (x と y を入れ替えて掛ける)。そのため、順伝播の入力 `x`、`y` を覚えておく必要があります。

# %% [markdown] en
# ## Exercise 2: the multiply layer
#
# For $z = x \times y$, $\frac{\partial z}{\partial x} = y$ and $\frac{\partial z}{\partial y} = x$:
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \times y, \qquad
# \frac{\partial L}{\partial y} = \frac{\partial L}{\partial z} \times x$$
#
# A multiply node passes back the upstream gradient times **the other input** (x and y swap
# places), so it must keep the forward inputs `x` and `y`.


# %% exercise
class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        # >>> solution
        self.x = x
        self.y = y
        return x * y
        # <<< solution

    def backward(self, dout):
        # >>> solution
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy
        # <<< solution


# %% check
check(MulLayer)

# %% [markdown] ja
# ## 買い物の計算グラフ
#
# 鉛筆 80 円を 3 本、ノート 150 円を 2 冊買い、消費税 1.1 倍を掛けた支払額を、あなたの MulLayer と AddLayer で順伝播・逆伝播します。逆伝播の結果は「鉛筆の値段が 1 円上がると支払いがいくら増えるか」などを表します。下の図は同じ計算を deepkiso の計算グラフで描いたもので、赤い数字 (勾配) があなたの結果と一致するはずです。

# %% [markdown] en
# ## The shopping graph
#
# Three pencils at 80 yen, two notebooks at 150 yen, times 1.1 for the tax: your MulLayer and
# AddLayer compute the bill forward and its gradients backward. A gradient says, for example, how
# much more you pay when a pencil costs one yen more. The drawing shows the same calculation in
# deepkiso's computational graph; its red numbers (the gradients) should equal yours.

# %% picture
mul, add = MulLayer(), AddLayer()
if (
    implemented(mul.forward, 1.0, 2.0)
    and implemented(mul.backward, 1.0)
    and implemented(add.forward, 1.0, 2.0)
    and implemented(add.backward, 1.0)
):
    pencils_layer, notebooks_layer = MulLayer(), MulLayer()
    subtotal_layer, tax_layer = AddLayer(), MulLayer()
    pencils = pencils_layer.forward(80.0, 3.0)
    notebooks = notebooks_layer.forward(150.0, 2.0)
    subtotal = subtotal_layer.forward(pencils, notebooks)
    total = tax_layer.forward(subtotal, 1.1)
    d_subtotal, d_tax = tax_layer.backward(1.0)
    d_pencils, d_notebooks = subtotal_layer.backward(d_subtotal)
    d_pencil, d_n_pencils = pencils_layer.backward(d_pencils)
    d_notebook, d_n_notebooks = notebooks_layer.backward(d_notebooks)
    print("total:", round(total, 4))
    print("pencil:", round(d_pencil, 4), " n_pencils:", round(d_n_pencils, 4))
    print("notebook:", round(d_notebook, 4), " n_notebooks:", round(d_n_notebooks, 4))
    print("tax:", round(d_tax, 4))
shopping = shopping_example()
shopping.output.backward()
draw_graph(shopping.output, title=shopping.title)

# %% [markdown] ja
# ## 演習 3: ReLU レイヤ
#
# $$y = \begin{cases} x & (x > 0) \\ 0 & (x \leq 0) \end{cases}, \qquad
# \frac{\partial y}{\partial x} = \begin{cases} 1 & (x > 0) \\ 0 & (x \leq 0) \end{cases}$$
#
# 逆伝播では、順伝播で $x > 0$ だった要素は `dout` をそのまま通し、$x \leq 0$ だった要素は 0 にします。どの要素が $x \leq 0$ だったかを `forward` で覚えておきます (`mask`)。呼び出し元の `x` や `dout` を書き換えないよう、コピーしてから 0 を入れてください。

# %% [markdown] en
# ## Exercise 3: the ReLU layer
#
# $$y = \begin{cases} x & (x > 0) \\ 0 & (x \leq 0) \end{cases}, \qquad
# \frac{\partial y}{\partial x} = \begin{cases} 1 & (x > 0) \\ 0 & (x \leq 0) \end{cases}$$
#
# Backward lets `dout` through where the forward input had $x > 0$ and puts 0 where it had
# $x \leq 0$; `forward` remembers which elements those were (`mask`). Copy before writing the
# zeros, so that the caller's `x` and `dout` stay as they were.


# %% exercise
class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        # >>> solution
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out
        # <<< solution

    def backward(self, dout):
        # >>> solution
        dx = dout.copy()
        dx[self.mask] = 0
        return dx
        # <<< solution


# %% check
check(Relu)

# %% [markdown] ja
# ## 演習 4: シグモイドレイヤ
#
# $$y = \frac{1}{1 + \exp(-x)}$$
#
# $t = 1 + \exp(-x)$ とおくと $y = t^{-1}$ で、連鎖律から
#
# $$\frac{\partial y}{\partial x} = \frac{\partial y}{\partial t} \frac{\partial t}{\partial x}
# = -t^{-2} \times (-\exp(-x)) = y(1 - y)$$
#
# です。逆伝播は $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \times y(1 - y)$ なので、順伝播の **出力** $y$ を覚えておけば足ります。$x = -1000$ のような値で $\exp$ があふれないよう、工夫してください (例えば `np.clip` で $x$ を $[-500, 500]$ に収めても、値はほとんど変わりません)。

# %% [markdown] en
# ## Exercise 4: the sigmoid layer
#
# $$y = \frac{1}{1 + \exp(-x)}$$
#
# With $t = 1 + \exp(-x)$, $y = t^{-1}$ and the chain rule gives
#
# $$\frac{\partial y}{\partial x} = \frac{\partial y}{\partial t} \frac{\partial t}{\partial x}
# = -t^{-2} \times (-\exp(-x)) = y(1 - y)$$
#
# Backward is $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \times y(1 - y)$, so
# keeping the forward **output** $y$ is enough. Make sure $\exp$ does not overflow for inputs such
# as $x = -1000$ (clipping $x$ to $[-500, 500]$ with `np.clip`, for example, hardly changes any
# value).


# %% exercise
class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        # >>> solution
        self.out = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
        return self.out
        # <<< solution

    def backward(self, dout):
        # >>> solution
        return dout * self.out * (1 - self.out)
        # <<< solution


# %% check
check(Sigmoid)

# %% [markdown] ja
# ## ReLU とシグモイドの微分: 勾配消失
#
# あなたの Relu と Sigmoid に $x$ の値を並べた配列を通し、`dout` に 1 を与えて逆伝播すると、各点の微分 $\frac{\partial y}{\partial x}$ が得られます (左の図)。シグモイドの微分は最大でも 0.25 なので、層を重ねて何度も掛け合わせると、入力層に近づくほど勾配が小さくなります。これが **勾配消失** です。ReLU の微分は $x > 0$ で 1 なので、何度掛けても小さくなりません。右の図は、隠れ層 10 層のネットワークで、各層に届く勾配の大きさを比べたものです (`deepkiso.vanishing`)。

# %% [markdown] en
# ## The derivatives of ReLU and sigmoid: vanishing gradients
#
# Pass an array of $x$ values through your Relu and Sigmoid and backward a `dout` of ones: you get
# the derivative $\frac{\partial y}{\partial x}$ at every point (left). The sigmoid's derivative is
# at most 0.25, so multiplied again and again through many layers, the gradient shrinks on its way
# to the input layer: **vanishing gradients**. ReLU's derivative is 1 for $x > 0$, and stays 1
# however often it is multiplied. The right panel compares the size of the gradient reaching each
# layer of a net with 10 hidden layers (`deepkiso.vanishing`).

# %% picture
xs = np.linspace(-6, 6, 241)
derivatives = {}
for name, layer in (("sigmoid", Sigmoid()), ("relu", Relu())):
    if implemented(layer.forward, xs) and implemented(layer.backward, np.ones_like(xs)):
        derivatives[name] = layer.backward(np.ones_like(xs))
if derivatives:
    display(plot_vanishing(compare_activations(("sigmoid", "relu")), xs, derivatives))
