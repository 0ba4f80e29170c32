"""Tests of deepkiso.plots.landscape: figures of the right size and panels, an animation with frames."""

import gc

import numpy as np
import pytest
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from deepkiso.landscape import descend, get_surface, surface_from_expression
from deepkiso.plots.landscape import PATH_COLORS, animate_descent, plot_landscape


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
