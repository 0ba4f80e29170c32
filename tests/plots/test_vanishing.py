"""Tests of deepkiso.plots.vanishing: the derivatives-and-norms figure."""

import numpy as np
import pytest

from deepkiso.plots.vanishing import plot_vanishing
from deepkiso.vanishing import SIGMOID_GRAD_MAX, LayerGradients, activation_derivatives


def test_figure_shows_the_quarter_bound_and_one_line_per_activation():
    results = [
        LayerGradients("sigmoid", "xavier", 0.25 ** np.arange(4)[::-1]),
        LayerGradients("relu", "he", np.ones(4)),
    ]
    x = np.linspace(-6, 6, 61)
    fig = plot_vanishing(results, x, activation_derivatives(x))
    derivatives, norms = fig.axes
    np.testing.assert_allclose(fig.get_size_inches(), [12.8, 5.2])
    assert any(np.allclose(line.get_ydata(), 0.25) for line in derivatives.get_lines())
    labels = [t.get_text() for t in norms.get_legend().get_texts()]
    assert labels[0].startswith("sigmoid (xavier init)") and labels[-1].startswith("relu (he init)")
    assert "×0.25 per layer" in labels[1]
    with pytest.raises(ValueError, match="at least one"):
        plot_vanishing([], x, activation_derivatives(x))


def test_the_figures_bound_is_the_studys():
    from deepkiso.plots import vanishing

    assert vanishing.SIGMOID_GRAD_MAX == SIGMOID_GRAD_MAX
