"""How much a second BLAS thread speeds up each matrix product of a training step, by its shape.

    python benchmarks/bench_blas_threads.py [--hidden 50 100 1000] [--batch 32 100 1000]

For a 784-H-10 net at batch B, a step's products are the first layer's forward (B×784 · 784×H) and
weight gradient (784×B · B×H), and the second layer's forward (B×H · H×10), weight gradient
(H×B · B×10) and input gradient (B×10 · 10×H). Each is timed with one and with two OpenBLAS threads
(float32, the median of several rounds of many calls, the two thread counts interleaved) and the
table gives the speed-up. It is the measurement behind a per-product thread rule (issue 15): a
product gains from the second core only above some size, and small ones lose to the cost of waking
the other thread. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from deepkiso.blas import get_blas_threads, set_blas_threads


def products(batch: int, hidden: int, rng: np.random.Generator) -> dict[str, tuple]:
    """name -> (a, b, out) of the five products of a 784-hidden-10 step at this batch size."""
    f = np.float32

    def r(*shape):
        return rng.standard_normal(shape).astype(f)

    x, w1, h, w2, ds = r(batch, 784), r(784, hidden), r(batch, hidden), r(hidden, 10), r(batch, 10)
    dh = r(batch, hidden)
    return {
        "x·W1": (x, w1, np.empty((batch, hidden), f)),
        "xᵀ·dh": (x.T, dh, np.empty((784, hidden), f)),
        "h·W2": (h, w2, np.empty((batch, 10), f)),
        "hᵀ·ds": (h.T, ds, np.empty((hidden, 10), f)),
        "ds·W2ᵀ": (ds, w2.T, np.empty((batch, hidden), f)),
    }


def seconds_per_call(a: np.ndarray, b: np.ndarray, out: np.ndarray, threads: int) -> float:
    set_blas_threads(threads)
    flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
    calls = max(5, min(20_000, int(2e9 / max(flops, 1))))  # about a second at 2 GFLOP/s
    np.matmul(a, b, out=out)  # warm
    started = time.perf_counter()
    for _ in range(calls):
        np.matmul(a, b, out=out)
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[50, 100, 1000])
    parser.add_argument("--batch", type=int, nargs="+", default=[32, 100, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    before = get_blas_threads()
    if before is None:
        raise SystemExit("no OpenBLAS whose threads deepkiso can set was found")
    rng = np.random.default_rng(0)
    print(
        f"{'hidden':>6} {'batch':>5} {'product':>8} {'MFLOP':>8} {'1 thread µs':>12} {'2 threads µs':>13} {'speed-up':>9}"
    )
    try:
        for hidden in args.hidden:
            for batch in args.batch:
                for name, (a, b, out) in products(batch, hidden, rng).items():
                    one, two = [], []
                    for _ in range(args.rounds):  # interleaved, so drifts in load hit both
                        one.append(seconds_per_call(a, b, out, 1))
                        two.append(seconds_per_call(a, b, out, 2))
                    t1, t2 = statistics.median(one), statistics.median(two)
                    mflop = 2 * a.shape[0] * a.shape[1] * b.shape[1] / 1e6
                    print(
                        f"{hidden:>6} {batch:>5} {name:>8} {mflop:>8.2f} {t1 * 1e6:>12.1f} "
                        f"{t2 * 1e6:>13.1f} {t1 / t2:>8.2f}x"
                    )
    finally:
        set_blas_threads(before)


if __name__ == "__main__":
    main()
