"""Exercise 2_14 (アフィンレイヤ): the Affine layer, batch version.

Fill in ``Affine``; then run ``deepkiso check ex2_14_affine.py``.
"""

import numpy as np  # noqa: F401 - for the code you write


class Affine:
    """y = x · W + b for a batch x of shape (N, D_in); W (D_in, D_out), b (D_out,)."""

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """x: (N, D_in). Keeps x for backward; returns y (N, D_out)."""
        raise NotImplementedError

    def backward(self, dout):
        """dout: (N, D_out), dL/dy.

        Sets self.dW (D_in, D_out) = xᵀ · dout and self.db (D_out,) = dout summed
        over the batch (axis 0). Returns dx = dout · Wᵀ, shape (N, D_in).
        """
        raise NotImplementedError
