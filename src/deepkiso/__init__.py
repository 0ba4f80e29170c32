"""deepkiso (基礎): deep learning from first principles, in NumPy.

The library follows day 2 of a practical deep-learning fundamentals course:
mini-batch learning, numerical differentiation, gradient descent, layers with
backpropagation, two-layer and multi-layer nets, optimizers and gradient checks.
The course's names are here; data sets, training, pictures, graphs, the
self-check and the experiments live in their own modules (deepkiso.data,
deepkiso.training, deepkiso.plots, deepkiso.graph, deepkiso.check,
deepkiso.experiments).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it. Imported on first use (PEP 562), so that `deepkiso --help`
# and a usage error do not pay for NumPy and the core: `import deepkiso` alone costs nothing.
_HOMES = {
    "numerical_diff": "differentiation",
    "numerical_gradient": "differentiation",
    "gradient_descent": "differentiation",
    "gradient_check": "gradcheck",
    "check_layer_gradient": "gradcheck",
    "check_net_gradient": "gradcheck",
    **dict.fromkeys(
        [
            "AddLayer",
            "MulLayer",
            "ReLU",
            "Sigmoid",
            "Tanh",
            "Affine",
            "SoftmaxWithLoss",
            "SquaredError",
        ],
        "layers",
    ),
    **dict.fromkeys(["SimpleNet", "TwoLayerNet", "MultiLayerNet"], "nets"),
    **dict.fromkeys(["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"], "optimizers"),
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    """A course name from its module, imported now; or a submodule (``deepkiso.layers``)."""
    home = _HOMES.get(name)
    if home is not None:
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


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
