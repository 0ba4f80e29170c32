"""Exercises 2_12 and 2_13: the add, multiply, ReLU and sigmoid layers, with forward and backward.

Fill in the four layers; then run ``deepkiso check ex2_12_layers_online.py``.
2_13 has no new code: the same command checks that these layers also work on
batches (2-D arrays).
"""

import numpy as np  # noqa: F401 - for the code you write


class AddLayer:
    """The add node z = x + y: dz/dx = dz/dy = 1."""

    def forward(self, x, y):
        """x, y: numbers or arrays of one shape. Returns x + y."""
        raise NotImplementedError

    def backward(self, dout):
        """dout: dL/dz. Returns (dL/dx, dL/dy) = (dout, dout)."""
        raise NotImplementedError


class MulLayer:
    """The multiply node z = x · y: dz/dx = y and dz/dy = x (the inputs swap)."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        """x, y: numbers or arrays of one shape. Keeps both for backward; returns x * y."""
        raise NotImplementedError

    def backward(self, dout):
        """dout: dL/dz. Returns (dout · y, dout · x)."""
        raise NotImplementedError


class Relu:
    """y = max(0, x); backward passes dout where x > 0 and 0 elsewhere."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """x: any shape. Remember self.mask = (x <= 0); return a new array (do not change x)."""
        raise NotImplementedError

    def backward(self, dout):
        """dout: y's shape. Returns dx: dout where x > 0, else 0."""
        raise NotImplementedError


class Sigmoid:
    """y = 1 / (1 + exp(-x)); backward dx = dout · y (1 - y)."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        """x: any shape. Keeps y in self.out; returns y."""
        raise NotImplementedError

    def backward(self, dout):
        """dout: y's shape. Returns dout · y · (1 - y)."""
        raise NotImplementedError
