"""Tests of deepkiso.plots.diff_error: the error and timing figures, and the tangent and secants."""

import importlib.util

import numpy as np
import pytest
from glyphs import render_without_missing_glyphs

from deepkiso.diff_error import GradientTiming, difference_errors, secants
from deepkiso.i18n import set_language
from deepkiso.plots.diff_error import (
    plot_difference_errors,
    plot_gradient_timing,
    plot_numdiff,
    plot_secants,
)

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


# -- the tangent and the secants ------------------------------------------------------------------


def _lines_by_label(fig):
    return {line.get_label(): line for line in fig.axes[0].get_lines()}


def test_secant_figure_draws_f_the_tangent_and_both_secants_with_their_slopes():
    result = secants("x**3", 1.0, 0.5)
    fig = plot_secants(result)
    np.testing.assert_allclose(fig.get_size_inches(), [7.2, 5.4])
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "f(x) = x³",
        "tangent at x: true slope f′(x) = 3",
        "central difference, secant over 2h: slope 3.25 (error +0.25)",
        "forward difference, secant over h: slope 4.75 (error +1.75)",
    ]
    lines = _lines_by_label(fig)
    # Each line has the slope its label says, and passes where it should.
    for label, slope, through in [
        (labels[1], 3.0, (1.0, 1.0)),
        (labels[2], 3.25, (0.5, 0.125)),
        (labels[3], 4.75, (1.0, 1.0)),
    ]:
        xs, ys = (np.asarray(v, dtype=float) for v in lines[label].get_data())
        np.testing.assert_allclose(np.diff(ys) / np.diff(xs), slope)
        assert np.interp(through[0], xs, ys) == pytest.approx(through[1])
    assert np.interp(1.5, *lines[labels[2]].get_data()) == pytest.approx(1.5**3)  # x + h too
    # x − h, x, x + h on the axis; the brackets say h and 2h.
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x − h\n0.5", "x\n1", "x + h\n1.5"]
    texts = {t.get_text() for t in ax.texts}
    assert {"h", "2h"} <= texts
    assert ax.get_title() == (
        "Numerical differentiation: the tangent and the secants\nf(x) = x³ at x = 1, h = 0.5"
    )
    fig.canvas.draw()


def test_secant_figure_in_japanese_uses_the_courses_words(japanese):
    fig = plot_secants(secants("x**3", 1.0, 0.5))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[1:] == [
        "x における接線: 真の傾き f′(x) = 3",
        "中心差分 (幅 2h の割線): 傾き 3.25 (誤差 +0.25)",
        "前進差分 (幅 h の割線): 傾き 4.75 (誤差 +1.75)",
    ]
    assert fig.axes[0].get_title().startswith("数値微分: 接線と割線")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_secant_figure_has_no_missing_glyph(language, tmp_path, caplog):
    if language == "ja" and importlib.util.find_spec("matplotlib_fontja") is None:
        pytest.skip("matplotlib-fontja is not installed")
    set_language(language)
    try:
        fig = plot_secants(secants("0.01*x**2 + 0.1*x", 5.0, 4.0))
    finally:
        set_language(None)
    render_without_missing_glyphs(fig, tmp_path / "secants.png", caplog)
    assert (tmp_path / "secants.png").stat().st_size > 1000


def test_secant_figure_says_0_for_an_error_within_rounding():
    # The central difference of a quadratic has no truncation error; float64 leaves about 1e-17.
    labels = [
        t.get_text()
        for t in plot_secants(secants("quadratic", 5.0, 4.0)).axes[0].get_legend().get_texts()
    ]
    assert labels[2] == "central difference, secant over 2h: slope 0.2 (error 0)"
    assert labels[3] == "forward difference, secant over h: slope 0.24 (error +0.04)"
