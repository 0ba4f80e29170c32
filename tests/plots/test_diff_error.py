"""Tests of deepkiso.plots.diff_error: the error and timing figures."""

import numpy as np

from deepkiso.diff_error import GradientTiming, difference_errors
from deepkiso.plots.diff_error import plot_difference_errors, plot_gradient_timing, plot_numdiff

ROWS = [GradientTiming(2, 50, 1e-3, 1e-5), GradientTiming(8, 200, 4e-3, 1.1e-5)]


def test_numdiff_figure_has_the_error_curves_and_the_timing():
    errors = difference_errors("sin", steps=np.logspace(-1, -12, 12))
    fig = plot_numdiff(errors, ROWS)
    assert len(fig.axes) == 2
    np.testing.assert_allclose(fig.get_size_inches(), [12.8, 5.2])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == [
        "forward, float32",
        "forward, float64",
        "central, float32",
        "central, float64",
    ]
    assert fig.axes[0].xaxis_inverted()  # h shrinks to the right
    np.testing.assert_allclose(plot_numdiff(errors).get_size_inches(), [6.4, 5.2])


def test_single_figures_draw():
    errors = difference_errors("exp", steps=[1e-2, 1e-4, 1e-8])
    for fig in (plot_difference_errors(errors), plot_gradient_timing(ROWS)):
        assert len(fig.axes) == 1
        fig.canvas.draw()
