"""Exercise 2_4 (勾配): the gradient of a function of a vector, numerically.

Fill in ``numerical_gradient``; then run ``deepkiso check ex2_4_gradient.py``.
"""

import numpy as np  # noqa: F401 - for the code you write


def numerical_gradient(f, x):
    """∂f/∂x_i for every element of the 1-D float array x, by central differences.

    For each i: keep tmp_val = x[i], evaluate f with x[i] = tmp_val + h and with
    x[i] = tmp_val - h (h = 1e-4), then put x[i] = tmp_val back, so x is
    unchanged afterwards.
    Returns an array of x's shape, e.g. (6, 8) for f = x0² + x1² at x = (3, 4).
    """
    raise NotImplementedError
