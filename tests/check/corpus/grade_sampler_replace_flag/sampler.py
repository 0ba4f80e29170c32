import numpy as np


def get_minibatches(x, t, batch_size, replace=False):
    n = x.shape[0]
    if replace:
        for _ in range(n // batch_size):
            mask = np.random.choice(n, batch_size, replace=True)
            yield x[mask], t[mask]
    else:
        perm = np.random.permutation(n)
        for start in range(0, n, batch_size):
            mask = perm[start:start + batch_size]
            yield x[mask], t[mask]
