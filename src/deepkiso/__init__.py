"""deepkiso (基礎): deep learning from first principles, in NumPy.

The library follows day 2 of a practical deep-learning fundamentals course:
mini-batch learning, numerical differentiation, gradient descent, layers with
backpropagation, two-layer and multi-layer nets, optimizers and gradient checks.
The course's names are here; data sets, training, pictures, graphs, the
self-check and the experiments live in their own modules (deepkiso.data,
deepkiso.training, deepkiso.plots, deepkiso.graph, deepkiso.check,
deepkiso.experiments).
"""

__version__ = "0.1.0"

from deepkiso.differentiation import gradient_descent, numerical_diff, numerical_gradient
from deepkiso.gradcheck import check_layer_gradient, check_net_gradient, gradient_check
from deepkiso.layers import (
    AddLayer,
    Affine,
    MulLayer,
    ReLU,
    Sigmoid,
    SoftmaxWithLoss,
    SquaredError,
    Tanh,
)
from deepkiso.nets import MultiLayerNet, SimpleNet, TwoLayerNet
from deepkiso.optimizers import SGD, AdaGrad, Adam, Momentum, RMSProp

__all__ = [
    "__version__",
    "numerical_diff",
    "numerical_gradient",
    "gradient_descent",
    "gradient_check",
    "check_layer_gradient",
    "check_net_gradient",
    "AddLayer",
    "MulLayer",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Affine",
    "SoftmaxWithLoss",
    "SquaredError",
    "SimpleNet",
    "TwoLayerNet",
    "MultiLayerNet",
    "SGD",
    "Momentum",
    "AdaGrad",
    "RMSProp",
    "Adam",
]
