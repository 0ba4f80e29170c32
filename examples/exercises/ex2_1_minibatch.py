"""Exercise 2_1 (ミニバッチ学習): a mini-batch function, sampling without replacement.

Fill in ``minibatches``; then run ``deepkiso check ex2_1_minibatch.py``.
Going further: write a version that samples with replacement (復元抽出) and
compare how often each sample is seen per epoch.
"""

import numpy as np  # noqa: F401 - for the code you write


def minibatches(x, t, batch_size, shuffle=True):
    """Yield one epoch of mini-batches (x_batch, t_batch), each sample exactly once.

    x: (N, D) inputs; t: (N,) labels or (N, C) one-hot targets, row n belonging to x[n].
    batch_size: rows per batch; the last batch holds what is left (N % batch_size rows).
    shuffle: visit the samples in a fresh random order (np.random.permutation(N)),
        without replacement (非復元抽出); False keeps the stored order.
    Yields x_batch (B, D) and t_batch (B,) or (B, C), taken with the same indices.
    """
    raise NotImplementedError
