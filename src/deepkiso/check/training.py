"""Checks of a learner's training code: mini-batches (2_1), the SGD update (2_9) and a training loop (2_10, 2_18).

The mini-batch function is checked for the laws of sampling without
replacement, whatever its signature: over one epoch each sample comes at most
once, x and t stay paired, batches have batch_size rows. A sampler with
replacement (its own function, or replace=True) must draw independently:
samples repeat, and every one is drawn; the book's one-batch
get_minibatch(x, t, batch_size) is called again and again. The SGD update must
give W - lr · grad. A training function is given deepkiso's own TwoLayerNet
(known to be right) so that only the loop is judged: the loss must fall.
"""

from __future__ import annotations

import inspect
import itertools
import math

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import as_array, describe, expect_close
from deepkiso.check.names import call_with
from deepkiso.check.registry import Context, Failure, Skip, check
from deepkiso.nets import TwoLayerNet as ReferenceTwoLayerNet

# --------------------------------------------------------------------------- minibatches

_N_SAMPLES, _BATCH = 23, 5


def _samples() -> tuple[np.ndarray, np.ndarray]:
    """x row i is (i, i) and t[i] = 10·i, so every row says which sample it is."""
    index = np.arange(_N_SAMPLES, dtype=np.float64)
    return np.stack([index, index], axis=1), 10 * index


_REPLACE = ("replace", "with_replacement", "replacement")


def _sample(ctx: Context, replace: bool | None = None):
    """What the learner's sampler returns for x, t, batch_size (replace passed where it takes one)."""
    x, t = _samples()
    optional: list[tuple[tuple[str, ...], bool]] = [(("shuffle",), True)]
    if replace is not None:
        optional.append((_REPLACE, replace))
    return call_with(
        ctx.obj,
        [
            (("x", "x_train", "X", "data", "inputs"), x),
            (("t", "t_train", "y", "T", "labels", "targets"), t),
            (("batch_size", "batch", "size", "n_batch"), _BATCH),
        ],
        optional=optional,
    )


def _is_one_batch(result) -> bool:
    """True for the book's get_minibatch(x, t, batch_size): one (x_batch, t_batch) per call."""
    return (
        isinstance(result, tuple)
        and len(result) == 2
        and all(isinstance(r, np.ndarray) for r in result)
    )


def _pairs(batches) -> list[tuple[np.ndarray, np.ndarray]]:
    pairs = []
    for number, batch in enumerate(batches, start=1):
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise Failure(
                f"batch {number} is {describe(batch)}", "a pair (x_batch, t_batch)", describe(batch)
            )
        pairs.append(
            (as_array(batch[0], f"x of batch {number}"), as_array(batch[1], f"t of batch {number}"))
        )
    return pairs


def _batches(ctx: Context, count: int, replace: bool | None = None) -> tuple[list, bool]:
    """(count batches of (x_batch, t_batch), whether the sampler gives one batch per call).

    A one-batch function is called count times; an iterable is read, and the sampler called again
    when it ends (a new epoch).
    """
    result = _sample(ctx, replace)
    if _is_one_batch(result):
        return _pairs([result] + [_sample(ctx, replace) for _ in range(count - 1)]), True
    batches: list = []
    while len(batches) < count:
        try:
            epoch = list(itertools.islice(iter(result), count - len(batches)))
        except TypeError:
            raise Failure(
                f"{ctx.name}(x, t, batch_size) returned {describe(result)}",
                "an iterable of (x_batch, t_batch) pairs",
                describe(result),
            ) from None
        if not epoch:
            raise Failure(
                f"{ctx.name}(x, t, batch_size) gave no batch", "(x_batch, t_batch) pairs", "nothing"
            )
        batches += epoch
        result = _sample(ctx, replace)
    return _pairs(batches), False


def _one_epoch(ctx: Context) -> list[tuple[np.ndarray, np.ndarray]]:
    """The batches of one epoch: ceil(N / batch_size) batches (of a one-batch function: as many calls)."""
    return _batches(
        ctx, math.ceil(_N_SAMPLES / _BATCH), replace=False if _takes_replace(ctx) else None
    )[0]


def _takes_replace(ctx: Context) -> bool:
    try:
        return any(name in inspect.signature(ctx.obj).parameters for name in _REPLACE)
    except (TypeError, ValueError):
        return False


def _counts(batches) -> np.ndarray:
    seen = (
        np.concatenate([xb[:, 0] for xb, _ in batches]).astype(int)
        if batches
        else np.array([], dtype=int)
    )
    return np.bincount(seen, minlength=_N_SAMPLES)


_DRAWS = 40  # 200 draws of 23 samples: each is missed with probability 0.9565^200 ≈ 1e-4, seeded


def _expect_draws_cover(ctx: Context, batches) -> None:
    missed = int((_counts(batches) == 0).sum())
    if missed:
        raise Failure(
            f"{len(batches)} batches of {_BATCH} never drew {missed} of the {_N_SAMPLES} samples",
            "every sample drawn at some point",
            f"{_N_SAMPLES - missed} samples",
            "draw the indices from all N samples: np.random.choice(N, batch_size)",
        )


@check(
    "minibatches", "2_1", "one epoch gives each sample at most once (sampling without replacement)"
)
def minibatches_one_epoch(ctx: Context) -> str | None:
    if _is_one_batch(_sample(ctx, False if _takes_replace(ctx) else None)):
        batches, _ = _batches(ctx, _DRAWS)
        _expect_draws_cover(ctx, batches)
        return (
            f"{ctx.name} returns one batch per call (the book's get_minibatch): the once-per-epoch law is for "
            f"a whole epoch; {_DRAWS} calls drew every sample at random"
        )
    batches = _one_epoch(ctx)
    counts = _counts(batches)
    if counts.max(initial=0) > 1:
        twice = int(np.argmax(counts))
        raise Failure(
            f"sample {twice} comes {counts[twice]} times in one epoch of {len(batches)} batches",
            "each of the 23 samples at most once per epoch",
            f"{int((counts > 1).sum())} samples repeated",
            "that is sampling with replacement (復元抽出): shuffle the indices once per epoch, "
            "np.random.permutation(N), and slice them into batches",
        )
    missing = int((counts == 0).sum())
    if missing >= _BATCH:
        raise Failure(
            f"one epoch of {len(batches)} batches misses {missing} of the {_N_SAMPLES} samples",
            "every sample once (at most the last, partial batch may be dropped)",
            f"{_N_SAMPLES - missing} samples",
        )
    return None


def _expect_independent(ctx: Context, batches) -> None:
    """Draws with replacement repeat a sample within 20 draws of 23 (without, never: 1 in 10⁶ by chance)."""
    first = batches[:4]
    if _counts(first).max(initial=0) <= 1:
        raise Failure(
            f"no sample repeats in the first {4 * _BATCH} draws of {_N_SAMPLES} samples",
            "independent draws, which repeat samples",
            "every sample at most once",
            "that is sampling without replacement (非復元抽出): draw each batch independently, "
            "np.random.choice(N, batch_size, replace=True)",
        )
    _expect_draws_cover(ctx, batches)


@check(
    "minibatches",
    "2_1",
    "with replacement (replace=True, or one batch per call): independent draws",
)
def minibatches_with_replacement(ctx: Context) -> str | None:
    if not _takes_replace(ctx) and _is_one_batch(_sample(ctx)):
        _expect_independent(ctx, _batches(ctx, _DRAWS)[0])
        return f"each call of {ctx.name} is an independent draw: across calls, samples repeat and every one comes"
    if not _takes_replace(ctx):
        raise Skip(
            f"not graded: {ctx.name} has no replace option (a with-replacement sampler of its own is graded "
            "as minibatches_with_replacement)"
        )
    _expect_independent(ctx, _batches(ctx, _DRAWS, replace=True)[0])
    return None


@check(
    "minibatches_with_replacement", "2_1", "draws independently: samples repeat, every one is drawn"
)
def minibatches_with_replacement_draws(ctx: Context) -> None:
    _expect_independent(ctx, _batches(ctx, _DRAWS)[0])


@check("minibatches_with_replacement", "2_1", "x and t stay paired, batch_size rows per batch")
def minibatches_with_replacement_pairs(ctx: Context) -> None:
    for number, (xb, tb) in enumerate(_batches(ctx, _DRAWS)[0], start=1):
        _expect_paired(number, xb, tb)
        if len(xb) != _BATCH:
            raise Failure(
                f"batch {number} has {len(xb)} rows for batch_size = {_BATCH}",
                f"{_BATCH} rows",
                f"{len(xb)} rows",
            )


def _expect_paired(number: int, xb: np.ndarray, tb: np.ndarray) -> None:
    expected = 10 * xb[:, 0]
    if tb.reshape(-1).shape != expected.shape or not np.array_equal(tb.reshape(-1), expected):
        raise Failure(
            f"t of batch {number} does not belong to its x rows (t[i] = 10·i for x row i)",
            describe(expected),
            describe(tb),
            "take x_batch and t_batch with the same indices: x[batch_mask], t[batch_mask]",
        )


@check("minibatches", "2_1", "x and t stay paired within each batch")
def minibatches_pairs(ctx: Context) -> None:
    for number, (xb, tb) in enumerate(_one_epoch(ctx), start=1):
        _expect_paired(number, xb, tb)


@check("minibatches", "2_1", "batches have batch_size rows (the last may be smaller)")
def minibatches_batch_sizes(ctx: Context) -> None:
    sizes = [len(xb) for xb, _ in _one_epoch(ctx)]
    if any(s != _BATCH for s in sizes[:-1]) or (sizes and not 0 < sizes[-1] <= _BATCH):
        raise Failure(
            f"batch sizes {sizes} for batch_size = {_BATCH}",
            "[5, 5, 5, 5, 3] (or ending in a full 5)",
            str(sizes),
        )


@check(
    "minibatches",
    "2_1",
    "the samples are shuffled",
    limitation="a fixed order is a valid sampler; mini-batch learning usually shuffles every epoch",
)
def minibatches_shuffles(ctx: Context) -> None:
    order = np.concatenate([xb[:, 0] for xb, _ in _one_epoch(ctx)])
    if np.array_equal(order, np.arange(len(order))):
        raise Failure(
            "one epoch gives the samples in their stored order 0, 1, 2, …",
            "a shuffled order",
            describe(order),
            "shuffle with np.random.permutation(N) at the start of each epoch",
        )


# --------------------------------------------------------------------------- SGD


def _sgd_problem(ctx: Context):
    params = {"W1": ctx.rng.standard_normal((2, 3)), "b1": ctx.rng.standard_normal(3)}
    grads = {k: ctx.rng.standard_normal(p.shape) for k, p in params.items()}
    return params, grads


def _optimizer(ctx: Context, lr: float):
    return call_with(ctx.obj, [(("lr", "learning_rate", "eta", "alpha"), lr)])


@check("SGD", "2_9", "update(params, grads) gives W - lr · grad")
def sgd_update(ctx: Context) -> None:
    params, grads = _sgd_problem(ctx)
    before = {k: p.copy() for k, p in params.items()}
    _optimizer(ctx, 0.1).update(params, grads)
    for key in params:
        expect_close(
            params[key],
            before[key] - 0.1 * grads[key],
            f"params[{key!r}] after update with lr = 0.1",
            causes=[
                ("moves uphill: W = W - lr * grad (minus)", before[key] + 0.1 * grads[key]),
                ("params are unchanged: update must change params[key]", before[key]),
                ("ignores lr (the step matches lr = 0.01)", before[key] - 0.01 * grads[key]),
            ],
        )


@check(
    "SGD",
    "2_9",
    "update changes the parameter arrays in place",
    limitation="it matters once layers hold the parameter arrays (2_16, 2_18); "
    "a net that reads self.params each time still trains",
)
def sgd_in_place(ctx: Context) -> None:
    params, grads = _sgd_problem(ctx)
    arrays = dict(params)
    expected = {k: p - 0.1 * grads[k] for k, p in params.items()}
    _optimizer(ctx, 0.1).update(params, grads)
    for key, array in arrays.items():
        expect_close(
            array,
            expected[key],
            f"the original array of params[{key!r}] after update",
            causes=[
                (
                    "params[key] = params[key] - lr * grads[key] puts a new array in the dict while the "
                    "layers keep the old one: update in place, params[key] -= lr * grads[key]",
                    array.copy(),
                )
            ],
        )


# --------------------------------------------------------------------------- train


class _CountingNet(ReferenceTwoLayerNet):
    """deepkiso's TwoLayerNet (float64), counting which gradient the learner's loop asks for."""

    def __init__(self):
        super().__init__(4, 8, 3, weight_init_std=0.5, dtype=np.float64, rng=0)
        self.calls = {"gradient": 0, "numerical_gradient": 0}

    def gradient(self, x, t):
        self.calls["gradient"] += 1
        return super().gradient(x, t)

    def numerical_gradient(self, x, t):
        self.calls["numerical_gradient"] += 1
        return super().numerical_gradient(x, t)


def _train(ctx: Context):
    """Run the learner's training function on deepkiso's net: (net, x, t, loss before, loss after, arrays before)."""
    rng = ctx.rng
    x = rng.standard_normal((60, 4))
    labels = (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 0.5).astype(int)
    t = F.to_one_hot(labels, 3, dtype=np.float64)
    net = _CountingNet()
    before = net.loss(x, t)
    arrays = dict(net.params)
    call_with(
        ctx.obj,
        [
            (("network", "net", "model"), net),
            (("x", "x_train", "X", "data"), x),
            (("t", "t_train", "y", "T", "labels"), t),
        ],
        optional=[
            (("learning_rate", "lr", "eta"), 0.1),
            (("batch_size",), 10),
            (
                (
                    "iters_num",
                    "n_iters",
                    "num_iters",
                    "iterations",
                    "iters",
                    "steps",
                    "n_steps",
                    "step_num",
                ),
                30,
            ),
            (("epochs", "n_epochs", "epoch_num", "max_epochs"), 5),
        ],
    )
    return net, x, t, before, net.loss(x, t), arrays


@check("train", "2_10", "training lowers the loss of deepkiso's TwoLayerNet")
def train_loss_falls(ctx: Context) -> None:
    net, _x, _t, before, after, arrays = _train(ctx)
    if after < before:
        return
    rebound = [k for k, a in arrays.items() if net.params[k] is not a]
    if rebound:
        cause = (
            f"net.params[{rebound[0]!r}] was replaced by a new array, which the net's layers do not see: "
            "update in place, network.params[key] -= learning_rate * grad[key]"
        )
    elif after == before:
        cause = (
            "the parameters never changed: update network.params[key] -= learning_rate * grad[key]"
        )
    else:
        cause = "the parameters moved uphill: subtract the gradient, W -= learning_rate * grad"
    raise Failure(
        f"the loss went from {before:.6g} to {after:.6g}",
        f"below {before:.6g}",
        f"{after:.6g}",
        cause,
    )


@check(
    "train",
    "2_18",
    "training uses backpropagation (network.gradient)",
    limitation="2_10 trains with numerical_gradient; 2_18 asks for the faster backpropagation",
)
def train_uses_backprop(ctx: Context) -> None:
    net, *_ = _train(ctx)
    calls = net.calls
    if calls["gradient"] == 0:
        raise Failure(
            f"the loop called numerical_gradient {calls['numerical_gradient']} times and gradient never",
            "network.gradient(x_batch, t_batch)",
            "network.numerical_gradient(x_batch, t_batch)",
            "use grad = network.gradient(x_batch, t_batch), computed by backpropagation",
        )
