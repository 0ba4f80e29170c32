"""Exercise 2_1: mini-batches with replacement (復元抽出) versus without (非復元抽出).

One epoch of 1,437 digit images in batches of 100: without replacement every image is seen exactly
once; with replacement each draw is independent, so some images come twice and about 1/e of them
not at all. Then the label counts of the first batch show what stratified (層化) and rare-first
batches look like. Runs offline on the embedded digits: ``python examples/minibatch_sampling.py``.
"""

import numpy as np

from deepkiso.data import load_dataset, make_sampler

(x_train, t_train), _ = load_dataset("digits")
n_samples = len(x_train)

print(f"one epoch over {n_samples} samples, batch size 100")
for name in ("shuffle", "replacement"):
    sampler = make_sampler(name, n_samples=n_samples, batch_size=100, rng=0)
    seen = np.concatenate(list(sampler.epoch()))
    distinct = len(np.unique(seen))
    print(
        f"  {name:<12} {len(sampler)} batches, {len(seen)} draws, {distinct} distinct samples "
        f"({distinct / n_samples:.1%} of the data)"
    )
print(f"  expected with replacement: 1 - (1 - 1/N)^N = {1 - (1 - 1 / n_samples) ** n_samples:.1%}")

# the rare-first order is easier to see when some labels are rare: keep only a few 0s and 1s
keep = np.flatnonzero((t_train > 1) | (np.arange(n_samples) % 10 == 0))
labels = t_train[keep]
print(f"\nlabel counts in the first batch of 100 ({len(keep)} samples, labels 0 and 1 made rare):")
print(f"  {'labels:':<12} " + " ".join(f"{label:>3}" for label in range(10)))
for name in ("shuffle", "stratified", "rare-first", "balanced"):
    sampler = make_sampler(name, n_samples=len(keep), labels=labels, batch_size=100, rng=0)
    first_batch = next(iter(sampler.epoch()))
    counts = np.bincount(labels[first_batch], minlength=10)
    print(f"  {name:<12} " + " ".join(f"{count:>3}" for count in counts))
