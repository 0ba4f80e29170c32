# Source of the notebook 2_6_saddlepoint (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_6 鞍点・プラトーの可視化
#
# 勾配が 0 になる場所は最小値だけではありません。
#
# - **鞍点** (あんてん、saddle point): 最小値でないのに勾配が 0 になる点です。ある向きには谷、別の向きには山になっています。例えば
#   $$f(x, y) = x^2 - y^2, \qquad \nabla f = (2x, -2y)$$
#   は原点で勾配が 0 ですが、$x$ の向きには最小、$y$ の向きには最大です。
# - **プラトー** (plateau): ほとんど勾配のない平らな地帯です。例えば
#   $$f(x, y) = 1 - e^{-(x^2 + y^2)/2}$$
#   は原点から離れるほど平らになり、そこでは学習がほとんど進みません (停滞期)。
#
# 勾配法は勾配が 0 (に近い) 所で止まるので、鞍点やプラトーにはまると学習が止まってしまいます。

# %% [markdown] en
# # 2_6 Visualizing saddle points and plateaus
#
# The gradient is zero at more places than the minimum.
#
# - A **saddle point** is a point where the gradient is zero although it is no minimum: a valley in
#   one direction, a ridge in another. For example
#   $$f(x, y) = x^2 - y^2, \qquad \nabla f = (2x, -2y)$$
#   has a zero gradient at the origin, a minimum along $x$ and a maximum along $y$.
# - A **plateau** is a flat region with almost no gradient. For example
#   $$f(x, y) = 1 - e^{-(x^2 + y^2)/2}$$
#   grows flatter the farther from the origin, and there training hardly moves (a stall).
#
# Gradient methods stop where the gradient is (nearly) zero, so a saddle point or a plateau can stop
# training.

# %%
import numpy as np

from deepkiso.i18n import set_language
from deepkiso.landscape import classify_point, descend, get_surface
from deepkiso.plots.landscape import plot_landscape

set_language("{{lang}}")

# %% [markdown] ja
# ## 鞍点
#
# 等高線・矢印 ($-\nabla f$)・3次元の曲面で見ます。$(1, 0.001)$ から勾配降下法で下ると、
# しばらく原点 (鞍点) の近くで足踏みしてから $y$ の向きに逃げていきます。

# %% [markdown] en
# ## A saddle point
#
# Look at the contour map, the arrows ($-\nabla f$) and the surface in 3-D. Gradient descent from
# $(1, 0.001)$ lingers near the origin (the saddle point) for a while before it escapes along $y$.

# %% picture
saddle = get_surface("saddle")
plot_landscape(
    saddle, [descend(saddle, (1.0, 0.001), "sgd", lr=0.1, n_steps=40)], show_surface=True
)

# %% [markdown] ja
# 勾配と、2階微分 (ヘッセ行列の固有値) の符号で、点の種類がわかります。鞍点では固有値の符号が混ざります。

# %% [markdown] en
# The gradient and the signs of the second derivatives (the Hessian's eigenvalues) tell what kind of
# point it is: at a saddle point the eigenvalues have both signs.

# %%
for point in ([0.0, 0.0], [1.0, 0.5]):
    report = classify_point(saddle, np.array(point))
    print(point, report.kind)

# %% [markdown] ja
# ## プラトー
#
# $(3.5, 2.5)$ は平らな地帯にあります。同じ学習率で勾配降下法 (sgd) と Adam を比べます。

# %% [markdown] en
# ## A plateau
#
# $(3.5, 2.5)$ lies in the flat region. Compare gradient descent (sgd) and Adam with the same
# learning rate.

# %% picture
plateau = get_surface("plateau")
paths = [descend(plateau, (3.5, 2.5), name, lr=0.1, n_steps=100) for name in ("sgd", "adam")]
plot_landscape(plateau, paths, show_surface=True)
