"""Exercise 2_11 (回帰): a two-layer net for a regression problem.

Fill in ``sum_squared_error`` and TwoLayerNet's methods; then run
``deepkiso check ex2_11_regression.py``.
"""

import numpy as np

from deepkiso.differentiation import numerical_gradient  # noqa: F401 - yours from 2_5 works the same way


def sum_squared_error(y, t):
    """E = ½ Σ (y - t)² for one sample: y, t of shape (K,). Returns a number."""
    raise NotImplementedError


class TwoLayerNet:
    """Affine → sigmoid → Affine, with the identity output and the squared error divided by N.

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
        """x: (N, input_size). Returns the outputs (N, output_size), no softmax."""
        raise NotImplementedError

    def loss(self, x, t):
        """(1/N) Σ_n ½ Σ_k (y_nk - t_nk)² for t of shape (N, output_size)."""
        raise NotImplementedError

    def numerical_gradient(self, x, t):
        """{"W1": dL/dW1, "b1": …, "W2": …, "b2": …} by numerical_gradient."""
        raise NotImplementedError
