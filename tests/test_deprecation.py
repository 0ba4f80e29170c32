"""deepkiso._deprecation: a renamed keyword still works for one release, with a warning."""

import warnings

import pytest

from deepkiso._deprecation import renamed_keyword, renamed_option


@renamed_keyword("seed", "rng")
def f(rng=0):
    return rng


def test_the_new_keyword_passes_through_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(rng=4) == 4
        assert f() == 0


def test_the_old_keyword_gives_its_value_with_a_warning_naming_the_new_one():
    with pytest.warns(DeprecationWarning, match=r"f: seed= is deprecated.*use rng="):
        assert f(seed=9) == 9


def test_both_keywords_is_a_type_error_naming_both():
    with pytest.raises(TypeError, match=r"f: give rng= only \(seed= is its deprecated name\)"):
        f(rng=1, seed=2)


def test_renamed_option_moves_the_value_in_place():
    options = {"seed": 3, "noise": 0.1}
    with pytest.warns(DeprecationWarning, match=r"load_dataset\('sine'\): seed= is deprecated"):
        renamed_option("load_dataset('sine')", "seed", "rng", options)
    assert options == {"rng": 3, "noise": 0.1}
