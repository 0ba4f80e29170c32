"""Exercise 2_18: training with backpropagation.

Fill in ``train``; then run ``deepkiso check ex2_18_train_backprop.py`` (it
runs your loop on a small net of deepkiso's and checks that it uses
network.gradient, not the slow numerical_gradient).
"""

import numpy as np  # noqa: F401 - for the code you write


def train(network, x_train, t_train, learning_rate=0.1, batch_size=100, iters_num=10000):
    """Mini-batch SGD with backpropagation: iters_num times, draw batch_size samples,
    grad = network.gradient(x_batch, t_batch) and network.params[key] -= learning_rate * grad[key].

    x_train: (N, D); t_train: one-hot (N, C).
    Returns the list of the batch losses, one per iteration.
    """
    raise NotImplementedError
