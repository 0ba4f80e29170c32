"""Picture of the batch vs mini-batch objective: the full batch's loss surface beside each mini-batch's.

Serves the slides 「ミニバッチ学習では、最適化の目的関数は、ミニバッチ毎に異なる」 and
「どの地点での結果を採用するのが最もよいか」. Drawn from plain data (the grids, minima and
path that ``deepkiso.landscape.minibatch`` computes), so it imports nothing of the study.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from matplotlib.figure import Figure

from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure

__all__ = ["plot_minibatch_objective", "BATCH_COLORS", "MinibatchObjective"]


class MinibatchObjective(Protocol):
    """What the picture needs (``deepkiso.landscape.minibatch.MinibatchObjective`` is one)."""

    @property
    def x(self) -> np.ndarray: ...
    @property
    def w_grid(self) -> np.ndarray: ...
    @property
    def b_grid(self) -> np.ndarray: ...
    @property
    def full_surface(self) -> np.ndarray: ...
    @property
    def batch_surfaces(self) -> np.ndarray: ...
    @property
    def full_minimum(self) -> np.ndarray: ...
    @property
    def batch_minima(self) -> np.ndarray: ...
    @property
    def path(self) -> np.ndarray: ...
    @property
    def path_batches(self) -> np.ndarray: ...
    @property
    def lr(self) -> float: ...
    @property
    def epochs(self) -> int: ...
    @property
    def n_batches(self) -> int: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def end(self) -> np.ndarray: ...
    @property
    def average(self) -> np.ndarray: ...
    def full_loss(self, point: np.ndarray) -> float: ...


# One colour per mini-batch, the same on its panel and on its steps of the path (tab10's).
BATCH_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#17becf", "#e377c2", "#8c564b"]
FULL_MINIMUM_COLOR = "#d62728"
AVERAGE_COLOR = "#e6a800"
FIGSIZE = (13.0, 7.6)  # inches: a slide's 16:9 with the legend rows below
MAX_PANELS = 4  # mini-batch panels drawn (the first ones); more would be too small to read


def _levels(surface: np.ndarray, n: int = 14) -> np.ndarray:
    """Contour levels of a bowl: evenly spaced in √(L − L_min), so the ellipses are evenly spaced."""
    low, high = float(surface.min()), float(surface.max())
    return low + (high - low) * np.linspace(0, 1, n) ** 2


def _draw_surface(ax, study: MinibatchObjective, surface: np.ndarray, cmap: str) -> None:
    W, B = np.meshgrid(study.w_grid, study.b_grid)
    levels = _levels(surface)
    ax.contourf(W, B, surface, levels=levels, cmap=cmap, alpha=0.5)
    ax.contour(W, B, surface, levels=levels, colors="0.35", linewidths=0.5)
    ax.set_xlim(study.w_grid[0], study.w_grid[-1])
    ax.set_ylim(study.b_grid[0], study.b_grid[-1])
    # A square box over a square window: w and b on one scale, which constrained layout can place.
    ax.set_box_aspect(1)


def _color(k: int) -> str:
    return BATCH_COLORS[k % len(BATCH_COLORS)]


def _draw_path(ax, study: MinibatchObjective, ms: float = 3.5) -> None:
    """The SGD path as one zig-zag line, its start (●), its end (✕) and the average (◯)."""
    path = study.path
    ax.plot(path[:, 0], path[:, 1], "-o", color="black", lw=1.1, ms=ms, zorder=4)
    ax.plot(*path[0], "o", color="black", ms=9, mec="white", mew=1.5, zorder=5)
    ax.plot(
        *study.full_minimum, "*", color=FULL_MINIMUM_COLOR, ms=20, mec="white", mew=1.2, zorder=6
    )
    # The two candidates stay visible where they fall on the minimum: a ring and a cross.
    ax.plot(*study.average, "o", mfc="none", mec=AVERAGE_COLOR, ms=17, mew=2.6, zorder=7)
    ax.plot(*study.end, "X", color="black", ms=10, mec="white", mew=1.0, zorder=8)


def _draw_full(ax, study: MinibatchObjective) -> None:
    _draw_surface(ax, study, study.full_surface, "Greys_r")
    for k, minimum in enumerate(study.batch_minima):
        ax.plot(*minimum, "D", color=_color(k), ms=9, mec="white", mew=1.2, zorder=5)
    _draw_path(ax, study)
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.set_title(
        _("Batch learning: one objective, the loss of all {n} points").format(n=len(study.x)),
        fontsize=12,
    )


def _draw_batch(ax, study: MinibatchObjective, k: int) -> None:
    _draw_surface(ax, study, study.batch_surfaces[k], "Greys_r")
    color = _color(k)
    path = study.path
    for i in np.flatnonzero(study.path_batches == k):
        ax.annotate(
            "",
            xy=path[i + 1],
            xytext=path[i],
            arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, mutation_scale=10),
            zorder=4,
        )
    ax.plot(
        *study.full_minimum,
        "*",
        color=FULL_MINIMUM_COLOR,
        ms=12,
        mec="white",
        mew=0.8,
        alpha=0.8,
        zorder=5,
    )
    ax.plot(*study.batch_minima[k], "D", color=color, ms=9, mec="white", mew=1.2, zorder=6)
    ax.set_title(_("mini-batch {k}: its own minimum").format(k=k + 1), fontsize=11, color=color)
    for side in ax.spines.values():
        side.set_edgecolor(color)
        side.set_linewidth(2)
    ax.tick_params(labelsize=8)
    ax.set_xlabel("w", fontsize=9, labelpad=1)
    ax.set_ylabel("b", fontsize=9, labelpad=1)


def _adoption_note(study: MinibatchObjective) -> str:
    """The answer to 'which point do we adopt?', with the numbers of this run."""
    end_gap = float(np.linalg.norm(study.end - study.full_minimum))
    average_gap = float(np.linalg.norm(study.average - study.full_minimum))
    question = _("Which point do we adopt?")
    if average_gap < end_gap:
        answer = _(
            "Usually the parameters after the last step (✕); the average of the last epoch's "
            "points (◯) lies closer to the full-batch minimum here ({average} against {end} away)."
        )
    else:
        answer = _(
            "Usually the parameters after the last step (✕); here they lie closer to the "
            "full-batch minimum than the average of the last epoch's points (◯) "
            "({end} against {average} away)."
        )
    return question + "\n" + answer.format(average=f"{average_gap:.3f}", end=f"{end_gap:.3f}")


def plot_minibatch_objective(study: MinibatchObjective) -> Figure:
    """The full batch's loss surface with the SGD path, beside the surfaces of up to 4 mini-batches.

    Left, large: L(w, b) of all N points, its minimum (★), every mini-batch's minimum (◆ in
    the batch's colour), the path of mini-batch SGD from its start (●), each step an arrow in
    the colour of the mini-batch it used, its last point (✕) and the average of the last
    epoch's points (◯). Right, a 2 × 2 grid: each of the first mini-batches' own surface, its
    minimum and the steps taken with it, the full-batch minimum faint for reference. Below: the
    legend, with the full-batch loss at each marked point, and which point is adopted.
    Returns a Figure of 13.0 × 7.6 in.
    """
    if study.n_batches < 1:
        raise ValueError(_("plot_minibatch_objective: the study has no mini-batch"))
    fig = new_figure(figsize=FIGSIZE, layout="constrained")
    grid = fig.add_gridspec(2, 4)
    _draw_full(fig.add_subplot(grid[:, :2]), study)
    for k in range(min(study.n_batches, MAX_PANELS)):
        _draw_batch(fig.add_subplot(grid[k // 2, 2 + k % 2]), study, k)
    _legend(fig, study)
    fig.suptitle(
        _(
            "Mini-batch learning: the objective changes with each mini-batch (y = w·x + b, batch size {size})"
        ).format(size=study.batch_size),
        fontsize=14,
    )
    return fig


def _legend(fig, study: MinibatchObjective) -> None:
    from matplotlib.lines import Line2D

    def loss(point: np.ndarray) -> str:
        return f"{study.full_loss(point):.4f}"

    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="*",
            color=FULL_MINIMUM_COLOR,
            ms=14,
            mec="white",
            label=_("full-batch minimum, L = {loss}").format(loss=loss(study.full_minimum)),
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="D",
            color=BATCH_COLORS[0],
            ms=8,
            mec="white",
            label=_("each mini-batch's minimum (in its colour)"),
        ),
        Line2D(
            [],
            [],
            color="black",
            lw=1.1,
            marker="o",
            ms=3.5,
            label=_(
                "mini-batch SGD, η = {lr:g}, {epochs} epochs (on the right: the steps each mini-batch took)"
            ).format(lr=study.lr, epochs=study.epochs),
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="X",
            color="black",
            ms=11,
            mec="white",
            label=_("after the last step, L = {loss}").format(loss=loss(study.end)),
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            mfc="none",
            mec=AVERAGE_COLOR,
            ms=13,
            mew=2.4,
            label=_("average of the last epoch's points, L = {loss}").format(
                loss=loss(study.average)
            ),
        ),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=2,
        fontsize=10.5,
        frameon=False,
        title=_adoption_note(study),
        title_fontsize=11,
    )
