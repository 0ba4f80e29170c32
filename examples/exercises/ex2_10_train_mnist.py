"""Exercise 2_10: train a two-layer net with mini-batches and watch the loss fall.

Fill in ``train``; then run ``deepkiso check ex2_10_train_mnist.py`` (it runs
your loop on a small net of deepkiso's). To train on MNIST itself, call it with
your TwoLayerNet from 2_8 and the MNIST arrays.
"""

import numpy as np  # noqa: F401 - for the code you write


def train(network, x_train, t_train, learning_rate=0.1, batch_size=100, iters_num=1000):
    """Mini-batch SGD: iters_num times, draw batch_size samples, take network.numerical_gradient
    on them and update network.params[key] -= learning_rate * grad[key] (in place).

    network: a net with params, loss(x, t) and numerical_gradient(x, t).
    x_train: (N, D); t_train: one-hot (N, C).
    Returns the list of the batch losses, one per iteration.
    """
    raise NotImplementedError
