# 2_1: sampling without replacement (非復元抽出) and with replacement (復元抽出)
import numpy as np


def minibatches_without_replacement(x, t, batch_size):
    n = len(x)
    order = np.random.permutation(n)
    for i in range(0, n, batch_size):
        idx = order[i:i + batch_size]
        yield x[idx], t[idx]


def minibatches_with_replacement(x, t, batch_size):
    n = len(x)
    for _ in range(int(np.ceil(n / batch_size))):
        idx = np.random.randint(0, n, batch_size)
        yield x[idx], t[idx]
