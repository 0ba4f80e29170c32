"""Benchmark: one epoch of mini-batches over 60,000 x 784 float32 samples with each sampler.

For exercise 2_1: what each way of drawing mini-batches costs. Every sampler runs at batch size 100
through ``iterate_minibatches`` (np.take per batch). Printed per sampler:

* build: constructing the sampler (the stratified one plans its batch counts here);
* epoch: one full epoch of iterate_minibatches, best of --repeats;
* indices only: the same epoch without gathering, i.e. the sampler's own per-epoch cost;
* peak: the most memory allocated at once during an epoch (tracemalloc, in a separate run), in MiB
  and as a share of the data set's own size (x and t together).

The data are random, made here. Run: ``python benchmarks/bench_samplers.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from deepkiso.data import SAMPLERS, iterate_minibatches, make_sampler

N_SAMPLES, N_FEATURES, BATCH_SIZE = 60_000, 784, 100


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x (60000, 784) float32 in [0, 1); t (60000,) int64 labels, label k drawn with weight k + 1."""
    rng = np.random.default_rng(seed)
    x = rng.random((N_SAMPLES, N_FEATURES), dtype=np.float32)
    weights = np.arange(1, 11) / np.arange(1, 11).sum()
    t = rng.choice(10, size=N_SAMPLES, p=weights).astype(np.int64)
    return x, t


def time_epoch(x, t, sampler, repeats: int) -> tuple[float, float]:
    """Best-of-repeats seconds for one epoch with gathering, and for one epoch of indices only."""
    with_gather, indices_only = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        for _batch in iterate_minibatches(x, t, sampler):
            pass
        with_gather.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _idx in sampler.epoch():
            pass
        indices_only.append(time.perf_counter() - start)
    return min(with_gather), min(indices_only)


def peak_epoch_bytes(x, t, sampler) -> int:
    """Most bytes allocated at once, above what was allocated before, during one epoch."""
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for _batch in iterate_minibatches(x, t, sampler):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=3, help="epochs timed per sampler, best kept (default: 3)"
    )
    args = parser.parse_args()
    x, t = make_data()
    data_bytes = x.nbytes + t.nbytes
    print(
        f"data: x {x.shape} float32 + t {t.shape} int64 = {data_bytes / 2**20:.1f} MiB; batch size {BATCH_SIZE}"
    )
    header = (
        f"{'sampler':<12} {'build ms':>9} {'epoch ms':>9} {'indices only ms':>16} {'peak MiB':>9}"
    )
    print(f"{header} {'peak / data':>12}")
    for name in SAMPLERS:
        start = time.perf_counter()
        sampler = make_sampler(name, n_samples=N_SAMPLES, labels=t, batch_size=BATCH_SIZE, rng=0)
        build = time.perf_counter() - start
        epoch, indices_only = time_epoch(x, t, sampler, args.repeats)
        peak = peak_epoch_bytes(x, t, sampler)
        print(
            f"{name:<12} {build * 1e3:>9.1f} {epoch * 1e3:>9.1f} {indices_only * 1e3:>16.2f} "
            f"{peak / 2**20:>9.2f} {peak / data_bytes:>11.2%}"
        )


if __name__ == "__main__":
    main()
