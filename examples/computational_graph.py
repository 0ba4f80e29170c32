"""The chain rule on a computational graph, and the two group works, in a few lines each.

Builds y = (x1 + x2)², runs backward, prints every node's value and gradient,
checks the slides' answers (2(x1 + x2), y − t, 1 − y²) and saves the drawings:

    python examples/computational_graph.py out/graphs
"""

import argparse
from pathlib import Path

import numpy as np

from deepkiso.graph import (
    Variable,
    square,
    squared_error_detailed_example,
    tanh_example,
    topological_operations,
)
from deepkiso.plots.graph import save_graph


def main(out_dir: Path) -> None:
    # The chain rule slide: y = t², t = x1 + x2.
    x1, x2 = Variable(1.0, "x1"), Variable(2.0, "x2")
    t = (x1 + x2).named("t")
    y = square(t).named("y")
    y.backward()
    for op in topological_operations(y):
        print(f"{op.kind:8s} local derivatives {op.local_derivatives}")
    print(f"y = {y.data}, dy/dx1 = {x1.grad}, dy/dx2 = {x2.grad}  (2(x1 + x2) = {2 * (1.0 + 2.0)})")
    save_graph(y, out_dir / "chain_rule.png", title="Chain rule: y = (x₁ + x₂)²", dpi=100)

    # Group work 1: the detailed squared-error graph gives (y − t)/N.
    example = squared_error_detailed_example()
    example.output.backward()
    y_batch, t_batch = example.inputs["y"].data, example.inputs["t"].data
    assert np.allclose(example.inputs["y"].grad, (y_batch - t_batch) / len(y_batch))
    save_graph(example.output, out_dir / "squared_error_detailed.svg", title=example.title)

    # Group work 2: tanh from exp, add and reciprocal nodes gives 1 − y².
    example = tanh_example(0.5)
    example.output.backward()
    y_tanh = float(example.output.data)
    print(
        f"tanh: y = {y_tanh:.4f}, dy/dx = {float(example.inputs['x'].grad):.4f}, 1 - y² = {1 - y_tanh**2:.4f}"
    )
    save_graph(example.output, out_dir / "tanh.dot", title=example.title)
    print(f"pictures in {out_dir}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=Path("out/graphs"),
        help="where the pictures go (default: %(default)s)",
    )
    main(parser.parse_args().out_dir)
