"""Define-by-run automatic differentiation: a computational graph you can look at.

This module serves the slides on the chain rule (連鎖律) and computational graphs
(計算グラフ): y = (x₁ + x₂)², the add node (加算ノード) and the multiply node
(乗算ノード), and the two group works that ask for a detailed graph of the
squared-error backward (square, reciprocal and subtract nodes) and of tanh.
Arithmetic on ``Variable``s records each operation as it runs; ``backward()``
then walks the recorded graph from the output back to the inputs, multiplying
the gradient arriving from above by each node's local derivative. Every node
keeps its forward value (``.data``) and its gradient (``.grad``), and each
operation keeps a label for its local derivative ("1", "2x", "1 - y²", …), so
the whole calculation can be printed as DOT text (``to_dot``) or drawn
(``deepkiso.plots.graph``). The ready-made graphs of the slides are at the end
of this module (``EXAMPLES``). Only NumPy is needed; values are float64 by
default so that the gradients can be checked against numerical ones.
"""

from __future__ import annotations

import builtins
import html
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from deepkiso import functions

__all__ = [
    "Variable",
    "Operation",
    "exp",
    "log",
    "square",
    "reciprocal",
    "tanh",
    "sigmoid",
    "relu",
    "sin",
    "cos",
    "sqrt",
    "absolute",
    "matmul",
    "sum",
    "mean",
    "topological_operations",
    "graph_variables",
    "format_value",
    "gradient_name",
    "to_dot",
    "COLORS",
    "GraphExample",
    "EXAMPLES",
    "chain_rule_example",
    "add_node_example",
    "multiply_node_example",
    "shopping_example",
    "squared_error_example",
    "squared_error_detailed_example",
    "tanh_example",
    "sigmoid_example",
    "affine_softmax_loss_example",
]

# One palette for the DOT text and the matplotlib drawing, so both renderers agree.
COLORS = {
    "value_fill": "#e8f1fb",
    "value_edge": "#1f4e79",
    "constant_fill": "#f2f2f2",
    "constant_edge": "#7f7f7f",
    "op_fill": "#fff1cc",
    "op_edge": "#b7791f",
    "forward": "#333333",
    "gradient": "#c0392b",
    "text": "#111111",
}


class Variable:
    """A value node: an array (or scalar) that remembers the operation that made it.

    data: any shape; stored as a NumPy array of ``dtype`` (float64 by default).
    name: shown in drawings and used in the local-derivative labels.
    requires_grad: False for constants (numbers in an expression, targets t),
        which backward() skips.

    After ``y.backward()``, ``v.grad`` (v's shape) holds dy/dv for every node v
    of the graph that requires a gradient, the intermediate ones included.
    """

    # Make NumPy hand `array * Variable` to Variable.__rmul__ instead of looping itself.
    __array_ufunc__ = None

    def __init__(self, data, name: str | None = None, *, requires_grad: bool = True,
                 dtype: np.dtype | type = np.float64):
        if isinstance(data, Variable):
            raise TypeError("Variable: expected a number or an array of numbers, got a Variable; use it directly")
        try:
            self.data = np.array(data, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Variable: expected a number or an array of numbers, got {data!r}") from exc
        self.name = name
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = None
        self.creator: Operation | None = None  # the operation whose output this is; None for inputs

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def __repr__(self) -> str:
        grad = "None" if self.grad is None else format_value(self.grad)
        return f"Variable(name={self.name!r}, data={format_value(self.data)}, grad={grad})"

    # -- arithmetic records an operation -------------------------------------------------
    def __add__(self, other):
        return Add()(self, other)

    def __radd__(self, other):
        return Add()(other, self)

    def __sub__(self, other):
        return Sub()(self, other)

    def __rsub__(self, other):
        return Sub()(other, self)

    def __mul__(self, other):
        return Mul()(self, other)

    def __rmul__(self, other):
        return Mul()(other, self)

    def __truediv__(self, other):
        return Div()(self, other)

    def __rtruediv__(self, other):
        return Div()(other, self)

    def __neg__(self):
        return Neg()(self)

    def __pow__(self, exponent):
        if isinstance(exponent, Variable) or np.ndim(exponent) != 0:
            raise TypeError(f"Variable ** exponent: the exponent must be a number, got {type(exponent).__name__}; "
                            "for a variable exponent write exp(b * log(a))")
        return Pow(float(exponent))(self)

    def __rpow__(self, base):
        raise TypeError("number ** Variable is not supported; write exp(x * log(base)) instead")

    def __matmul__(self, other):
        return MatMul()(self, other)

    def __rmatmul__(self, other):
        return MatMul()(other, self)

    # -- backward --------------------------------------------------------------------------
    def backward(self, dout: np.ndarray | None = None, *, accumulate: bool = False) -> None:
        """Backpropagate from this node to every node it was computed from.

        dout: this node's shape; the gradient arriving from above. The default,
            ones, makes every ``.grad`` the gradient of sum(self) (dy/dy = 1).
        accumulate: each call computes fresh gradients. By default they replace
            the ``.grad`` of every node in the graph; with ``accumulate=True``
            they are added to what is there (as when summing over several
            losses or mini-batches). ``zero_grad()`` clears them all.

        The nodes are visited in reverse topological order, found without
        recursion, so graphs thousands of operations deep work.
        """
        seed = np.ones_like(self.data) if dout is None else np.asarray(dout, dtype=self.data.dtype)
        if seed.shape != self.shape:
            raise ValueError(f"backward: expected dout of shape {self.shape} (the output's), got shape {seed.shape}")
        operations = topological_operations(self)
        grads: dict[int, np.ndarray] = {id(self): seed}
        for op in reversed(operations):
            gy = grads.get(id(op.output))
            if gy is None or not op.output.requires_grad:
                continue
            for x, gx in zip(op.inputs, op.backward(gy)):
                if x.requires_grad:
                    grads[id(x)] = gx if id(x) not in grads else grads[id(x)] + gx
        for v in graph_variables(self, operations):
            g = grads.get(id(v))
            if g is None or not v.requires_grad:
                continue
            # A copy each: an add node hands the same array to both inputs, and .grads must not alias.
            v.grad = v.grad + g if accumulate and v.grad is not None else g.copy()

    def zero_grad(self) -> None:
        """Clear (set to None) the ``.grad`` of this node and of every node it was computed from."""
        for v in graph_variables(self):
            v.grad = None


def _as_variable(x) -> Variable:
    """x itself if it is a Variable, else a constant (a number or array in an expression)."""
    return x if isinstance(x, Variable) else Variable(x, requires_grad=False)


def _sum_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum grad over the axes that broadcasting added or stretched, giving shape.

    Broadcasting copies an input along those axes in forward, so by the chain
    rule the copies' gradients add up in backward (the bias of an Affine layer
    gets the sum over the batch).
    """
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


# -------------------------------------------------------------------------------------------
# Operations: one class per node kind, each with its forward, backward and derivative label.
# -------------------------------------------------------------------------------------------

class Operation:
    """An operation node: records its inputs and output and knows its local derivatives.

    kind: a short name ("add", "mul", "square", …); symbol: what the drawing
    shows inside the node ("+", "×", "x²", …). inputs: the Variables it
    read, output: the Variable it made. ``local_derivatives`` gives, for each
    input, ∂output/∂input as text; ``gradient_labels`` gives the text for the
    backward edge to that input (usually "× " + the local derivative).
    """

    kind = "operation"
    symbol = "?"

    def __init__(self):
        self.inputs: tuple[Variable, ...] = ()
        self.output: Variable | None = None

    def __call__(self, *inputs) -> Variable:
        self.inputs = tuple(_as_variable(x) for x in inputs)
        y = Variable(self.forward(*(x.data for x in self.inputs)),
                     requires_grad=builtins.any(x.requires_grad for x in self.inputs),
                     dtype=np.result_type(*(x.data.dtype for x in self.inputs)))
        y.creator = self
        self.output = y
        return y

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r})"

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, gy: np.ndarray) -> tuple[np.ndarray, ...]:
        """gy: the output's shape. Returns one gradient per input, each in that input's shape."""
        return tuple(_sum_to(np.asarray(g), x.shape) for g, x in zip(self.input_gradients(gy), self.inputs))

    def input_gradients(self, gy: np.ndarray) -> tuple[np.ndarray, ...]:
        """gy times each local derivative, before broadcasting is undone."""
        raise NotImplementedError

    @property
    def local_derivatives(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def gradient_labels(self) -> tuple[str, ...]:
        labels = []
        for x, d in zip(self.inputs, self.local_derivatives):
            label = f"× {_grouped(d, '+-')}"
            if x.shape != self.output.shape and self.kind not in ("sum", "mean", "matmul"):
                label += ", summed"  # broadcast in forward, so the copies' gradients add up
            labels.append(label)
        return tuple(labels)

    # Helpers for the labels: an input's name, else its value if it is a scalar, else a generic symbol.
    def _symbol(self, index: int, generic: str) -> str:
        x = self.inputs[index]
        if x.name:
            return x.name
        if x.data.size == 1:
            return format_value(x.data)
        return generic

    def _output_symbol(self) -> str:
        return self.output.name or "y"


def _grouped(text: str, operators: str = " +-/·×") -> str:
    """text in parentheses if it holds one of operators outside parentheses (a leading minus counts).

    So 2(1 - e) stays right, while "× 1/S" needs none.
    """
    outside = text
    while re.search(r"\([^()]*\)", outside):
        outside = re.sub(r"\([^()]*\)", "", outside)
    return f"({text})" if any(ch in operators for ch in outside) else text


def _times(coefficient: str, text: str) -> str:
    """coefficient·text: "2x" for a name, "2·3" for a number (where "23" would misread)."""
    text = _grouped(text)
    return f"{coefficient}·{text}" if text[:1].isdigit() else f"{coefficient}{text}"


def _power_text(base: str, p: float) -> str:
    """base to the power p: "x²", "(1 + e)²", "(x²)³", "x^0.5"."""
    superscripts = {2: "²", 3: "³"}
    if p == 1:
        return base
    base = f"({base})" if base.endswith(("²", "³")) else _grouped(base)
    if p in superscripts:
        return base + superscripts[int(p)]
    return f"{base}^{p:g}"


class Add(Operation):
    kind, symbol = "add", "+"

    def forward(self, a, b):
        return a + b

    def input_gradients(self, gy):
        return gy, gy

    @property
    def local_derivatives(self):
        return "1", "1"


class Sub(Operation):
    kind, symbol = "sub", "−"

    def forward(self, a, b):
        return a - b

    def input_gradients(self, gy):
        return gy, -gy

    @property
    def local_derivatives(self):
        return "1", "-1"


class Mul(Operation):
    kind, symbol = "mul", "×"

    def forward(self, a, b):
        return a * b

    def input_gradients(self, gy):
        a, b = (x.data for x in self.inputs)
        return gy * b, gy * a

    @property
    def local_derivatives(self):
        # The multiply node swaps its inputs: ∂(ab)/∂a = b and ∂(ab)/∂b = a.
        return _grouped(self._symbol(1, "x₂"), "+-"), _grouped(self._symbol(0, "x₁"), "+-")


class Div(Operation):
    kind, symbol = "div", "÷"

    def forward(self, a, b):
        return a / b

    def input_gradients(self, gy):
        b = self.inputs[1].data
        # -gy·a/b² as -(gy/b)·(a/b): each factor is a ratio that stays in range where b² would not
        # (1e300/1e200: b² overflows and the gradient became -0.0 instead of -1e-100).
        return gy / b, -(gy / b) * self.output.data

    @property
    def local_derivatives(self):
        a, b = self._symbol(0, "x₁"), self._symbol(1, "x₂")
        # -a/b², written without a double minus when a is itself negative ("-5", "-e").
        minus_a = a[1:] if a.startswith("-") and _grouped(a[1:]) == a[1:] else f"-{_grouped(a)}"
        return f"1/{_grouped(b)}", f"{minus_a}/{_power_text(b, 2)}"


class Neg(Operation):
    kind, symbol = "neg", "−x"

    def forward(self, x):
        return -x

    def input_gradients(self, gy):
        return (-gy,)

    @property
    def local_derivatives(self):
        return ("-1",)


class Pow(Operation):
    """y = x ** p for a number p; dy/dx = p · x^(p-1)."""

    kind = "pow"

    def __init__(self, exponent: float):
        super().__init__()
        self.exponent = exponent
        self.symbol = _power_text("x", exponent)

    def forward(self, x):
        return x ** self.exponent

    def input_gradients(self, gy):
        x = self.inputs[0].data
        if self.exponent == 0:
            # x⁰ = 1 everywhere, so its derivative is 0 everywhere, also at x = 0 where 0·x⁻¹ is 0·inf = nan.
            return (np.zeros_like(gy, dtype=np.result_type(gy, x)),)
        return (gy * self.exponent * x ** (self.exponent - 1),)

    @property
    def local_derivatives(self):
        p = self.exponent
        if p in (0, 1):
            return (f"{p:g}",)
        return (_times(f"{p:g}", _power_text(self._symbol(0, "x"), p - 1)),)


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
        return (f"1/{_grouped(self._symbol(0, 'x'))}",)


class Square(Operation):
    kind, symbol = "square", "x²"

    def forward(self, x):
        return x * x

    def input_gradients(self, gy):
        return (gy * 2 * self.inputs[0].data,)

    @property
    def local_derivatives(self):
        return (_times("2", self._symbol(0, "x")),)


class Reciprocal(Operation):
    kind, symbol = "reciprocal", "1/x"

    def forward(self, x):
        return 1 / x

    def input_gradients(self, gy):
        # -gy/x² as -(gy/x)·(1/x), since x² overflows (or underflows) where the gradient does not.
        return (-(gy / self.inputs[0].data) * self.output.data,)

    @property
    def local_derivatives(self):
        return (f"-1/{_power_text(self._symbol(0, 'x'), 2)}",)


class Tanh(Operation):
    kind, symbol = "tanh", "tanh"

    def forward(self, x):
        return np.tanh(x)

    def input_gradients(self, gy):
        y = self.output.data
        return (gy * (1 - y * y),)

    @property
    def local_derivatives(self):
        return (f"1 - {_power_text(self._output_symbol(), 2)}",)


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
        y = _grouped(self._output_symbol())
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
        return (f"1/(2{_grouped(self._output_symbol())})",)


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


class MatMul(Operation):
    """y = a @ b for a (N, D) or (D,) and b (D, M) or (D,): the dot node of the Affine layer."""

    kind, symbol = "matmul", "dot"

    def forward(self, a, b):
        if a.ndim not in (1, 2) or b.ndim not in (1, 2) or a.shape[-1] != b.shape[0]:
            raise ValueError(f"matmul: expected shapes (N, D) or (D,) and (D, M) or (D,), got {a.shape} @ {b.shape}")
        return a @ b

    def input_gradients(self, gy):
        a, b = (x.data for x in self.inputs)
        # Work with 2-D views so one formula covers vectors too: dA = dY·Bᵀ, dB = Aᵀ·dY.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        gy2 = np.reshape(gy, (a2.shape[0], b2.shape[1]))
        return (gy2 @ b2.T).reshape(a.shape), (a2.T @ gy2).reshape(b.shape)

    @property
    def local_derivatives(self):
        a, b = self._symbol(0, "X"), self._symbol(1, "W")
        return f"{_grouped(b)}ᵀ", f"{_grouped(a)}ᵀ"

    @property
    def gradient_labels(self):
        bt, at = self.local_derivatives
        return f"· {bt}", f"{at} ·"


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


# -------------------------------------------------------------------------------------------
# Walking the graph
# -------------------------------------------------------------------------------------------

def topological_operations(output: Variable) -> list[Operation]:
    """Every operation that output depends on, each after the operations that made its inputs.

    An iterative depth-first search (no recursion, so any depth works).
    """
    order: list[Operation] = []
    visited: set[int] = set()
    stack: list[tuple[Operation, bool]] = [(output.creator, False)] if output.creator else []
    while stack:
        op, inputs_done = stack.pop()
        if inputs_done:
            order.append(op)
            continue
        if id(op) in visited:
            continue
        visited.add(id(op))
        stack.append((op, True))
        for x in reversed(op.inputs):
            if x.creator is not None and id(x.creator) not in visited:
                stack.append((x.creator, False))
    return order


def graph_variables(output: Variable, operations: Sequence[Operation] | None = None) -> list[Variable]:
    """Every value node that output depends on, output included, in topological order."""
    if operations is None:
        operations = topological_operations(output)
    seen: dict[int, Variable] = {}
    for op in operations:
        for v in (*op.inputs, op.output):
            seen.setdefault(id(v), v)
    seen.setdefault(id(output), output)
    return list(seen.values())


# -------------------------------------------------------------------------------------------
# Text for drawings: values, gradients and the DOT language
# -------------------------------------------------------------------------------------------

def format_value(a, max_items: int = 3) -> str:
    """A short text for a node's value: a scalar to 4 significant digits, an array as shape plus a few numbers.

    >>> format_value(np.float64(2.0 / 3))
    '0.6667'
    >>> format_value(np.arange(5.0))
    '(5,) [0, 1, 2, …]'
    """
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a) + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0
    items = ", ".join(f"{float(v) + 0.0:.3g}" for v in a.ravel()[:max_items])
    more = ", …" if a.size > max_items else ""
    return f"{a.shape} [{items}{more}]"


def gradient_name(v: Variable, output: Variable) -> str:
    """What v's gradient is called in drawings: "∂L/∂x" (L the output's name, "y" if it has none).

    A name that is itself an expression is put in parentheses, "∂y/∂(1 - e)";
    an unnamed node's gradient is just "grad".
    """
    if not v.name:
        return "grad"
    simple = v.name.isidentifier() or re.fullmatch(r"\w+\([^()]*\)", v.name)  # "x1", "exp(a)"
    return f"∂{output.name or 'y'}/∂{v.name if simple else f'({v.name})'}"


def to_dot(output: Variable, *, title: str | None = None, show_gradients: bool = True,
           max_items: int = 3) -> str:
    """The graph that output was computed by, in Graphviz's DOT language (left to right).

    Value nodes are boxes with name, forward value and (after backward, in red)
    the gradient; operation nodes are ellipses with their symbol. Forward edges
    are solid; each gradient edge runs back beside its forward edge, dashed and
    red, labelled with the local derivative it multiplies by.
    """
    operations = topological_operations(output)
    variables = graph_variables(output, operations)
    ids = {id(v): f"v{i}" for i, v in enumerate(variables)}
    ids.update({id(op): f"op{i}" for i, op in enumerate(operations)})
    c = COLORS
    lines = ["digraph computational_graph {",
             '  graph [rankdir=LR, nodesep=0.35, ranksep=0.6, fontname="DejaVu Sans"];',
             '  node [fontname="DejaVu Sans", fontsize=11];',
             f'  edge [fontname="DejaVu Sans", fontsize=10, color="{c["forward"]}"];']
    if title:
        lines.append(f'  label="{_dot_escape(title)}"; labelloc=t; fontsize=14;')
    for v in variables:
        lines.append(f"  {ids[id(v)]} {_dot_value_attributes(v, output, show_gradients, max_items)};")
    for op in operations:
        lines.append(f'  {ids[id(op)]} [shape=ellipse, style=filled, fillcolor="{c["op_fill"]}", '
                     f'color="{c["op_edge"]}", label="{_dot_escape(op.symbol)}"];')
    for op in operations:
        lines.extend(_dot_edges(op, ids, show_gradients))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_value_attributes(v: Variable, output: Variable, show_gradients: bool, max_items: int) -> str:
    c = COLORS
    rows = []
    if v.name:
        rows.append(f"<b>{html.escape(v.name)}</b>")
    rows.append(html.escape(format_value(v.data, max_items)))
    if show_gradients and v.grad is not None:
        grad = f"{gradient_name(v, output)} = {format_value(v.grad, max_items)}"
        rows.append(f'<font color="{c["gradient"]}">{html.escape(grad)}</font>')
    fill, edge = (c["value_fill"], c["value_edge"]) if v.requires_grad else (c["constant_fill"], c["constant_edge"])
    style = "rounded,filled" if v.requires_grad else "rounded,filled,dashed"
    return f'[shape=box, style="{style}", fillcolor="{fill}", color="{edge}", label=<{"<br/>".join(rows)}>]'


def _dot_edges(op: Operation, ids: dict, show_gradients: bool) -> list[str]:
    c = COLORS
    o, y = ids[id(op)], ids[id(op.output)]
    lines = [f"  {o} -> {y};"]
    with_grad = show_gradients and op.output.grad is not None
    if with_grad:
        lines.append(f'  {o} -> {y} [dir=back, style=dashed, color="{c["gradient"]}", constraint=false];')
    for x, label in zip(op.inputs, op.gradient_labels):
        v = ids[id(x)]
        lines.append(f"  {v} -> {o};")
        if with_grad and x.grad is not None:
            lines.append(f'  {v} -> {o} [dir=back, style=dashed, color="{c["gradient"]}", '
                         f'fontcolor="{c["gradient"]}", label="{_dot_escape(label)}", constraint=false];')
    return lines


# -------------------------------------------------------------------------------------------
# Ready-made graphs from the slides
# -------------------------------------------------------------------------------------------

@dataclass
class GraphExample:
    """A ready-made graph: its output (forward done, backward not yet), its inputs by name, a title."""

    output: Variable
    inputs: dict[str, Variable]
    title: str


def chain_rule_example(x1: float = 1.0, x2: float = 2.0) -> GraphExample:
    """The chain rule slide: y = t², t = x₁ + x₂, so ∂y/∂x₁ = ∂y/∂x₂ = 2t · 1 = 2(x₁ + x₂)."""
    v1, v2 = Variable(x1, "x1"), Variable(x2, "x2")
    t = v1 + v2
    t.name = "t"
    y = square(t)
    y.name = "y"
    return GraphExample(y, {"x1": v1, "x2": v2}, "Chain rule: y = (x₁ + x₂)²")


def add_node_example(x: float = 2.0, y: float = 3.0) -> GraphExample:
    """The add node: z = x + y; ∂z/∂x = ∂z/∂y = 1, so the gradient passes through unchanged."""
    vx, vy = Variable(x, "x"), Variable(y, "y")
    z = vx + vy
    z.name = "z"
    return GraphExample(z, {"x": vx, "y": vy}, "Add node: z = x + y")


def multiply_node_example(x: float = 4.0, y: float = 5.0) -> GraphExample:
    """The multiply node: z = x · y; ∂z/∂x = y and ∂z/∂y = x (the inputs swap places)."""
    vx, vy = Variable(x, "x"), Variable(y, "y")
    z = vx * vy
    z.name = "z"
    return GraphExample(z, {"x": vx, "y": vy}, "Multiply node: z = x × y")


def shopping_example(pencil: float = 80.0, n_pencils: float = 3.0, notebook: float = 150.0,
                     n_notebooks: float = 2.0, tax: float = 1.1) -> GraphExample:
    """A shopping bill built from multiply and add nodes: (pencil·n_pencils + notebook·n_notebooks) · tax.

    Backward answers "how much more do I pay per yen of pencil price?"
    (n_pencils · tax) and "per extra pencil?" (pencil · tax).
    """
    inputs = {name: Variable(value, name) for name, value in
              [("pencil", pencil), ("n_pencils", n_pencils), ("notebook", notebook),
               ("n_notebooks", n_notebooks), ("tax", tax)]}
    pencils = inputs["pencil"] * inputs["n_pencils"]
    pencils.name = "pencils"
    notebooks = inputs["notebook"] * inputs["n_notebooks"]
    notebooks.name = "notebooks"
    subtotal = pencils + notebooks
    subtotal.name = "subtotal"
    total = subtotal * inputs["tax"]
    total.name = "total"
    return GraphExample(total, inputs, "Shopping: add and multiply nodes")


def squared_error_example(y: Sequence[float] = (0.7, 0.2, 0.1),
                          t: Sequence[float] = (1.0, 0.0, 0.0)) -> GraphExample:
    """L = ½ Σ_k (y_k − t_k)² from subtract, square, sum and multiply-by-½ nodes; ∂L/∂y = y − t.

    y, t: (K,), one sample's outputs and targets.
    """
    vy, vt = Variable(y, "y"), Variable(t, "t", requires_grad=False)
    d = vy - vt
    d.name = "y - t"
    s = square(d)
    s.name = "(y - t)²"
    total = sum(s)
    total.name = "Σ(y - t)²"
    loss = Variable(0.5, "½", requires_grad=False) * total
    loss.name = "L"
    return GraphExample(loss, {"y": vy, "t": vt}, "Squared error: ∂L/∂y = y − t")


def squared_error_detailed_example(y: Sequence[Sequence[float]] = ((0.7, 0.2, 0.1), (0.1, 0.6, 0.3)),
                                   t: Sequence[Sequence[float]] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))
                                   ) -> GraphExample:
    """The group work's detailed graph: L = (1/N) · (1/2) · Σ_n Σ_k (y − t)² for a batch.

    y, t: (N, K). Built from subtract, square, sum, reciprocal and multiply
    nodes; ½ and 1/N come from reciprocal nodes. ∂L/∂y = (y − t)/N, the
    SquaredError layer's backward (y − t for one sample).
    """
    vy, vt = Variable(y, "y"), Variable(t, "t", requires_grad=False)
    if vy.ndim != 2 or vt.shape != vy.shape:
        raise ValueError(f"squared_error_detailed_example: expected y and t of the same shape (N, K), "
                         f"got {vy.shape} and {vt.shape}")
    d = vy - vt
    d.name = "y - t"
    s = square(d)
    s.name = "(y - t)²"
    total = sum(s)
    total.name = "Σ(y - t)²"
    half = reciprocal(Variable(2.0, "2", requires_grad=False))
    half.name = "½"
    inverse_n = reciprocal(Variable(vy.shape[0], "N", requires_grad=False))
    inverse_n.name = "1/N"
    half_total = total * half
    half_total.name = "½Σ(y - t)²"
    loss = half_total * inverse_n
    loss.name = "L"
    return GraphExample(loss, {"y": vy, "t": vt}, "Squared error, detailed: ∂L/∂y = (y − t)/N")


def tanh_example(x: float = 0.5) -> GraphExample:
    """The tanh group work: y = (1 − e)·(1/(1 + e)) with e = exp(−2x), so y = tanh(x) and dy/dx = 1 − y².

    Built only from multiply, exp, add, reciprocal and negate nodes.
    """
    vx = Variable(x, "x")
    u = Variable(-2.0, requires_grad=False) * vx
    u.name = "-2x"
    e = exp(u)
    e.name = "e"
    denominator = 1.0 + e
    denominator.name = "1 + e"
    r = reciprocal(denominator)
    r.name = "1/(1 + e)"
    minus_e = -e
    minus_e.name = "-e"
    numerator = 1.0 + minus_e
    numerator.name = "1 - e"
    y = numerator * r
    y.name = "y"
    return GraphExample(y, {"x": vx}, "tanh from exp, add and reciprocal nodes: dy/dx = 1 − y²")


def sigmoid_example(x: float = 0.5) -> GraphExample:
    """The sigmoid slide: y = 1/t with t = 1 + exp(−x), so dy/dx = y(1 − y)."""
    vx = Variable(x, "x")
    minus_x = -vx
    minus_x.name = "-x"
    e = exp(minus_x)
    e.name = "exp(-x)"
    t = 1.0 + e
    t.name = "t"
    y = reciprocal(t)
    y.name = "y"
    return GraphExample(y, {"x": vx}, "Sigmoid from exp, add and reciprocal nodes: dy/dx = y(1 − y)")


def affine_softmax_loss_example(seed: int = 0, batch_size: int = 2, n_features: int = 2,
                                n_classes: int = 3) -> GraphExample:
    """Affine + Softmax-with-Loss, every step a node: ∂L/∂a = (y − t)/N.

    x: (N, D), W: (D, C), b: (C,), t: one-hot (N, C), with small random values
    from ``seed`` (rounded to one decimal so the drawing stays readable).
    a = x·W + b; y = exp(a) · 1/Σ_c exp(a) (softmax, without the max shift
    since the scores are small); L = mean over the batch of −Σ_c t·log y.
    So ∂L/∂W = xᵀ(y − t)/N, ∂L/∂b = Σ_n (y − t)/N and ∂L/∂x = (y − t)Wᵀ/N.
    """
    rng = np.random.default_rng(seed)
    x = Variable(np.round(rng.normal(size=(batch_size, n_features)), 1), "x")
    W = Variable(np.round(rng.normal(size=(n_features, n_classes)), 1), "W")
    b = Variable(np.round(rng.normal(scale=0.5, size=n_classes), 1), "b")
    labels = rng.integers(n_classes, size=batch_size)
    t = Variable(functions.to_one_hot(labels, n_classes, dtype=np.float64), "t", requires_grad=False)
    xw = matmul(x, W)
    xw.name = "xW"
    a = xw + b
    a.name = "a"
    e = exp(a)
    e.name = "exp(a)"
    s = sum(e, axis=1, keepdims=True)
    s.name = "S"
    r = reciprocal(s)
    r.name = "1/S"
    y = e * r
    y.name = "y"
    log_y = log(y)
    log_y.name = "log y"
    tlog_y = t * log_y
    tlog_y.name = "t·log y"
    per_sample = sum(tlog_y, axis=1)
    per_sample.name = "Σ t·log y"
    cross_entropy = -per_sample
    cross_entropy.name = "-Σ t·log y"
    loss = mean(cross_entropy)
    loss.name = "L"
    return GraphExample(loss, {"x": x, "W": W, "b": b, "t": t}, "Affine + Softmax-with-Loss: ∂L/∂a = (y − t)/N")


EXAMPLES: dict[str, Callable[..., GraphExample]] = {
    "chain_rule": chain_rule_example,
    "add_node": add_node_example,
    "multiply_node": multiply_node_example,
    "shopping": shopping_example,
    "squared_error": squared_error_example,
    "squared_error_detailed": squared_error_detailed_example,
    "tanh": tanh_example,
    "sigmoid": sigmoid_example,
    "affine_softmax_loss": affine_softmax_loss_example,
}
