import numpy as np


def cross_entropy_error(t, y):
    delta = 1e-7
    if y.ndim == 1:
        t = t.reshape(1, -1)
        y = y.reshape(1, -1)
    if t.size == y.shape[0]:
        return -np.sum(np.log(y[np.arange(y.shape[0]), t] + delta)) / y.shape[0]
    return -np.sum(t * np.log(y + delta)) / y.shape[0]


def sum_squared_error(true_label, prediction):
    return 0.5 * np.sum((prediction - true_label) ** 2)
