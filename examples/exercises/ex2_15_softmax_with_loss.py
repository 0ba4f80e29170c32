"""Exercise 2_15: the Softmax-with-Loss layer.

Fill in the functions and ``SoftmaxWithLoss``; then run
``deepkiso check ex2_15_softmax_with_loss.py``.
"""

import numpy as np  # noqa: F401 - for the code you write


def softmax(x):
    """Softmax over the last axis, (C,) or (N, C), with each row's maximum subtracted first."""
    raise NotImplementedError


def cross_entropy_error(y, t):
    """-(1/N) Σ t log(y + 1e-7) for probabilities y (N, C) and one-hot t (N, C): the batch mean."""
    raise NotImplementedError


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy error, as one layer."""

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        """x: scores (N, C); t: one-hot (N, C). Keeps y = softmax(x) and t; returns the mean loss."""
        raise NotImplementedError

    def backward(self, dout=1):
        """Returns dx = dout · (y - t) / N, shape (N, C): the batch mean's gradient."""
        raise NotImplementedError
