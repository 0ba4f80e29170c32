# Source of the notebook 2_13_layers_batch (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_13 各種レイヤのバッチ対応
#
# 2_12 では 1 つのデータについてレイヤを実装しました。実際の学習では、N 個のデータをまとめた **バッチ** を一度に流します。入力は形状 $(N, D)$ の行列で、1 行が 1 つのデータです。この演習では、2_12 の AddLayer、MulLayer、Relu、Sigmoid がバッチでもそのまま正しく動くことを確かめます。

# %% [markdown] en
# # 2_13 Layers on a batch
#
# In 2_12 you wrote the layers for one sample. Real training sends a **batch** of N samples through
# at once: the input is a matrix of shape $(N, D)$, one sample per row. In this exercise you check
# that the AddLayer, MulLayer, Relu and Sigmoid of 2_12 work unchanged on a batch.

# %% [markdown] ja
# ## なぜそのまま動くのか
#
# 4 つのレイヤはどれも **要素ごと** の計算です。$z = x + y$、$z = x \times y$、ReLU、シグモイドは、配列の各要素について 1 つのデータのときと同じ式を計算し、逆伝播も要素ごとに
#
# $$\frac{\partial L}{\partial x_{nd}} = \frac{\partial L}{\partial y_{nd}} \cdot
# \frac{\partial y_{nd}}{\partial x_{nd}}$$
#
# となります。NumPy の演算 (`+`、`*`、`np.exp`、比較 `x <= 0`) は配列の形状によらず要素ごとに働くので、2_12 のコードがそのままバッチに使えます。`mask` も $x$ と同じ形状の真偽値の配列になります。
#
# 注意が 1 つあります。バッチの全データに **同じ値** (例えば全員に共通の税率) を掛けたときは、その値の勾配は N 個の勾配の **合計** です。2_14 の Affine レイヤでバイアス $B$ の勾配をバッチ方向に合計するのと同じ理由です。
#
# 下のセルには 2_12 と同じ穴があります。2_12 で書いたコードを貼り付けてもかまいません。

# %% [markdown] en
# ## Why they work unchanged
#
# All four layers compute **element by element**. $z = x + y$, $z = x \times y$, ReLU and the
# sigmoid compute, for each element of the array, the same formula as for one sample, and the
# backward pass is element by element as well:
#
# $$\frac{\partial L}{\partial x_{nd}} = \frac{\partial L}{\partial y_{nd}} \cdot
# \frac{\partial y_{nd}}{\partial x_{nd}}$$
#
# NumPy's operations (`+`, `*`, `np.exp`, the comparison `x <= 0`) work element by element whatever
# the shape, so the code of 2_12 serves a batch as it is; `mask` becomes an array of booleans of
# the shape of $x$.
#
# One caution: when **one value** multiplies every sample of the batch (a tax rate shared by
# everyone, say), its gradient is the **sum** of the N gradients, for the same reason that the
# Affine layer of 2_14 sums the gradient of its bias $B$ over the batch.
#
# The cells below have the same blanks as 2_12; you may paste the code you wrote there.

# %%
import numpy as np

from deepkiso.check import check
from deepkiso.graph import Variable
from deepkiso.graph import sum as graph_sum
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented
from deepkiso.plots.graph import draw_graph

set_language("{{lang}}")


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
# ## バッチで動かしてみる
#
# 3 つのデータ (3 行) × 4 要素のバッチを Relu と Sigmoid に通し、形状と `mask` を表示します。

# %% [markdown] en
# ## Running a batch
#
# A batch of 3 samples (rows) of 4 values each goes through Relu and Sigmoid: the shapes and the
# `mask`.

# %%
x_batch = np.array([[1.0, -0.5, 2.0, -3.0], [0.0, 4.0, -1.0, 0.5], [-2.0, 1.5, 3.0, -0.1]])
dout_batch = np.ones_like(x_batch)
relu, sigmoid = Relu(), Sigmoid()
if implemented(relu.forward, x_batch) and implemented(relu.backward, dout_batch):
    print("relu forward:", relu.forward(x_batch).shape)
    print(relu.mask)
    print("relu backward:")
    print(relu.backward(dout_batch))
if implemented(sigmoid.forward, x_batch) and implemented(sigmoid.backward, dout_batch):
    print("sigmoid backward = y(1 - y):")
    print(np.round(sigmoid.backward(dout_batch), 3))

# %% [markdown] ja
# ## 4 人分の買い物をまとめて計算する
#
# 4 人がそれぞれ鉛筆 (80 円) を何本かとノート (150 円) を何冊か買い、全員に同じ税率 1.1 を掛けます。損失にあたる $L$ は 4 人の支払額の合計です。あなたのレイヤでバッチのまま順伝播・逆伝播し、deepkiso の計算グラフの結果と比べます。税率の勾配は、4 人分の勾配の合計になることを確かめましょう (図では、税率へ戻る破線の矢印に、合計したことが書き添えられています)。

# %% [markdown] en
# ## Four shopping bills at once
#
# Four customers each buy some pencils (80 yen) and notebooks (150 yen), and everyone pays the same
# tax rate 1.1. The "loss" $L$ is the sum of the four bills. Your layers run forward and backward on
# the whole batch and are compared with deepkiso's computational graph. Check that the tax rate's
# gradient is the sum of the four customers' gradients (in the drawing, the dashed arrow back to
# the tax rate says it was summed).

# %% picture
n_pencils = np.array([3.0, 1.0, 0.0, 5.0])
n_notebooks = np.array([2.0, 4.0, 1.0, 0.0])
pencil_price, notebook_price, tax = 80.0, 150.0, 1.1

vp, vn = Variable(n_pencils, "n_pencils"), Variable(n_notebooks, "n_notebooks")
vtax = Variable(tax, "tax")
bills = ((vp * pencil_price).named("pencils") + (vn * notebook_price).named("notebooks")).named(
    "subtotal"
)
total = graph_sum((bills * vtax).named("bills")).named("L")
total.backward()

mul, add = MulLayer(), AddLayer()
if (
    implemented(mul.forward, n_pencils, 2.0)
    and implemented(mul.backward, np.ones(4))
    and implemented(add.forward, n_pencils, n_notebooks)
    and implemented(add.backward, np.ones(4))
):
    pencils_layer, notebooks_layer = MulLayer(), MulLayer()
    subtotal_layer, tax_layer = AddLayer(), MulLayer()
    pencils = pencils_layer.forward(n_pencils, pencil_price)
    notebooks = notebooks_layer.forward(n_notebooks, notebook_price)
    subtotal = subtotal_layer.forward(pencils, notebooks)
    bill = tax_layer.forward(subtotal, tax)
    # ja: L = Σ bill なので、dL/d(bill) はすべて 1
    # en: L = Σ bill, so every dL/d(bill) is 1
    d_subtotal, d_tax = tax_layer.backward(np.ones(4))
    d_pencils, d_notebooks = subtotal_layer.backward(d_subtotal)
    d_n_pencils, _d_price = pencils_layer.backward(d_pencils)
    print("bills:", np.round(bill, 1))
    print("dL/dn_pencils:", np.round(d_n_pencils, 4), np.allclose(d_n_pencils, vp.grad))
    print("dL/dtax per customer:", np.round(d_tax, 4))
    print("their sum:", round(float(np.sum(d_tax)), 4), np.allclose(np.sum(d_tax), vtax.grad))
draw_graph(total, title="L = Σ (80 · n_pencils + 150 · n_notebooks) · tax")
