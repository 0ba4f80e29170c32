"""Exercise 2_8: a two-layer net whose gradient is computed numerically.

Fill in the functions and TwoLayerNet's methods; then run
``deepkiso check ex2_8_two_layer_net.py``.
"""

import numpy as np

from deepkiso.differentiation import numerical_gradient  # noqa: F401 - yours from 2_5 works the same way


def sigmoid(x):
    """1 / (1 + exp(-x)), elementwise, any shape."""
    raise NotImplementedError


def softmax(x):
    """Softmax over the last axis, (C,) or (N, C), with each row's maximum subtracted first."""
    raise NotImplementedError


def cross_entropy_error(y, t):
    """-(1/N) Σ t log(y + 1e-7) for probabilities y (N, C) and one-hot t (N, C): the batch mean."""
    raise NotImplementedError


class TwoLayerNet:
    """Affine → sigmoid → Affine → softmax, with the cross-entropy loss.

    params: W1 (input_size, hidden_size), b1 (hidden_size,),
            W2 (hidden_size, output_size), b2 (output_size,).
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def predict(self, x):
        """x: (N, input_size). Returns the class probabilities (N, output_size)."""
        raise NotImplementedError

    def loss(self, x, t):
        """The mean cross-entropy of predict(x) against the one-hot t (N, output_size)."""
        raise NotImplementedError

    def accuracy(self, x, t):
        """The fraction of samples whose highest output is the class t marks (a number in [0, 1])."""
        raise NotImplementedError

    def numerical_gradient(self, x, t):
        """{"W1": dL/dW1, "b1": …, "W2": …, "b2": …}, each of its parameter's shape, by numerical_gradient."""
        raise NotImplementedError
