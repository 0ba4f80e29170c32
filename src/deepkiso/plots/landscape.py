"""Pictures of a surface and the descent paths on it: contour map, −∇f arrows, f along each path, 3-D view.

Serves exercise 2_3 (the steepest-descent walk, 最急降下法), exercise 2_6
(saddle points, 鞍点, and plateaus, プラトー) and its group work (which
optimizer gets out, and in how many steps). Each function takes a
surface and walks (any objects with the attributes of the Protocols below,
such as ``deepkiso.landscape``'s ``Surface`` and ``DescentPath``) and returns a matplotlib
Figure (or, for the walk, an Animation); nothing here computes a path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from deepkiso.i18n import N_, _
from deepkiso.plots._figure import new_figure


class Surface(Protocol):
    """What a picture needs of a surface (``deepkiso.landscape.Surface`` is one): plain data."""

    @property
    def formula(self) -> str: ...
    @property
    def x_range(self) -> tuple[float, float]: ...
    @property
    def y_range(self) -> tuple[float, float]: ...
    @property
    def goal(self) -> float | None: ...
    def values(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...
    def gradient_field(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class DescentPath(Protocol):
    """What a picture needs of a walk (``deepkiso.landscape.DescentPath`` is one)."""

    @property
    def points(self) -> np.ndarray: ...  # (n + 1, 2)
    @property
    def values(self) -> np.ndarray: ...  # (n + 1,)
    @property
    def steps_needed(self) -> int | None: ...

    @property
    def start(self) -> np.ndarray: ...
    @property
    def n_steps(self) -> int: ...
    def label(self, with_start: bool = False) -> str: ...


__all__ = [
    "plot_landscape",
    "animate_descent",
    "arrow_caption",
    "arrow_lengths",
    "ARROW_SCALES",
    "PATH_COLORS",
]

# Strong, distinct colours that stand out on the grey contour map (tab10 without its grey).
PATH_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#17becf",
    "#e377c2",
    "#8c564b",
    "#bcbd22",
]
PANEL_SIZE = (5.6, 5.0)  # inches per panel
LEGEND_HEIGHT = 0.32  # inches per legend row


def _inches(width: float, height: float) -> tuple[float, float]:
    """The figure size rounded to 1e-6 in: 5.6 · 3 is 16.799999999999997 in floats, which
    matplotlib 3.8 and 3.9 turn into 839 pixels at 50 dpi instead of 840 (3.11 gives 840)."""
    return round(width, 6), round(height, 6)


def _grid(surface: Surface, n: int):
    x = np.linspace(*surface.x_range, n)
    y = np.linspace(*surface.y_range, n)
    X, Y = np.meshgrid(x, y)
    Z = surface.values(X, Y)
    if not np.isfinite(Z).any():
        raise ValueError(
            _(
                "{formula} is not finite anywhere in the window x in {x_range}, y in {y_range}"
            ).format(formula=surface.formula, x_range=surface.x_range, y_range=surface.y_range)
        )
    return X, Y, Z


def _piles_up_near_zero(Z: np.ndarray) -> bool:
    """f ≥ 0 with most of the window far below the maximum (a narrow valley such as Rosenbrock's)."""
    finite = Z[np.isfinite(Z)]
    return bool(finite.min() >= 0 and np.median(finite) < 0.1 * finite.max())


def _levels(Z: np.ndarray, n: int = 16) -> np.ndarray:
    """Contour levels: evenly spaced in f, so a flat region gets few lines, as it should.

    When f ≥ 0 piles up near 0 (a narrow valley such as Rosenbrock's) they are
    spaced geometrically, so the valley floor is not one blank band. Otherwise
    the even spacing stops at the 90th percentile of f over the window and a
    few geometric levels cover the rest, so steep walls at the window's edge
    (a quartic's) do not take every line.
    """
    finite = Z[np.isfinite(Z)]
    low, high = float(finite.min()), float(finite.max())
    if high <= low:  # a constant function: one band
        return np.array([low - 1, low + 1])
    if _piles_up_near_zero(finite):
        floor = max(low, high * 1e-4)
        return np.unique(np.concatenate([[low], np.geomspace(floor, high, n)]))
    top = float(np.quantile(finite, 0.9))
    if top - low < 0.5 * (high - low):
        even = np.linspace(low, top, n - 3)
        return np.concatenate([even, top + (high - top) * np.geomspace(0.1, 1, 4)[1:]])
    return np.linspace(low, high, n)


def _draw_map(
    ax, surface: Surface, arrows: bool, grid_size: int, arrow_grid: int, arrow_scale: str
) -> None:
    X, Y, Z = _grid(surface, grid_size)
    levels = _levels(Z)
    ax.contourf(X, Y, Z, levels=levels, cmap="Greys_r", alpha=0.55)
    ax.contour(X, Y, Z, levels=levels, colors="0.35", linewidths=0.6)
    if arrows:
        _draw_arrows(ax, surface, arrow_grid, arrow_scale)
    ax.set_xlim(*surface.x_range)
    ax.set_ylim(*surface.y_range)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal" if _similar_ranges(surface) else "auto")


def _similar_ranges(surface: Surface) -> bool:
    width = surface.x_range[1] - surface.x_range[0]
    height = surface.y_range[1] - surface.y_range[0]
    return 0.5 <= width / height <= 2


ARROW_SCALES = ("linear", "log")
# What the caption under the formula says of the arrows, by arrow_scale.
_ARROW_CAPTIONS = {
    "linear": N_("arrows: −∇f (length ∝ |∇f|; dots: too short to draw)"),
    "log": N_("arrows: −∇f (length ∝ log |∇f|)"),
}
ARROW_LENGTH = 0.9  # the longest arrow, in grid cells


def arrow_caption(arrow_scale: str = "linear") -> str:
    """The caption that names how the arrows' lengths are drawn, in the language in use."""
    return _(_ARROW_CAPTIONS[_arrow_scale(arrow_scale)])


def _arrow_scale(arrow_scale: str) -> str:
    if arrow_scale not in ARROW_SCALES:
        raise ValueError(
            _("arrow_scale must be one of {choices}; got {value!r}").format(
                choices=", ".join(ARROW_SCALES), value=arrow_scale
            )
        )
    return arrow_scale


def arrow_lengths(norm: np.ndarray, cell: float, arrow_scale: str = "linear") -> np.ndarray:
    """The length drawn for each |∇f| in norm (all > 0), the longest ARROW_LENGTH grid cells.

    linear: proportional to |∇f|, the true relative size, so a plateau's arrows
    shrink to dots beside a valley's (the slide's "almost no gradient"); log:
    six decades below the steepest map to the shortest length drawn, so every
    arrow stays visible, flat still shorter than steep.
    """
    longest = ARROW_LENGTH * cell
    if _arrow_scale(arrow_scale) == "linear":
        return norm / norm.max() * longest
    return np.clip((np.log10(norm) - np.log10(norm.max()) + 6) / 6, 0.12, 1.0) * longest


def _draw_arrows(ax, surface: Surface, n: int, arrow_scale: str) -> None:
    """Arrows of −∇f on an n × n grid inside the window, their lengths by arrow_lengths."""
    X, Y = np.meshgrid(
        np.linspace(*surface.x_range, n + 2)[1:-1], np.linspace(*surface.y_range, n + 2)[1:-1]
    )
    gx, gy = surface.gradient_field(X, Y)
    norm = np.hypot(gx, gy)
    ok = np.isfinite(norm) & (norm > 0)
    if not ok.any():
        return
    # Only where the gradient exists and is not 0: a zero-length arrow would still leave a dot.
    X, Y, gx, gy, norm = X[ok], Y[ok], gx[ok], gy[ok], norm[ok]
    cell = min(np.ptp(surface.x_range), np.ptp(surface.y_range)) / (n + 1)
    length = arrow_lengths(norm, cell, arrow_scale)
    # An arrow shorter than minlength shaft widths is drawn as a dot (a small hexagon) of that
    # size: in linear mode, where the gradient is too small to show at this scale.
    ax.quiver(
        X,
        Y,
        -gx / norm * length,
        -gy / norm * length,
        angles="xy",
        scale_units="xy",
        scale=1,
        color="#4a6fa5",
        alpha=0.75,
        width=0.0035,
        headwidth=4,
        headlength=4,
        headaxislength=3.5,
        minlength=1.6,
        zorder=2,
    )


def _layers(paths: Sequence[DescentPath]) -> list[int]:
    """Each path's layer, 0 at the bottom: the farther a path reaches from its start,
    the lower it lies, so a long or diverging path never covers a short one."""
    extents = [float(np.nanmax(np.linalg.norm(p.points - p.points[0], axis=1))) for p in paths]
    order = sorted(range(len(paths)), key=lambda i: (-extents[i], i))
    return [order.index(i) for i in range(len(paths))]


def _line_width(layer: int, n_paths: int) -> float:
    """Lower layers are drawn wider, so paths that run along the same line
    (all descents of a round bowl do) stay visible side by side."""
    return 1.6 + 1.0 * (n_paths - 1 - layer)


def _draw_path(ax, path: DescentPath, color: str, label: str, layer: int, n_paths: int) -> None:
    points = path.points
    ax.plot(
        points[:, 0],
        points[:, 1],
        "-o",
        color=color,
        lw=_line_width(layer, n_paths),
        ms=4,
        label=label,
        zorder=4 + 0.01 * layer,
    )
    ax.plot(*points[0], "o", color=color, ms=9, mec="white", mew=1.5, zorder=5)
    ax.plot(*points[-1], "X", color=color, ms=10, mec="white", mew=1.2, zorder=5)


def _draw_values(ax, surface: Surface, paths: Sequence[DescentPath], colors: Sequence[str]) -> None:
    """f at each step of each path; a dot where the goal was first reached."""
    Z = _grid(surface, 80)[2]
    low, high = float(np.nanmin(Z)), float(np.nanmax(Z))
    for layer, path, color in zip(_layers(paths), paths, colors):
        ax.plot(
            np.arange(len(path.values)),
            path.values,
            color=color,
            lw=_line_width(layer, len(paths)) * 0.8,
            zorder=2 + 0.01 * layer,
        )
        if path.steps_needed is not None:
            ax.plot(
                path.steps_needed,
                path.values[path.steps_needed],
                "o",
                color=color,
                ms=8,
                mec="black",
                mew=0.8,
                zorder=3,
            )
    if surface.goal is not None:
        ax.axhline(
            surface.goal,
            color="black",
            ls="--",
            lw=1,
            label=_("goal: {condition}").format(
                condition=f"f < {surface.goal:g}".replace("-", "−")
            ),
        )
        ax.plot([], [], "o", color="0.6", mec="black", ms=8, label=_("first step below the goal"))
        ax.legend(loc="best", fontsize=9, framealpha=0.9)
    # From the lowest to the highest value the paths reach, but never beyond the
    # map's own range: a path that leaves the window can run off to ±∞.
    reached = np.concatenate([p.values[np.isfinite(p.values)] for p in paths])
    bottom, top = (
        (max(low, float(reached.min())), min(high, float(reached.max())))
        if reached.size
        else (low, high)
    )
    if surface.goal is not None:
        bottom, top = min(bottom, surface.goal), max(top, surface.goal)
    if _piles_up_near_zero(Z):
        ax.set_yscale("log")
        bottom = (
            max(bottom, high * 1e-6)
            if surface.goal is None
            else max(min(bottom, surface.goal / 3), 1e-12)
        )
        ax.set_ylim(bottom, top * 2)
    else:
        margin = 0.05 * (top - bottom) or 0.5
        ax.set_ylim(bottom - margin, top + margin)
    ax.set_xlim(0, max(len(p.values) - 1 for p in paths) or 1)
    ax.set_xlabel(_("step"))
    ax.set_ylabel("f(x, y)")
    ax.set_title(_("f along each path"))
    ax.grid(alpha=0.3)


def _draw_surface3d(
    ax, surface: Surface, paths: Sequence[DescentPath], colors: Sequence[str]
) -> None:
    X, Y, Z = _grid(surface, 60)
    ax.plot_surface(
        X, Y, Z, cmap="viridis", alpha=0.55, linewidth=0, antialiased=True, rcount=60, ccount=60
    )
    for layer, path, color in zip(_layers(paths), paths, colors):
        inside = (
            (path.points[:, 0] >= surface.x_range[0])
            & (path.points[:, 0] <= surface.x_range[1])
            & (path.points[:, 1] >= surface.y_range[0])
            & (path.points[:, 1] <= surface.y_range[1])
        )
        # Points outside the window are left out (nan breaks the line) rather than stretching the box.
        px = np.where(inside, path.points[:, 0], np.nan)
        py = np.where(inside, path.points[:, 1], np.nan)
        pz = np.where(inside, path.values, np.nan)
        ax.plot(
            px,
            py,
            pz,
            "-o",
            color=color,
            lw=_line_width(layer, len(paths)),
            ms=2,
            zorder=10 + layer,
        )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("f", labelpad=2)
    ax.set_title(_("surface"))
    # From this side both the fall along x (into the saddle) and along y (out of it) face the viewer.
    ax.view_init(elev=28, azim=-130)


def plot_landscape(
    surface: Surface,
    paths: Sequence[DescentPath] = (),
    show_surface: bool = False,
    arrows: bool = True,
    title: str | None = None,
    grid_size: int = 200,
    arrow_grid: int = 15,
    arrow_scale: str = "linear",
) -> Figure:
    """The contour map of f with arrows of −∇f and each path; f along each path; optionally the 3-D surface.

    paths: DescentPaths on this surface, drawn in distinct colours (start ●,
    end ✕), each labelled in the legend with its optimizer, learning rate, the
    steps it needed to reach the surface's goal and what kind of point it
    stopped at. The panel of f per step appears when there are paths.
    show_surface: add a 3-D view of f with the paths on it.
    arrow_scale: "linear" (default) draws each arrow of −∇f with a length
    proportional to |∇f|, the longest 0.9 grid cells, so flat regions show
    dots; "log" grows the lengths with log |∇f|, so every arrow stays visible.
    The caption under the formula says which.
    Returns a Figure of width 5.6 in per panel and height 5.0 in plus a legend row per path.
    """
    paths = list(paths)
    _arrow_scale(arrow_scale)
    colors = [PATH_COLORS[i % len(PATH_COLORS)] for i in range(len(paths))]
    n_panels = 1 + bool(paths) + bool(show_surface)
    legend_rows = len(paths)
    fig = new_figure(
        figsize=_inches(PANEL_SIZE[0] * n_panels, PANEL_SIZE[1] + LEGEND_HEIGHT * legend_rows),
        layout="constrained",
    )
    ax = fig.add_subplot(1, n_panels, 1)
    _draw_map(ax, surface, arrows, grid_size, arrow_grid, arrow_scale)
    with_start = len({tuple(p.start) for p in paths}) > 1
    for layer, path, color in zip(_layers(paths), paths, colors):
        _draw_path(ax, path, color, path.label(with_start=with_start), layer, len(paths))
    ax.set_title(
        surface.formula + ("\n" + arrow_caption(arrow_scale) if arrows else ""),
        fontsize=11,
    )
    if paths:
        _draw_values(fig.add_subplot(1, n_panels, 2), surface, paths, colors)
    if show_surface:
        # computed_zorder=False: the paths are always drawn over the surface, never hidden behind it.
        ax3d = fig.add_subplot(1, n_panels, n_panels, projection="3d", computed_zorder=False)
        _draw_surface3d(ax3d, surface, paths, colors)
    if paths:
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=1, fontsize=10, frameon=False)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


def animate_descent(
    surface: Surface,
    paths: Sequence[DescentPath],
    n_frames: int = 60,
    interval_ms: int = 120,
    title: str | None = None,
    arrow_scale: str = "linear",
) -> FuncAnimation:
    """The walk as an animation: each frame draws the paths up to one more step.

    Frames are spread evenly over the longest path (at most n_frames, plus the
    last). Save with ``anim.save("walk.gif", writer=PillowWriter(fps=8))``, or
    show it in Jupyter with ``HTML(anim.to_jshtml())``.
    """
    paths = list(paths)
    if not paths:
        raise ValueError(_("animate_descent: give at least one path to animate, got none"))

    colors = [PATH_COLORS[i % len(PATH_COLORS)] for i in range(len(paths))]
    # Not through pyplot: the animation is shown by its own HTML (to_jshtml) or saved as a GIF,
    # and a notebook's inline backend would add its first frame as a still picture.
    fig = new_figure(
        figsize=_inches(PANEL_SIZE[0] + 0.6, PANEL_SIZE[1] + LEGEND_HEIGHT * len(paths)),
        layout="constrained",
        through_pyplot=False,
    )
    ax = fig.add_subplot()
    _draw_map(ax, surface, arrows=True, grid_size=150, arrow_grid=13, arrow_scale=arrow_scale)
    longest = max(p.n_steps for p in paths)
    steps = np.unique(np.linspace(0, longest, min(n_frames, longest + 1)).round().astype(int))
    with_start = len({tuple(p.start) for p in paths}) > 1
    lines = [
        ax.plot(
            [],
            [],
            "-o",
            color=c,
            lw=_line_width(layer, len(paths)),
            ms=2.5,
            label=p.label(with_start=with_start),
            zorder=4 + 0.01 * layer,
        )[0]
        for layer, p, c in zip(_layers(paths), paths, colors)
    ]
    heads = [
        ax.plot([], [], "X", color=c, ms=10, mec="white", mew=1.2, zorder=5)[0] for c in colors
    ]
    for p, c in zip(paths, colors):
        ax.plot(*p.start, "o", color=c, ms=9, mec="white", mew=1.5, zorder=5)
    heading = ax.set_title("")
    fig.legend(loc="outside lower center", fontsize=9, frameon=False)
    if title:
        fig.suptitle(title, fontsize=12)

    def draw(frame: int):
        step = int(steps[frame])
        for path, line, head in zip(paths, lines, heads):
            upto = min(step, path.n_steps)
            line.set_data(path.points[: upto + 1, 0], path.points[: upto + 1, 1])
            head.set_data([path.points[upto, 0]], [path.points[upto, 1]])
        heading.set_text(_("{formula}    step {step}").format(formula=surface.formula, step=step))

        return [*lines, *heads, heading]

    return FuncAnimation(fig, draw, frames=len(steps), interval=interval_ms, blit=False)
