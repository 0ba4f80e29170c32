"""Comparing values: "expected" and "received" never read the same when the values differ."""

import numpy as np

from deepkiso.check.expect import contrast


def test_contrast_shows_the_largest_difference_when_four_digits_hide_it():
    expected = np.array([[0.123456789, 2.0], [3.0, 4.0]])
    received = expected.copy()
    received[1, 0] += 1e-9
    e, r = contrast(expected, received)
    assert e != r and e.endswith("at (1, 0): 3") and r.endswith("at (1, 0): 3.000000001")
    assert contrast(1.0, 1.0 + 1e-9) == ("1", "1.000000001")
    same = contrast(expected, expected.copy())
    assert same[0] == same[1]
