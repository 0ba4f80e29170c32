# Source of the notebook 2_3_gradient_descent_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_3 最急降下法の実装
#
# 最急降下法は、関数の勾配が最も急な向き (マイナスの勾配ベクトルの向き) に少しずつ進み、
# 最小値を探す方法です。2変数 $f(x, y)$ の更新式は次のとおりです。
#
# $$x \leftarrow x - \eta \frac{\partial f}{\partial x}, \qquad y \leftarrow y - \eta \frac{\partial f}{\partial y}$$
#
# $\eta$ は学習率で、1回の更新でどれだけ進むかを決めます。大きすぎると発散し、小さすぎるとなかなか進みません。
# 勾配は1点のまわりの情報しか持たないので、見つかるのが最小値である保証はありません。

# %% [markdown] en
# # 2_3 Steepest descent
#
# Steepest descent looks for a minimum by taking small steps in the direction in which the function
# falls fastest (minus the gradient vector). For two variables $f(x, y)$ the update is
#
# $$x \leftarrow x - \eta \frac{\partial f}{\partial x}, \qquad y \leftarrow y - \eta \frac{\partial f}{\partial y}$$
#
# $\eta$ is the learning rate: how far one update goes. Too large and the walk diverges; too small and
# it hardly moves. The gradient only knows the neighbourhood of one point, so nothing guarantees
# that the point found is the minimum.

# %%
import numpy as np

from deepkiso import numerical_gradient
from deepkiso.check import check
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")

# %% [markdown] ja
# ## 勾配降下の繰り返し
#
# `gradient_descent(f, init_x, lr=0.01, step_num=100)` を書きましょう。`step_num` 回、
# `x = x - lr * numerical_gradient(f, x)` を繰り返し、最後の `x` と、通った点すべての履歴を返します。
# 勾配は deepkiso の `numerical_gradient` を使います (自分で書くのは 2_4 です)。
# `init_x` を書き換えないよう、最初にコピーをとりましょう。

# %% [markdown] en
# ## Repeating the descent step
#
# Write `gradient_descent(f, init_x, lr=0.01, step_num=100)`. It repeats
# `x = x - lr * numerical_gradient(f, x)` `step_num` times and returns the final `x` and the history of
# every point visited. Use deepkiso's `numerical_gradient` (you write your own in 2_4). Copy
# `init_x` first, so that the caller's array stays as it was.


# %% exercise
def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """x ← x - lr · ∇f(x) を step_num 回: (最後の x, 通った点 (step_num + 1, *x.shape))。"""  # ja
    """x ← x - lr · ∇f(x), step_num times: (the final x, the points visited (step_num + 1, *x.shape))."""  # en
    # >>> solution
    x = init_x.copy()
    history = [x.copy()]
    for _step in range(step_num):
        x = x - lr * numerical_gradient(f, x)
        history.append(x.copy())
    return x, np.array(history)
    # <<< solution


# %% check
check(gradient_descent)

# %% [markdown] ja
# ## 学習率を変えて描く
#
# $f(x_0, x_1) = x_0^2 + x_1^2$ を、3つの学習率で30ステップ下ります。等高線の矢印は $-\nabla f$ です。

# %% [markdown] en
# ## Drawing the walk for three learning rates
#
# Walk down $f(x_0, x_1) = x_0^2 + x_1^2$ for 30 steps with three learning rates. The arrows on the
# contour map are $-\nabla f$.

# %% picture
from IPython.display import display

from deepkiso.landscape import DescentPath, classify_point, get_surface
from deepkiso.plots.landscape import plot_landscape

bowl = get_surface("bowl")


def walk(lr):
    """あなたの gradient_descent でお椀の形の関数を下った経路 (deepkiso が描ける形)。"""  # ja
    """Your gradient_descent down the bowl, as a path deepkiso can draw."""  # en
    _x, history = gradient_descent(bowl, np.array([-2.0, 1.5]), lr=lr, step_num=30)
    values = np.array([bowl(p) for p in history])
    diverged = not np.all(np.isfinite(values)) or values[-1] > values[0]
    kind = "diverging" if diverged else classify_point(bowl, history[-1]).kind
    reached = np.flatnonzero(values < bowl.goal)
    steps = int(reached[0]) if len(reached) else None
    return DescentPath("gradient_descent", lr, 0.0, history, values, kind, steps, bowl.goal)


if implemented(gradient_descent, bowl, np.array([-2.0, 1.5]), 0.1, 1):
    display(plot_landscape(bowl, [walk(0.02), walk(0.1), walk(1.02)]))

# %% [markdown] ja
# ## 考えてみよう
#
# - 学習率 1.02 ではなぜ発散するのでしょうか。この関数で発散しない学習率の上限はいくつでしょうか。
# - 最小値が見つかったかどうかは、どうすればわかるでしょうか。

# %% [markdown] en
# ## To think about
#
# - Why does the learning rate 1.02 diverge? Up to which learning rate does this function not diverge?
# - How can you tell whether the point found is the minimum?
