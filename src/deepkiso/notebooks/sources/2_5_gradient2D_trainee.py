# Source of the notebook 2_5_gradient2D_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_5 勾配を求める関数 (numerical_gradient) を2次元へ拡張
#
# NN の重み $W$ は行列です。損失 $L$ の $W$ についての勾配 $\frac{\partial L}{\partial W}$ も、
# $W$ と同じ形の行列になります。
#
# $$W = \begin{pmatrix} w_{11} & w_{12} & w_{13} \\ w_{21} & w_{22} & w_{23} \end{pmatrix}, \qquad
# \frac{\partial L}{\partial W} = \begin{pmatrix}
# \frac{\partial L}{\partial w_{11}} & \frac{\partial L}{\partial w_{12}} & \frac{\partial L}{\partial w_{13}} \\
# \frac{\partial L}{\partial w_{21}} & \frac{\partial L}{\partial w_{22}} & \frac{\partial L}{\partial w_{23}}
# \end{pmatrix}$$
#
# 2_4 の `numerical_gradient` を、どんな形の配列にも使えるように拡張します。

# %% [markdown] en
# # 2_5 Extending numerical_gradient to 2-D arrays
#
# A net's weights $W$ form a matrix, and the gradient of the loss $L$ with respect to $W$,
# $\frac{\partial L}{\partial W}$, is a matrix of the same shape:
#
# $$W = \begin{pmatrix} w_{11} & w_{12} & w_{13} \\ w_{21} & w_{22} & w_{23} \end{pmatrix}, \qquad
# \frac{\partial L}{\partial W} = \begin{pmatrix}
# \frac{\partial L}{\partial w_{11}} & \frac{\partial L}{\partial w_{12}} & \frac{\partial L}{\partial w_{13}} \\
# \frac{\partial L}{\partial w_{21}} & \frac{\partial L}{\partial w_{22}} & \frac{\partial L}{\partial w_{23}}
# \end{pmatrix}$$
#
# Extend 2_4's `numerical_gradient` to arrays of any shape.

# %%
import numpy as np

from deepkiso.check import check
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")

# %% [markdown] ja
# ## どんな形の配列でも
#
# `np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])` を使うと、配列のすべての要素を
# 添字 `it.multi_index` (例: `(1, 2)`) つきで順にたどれます。各要素で 2_4 と同じ中心差分をとり、
# 値を元に戻しましょう。

# %% [markdown] en
# ## Arrays of any shape
#
# `np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])` visits every element of an array
# with its index `it.multi_index` (such as `(1, 2)`). Take 2_4's central difference at each element
# and put the value back.


# %% exercise
def numerical_gradient(f, x):
    """任意の形の配列 x (float) についての ∂f/∂x (x と同じ形)。x は元のまま。"""  # ja
    """∂f/∂x for an array x of any shape (float): an array of x's shape; x unchanged."""  # en
    # >>> solution
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad
    # <<< solution


# %% check
check(numerical_gradient)

# %% [markdown] ja
# ## 行列の勾配
#
# $L(W) = \sum_{i,j} w_{ij}^2$ の勾配は $2W$ です。2×3 の行列で確かめましょう。

# %% [markdown] en
# ## The gradient of a matrix
#
# The gradient of $L(W) = \sum_{i,j} w_{ij}^2$ is $2W$. Try it on a 2×3 matrix.

# %%
W = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
if implemented(numerical_gradient, lambda w: np.sum(w**2), W.copy()):
    print(numerical_gradient(lambda w: np.sum(w**2), W))
    print(2 * W)
