"""Exercise 2_3 (最急降下法): steepest descent.

Fill in ``gradient_descent``; then run ``deepkiso check ex2_3_gradient_descent.py``.
The gradient comes from deepkiso's numerical_gradient here; your own from
exercises 2_4 and 2_5 works the same way.
"""

import numpy as np  # noqa: F401 - for the code you write

from deepkiso.differentiation import numerical_gradient  # noqa: F401 - yours from 2_5 works the same way


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Repeat x ← x - lr · ∇f(x) step_num times, starting from init_x.

    f: a function of an array x returning a number, e.g. lambda x: x[0]**2 + x[1]**2.
    init_x: the start, an array of any shape (leave the caller's array as it is: copy it).
    lr: the learning rate η (学習率); step_num: the number of steps.
    Returns the final x, an array of init_x's shape.
    """
    raise NotImplementedError
