"""Tests of deepkiso.plots.loss_surface: the staircase-vs-smooth figure."""

import numpy as np

from deepkiso.loss_surface import LineScan, ZeroGradientCount
from deepkiso.plots.loss_surface import plot_loss_vs_error_rate


def test_figure_has_four_panels_and_the_zero_count_note():
    a = np.linspace(-1, 1, 21)
    scan = LineScan(
        alphas=a,
        error_rate=np.round(a * a * 10) / 10,
        cross_entropy=a * a,
        error_rate_slope=np.where(np.arange(21) == 5, 5000.0, 0.0),
        cross_entropy_slope=2 * a,
        h=1e-4,
        n_samples=10,
    )
    fig = plot_loss_vs_error_rate(scan, [ZeroGradientCount(0.0, 100, 100, 7, 7)])
    assert len(fig.axes) == 4
    np.testing.assert_allclose(fig.get_size_inches(), [12, 8.4])
    assert "95.2% of the 21 points" in fig.axes[2].get_title()
    assert "100 of 100 partial derivatives are 0" in fig._supxlabel.get_text()
    assert "cross-entropy: 7\n(only the 7 weights from pixels" in fig._supxlabel.get_text()
    fig.canvas.draw()


def test_the_note_says_only_when_the_blank_pixels_weights_are_all_the_zeros():
    a = np.linspace(-1, 1, 5)
    scan = LineScan(
        alphas=a,
        error_rate=0 * a,
        cross_entropy=a * a,
        error_rate_slope=0 * a,
        cross_entropy_slope=2 * a,
        h=1e-4,
        n_samples=10,
    )
    note = plot_loss_vs_error_rate(
        scan, [ZeroGradientCount(0.0, 100, 100, 9, 7)]
    )._supxlabel.get_text()
    assert "cross-entropy: 9\n(7 of them are the weights from pixels" in note
    assert "only" not in note
