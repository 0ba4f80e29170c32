"""Exercise 2_5 (勾配の2次元への拡張): numerical_gradient for arrays of any shape.

Fill in ``numerical_gradient``; then run ``deepkiso check ex2_5_gradient_2d.py``.
The nets of 2_7 and 2_8 use it on their weight matrices.
"""

import numpy as np  # noqa: F401 - for the code you write


def numerical_gradient(f, x):
    """∂f/∂x for every element of the float array x (any shape), by central differences.

    Visit every element (np.nditer(x, flags=["multi_index"]) gives each index),
    perturb x itself in place by ±h (h = 1e-4) and restore it: f may read the
    array directly, as f = lambda w: net.loss(x, t) does with a net's weights.
    Returns an array of x's shape.
    """
    raise NotImplementedError
