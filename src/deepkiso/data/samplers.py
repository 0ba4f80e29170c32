"""Mini-batch samplers: which samples make up each mini-batch, epoch after epoch.

Exercise 2_1 (ミニバッチ学習) asks how data is handed to training: with replacement (復元抽出) or
without (非復元抽出), when to shuffle, rare labels first, a constant label ratio per batch (層化).
Each sampler here answers one way. A sampler yields int64 index arrays, one per mini-batch;
``iterate_minibatches`` gathers ``x[idx], t[idx]`` with them. No sampler touches the data itself,
so an epoch costs one index array of N int64, never a copy of the data set.

Common rules (see ``Sampler``): one epoch is ``len(sampler)`` = ceil(N / batch_size) batches, the
last one smaller when batch_size does not divide N; with ``drop_last`` it is floor(N / batch_size)
full batches and the N mod batch_size samples left over are skipped for that epoch. Every sampler is
deterministic for an int seed or a ``numpy.random.Generator`` (``rng=``), and ``state_dict()`` taken after any batch
lets a fresh sampler built with the same arguments continue with exactly the same batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard, cast

import numpy as np

from deepkiso._deprecation import renamed_keyword
from deepkiso.data.stratify import stratified_batch_counts
from deepkiso.functions import to_labels
from deepkiso.i18n import _


class Sampler:
    """Base class: yields the index arrays of one epoch at a time.

    n_samples: N, the size of the data set. batch_size: samples per batch (the last batch of an
    epoch may be smaller unless drop_last). rng: an int seed, a numpy Generator (used, and advanced, as
    it is) or None for fresh entropy.
    Subclasses say how an epoch's order is made (``_make_order``) and when a new one is needed
    (``_needs_new_order``); the base class slices the order into batches and keeps the state.
    """

    name = ""
    needs_labels = False
    options: tuple[str, ...] = ()

    @renamed_keyword("seed", "rng")
    def __init__(
        self,
        n_samples: int,
        batch_size: int,
        *,
        rng: int | np.random.Generator | None = 0,
        drop_last: bool = False,
    ) -> None:
        _check_positive_int("n_samples", n_samples)
        _check_positive_int("batch_size", batch_size)
        if drop_last and batch_size > n_samples:
            raise ValueError(
                _(
                    "drop_last with batch_size {batch_size} > n_samples {n_samples} "
                    "leaves no batch per epoch"
                ).format(batch_size=batch_size, n_samples=n_samples)
            )
        self.n_samples = int(n_samples)
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)
        self.rng = np.random.default_rng(rng)
        n_batches = (
            self.n_samples // self.batch_size
            if drop_last
            else -(-self.n_samples // self.batch_size)
        )
        self.epoch_size = n_batches * self.batch_size if drop_last else self.n_samples
        # Python ints, not numpy ones: slicing with them is the cheapest per-batch work there is
        self._bounds = [min(i * self.batch_size, self.epoch_size) for i in range(n_batches + 1)]
        self._epochs_done = 0
        self._batches_done = 0  # batches handed out of the epoch in progress; 0: none in progress
        self._order: np.ndarray | None = None  # (epoch_size,) int64, the order in use
        self._order_epoch: int | None = None  # the epoch at which that order was drawn
        # the generator's state just before that draw
        self._order_rng_state: Mapping[str, Any] | None = None
        self._iterator_id = 0

    def __len__(self) -> int:
        """Batches per epoch: ceil(N / batch_size), or floor(N / batch_size) with drop_last."""
        return len(self._bounds) - 1

    @property
    def epochs_done(self) -> int:
        """Epochs whose last batch has been handed out."""
        return self._epochs_done

    @property
    def batches_done(self) -> int:
        """Batches handed out of the epoch in progress (0 between epochs)."""
        return self._batches_done

    def epoch(self) -> Iterator[np.ndarray]:
        """Yield the batches of the next epoch as int64 index arrays, shape (batch_size,) or less.

        If an epoch is in progress (its iterator was left early, or load_state_dict restored one
        mid-epoch), yields the rest of that epoch instead. The arrays are read-only slices of the
        epoch's order. A later call to epoch() or load_state_dict() retires this iterator: using it
        again raises RuntimeError rather than mixing two orders.
        """
        self._iterator_id += 1
        return self._iterate(self._iterator_id)

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly from here, as JSON-serialisable values.

        Holds the settings (checked by load_state_dict), the epoch counters, and the generator's
        state (its bit_generator.state) now and just before the order in use was drawn; the order
        itself is drawn again from that state rather than stored. A batch counts as done as soon
        as it has been handed out, so take the state after training on it.
        """
        return {
            "sampler": self.name,
            "n_samples": self.n_samples,
            "batch_size": self.batch_size,
            "drop_last": self.drop_last,
            **self._settings(),
            "epochs_done": self._epochs_done,
            "batches_done": self._batches_done,
            "order_epoch": self._order_epoch,
            "order_rng_state": _jsonable(self._order_rng_state),
            "rng_state": _jsonable(self.rng.bit_generator.state),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from state (from state_dict() of a sampler built with the same arguments).

        Raises ValueError listing every missing key and every setting that differs from this
        sampler's, or naming a counter or generator state that cannot be right.
        """
        expected = self.state_dict()
        missing = sorted(set(expected) - set(state))
        if missing:
            raise ValueError(
                _("{sampler}.load_state_dict: state lacks {missing}").format(
                    sampler=type(self).__name__, missing=missing
                )
            )
        settings = ["sampler", "n_samples", "batch_size", "drop_last", *self._settings()]
        mismatches = [
            _("{key} is {saved!r} in the state but {here!r} here").format(
                key=key, saved=state[key], here=expected[key]
            )
            for key in settings
            if state[key] != expected[key]
        ]
        if mismatches:
            raise ValueError(
                _("{sampler}.load_state_dict: state is from another sampler: {mismatches}").format(
                    sampler=type(self).__name__, mismatches="; ".join(mismatches)
                )
            )
        epochs_done, batches_done, order_epoch = (
            state["epochs_done"],
            state["batches_done"],
            state["order_epoch"],
        )
        _check_count("epochs_done", epochs_done)
        _check_count("batches_done", batches_done, len(self))
        if order_epoch is not None:
            _check_count("order_epoch", order_epoch, epochs_done + 1)
        elif batches_done > 0:
            raise ValueError(_("load_state_dict: an epoch is in progress but order_epoch is None"))
        rng_state = self._restore_rng_state("rng_state", state["rng_state"])
        order_rng_state = None
        if order_epoch is not None:
            order_rng_state = self._restore_rng_state("order_rng_state", state["order_rng_state"])
        self.rng.bit_generator.state = rng_state
        self._epochs_done, self._batches_done = epochs_done, batches_done
        self._order_epoch, self._order_rng_state = order_epoch, order_rng_state
        self._order = None  # drawn again from order_rng_state when needed
        self._iterator_id += 1

    def _settings(self) -> dict[str, Any]:
        """Settings beyond n_samples, batch_size and drop_last that the order depends on."""
        return {}

    def _needs_new_order(self, epoch: int) -> bool:
        """Whether epoch (counted from 0) starts with a freshly drawn order."""
        return True

    def _make_order(self, rng: np.random.Generator) -> np.ndarray:
        """The order of one epoch: (epoch_size,) int64 indices, drawn with rng only."""
        raise NotImplementedError

    def _iterate(self, iterator_id: int) -> Iterator[np.ndarray]:
        if self._batches_done == 0:
            self._begin_epoch()
        elif self._order is None:
            self._order = self._redraw_order()
        order, bounds, last = self._order, self._bounds, len(self) - 1
        assert order is not None  # _begin_epoch or _redraw_order has just set it
        while True:
            if iterator_id != self._iterator_id:
                raise RuntimeError(
                    _("this epoch iterator was retired by a later epoch() or load_state_dict()")
                )
            i = self._batches_done
            if i == last:
                # count the epoch as done before handing out its last batch, so a state_dict taken
                # right after that batch starts the next epoch on resume
                self._batches_done = 0
                self._epochs_done += 1
                yield order[bounds[i] : bounds[i + 1]]
                return
            self._batches_done = i + 1
            yield order[bounds[i] : bounds[i + 1]]

    def _begin_epoch(self) -> None:
        if self._order_epoch is None or self._needs_new_order(self._epochs_done):
            self._order_rng_state = self.rng.bit_generator.state
            self._order_epoch = self._epochs_done
            self._order = self._make_order(self.rng)
            # read-only, so no caller can change the order of the batches still to come
            self._order.flags.writeable = False
        elif self._order is None:
            self._order = self._redraw_order()

    def _redraw_order(self) -> np.ndarray:
        """The order in use, drawn again from the generator state saved before it was drawn."""
        current = self.rng.bit_generator.state
        assert self._order_rng_state is not None  # saved with the order it drew
        self.rng.bit_generator.state = self._order_rng_state
        order = self._make_order(self.rng)
        self.rng.bit_generator.state = current
        order.flags.writeable = False
        return order

    def _restore_rng_state(self, key: str, value: Any) -> dict[str, Any]:
        """value (as state_dict wrote it) turned back into a state this sampler's generator takes."""
        template = self.rng.bit_generator.state
        try:
            restored: dict[str, Any] = _like(value, template)
            type(self.rng.bit_generator)().state = restored  # a scratch generator tries it first
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            kind = template["bit_generator"]
            raise ValueError(
                _(
                    "load_state_dict: {key} is not a state of this sampler's {kind} generator "
                    "({error!r})"
                ).format(key=key, kind=kind, error=exc)
            ) from exc
        return restored


class SequentialSampler(Sampler):
    """The data's own order, every epoch: batches 0..B-1, B..2B-1, ... (no randomness; rng unused).

    Epoch: each index exactly once, in order (with drop_last the last N mod batch_size never
    appear). Useful for evaluation, and to see why training on sorted data goes wrong.
    """

    name = "sequential"

    def _needs_new_order(self, epoch: int) -> bool:
        return False

    def _make_order(self, rng: np.random.Generator) -> np.ndarray:
        return np.arange(self.epoch_size, dtype=np.int64)


class ShuffleSampler(Sampler):
    """Shuffled without replacement (非復元抽出): each epoch is a random permutation, cut into batches.

    Epoch: each index exactly once (with drop_last, N mod batch_size indices are skipped: the
    permutation's tail, so different ones each time the order is reshuffled).
    shuffle_every: when a new permutation is drawn.
        "epoch" (default): before every epoch.   k (int >= 1): before epochs 0, k, 2k, ...
        "once": before the first epoch only.      "never": the data's own order, as "sequential".
    """

    name = "shuffle"
    options = ("shuffle_every",)

    @renamed_keyword("seed", "rng")
    def __init__(
        self,
        n_samples: int,
        batch_size: int,
        *,
        rng: int | np.random.Generator | None = 0,
        drop_last: bool = False,
        shuffle_every: str | int = "epoch",
    ) -> None:
        valid_int = _is_int(shuffle_every) and shuffle_every >= 1
        if not valid_int and shuffle_every not in ("epoch", "once", "never"):
            raise ValueError(
                _(
                    "shuffle_every must be 'epoch', 'once', 'never' or an int k >= 1, got {value!r}"
                ).format(value=shuffle_every)
            )
        super().__init__(n_samples, batch_size, rng=rng, drop_last=drop_last)
        self.shuffle_every = shuffle_every

    def _settings(self) -> dict[str, Any]:
        return {"shuffle_every": self.shuffle_every}

    def _needs_new_order(self, epoch: int) -> bool:
        if self.shuffle_every == "epoch":
            return True
        if self.shuffle_every in ("once", "never"):
            return False
        assert not isinstance(self.shuffle_every, str)  # an int k >= 1, checked in __init__
        return epoch % self.shuffle_every == 0

    def _make_order(self, rng: np.random.Generator) -> np.ndarray:
        if self.shuffle_every == "never":
            return np.arange(self.epoch_size, dtype=np.int64)
        return rng.permutation(self.n_samples)[: self.epoch_size].astype(np.int64, copy=False)


class ReplacementSampler(Sampler):
    """I.i.d. with replacement (復元抽出): every index of every batch uniform over 0..N-1.

    Epoch: len(sampler) batches, epoch_size draws in all (N, or a multiple of batch_size with
    drop_last); a sample may appear several times or not at all (about 1/e = 37 % of the data is
    missed in each epoch).
    """

    name = "replacement"

    def _make_order(self, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.n_samples, size=self.epoch_size, dtype=np.int64)


class _LabelSampler(Sampler):
    """Base for samplers that look at the labels: (N,) ints, or (N, C) one-hot rows."""

    needs_labels = True

    @renamed_keyword("seed", "rng")
    def __init__(
        self,
        labels: np.ndarray,
        batch_size: int,
        *,
        rng: int | np.random.Generator | None = 0,
        drop_last: bool = False,
    ) -> None:
        self.labels = labels
        class_of_sample = _class_indices(labels)
        super().__init__(len(class_of_sample), batch_size, rng=rng, drop_last=drop_last)
        self.classes, self.class_counts = np.unique(class_of_sample, return_counts=True)
        # indices grouped by class: members of class k are by_class[starts[k]:starts[k + 1]]
        self._by_class = np.argsort(class_of_sample, kind="stable").astype(np.int64)
        self._starts = np.concatenate([[0], np.cumsum(self.class_counts)])
        self._labels_sha256 = hashlib.sha256(
            np.ascontiguousarray(class_of_sample, dtype="<i8").tobytes()
        ).hexdigest()

    def _members(self, k: int) -> np.ndarray:
        return self._by_class[self._starts[k] : self._starts[k + 1]]

    def _settings(self) -> dict[str, Any]:
        return {"labels_sha256": self._labels_sha256}


class StratifiedSampler(_LabelSampler):
    """Stratified (層化抽出), without replacement: every batch keeps the data set's label proportions.

    With p_c = n_c / N the share of class c, a batch of b samples holds floor(b p_c) or
    ceil(b p_c) samples of class c (so within one sample of its share), and the running total of
    class c after any number of batches stays within one sample of its share of the samples
    handed out so far. Epoch: each index exactly once (with drop_last, the skipped N mod batch_size
    come from the classes' tails, different ones each epoch).
    How: the per-batch class counts are fixed once (for full batches, which classes get the
    ceil(b p_c) is scheduled earliest-deadline-first against the running-total bound; the last,
    smaller batch takes what is left); each epoch shuffles every class's members and deals them
    into their class's places. Within a batch the samples are grouped by class.
    """

    name = "stratified"

    @renamed_keyword("seed", "rng")
    def __init__(
        self,
        labels: np.ndarray,
        batch_size: int,
        *,
        rng: int | np.random.Generator | None = 0,
        drop_last: bool = False,
    ) -> None:
        super().__init__(labels, batch_size, rng=rng, drop_last=drop_last)
        self.batch_class_counts = stratified_batch_counts(
            self.class_counts, self.batch_size, len(self)
        )
        # where in an epoch's order each class's samples go: (counts per class,) positions
        owner = np.repeat(
            np.tile(np.arange(len(self.classes)), len(self)), self.batch_class_counts.ravel()
        )
        by_owner = np.argsort(owner, kind="stable")
        self._places = np.split(by_owner, np.cumsum(self.batch_class_counts.sum(axis=0))[:-1])

    def _make_order(self, rng: np.random.Generator) -> np.ndarray:
        order = np.empty(self.epoch_size, dtype=np.int64)
        for k, places in enumerate(self._places):
            order[places] = rng.permutation(self._members(k))[: len(places)]
        return order


class RareFirstSampler(_LabelSampler):
    """Rare labels first (出現頻度の少ないラベルから順に学習させる), without replacement.

    Each epoch's order lists all samples of the least frequent label, then all of the next least
    frequent, and so on: labels sorted by their count ascending, ties by label value; the samples
    of one label shuffled afresh every epoch. Batches are consecutive slices of that order, so early
    batches hold the rare labels and later ones the frequent labels. Epoch: each index exactly once
    (with drop_last, the skipped N mod batch_size are samples of the most frequent label).
    """

    name = "rare-first"

    @renamed_keyword("seed", "rng")
    def __init__(
        self,
        labels: np.ndarray,
        batch_size: int,
        *,
        rng: int | np.random.Generator | None = 0,
        drop_last: bool = False,
    ) -> None:
        super().__init__(labels, batch_size, rng=rng, drop_last=drop_last)
        # lexsort sorts by its last key first: count ascending, then label ascending
        self._ranks = np.lexsort((self.classes, self.class_counts))  # class positions, rarest first
        self.label_order = self.classes[self._ranks]

    def _make_order(self, rng: np.random.Generator) -> np.ndarray:
        order = np.concatenate([rng.permutation(self._members(k)) for k in self._ranks])
        return order[: self.epoch_size]


class BalancedSampler(_LabelSampler):
    """Class-balanced, with replacement (復元抽出): every draw picks a label uniformly, then a sample of it.

    Each label that occurs is equally likely in every draw (probability 1 / n_classes), whatever its
    count; within the label every sample is equally likely. Epoch: len(sampler) batches, epoch_size
    draws in all; rare samples repeat and frequent ones are missed.
    """

    name = "balanced"

    def _make_order(self, rng: np.random.Generator) -> np.ndarray:
        k = rng.integers(0, len(self.classes), size=self.epoch_size)
        within = rng.integers(0, self.class_counts[k])
        return self._by_class[self._starts[k] + within]


# Each sampler class by its name. (experiments/ has a table of sampler *names* with options, hence
# the distinct name; SAMPLERS is this one's old name, kept for one release.)
SAMPLER_CLASSES: dict[str, type[Sampler]] = {
    cls.name: cls
    for cls in (
        SequentialSampler,
        ShuffleSampler,
        ReplacementSampler,
        StratifiedSampler,
        RareFirstSampler,
        BalancedSampler,
    )
}
SAMPLERS = SAMPLER_CLASSES


@renamed_keyword("seed", "rng")
def make_sampler(
    name: str,
    *,
    n_samples: int,
    labels: np.ndarray | None = None,
    batch_size: int,
    rng: int | np.random.Generator | None = 0,
    drop_last: bool = False,
    **options: Any,
) -> Sampler:
    """The sampler called name (a key of SAMPLER_CLASSES) for a data set of n_samples samples.

    labels: (n_samples,) int class labels or (n_samples, C) one-hot rows; needed by "stratified",
    "rare-first" and "balanced", ignored by the others. options: "shuffle" takes shuffle_every.
    """
    if name not in SAMPLER_CLASSES:
        raise ValueError(
            _("unknown sampler {name!r}; choose one of {choices}").format(
                name=name, choices=sorted(SAMPLER_CLASSES)
            )
        )
    cls = SAMPLER_CLASSES[name]
    unknown = sorted(set(options) - set(cls.options))
    if unknown:
        raise ValueError(
            _("sampler {name!r} takes {options}, got {unknown}").format(
                name=name, options=list(cls.options) or _("no options"), unknown=unknown
            )
        )
    if not cls.needs_labels:
        return cls(n_samples, batch_size, rng=rng, drop_last=drop_last, **options)
    if labels is None:
        raise ValueError(
            _(
                "sampler {name!r} needs labels (class labels of the {n_samples} samples), got None"
            ).format(name=name, n_samples=n_samples)
        )
    if len(labels) != n_samples:
        raise ValueError(
            _("sampler {name!r}: expected labels for {n_samples} samples, got {got}").format(
                name=name, n_samples=n_samples, got=len(labels)
            )
        )
    label_sampler = cast("type[_LabelSampler]", cls)  # needs_labels: it takes the labels first
    return label_sampler(labels, batch_size, rng=rng, drop_last=drop_last, **options)


def iterate_minibatches(
    x: np.ndarray, t: np.ndarray, sampler: Sampler
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of mini-batches (x[idx], t[idx]), gathered with np.take along axis 0.

    x: (N, ...) inputs, t: (N, ...) targets, N = sampler.n_samples.
    Yields (x_batch (B, ...), t_batch (B, ...)) with B = sampler.batch_size (the last may be smaller).
    """
    if len(x) != sampler.n_samples or len(t) != sampler.n_samples:
        raise ValueError(
            _(
                "iterate_minibatches: sampler is for {n_samples} samples, "
                "got x of shape {x_shape} and t of shape {t_shape}"
            ).format(n_samples=sampler.n_samples, x_shape=np.shape(x), t_shape=np.shape(t))
        )
    for idx in sampler.epoch():
        yield np.take(x, idx, axis=0), np.take(t, idx, axis=0)


def _class_indices(labels: np.ndarray) -> np.ndarray:
    """labels as (N,) int64: class labels as they are, one-hot (N, C) rows by their argmax."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return to_labels(labels).astype(np.int64)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            _(
                "labels must be (N,) integer class labels or (N, C) one-hot rows, "
                "got {dtype} of shape {shape}"
            ).format(dtype=labels.dtype, shape=labels.shape)
        )
    if len(labels) == 0:
        raise ValueError(_("labels must not be empty"))
    return labels.astype(np.int64, copy=False)


def _check_positive_int(name: str, value: Any) -> None:
    if not _is_int(value) or value < 1:
        raise ValueError(
            _("{name} must be a positive integer, got {value!r}").format(name=name, value=value)
        )


def _check_count(name: str, value: Any, stop: int | None = None) -> None:
    if not _is_int(value) or value < 0 or (stop is not None and value >= stop):
        allowed = _("in [0, {stop})").format(stop=stop) if stop is not None else _(">= 0")
        raise ValueError(
            _("load_state_dict: {name} must be an integer {allowed}, got {value!r}").format(
                name=name, allowed=allowed, value=value
            )
        )


def _is_int(value: Any) -> TypeGuard[int | np.integer[Any]]:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _jsonable(value: Any) -> Any:
    """A generator state with its numpy arrays and scalars turned into lists and ints."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.integer):
        return int(value)
    return value


def _like(value: Any, template: Any) -> Any:
    """value with lists turned back into arrays wherever template holds an array."""
    if isinstance(template, dict):
        if not isinstance(value, dict) or set(value) != set(template):
            raise KeyError(_("expected keys {keys}").format(keys=sorted(template)))
        return {key: _like(value[key], template[key]) for key in template}
    if isinstance(template, np.ndarray):
        return np.asarray(value, dtype=template.dtype)
    return value
