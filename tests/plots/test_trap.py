"""Tests of deepkiso.plots.trap: the map with the minima named local and global, the share that
escaped, in English and Japanese, every glyph found."""

import importlib.util

import matplotlib
import numpy as np
import pytest
from glyphs import render_without_missing_glyphs
from matplotlib.figure import Figure

from deepkiso.landscape.trap import local_minimum_trap
from deepkiso.plots.trap import END_COLORS, plot_local_minimum_trap


@pytest.fixture(scope="module")
def study():
    return local_minimum_trap(rng=0)


def _texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]


def test_the_map_and_the_share_panel_with_its_noise_axis(study):
    fig = plot_local_minimum_trap(study)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    np.testing.assert_allclose(fig.get_size_inches(), [13.0, 6.6])
    surface, share, noise = fig.axes
    assert surface.get_title() == "f(x, y) = (x² − 1)² + 0.3x + y²"
    assert share.get_ylabel() == "noisy walks in the global minimum's basin (%)"
    assert noise.get_ylabel() == "σ of the gradient noise (dotted)"
    assert fig.get_suptitle() == (
        "Plain gradient descent is trapped in the local minimum; with decaying noise it "
        "escaped in 16 of 20 seeded runs"
    )


def test_each_minimum_is_named_local_or_global_with_its_count(study):
    texts = _texts(plot_local_minimum_trap(study))
    assert "global minimum\nf = −0.31\n16 of 20 runs end here" in texts
    assert "local minimum\nf = 0.29\n4 of 20 runs end here" in texts
    assert not any(t.startswith("minimum") for t in texts)


def test_the_legend_says_where_each_walk_ends(study):
    fig = plot_local_minimum_trap(study)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [
        "gradient descent, η = 0.1, 300 steps, no noise: ends in the local minimum",
        "a noisy walk, σ from 3.5 to 0: ends in the global minimum",
        "a noisy walk, σ from 3.5 to 0: ends in the local minimum",
    ]
    colors = [line.get_color() for line in fig.legends[0].get_lines()[1:]]
    assert colors == [END_COLORS["global"], END_COLORS["local"]]


def test_the_share_curve_is_the_studys_and_ends_at_the_count(study):
    share = plot_local_minimum_trap(study).axes[1]
    curve = share.get_lines()[0]
    np.testing.assert_allclose(curve.get_ydata(), 100 * study.global_share)
    assert "80%" in [t.get_text() for t in share.texts]


def test_a_walk_that_is_not_trapped_gets_a_title_without_a_count():
    free = local_minimum_trap(start=(-1.5, 1.0), n_runs=3, n_steps=60)
    assert free.plain_end == "global"
    fig = plot_local_minimum_trap(free)
    assert fig.get_suptitle() == (
        "Gradient descent with and without decaying noise: where each walk ends"
    )
    thrown = local_minimum_trap(lr=1.0, n_runs=2, n_steps=20)
    labels = [t.get_text() for t in plot_local_minimum_trap(thrown).legends[0].get_texts()]
    assert labels[0].endswith("is thrown off the surface")


def test_english_renders_with_no_missing_glyph(study, tmp_path, caplog):
    render_without_missing_glyphs(plot_local_minimum_trap(study), tmp_path / "en.png", caplog)


@pytest.mark.skipif(
    importlib.util.find_spec("matplotlib_fontja") is None,
    reason="matplotlib-fontja is not installed",
)
def test_japanese_labels_render_with_no_missing_glyph(study, japanese, tmp_path, caplog):
    fig = plot_local_minimum_trap(study)
    texts = _texts(fig)
    assert "大域的最小解\nf = −0.31\n20 回中 16 回がここで終了" in texts
    assert "局所的最小解\nf = 0.29\n20 回中 4 回がここで終了" in texts
    assert fig.get_suptitle() == (
        "ノイズのない勾配降下法は局所的最小解にトラップされ、減衰するノイズを加えると "
        "20 回中 16 回抜け出した"
    )
    render_without_missing_glyphs(fig, tmp_path / "ja.png", caplog)
