"""Sampler names and the imbalanced subset of a data set."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepkiso.experiments.sampling import imbalanced_indices, parse_sampler, sampling_trials


@pytest.mark.parametrize(
    "name, expected",
    [
        ("shuffle", ("shuffle", {"shuffle_every": "epoch"})),
        ("shuffle-every-3", ("shuffle", {"shuffle_every": 3})),
        ("shuffle-once", ("shuffle", {"shuffle_every": "once"})),
        ("shuffle-never", ("shuffle", {"shuffle_every": "never"})),
        ("rare-first", ("rare-first", {})),
        ("replacement", ("replacement", {})),
    ],
)
def test_parse_sampler_maps_names_to_samplers_and_options(name, expected):
    assert parse_sampler(name) == expected


@pytest.mark.parametrize("name", ["shuffle-every-0", "shuffle-every-x", "random"])
def test_parse_sampler_refuses_bad_names_listing_the_good_ones(name):
    with pytest.raises(
        ValueError, match=rf"unknown sampler '{name}'; choose one of .*'shuffle-every-K'"
    ):
        parse_sampler(name)


@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=300),
    st.sets(st.integers(0, 4), max_size=3),
    st.floats(0.01, 1.0),
    st.integers(0, 100),
)
def test_imbalance_keeps_the_fraction_of_chosen_classes_and_everything_else(
    labels, classes, keep, seed
):
    labels = np.array(labels)
    kept = imbalanced_indices(labels, classes, keep, seed)
    assert kept.dtype == np.int64 and np.all(np.diff(kept) > 0)
    for c in range(5):
        n, n_kept = np.count_nonzero(labels == c), np.count_nonzero(labels[kept] == c)
        if c in classes and n:
            assert n_kept == max(1, round(keep * n))
        else:
            assert n_kept == n
    assert np.array_equal(kept, imbalanced_indices(labels, classes, keep, seed))


def test_imbalance_refuses_a_fraction_outside_zero_to_one():
    with pytest.raises(ValueError, match=r"keep must be a fraction in \(0, 1\], got 1.5"):
        imbalanced_indices(np.zeros(4, int), [0], 1.5, 0)


def test_the_grid_gives_every_sampler_the_same_seeds():
    specs = sampling_trials(
        dataset="digits",
        samplers=["shuffle", "balanced"],
        seeds=[0, 1],
        epochs=2,
        imbalance_classes=[3],
        imbalance_keep=0.2,
    )
    assert [(s.sampler, s.seed) for s in specs] == [
        ("shuffle", 0),
        ("shuffle", 1),
        ("balanced", 0),
        ("balanced", 1),
    ]
    assert {s.imbalance_classes for s in specs} == {(3,)} and {s.imbalance_keep for s in specs} == {
        0.2
    }
    with pytest.raises(ValueError, match="unknown sampler 'nope'"):
        sampling_trials(dataset="digits", samplers=["nope"], seeds=[0], epochs=1)
