# Source of the notebook 2_2_numerical_differentiation_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_2 数値微分関数の実装
#
# 微分値は、ある点から少し動いたときに関数の値がどれだけ速く変わるかを表します。その符号は
# 関数の値が大きくなる向きを、大きさはその度合いを表します。
#
# 数値微分では、微分を微小な差分で近似します。点 $x$ の前後 $h$ の傾きをとるのが**中心差分**です。
#
# $$\frac{df(x)}{dx} \approx \frac{f(x + h) - f(x - h)}{2h}$$
#
# 式を展開して求める**解析的微分**には誤差がありませんが、数値微分には誤差があり、計算時間もかかります。
# そのため NN の学習では解析的微分 (誤差逆伝播法) を使い、数値微分は勾配確認に使います。

# %% [markdown] en
# # 2_2 A numerical differentiation function
#
# A derivative says how fast a function's value changes when you move a little from a point: its
# sign gives the direction in which the value grows, its size how much.
#
# Numerical differentiation approximates the derivative by a small difference. The **central
# difference** takes the slope over $h$ on both sides of $x$:
#
# $$\frac{df(x)}{dx} \approx \frac{f(x + h) - f(x - h)}{2h}$$
#
# The **analytic derivative**, worked out from the formula, has no error; the numerical one has an
# error and costs more time. Training therefore uses analytic derivatives (backpropagation), and
# numerical differentiation serves the gradient check.

# %%
from deepkiso.check import check
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")

# %% [markdown] ja
# ## 中心差分
#
# `numerical_diff(f, x)` を書きましょう。$h = 10^{-4}$ とします。$h$ を小さくしすぎると
# (例えば $10^{-50}$)、浮動小数点数の丸め誤差で $x + h$ が $x$ と同じ値になってしまいます。

# %% [markdown] en
# ## The central difference
#
# Write `numerical_diff(f, x)` with $h = 10^{-4}$. An $h$ that is too small (say $10^{-50}$) is lost
# to rounding: $x + h$ is then the same floating-point number as $x$.


# %% exercise
def numerical_diff(f, x):
    """x での df/dx を中心差分 (f(x + h) - f(x - h)) / 2h (h = 1e-4) で求める。"""  # ja
    """df/dx at x by the central difference (f(x + h) - f(x - h)) / 2h, h = 1e-4."""  # en
    # >>> solution
    h = 1e-4
    return (f(x + h) - f(x - h)) / (2 * h)
    # <<< solution


# %% check
check(numerical_diff)

# %% [markdown] ja
# ## 数値微分と解析的微分を比べる
#
# $f(x) = 0.01x^2 + 0.1x$ の解析的微分は $f'(x) = 0.02x + 0.1$ です。$x = 5$ と $x = 10$ で比べ、
# その傾きの接線を描きます。

# %% [markdown] en
# ## Numerical against analytic
#
# The analytic derivative of $f(x) = 0.01x^2 + 0.1x$ is $f'(x) = 0.02x + 0.1$. Compare them at
# $x = 5$ and $x = 10$. How large is the error?


# %%
def function_1(x):
    return 0.01 * x**2 + 0.1 * x


if implemented(numerical_diff, function_1, 5.0):
    for x0 in (5.0, 10.0):
        numeric = numerical_diff(function_1, x0)
        analytic = 0.02 * x0 + 0.1
        print(f"x = {x0:g}: {numeric:.12f} (numerical), {analytic:.12f} (analytic)")

# %% [markdown] ja
# ## 誤差と $h$
#
# deepkiso の `difference_errors` で、$\sin x$ の $x = 1$ での微分の相対誤差を $h$ ごとに測ります。
# 前進差分 $\frac{f(x + h) - f(x)}{h}$ の誤差は $h$ に比例し、中心差分の誤差は $h^2$ に比例します。
# $h$ が小さすぎると、今度は丸め誤差が大きくなります (float32 ではなおさらです)。

# %% [markdown] en
# ## The error against $h$
#
# deepkiso's `difference_errors` measures the relative error of the derivative of $\sin x$ at
# $x = 1$ for each $h$. The forward difference $\frac{f(x + h) - f(x)}{h}$ errs in proportion to $h$,
# the central difference in proportion to $h^2$; with $h$ too small, rounding takes over (in float32
# all the sooner).

# %% picture
from deepkiso.diff_error import difference_errors
from deepkiso.plots.diff_error import plot_difference_errors

plot_difference_errors(difference_errors("sin"))
