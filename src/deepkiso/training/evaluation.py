"""Evaluation of a net on a whole data set, in chunks: evaluate, in_chunks.

The Trainer evaluates after every epoch and ``deepkiso evaluate`` on a saved run; both go through
here, a chunk at a time, so a data set of any size fits in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from deepkiso._types import TrainableNet
from deepkiso.functions import to_labels
from deepkiso.layers import SoftmaxWithLoss

__all__ = ["evaluate", "in_chunks", "is_classifier"]


def is_classifier(net: object) -> bool:
    """Whether net ends in a softmax loss (so its outputs are class scores and accuracy counts)."""
    return isinstance(getattr(net, "last_layer", None), SoftmaxWithLoss)


def evaluate(
    net: TrainableNet, x: np.ndarray, t: np.ndarray, chunk_size: int = 10_000
) -> tuple[float, float | None]:
    """(mean loss, accuracy) of net on x, t; accuracy is None for a regression net.

    x: (N, …) inputs; t: labels (N,), one-hot (N, C) or targets (N, K).
    Runs ``chunk_size`` samples at a time, so at most one chunk's activations
    are alive however large N is.
    """
    n = len(x)
    if n == 0:
        raise ValueError("evaluate: got no samples")
    classifier = is_classifier(net)
    loss_sum = 0.0
    correct = 0
    for start, x_chunk in in_chunks(x, chunk_size):
        t_chunk = t[start : start + len(x_chunk)]
        y = net.predict(x_chunk)
        # The loss layer returns the chunk's mean; weight it back to a sum.
        loss_sum += net.last_layer.forward(y, t_chunk) * len(x_chunk)
        if classifier:
            correct += int(np.count_nonzero(np.argmax(y, axis=1) == to_labels(t_chunk)))
    return loss_sum / n, (correct / n if classifier else None)


def in_chunks(x: np.ndarray, chunk_size: int) -> Iterator[tuple[int, np.ndarray]]:
    """(start, x[start : start + chunk_size]) over x. An array's chunks are views; images kept as
    bytes (data.ScaledImages, which has rows) are scaled into one buffer, chunk after chunk, since
    the first layer keeps its last input and fresh chunks would keep two alive."""
    rows = getattr(x, "rows", None)
    if rows is None:
        for start in range(0, len(x), chunk_size):
            yield start, x[start : start + chunk_size]
        return
    buffer = np.empty((min(chunk_size, len(x)), *x.shape[1:]), x.dtype)
    for start in range(0, len(x), chunk_size):
        stop = min(start + chunk_size, len(x))
        yield start, rows(start, stop, out=buffer[: stop - start])
