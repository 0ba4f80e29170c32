# 2_18 training loop (the data set is loaded only when run as a script)
import numpy as np


def train(network, x_train, t_train, iters_num=100, batch_size=10, learning_rate=0.1):
    train_size = x_train.shape[0]
    train_loss_list = []
    for i in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= learning_rate * grad[key]
        train_loss_list.append(network.loss(x_batch, t_batch))
    return train_loss_list
