import numpy as np


def numerical_diff(x, f, h=1e-4):
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(x, f, h=1e-4):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f(x)
        x[idx] = old - h
        down = f(x)
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad
