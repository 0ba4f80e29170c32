"""The catalogue of checks: every check names its exercise; --only picks names, exercises or ids."""

import pytest

from deepkiso.check import all_checks, select
from deepkiso.check.registry import EXERCISES


def test_every_check_has_a_unique_id_and_names_a_course_exercise():
    checks = all_checks()
    assert len({c.id for c in checks}) == len(checks)
    assert {c.exercise for c in checks} <= set(EXERCISES)
    # Every exercise with code to write has checks; 2_6 (pictures) and 2_13's batches are checked via 2_12's names.
    assert {c.exercise for c in checks} == set(EXERCISES) - {"2_6"}


@pytest.mark.parametrize(
    "only, expected",
    [
        (["Affine"], {"Affine"}),
        (["softmax_with_loss"], {"SoftmaxWithLoss"}),
        (["2_14"], {"Affine"}),
        (["2.13"], {"AddLayer", "MulLayer", "Relu", "Sigmoid", "Tanh"}),
        (["Affine.backward_db", "relu"], {"Affine", "relu"}),
    ],
)
def test_select_understands_names_exercises_and_ids(only, expected):
    assert {c.subject for c in select(only)} == expected


def test_select_without_only_is_everything():
    assert select(None) == all_checks()


@pytest.mark.parametrize(
    "only, match",
    [
        (["Afine"], r"unknown --only name 'Afine' \(did you mean 'Affine'\?\)"),
        (["2_6"], r"exercise 2_6 has no checks \(it has no code to check\)"),
    ],
)
def test_select_refuses_what_it_does_not_know(only, match):
    with pytest.raises(ValueError, match=match):
        select(only)
