"""The engine of the define-by-run autodiff: value nodes, operation nodes and backward.

A ``Variable`` records the ``Operation`` that made it; ``backward()`` walks the
recorded graph from the output back to the inputs, multiplying the gradient
arriving from above by each node's local derivative (the chain rule, 連鎖律).
The operations that Python's operators make (+, −, ×, ÷, unary −, **, @) live
here beside Variable, since its operators create them; the named functions
(exp, log, tanh, …) are in ``operations``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from deepkiso.functions import sum_to_shape
from deepkiso.graph.labels import format_value, grouped, power_text, times
from deepkiso.i18n import _


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

    def __init__(
        self,
        data,
        name: str | None = None,
        *,
        requires_grad: bool = True,
        dtype: np.dtype | type = np.float64,
    ):
        if isinstance(data, Variable):
            raise TypeError(
                _(
                    "Variable: expected a number or an array of numbers, got a Variable; use it directly"
                )
            )
        try:
            self.data = np.array(data, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                _("Variable: expected a number or an array of numbers, got {data!r}").format(
                    data=data
                )
            ) from exc
        self.name = name
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = None
        self.creator: Operation | None = None  # the operation whose output this is; None for inputs

    def named(self, name: str) -> Variable:
        """This node, now called name (in drawings and derivative labels): ``t = (x1 + x2).named("t")``."""
        self.name = name
        return self

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
            raise TypeError(
                _(
                    "Variable ** exponent: the exponent must be a number, got {type}; "
                    "for a variable exponent write exp(b * log(a))"
                ).format(type=type(exponent).__name__)
            )
        return Pow(float(exponent))(self)

    def __rpow__(self, base):
        raise TypeError(_("number ** Variable is not supported; write exp(x * log(base)) instead"))

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
            raise ValueError(
                _(
                    "backward: expected dout of shape {expected} (the output's), got shape {got}"
                ).format(expected=self.shape, got=seed.shape)
            )
        operations = topological_operations(self)
        grads: dict[int, np.ndarray] = {id(self): seed}
        for op in reversed(operations):
            assert op.output is not None  # an operation in a graph has been called
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


# -------------------------------------------------------------------------------------------
# The operation node, and the nodes that Python's operators make: +, −, ×, ÷, unary −, ** and @.
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
        y = Variable(
            self.forward(*(x.data for x in self.inputs)),
            requires_grad=builtins.any(x.requires_grad for x in self.inputs),
            dtype=np.result_type(*(x.data.dtype for x in self.inputs)),
        )
        y.creator = self
        self.output = y
        return y

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r})"

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, gy: np.ndarray) -> tuple[np.ndarray, ...]:
        """gy: the output's shape. Returns one gradient per input, each in that input's shape."""
        return tuple(
            sum_to_shape(np.asarray(g), x.shape)
            for g, x in zip(self.input_gradients(gy), self.inputs)
        )

    def input_gradients(self, gy: np.ndarray) -> tuple[np.ndarray, ...]:
        """gy times each local derivative, before broadcasting is undone."""
        raise NotImplementedError

    @property
    def local_derivatives(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def gradient_labels(self) -> tuple[str, ...]:
        assert self.output is not None  # labels are drawn for a called operation
        labels = []
        for x, d in zip(self.inputs, self.local_derivatives):
            label = f"× {grouped(d, '+-')}"
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
        assert self.output is not None  # labels are drawn for a called operation
        return self.output.name or "y"


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
        return grouped(self._symbol(1, "x₂"), "+-"), grouped(self._symbol(0, "x₁"), "+-")


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
        minus_a = a[1:] if a.startswith("-") and grouped(a[1:]) == a[1:] else f"-{grouped(a)}"
        return f"1/{grouped(b)}", f"{minus_a}/{power_text(b, 2)}"


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
        self.symbol = power_text("x", exponent)

    def forward(self, x):
        return x**self.exponent

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
        return (times(f"{p:g}", power_text(self._symbol(0, "x"), p - 1)),)


class MatMul(Operation):
    """y = a @ b for a (N, D) or (D,) and b (D, M) or (D,): the dot node of the Affine layer."""

    kind, symbol = "matmul", "dot"

    def forward(self, a, b):
        if a.ndim not in (1, 2) or b.ndim not in (1, 2) or a.shape[-1] != b.shape[0]:
            raise ValueError(
                _(
                    "matmul: expected shapes (N, D) or (D,) and (D, M) or (D,), got {a} @ {b}"
                ).format(a=a.shape, b=b.shape)
            )
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
        return f"{grouped(b)}ᵀ", f"{grouped(a)}ᵀ"

    @property
    def gradient_labels(self):
        bt, at = self.local_derivatives
        return f"· {bt}", f"{at} ·"


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


def graph_variables(
    output: Variable, operations: Sequence[Operation] | None = None
) -> list[Variable]:
    """Every value node that output depends on, output included, in topological order."""
    if operations is None:
        operations = topological_operations(output)
    seen: dict[int, Variable] = {}
    for op in operations:
        assert op.output is not None  # an operation in a graph has been called
        for v in (*op.inputs, op.output):
            seen.setdefault(id(v), v)
    seen.setdefault(id(output), output)
    return list(seen.values())
