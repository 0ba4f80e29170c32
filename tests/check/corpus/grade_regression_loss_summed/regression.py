# 2_11: regression, the loss summed over the batch (no division by N)
import numpy as np


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def predict(self, x):
        h = 1 / (1 + np.exp(-(x @ self.params['W1'] + self.params['b1'])))
        return h @ self.params['W2'] + self.params['b2']

    def loss(self, x, t):
        y = self.predict(x)
        return 0.5 * np.sum((y - t) ** 2)
