# 2_1 mini-batch: the book's one batch per call
import numpy as np


def get_minibatch(x, t, batch_size):
    train_size = x.shape[0]
    batch_mask = np.random.choice(train_size, batch_size)
    x_batch = x[batch_mask]
    t_batch = t[batch_mask]
    return x_batch, t_batch


if __name__ == "__main__":
    x = np.random.rand(100, 784)
    t = np.random.randint(0, 10, 100)
    xb, tb = get_minibatch(x, t, 10)
    print(xb.shape, tb.shape)
