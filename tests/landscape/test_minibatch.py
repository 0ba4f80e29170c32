"""Tests of deepkiso.landscape.minibatch: each mini-batch's objective has its own minimum, and SGD
on them ends near the full batch's."""

import itertools

import numpy as np
import pytest

from deepkiso.landscape.minibatch import (
    batch_loss,
    batch_minimum,
    minibatch_objective,
)


@pytest.fixture(scope="module")
def study():
    return minibatch_objective(rng=0)


def test_the_loss_is_the_mean_of_half_the_squared_errors():
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=7), rng.normal(size=7)
    w, b = np.array([0.3, -1.0]), np.array([2.0, 0.5])
    direct = [np.mean(0.5 * (wi * x + bi - t) ** 2) for wi, bi in zip(w, b)]
    np.testing.assert_allclose(batch_loss(x, t, w, b), direct, rtol=1e-12)


def test_a_batch_minimum_is_the_least_squares_line():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 9)
    t = 2 * x - 1 + rng.normal(size=9)
    np.testing.assert_allclose(batch_minimum(x, t), np.polyfit(x, t, 1), rtol=1e-10)
    with pytest.raises(ValueError, match="all equal"):
        batch_minimum(np.ones(4), np.arange(4.0))


def test_the_defaults_give_four_mini_batches_of_ten_that_cover_the_data_once(study):
    assert study.batches.shape == (4, 10)
    assert sorted(study.batches.ravel()) == list(range(40))
    assert len(study.path) == 1 + 5 * 4
    # Every epoch visits every mini-batch once, in its own order.
    for epoch in study.path_batches.reshape(5, 4):
        assert sorted(epoch) == [0, 1, 2, 3]
    assert len({tuple(epoch) for epoch in study.path_batches.reshape(5, 4)}) > 1


def test_the_minima_of_the_mini_batches_differ_from_the_full_batch_and_from_each_other(study):
    for minimum in study.batch_minima:
        assert np.linalg.norm(minimum - study.full_minimum) > 0.1
    for a, b in itertools.combinations(study.batch_minima, 2):
        assert np.linalg.norm(a - b) > 0.1
    # And each surface on the grid is lowest next to its own minimum (within a grid cell).
    cell = np.hypot(np.diff(study.w_grid[:2]), np.diff(study.b_grid[:2]))[0]
    W, B = np.meshgrid(study.w_grid, study.b_grid)
    for surface, minimum in zip(
        [study.full_surface, *study.batch_surfaces], [study.full_minimum, *study.batch_minima]
    ):
        lowest = np.unravel_index(np.argmin(surface), surface.shape)
        assert np.hypot(W[lowest] - minimum[0], B[lowest] - minimum[1]) <= cell


def test_each_minimum_is_a_minimum_of_its_own_batch_only(study):
    for k, idx in enumerate(study.batches):
        own = float(batch_loss(study.x[idx], study.t[idx], *study.batch_minima[k]))
        full = float(batch_loss(study.x[idx], study.t[idx], *study.full_minimum))
        assert own < full
    assert study.full_loss(study.full_minimum) < min(study.full_loss(m) for m in study.batch_minima)


def test_sgd_ends_near_the_full_batch_minimum_and_the_average_nearer(study):
    start_gap = np.linalg.norm(study.path[0] - study.full_minimum)
    end_gap = np.linalg.norm(study.end - study.full_minimum)
    average_gap = np.linalg.norm(study.average - study.full_minimum)
    assert end_gap < 0.15 * start_gap
    assert average_gap < end_gap
    # Still wandering: the last epoch's points do not sit on one spot.
    assert np.ptp(study.path[-4:], axis=0).max() > 0.1
    np.testing.assert_allclose(study.average, study.path[-4:].mean(axis=0))
    assert study.full_loss(study.full_minimum) <= study.full_loss(study.average)


def test_each_step_goes_downhill_on_its_own_mini_batch(study):
    for i, k in enumerate(study.path_batches):
        idx = study.batches[k]
        before = float(batch_loss(study.x[idx], study.t[idx], *study.path[i]))
        after = float(batch_loss(study.x[idx], study.t[idx], *study.path[i + 1]))
        assert after < before


def test_the_window_holds_the_path_and_every_minimum(study):
    points = np.vstack([study.path, study.full_minimum, study.batch_minima])
    assert study.w_grid[0] < points[:, 0].min() and points[:, 0].max() < study.w_grid[-1]
    assert study.b_grid[0] < points[:, 1].min() and points[:, 1].max() < study.b_grid[-1]
    assert study.full_surface.shape == (121, 121)
    assert study.batch_surfaces.shape == (4, 121, 121)


def test_the_same_seed_gives_the_same_study_and_another_seed_another():
    a, b, c = minibatch_objective(rng=3), minibatch_objective(rng=3), minibatch_objective(rng=4)
    np.testing.assert_array_equal(a.path, b.path)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.allclose(a.x, c.x)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"batch_size": 30}, "half of n_samples"),
        ({"batch_size": 1}, "half of n_samples"),
        ({"epochs": 0}, "epochs must be at least 1"),
        ({"lr": 0.0}, "lr must be a finite number above 0"),
        ({"lr": 3.0}, "too large for these mini-batches"),
        ({"start": (np.nan, 1.0)}, "two finite numbers"),
        ({"n_samples": 3}, "at least 4"),
        ({"grid_size": 2}, "at least 3"),
    ],
)
def test_nonsense_is_refused_with_a_message(options, message):
    with pytest.raises(ValueError, match=message):
        minibatch_objective(**options)
