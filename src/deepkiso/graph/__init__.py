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
(``deepkiso.plots.graph``). The ready-made graphs of the slides are in ``EXAMPLES``.
Only NumPy is needed; values are float64 by default so that the gradients can
be checked against numerical ones.

The package, in reading order: ``engine`` (Variable, Operation, the operator
nodes and backward), ``operations`` (exp, log, tanh, … one class each),
``labels`` (the text of values, gradients and local derivatives),
``dot`` (the DOT text) and ``examples`` (the slides' graphs). Everything is
importable from ``deepkiso.graph`` itself, as below.
"""

from deepkiso.graph.dot import to_dot
from deepkiso.graph.engine import Operation, Variable, graph_variables, topological_operations
from deepkiso.graph.examples import (
    EXAMPLES,
    GraphExample,
    add_node_example,
    affine_softmax_loss_example,
    chain_rule_example,
    multiply_node_example,
    shopping_example,
    sigmoid_example,
    squared_error_detailed_example,
    squared_error_example,
    tanh_example,
)
from deepkiso.graph.labels import COLORS, format_value, gradient_name
from deepkiso.graph.operations import (
    absolute,
    cos,
    exp,
    log,
    matmul,
    mean,
    reciprocal,
    relu,
    sigmoid,
    sin,
    sqrt,
    square,
    sum,
    tanh,
)

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
