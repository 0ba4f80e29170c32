import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def softmax(a):
    exp_a = np.exp(a)
    if a.ndim == 2:
        return exp_a / np.sum(exp_a, axis=1, keepdims=True)
    return exp_a / np.sum(exp_a)
