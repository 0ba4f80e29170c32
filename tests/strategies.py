"""Hypothesis strategies shared by the tests."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays


def float_arrays(shape, low=-3.0, high=3.0):
    """float64 arrays of the given shape with elements in [low, high]."""
    return arrays(
        np.float64, shape, elements=st.floats(low, high, allow_nan=False, allow_infinity=False)
    )


def away_from_zero(shape, margin=1e-2, high=3.0):
    """float64 arrays whose elements keep |x| >= margin (for ReLU, whose kink at 0 has no derivative)."""
    magnitude = st.floats(margin, high)
    sign = st.sampled_from([-1.0, 1.0])
    return arrays(np.float64, shape, elements=st.builds(lambda m, s: m * s, magnitude, sign))


batch_shapes = array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5)
any_shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
