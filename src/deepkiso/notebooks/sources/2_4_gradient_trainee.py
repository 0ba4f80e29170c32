# Source of the notebook 2_4_gradient_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_4 勾配を求める関数の実装
#
# 多変数の関数では、ほかの変数を定数とみなし、1つの変数だけに着目して微分します。これが**偏微分**です。
# 偏微分をひとまとめにしたものが**勾配ベクトル**です。例えば
#
# $$f(x, y) = 2x^2 + 3y, \qquad \frac{\partial f}{\partial x} = 4x, \qquad \frac{\partial f}{\partial y} = 3$$
#
# $$\nabla f = \left(\frac{\partial f}{\partial x}, \frac{\partial f}{\partial y}\right) = (4x, 3)$$
#
# 勾配ベクトルは、関数の値が最も大きくなる向きとその大きさを表します。マイナスの勾配ベクトルは、
# 最も小さくなる向きです。

# %% [markdown] en
# # 2_4 A function that computes the gradient
#
# For a function of several variables, differentiating in one variable while holding the others
# constant is the **partial derivative**. The partial derivatives together form the **gradient
# vector**. For example
#
# $$f(x, y) = 2x^2 + 3y, \qquad \frac{\partial f}{\partial x} = 4x, \qquad \frac{\partial f}{\partial y} = 3$$
#
# $$\nabla f = \left(\frac{\partial f}{\partial x}, \frac{\partial f}{\partial y}\right) = (4x, 3)$$
#
# The gradient points where the function grows fastest, and says how fast; minus the gradient points
# where it falls fastest.

# %%
import numpy as np

from deepkiso.check import check
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")

# %% [markdown] ja
# ## 勾配ベクトル
#
# `numerical_gradient(f, x)` を書きましょう。`x` は1次元の配列です。各要素 `x[i]` について、
# その要素だけを $\pm h$ ずらして中心差分をとります。
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(\ldots, x_i + h, \ldots) - f(\ldots, x_i - h, \ldots)}{2h}$$
#
# ずらした値は、次の要素に移る前に必ず元に戻します (`x[i] = tmp_val`)。
#
# 2次元配列への拡張は 2_5 の演習です。それまでは、2次元配列についてのチェックは「注意」(NOTE) として表示されます。

# %% [markdown] en
# ## The gradient vector
#
# Write `numerical_gradient(f, x)` for a 1-D array `x`. For each element `x[i]`, move that element
# alone by $\pm h$ and take the central difference:
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(\ldots, x_i + h, \ldots) - f(\ldots, x_i - h, \ldots)}{2h}$$
#
# Put each element back (`x[i] = tmp_val`) before moving to the next.
#
# Extending it to 2-D arrays is exercise 2_5; until then, the checks on 2-D arrays show as NOTEs.


# %% exercise
def numerical_gradient(f, x):
    """1次元配列 x (float) の各要素についての ∂f/∂x_i を中心差分で求める。x は元のまま。"""  # ja
    """∂f/∂x_i for every element of the 1-D array x (float), by central differences; x unchanged."""  # en
    # >>> solution
    h = 1e-4
    grad = np.zeros_like(x)
    for i in range(x.size):
        tmp_val = x[i]
        x[i] = tmp_val + h
        fxh1 = f(x)
        x[i] = tmp_val - h
        fxh2 = f(x)
        grad[i] = (fxh1 - fxh2) / (2 * h)
        x[i] = tmp_val
    return grad
    # <<< solution


# %% check
check(numerical_gradient)

# %% [markdown] ja
# ## スライドの例で確かめる
#
# $f(x, y) = 2x^2 + 3y$ の勾配を、いくつかの点で解析的な $(4x, 3)$ と比べます。
# 図の矢印は、deepkiso が描いた各点の $-\nabla f$ です。

# %% [markdown] en
# ## The slides' example
#
# Compare the gradient of $f(x, y) = 2x^2 + 3y$ with the analytic $(4x, 3)$ at a few points.
# The arrows in the picture, drawn by deepkiso, are $-\nabla f$ at each point.

# %% picture
from deepkiso.landscape import get_surface
from deepkiso.plots.landscape import plot_landscape


def function_2(x):
    return 2 * x[0] ** 2 + 3 * x[1]


if implemented(numerical_gradient, function_2, np.array([1.0, 1.0])):
    for point in ([1.0, 1.0], [-2.0, 0.5], [0.0, 3.0]):
        numeric = numerical_gradient(function_2, np.array(point))
        print(f"{point}: numerical {np.round(numeric, 6)}, analytic {[4 * point[0], 3.0]}")
plot_landscape(get_surface("slides"))
