# Source of the notebook group_saddle_plateau (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # グループワーク: 鞍点やプラトーについて
#
# 2〜3名のグループで話し合いましょう (15分)。
#
# - 鞍点やプラトーに入っていることは、どうやって知ることができるでしょうか。
# - 鞍点やプラトーをうまく回避するにはどうすればよいでしょうか。いろいろなアイデアを出してみましょう。
#
# 話し合いの材料として、deepkiso の `deepkiso.landscape` で試してみます。点の種類は、勾配
# $\nabla f$ と、2階微分を並べたヘッセ行列 $H$ の固有値でわかります。
#
# $$H = \begin{pmatrix} \frac{\partial^2 f}{\partial x^2} & \frac{\partial^2 f}{\partial x \partial y} \\
# \frac{\partial^2 f}{\partial y \partial x} & \frac{\partial^2 f}{\partial y^2} \end{pmatrix}$$
#
# 勾配が 0 で、固有値に正と負が混ざれば鞍点、固有値もほぼ 0 ならプラトー、すべて正なら極小です。

# %% [markdown] en
# # Group work: saddle points and plateaus
#
# Discuss in groups of two or three (15 minutes):
#
# - How can you tell that training sits at a saddle point or on a plateau?
# - How can training avoid or leave them? Collect as many ideas as you can.
#
# As material, try them with deepkiso's `deepkiso.landscape`. The kind of a point follows from the
# gradient $\nabla f$ and the eigenvalues of the Hessian $H$, the matrix of second derivatives:
#
# $$H = \begin{pmatrix} \frac{\partial^2 f}{\partial x^2} & \frac{\partial^2 f}{\partial x \partial y} \\
# \frac{\partial^2 f}{\partial y \partial x} & \frac{\partial^2 f}{\partial y^2} \end{pmatrix}$$
#
# A zero gradient with eigenvalues of both signs is a saddle point; eigenvalues near zero too, a
# plateau; all positive, a minimum.

# %%
import numpy as np

from deepkiso.i18n import set_language
from deepkiso.landscape import classify_point, descend, get_surface
from deepkiso.plots.landscape import plot_landscape

set_language("{{lang}}")

# %% [markdown] ja
# ## 見分ける: 止まった点の種類
#
# 鞍点 $f = x^2 - y^2$ の原点のすぐそば $(1, 0)$ から勾配降下法で下ると、$y$ 方向の勾配が正確に 0 なので
# 鞍点に吸い込まれて止まります。止まった点の勾配とヘッセ行列の固有値を見ましょう。

# %% [markdown] en
# ## Telling them apart: what kind of point a walk stops at
#
# Gradient descent on the saddle $f = x^2 - y^2$ from $(1, 0)$, where the gradient along $y$ is
# exactly zero, is drawn into the saddle point and stops there. Look at the gradient and the Hessian's
# eigenvalues where it stopped.

# %%
saddle = get_surface("saddle")
stuck = descend(saddle, (1.0, 0.0), "sgd", lr=0.1, n_steps=60)
report = classify_point(saddle, stuck.points[-1])
print("終点:", stuck.points[-1], report.kind)  # ja
print("end:", stuck.points[-1], report.kind)  # en
print("∇f:", report.gradient)
print("固有値 (曲率):", report.curvatures)  # ja
print("eigenvalues (curvatures):", report.curvatures)  # en

# %% [markdown] ja
# ## 抜け出す: ゆらぎと慣性
#
# 同じ点から、勾配にノイズを加えた勾配降下法 (`noisy-gd`、小さなミニバッチの勾配に似たゆらぎ) と、
# Momentum、Adam で下ります。鞍点から抜け出せるのはどれでしょうか。それはなぜでしょうか。

# %% [markdown] en
# ## Getting out: noise and momentum
#
# From the same point, walk with noise added to the gradient (`noisy-gd`, like the gradient of a small
# mini-batch), with Momentum and with Adam. Which of them leave the saddle point, and why?

# %% picture
paths = [
    descend(saddle, (1.0, 0.0), name, lr=0.1, n_steps=60, rng=0)
    for name in ("sgd", "noisy-gd", "momentum", "adam")
]
plot_landscape(saddle, paths)

# %% [markdown] ja
# ## プラトー: 学習率と最適化手法
#
# 平らな地帯 $(3.5, 2.5)$ から、勾配降下法の学習率を変えたものと Adam を比べます。勾配の大きさで
# 割る Adam は、勾配が小さくても一定の歩幅で進みます。

# %% [markdown] en
# ## A plateau: learning rate and optimizer
#
# From the flat region at $(3.5, 2.5)$, compare gradient descent at two learning rates with Adam.
# Adam divides by the size of the gradient, so its steps keep their length where the gradient is tiny.

# %% picture
plateau = get_surface("plateau")
paths = [
    descend(plateau, (3.5, 2.5), "sgd", lr=0.1, n_steps=100),
    descend(plateau, (3.5, 2.5), "sgd", lr=2.0, n_steps=100),
    descend(plateau, (3.5, 2.5), "adam", lr=0.1, n_steps=100),
]
plot_landscape(plateau, paths)

# %% [markdown] ja
# ## 学習中の NN で: 損失が下がらないとき
#
# 損失の曲線が平らになったら、勾配の大きさ (ノルム) を見るのが第一歩です。deepkiso の
# `diagnose_net` は、NN のパラメータ全体について、勾配のノルムと、ランダムな向きの曲率から
# 止まっている場所の種類を推定します。ここでは、重みの初期値をとても小さくした学習前の NN を調べます。

# %% [markdown] en
# ## In a net being trained: when the loss stops falling
#
# When the loss curve flattens, the size (norm) of the gradient is the first thing to look at.
# deepkiso's `diagnose_net` estimates, for all of a net's parameters at once, the gradient norm and
# the curvature along random directions, and what kind of place training sits at. Here: an untrained
# net with tiny initial weights.

# %%
from deepkiso import TwoLayerNet
from deepkiso.data import load_dataset
from deepkiso.landscape import diagnose_net

(x_train, t_train), _test = load_dataset("digits", one_hot=True, dtype=np.float64)
net = TwoLayerNet(64, 20, 10, weight_init_std=1e-4, activation="sigmoid", dtype=np.float64, rng=0)
print(diagnose_net(net, x_train[:200], t_train[:200]))

# %% [markdown] ja
# ## 話し合ってみよう
#
# - 学習曲線・勾配のノルム・曲率のうち、実際の大きな NN で手軽に見られるのはどれでしょうか。
# - ミニバッチのゆらぎ、Momentum、Adam、学習率、重みの初期値のうち、鞍点に効くもの、プラトーに効くものはどれでしょうか。
# - 最後に、グループごとに発表しましょう (15分)。

# %% [markdown] en
# ## Discuss
#
# - Of the learning curve, the gradient norm and the curvature, which can you watch cheaply in a
#   real, large net?
# - Of mini-batch noise, Momentum, Adam, the learning rate and the initial weights, which help at a
#   saddle point, and which on a plateau?
# - Finally, each group presents (15 minutes).
