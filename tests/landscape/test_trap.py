"""Tests of the double well and deepkiso.landscape.trap: plain gradient descent is trapped in the local
minimum, descent with decaying noise escapes in a counted share of seeded runs."""

import numpy as np
import pytest

from deepkiso.landscape import (
    classify_point,
    descend,
    get_surface,
    local_minimum_trap,
    minimum_kind,
    surface_from_expression,
)
from deepkiso.landscape.trap import annealed_noise

# The ridge between the wells: the middle root of ∂f/∂x = 4x³ − 4x + 0.3 (f is separable, so the
# basins are x below it and x above it).
RIDGE = float(np.sort(np.roots([4.0, 0.0, -4.0, 0.3]).real)[1])


@pytest.fixture(scope="module")
def well():
    return get_surface("double-well")


@pytest.fixture(scope="module")
def trap():
    return local_minimum_trap(rng=0)


def test_the_double_well_has_a_global_and_a_shallower_local_minimum(well):
    (left, _), (right, _) = well.minima
    assert left < RIDGE < right
    assert well.global_minimum == 0
    for minimum in well.minima:
        np.testing.assert_allclose(well.gradient(np.array(minimum)), [0, 0], atol=1e-12)
        assert classify_point(well, minimum).kind == "minimum"
    assert well(np.array(well.minima[0])) < -0.3 < 0.29 < well(np.array(well.minima[1]))
    # The analytic gradient is the function's own.
    point = np.array([0.4, -0.7])
    h = 1e-6
    numeric = [
        (well(point + e) - well(point - e)) / (2 * h) for e in (np.array([h, 0]), np.array([0, h]))
    ]
    np.testing.assert_allclose(well.gradient(point), numeric, rtol=1e-6)


def test_a_point_is_in_the_basin_on_its_side_of_the_ridge(well):
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(-2, 2, 300), rng.uniform(-2, 2, 300)])
    points = points[np.abs(points[:, 0] - RIDGE) > 0.01]
    np.testing.assert_array_equal(well.basin(points), np.where(points[:, 0] < RIDGE, 0, 1))
    assert minimum_kind(well, (1.5, 1.0)) == "local"
    assert minimum_kind(well, (-0.5, 1.0)) == "global"


def test_plain_descent_is_trapped_and_its_path_says_local_minimum(well):
    trapped = descend(well, well.start, "sgd", lr=0.1, n_steps=200)
    assert trapped.kind == "minimum" and trapped.minimum == "local"
    np.testing.assert_allclose(trapped.points[-1], well.minima[1], atol=1e-6)
    assert trapped.label().endswith("ends at a local minimum")
    assert trapped.steps_needed is None  # f < 0 only in the global well
    found = descend(well, (-1.5, 1.0), "sgd", lr=0.1, n_steps=200)
    assert found.minimum == "global" and found.label().endswith("ends at the global minimum")


def test_a_formula_with_a_lower_point_in_its_window_says_local_minimum():
    same = surface_from_expression("(x^2 - 1)^2 + 0.3*x + y^2")
    assert descend(same, (1.5, 1.0), "sgd", lr=0.1, n_steps=200).minimum == "local"
    # Lowest in the window: nothing proves it global, so it stays a plain minimum.
    lowest = descend(same, (-1.5, 1.0), "sgd", lr=0.1, n_steps=200)
    assert lowest.minimum is None and lowest.label().endswith("ends at a minimum")
    assert descend(get_surface("bowl"), (-2.0, 1.5), "sgd", n_steps=100).minimum is None


def test_plain_descent_in_the_study_is_trapped_in_the_local_minimum(trap, well):
    assert trap.plain_end == "local"
    np.testing.assert_allclose(trap.plain_points[-1], well.minima[1], atol=1e-6)
    np.testing.assert_allclose(trap.plain_values, well.values(*trap.plain_points.T))


def test_decaying_noise_escapes_in_16_of_20_seeded_runs(trap):
    assert trap.n_runs == 20 and trap.n_steps == 300
    assert trap.n_escaped == 16 and trap.escaped_share == pytest.approx(0.8)
    # The count is the basins' by the ridge, not a number kept anywhere.
    ends = trap.points[:, -1]
    assert trap.n_escaped == int(np.sum(ends[:, 0] < RIDGE))
    assert [e == "global" for e in trap.ends] == list(ends[:, 0] < RIDGE)
    # The noise has settled every walk next to a minimum.
    minima = np.array(trap.minima)
    assert np.min(np.linalg.norm(ends[:, None] - minima[None], axis=2), axis=1).max() < 0.05


@pytest.mark.parametrize("seed, escaped", [(1, 14), (2, 17), (3, 16)])
def test_the_escape_share_on_other_seeds(seed, escaped):
    assert local_minimum_trap(rng=seed).n_escaped == escaped


def test_the_share_in_the_global_basin_rises_from_zero_to_the_final_count(trap):
    assert trap.global_share[0] == 0
    assert trap.global_share[-1] == pytest.approx(trap.n_global / trap.n_runs)
    assert trap.global_share.max() <= 1


def test_the_noise_decays_linearly_to_zero():
    noise = annealed_noise(3.0, 300)
    assert noise[0] == 3.0 and noise[-1] == pytest.approx(0.01)
    assert np.allclose(np.diff(noise), -0.01)


def test_without_noise_no_run_escapes_and_each_run_depends_on_its_seed_and_index():
    calm = local_minimum_trap(noise_std=0.0, n_runs=3, n_steps=100)
    assert calm.n_escaped == 0 and set(calm.ends) == {"local"}
    np.testing.assert_array_equal(calm.points[0], calm.plain_points)
    few, many = local_minimum_trap(n_runs=3, rng=5), local_minimum_trap(n_runs=8, rng=5)
    np.testing.assert_array_equal(few.points, many.points[:3])


def test_a_walk_thrown_off_the_surface_is_told_apart():
    wild = local_minimum_trap(lr=1.0, n_runs=2, n_steps=50)
    assert wild.plain_end == "diverging" and set(wild.ends) == {"diverging"}
    assert wild.n_escaped == 0 and np.all(np.isfinite(wild.points))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"surface": "bowl"}, "minima are known"),
        ({"n_runs": 0}, "n_runs must be at least 1"),
        ({"n_steps": 0}, "n_steps must be at least 1"),
        ({"lr": -1.0}, "lr must be"),
        ({"noise_std": float("nan")}, "noise_std must be"),
        ({"start": (1.0, np.inf)}, "two finite numbers"),
    ],
)
def test_nonsense_is_refused_with_a_message(options, message):
    with pytest.raises(ValueError, match=message):
        local_minimum_trap(**options)
