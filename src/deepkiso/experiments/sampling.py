"""The sampling experiment: how the mini-batches are drawn (exercise 2_1, 非復元抽出 vs 復元抽出).

Exercise 2_1 compares sampling with replacement (復元抽出) and without (非復元抽出); the slides
suggest changing when to shuffle, learning the rare labels first, and keeping the label ratio
constant per batch. This module builds the trial grid that compares those samplers with the same
net and budget, and the imbalanced variant of a data set (most training samples of chosen classes
removed) on which the differences between samplers show most, class by class.

The training set is sorted by label by default (``order="by-label"``, ``--order by-label``): that
is what "sequential" means for data stored class by class, and where it hurts; ``--order stored``
keeps the data set's own order (for digits and MNIST already mixed).

Sampler names on the command line and in a ``TrialSpec``:

    sequential        the data's order (by label, or as stored), every epoch
    shuffle           without replacement, a fresh order every epoch (the usual choice)
    shuffle-every-K   without replacement, a fresh order every K epochs
    shuffle-once      without replacement, one order kept for the whole run
    shuffle-never     without replacement, the data's order (the same batches as sequential)
    replacement       i.i.d. draws with replacement, N per epoch
    stratified        every batch keeps the data set's label proportions
    rare-first        batches of the least frequent labels first, the rest after
    balanced          every class equally likely per draw, with replacement
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from deepkiso.experiments.sampler_names import SAMPLERS, parse_sampler
from deepkiso.experiments.spec import ORDERS, Order, TrialSpec
from deepkiso.i18n import _

__all__ = ["SAMPLERS", "ORDERS", "parse_sampler", "imbalanced_indices", "sampling_trials"]


def imbalanced_indices(
    labels: np.ndarray, classes: Sequence[int], keep: float, seed: int
) -> np.ndarray:
    """Indices (ascending, int64) of the samples kept when only ``keep`` of each listed class stays.

    labels: (N,) integer class labels. Each listed class keeps round(keep · its count) samples,
    at least one, chosen at random with seed; every other sample is kept.
    """
    if not 0 < keep <= 1:
        raise ValueError(_("keep must be a fraction in (0, 1], got {keep}").format(keep=keep))
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    dropped = []
    for c in sorted({int(c) for c in classes}):
        members = np.flatnonzero(labels == c)
        n_keep = max(1, round(keep * len(members))) if len(members) else 0
        dropped.append(rng.permutation(members)[n_keep:])
    mask = np.ones(len(labels), dtype=bool)
    mask[np.concatenate(dropped).astype(np.int64) if dropped else np.zeros(0, np.int64)] = False
    return np.flatnonzero(mask).astype(np.int64)


def sampling_trials(
    *,
    dataset: str,
    samplers: Sequence[str],
    seeds: Sequence[int],
    epochs: int,
    batch_size: int = 32,
    lr: float = 0.1,
    hidden: Sequence[int] = (64,),
    optimizer: str = "sgd",
    target_accuracy: float | None = None,
    imbalance_classes: Sequence[int] = (),
    imbalance_keep: float = 1.0,
    order: Order = "by-label",
) -> list[TrialSpec]:
    """The grid: every sampler × seed, with the same net, batch size and epochs.

    The same seed gives every sampler the same initial weights and the same imbalanced subset.
    order: "by-label" (default) sorts the training set by label, as data stored by class is, so
    that "sequential" means what it means for such data (one class per mini-batch, every epoch
    ending on the last class); "stored" keeps the data set's own order, which for the embedded
    digits and MNIST is already mixed, so sequential order there does about as well as shuffling.
    """
    for name in samplers:
        parse_sampler(name)  # refuse a bad name before any trial runs
    return [
        TrialSpec(
            experiment="sampling",
            dataset=dataset,
            seed=seed,
            phases=((batch_size, epochs),),
            sampler=name,
            hidden=tuple(hidden),
            optimizer=optimizer,
            lr=lr,
            base_batch_size=batch_size,
            target_accuracy=target_accuracy,
            imbalance_classes=tuple(imbalance_classes),
            imbalance_keep=imbalance_keep if imbalance_classes else 1.0,
            order=order,
        )
        for name in samplers
        for seed in seeds
    ]
