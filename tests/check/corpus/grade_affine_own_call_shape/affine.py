import numpy as np


class AffineLayer:
    def __init__(self):
        self.x = None
        self.w = None

    def forward(self, w, x, b):
        self.x = x
        self.w = w
        return x @ w + b

    def backward(self, dout):
        dx = dout @ self.w.T
        dw = self.x.T @ dout
        db = dout.sum(axis=0)
        return dx, dw, db
