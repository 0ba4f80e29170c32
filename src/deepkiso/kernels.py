"""The fast forms of the course's layers, which the nets and the Trainer use.

``layers.Affine`` and ``layers.SoftmaxWithLoss`` are written as the slides write
them. The classes here compute the same values (tests/test_kernels.py checks
that they agree to 1e-12 in float64, forward and backward) with fewer passes
over memory and fewer new arrays, which is what a training step's fixed cost
is made of at small batches:

* ``FastAffine`` writes dW and db into the arrays the net hands out as its
  gradients (no new arrays per step) and can skip dx, which the first layer's
  caller never uses.
* ``FastReLU`` works in place: inside a net its input is the Affine layer's
  fresh output and its dout the next layer's fresh dx, which nothing else
  reads, so it keeps the output (positive where x is) in place of a mask.
* ``FastSoftmaxWithLoss`` works on the transpose of the scores, (C, N), where
  NumPy's reductions over the C classes run across rows instead of along short
  ones, and takes the loss from the same shifted scores, in one pass.

Each of FastAffine's matrix products first lets ``blas.fit_threads`` choose the BLAS's thread
count for its shape, which does nothing unless ``blas.use_threads_by_shape()`` is in effect (as in
``deepkiso train`` without ``--threads``).

For the Trainer, ``FastAffine.forward_rows``/``backward_rows`` and
``FastSoftmaxWithLoss.forward_batch`` do the same arithmetic without the
per-call checks: a net's ``gradient_unchecked`` calls them on data that
``fits_unchecked`` once for the whole run.

Reductions are called as ufunc methods (``np.add.reduce``) rather than as array
methods (``a.sum()``), which go through a Python-level wrapper on every call.

All subclass the course classes, so ``isinstance(layer, Affine)`` still holds.
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np

from deepkiso.blas import fit_threads
from deepkiso.functions import as_batch
from deepkiso.layers import Affine, ReLU, SoftmaxWithLoss

__all__ = ["FastAffine", "FastReLU", "FastSoftmaxWithLoss"]


class FastAffine(Affine):
    """Affine (y = x · W + b) with its gradients written in place; see the module docstring."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Returns y = x · W + b: (N, D_out), or (D_out,) for a 1-D x."""
        x = np.asarray(x)
        self.x_shape = x.shape
        self.x = rows = self._as_rows(x)
        fit_threads(rows.shape[0], rows.shape[1], self.params["W"].shape[1])
        y: np.ndarray = rows @ self.params["W"]
        y += self.params["b"]  # in place: one array fewer than `x @ W + b`
        return y.reshape(-1) if x.ndim == 1 else y

    def forward_rows(self, x: np.ndarray) -> np.ndarray:
        """forward for a batch (N, D_in) of the layer's dtype, unchecked: the net's training step
        calls it, its data checked once for the whole run. The same numbers as forward."""
        self.x_shape = x.shape
        self.x = x
        fit_threads(x.shape[0], x.shape[1], self.params["W"].shape[1])
        y: np.ndarray = x @ self.params["W"]
        y += self.params["b"]
        return y

    def weight_gradients_rows(self, dout: np.ndarray) -> None:
        """backward's dW and db after forward_rows, unchecked: dout (N, D_out) as the next layer gives it."""
        assert self.x is not None  # forward_rows ran
        fit_threads(self.x.shape[1], dout.shape[0], dout.shape[1])
        np.matmul(self.x.T, dout, out=self.grads["W"], casting="same_kind")
        np.add.reduce(dout, axis=0, out=self.grads["b"])

    def backward_rows(self, dout: np.ndarray) -> np.ndarray:
        """weight_gradients_rows, and dx = dout · Wᵀ (N, D_in)."""
        self.weight_gradients_rows(dout)
        fit_threads(dout.shape[0], dout.shape[1], self.params["W"].shape[0])
        dx: np.ndarray = dout @ self.params["W"].T
        return dx

    # With need_dx left True it returns an array, as Affine.backward does.
    @overload
    def backward(self, dout: np.ndarray, need_dx: Literal[True] = ...) -> np.ndarray: ...

    @overload
    def backward(self, dout: np.ndarray, need_dx: bool) -> np.ndarray | None: ...

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """dout: (N, D_out). Sets grads["W"] = xᵀ · dout and grads["b"] = Σ_n dout, in place.

        Returns dx = dout · Wᵀ in the input's shape, or None when need_dx is False
        (the net's first layer: nothing uses the gradient of the data, and skipping
        it saves a third of the layer's work).
        """
        dout = self._dout_rows(dout)
        assert self.x is not None  # _dout_rows checked it
        # Into the existing arrays: the nets hand out these same arrays as their grads.
        fit_threads(self.x.shape[1], dout.shape[0], dout.shape[1])
        np.matmul(self.x.T, dout, out=self.grads["W"], casting="same_kind")
        np.add.reduce(dout, axis=0, out=self.grads["b"])
        if not need_dx:
            return None
        fit_threads(dout.shape[0], dout.shape[1], self.params["W"].shape[0])
        dx: np.ndarray = dout @ self.params["W"].T
        return dx.reshape(self.x_shape)


class FastReLU(ReLU):
    """ReLU that overwrites its input with max(0, x) and its dout with dx; see the module docstring.

    For a net's hidden layers only: the caller's x and dout are changed (ReLU leaves them alone).
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: np.ndarray | None = None  # max(0, x): positive exactly where x is

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: a float array, overwritten. Returns it as y = max(0, x)."""
        self.out = np.maximum(x, 0, out=x)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: the output's shape, overwritten. Returns it as dx = dout where x > 0, else 0."""
        assert self.out is not None, "backward before forward"
        # dout · [x > 0], as ReLU's dout · ~mask: the same numbers (-0.0 where a negative dout is blocked).
        dx: np.ndarray = np.multiply(dout, self.out > 0, out=dout)
        return dx


class FastSoftmaxWithLoss(SoftmaxWithLoss):
    """SoftmaxWithLoss computed on the transposed scores; see the module docstring.

    ``y`` is the softmax (N, C), as in the course class: a view of the (C, N) array worked on.
    """

    def __init__(self) -> None:
        super().__init__()
        # The softmax, transposed and contiguous (C, N); self.y is its transpose.
        self._y_t: np.ndarray | None = None
        # np.arange(N), made once per batch for the labels' fancy indexing.
        self._samples: np.ndarray | None = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        x2, t2 = as_batch(x, t, "SoftmaxWithLoss")  # also makes integer scores float64
        loss = self.forward_batch(x2, t2)
        self.x_shape = np.shape(x)  # dx comes back in x's own shape: (C,) for one sample
        return loss

    def forward_batch(self, x2: np.ndarray, t2: np.ndarray) -> float:
        """forward for scores (N, C) and labels (N,) or targets (N, C) already checked (as_batch);
        the net's training step calls it directly, its data checked once for the whole run."""
        self.x_shape = x2.shape
        if t2.ndim == 2:
            t2 = t2.astype(x2.dtype, copy=False)
        n = x2.shape[0]
        # NumPy reduces a short last axis one row at a time, so the row maximum and row sum of a
        # (1000, 10) batch take 7x longer than the same reductions across the C rows of its transpose.
        shifted = np.array(x2.T, order="C")  # always a copy (ascontiguousarray is not, for N = 1)
        # Scores shifted by their maximum: exp never overflows, and the loss comes from
        # log y = shifted - log Σ exp(shifted), so scores of ±1000 give an exact, finite loss.
        shifted -= np.maximum.reduce(shifted, axis=0)
        y = np.exp(shifted)
        total = np.add.reduce(y, axis=0)
        y /= total
        self._y_t = y
        self.y = y.T
        self.t = t2
        self._samples = samples = np.arange(n)
        if t2.ndim == 1:
            # -log y[t] = log Σ exp(shifted) - shifted[t], summed over the batch in float64
            picked = shifted[t2, samples]
            loss = float(
                (
                    np.add.reduce(np.log(total), dtype=np.float64)
                    - np.add.reduce(picked, dtype=np.float64)
                )
                / n
            )
        else:
            log_y = shifted - np.log(total)
            loss = float(-np.sum(t2.T * log_y, dtype=np.float64) / n)
        self.loss = loss
        return loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """Returns dL/dx = dout · (y · Σ_k t_k - t) / N, in the scores' shape ((y - t) for labels)."""
        assert self.y is not None and self.t is not None, "backward before forward"
        assert self._y_t is not None  # set with self.y
        n = self.y.shape[0]
        scale = self.y.dtype.type(np.asarray(dout).item() / n)
        if self.t.ndim == 1:
            dx = self._y_t.copy()
            dx[self.t, self._samples] -= 1
        else:
            # The row sums as a matrix-vector product, which is fast on the (N, C) layout of t.
            row_sums = self.t @ np.ones(self.t.shape[1], dtype=self.t.dtype)
            dx = self._y_t * row_sums
            dx -= self.t.T
        dx *= scale
        # The transposed view, not a copy: the matrix products of the layer below read it as it is.
        out: np.ndarray = dx.T.reshape(self.x_shape)
        return out
