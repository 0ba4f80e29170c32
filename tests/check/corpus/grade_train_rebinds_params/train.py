import numpy as np


def train(network, x_train, t_train, iters_num=100, batch_size=10, learning_rate=0.1):
    for i in range(iters_num):
        batch_mask = np.random.choice(x_train.shape[0], batch_size)
        grad = network.gradient(x_train[batch_mask], t_train[batch_mask])
        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] = network.params[key] - learning_rate * grad[key]
