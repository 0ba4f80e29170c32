"""deepkiso._types: the random-number helpers and the net protocols."""

import numpy as np
import pytest

from deepkiso._types import (
    Net,
    TrainableNet,
    as_generator,
    spawn_rngs,
    spawn_seeds,
)
from deepkiso.nets import SimpleNet, TwoLayerNet


def test_as_generator_is_default_rng_and_keeps_a_generator():
    assert as_generator(3).random() == np.random.default_rng(3).random()
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert isinstance(as_generator(None), np.random.Generator)


def test_spawn_rngs_gives_the_streams_of_seed_sequence_spawn():
    # The streams `deepkiso train` has always drawn: SeedSequence(seed).spawn(2) -> default_rng.
    expected = [np.random.default_rng(c).random(4) for c in np.random.SeedSequence(7).spawn(2)]
    got = [g.random(4) for g in spawn_rngs(7, 2)]
    np.testing.assert_array_equal(got, expected)


def test_spawn_streams_depend_on_their_position_only():
    first_of_two = spawn_rngs(5, 2)[0].random(3)
    first_of_five = spawn_rngs(5, 5)[0].random(3)
    np.testing.assert_array_equal(first_of_two, first_of_five)
    assert spawn_seeds(5, 4)[:2] == spawn_seeds(5, 2)


def test_spawn_seeds_are_the_first_word_of_each_child():
    children = np.random.SeedSequence(11).spawn(3)
    assert spawn_seeds(11, 3) == [int(c.generate_state(1)[0]) for c in children]


def test_spawning_from_a_generator_gives_new_streams_each_time():
    g = np.random.default_rng(0)
    a = spawn_rngs(g, 1)[0].random(3)
    b = spawn_rngs(g, 1)[0].random(3)
    assert not np.array_equal(a, b)


def test_spawn_refuses_a_negative_count():
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        spawn_rngs(0, -1)


def test_the_nets_fit_the_protocols():
    net: Net = SimpleNet()
    trainable: TrainableNet = TwoLayerNet(4, 3, 2)
    assert net.params and trainable.last_layer is not None
