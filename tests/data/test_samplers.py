"""Tests for deepkiso.data.samplers: the law each sampler promises, determinism and exact resume."""

import json
import math
import runpy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepkiso.data import SAMPLERS, Sampler, iterate_minibatches, make_sampler
from deepkiso.data.samplers import SAMPLER_CLASSES, ShuffleSampler, stratified_batch_counts

LABEL_SAMPLERS = ["stratified", "rare-first", "balanced"]
RANDOM_SAMPLERS = ["shuffle", "replacement", "stratified", "rare-first", "balanced"]
# every sampler, plus the shuffle timings that keep an order across epochs
VARIANTS = [(name, {}) for name in SAMPLERS] + [
    ("shuffle", {"shuffle_every": 2}),
    ("shuffle", {"shuffle_every": "once"}),
    ("shuffle", {"shuffle_every": "never"}),
]


@st.composite
def labelled_sets(draw, max_samples=120):
    """(labels (N,), batch_size, drop_last, seed) with a few classes of uneven size."""
    n_classes = draw(st.integers(1, 6))
    counts = draw(
        st.lists(st.integers(1, max_samples // n_classes), min_size=n_classes, max_size=n_classes)
    )
    labels = np.repeat(np.arange(n_classes), counts)
    labels = np.random.default_rng(draw(st.integers(0, 99))).permutation(labels)
    drop_last = draw(st.booleans())
    batch_size = draw(st.integers(1, len(labels) if drop_last else len(labels) + 3))
    return labels, batch_size, drop_last, draw(st.integers(0, 2**32 - 1))


def build(name, labels, batch_size, drop_last=False, rng=0, **options):
    return make_sampler(
        name,
        n_samples=len(labels),
        labels=labels,
        batch_size=batch_size,
        rng=rng,
        drop_last=drop_last,
        **options,
    )


def epochs(sampler, n_epochs):
    return [[batch.copy() for batch in sampler.epoch()] for _ in range(n_epochs)]


def check_batch_sizes(sampler, batches):
    n, b = sampler.n_samples, sampler.batch_size
    expected_batches = n // b if sampler.drop_last else math.ceil(n / b)
    assert len(batches) == len(sampler) == expected_batches
    assert all(len(batch) == b for batch in batches[:-1])
    assert len(batches[-1]) == (b if sampler.drop_last else n - (expected_batches - 1) * b)


@settings(max_examples=40, deadline=None)
@given(labelled_sets(), st.sampled_from(["sequential", "shuffle", "stratified", "rare-first"]))
def test_sampling_without_replacement_yields_each_index_once_per_epoch(case, name):
    labels, batch_size, drop_last, seed = case
    sampler = build(name, labels, batch_size, drop_last, seed)
    for batches in epochs(sampler, 2):
        check_batch_sizes(sampler, batches)
        seen = np.concatenate(batches)
        assert seen.dtype == np.int64
        if drop_last:
            assert len(np.unique(seen)) == len(seen) == len(labels) // batch_size * batch_size
        else:
            np.testing.assert_array_equal(np.sort(seen), np.arange(len(labels)))


@settings(max_examples=40, deadline=None)
@given(labelled_sets(), st.sampled_from(["replacement", "balanced"]))
def test_sampling_with_replacement_keeps_the_epoch_length_and_index_range(case, name):
    labels, batch_size, drop_last, seed = case
    sampler = build(name, labels, batch_size, drop_last, seed)
    batches = epochs(sampler, 1)[0]
    check_batch_sizes(sampler, batches)
    seen = np.concatenate(batches)
    assert seen.dtype == np.int64 and seen.min() >= 0 and seen.max() < len(labels)


def test_sequential_yields_the_data_order():
    sampler = make_sampler("sequential", n_samples=7, batch_size=3)
    assert [b.tolist() for b in sampler.epoch()] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in sampler.epoch()] == [[0, 1, 2], [3, 4, 5], [6]]
    dropping = make_sampler("sequential", n_samples=7, batch_size=3, drop_last=True)
    assert [b.tolist() for b in dropping.epoch()] == [[0, 1, 2], [3, 4, 5]]


def test_shuffle_every_sets_when_a_new_permutation_is_drawn():
    def orders(shuffle_every):
        sampler = make_sampler("shuffle", n_samples=50, batch_size=10, shuffle_every=shuffle_every)
        return [np.concatenate(batches).tolist() for batches in epochs(sampler, 5)]

    every = orders("epoch")
    assert all(every[i] != every[i + 1] for i in range(4))
    every_2 = orders(2)
    assert every_2[0] == every_2[1] != every_2[2] == every_2[3] != every_2[4]
    once = orders("once")
    assert once[0] != list(range(50)) and all(order == once[0] for order in once)
    assert all(order == list(range(50)) for order in orders("never"))


def test_replacement_draws_uniformly_and_independently():
    n_samples, batch_size, n_epochs = 50, 10, 2000
    sampler = make_sampler("replacement", n_samples=n_samples, batch_size=batch_size, rng=1)
    batches = np.array([batch for _ in range(n_epochs) for batch in sampler.epoch()])
    counts = np.bincount(batches.ravel(), minlength=n_samples)
    expected = n_epochs * n_samples / n_samples
    chi_square = np.sum((counts - expected) ** 2 / expected)
    # 49 degrees of freedom: mean 49, sd about 10; 100 is beyond the 99.99th percentile
    assert chi_square < 100
    # i.i.d. draws repeat inside a batch as often as chance says: 1 - (49/50)(48/50)...(41/50)
    p_repeat = 1 - np.prod([(n_samples - i) / n_samples for i in range(batch_size)])
    repeats = np.mean([len(np.unique(batch)) < batch_size for batch in batches])
    assert abs(repeats - p_repeat) < 4 * math.sqrt(p_repeat * (1 - p_repeat) / len(batches))


def test_replacement_misses_about_a_third_of_the_data_each_epoch():
    sampler = make_sampler("replacement", n_samples=10_000, batch_size=100, rng=0)
    distinct = len(np.unique(np.concatenate(list(sampler.epoch()))))
    assert abs(distinct / 10_000 - (1 - math.exp(-1))) < 0.01


@settings(max_examples=50, deadline=None)
@given(labelled_sets())
def test_stratified_keeps_label_proportions_in_every_batch(case):
    labels, batch_size, drop_last, seed = case
    sampler = build("stratified", labels, batch_size, drop_last, seed)
    shares = np.bincount(labels) / len(labels)
    for batches in epochs(sampler, 2):
        handed_out = np.zeros(len(shares))
        for batch in batches:
            counts = np.bincount(labels[batch], minlength=len(shares))
            assert np.all(np.abs(counts - len(batch) * shares) < 1)
            handed_out += counts
            assert np.all(np.abs(handed_out - handed_out.sum() * shares) < 1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 2000), min_size=1, max_size=40), st.data())
def test_stratified_batch_counts_stay_within_one_of_every_share(class_counts, data):
    counts = np.array(class_counts)
    n_total = int(counts.sum())
    batch_size = data.draw(st.integers(1, min(n_total, 500)))
    drop_last = data.draw(st.booleans())
    n_batches = n_total // batch_size if drop_last else -(-n_total // batch_size)
    table = stratified_batch_counts(counts, batch_size, n_batches)
    sizes = table.sum(axis=1)
    shares = counts / n_total
    assert np.all(sizes[: n_total // batch_size] == batch_size)
    assert np.all(np.abs(table - sizes[:, None] * shares) < 1)
    running = np.cumsum(table, axis=0)
    assert np.all(np.abs(running - np.cumsum(sizes)[:, None] * shares) < 1)
    if not drop_last:
        np.testing.assert_array_equal(running[-1], counts)


@settings(max_examples=40, deadline=None)
@given(labelled_sets())
def test_rare_first_orders_labels_by_frequency_then_label(case):
    labels, batch_size, _, seed = case
    sampler = build("rare-first", labels, batch_size, rng=seed)
    counts = np.bincount(labels)
    rank_of_label = np.argsort(np.lexsort((np.arange(len(counts)), counts)))
    for batches in epochs(sampler, 2):
        ranks = rank_of_label[labels[np.concatenate(batches)]]
        assert np.all(np.diff(ranks) >= 0)


def test_rare_first_shuffles_within_a_label_every_epoch():
    labels = np.array([0] * 30 + [1] * 5 + [2] * 5)
    first, second = epochs(build("rare-first", labels, 8), 2)
    assert labels[np.concatenate(first)][:10].tolist() == [1] * 5 + [2] * 5
    assert np.concatenate(first).tolist() != np.concatenate(second).tolist()


def test_balanced_draws_each_label_equally_often_whatever_its_count():
    labels = np.repeat([0, 1, 2, 3], [400, 40, 8, 2])
    sampler = build("balanced", labels, batch_size=50, rng=3)
    drawn = np.concatenate(
        [np.concatenate(list(sampler.epoch())) for _ in range(40)]
    )  # 18,000 draws
    per_label = np.bincount(labels[drawn], minlength=4)
    expected = len(drawn) / 4
    assert np.sum((per_label - expected) ** 2 / expected) < 20  # 3 degrees of freedom
    rare = np.bincount(drawn[labels[drawn] == 3], minlength=450)[
        448:
    ]  # label 3 is samples 448 and 449
    assert abs(rare[0] - rare[1]) < 4 * math.sqrt(rare.sum() / 2)


@pytest.mark.parametrize("name, options", VARIANTS)
def test_same_seed_gives_the_same_batches(name, options):
    labels = np.random.default_rng(0).integers(0, 4, size=53)
    first = epochs(build(name, labels, 8, rng=5, **options), 3)
    second = epochs(build(name, labels, 8, rng=np.random.default_rng(5), **options), 3)
    assert all(
        np.array_equal(a, b)
        for x, y in zip(first, second, strict=True)
        for a, b in zip(x, y, strict=True)
    )


@pytest.mark.parametrize("name", RANDOM_SAMPLERS)
def test_different_seeds_give_different_batches(name):
    labels = np.random.default_rng(0).integers(0, 4, size=53)
    first = np.concatenate(epochs(build(name, labels, 8, rng=1), 1)[0])
    second = np.concatenate(epochs(build(name, labels, 8, rng=2), 1)[0])
    assert not np.array_equal(first, second)


@settings(max_examples=30, deadline=None)
@given(labelled_sets(max_samples=60), st.sampled_from(VARIANTS), st.data())
def test_resuming_mid_epoch_continues_exactly_like_an_uninterrupted_run(case, variant, data):
    labels, batch_size, drop_last, seed = case
    name, options = variant
    uninterrupted = [
        batch
        for epoch in epochs(build(name, labels, batch_size, drop_last, seed, **options), 4)
        for batch in epoch
    ]
    stop_after = data.draw(st.integers(0, len(uninterrupted) - 1), label="batches before the stop")

    interrupted = build(name, labels, batch_size, drop_last, seed, **options)
    taken = []
    while len(taken) <= stop_after:
        for batch in interrupted.epoch():
            taken.append(batch.copy())
            if len(taken) > stop_after:
                break
    state = json.loads(json.dumps(interrupted.state_dict()))

    resumed = build(
        name, labels, batch_size, drop_last, seed + 1, **options
    )  # its own seed is overwritten
    resumed.load_state_dict(state)
    assert resumed.epochs_done == interrupted.epochs_done
    while len(taken) < len(uninterrupted):
        taken.extend(batch.copy() for batch in resumed.epoch())
    assert len(taken) == len(uninterrupted)
    assert all(np.array_equal(a, b) for a, b in zip(taken, uninterrupted, strict=True))


@pytest.mark.parametrize("name, options", VARIANTS)
def test_loading_its_own_state_changes_nothing(name, options):
    labels = np.random.default_rng(0).integers(0, 3, size=40)
    reference, sampler = build(name, labels, 6, **options), build(name, labels, 6, **options)
    expected = [batch for epoch in epochs(reference, 3) for batch in epoch]
    got = []
    for _ in range(3):
        for batch in sampler.epoch():
            got.append(batch.copy())
            if len(got) == 4:
                sampler.load_state_dict(sampler.state_dict())
                break  # load_state_dict retired the iterator; the next epoch() continues the epoch
    while len(got) < len(expected):
        got.extend(batch.copy() for batch in sampler.epoch())
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


def test_a_generator_with_array_state_survives_json():
    labels = np.arange(20) % 3
    sampler = build("stratified", labels, 4, rng=np.random.Generator(np.random.MT19937(7)))
    next(iter(sampler.epoch()))
    state = json.loads(json.dumps(sampler.state_dict()))
    resumed = build("stratified", labels, 4, rng=np.random.Generator(np.random.MT19937(8)))
    resumed.load_state_dict(state)
    np.testing.assert_array_equal(
        np.concatenate(list(resumed.epoch())), np.concatenate(list(sampler.epoch()))
    )


def test_load_state_dict_lists_every_setting_that_differs():
    labels = np.arange(30) % 3
    state = build("stratified", labels, 5).state_dict()
    with pytest.raises(
        ValueError, match=r"batch_size is 5 in the state but 6 here; labels_sha256 is"
    ):
        build("stratified", labels[::-1].copy(), 6).load_state_dict(state)
    with pytest.raises(
        ValueError, match=r"sampler is 'stratified' in the state but 'balanced' here"
    ):
        build("balanced", labels, 5).load_state_dict(state)
    with pytest.raises(ValueError, match=r"shuffle_every is 'epoch' in the state but 3 here"):
        build("shuffle", labels, 5, shuffle_every=3).load_state_dict(
            build("shuffle", labels, 5).state_dict()
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"batches_done": 6}, r"batches_done must be an integer in \[0, 6\), got 6"),
        ({"epochs_done": -1}, r"epochs_done must be an integer >= 0, got -1"),
        (
            {"batches_done": 2, "order_epoch": None},
            r"an epoch is in progress but order_epoch is None",
        ),
        (
            {"rng_state": {"bit_generator": "MT19937"}},
            r"rng_state is not a state of this sampler's PCG64 generator",
        ),
    ],
)
def test_load_state_dict_refuses_impossible_counters_and_states(change, message):
    sampler = make_sampler("shuffle", n_samples=30, batch_size=5)
    next(iter(sampler.epoch()))
    state = sampler.state_dict() | change
    with pytest.raises(ValueError, match=message):
        make_sampler("shuffle", n_samples=30, batch_size=5).load_state_dict(state)


def test_load_state_dict_names_missing_keys():
    state = make_sampler("shuffle", n_samples=30, batch_size=5).state_dict()
    del state["rng_state"], state["epochs_done"]
    with pytest.raises(ValueError, match=r"state lacks \['epochs_done', 'rng_state'\]"):
        make_sampler("shuffle", n_samples=30, batch_size=5).load_state_dict(state)


def test_an_epoch_left_early_continues_at_the_next_call_and_old_iterators_retire():
    sampler = make_sampler("sequential", n_samples=6, batch_size=2)
    first = sampler.epoch()
    assert next(first).tolist() == [0, 1]
    assert sampler.batches_done == 1 and sampler.epochs_done == 0
    assert [b.tolist() for b in sampler.epoch()] == [[2, 3], [4, 5]]
    assert sampler.epochs_done == 1 and sampler.batches_done == 0
    with pytest.raises(RuntimeError, match="retired"):
        next(first)


def test_index_arrays_are_int64_and_read_only():
    batch = next(iter(make_sampler("shuffle", n_samples=10, batch_size=4).epoch()))
    assert batch.dtype == np.int64
    with pytest.raises(ValueError):
        batch[0] = 3


def test_label_samplers_accept_one_hot_rows():
    labels = np.arange(12) % 3
    one_hot = np.eye(3, dtype=np.float32)[labels]
    by_index = epochs(build("stratified", labels, 4), 1)[0]
    by_row = epochs(build("stratified", one_hot, 4), 1)[0]
    assert all(np.array_equal(a, b) for a, b in zip(by_index, by_row, strict=True))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"name": "random"},
            r"unknown sampler 'random'; choose one of \['balanced', 'rare-first', 'replacement', "
            r"'sequential', 'shuffle', 'stratified'\]",
        ),
        ({"name": "stratified"}, r"sampler 'stratified' needs labels"),
        (
            {"name": "balanced", "labels": np.zeros(5, int)},
            r"expected labels for 10 samples, got 5",
        ),
        (
            {"name": "rare-first", "labels": np.zeros(10)},
            r"labels must be \(N,\) integer class labels .* got float64",
        ),
        (
            {"name": "sequential", "shuffle_every": 2},
            r"sampler 'sequential' takes no options, got \['shuffle_every'\]",
        ),
        (
            {"name": "shuffle", "shuffle_every": 0},
            r"shuffle_every must be 'epoch', 'once', 'never' or an int k >= 1, got 0",
        ),
        ({"name": "shuffle", "batch_size": 0}, r"batch_size must be a positive integer, got 0"),
        (
            {"name": "shuffle", "batch_size": 11, "drop_last": True},
            r"drop_last with batch_size 11 > n_samples 10",
        ),
    ],
)
def test_make_sampler_says_what_is_wrong(kwargs, message):
    arguments = {"n_samples": 10, "batch_size": 3} | kwargs
    with pytest.raises(ValueError, match=message):
        make_sampler(**arguments)


def test_iterate_minibatches_gathers_inputs_and_targets_by_index():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    t = np.arange(10) * 10
    sampler = make_sampler("shuffle", n_samples=10, batch_size=4, rng=0)
    reference = make_sampler("shuffle", n_samples=10, batch_size=4, rng=0)
    for (x_batch, t_batch), idx in zip(
        iterate_minibatches(x, t, sampler), reference.epoch(), strict=True
    ):
        np.testing.assert_array_equal(x_batch, x[idx])
        np.testing.assert_array_equal(t_batch, t[idx])


def test_iterate_minibatches_refuses_data_of_another_size():
    sampler = make_sampler("sequential", n_samples=10, batch_size=4)
    with pytest.raises(
        ValueError,
        match=r"sampler is for 10 samples, got x of shape \(9, 2\) and t of shape \(10,\)",
    ):
        next(iterate_minibatches(np.zeros((9, 2)), np.zeros(10), sampler))


def test_every_sampler_class_is_a_sampler_registered_under_its_name():
    for name, cls in SAMPLERS.items():
        assert issubclass(cls, Sampler) and cls.name == name

    def subclasses(cls):
        return [cls] + [sub for child in cls.__subclasses__() for sub in subclasses(child)]

    # every named sampler of the module is registered, and no two share a name (one would hide the other)
    named = [
        cls for cls in subclasses(Sampler) if cls.__module__ == Sampler.__module__ and cls.name
    ]
    assert sorted(cls.name for cls in named) == sorted(SAMPLERS)


def test_the_minibatch_sampling_example_runs(capsys):
    runpy.run_path(
        str(Path(__file__).parents[2] / "examples" / "minibatch_sampling.py"), run_name="__main__"
    )
    out = capsys.readouterr().out
    assert "shuffle      15 batches, 1437 draws, 1437 distinct samples (100.0% of the data)" in out
    assert "replacement  15 batches, 1437 draws" in out


def test_seed_is_a_deprecated_name_of_rng_giving_the_same_batches():
    reference = epochs(build("stratified", LABELS_FOR_ALIAS, 4, rng=3), 2)
    with pytest.warns(DeprecationWarning, match=r"make_sampler: seed= is deprecated.*use rng="):
        old = make_sampler(
            "stratified",
            n_samples=len(LABELS_FOR_ALIAS),
            labels=LABELS_FOR_ALIAS,
            batch_size=4,
            seed=3,
        )
    assert [list(map(list, e)) for e in epochs(old, 2)] == [list(map(list, e)) for e in reference]
    with pytest.warns(DeprecationWarning, match=r"ShuffleSampler: seed= is deprecated"):
        direct = ShuffleSampler(10, 4, seed=5)
    assert np.array_equal(next(direct.epoch()), next(ShuffleSampler(10, 4, rng=5).epoch()))
    with pytest.raises(TypeError, match="not both"):
        make_sampler("shuffle", n_samples=10, batch_size=4, seed=1, rng=1)


def test_the_default_stream_is_unchanged_by_the_rename():
    # rng=0 by default, as seed=0 was: the same first shuffle as default_rng(0) gives.
    first = next(make_sampler("shuffle", n_samples=10, batch_size=10).epoch())
    assert first.tolist() == np.random.default_rng(0).permutation(10).tolist()


def test_sampler_classes_is_the_table_and_samplers_its_old_name():
    assert SAMPLERS is SAMPLER_CLASSES
    assert set(SAMPLER_CLASSES) == {
        "sequential",
        "shuffle",
        "replacement",
        "stratified",
        "rare-first",
        "balanced",
    }


LABELS_FOR_ALIAS = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 1, 0, 2])
