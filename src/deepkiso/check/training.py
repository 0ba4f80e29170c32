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
from deepkiso.i18n import N_, _, n_
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
                _("batch {number} is {value}").format(number=number, value=describe(batch)),
                _("a pair (x_batch, t_batch)"),
                describe(batch),
            )
        pairs.append(
            (
                as_array(batch[0], _("x of batch {number}").format(number=number)),
                as_array(batch[1], _("t of batch {number}").format(number=number)),
            )
        )
    return pairs


def _batches(ctx: Context, count: int, replace: bool | None = None) -> tuple[list, bool]:
    """(count batches of (x_batch, t_batch), whether the sampler gives one batch per call).

    A one-batch function is called count times; an iterable is read, and the sampler called again
    when it ends (a new epoch).
    """
    result = _sample(ctx, replace)
    if _is_one_batch(result):
        return _pairs([result] + [_sample(ctx, replace) for _call in range(count - 1)]), True
    batches: list = []
    while len(batches) < count:
        try:
            epoch = list(itertools.islice(iter(result), count - len(batches)))
        except TypeError:
            raise Failure(
                _("{name}(x, t, batch_size) returned {value}").format(
                    name=ctx.name, value=describe(result)
                ),
                _("an iterable of (x_batch, t_batch) pairs"),
                describe(result),
            ) from None
        if not epoch:
            raise Failure(
                _("{name}(x, t, batch_size) gave no batch").format(name=ctx.name),
                _("(x_batch, t_batch) pairs"),
                _("nothing"),
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
        np.concatenate([xb[:, 0] for xb, _tb in batches]).astype(int)
        if batches
        else np.array([], dtype=int)
    )
    return np.bincount(seen, minlength=_N_SAMPLES)


_DRAWS = 40  # 200 draws of 23 samples: each is missed with probability 0.9565^200 ≈ 1e-4, seeded


def _expect_draws_cover(ctx: Context, batches) -> None:
    missed = int((_counts(batches) == 0).sum())
    if missed:
        raise Failure(
            _("{count} batches of {size} never drew {missed} of the {n} samples").format(
                count=len(batches), size=_BATCH, missed=missed, n=_N_SAMPLES
            ),
            _("every sample drawn at some point"),
            _samples_count(_N_SAMPLES - missed),
            _("draw the indices from all N samples: np.random.choice(N, batch_size)"),
        )


def _samples_count(count: int) -> str:
    return n_("{count} sample", "{count} samples", count).format(count=count)


@check(
    "minibatches",
    "2_1",
    N_("one epoch gives each sample at most once (sampling without replacement)"),
)
def minibatches_one_epoch(ctx: Context) -> str | None:
    if _is_one_batch(_sample(ctx, False if _takes_replace(ctx) else None)):
        batches = _batches(ctx, _DRAWS)[0]
        _expect_draws_cover(ctx, batches)
        return _(
            "{name} returns one batch per call (the book's get_minibatch): the once-per-epoch law is for "
            "a whole epoch; {draws} calls drew every sample at random"
        ).format(name=ctx.name, draws=_DRAWS)
    batches = _one_epoch(ctx)
    counts = _counts(batches)
    if counts.max(initial=0) > 1:
        twice = int(np.argmax(counts))
        repeated = int((counts > 1).sum())
        raise Failure(
            _("sample {sample} comes {times} times in one epoch of {count} batches").format(
                sample=twice, times=counts[twice], count=len(batches)
            ),
            _("each of the {n} samples at most once per epoch").format(n=_N_SAMPLES),
            n_("{count} sample repeated", "{count} samples repeated", repeated).format(
                count=repeated
            ),
            _(
                "that is sampling with replacement (復元抽出): shuffle the indices once per epoch, "
                "np.random.permutation(N), and slice them into batches"
            ),
        )
    missing = int((counts == 0).sum())
    if missing >= _BATCH:
        raise Failure(
            _("one epoch of {count} batches misses {missing} of the {n} samples").format(
                count=len(batches), missing=missing, n=_N_SAMPLES
            ),
            _("every sample once (at most the last, partial batch may be dropped)"),
            _samples_count(_N_SAMPLES - missing),
        )
    return None


def _expect_independent(ctx: Context, batches) -> None:
    """Draws with replacement repeat a sample within 20 draws of 23 (without, never: 1 in 10⁶ by chance)."""
    first = batches[:4]
    if _counts(first).max(initial=0) <= 1:
        raise Failure(
            _("no sample repeats in the first {draws} draws of {n} samples").format(
                draws=4 * _BATCH, n=_N_SAMPLES
            ),
            _("independent draws, which repeat samples"),
            _("every sample at most once"),
            _(
                "that is sampling without replacement (非復元抽出): draw each batch independently, "
                "np.random.choice(N, batch_size, replace=True)"
            ),
        )
    _expect_draws_cover(ctx, batches)


@check(
    "minibatches",
    "2_1",
    N_("with replacement (replace=True, or one batch per call): independent draws"),
)
def minibatches_with_replacement(ctx: Context) -> str | None:
    if not _takes_replace(ctx) and _is_one_batch(_sample(ctx)):
        _expect_independent(ctx, _batches(ctx, _DRAWS)[0])
        return _(
            "each call of {name} is an independent draw: across calls, samples repeat and every one comes"
        ).format(name=ctx.name)
    if not _takes_replace(ctx):
        # "not graded: " stays in English: the report folds such skips by it and never shows it.
        raise Skip(
            "not graded: "
            + _(
                "{name} has no replace option (a with-replacement sampler of its own is graded "
                "as minibatches_with_replacement)"
            ).format(name=ctx.name)
        )
    _expect_independent(ctx, _batches(ctx, _DRAWS, replace=True)[0])
    return None


@check(
    "minibatches_with_replacement",
    "2_1",
    N_("draws independently: samples repeat, every one is drawn"),
)
def minibatches_with_replacement_draws(ctx: Context) -> None:
    _expect_independent(ctx, _batches(ctx, _DRAWS)[0])


@check("minibatches_with_replacement", "2_1", N_("x and t stay paired, batch_size rows per batch"))
def minibatches_with_replacement_pairs(ctx: Context) -> None:
    for number, (xb, tb) in enumerate(_batches(ctx, _DRAWS)[0], start=1):
        _expect_paired(number, xb, tb)
        if len(xb) != _BATCH:
            raise Failure(
                _("batch {number} has {rows} rows for batch_size = {size}").format(
                    number=number, rows=len(xb), size=_BATCH
                ),
                _rows(_BATCH),
                _rows(len(xb)),
            )


def _rows(count: int) -> str:
    return n_("{count} row", "{count} rows", count).format(count=count)


def _expect_paired(number: int, xb: np.ndarray, tb: np.ndarray) -> None:
    expected = 10 * xb[:, 0]
    if tb.reshape(-1).shape != expected.shape or not np.array_equal(tb.reshape(-1), expected):
        raise Failure(
            _("t of batch {number} does not belong to its x rows (t[i] = 10·i for x row i)").format(
                number=number
            ),
            describe(expected),
            describe(tb),
            _("take x_batch and t_batch with the same indices: x[batch_mask], t[batch_mask]"),
        )


@check("minibatches", "2_1", N_("x and t stay paired within each batch"))
def minibatches_pairs(ctx: Context) -> None:
    for number, (xb, tb) in enumerate(_one_epoch(ctx), start=1):
        _expect_paired(number, xb, tb)


@check("minibatches", "2_1", N_("batches have batch_size rows (the last may be smaller)"))
def minibatches_batch_sizes(ctx: Context) -> None:
    sizes = [len(xb) for xb, _tb in _one_epoch(ctx)]
    if any(s != _BATCH for s in sizes[:-1]) or (sizes and not 0 < sizes[-1] <= _BATCH):
        raise Failure(
            _("batch sizes {sizes} for batch_size = {size}").format(sizes=sizes, size=_BATCH),
            _("[5, 5, 5, 5, 3] (or ending in a full 5)"),
            str(sizes),
        )


@check(
    "minibatches",
    "2_1",
    N_("the samples are shuffled"),
    limitation=N_(
        "a fixed order is a valid sampler; mini-batch learning usually shuffles every epoch"
    ),
)
def minibatches_shuffles(ctx: Context) -> None:
    order = np.concatenate([xb[:, 0] for xb, _tb in _one_epoch(ctx)])
    if np.array_equal(order, np.arange(len(order))):
        raise Failure(
            _("one epoch gives the samples in their stored order 0, 1, 2, …"),
            _("a shuffled order"),
            describe(order),
            _("shuffle with np.random.permutation(N) at the start of each epoch"),
        )


# --------------------------------------------------------------------------- SGD


def _sgd_problem(ctx: Context):
    params = {"W1": ctx.rng.standard_normal((2, 3)), "b1": ctx.rng.standard_normal(3)}
    grads = {k: ctx.rng.standard_normal(p.shape) for k, p in params.items()}
    return params, grads


def _optimizer(ctx: Context, lr: float):
    return call_with(ctx.obj, [(("lr", "learning_rate", "eta", "alpha"), lr)])


@check("SGD", "2_9", N_("update(params, grads) gives W - lr · grad"))
def sgd_update(ctx: Context) -> None:
    params, grads = _sgd_problem(ctx)
    before = {k: p.copy() for k, p in params.items()}
    _optimizer(ctx, 0.1).update(params, grads)
    for key in params:
        expect_close(
            params[key],
            before[key] - 0.1 * grads[key],
            _("params[{key}] after update with lr = 0.1").format(key=repr(key)),
            causes=[
                (_("moves uphill: W = W - lr * grad (minus)"), before[key] + 0.1 * grads[key]),
                (_("params are unchanged: update must change params[key]"), before[key]),
                (_("ignores lr (the step matches lr = 0.01)"), before[key] - 0.01 * grads[key]),
            ],
        )


@check(
    "SGD",
    "2_9",
    N_("update changes the parameter arrays in place"),
    limitation=N_(
        "it matters once layers hold the parameter arrays (2_16, 2_18); "
        "a net that reads self.params each time still trains"
    ),
)
def sgd_in_place(ctx: Context) -> None:
    params, grads = _sgd_problem(ctx)
    arrays = dict(params)
    before = {k: p.copy() for k, p in params.items()}
    expected = {k: p - 0.1 * grads[k] for k, p in params.items()}
    _optimizer(ctx, 0.1).update(params, grads)
    for key, array in arrays.items():
        expect_close(
            array,
            expected[key],
            _("the original array of params[{key}] after update").format(key=repr(key)),
            causes=[
                (
                    _(
                        "params[key] = params[key] - lr * grads[key] puts a new array in the dict while "
                        "the layers keep the old one: update in place, params[key] -= lr * grads[key]"
                    ),
                    before[key],  # the original array left as it was: the dict holds a new one
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


@check("train", "2_10", N_("training lowers the loss of deepkiso's TwoLayerNet"))
def train_loss_falls(ctx: Context) -> None:
    net, _x, _t, before, after, arrays = _train(ctx)
    if after < before:
        return
    rebound = [k for k, a in arrays.items() if net.params[k] is not a]
    if rebound:
        cause = _(
            "net.params[{key}] was replaced by a new array, which the net's layers do not see: "
            "update in place, network.params[key] -= learning_rate * grad[key]"
        ).format(key=repr(rebound[0]))
    elif after == before:
        cause = _(
            "the parameters never changed: update network.params[key] -= learning_rate * grad[key]"
        )
    else:
        cause = _("the parameters moved uphill: subtract the gradient, W -= learning_rate * grad")
    raise Failure(
        _("the loss went from {before:.6g} to {after:.6g}").format(before=before, after=after),
        _("below {before:.6g}").format(before=before),
        f"{after:.6g}",
        cause,
    )


@check(
    "train",
    "2_18",
    N_("training uses backpropagation (network.gradient)"),
    limitation=N_("2_10 trains with numerical_gradient; 2_18 asks for the faster backpropagation"),
)
def train_uses_backprop(ctx: Context) -> None:
    net = _train(ctx)[0]
    calls = net.calls
    if calls["gradient"] == 0:
        raise Failure(
            _("the loop called numerical_gradient {count} times and gradient never").format(
                count=calls["numerical_gradient"]
            ),
            "network.gradient(x_batch, t_batch)",
            "network.numerical_gradient(x_batch, t_batch)",
            _("use grad = network.gradient(x_batch, t_batch), computed by backpropagation"),
        )
