"""Gradient check of TwoLayerNet(784, 50, 10) on a batch of 100: every element vs directional.

Every-element mode (exercise 2_17) needs two loss evaluations per parameter,
79,520 of them here; directional mode needs two per random direction. Prints
the seconds of each and the ratio.

    python benchmarks/bench_gradient_check.py [--directions 10]
"""

import argparse
import time

import numpy as np

from deepkiso.differentiation import check_net_gradient
from deepkiso.nets import TwoLayerNet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--directions", type=int, default=10, help="random directions per parameter (default 10)"
    )
    parser.add_argument("--batch", type=int, default=100, help="batch size (default 100)")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    net = TwoLayerNet(784, 50, 10, weight_init_std="he", dtype=np.float64, rng=rng)
    x = rng.random((args.batch, 784))
    t = rng.integers(0, 10, args.batch)
    n_params = sum(p.size for p in net.params.values())

    timings = {}
    for mode in ("directional", "full"):
        start = time.perf_counter()
        report = check_net_gradient(net, x, t, mode=mode, n_directions=args.directions)
        timings[mode] = time.perf_counter() - start
        print(report)
        print(f"{mode}: {timings[mode]:.2f} s\n")

    print(f"TwoLayerNet(784, 50, 10), batch {args.batch}, {n_params} parameters")
    print(f"  every element : {timings['full']:8.2f} s  ({2 * n_params} loss evaluations)")
    print(
        f"  directional   : {timings['directional']:8.2f} s  ({2 * 4 * args.directions} loss evaluations)"
    )
    print(f"  ratio         : {timings['full'] / timings['directional']:8.0f}x faster")


if __name__ == "__main__":
    main()
