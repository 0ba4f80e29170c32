"""How often the directional gradient check finds one wrong entry among 39,760.

TwoLayerNet(784, 50, 10) on a batch of 100, in float32 (training's dtype) and
float64. Each trial plants one bug: the sign of one gradient entry, drawn at
random among the entries that are not zero, is flipped in what ``gradient``
returns. The trial counts as found when ``check_net_gradient(...,
mode="directional")`` (10 directions per parameter) fails; a correct net is
checked as often, and any failure there is a false alarm. Prints both rates
per dtype.

    python benchmarks/bench_gradient_check_detection.py [--trials 100] [--directions 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from deepkiso.differentiation import check_net_gradient
from deepkiso.nets import TwoLayerNet


class _SignFlip:
    """A net whose gradient has the sign of one entry flipped; everything else is the real net's."""

    def __init__(self, net: TwoLayerNet, name: str, index: tuple):
        self.net, self.name, self.index = net, name, index
        self.params = net.params

    def loss(self, x, t):
        return self.net.loss(x, t)

    def gradient(self, x, t):
        grads = {key: np.array(g) for key, g in self.net.gradient(x, t).items()}
        grads[self.name][self.index] *= -1
        return grads


def detection(dtype, trials: int, directions: int, seed: int = 0) -> tuple[int, int, float]:
    """(bugs found, false alarms, seconds) over `trials` planted sign flips and as many correct checks."""
    rng = np.random.default_rng(seed)
    net = TwoLayerNet(784, 50, 10, weight_init_std="he", dtype=dtype, rng=rng)
    x = rng.random((100, 784)).astype(dtype)
    t = rng.integers(0, 10, 100)
    grads = {key: np.array(g) for key, g in net.gradient(x, t).items()}
    candidates = [(name, idx) for name, g in grads.items() for idx in zip(*np.nonzero(g))]
    found = alarms = 0
    start = time.perf_counter()
    for trial in range(trials):
        name, idx = candidates[rng.integers(len(candidates))]
        found += not check_net_gradient(
            _SignFlip(net, name, idx), x, t, mode="directional", n_directions=directions, rng=trial
        ).passed
        alarms += not check_net_gradient(
            net, x, t, mode="directional", n_directions=directions, rng=trial
        ).passed
    return found, alarms, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--trials", type=int, default=100, help="planted bugs per dtype (default 100)"
    )
    parser.add_argument(
        "--directions", type=int, default=10, help="random directions per parameter (default 10)"
    )
    args = parser.parse_args()
    for dtype in (np.float32, np.float64):
        found, alarms, seconds = detection(dtype, args.trials, args.directions)
        print(
            f"{np.dtype(dtype).name}: found {found}/{args.trials} sign flips, "
            f"{alarms}/{args.trials} false alarms on the correct net ({seconds:.1f} s)"
        )


if __name__ == "__main__":
    main()
