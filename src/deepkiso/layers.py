"""Layers with a forward and a backward pass: the course's backpropagation.

Exercises 2_12 – 2_15: the add and multiply nodes of the computational graph
(AddLayer, MulLayer, for scalars and arrays), the activations ReLU, Sigmoid
and Tanh, the Affine layer and the two loss layers. Every layer keeps in
``params`` the arrays it learns and in ``grads`` their gradients after
``backward`` (the same keys), and keeps from ``forward`` only what
``backward`` needs. ``backward`` returns new arrays: it never writes into the
``dout`` it was given.

The loss layers return the mean over the batch, and their backward divides by
the batch size N; every other layer leaves N alone.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepkiso.functions import (
    as_batch,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    sum_squared_error,
    sum_to_shape,
    tanh,
)
from deepkiso.i18n import _

__all__ = [
    "AddLayer",
    "MulLayer",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Affine",
    "SoftmaxWithLoss",
    "SquaredError",
    "ACTIVATIONS",
]


def _check_dout(layer: str, dout: Any, expected: tuple[int, ...]) -> None:
    # An array's own .shape: np.shape is a Python-level wrapper, and this runs on every backward.
    if (dout.shape if isinstance(dout, np.ndarray) else np.shape(dout)) != expected:
        raise ValueError(
            _(
                "{layer}.backward: expected dout of shape {expected} (the forward output's), "
                "got shape {got}"
            ).format(layer=layer, expected=expected, got=np.shape(dout))
        )


class AddLayer:
    """The add node: z = x + y, so dz/dx = dz/dy = 1 and dout passes through unchanged.

    Scalars or arrays; with broadcasting, each gradient is summed back to its
    input's shape.
    """

    # x, y, dout: Python numbers or NumPy arrays, mixed freely; NumPy's stubs cannot type their
    # mixed sums and products, so they are Any.
    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.x_shape: tuple[int, ...] | None = None
        self.y_shape: tuple[int, ...] | None = None

    def forward(self, x: Any, y: Any) -> Any:
        """x, y: scalars or broadcastable arrays. Returns x + y."""
        self.x_shape, self.y_shape = np.shape(x), np.shape(y)
        return x + y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        """dout: dL/dz, z's shape. Returns (dL/dx, dL/dy) = (dout, dout) in x's and y's shapes."""
        dout = np.asarray(dout) if np.ndim(dout) else dout
        if np.ndim(dout) == 0:
            return dout * 1, dout * 1
        assert self.x_shape is not None and self.y_shape is not None, "backward before forward"
        return sum_to_shape(dout, self.x_shape).copy(), sum_to_shape(dout, self.y_shape).copy()


class MulLayer:
    """The multiply node: z = x · y, so dz/dx = y and dz/dy = x ("the inputs swap").

    Scalars or arrays (elementwise); with broadcasting, each gradient is summed
    back to its input's shape.
    """

    # x, y, dout: Python numbers or NumPy arrays, as in AddLayer.
    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.x: Any = None
        self.y: Any = None

    def forward(self, x: Any, y: Any) -> Any:
        """x, y: scalars or broadcastable arrays. Returns x * y."""
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        """dout: dL/dz. Returns (dL/dx, dL/dy) = (dout · y, dout · x) in x's and y's shapes."""
        dx, dy = dout * self.y, dout * self.x
        if np.ndim(dx) == 0 and np.ndim(dy) == 0:
            return dx, dy
        return sum_to_shape(np.asarray(dx), np.shape(self.x)), sum_to_shape(
            np.asarray(dy), np.shape(self.y)
        )


class ReLU:
    """y = max(0, x); backward passes dout where x > 0 and blocks it elsewhere (derivative 1 or 0)."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        # True where x <= 0, the positions that block the gradient
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape. Returns a new array y = max(0, x); x is not changed."""
        x = np.asarray(x)
        self.mask = x <= 0
        y: np.ndarray = np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind == "f" else np.maximum(x, 0)
        return y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: the forward output's shape. Returns dx = dout where x > 0, else 0."""
        assert self.mask is not None, "backward before forward"
        _check_dout("ReLU", dout, self.mask.shape)
        # A product with the mask rather than np.where, which branches on every element and is
        # several times slower; a blocked entry becomes 0 (or -0.0, which equals 0).
        dx: np.ndarray = np.asarray(dout) * ~self.mask
        return dx


class Sigmoid:
    """y = 1 / (1 + exp(-x)); backward dx = dout · (1 - y) · y, at most dout / 4."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape. Returns y of x's shape; never overflows (see ``functions.sigmoid``)."""
        out = sigmoid(x)
        self.out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: y's shape. Returns dx = dout · (1 - y) · y."""
        assert self.out is not None, "backward before forward"
        _check_dout("Sigmoid", dout, self.out.shape)
        dx: np.ndarray = dout * (1.0 - self.out) * self.out
        return dx


class Tanh:
    """y = tanh(x); backward dx = dout · (1 - y²)."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape. Returns tanh(x)."""
        out = tanh(x)
        self.out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: y's shape. Returns dx = dout · (1 - y²)."""
        assert self.out is not None, "backward before forward"
        _check_dout("Tanh", dout, self.out.shape)
        y = self.out
        dx: np.ndarray = dout * (1 - y * y)
        return dx


ACTIVATIONS: dict[str, type[ReLU] | type[Sigmoid] | type[Tanh]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
}


class Affine:
    """y = x · W + b for a batch (exercise 2_14).

    W: (D_in, D_out), b: (D_out,), both kept (not copied) in ``params`` so an
    optimizer updating them in place is seen here.
    x: (N, D_in), or (N, d1, d2, …) with d1·d2·… = D_in (images are flattened),
    or (D_in,) for one sample.
    The nets use ``kernels.FastAffine``: the same values, written into the same arrays every step.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray):
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                _(
                    "Affine: expected W of shape (D_in, D_out) and b of shape (D_out,), "
                    "got {W_shape} and {b_shape}"
                ).format(W_shape=W.shape, b_shape=b.shape)
            )
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.x: np.ndarray | None = None  # the input as (N, D_in)
        self.x_shape: tuple[int, ...] | None = None  # the input's own shape, restored in dx

    # The book's names for the arrays in params and grads.
    @property
    def W(self) -> np.ndarray:
        return self.params["W"]

    @property
    def b(self) -> np.ndarray:
        return self.params["b"]

    @property
    def dW(self) -> np.ndarray:
        return self.grads["W"]

    @dW.setter
    def dW(self, value: np.ndarray) -> None:
        self.grads["W"] = value

    @property
    def db(self) -> np.ndarray:
        return self.grads["b"]

    @db.setter
    def db(self, value: np.ndarray) -> None:
        self.grads["b"] = value

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Returns y = x · W + b: (N, D_out), or (D_out,) for a 1-D x."""
        x = np.asarray(x)
        self.x_shape = x.shape
        self.x = rows = self._as_rows(x)
        out: np.ndarray = np.dot(rows, self.W) + self.b
        return out.reshape(-1) if x.ndim == 1 else out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: (N, D_out) (or (D_out,) after a 1-D forward).

        Sets dW (D_in, D_out) = xᵀ · dout and db (D_out,) = dout summed over the
        batch (each sample added its own b). Returns dx = dout · Wᵀ in the input's shape.
        """
        dout = self._dout_rows(dout)
        assert self.x is not None  # _dout_rows checked it
        dx: np.ndarray = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(self.x_shape)

    def _as_rows(self, x: np.ndarray) -> np.ndarray:
        """x as (N, D_in): images flattened, one sample (D_in,) as one row; any other shape is an error."""
        d_in = self.params["W"].shape[0]
        if x.ndim == 2 and x.shape[1] == d_in:
            return x
        if x.ndim == 1 and x.shape[0] == d_in:
            return x.reshape(1, d_in)
        if x.ndim >= 2 and math.prod(x.shape[1:]) == d_in:
            return x.reshape(x.shape[0], d_in)
        raise ValueError(
            _(
                "Affine: expected input of shape (N, {d_in}) (or (N, d1, d2, …) with "
                "d1·d2·… = {d_in}, or ({d_in},)), got shape {got}"
            ).format(d_in=d_in, got=x.shape)
        )

    def _dout_rows(self, dout: np.ndarray) -> np.ndarray:
        """dout as (N, D_out), after checking it has the forward output's shape."""
        assert self.x is not None and self.x_shape is not None, "backward before forward"
        n = self.x.shape[0]
        d_out = self.params["W"].shape[1]
        _check_dout("Affine", dout, (d_out,) if len(self.x_shape) == 1 else (n, d_out))
        return np.asarray(dout).reshape(n, d_out)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy error (exercise 2_15).

    forward(x, t): x scores (N, C) (or (C,) for one sample); t integer labels
    (N,) or target rows (N, C): one-hot, or any weights (label smoothing,
    multi-hot, an all-zero row). Returns L = -Σ_n Σ_k t_nk log y_nk / N.
    backward(dout=1): dx = dout · (y · Σ_k t_k - t) / N, where y = softmax(x):
    the exact gradient of that L for every t. For rows that sum to 1 (labels,
    one-hot, smoothed labels) it is the course's dout · (y - t) / N; for a
    multi-hot row it is not, and an all-zero row (which adds nothing to L)
    gets no gradient.
    The nets use ``kernels.FastSoftmaxWithLoss``, which computes the same in fewer passes.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.loss: float | None = None
        self.y: np.ndarray | None = None  # softmax output (N, C)
        self.t: np.ndarray | None = None  # labels (N,) or target rows (N, C)
        self.x_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        self.x_shape = np.shape(x)
        x, t = as_batch(
            x, t, "SoftmaxWithLoss"
        )  # (N, C), and (N,) or (N, C); integer scores become float64
        self.t = t = (
            t.astype(x.dtype, copy=False) if t.ndim == 2 else t
        )  # float32 scores keep float32 gradients
        self.y = softmax(x)
        # From the scores rather than from y: exact even where y underflows to 0 (scores of ±1000).
        self.loss = loss = softmax_cross_entropy(x, t)
        return loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """Returns dL/dx = dout · (y · Σ_k t_k - t) / N, in the scores' shape ((y - t) for labels)."""
        assert self.y is not None and self.t is not None, "backward before forward"
        batch_size = self.y.shape[0]
        if self.t.ndim == 2:
            # y · Σt - t, not y - t: the two agree only for rows of t that sum to 1.
            dx = (self.y * self.t.sum(axis=1, keepdims=True) - self.t) / batch_size
        else:
            # Labels: y - t with t one-hot, subtracting 1 at each row's label.
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        dx = np.asarray(dout).item() * dx
        out: np.ndarray = dx.reshape(self.x_shape)
        return out


class SquaredError:
    """The sum-of-squares error as a loss layer: L = (1/N) Σ_n ½ Σ_k (y_nk - t_nk)².

    forward(y, t): y, t of the same shape, (N, K) or (K,) for one sample.
    backward(dout=1): dy = dout · (y - t) / N.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.loss: float | None = None
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None

    def forward(self, y: np.ndarray, t: np.ndarray) -> float:
        y = np.asarray(y)
        if y.dtype.kind != "f":
            y = y.astype(np.float64)
        t = np.asarray(t)
        if t.shape != y.shape:
            # Labels of shape (N,) against a single output column (N, 1) is a common, harmless mismatch.
            if y.ndim == 2 and y.shape[1] == 1 and t.shape == (y.shape[0],):
                t = t.reshape(-1, 1)
            else:
                raise ValueError(
                    _(
                        "SquaredError: expected t of shape {expected} (the output's), got shape {got}"
                    ).format(expected=y.shape, got=t.shape)
                )
        t = t.astype(y.dtype, copy=False)
        self.y, self.t = y, t
        self.loss = loss = sum_squared_error(y, t)
        return loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """Returns dL/dy = dout · (y - t) / N, y's shape."""
        assert self.y is not None and self.t is not None, "backward before forward"
        n = self.y.shape[0] if self.y.ndim > 1 else 1
        dy: np.ndarray = (self.y - self.t) * self.y.dtype.type(np.asarray(dout).item() / n)
        return dy
