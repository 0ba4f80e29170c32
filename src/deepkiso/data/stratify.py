"""How many samples of each class each mini-batch of a stratified sampler gets (層化抽出).

The schedule behind ``StratifiedSampler`` (``deepkiso.data.samplers``): every batch holds each
class's share of the data to within one sample, and so does every running total of batches. Pure
integer arithmetic on the class counts; no randomness and no sampler state here.
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["stratified_batch_counts"]


def stratified_batch_counts(
    class_counts: np.ndarray, batch_size: int, n_batches: int
) -> np.ndarray:
    """How many samples of each class each batch gets: (n_batches, C) ints.

    class_counts: (C,) positive counts n_c, N = their sum; n_batches = ceil(N / batch_size), or
    floor(N / batch_size) to leave out the remainder (drop_last).
    Every full batch gets floor(b p_c) or ceil(b p_c) of class c (p_c = n_c / N), and after k
    batches class c's running total differs from k b p_c by less than one. Which classes get the
    ceil in a full batch is an earliest-deadline-first schedule: class c's j-th extra sample may
    come no earlier than the first batch k with k f_c > j - 1 and no later than the first with
    k f_c >= j (f_c the fractional part of b p_c), which keeps the running total in bounds.
    A smaller last batch takes the remaining samples, which then lie within one of its share too.
    """
    counts = np.asarray(class_counts, dtype=np.int64)
    n_total = int(counts.sum())
    n_full = min(n_batches, n_total // batch_size)
    base, fraction = divmod(batch_size * counts, n_total)  # fraction is N f_c, an int in [0, N)
    extras_per_batch = int(fraction.sum()) // n_total
    result = np.tile(base, (n_batches, 1))
    result[:n_full] += _earliest_deadline_extras(fraction, n_total, extras_per_batch, n_full)
    if n_batches > n_full:
        result[n_full] = counts - result[:n_full].sum(axis=0)
    assert np.all(result >= 0) and np.all(result.sum(axis=1) <= batch_size)
    return result


def _earliest_deadline_extras(
    fraction: np.ndarray, n_total: int, per_batch: int, n_batches: int
) -> np.ndarray:
    """(n_batches, C) of 0/1: which classes get an extra sample in each full batch.

    Class c's j-th extra (j = 1, 2, ...) is released at batch floor((j-1) N / F_c) + 1 and due by
    batch ceil(j N / F_c) (batches counted from 1, F_c = fraction[c]); each batch takes the
    per_batch released extras that are due first, at most one per class.
    """
    extras = np.zeros((n_batches, len(fraction)), dtype=np.int64)
    next_extra = np.ones(len(fraction), dtype=np.int64)

    def window(c: int) -> tuple[int, int]:
        j = int(next_extra[c])
        return (j - 1) * n_total // int(fraction[c]) + 1, -(-j * n_total // int(fraction[c]))

    waiting = [(window(c)[0], c) for c in range(len(fraction)) if fraction[c] > 0]
    heapq.heapify(waiting)
    ready: list[tuple[int, int, int]] = []  # (due batch, -fraction, class): earliest due first
    for batch in range(1, n_batches + 1):
        while waiting and waiting[0][0] <= batch:
            _, c = heapq.heappop(waiting)
            heapq.heappush(ready, (window(c)[1], -int(fraction[c]), c))
        chosen = [heapq.heappop(ready) for _ in range(min(per_batch, len(ready)))]
        assert len(chosen) == per_batch and (not ready or ready[0][0] > batch), (
            "stratified schedule infeasible"
        )
        for _, _, c in chosen:
            extras[batch - 1, c] = 1
            next_extra[c] += 1
            heapq.heappush(waiting, (max(window(c)[0], batch + 1), c))
    return extras
