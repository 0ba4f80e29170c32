"""Learning-rate rules, schedules and the batch-size grid."""

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepkiso.experiments.batch_size import batch_size_trials, parse_schedule, scaled_lr, warmup_lr


def test_scaled_lr_follows_each_rule():
    assert scaled_lr(0.1, 256, 32, "none") == 0.1
    assert scaled_lr(0.1, 256, 32, "linear") == pytest.approx(0.8)
    assert scaled_lr(0.1, 128, 32, "sqrt") == pytest.approx(0.2)
    with pytest.raises(
        ValueError,
        match=r"unknown learning-rate scaling 'cubic'; choose one of \['none', 'linear', 'sqrt'\]",
    ):
        scaled_lr(0.1, 64, 32, "cubic")


@given(st.integers(1, 200), st.floats(1e-3, 10), st.floats(1e-3, 10))
def test_warmup_rises_evenly_and_then_holds(n_warmup, start, target):
    rates = [warmup_lr(i, target, start, n_warmup) for i in range(1, n_warmup + 3)]
    steps = [b - a for a, b in itertools.pairwise(rates[:n_warmup])]
    assert all(
        math.isclose(step, (target - start) / n_warmup, rel_tol=1e-6, abs_tol=1e-12)
        for step in steps
    )
    assert rates[n_warmup - 1 :] == [target] * 3
    assert warmup_lr(1, target, start, 0) == target


def test_parse_schedule_reads_pairs_and_names_the_bad_part():
    assert parse_schedule("32:5, 128:5,512:10") == ((32, 5), (128, 5), (512, 10))
    with pytest.raises(ValueError, match=r"expected BATCH:EPOCHS pairs .* got '128-5'"):
        parse_schedule("32:5,128-5")
    with pytest.raises(ValueError, match=r"must be positive, got '0:5'"):
        parse_schedule("0:5")


def test_the_grid_covers_sizes_scalings_seeds_and_the_schedule():
    specs = batch_size_trials(
        dataset="digits",
        batch_sizes=[8, 64],
        seeds=[0, 1, 2],
        epochs=4,
        lr_scalings=["none", "linear"],
        schedule=((8, 2), (64, 2)),
    )
    assert len(specs) == 2 * (2 * 3 + 3)
    assert len({s.trial_id for s in specs}) == len(specs)
    assert {s.phases for s in specs} == {((8, 4),), ((64, 4),), ((8, 2), (64, 2))}


def test_an_updates_budget_is_set_by_the_smallest_batch():
    specs = batch_size_trials(
        dataset="digits", batch_sizes=[64, 16], seeds=[0], epochs=3, budget="updates"
    )
    assert {s.reference_batch_size for s in specs} == {16} and {s.budget for s in specs} == {
        "updates"
    }
    with pytest.raises(ValueError, match=r"unknown budget 'time'"):
        batch_size_trials(dataset="digits", batch_sizes=[8], seeds=[0], epochs=1, budget="time")
