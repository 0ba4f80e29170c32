"""The named operations of the graph: exp, log, square, reciprocal, tanh, sigmoid, relu, …

One class per node kind, each with its forward, its backward (the local
derivative times the gradient from above) and the text of that derivative
for the drawings, and one function per class that applies it. The slides'
group works build tanh and the squared error out of these nodes.
"""

from __future__ import annotations

import numpy as np

from deepkiso import functions
from deepkiso.graph.engine import MatMul, Operation, Variable
from deepkiso.graph.labels import grouped, power_text, times


class Exp(Operation):
    kind, symbol = "exp", "exp"

    def forward(self, x):
        return np.exp(x)

    def input_gradients(self, gy):
        return (gy * self.output.data,)

    @property
    def local_derivatives(self):
        return (f"exp({self._symbol(0, 'x')})",)


class Log(Operation):
    kind, symbol = "log", "log"

    def forward(self, x):
        return np.log(x)

    def input_gradients(self, gy):
        return (gy / self.inputs[0].data,)

    @property
    def local_derivatives(self):
        return (f"1/{grouped(self._symbol(0, 'x'))}",)


class Square(Operation):
    kind, symbol = "square", "x²"

    def forward(self, x):
        return x * x

    def input_gradients(self, gy):
        return (gy * 2 * self.inputs[0].data,)

    @property
    def local_derivatives(self):
        return (times("2", self._symbol(0, "x")),)


class Reciprocal(Operation):
    kind, symbol = "reciprocal", "1/x"

    def forward(self, x):
        return 1 / x

    def input_gradients(self, gy):
        # -gy/x² as -(gy/x)·(1/x), since x² overflows (or underflows) where the gradient does not.
        return (-(gy / self.inputs[0].data) * self.output.data,)

    @property
    def local_derivatives(self):
        return (f"-1/{power_text(self._symbol(0, 'x'), 2)}",)


class Tanh(Operation):
    kind, symbol = "tanh", "tanh"

    def forward(self, x):
        return np.tanh(x)

    def input_gradients(self, gy):
        y = self.output.data
        return (gy * (1 - y * y),)

    @property
    def local_derivatives(self):
        return (f"1 - {power_text(self._output_symbol(), 2)}",)


class Sigmoid(Operation):
    kind, symbol = "sigmoid", "σ"

    def forward(self, x):
        # The Sigmoid layer's function: no overflow, and full relative precision far out at negative x.
        return functions.sigmoid(x)

    def input_gradients(self, gy):
        y = self.output.data
        return (gy * y * (1 - y),)

    @property
    def local_derivatives(self):
        y = grouped(self._output_symbol())
        return (f"{y}(1 - {y})",)


class ReLU(Operation):
    kind, symbol = "relu", "ReLU"

    def forward(self, x):
        return np.maximum(x, 0)

    def input_gradients(self, gy):
        return (gy * (self.inputs[0].data > 0),)

    @property
    def local_derivatives(self):
        return (f"({self._symbol(0, 'x')} > 0)",)


class Sin(Operation):
    kind, symbol = "sin", "sin"

    def forward(self, x):
        return np.sin(x)

    def input_gradients(self, gy):
        return (gy * np.cos(self.inputs[0].data),)

    @property
    def local_derivatives(self):
        return (f"cos({self._symbol(0, 'x')})",)


class Cos(Operation):
    kind, symbol = "cos", "cos"

    def forward(self, x):
        return np.cos(x)

    def input_gradients(self, gy):
        return (-gy * np.sin(self.inputs[0].data),)

    @property
    def local_derivatives(self):
        return (f"-sin({self._symbol(0, 'x')})",)


class Sqrt(Operation):
    kind, symbol = "sqrt", "√"

    def forward(self, x):
        return np.sqrt(x)

    def input_gradients(self, gy):
        return (gy / (2 * self.output.data),)

    @property
    def local_derivatives(self):
        return (f"1/(2{grouped(self._output_symbol())})",)


class Abs(Operation):
    kind, symbol = "abs", "|x|"

    def forward(self, x):
        return np.abs(x)

    def input_gradients(self, gy):
        # sign(x): 0 at the kink x = 0, as ReLU takes 0 there.
        return (gy * np.sign(self.inputs[0].data),)

    @property
    def local_derivatives(self):
        return (f"sign({self._symbol(0, 'x')})",)


class Sum(Operation):
    """Sum over all elements (axis=None) or one axis; backward copies gy back to every element."""

    kind = "sum"

    def __init__(self, axis: int | None = None, keepdims: bool = False):
        super().__init__()
        self.axis = axis
        self.keepdims = keepdims
        self.symbol = "Σ" if axis is None else f"Σ axis {axis}"

    def forward(self, x):
        return np.sum(x, axis=self.axis, keepdims=self.keepdims)

    def input_gradients(self, gy):
        return (self._spread(gy),)

    def _spread(self, gy):
        x = self.inputs[0].data
        if self.axis is not None and not self.keepdims:
            gy = np.expand_dims(gy, self.axis)
        return np.array(np.broadcast_to(gy, x.shape))  # a writable copy, not a read-only view

    @property
    def local_derivatives(self):
        return ("1",)


class Mean(Sum):
    kind = "mean"

    def __init__(self, axis: int | None = None, keepdims: bool = False):
        super().__init__(axis, keepdims)
        self.symbol = "mean" if axis is None else f"mean axis {axis}"

    def forward(self, x):
        return np.mean(x, axis=self.axis, keepdims=self.keepdims)

    def input_gradients(self, gy):
        return (self._spread(gy) / self._count(),)

    def _count(self) -> int:
        x = self.inputs[0].data
        return x.size if self.axis is None else x.shape[self.axis]

    @property
    def local_derivatives(self):
        return (f"1/{self._count()}",)


def exp(x) -> Variable:
    """y = exp(x), elementwise; dy/dx = exp(x) = y."""
    return Exp()(x)


def log(x) -> Variable:
    """y = log(x) (natural), elementwise; dy/dx = 1/x."""
    return Log()(x)


def square(x) -> Variable:
    """y = x², elementwise; dy/dx = 2x."""
    return Square()(x)


def reciprocal(x) -> Variable:
    """y = 1/x, elementwise; dy/dx = -1/x²."""
    return Reciprocal()(x)


def tanh(x) -> Variable:
    """y = tanh(x), elementwise; dy/dx = 1 - y²."""
    return Tanh()(x)


def sigmoid(x) -> Variable:
    """y = 1 / (1 + exp(-x)), elementwise; dy/dx = y(1 - y)."""
    return Sigmoid()(x)


def relu(x) -> Variable:
    """y = max(x, 0), elementwise; dy/dx = 1 where x > 0, else 0."""
    return ReLU()(x)


def sin(x) -> Variable:
    """y = sin(x), elementwise; dy/dx = cos(x)."""
    return Sin()(x)


def cos(x) -> Variable:
    """y = cos(x), elementwise; dy/dx = -sin(x)."""
    return Cos()(x)


def sqrt(x) -> Variable:
    """y = √x, elementwise; dy/dx = 1/(2y)."""
    return Sqrt()(x)


def absolute(x) -> Variable:
    """y = |x|, elementwise; dy/dx = sign(x) (0 at x = 0)."""
    return Abs()(x)


def matmul(a, b) -> Variable:
    """y = a @ b. a: (N, D) or (D,); b: (D, M) or (D,). dA = dY·Bᵀ, dB = Aᵀ·dY."""
    return MatMul()(a, b)


def sum(x, axis: int | None = None, keepdims: bool = False) -> Variable:  # noqa: A001 (the course's name)
    """Sum of x's elements (axis=None, a scalar) or along one axis; each element's gradient is dy."""
    return Sum(axis, keepdims)(x)


def mean(x, axis: int | None = None, keepdims: bool = False) -> Variable:
    """Mean of x's elements (axis=None) or along one axis; each element's gradient is dy/N."""
    return Mean(axis, keepdims)(x)
