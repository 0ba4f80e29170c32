"""Optimizer step time: the Trainer's step (in place, over slices) against the book's update.

For each optimizer and the weight shapes of the benchmark nets (784 x 50, 784 x 100, 784 x 1000,
float32), the best time per call over --repeats rounds of --number calls, in microseconds, of

* step: what the Trainer calls (Optimizer.step: work arrays kept from step to step, and a
  parameter larger than two slices of optimizers._SLICE elements stepped slice by slice);
* update: the book's lines (new temporaries per operation, whole arrays);
* by hand: SGD only, the hand-written loop of bench_training_vs_torch.py (grad *= lr;
  W -= grad, which spends the gradient: a library step must leave it alone).

    python benchmarks/bench_optimizer_steps.py [--repeats 7] [--number 200]
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from deepkiso.optimizers import OPTIMIZERS, make_optimizer

SHAPES = ((784, 50), (784, 100), (784, 1000))


def best(call, args) -> float:
    """The best time per call in microseconds."""
    return min(timeit.repeat(call, repeat=args.repeats, number=args.number)) / args.number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=7, help="rounds, the best is kept (default 7)"
    )
    parser.add_argument("--number", type=int, default=200, help="calls per round (default 200)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'optimizer':>9} {'shape':>10} {'step µs':>8} {'update µs':>9} {'by hand µs':>10}")
    for name in OPTIMIZERS:
        for shape in SHAPES:
            params = {"W": rng.standard_normal(shape).astype(np.float32)}
            grads = {"W": rng.standard_normal(shape).astype(np.float32)}
            # tiny steps, so the weights stay finite; one optimizer each, so neither sees the
            # other's buffers
            stepping, updating = make_optimizer(name, lr=1e-6), make_optimizer(name, lr=1e-6)
            step = best(lambda o=stepping, p=params, g=grads: o.step(p, g), args)
            update = best(lambda o=updating, p=params, g=grads: o.update(p, g), args)
            by_hand = "-"
            if name == "sgd":
                W, g, lr = params["W"], grads["W"], np.float32(1e-6)

                def spend(W=W, g=g, lr=lr):
                    g *= lr
                    W -= g

                by_hand = f"{best(spend, args):.1f}"
            size = f"{shape[0]}x{shape[1]}"
            print(f"{name:>9} {size:>10} {step:>8.1f} {update:>9.1f} {by_hand:>10}", flush=True)


if __name__ == "__main__":
    main()
