"""Tests of deepkiso.plots.landscape: figures of the right size and panels, an animation with frames."""

import gc

import numpy as np
import pytest
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from deepkiso.landscape import descend, get_surface, surface_from_expression
from deepkiso.plots.landscape import (
    PATH_COLORS,
    animate_descent,
    arrow_caption,
    arrow_lengths,
    plot_landscape,
)


@pytest.fixture(scope="module")
def saddle_paths():
    saddle = get_surface("saddle")
    return saddle, [
        descend(saddle, (1.0, 0.0), "sgd", n_steps=20),
        descend(saddle, (1.0, 0.001), "adam", n_steps=20),
    ]


def test_map_alone_is_one_panel(saddle_paths):
    saddle, _ = saddle_paths
    fig = plot_landscape(saddle, grid_size=40, arrow_grid=5)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    np.testing.assert_allclose(fig.get_size_inches(), [5.6, 5.0])


def test_paths_add_the_values_panel_the_surface_a_3d_panel_and_a_legend_row_each(saddle_paths):
    saddle, paths = saddle_paths
    fig = plot_landscape(saddle, paths, show_surface=True, grid_size=40, arrow_grid=5)
    assert len(fig.axes) == 3 and fig.axes[2].name == "3d"
    np.testing.assert_allclose(fig.get_size_inches(), [3 * 5.6, 5.0 + 2 * 0.32])
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert labels == [p.label(with_start=True) for p in paths]


def test_paths_are_drawn_in_distinct_colours(saddle_paths):
    saddle, paths = saddle_paths
    fig = plot_landscape(saddle, paths * 3, grid_size=40, arrow_grid=5)
    colors = [line.get_color() for line in fig.legends[0].get_lines()]
    assert colors == PATH_COLORS[:6]


def test_flat_constant_and_steep_surfaces_draw(saddle_paths):
    for surface in (
        surface_from_expression("3"),
        get_surface("rosenbrock"),
        surface_from_expression("x^4 + y^2"),
    ):
        path = descend(surface, surface.start, "sgd", lr=1e-3, n_steps=3)
        fig = plot_landscape(surface, [path], grid_size=30, arrow_grid=4)
        fig.canvas.draw()


# The animation is checked, not played; matplotlib warns when one is dropped unplayed.
@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")
def test_animation_has_one_frame_per_shown_step(saddle_paths):
    saddle, paths = saddle_paths
    anim = animate_descent(saddle, paths, n_frames=8)
    assert isinstance(anim, FuncAnimation)
    frames = list(anim.new_frame_seq())
    assert len(frames) == 8
    del anim
    gc.collect()  # drop it here, where its warning is filtered, not during a later test
    with pytest.raises(ValueError, match="at least one path"):
        animate_descent(saddle, [])


# The gradient arrows: true relative size by default, the log scale as an option.


def _quiver(fig):
    from matplotlib.quiver import Quiver

    (quiver,) = [c for c in fig.axes[0].collections if isinstance(c, Quiver)]
    return quiver.X, quiver.Y, quiver.U, quiver.V


def _arrow_at(x, y, u, v, point):
    i = int(np.argmin(np.hypot(x - point[0], y - point[1])))
    return x[i], y[i], float(np.hypot(u[i], v[i]))


def test_linear_arrows_are_as_much_shorter_on_the_plateau_as_the_gradient_is_smaller():
    plateau = get_surface("plateau")
    fig = plot_landscape(plateau, grid_size=30, arrow_grid=15)
    x, y, u, v = _quiver(fig)
    flat_x, flat_y, flat = _arrow_at(x, y, u, v, (3.5, 3.5))
    wall_x, wall_y, wall = _arrow_at(x, y, u, v, (1.0, 0.0))
    gx, gy = plateau.gradient_field(np.array([flat_x, wall_x]), np.array([flat_y, wall_y]))
    gradient = np.hypot(gx, gy)
    assert gradient[0] < 1e-4 * gradient[1]  # the flat plain: almost no gradient
    np.testing.assert_allclose(flat / wall, gradient[0] / gradient[1], rtol=1e-9)
    # They point down the slope, −∇f.
    i = int(np.argmin(np.hypot(x - wall_x, y - wall_y)))
    assert u[i] < 0 and abs(v[i]) < 1e-12
    # The longest arrow is 0.9 of a grid cell (8 / 16 here).
    np.testing.assert_allclose(np.hypot(u, v).max(), 0.9 * 8 / 16)
    assert fig.axes[0].get_title().endswith("arrows: −∇f (length ∝ |∇f|; dots: too short to draw)")


def test_log_arrows_keep_the_plateau_visible_and_say_so():
    plateau = get_surface("plateau")
    fig = plot_landscape(plateau, grid_size=30, arrow_grid=15, arrow_scale="log")
    x, y, u, v = _quiver(fig)
    flat = _arrow_at(x, y, u, v, (3.5, 3.5))[2]
    wall = _arrow_at(x, y, u, v, (1.0, 0.0))[2]
    assert 0.1 < flat / wall < 0.5  # shorter, but drawn
    assert fig.axes[0].get_title().endswith("arrows: −∇f (length ∝ log |∇f|)")


def test_arrow_lengths_linear_and_log():
    norm = np.array([1e-8, 1e-3, 0.5, 1.0])
    np.testing.assert_allclose(arrow_lengths(norm, 2.0), 1.8 * norm)
    np.testing.assert_allclose(
        arrow_lengths(norm, 2.0, "log"), 1.8 * np.array([0.12, 0.5, 0.95, 1]), atol=1e-2
    )
    with pytest.raises(ValueError, match="arrow_scale must be one of linear, log; got 'cube'"):
        plot_landscape(get_surface("bowl"), arrow_scale="cube")


def test_arrow_captions_in_japanese():
    from deepkiso.i18n import set_language

    set_language("ja")
    try:
        assert arrow_caption() == "矢印: −∇f (長さ ∝ |∇f|、点: 短すぎて描けない矢印)"
        assert arrow_caption("log") == "矢印: −∇f (長さ ∝ log |∇f|)"
    finally:
        set_language(None)
    assert arrow_caption("log") == "arrows: −∇f (length ∝ log |∇f|)"
