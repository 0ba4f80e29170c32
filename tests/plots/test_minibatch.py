"""Tests of deepkiso.plots.minibatch: the full batch's panel beside one per mini-batch, labelled in
English and Japanese, every glyph found."""

import importlib.util

import matplotlib
import numpy as np
import pytest
from glyphs import render_without_missing_glyphs
from matplotlib.figure import Figure

from deepkiso.landscape.minibatch import minibatch_objective
from deepkiso.plots.minibatch import BATCH_COLORS, plot_minibatch_objective


@pytest.fixture(scope="module")
def study():
    return minibatch_objective(rng=0)


def _texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]


def test_one_large_panel_and_one_per_mini_batch(study):
    fig = plot_minibatch_objective(study)
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    np.testing.assert_allclose(fig.get_size_inches(), [13.0, 7.6])
    full, *batches = fig.axes
    assert full.get_title() == "Batch learning: one objective, the loss of all 40 points"
    assert [ax.get_title() for ax in batches] == [
        f"mini-batch {k}: its own minimum" for k in range(1, 5)
    ]
    # Each mini-batch's panel is framed in its colour.
    for ax, color in zip(batches, BATCH_COLORS):
        assert matplotlib.colors.same_color(ax.spines["left"].get_edgecolor(), color)
    assert (full.get_xlabel(), full.get_ylabel()) == ("w", "b")
    assert "Mini-batch learning: the objective changes with each mini-batch" in fig.get_suptitle()


def test_the_legend_gives_the_loss_at_each_point_and_which_point_is_adopted(study):
    fig = plot_minibatch_objective(study)
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert f"full-batch minimum, L = {study.full_loss(study.full_minimum):.4f}" in labels
    assert f"after the last step, L = {study.full_loss(study.end):.4f}" in labels
    assert f"average of the last epoch's points, L = {study.full_loss(study.average):.4f}" in labels
    note = legend.get_title().get_text()
    assert note.startswith("Which point do we adopt?\nUsually the parameters after the last step")
    # Here the average is the nearer one, and the note says so with both distances.
    end = np.linalg.norm(study.end - study.full_minimum)
    average = np.linalg.norm(study.average - study.full_minimum)
    assert (
        f"lies closer to the full-batch minimum here ({average:.3f} against {end:.3f} away)" in note
    )


def test_when_the_end_is_nearer_the_note_says_that_instead():
    study = minibatch_objective(rng=0, lr=0.3, epochs=8, start=(-1.5, 2.0))
    end = np.linalg.norm(study.end - study.full_minimum)
    average = np.linalg.norm(study.average - study.full_minimum)
    note = plot_minibatch_objective(study).legends[0].get_title().get_text()
    if end <= average:
        assert "here they lie closer to the full-batch minimum than the average" in note
    else:
        assert "the average of the last epoch's points (◯) lies closer" in note


def test_two_mini_batches_give_three_panels():
    study = minibatch_objective(n_samples=8, batch_size=4, rng=1)
    assert len(plot_minibatch_objective(study).axes) == 3


def test_more_mini_batches_than_panels_draw_the_first_four():
    study = minibatch_objective(n_samples=60, batch_size=5, lr=0.4, rng=2)
    assert study.n_batches == 12
    assert len(plot_minibatch_objective(study).axes) == 5


def test_english_renders_with_no_missing_glyph(study, tmp_path, caplog):
    render_without_missing_glyphs(plot_minibatch_objective(study), tmp_path / "en.png", caplog)


@pytest.mark.skipif(
    importlib.util.find_spec("matplotlib_fontja") is None,
    reason="matplotlib-fontja is not installed",
)
def test_japanese_labels_render_with_no_missing_glyph(study, japanese, tmp_path, caplog):
    fig = plot_minibatch_objective(study)
    texts = _texts(fig)
    assert "バッチ学習: 目的関数は 1 つ (全 40 点の損失)" in texts
    assert "ミニバッチ 1: 固有の最小点" in texts
    assert (
        fig.legends[0]
        .get_title()
        .get_text()
        .startswith("どの地点での結果を採用するのが最もよいか\uff1f")
    )
    assert fig.get_suptitle().startswith("ミニバッチ学習: 最適化の目的関数はミニバッチ毎に異なる")
    render_without_missing_glyphs(fig, tmp_path / "ja.png", caplog)
