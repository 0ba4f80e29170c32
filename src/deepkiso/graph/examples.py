"""The ready-made graphs of the slides: the chain rule, the add and multiply nodes, the shopping
bill, the squared error (also in the group work's detailed form), tanh, sigmoid, the Affine layer
for a batch, Softmax-with-Loss as one node (its backward's result only) and Affine +
Softmax-with-Loss node by node. Each returns a ``GraphExample`` with forward done and backward not
yet, so a learner can call ``backward()`` and read the gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from deepkiso import functions
from deepkiso._deprecation import renamed_keyword
from deepkiso.graph.engine import Variable
from deepkiso.graph.layer_nodes import add_row, softmax_with_loss, upstream
from deepkiso.graph.operations import exp, log, matmul, mean, reciprocal, square, sum
from deepkiso.i18n import _


@dataclass
class GraphExample:
    """A ready-made graph: its output (forward done, backward not yet), its inputs by name, a title."""

    output: Variable
    inputs: dict[str, Variable]
    title: str


def chain_rule_example(x1: float = 1.0, x2: float = 2.0) -> GraphExample:
    """The chain rule slide: y = t², t = x₁ + x₂, so ∂y/∂x₁ = ∂y/∂x₂ = 2t · 1 = 2(x₁ + x₂)."""
    v1, v2 = Variable(x1, "x1"), Variable(x2, "x2")
    t = (v1 + v2).named("t")
    y = square(t).named("y")
    return GraphExample(y, {"x1": v1, "x2": v2}, _("Chain rule: y = (x₁ + x₂)²"))


def add_node_example(x: float = 2.0, y: float = 3.0) -> GraphExample:
    """The add node: z = x + y; ∂z/∂x = ∂z/∂y = 1, so the gradient passes through unchanged."""
    vx, vy = Variable(x, "x"), Variable(y, "y")
    z = (vx + vy).named("z")
    return GraphExample(z, {"x": vx, "y": vy}, _("Add node: z = x + y"))


def multiply_node_example(x: float = 4.0, y: float = 5.0) -> GraphExample:
    """The multiply node: z = x · y; ∂z/∂x = y and ∂z/∂y = x (the inputs swap places)."""
    vx, vy = Variable(x, "x"), Variable(y, "y")
    z = (vx * vy).named("z")
    return GraphExample(z, {"x": vx, "y": vy}, _("Multiply node: z = x × y"))


def shopping_example(
    pencil: float = 80.0,
    n_pencils: float = 3.0,
    notebook: float = 150.0,
    n_notebooks: float = 2.0,
    tax: float = 1.1,
) -> GraphExample:
    """A shopping bill built from multiply and add nodes: (pencil·n_pencils + notebook·n_notebooks) · tax.

    Backward answers "how much more do I pay per yen of pencil price?"
    (n_pencils · tax) and "per extra pencil?" (pencil · tax).
    """
    inputs = {
        name: Variable(value, name)
        for name, value in [
            ("pencil", pencil),
            ("n_pencils", n_pencils),
            ("notebook", notebook),
            ("n_notebooks", n_notebooks),
            ("tax", tax),
        ]
    }
    pencils = (inputs["pencil"] * inputs["n_pencils"]).named("pencils")
    notebooks = (inputs["notebook"] * inputs["n_notebooks"]).named("notebooks")
    subtotal = (pencils + notebooks).named("subtotal")
    total = (subtotal * inputs["tax"]).named("total")
    return GraphExample(total, inputs, _("Shopping: add and multiply nodes"))


def squared_error_example(
    y: Sequence[float] = (0.7, 0.2, 0.1), t: Sequence[float] = (1.0, 0.0, 0.0)
) -> GraphExample:
    """L = ½ Σ_k (y_k − t_k)² from subtract, square, sum and multiply-by-½ nodes; ∂L/∂y = y − t.

    y, t: (K,), one sample's outputs and targets.
    """
    vy, vt = Variable(y, "y"), Variable(t, "t", requires_grad=False)
    d = (vy - vt).named("y - t")
    s = square(d).named("(y - t)²")
    total = sum(s).named("Σ(y - t)²")
    loss = (Variable(0.5, "½", requires_grad=False) * total).named("L")
    return GraphExample(loss, {"y": vy, "t": vt}, _("Squared error: ∂L/∂y = y − t"))


def squared_error_detailed_example(
    y: Sequence[Sequence[float]] = ((0.7, 0.2, 0.1), (0.1, 0.6, 0.3)),
    t: Sequence[Sequence[float]] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
) -> GraphExample:
    """The group work's detailed graph: L = (1/N) · (1/2) · Σ_n Σ_k (y − t)² for a batch.

    y, t: (N, K). Built from subtract, square, sum, reciprocal and multiply
    nodes; ½ and 1/N come from reciprocal nodes. ∂L/∂y = (y − t)/N, the
    SquaredError layer's backward (y − t for one sample).
    """
    vy, vt = Variable(y, "y"), Variable(t, "t", requires_grad=False)
    if vy.ndim != 2 or vt.shape != vy.shape:
        raise ValueError(
            _(
                "squared_error_detailed_example: expected y and t of the same shape (N, K), "
                "got {y_shape} and {t_shape}"
            ).format(y_shape=vy.shape, t_shape=vt.shape)
        )
    d = (vy - vt).named("y - t")
    s = square(d).named("(y - t)²")
    total = sum(s).named("Σ(y - t)²")
    half = reciprocal(Variable(2.0, "2", requires_grad=False)).named("½")
    inverse_n = reciprocal(Variable(vy.shape[0], "N", requires_grad=False)).named("1/N")
    half_total = (total * half).named("½Σ(y - t)²")
    loss = (half_total * inverse_n).named("L")
    return GraphExample(loss, {"y": vy, "t": vt}, _("Squared error, detailed: ∂L/∂y = (y − t)/N"))


def tanh_example(x: float = 0.5) -> GraphExample:
    """The tanh group work: y = (1 − e)·(1/(1 + e)) with e = exp(−2x), so y = tanh(x) and dy/dx = 1 − y².

    Built only from multiply, exp, add, reciprocal and negate nodes.
    """
    vx = Variable(x, "x")
    u = (Variable(-2.0, requires_grad=False) * vx).named("-2x")
    e = exp(u).named("e")
    denominator = (1.0 + e).named("1 + e")
    r = reciprocal(denominator).named("1/(1 + e)")
    minus_e = (-e).named("-e")
    numerator = (1.0 + minus_e).named("1 - e")
    y = (numerator * r).named("y")
    # The relation itself with its value, beside the gradient that the x node shows.
    value = float(y.data)
    shown = f"({value:.4g})" if value < 0 else f"{value:.4g}"
    title = _("tanh from exp, add and reciprocal nodes: dy/dx = 1 − y²")
    return GraphExample(y, {"x": vx}, f"{title} = 1 − {shown}² = {1 - value * value:.4g}")


def sigmoid_example(x: float = 0.5) -> GraphExample:
    """The sigmoid slide: y = 1/t with t = 1 + exp(−x), so dy/dx = y(1 − y)."""
    vx = Variable(x, "x")
    minus_x = (-vx).named("-x")
    e = exp(minus_x).named("exp(-x)")
    t = (1.0 + e).named("t")
    y = reciprocal(t).named("y")
    return GraphExample(
        y, {"x": vx}, _("Sigmoid from exp, add and reciprocal nodes: dy/dx = y(1 − y)")
    )


@renamed_keyword("seed", "rng")
def affine_softmax_loss_example(
    rng: int | np.random.Generator | None = 0,
    batch_size: int = 2,
    n_features: int = 2,
    n_classes: int = 3,
) -> GraphExample:
    """Affine + Softmax-with-Loss, every step a node: ∂L/∂a = (y − t)/N.

    x: (N, D), W: (D, C), b: (C,), t: one-hot (N, C), with small random values
    from ``rng``, an int seed or a Generator (rounded to one decimal so the drawing stays readable).
    a = x·W + b; y = exp(a) · 1/Σ_c exp(a) (softmax, without the max shift
    since the scores are small); L = mean over the batch of −Σ_c t·log y.
    So ∂L/∂W = xᵀ(y − t)/N, ∂L/∂b = Σ_n (y − t)/N and ∂L/∂x = (y − t)Wᵀ/N.
    """
    rng = np.random.default_rng(rng)
    x = Variable(np.round(rng.normal(size=(batch_size, n_features)), 1), "x")
    W = Variable(np.round(rng.normal(size=(n_features, n_classes)), 1), "W")
    b = Variable(np.round(rng.normal(scale=0.5, size=n_classes), 1), "b")
    labels = rng.integers(n_classes, size=batch_size)
    t = Variable(
        functions.to_one_hot(labels, n_classes, dtype=np.float64), "t", requires_grad=False
    )
    xw = matmul(x, W).named("xW")
    a = (xw + b).named("a")
    e = exp(a).named("exp(a)")
    s = sum(e, axis=1, keepdims=True).named("S")
    r = reciprocal(s).named("1/S")
    y = (e * r).named("y")
    log_y = log(y).named("log y")
    tlog_y = (t * log_y).named("t·log y")
    per_sample = sum(tlog_y, axis=1).named("Σ t·log y")
    cross_entropy = (-per_sample).named("-Σ t·log y")
    loss = mean(cross_entropy).named("L")
    return GraphExample(
        loss, {"x": x, "W": W, "b": b, "t": t}, _("Affine + Softmax-with-Loss: ∂L/∂a = (y − t)/N")
    )


def affine_batch_example(
    rng: int | np.random.Generator | None = 0,
    batch_size: int = 2,
    n_features: int = 2,
    n_outputs: int = 3,
) -> GraphExample:
    """The Affine layer for a batch: Y = X·W + B, where ∂L/∂B sums the N rows' ∂L/∂Y_n.

    X: (N, D), W: (D, M), B: (M,), small random values from ``rng`` (rounded to one decimal, so
    the drawing stays readable). X·W is one dot node (∂L/∂X = ∂L/∂Y·Wᵀ, ∂L/∂W = Xᵀ·∂L/∂Y: the
    sum over the samples happens inside the matrix product); then one node per row adds B,
    Y_n = (X·W)_n + B, so B branches into N nodes and gets back the sum of their gradients,
    ∂L/∂B = ∂L/∂Y₁ + … + ∂L/∂Y_N. The layers above send the given ∂L/∂Y_n (``dout``, random too).
    """
    if not 1 <= batch_size <= 4:
        raise ValueError(
            _("affine_batch_example: batch_size must be from 1 to 4, got {n}").format(n=batch_size)
        )
    rng = np.random.default_rng(rng)
    X = Variable(np.round(rng.normal(size=(batch_size, n_features)), 1), "X")
    W = Variable(np.round(rng.normal(size=(n_features, n_outputs)), 1), "W")
    B = Variable(np.round(rng.normal(scale=0.5, size=n_outputs), 1), "B")
    dout = np.round(rng.normal(scale=0.5, size=(batch_size, n_outputs)), 1)
    xw = matmul(X, W).named("XW")
    rows = [add_row(xw, B, n).named(f"Y{n + 1}") for n in range(batch_size)]
    loss = upstream(rows, list(dout)).named("L")
    terms = " + ".join(f"∂L/∂Y{_subscript(n + 1)}" for n in range(batch_size))
    return GraphExample(
        loss,
        {"X": X, "W": W, "B": B},
        _("Affine layer for a batch (N = {n}): ∂L/∂B = {terms}").format(n=batch_size, terms=terms),
    )


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def softmax_with_loss_simple_example(
    a: Sequence[float] = (0.3, 2.9, 4.0), t: Sequence[float] = (0.0, 0.0, 1.0)
) -> GraphExample:
    """Softmax-with-Loss as one node, its backward as the result only: ∂L/∂a = y − t.

    a: (C,) one sample's scores, or (N, C) for a batch (then ∂L/∂a = (y − t)/N); t: one-hot
    targets of a's shape. y = softmax(a), L = −Σ_k t_k log y_k (the batch mean for N rows).
    """
    va, vt = Variable(a, "a"), Variable(t, "t", requires_grad=False)
    loss = softmax_with_loss(va, vt).named("L")
    if va.ndim == 1:
        title = _("Softmax-with-Loss: ∂L/∂a = y − t, where y = softmax(a)")
    else:
        title = _("Softmax-with-Loss: ∂L/∂a = (y − t)/N, where y = softmax(a)")
    return GraphExample(loss, {"a": va, "t": vt}, title)


EXAMPLES: dict[str, Callable[..., GraphExample]] = {
    "chain_rule": chain_rule_example,
    "add_node": add_node_example,
    "multiply_node": multiply_node_example,
    "shopping": shopping_example,
    "squared_error": squared_error_example,
    "squared_error_detailed": squared_error_detailed_example,
    "tanh": tanh_example,
    "sigmoid": sigmoid_example,
    "affine_batch": affine_batch_example,
    "softmax_with_loss_simple": softmax_with_loss_simple_example,
    "affine_softmax_loss": affine_softmax_loss_example,
}
