# 2_2 - 2_5: numerical differentiation (my names)
import numpy as np


def numeric_diff(f, x):
    h = 1e-4  # 0.0001
    return (f(x + h) - f(x - h)) / (2 * h)


def numeric_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'])
    while not it.finished:
        i = it.multi_index
        keep = x[i]
        x[i] = keep + h
        f_plus = f(x)
        x[i] = keep - h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
        x[i] = keep
        it.iternext()
    return grad


def mean_square_error(y, t):
    return 0.5 * np.sum((y - t) ** 2)


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


if __name__ == '__main__':
    print(numeric_gradient(function_2, np.array([3.0, 4.0])))
