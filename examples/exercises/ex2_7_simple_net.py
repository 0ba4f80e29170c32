"""Exercise 2_7: a simple net (2 inputs, 3 classes) and its gradient.

Fill in ``softmax``, ``cross_entropy_error`` and SimpleNet's methods; then run
``deepkiso check ex2_7_simple_net.py``.
"""

import numpy as np

from deepkiso.differentiation import numerical_gradient  # noqa: F401 - yours from 2_5 works the same way


def softmax(x):
    """Softmax over the last axis: x (C,) for one sample or (N, C) for a batch; returns x's shape.

    Subtract the maximum of each row first (np.max(x, axis=-1, keepdims=True)):
    exp(1000) overflows, and the softmax does not change. Leave x itself unchanged.
    """
    raise NotImplementedError


def cross_entropy_error(y, t):
    """E = -(1/N) Σ t log(y + 1e-7): y probabilities (N, C) or (C,); t one-hot of y's shape.

    Returns a number: the mean over the batch (a 1-D y is a batch of one).
    """
    raise NotImplementedError


class SimpleNet:
    """Scores x · W with W of shape (2, 3), then softmax and cross-entropy."""

    def __init__(self):
        self.W = np.random.randn(2, 3)

    def predict(self, x):
        """x: (2,) or (N, 2). Returns the scores x · W, (3,) or (N, 3)."""
        raise NotImplementedError

    def loss(self, x, t):
        """The cross-entropy of softmax(predict(x)) against the one-hot t."""
        raise NotImplementedError

    def numerical_gradient(self, x, t):
        """dL/dW (2, 3) by numerical_gradient(lambda w: self.loss(x, t), self.W)."""
        raise NotImplementedError
