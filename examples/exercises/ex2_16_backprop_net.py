"""Exercise 2_16 (誤差逆伝播法): a two-layer net whose gradient comes from backpropagation.

Fill in TwoLayerNet's methods; then run ``deepkiso check ex2_16_backprop_net.py``.
Its gradient check (2_17: numerical_gradient against gradient) and a few
training steps (2_18) are checked too. The layers are deepkiso's; yours from
2_12 – 2_15 work the same way.
"""

from collections import OrderedDict

import numpy as np

from deepkiso.differentiation import numerical_gradient  # noqa: F401 - yours from 2_5 works the same way
from deepkiso.layers import Affine, SoftmaxWithLoss
from deepkiso.layers import ReLU as Relu  # the course spells it Relu


class TwoLayerNet:
    """Affine → Relu → Affine → SoftmaxWithLoss.

    params: W1 (input_size, hidden_size), b1 (hidden_size,),
            W2 (hidden_size, output_size), b2 (output_size,);
    the layers hold these very arrays.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        """x: (N, input_size). Runs the layers in order; returns the scores (N, output_size)."""
        raise NotImplementedError

    def loss(self, x, t):
        """The last layer's loss of predict(x) against the one-hot t."""
        raise NotImplementedError

    def accuracy(self, x, t):
        """The fraction of samples whose highest score is the class t marks."""
        raise NotImplementedError

    def numerical_gradient(self, x, t):
        """{"W1": …, "b1": …, "W2": …, "b2": …} by numerical_gradient (slow; the reference for 2_17)."""
        raise NotImplementedError

    def gradient(self, x, t):
        """The same gradients by backpropagation: loss, then backward(1) through the layers in reverse.

        Returns {"W1": dW of Affine1, "b1": its db, "W2": …, "b2": …}.
        """
        raise NotImplementedError
