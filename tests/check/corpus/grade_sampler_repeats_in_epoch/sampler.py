import numpy as np


def get_minibatches(x, t, batch_size):
    n = len(x)
    for _ in range(0, n, batch_size):
        idx = np.random.choice(n, batch_size)
        yield x[idx], t[idx]
