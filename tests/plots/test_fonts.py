"""Japanese in the figures: every glyph of --lang ja and of KMNIST's kana found in a font, and no
global font setting changed."""

import dataclasses
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from glyphs import render_without_missing_glyphs
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from deepkiso import graph
from deepkiso.data import dataset_info
from deepkiso.diff_error import GradientTiming, difference_errors
from deepkiso.landscape import descend, get_surface
from deepkiso.loss_surface import LineScan, ZeroGradientCount
from deepkiso.plots import fonts
from deepkiso.plots.curves import confusion_matrix_figure, learning_curve_figure
from deepkiso.plots.diff_error import plot_numdiff
from deepkiso.plots.experiments import plot_sampling_accuracy
from deepkiso.plots.graph import draw_graph
from deepkiso.plots.landscape import plot_landscape
from deepkiso.plots.loss_surface import plot_loss_vs_error_rate
from deepkiso.plots.vanishing import plot_vanishing
from deepkiso.training import History
from deepkiso.vanishing import activation_derivatives, compare_activations

if importlib.util.find_spec("matplotlib_fontja") is None:  # not imported: it would set rcParams
    pytest.skip("matplotlib-fontja is not installed", allow_module_level=True)

KMNIST = dataset_info("kmnist").class_names


def _history() -> History:
    rows = [
        {
            "epoch": e,
            "iteration": 10 * e,
            "train_loss": 1 / e,
            "test_loss": 1.1 / e,
            "train_accuracy": 1 - 0.5 / e,
            "test_accuracy": 1 - 0.6 / e,
        }
        for e in range(1, 4)
    ]
    return History(list(np.linspace(2, 0.2, 30)), rows)


@dataclass
class _Sampler:
    """A finished sampling setting, as plot_sampling_accuracy reads it."""

    label: str
    accuracies: tuple[float, ...]

    def values(self, metric):
        return list(self.accuracies)

    def mean(self, metric):
        return float(np.mean(self.accuracies))

    def std(self, metric):
        return float(np.std(self.accuracies))

    def per_class_mean(self):
        return list(np.linspace(0.5, 0.95, len(KMNIST)))


def _figures():
    """One of each kind of deepkiso figure, made in the language in use."""
    surface = get_surface("saddle")
    paths = [descend(surface, (1.0, 1e-3), "sgd", 0.1, 30), descend(surface, (1, 1e-3), "adam")]
    a = np.linspace(-1, 1, 11)
    scan = LineScan(a, np.round(a * a * 10) / 10, a * a, np.zeros(11), 2 * a, 1e-4, 10)
    x = np.linspace(-4, 4, 50)
    y = graph.square(graph.Variable(3.0, "x") + graph.Variable(1.0)).named("y")
    y.backward()
    return {
        "learning curves": learning_curve_figure(_history(), fit=(x, x, x, x)),
        "confusion matrix": confusion_matrix_figure(np.eye(10, dtype=int) * 9 + 1, KMNIST),
        "numerical differentiation": plot_numdiff(
            difference_errors("sin", steps=np.logspace(-1, -9, 9)),
            [GradientTiming(10, 100, 0.1, 0.001), GradientTiming(20, 400, 0.4, 0.002)],
        ),
        "vanishing gradients": plot_vanishing(
            compare_activations(n_hidden_layers=3, width=8, rng=0),
            x,
            activation_derivatives(x),
        ),
        "landscape": plot_landscape(surface, paths, show_surface=True, grid_size=40),
        "loss surface": plot_loss_vs_error_rate(scan, [ZeroGradientCount(0.0, 100, 100, 7, 7)]),
        "sampling": plot_sampling_accuracy(
            [_Sampler("with replacement", (0.8, 0.82)), _Sampler("balanced", (0.85, 0.86))],
            KMNIST,
            rare_classes=[1],
        ),
        "graph": draw_graph(y, title="y = (x + 1)²"),
    }


def test_the_japanese_font_is_the_bundled_ipaex_gothic():
    assert fonts.japanese_family() == "IPAexGothic"
    assert fonts.with_japanese(["sans-serif"]) == ["sans-serif", "IPAexGothic", "DejaVu Sans"]
    assert fonts.with_japanese("DejaVu Sans") == ["DejaVu Sans", "IPAexGothic"]
    # Each once; and behind a Japanese font alone, DejaVu Sans for the symbols it lacks (≤, ∇).
    assert fonts.with_japanese(["IPAexGothic"]) == ["IPAexGothic", "DejaVu Sans"]


def test_every_figure_renders_its_japanese_with_no_missing_glyph(japanese, tmp_path, caplog):
    before = dict(matplotlib.rcParams)
    for name, figure in _figures().items():
        texts = [t.get_text() for t in figure.findobj(matplotlib.text.Text)]
        # The texts are the Japanese ones (so the test draws what a learner with --lang ja sees).
        assert any(any("\u3040" <= ch <= "\u9fff" for ch in text) for text in texts), name
        render_without_missing_glyphs(figure, tmp_path / f"{name}.png", caplog)
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    # Drawing Japanese changed no setting of the user's: the fallback lives on deepkiso's figures.
    assert dict(matplotlib.rcParams) == before


def test_the_batch_size_figures_render_their_japanese(japanese, tmp_path, caplog):
    from experiments.test_report import _batch_records  # a made-up finished sweep

    from deepkiso.experiments.report import group_results
    from deepkiso.plots.experiments import (
        plot_batch_size_accuracy,
        plot_batch_size_cost,
        plot_learning_curves,
    )

    groups = group_results(
        _batch_records(lambda b: 0.01, lambda b, s: 0.9, scalings=("none", "linear"))
    )
    figures = {
        "バッチサイズ": plot_batch_size_accuracy(groups),
        "1 エポックあたりの秒数": plot_batch_size_cost(groups),
        "エポック": plot_learning_curves(groups),
    }
    for n, (word, figure) in enumerate(figures.items()):
        axes = figure.axes[0]
        assert word in (axes.get_xlabel(), axes.get_ylabel()), (
            axes.get_xlabel(),
            axes.get_ylabel(),
        )
        render_without_missing_glyphs(figure, tmp_path / f"{n}.png", caplog)


def test_english_figures_render_with_no_missing_glyph_too(tmp_path, caplog):

    for name, figure in _figures().items():
        render_without_missing_glyphs(figure, tmp_path / f"{name}.png", caplog)


def test_kmnist_confusion_matrix_draws_its_kana_from_the_japanese_font(tmp_path, caplog):
    figure = confusion_matrix_figure(np.eye(10, dtype=int) * 5, KMNIST, title="KMNIST")
    render_without_missing_glyphs(figure, tmp_path / "kmnist.png", caplog)
    ax = figure.axes[0]
    labels = ax.get_xticklabels()
    assert [t.get_text() for t in labels] == list(KMNIST)
    renderer = figure.canvas.get_renderer()
    ipaex = FontProperties(fname=matplotlib_fontja_path())
    for label in labels:
        kana = label.get_text()[-2]  # "o (お)" -> "お"
        prop = label.get_fontproperties()
        assert "IPAexGothic" in prop.get_family()
        # The kana's outline is IPAex Gothic's own glyph (an empty box would be DejaVu's .notdef).
        drawn = TextPath((0, 0), kana, size=10, prop=prop)
        expected = TextPath((0, 0), kana, size=10, prop=ipaex)
        np.testing.assert_allclose(drawn.vertices, expected.vertices)
        assert len(drawn.vertices) > 20  # a real outline, not a box's handful of points
        # And the drawn label is as wide as its text: no glyph of zero width.
        width = label.get_window_extent(renderer).width
        latin = TextPath((0, 0), label.get_text()[:-3], size=prop.get_size_in_points(), prop=prop)
        assert width > latin.get_extents().width * figure.dpi / 72


def matplotlib_fontja_path() -> str:
    import matplotlib_fontja

    return matplotlib_fontja.get_font_ttf_path()


def test_a_users_font_family_is_kept_with_the_japanese_behind_it(tmp_path, caplog):
    with matplotlib.rc_context({"font.family": ["serif"]}):
        figure = confusion_matrix_figure(np.eye(2, dtype=int), ["お", "を"])
        render_without_missing_glyphs(figure, tmp_path / "serif.png", caplog)
        assert figure.axes[0].get_xticklabels()[0].get_fontproperties().get_family() == [
            "serif",
            "IPAexGothic",
            "DejaVu Sans",
        ]
        assert matplotlib.rcParams["font.family"] == ["serif"]


def test_finding_the_font_changes_no_setting_of_the_users():
    code = (
        "import matplotlib\n"
        "before = dict(matplotlib.rcParams)\n"
        "from deepkiso.plots import fonts\n"
        "assert fonts.japanese_family() == 'IPAexGothic'\n"
        "assert dict(matplotlib.rcParams) == before, matplotlib.rcParams['font.family']\n"
    )
    src = str(Path(fonts.__file__).resolve().parents[2])
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def no_bundled_font(monkeypatch):
    """As if matplotlib-fontja were not installed; the font found again afterwards."""
    monkeypatch.setattr(fonts, "_bundled_font", lambda: None)
    fonts.japanese_family.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    fonts.japanese_family.cache_clear()


def test_without_the_package_a_system_noto_sans_cjk_is_used(no_bundled_font):
    entries = font_manager.fontManager.ttflist
    noto = dataclasses.replace(entries[0], name="Noto Sans CJK JP", weight=400)
    no_bundled_font.setattr(font_manager.fontManager, "ttflist", [*entries, noto])
    assert fonts.japanese_family() == "Noto Sans CJK JP"
    assert fonts.with_japanese("sans-serif") == ["sans-serif", "Noto Sans CJK JP", "DejaVu Sans"]


def test_without_any_japanese_font_the_families_are_left_as_they_are(no_bundled_font):
    names = set(fonts.SYSTEM_FAMILIES)
    no_bundled_font.setattr(
        font_manager.fontManager,
        "ttflist",
        [e for e in font_manager.fontManager.ttflist if e.name not in names],
    )
    assert fonts.japanese_family() is None
    assert fonts.with_japanese(["sans-serif"]) == ["sans-serif", "DejaVu Sans"]


def test_use_japanese_lets_a_pyplot_figure_of_ones_own_draw_japanese(tmp_path, caplog):
    import matplotlib.pyplot as plt

    with matplotlib.rc_context():
        assert fonts.use_japanese() == ["sans-serif", "IPAexGothic", "DejaVu Sans"]
        assert matplotlib.rcParams["font.family"] == ["sans-serif", "IPAexGothic", "DejaVu Sans"]
        figure, ax = plt.subplots()
        try:
            ax.bar(["お", "を"], [1, 2])
            ax.set_title("エポックごとの損失 ≤ 1")
            render_without_missing_glyphs(figure, tmp_path / "own.png", caplog)
        finally:
            plt.close(figure)
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]
