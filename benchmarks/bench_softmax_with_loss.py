"""SoftmaxWithLoss forward + backward time at batch 100 and 1000 (10 classes, float32).

Both forms of the layer: kernels.FastSoftmaxWithLoss (what the nets train with) and
layers.SoftmaxWithLoss (the slides' form). Both target forms: integer labels (what training uses) and one-hot rows (where
backward uses the general gradient y·Σt - t). Prints the best time per call
over --repeats rounds of --number calls, in microseconds.

    python benchmarks/bench_softmax_with_loss.py [--repeats 7] [--number 2000]
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from deepkiso.functions import to_one_hot
from deepkiso.kernels import FastSoftmaxWithLoss
from deepkiso.layers import SoftmaxWithLoss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=7, help="rounds, the best is kept (default 7)"
    )
    parser.add_argument("--number", type=int, default=2000, help="calls per round (default 2000)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for layer in (FastSoftmaxWithLoss(), SoftmaxWithLoss()):
        for n in (100, 1000):
            x = rng.standard_normal((n, 10)).astype(np.float32)
            labels = rng.integers(0, 10, n)
            for form, t in (("labels", labels), ("one-hot", to_one_hot(labels, 10))):

                def step(layer=layer, x=x, t=t):  # bound now: timed in this iteration
                    layer.forward(x, t)
                    layer.backward(1.0)

                best = (
                    min(timeit.repeat(step, repeat=args.repeats, number=args.number)) / args.number
                )
                print(
                    f"{type(layer).__name__:>19}, batch {n:>4}, {form:<7}: {best * 1e6:7.1f} µs per forward + backward"
                )


if __name__ == "__main__":
    main()
