import numpy as np


def sample_with_replacement(x, t, batch_size):
    # (wrong) this is still a permutation
    order = np.random.permutation(len(x))
    for start in range(0, len(x), batch_size):
        yield x[order[start:start + batch_size]], t[order[start:start + batch_size]]
