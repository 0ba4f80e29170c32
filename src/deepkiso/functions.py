"""Pure array maths: activations, softmax and the two losses of the course.

These are the building blocks of exercises 2_7 – 2_16: every function takes
arrays and returns new arrays, never changing its arguments, and keeps the
input's floating dtype (float32 stays float32). The layers in
``deepkiso.layers`` wrap them and add the backward pass.

Shapes: activations work elementwise on any shape. ``softmax`` works over the
last axis, so a 1-D vector is one sample and a 2-D array (N, C) is a batch.
The losses return the mean over the batch, as the course's loss layers do.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from deepkiso.i18n import _

__all__ = [
    "identity",
    "step_function",
    "sigmoid",
    "sigmoid_grad",
    "relu",
    "relu_grad",
    "tanh",
    "tanh_grad",
    "softmax",
    "log_softmax",
    "cross_entropy_error",
    "to_labels",
    "sum_to_shape",
    "softmax_cross_entropy",
    "sum_squared_error",
    "to_one_hot",
    "as_batch",
]


def _as_float(x: npt.ArrayLike) -> np.ndarray:
    """x as a floating array; integer and bool inputs become float64."""
    x = np.asarray(x)
    if x.dtype.kind != "f":  # the same test as np.issubdtype(x.dtype, np.floating), 20 times faster
        x = x.astype(np.float64)
    out: np.ndarray = x  # np.asarray of an ArrayLike is typed Any
    return out


def identity(x: np.ndarray) -> np.ndarray:
    """y = x (the output activation of regression). Any shape."""
    return np.array(_as_float(x), copy=True)


def step_function(x: np.ndarray) -> np.ndarray:
    """y = 1 where x > 0, else 0 (the perceptron's activation). Any shape.

    Its derivative is zero everywhere it exists, which is why gradient
    descent cannot train a network of step functions.
    """
    x = _as_float(x)
    return (x > 0).astype(x.dtype)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """y = 1 / (1 + exp(-x)), elementwise, without overflow at any x.

    For x < 0, exp(-x) would overflow (past x ≈ -88 in float32), so there the
    same y is written exp(x) / (1 + exp(x)) (numerator and denominator times
    exp(x)). Either way exp is only taken of -|x| ≤ 0, so x = ±1000 gives
    exactly 0 or 1 and no warning. The Sigmoid layer's forward pass is this function.
    """
    x = _as_float(x)
    e = np.exp(-np.abs(x))  # exp(-x) for x ≥ 0, exp(x) for x < 0
    y: np.ndarray = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return y


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """dy/dx of the sigmoid at x: y(1 - y), at most 0.25 (at x = 0)."""
    y = sigmoid(x)
    return y * (1.0 - y)


def relu(x: np.ndarray) -> np.ndarray:
    """y = max(0, x), elementwise."""
    x = _as_float(x)
    y: np.ndarray = np.maximum(x, 0).astype(x.dtype, copy=False)
    return y


def relu_grad(x: np.ndarray) -> np.ndarray:
    """dy/dx of ReLU: 1 where x > 0, else 0 (0 is used at the kink x = 0)."""
    x = _as_float(x)
    return (x > 0).astype(x.dtype)


def tanh(x: np.ndarray) -> np.ndarray:
    """y = tanh(x), elementwise."""
    y: np.ndarray = np.tanh(_as_float(x))
    return y


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """dy/dx of tanh at x: 1 - y², at most 1 (at x = 0)."""
    y: np.ndarray = np.tanh(_as_float(x))
    dy: np.ndarray = 1.0 - y * y
    return dy


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis: y_k = exp(x_k) / Σ_j exp(x_j).

    x: (C,) for one sample or (N, C) for a batch (any leading axes work).
    Returns an array of x's shape whose last axis sums to 1. Subtracting the
    row maximum first keeps exp ≤ 1, so inputs of ±1000 stay finite.
    """
    x = _as_float(x)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e: np.ndarray = np.exp(shifted)
    y: np.ndarray = e / np.sum(e, axis=-1, keepdims=True)
    return y


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log(softmax(x)) over the last axis, computed as x - logsumexp(x).

    Exact even where softmax underflows to 0, so it never yields -inf for
    finite x.
    """
    x = _as_float(x)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    log_y: np.ndarray = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return log_y


def as_batch(y: np.ndarray, t: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return y as (N, C) and t as (N,) labels or (N, C) one-hot, checking both; name is used in errors.

    A 1-D y is one sample: y (C,) with t a label () or one-hot (C,).
    """
    y = _as_float(y)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = (
            t.reshape(1, -1)
            if t.ndim == 1 and t.size == y.shape[1] and t.size > 1
            else t.reshape(1)
        )
    if y.ndim != 2:
        raise ValueError(
            _("{name}: expected y of shape (N, C) or (C,), got shape {got}").format(
                name=name, got=y.shape
            )
        )
    n, c = y.shape
    if t.shape == (n, c):
        return y, t
    if t.shape == (n,) and t.dtype.kind in "iu":  # signed or unsigned integers
        # Read as unsigned, a negative label is huge: one pass over t checks both ends of [0, c).
        if t.size and np.maximum.reduce(t.view(t.dtype.str.replace("i", "u"))) >= c:
            raise ValueError(
                _("{name}: labels must lie in [0, {c}), got values from {low} to {high}").format(
                    name=name, c=c, low=t.min(), high=t.max()
                )
            )
        return y, t
    raise ValueError(
        _(
            "{name}: expected t as integer labels of shape ({n},) or one-hot of shape ({n}, {c}), "
            "got shape {shape} and dtype {dtype}"
        ).format(name=name, n=n, c=c, shape=t.shape, dtype=t.dtype)
    )


def to_one_hot(t: np.ndarray, n_classes: int, dtype: npt.DTypeLike = np.float32) -> np.ndarray:
    """Integer labels (N,) -> one-hot rows (N, n_classes)."""
    t = np.asarray(t)
    out = np.zeros((t.size, n_classes), dtype=dtype)
    out[np.arange(t.size), t.reshape(-1)] = 1
    return out


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """grad summed over the axes that broadcasting added or stretched, giving shape.

    Broadcasting copies an input along those axes in forward, so by the chain rule the copies'
    gradients add up in backward (the bias of an Affine layer gets the sum over the batch).
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def to_labels(t: np.ndarray) -> np.ndarray:
    """One-hot rows (N, C) -> integer labels (N,), each row's argmax; labels (N,) come back as they are."""
    t = np.asarray(t)
    return np.argmax(t, axis=1) if t.ndim == 2 else t


def cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    """E = -(1/N) Σ_n Σ_k t_nk log y_nk, the batch mean.

    y: (N, C) probabilities (a softmax output) or (C,) for one sample.
    t: one-hot (N, C), or integer labels (N,) (a label () for one sample).
    log is taken of max(y, tiny), so a probability of exactly 0 gives a large
    but finite loss instead of inf.
    """
    y, t = as_batch(y, t, "cross_entropy_error")
    return _mean_negative_log(np.log(np.maximum(y, np.finfo(y.dtype).tiny)), t)


def softmax_cross_entropy(x: np.ndarray, t: np.ndarray) -> float:
    """cross_entropy_error(softmax(x), t), computed stably from the scores x.

    Uses log_softmax, so it stays exact (not merely finite) for scores of
    ±1000. Shapes as in ``cross_entropy_error``.
    """
    x, t = as_batch(x, t, "softmax_cross_entropy")
    return _mean_negative_log(log_softmax(x), t)


def _mean_negative_log(log_y: np.ndarray, t: np.ndarray) -> float:
    """-(1/N) Σ_n log y_n[t_n]: log_y (N, C); t labels (N,) or one-hot (N, C)."""
    n = log_y.shape[0]
    if t.ndim == 1:
        return float(-np.sum(log_y[np.arange(n), t], dtype=np.float64) / n)
    return float(-np.sum(t * log_y, dtype=np.float64) / n)


def sum_squared_error(y: np.ndarray, t: np.ndarray) -> float:
    """E = (1/N) Σ_n ½ Σ_k (y_nk - t_nk)², the batch mean.

    y, t: the same shape, (N, K) for a batch or (K,) for one sample (N = 1).
    """
    y = _as_float(y)
    t = np.asarray(t, dtype=y.dtype)
    if y.shape != t.shape:
        raise ValueError(
            _("sum_squared_error: y has shape {y_shape} but t has shape {t_shape}").format(
                y_shape=y.shape, t_shape=t.shape
            )
        )
    n = y.shape[0] if y.ndim > 1 else 1
    d = y - t
    # Summed in float64 whatever y's dtype: a float32 sum of many squares loses digits.
    return float(0.5 * np.sum(d * d, dtype=np.float64) / n)
