"""Benchmark: a training step's matrix products, NumPy's BLAS against PyTorch's own CPU kernels.

    python benchmarks/bench_products_vs_torch.py [--threads 1 2]

For a 784-H-10 net at batch B the first layer's products are the forward (B×784 · 784×H) and the
weight gradient (784×B · B×H, its left operand a transposed view, as the layers give it). Each is
timed in float32 with NumPy (``np.matmul`` into a kept array) and with PyTorch (``torch.mm`` into
a kept tensor) on the same data, with the same thread count for both, the best of several rounds
of many calls. Where PyTorch's kernels are faster on these shapes, its training loops are faster
with them, whatever the rest of the step costs: the reason deepkiso trails PyTorch's fastest loop
at hidden 1000 (bench_training_vs_torch.py). PyTorch is a benchmark-only dependency
(``pip install torch==2.13.0``); without it this says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from deepkiso.blas import set_blas_threads

# (hidden, batch): the settings of bench_training_vs_torch.py where the first layer's products
# are large enough to matter.
SHAPES = ((1000, 32), (1000, 100), (1000, 1000), (50, 1000), (100, 1000))


def best_time(call, number: int) -> float:
    """Seconds per call: the best of 5 rounds of `number` calls."""
    return min(timeit.repeat(call, number=number, repeat=5)) / number


def products(hidden: int, batch: int, rng: np.random.Generator):
    """name -> (numpy operands, out): the first layer's forward and weight-gradient products."""
    x = rng.random((batch, 784), dtype=np.float32)
    W = rng.random((784, hidden), dtype=np.float32)
    dh = rng.random((batch, hidden), dtype=np.float32)
    return {
        "forward": (x, W, np.empty((batch, hidden), np.float32)),
        "weight gradient": (x.T, dh, np.empty((784, hidden), np.float32)),
    }


def time_both(torch, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple[float, float]:
    """(NumPy's, PyTorch's) seconds for a · b into a kept output, on the same data."""
    ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out.copy())
    number = max(5, int(2e8 // (a.shape[0] * a.shape[1] * b.shape[1])))
    numpy_s = best_time(lambda: np.matmul(a, b, out=out), number)
    torch_s = best_time(lambda: torch.mm(ta, tb, out=tout), number)
    return numpy_s, torch_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: pip install torch==2.13.0")
        return
    rng = np.random.default_rng(0)
    print("µs per product, float32; torch/numpy < 1: PyTorch's kernel is faster")
    print(
        f"{'threads':>7} {'H':>5} {'B':>5} {'product':<16} {'numpy':>8} {'torch':>8} {'ratio':>6}"
    )
    for threads in args.threads:
        set_blas_threads(threads)
        torch.set_num_threads(threads)
        for hidden, batch in SHAPES:
            for name, (a, b, out) in products(hidden, batch, rng).items():
                numpy_s, torch_s = time_both(torch, a, b, out)
                print(
                    f"{threads:>7} {hidden:>5} {batch:>5} {name:<16} {numpy_s * 1e6:>8.0f} "
                    f"{torch_s * 1e6:>8.0f} {torch_s / numpy_s:>6.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
