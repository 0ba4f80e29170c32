"""Vanishing gradients, measured: the gradient reaching each layer of a deep net at initialisation.

Serves the slides on the sigmoid layer's backward pass (勾配消失): dy/dx =
y(1 − y) is at most 0.25, and backpropagation multiplies one such factor per
layer, so the gradient shrinks on its way back to the input. tanh's
derivative 1 − y² reaches 1 and ReLU's is exactly 1 where it is active, so
they pass the gradient on. Here a deep MultiLayerNet is built for each
activation and backprop is run once on a batch, and the norm of ∂L/∂W is
recorded layer by layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deepkiso.functions import relu_grad, sigmoid_grad, tanh_grad
from deepkiso.i18n import _
from deepkiso.nets import MultiLayerNet

__all__ = [
    "SIGMOID_GRAD_MAX",
    "DEFAULT_WEIGHT_INIT",
    "LayerGradients",
    "layer_gradient_norms",
    "compare_activations",
    "activation_derivatives",
]

# max over x of σ'(x) = σ(x)(1 − σ(x)), reached at x = 0 where σ = 1/2.
SIGMOID_GRAD_MAX = 0.25

# Each activation with the initialisation made for it: Xavier keeps sigmoid
# and tanh layers' outputs in range, He does the same for ReLU. Even so the
# sigmoid's gradient vanishes: the 0.25 is in its derivative, not the weights.
DEFAULT_WEIGHT_INIT = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he"}


@dataclass(frozen=True)
class LayerGradients:
    """norms[i] = ‖∂L/∂W_{i+1}‖ (Frobenius) of the Affine layers, from the input (i = 0) to the loss.

    norms: (n_hidden_layers + 1,).
    """

    activation: str
    weight_init: str | float
    norms: np.ndarray

    @property
    def first_to_last(self) -> float:
        """‖∂L/∂W_1‖ / ‖∂L/∂W_L‖: how much of the gradient is left when it reaches the input layer."""
        return float(self.norms[0] / self.norms[-1])


def _random_batch(input_size: int, n_classes: int, batch_size: int, rng: np.random.Generator):
    return rng.standard_normal((batch_size, input_size)).astype(np.float32), rng.integers(
        0, n_classes, batch_size
    )


def layer_gradient_norms(
    activation: str,
    n_hidden_layers: int = 10,
    width: int = 64,
    x: np.ndarray | None = None,
    t: np.ndarray | None = None,
    n_classes: int = 10,
    weight_init: str | float | None = None,
    rng: np.random.Generator | int | None = 0,
) -> LayerGradients:
    """‖∂L/∂W‖ for every Affine layer of a fresh MultiLayerNet, by one backprop pass.

    activation: "sigmoid", "tanh" or "relu"; the net has n_hidden_layers
    hidden layers of `width` units and a softmax-with-loss output.
    x: (N, D) inputs and t: (N,) labels of t.max() + 1 classes; by default 100
    standard-normal vectors of 64 features with random labels of n_classes
    classes (seeded by rng).
    weight_init: as MultiLayerNet takes it; None picks DEFAULT_WEIGHT_INIT[activation].
    """
    if n_hidden_layers < 1 or width < 1:
        raise ValueError(
            _(
                "n_hidden_layers and width must be positive, got {n_hidden_layers} and {width}"
            ).format(n_hidden_layers=n_hidden_layers, width=width)
        )
    rng = np.random.default_rng(rng)
    if x is None:
        x, t = _random_batch(64, n_classes, 100, rng)
    elif t is None:
        raise ValueError(_("layer_gradient_norms: x was given without its labels t"))

    else:
        n_classes = int(np.max(t)) + 1
    weight_init = DEFAULT_WEIGHT_INIT.get(activation, "he") if weight_init is None else weight_init
    net = MultiLayerNet(
        x.shape[1],
        [width] * n_hidden_layers,
        n_classes,
        activation=activation,
        weight_init=weight_init,
        rng=rng,
    )
    grads = net.gradient(x, t)
    norms = np.array(
        [np.linalg.norm(grads[f"W{i}"].astype(np.float64)) for i in range(1, n_hidden_layers + 2)]
    )
    return LayerGradients(activation=activation, weight_init=weight_init, norms=norms)


def compare_activations(
    activations: Sequence[str] = ("sigmoid", "tanh", "relu"),
    n_hidden_layers: int = 10,
    width: int = 64,
    weight_init: str | float | None = None,
    rng: np.random.Generator | int | None = 0,
) -> list[LayerGradients]:
    """layer_gradient_norms for each activation, on the same random batch."""
    rng = np.random.default_rng(rng)
    x, t = _random_batch(64, 10, 100, rng)
    seed = int(rng.integers(2**31))
    # The same seed for every net: differences come from the activation, not the draw.
    return [
        layer_gradient_norms(a, n_hidden_layers, width, x, t, weight_init=weight_init, rng=seed)
        for a in activations
    ]


def activation_derivatives(x: np.ndarray) -> dict[str, np.ndarray]:
    """dy/dx of sigmoid, tanh and ReLU at x (any shape): {"sigmoid": …, "tanh": …, "relu": …}."""
    x = np.asarray(x, dtype=np.float64)
    return {"sigmoid": sigmoid_grad(x), "tanh": tanh_grad(x), "relu": relu_grad(x)}
