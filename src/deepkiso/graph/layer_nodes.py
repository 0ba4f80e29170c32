"""Nodes that stand for a piece of a layer, for the slides' layer-sized graphs.

The Affine layer for a batch (アフィンレイヤの逆伝播 (バッチ対応版)) and the Softmax-with-Loss
layer whose backward the slides show as its result only (結果のみ表示) are drawn with these:

- ``AddRow``: Y_n = (XW)_n + B, one row of the product plus the bias. One node per row, so the
  bias feeds N nodes and backward adds up the N gradients that come back to it:
  ∂L/∂B = ∂L/∂Y₁ + … + ∂L/∂Y_N (the chain rule at a branch).
- ``Upstream``: the layers above, reduced to what backward needs of them: the gradients ∂L/∂Y_n
  they send back (``dout`` in the layers' ``backward(dout)``). Its value is the linear stand-in
  L = Σ_n ∂L/∂Y_n · Y_n, whose gradient is exactly those.
- ``SoftmaxWithLoss``: softmax and the cross-entropy error in one node, whose backward to the
  scores is y − t (for a batch of N, (y − t)/N).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from deepkiso import functions
from deepkiso.graph.engine import Operation, Variable
from deepkiso.graph.labels import grouped
from deepkiso.i18n import _

__all__ = ["AddRow", "Upstream", "SoftmaxWithLoss", "add_row", "upstream", "softmax_with_loss"]


class AddRow(Operation):
    """y = x[row] + b for x (N, M) and b (M,): one sample's row of X·W plus the bias.

    Backward: the gradient goes to row ``row`` of x (the other rows get 0 from this node) and,
    unchanged, to b; so b, read by one such node per row, collects the sum over the rows.
    """

    kind = "add_row"

    def __init__(self, row: int):
        super().__init__()
        self.row = row
        # The rows counted from 1, as the slides number Y₁ … Y_N.
        self.symbol = _("row {n} +").format(n=row + 1)

    def forward(self, x, b):
        if x.ndim != 2 or not -x.shape[0] <= self.row < x.shape[0] or b.shape != x.shape[1:]:
            raise ValueError(
                _(
                    "add_row: expected x of shape (N, M) with N > {row} and b of shape (M,), "
                    "got {x} and {b}"
                ).format(row=self.row, x=x.shape, b=b.shape)
            )
        return x[self.row] + b

    def input_gradients(self, gy):
        x = self.inputs[0].data
        gx = np.zeros(x.shape, dtype=np.result_type(x, gy))
        gx[self.row] = gy
        return gx, gy

    @property
    def local_derivatives(self):
        return "1", "1"

    @property
    def gradient_labels(self):
        return _("× 1 (row {n})").format(n=self.row + 1), "× 1"


class Upstream(Operation):
    """The layers above, as backward sees them: they send ∂L/∂y_k = dout_k back to each input y_k.

    dout: one array per input, of that input's shape. The value is L = Σ_k Σ dout_k · y_k, the
    linear function whose gradient is dout; it is a stand-in for the loss of the whole net.
    """

    kind = "upstream"

    def __init__(self, dout: Sequence[np.ndarray]):
        super().__init__()
        self.dout = tuple(np.asarray(d, dtype=np.float64) for d in dout)
        self.symbol = _("layers above")

    def forward(self, *ys):
        shapes = tuple(y.shape for y in ys)
        if shapes != tuple(d.shape for d in self.dout):
            raise ValueError(
                _("upstream: expected inputs of the shapes of dout {expected}, got {got}").format(
                    expected=[d.shape for d in self.dout], got=list(shapes)
                )
            )
        return np.array(np.sum([np.sum(d * y) for d, y in zip(self.dout, ys)]))

    def input_gradients(self, gy):
        return tuple(gy * d for d in self.dout)

    @property
    def local_derivatives(self):
        out = self._output_symbol()
        return tuple(f"∂{out}/∂{self._symbol(k, 'y')}" for k in range(len(self.inputs)))

    @property
    def gradient_labels(self):
        return tuple(f"× {d}" for d in self.local_derivatives)


class SoftmaxWithLoss(Operation):
    """L = −Σ_n Σ_k t_nk log y_nk / N with y = softmax(a): the layer as one node.

    a: scores (C,) for one sample (N = 1) or (N, C); t: targets of a's shape (one-hot rows).
    Backward to a: (y·Σ_k t_k − t)/N, which is (y − t)/N for one-hot rows, as the layer's.
    """

    kind, symbol = "softmax_with_loss", "Softmax-with-Loss"

    def forward(self, a, t):
        if a.ndim not in (1, 2) or t.shape != a.shape:
            raise ValueError(
                _(
                    "softmax_with_loss: expected scores a of shape (C,) or (N, C) and targets t "
                    "of the same shape, got {a} and {t}"
                ).format(a=a.shape, t=t.shape)
            )
        return np.array(functions.softmax_cross_entropy(a, t))

    def input_gradients(self, gy):
        a, t = (x.data for x in self.inputs)
        n = self.batch_size
        da = (functions.softmax(a) * np.sum(t, axis=-1, keepdims=True) - t) / n
        # ∂L/∂t = −log y / N, log y from the scores as the loss is: exact where y underflows.
        return gy * da, -gy * functions.log_softmax(a) / n

    @property
    def batch_size(self) -> int:
        a = self.inputs[0].data
        return a.shape[0] if a.ndim == 2 else 1

    @property
    def local_derivatives(self):
        if self.batch_size == 1:
            return "y - t", "-log y"
        return "(y - t)/N", "-(log y)/N"

    @property
    def gradient_labels(self):
        # No ", summed": the output is the scalar L, not a broadcast of a.
        return tuple(f"× {grouped(d, '+-')}" for d in self.local_derivatives)


def add_row(x, b, row: int) -> Variable:
    """y = x[row] + b: x (N, M), b (M,); backward sends the gradient to x's row and to b."""
    return AddRow(row)(x, b)


def upstream(ys: Sequence, dout: Sequence) -> Variable:
    """L = Σ_k Σ dout_k · ys_k, the layers above as backward sees them: ∂L/∂ys_k = dout_k."""
    return Upstream(dout)(*ys)


def softmax_with_loss(a, t) -> Variable:
    """The Softmax-with-Loss layer as one node: L = cross-entropy(softmax(a), t); ∂L/∂a = (y − t)/N."""
    return SoftmaxWithLoss()(a, t)
