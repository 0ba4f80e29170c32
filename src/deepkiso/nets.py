"""Networks: SimpleNet (exercise 2_7), TwoLayerNet (2_8, 2_16) and MultiLayerNet.

A net is a list of layers — Affine, activation, Affine, …, Affine — and a
loss layer. Its learnable arrays are in ``net.params`` under the course's
names W1, b1, W2, b2, …; they are the very arrays the Affine layers hold, so
an optimizer that updates ``params`` in place updates the net.
``gradient(x, t)`` is backpropagation, ``numerical_gradient(x, t)`` the slow
reference it is checked against (exercise 2_17).

TwoLayerNet is MultiLayerNet with one hidden layer: one implementation.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from typing import cast

import numpy as np
import numpy.typing as npt

from deepkiso import differentiation
from deepkiso.functions import softmax, softmax_cross_entropy, to_labels
from deepkiso.i18n import _
from deepkiso.kernels import FastAffine, FastReLU, FastSoftmaxWithLoss
from deepkiso.layers import ACTIVATIONS, Affine, ReLU, Sigmoid, SquaredError, Tanh

__all__ = ["SimpleNet", "MultiLayerNet", "TwoLayerNet", "LOSSES", "WEIGHT_INITS"]

# The fast forms of the course's layers (deepkiso.kernels): the same values, fewer passes.
LOSSES: dict[str, type[FastSoftmaxWithLoss] | type[SquaredError]] = {
    "softmax": FastSoftmaxWithLoss,
    "squared": SquaredError,
}
WEIGHT_INITS = ("he", "xavier")


def _check_choice(what: str, value: object, choices: Collection[str]) -> None:
    if value not in choices:
        raise ValueError(
            _("unknown {what} {value!r}; choose one of {choices}").format(
                what=what, value=value, choices=sorted(choices)
            )
        )


class SimpleNet:
    """Exercise 2_7: one 2×3 weight matrix W, scores x · W, softmax-with-loss.

    x: (2,) or (N, 2); t: label(s) or one-hot of 3 classes.
    Computations are float64, as the exercise's numerical gradient needs.
    """

    def __init__(self, rng: np.random.Generator | int | None = 0, W: np.ndarray | None = None):
        W = (
            np.random.default_rng(rng).standard_normal((2, 3))
            if W is None
            else np.array(W, dtype=np.float64)
        )
        if W.shape != (2, 3):
            raise ValueError(
                _("SimpleNet: expected W of shape (2, 3), got shape {got}").format(got=W.shape)
            )
        self.params = {"W": W}

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores x · W: (3,) or (N, 3)."""
        return np.asarray(x, dtype=np.float64) @ self.params["W"]

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Cross-entropy of softmax(x · W) against t (batch mean)."""
        return softmax_cross_entropy(self.predict(x), t)

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """{"W": dL/dW} (2, 3) by central differences on the net's own W."""
        return {
            "W": differentiation.numerical_gradient(lambda _: self.loss(x, t), self.params["W"])
        }

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """{"W": dL/dW} by backprop: xᵀ · (softmax(x · W) - t) / N."""
        layer = FastSoftmaxWithLoss()
        layer.forward(self.predict(x), t)
        dscores = layer.backward(1.0)
        x = np.asarray(x, dtype=np.float64)
        return {"W": np.outer(x, dscores) if x.ndim == 1 else x.T @ dscores}


# What gradient_unchecked does in place of these methods' own calls.
_UNCHECKED_SKIPS = ("gradient", "loss", "predict")


class _UncheckedPlan:
    """gradient_unchecked's calls, looked up once for a net's layers: the bound methods in order.

    Looking the methods up every step (an isinstance test per layer and call) cost 2,500
    instructions of a 1.48 M-instruction step at hidden 50, batch 32
    (benchmarks/count_step_instructions.py); in a training loop, where Python code runs slowly
    among the matrix products, an in-loop A/B at hidden 100, batch 32 put it at 3-6 µs of 240."""

    def __init__(self, net: MultiLayerNet) -> None:
        self.layers = list(net.layers)
        self.last_layer = loss_layer = cast(FastSoftmaxWithLoss, net.last_layer)  # fits_unchecked
        self.forwards = [
            layer.forward_rows if isinstance(layer, FastAffine) else layer.forward
            for layer in self.layers
        ]
        self.loss_forward = loss_layer.forward_batch
        self.loss_backward = loss_layer.backward
        self.backwards = [
            layer.backward_rows if isinstance(layer, FastAffine) else layer.backward
            for layer in reversed(self.layers[1:])
        ]
        first = cast(FastAffine, self.layers[0])  # __init__ puts an affine layer first
        self.first_weight_gradients = first.weight_gradients_rows
        self.grad_sources = [(name, layer.grads, key) for name, layer, key in net._grad_sources]

    def fits(self, net: MultiLayerNet) -> bool:
        """Whether the net still has the layers the plan was made for (the same objects)."""
        return self.layers == net.layers and self.last_layer is net.last_layer


class MultiLayerNet:
    """A fully connected net: (Affine → activation) × len(hidden_sizes), Affine, loss layer.

    input_size: D, the features per sample (images are flattened by Affine).
    hidden_sizes: the widths of the hidden layers, e.g. [100] or [256, 128].
    output_size: C classes (loss "softmax") or K outputs (loss "squared").
    activation: "relu", "sigmoid" or "tanh".
    weight_init: a standard deviation (float), "he" (√(2/fan_in), for ReLU)
        or "xavier" (√(1/fan_in), for sigmoid and tanh). Biases start at 0.
    dtype: float32 by default (training); use float64 for gradient checks.
    rng: seed or numpy Generator for the initial weights.

    params: {"W1": (D, H1), "b1": (H1,), …, "WL": (H_last, C), "bL": (C,)}.
    """

    def __init__(
        self,
        input_size: int,
        hidden_sizes: list[int] | tuple[int, ...],
        output_size: int,
        activation: str = "relu",
        loss: str = "softmax",
        weight_init: float | str = "he",
        dtype: npt.DTypeLike = np.float32,
        rng: np.random.Generator | int | None = 0,
    ) -> None:
        _check_choice("activation", activation, ACTIVATIONS)
        _check_choice("loss", loss, LOSSES)
        if isinstance(weight_init, str):
            _check_choice("weight_init", weight_init, WEIGHT_INITS)
        sizes = [int(input_size), *[int(h) for h in hidden_sizes], int(output_size)]
        if any(s <= 0 for s in sizes):
            raise ValueError(_("layer sizes must be positive, got {sizes}").format(sizes=sizes))
        self.input_size = int(input_size)
        self.hidden_sizes = [int(h) for h in hidden_sizes]
        self.output_size = int(output_size)
        self.activation = activation
        self.loss_name = loss
        self.weight_init = weight_init
        self.dtype = np.dtype(dtype)
        self.params: dict[str, np.ndarray] = {}
        self.layers: list[FastAffine | ReLU | Sigmoid | Tanh] = []
        generator = np.random.default_rng(rng)  # a Generator comes back as it is
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
            std = self._init_std(fan_in)
            W = (std * generator.standard_normal((fan_in, fan_out))).astype(self.dtype)
            b = np.zeros(fan_out, dtype=self.dtype)
            self.params[f"W{i}"], self.params[f"b{i}"] = W, b
            self.layers.append(FastAffine(W, b))
            if i < len(sizes) - 1:
                # ReLU in its fast form (in place); sigmoid and tanh as the course writes them.
                self.layers.append(
                    FastReLU() if activation == "relu" else ACTIVATIONS[activation]()
                )
        self.last_layer = LOSSES[loss]()
        # (name in params, layer, key in layer.grads): gradient() hands out the layers' own arrays
        self._grad_sources = [
            (f"{key}{i}", layer, key)
            for i, layer in enumerate(self.affine_layers, start=1)
            for key in ("W", "b")
        ]
        # gradient_unchecked's calls, looked up at its first use
        self._unchecked_plan: _UncheckedPlan | None = None

    def fits_unchecked(self, x: np.ndarray, t: np.ndarray) -> bool:
        """Whether gradient_unchecked may take batches of x and t: x (N, input_size) in the net's
        dtype, t labels in [0, output_size) or (N, output_size) targets, and a softmax output.

        Checked once for a whole run by the Trainer; data that does not fit trains through
        gradient, whose layers check every batch (and say what is wrong).
        """
        if not isinstance(self.last_layer, FastSoftmaxWithLoss):
            return False
        # A subclass that computes its gradient, loss or predictions its own way trains its way.
        if any(getattr(type(self), m) is not getattr(MultiLayerNet, m) for m in _UNCHECKED_SKIPS):
            return False
        if x.ndim != 2 or x.shape[1] != self.input_size or x.dtype != self.dtype:
            return False
        if t.ndim == 2:
            return t.shape == (len(x), self.output_size) and t.dtype.kind == "f"
        return (
            t.shape == (len(x),)
            and t.dtype.kind in "iu"
            and (t.size == 0 or (int(t.min()) >= 0 and int(t.max()) < self.output_size))
        )

    def gradient_unchecked(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """gradient(x, t) for a batch of data that fits_unchecked: the same numbers, through the
        layers' unchecked methods (FastAffine.forward_rows, …). A Trainer step at hidden 50, batch 32
        took 237 µs this way and 261 µs through gradient (an in-process A/B; the /plain column of
        benchmarks/bench_training_vs_torch.py shows the effect on whole runs)."""
        plan = self._unchecked_plan
        if plan is None or not plan.fits(self):
            plan = self._unchecked_plan = _UncheckedPlan(self)
        out = x
        for forward in plan.forwards:
            out = forward(out)
        plan.loss_forward(out, t)
        dout = plan.loss_backward(1.0)
        for backward in plan.backwards:
            dout = backward(dout)
        plan.first_weight_gradients(dout)  # its dx would be the data's gradient: not needed
        return {name: grads[key] for name, grads, key in plan.grad_sources}

    def _init_std(self, fan_in: int) -> float:
        if self.weight_init == "he":
            return float(np.sqrt(2.0 / fan_in))
        if self.weight_init == "xavier":
            return float(np.sqrt(1.0 / fan_in))
        return float(self.weight_init)

    @property
    def affine_layers(self) -> list[Affine]:
        return [layer for layer in self.layers if isinstance(layer, Affine)]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The output before the loss: scores (N, C) for softmax, values (N, K) for squared error.

        x: (N, D) or (N, d1, d2, …); converted to the net's dtype.
        """
        x = np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities softmax(predict(x)), (N, C). Softmax nets only."""
        if self.loss_name != "softmax":
            raise ValueError(_("probabilities: this net has a squared-error output, not a softmax"))
        return softmax(self.predict(x))

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """The batch-mean loss of x against t (labels or one-hot for softmax; values for squared)."""
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """Fraction of samples whose highest output is the right class. t: labels (N,) or one-hot (N, C)."""
        if self.output_size < 2:
            raise ValueError(
                _("accuracy: a net with a single output is a regression net; use loss() instead")
            )
        y = np.argmax(self.predict(x), axis=1)
        return float(np.mean(y == to_labels(t)))

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Backpropagation: {"W1": dL/dW1, "b1": dL/db1, …}, each of its parameter's shape.

        The arrays are the layers' own gradient buffers, overwritten by the next call.
        """
        self.loss(x, t)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        # The first layer's dx would be the gradient of the data, which nothing uses.
        first = cast(FastAffine, self.layers[0])  # __init__ puts an affine layer first
        first.backward(dout, need_dx=False)
        return {name: layer.grads[key] for name, layer, key in self._grad_sources}

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """The same gradients by central differences on the net's own weights (slow; float64 results)."""
        return {
            name: differentiation.numerical_gradient(lambda _: self.loss(x, t), param)
            for name, param in self.params.items()
        }

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter, {"W1": …, "b1": …, …}."""
        return {name: param.copy() for name, param in self.params.items()}

    def load_state_dict(self, state: Mapping[str, npt.ArrayLike]) -> None:
        """Copy saved parameters into the net, in place.

        Every mismatch — a missing or unexpected name, a wrong shape — is
        listed in one ValueError; on error nothing is changed.
        """
        problems = []
        for name, param in self.params.items():
            if name not in state:
                problems.append(
                    _("{name}: missing from the saved state (net has shape {shape})").format(
                        name=name, shape=param.shape
                    )
                )
            elif np.shape(state[name]) != param.shape:
                problems.append(
                    _("{name}: saved shape {saved}, net has shape {shape}").format(
                        name=name, saved=np.shape(state[name]), shape=param.shape
                    )
                )
        problems += [
            _("{name}: in the saved state but not in the net").format(name=name)
            for name in state
            if name not in self.params
        ]
        if problems:
            raise ValueError(
                _("the saved state does not fit this net:") + "\n  " + "\n  ".join(problems)
            )
        for name, param in self.params.items():
            # In place on purpose: the layers hold these same arrays.
            param[...] = state[name]


class TwoLayerNet(MultiLayerNet):
    """Exercise 2_8 / 2_16: Affine → activation → Affine → loss.

    params: W1 (input_size, hidden_size), b1 (hidden_size,),
            W2 (hidden_size, output_size), b2 (output_size,).
    weight_init_std: 0.01 as in the course, or "he" / "xavier".
    Other arguments as for MultiLayerNet.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float | str = 0.01,
        activation: str = "relu",
        loss: str = "softmax",
        dtype: npt.DTypeLike = np.float32,
        rng: np.random.Generator | int | None = 0,
    ) -> None:
        super().__init__(
            input_size,
            [hidden_size],
            output_size,
            activation=activation,
            loss=loss,
            weight_init=weight_init_std,
            dtype=dtype,
            rng=rng,
        )
        self.hidden_size = int(hidden_size)
