"""Exercise 2_2 (数値微分): the numerical derivative by the central difference.

Fill in ``numerical_diff``; then run ``deepkiso check ex2_2_numerical_diff.py``.
"""


def numerical_diff(f, x):
    """df/dx at the number x by the central difference (中心差分).

    (f(x + h) - f(x - h)) / 2h with h = 1e-4: its error shrinks like h², while
    the forward difference (f(x + h) - f(x)) / h is only O(h). A far smaller h
    (1e-50) fails too: x + h rounds back to x in float64.
    Returns a float.
    """
    raise NotImplementedError
