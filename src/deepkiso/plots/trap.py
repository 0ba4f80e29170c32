"""Picture of the local-minimum trap: plain gradient descent stays in the local minimum, noisy descent leaves.

Serves the slide 「ミニバッチ学習では、局所的最小解にトラップされてしまうリスクを低減できる」. Drawn
from plain data (the walks and their end points that ``deepkiso.landscape.trap`` computes), so it
imports nothing of the study.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from matplotlib.figure import Figure

from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure

__all__ = ["plot_local_minimum_trap", "END_COLORS", "LocalMinimumTrap"]


class Surface(Protocol):
    @property
    def formula(self) -> str: ...
    @property
    def x_range(self) -> tuple[float, float]: ...
    @property
    def y_range(self) -> tuple[float, float]: ...
    def values(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...


class LocalMinimumTrap(Protocol):
    """What the picture needs (``deepkiso.landscape.trap.LocalMinimumTrap`` is one)."""

    @property
    def surface(self) -> Surface: ...
    @property
    def minima(self) -> np.ndarray: ...
    @property
    def global_minimum(self) -> int: ...
    @property
    def lr(self) -> float: ...
    @property
    def noise(self) -> np.ndarray: ...
    @property
    def noise_std(self) -> float: ...
    @property
    def plain_points(self) -> np.ndarray: ...
    @property
    def plain_end(self) -> str: ...
    @property
    def points(self) -> np.ndarray: ...
    @property
    def ends(self) -> Sequence[str]: ...
    @property
    def n_runs(self) -> int: ...
    @property
    def n_steps(self) -> int: ...
    @property
    def n_escaped(self) -> int: ...
    @property
    def global_share(self) -> np.ndarray: ...


# Where a walk ended: the global minimum's basin, a local minimum's, or thrown off.
END_COLORS = {"global": "#1f77b4", "local": "#ff7f0e", "diverging": "#7f7f7f"}
PLAIN_COLOR = "#d62728"
FIGSIZE = (13.0, 6.6)


def _end_name(end: str) -> str:
    return _("global minimum") if end == "global" else _("local minimum")


def _ending(end: str) -> str:
    """How a legend entry says where a walk ended."""
    endings = {
        "global": _("ends in the global minimum"),
        "local": _("ends in the local minimum"),
        "diverging": _("is thrown off the surface"),
    }
    return endings[end]


def _levels(Z: np.ndarray) -> np.ndarray:
    """Even levels from the lowest f to a little above the ridge, then a few wider ones to the top."""
    finite = Z[np.isfinite(Z)]
    low, high = float(finite.min()), float(finite.max())
    top = min(high, low + 0.25 * (high - low))
    even = np.linspace(low, top, 15)
    return np.unique(np.concatenate([even, np.geomspace(max(top, 1e-9), high, 5)[1:]]))


def _examples(study: LocalMinimumTrap) -> list[int]:
    """The noisy walks drawn in full: the first that ended in each basin (all of them would be a tangle)."""
    chosen: dict[str, int] = {}
    for k, end in enumerate(study.ends):
        chosen.setdefault(end, k)
    return sorted(chosen.values())


def _draw_map(ax, study: LocalMinimumTrap) -> None:
    surface = study.surface
    X, Y = np.meshgrid(np.linspace(*surface.x_range, 200), np.linspace(*surface.y_range, 200))
    Z = surface.values(X, Y)
    levels = _levels(Z)
    ax.contourf(X, Y, Z, levels=levels, cmap="Greys_r", alpha=0.55)
    ax.contour(X, Y, Z, levels=levels, colors="0.35", linewidths=0.6)
    for k in _examples(study):
        points = study.points[k]
        color = END_COLORS[study.ends[k]]
        ax.plot(points[:, 0], points[:, 1], "-", color=color, lw=1.0, alpha=0.75, zorder=3)
        ax.plot(*points[-1], "X", color=color, ms=11, mec="white", mew=1.0, zorder=6)
    plain = study.plain_points
    ax.plot(plain[:, 0], plain[:, 1], "-o", color=PLAIN_COLOR, lw=2.8, ms=4, zorder=5)
    ax.plot(*plain[-1], "X", color=PLAIN_COLOR, ms=12, mec="white", mew=1.0, zorder=6)
    ax.plot(*plain[0], "o", color="black", ms=10, mec="white", mew=1.5, zorder=7)
    for index, minimum in enumerate(study.minima):
        _label_minimum(ax, study, index, minimum)
    ax.set_xlim(*surface.x_range)
    ax.set_ylim(*surface.y_range)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(surface.formula, fontsize=12)


def _minimum_value(study: LocalMinimumTrap, minimum: np.ndarray) -> float:
    return float(study.surface.values(np.array(minimum[0]), np.array(minimum[1])))


def _label_minimum(ax, study: LocalMinimumTrap, index: int, minimum: np.ndarray) -> None:
    is_global = index == study.global_minimum
    end = "global" if is_global else "local"
    count = sum(e == end for e in study.ends)
    text = "\n".join(
        [
            _end_name(end),
            f"f = {_minimum_value(study, minimum):.2f}".replace("-", "−"),
            _("{count} of {runs} runs end here").format(count=count, runs=study.n_runs),
        ]
    )
    ax.plot(
        *minimum, "*" if is_global else "v", color="white", ms=16, mec="black", mew=1.2, zorder=8
    )
    ax.annotate(
        text,
        xy=minimum,
        xytext=(0, -30),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=10,
        color=END_COLORS[end],
        fontweight="bold",
        bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=END_COLORS[end], alpha=0.92),
        arrowprops=dict(arrowstyle="-", color="0.3", lw=1),
        zorder=9,
    )


def _draw_share(ax, study: LocalMinimumTrap) -> None:
    steps = np.arange(study.n_steps + 1)
    ax.plot(steps, 100 * study.global_share, color=END_COLORS["global"], lw=2.6)
    plain_global = 100.0 if study.plain_end == "global" else 0.0
    ax.plot(steps, np.full(len(steps), plain_global), color=PLAIN_COLOR, lw=2.6)
    ax.annotate(
        _("gradient descent, no noise"),
        xy=(0.5 * study.n_steps, plain_global),
        xytext=(0, 6 if plain_global < 50 else -6),
        textcoords="offset points",
        ha="center",
        va="bottom" if plain_global < 50 else "top",
        fontsize=11,
        color=PLAIN_COLOR,
    )
    final = 100 * float(study.global_share[-1])
    ax.annotate(
        f"{final:.0f}%",
        xy=(study.n_steps, final),
        xytext=(-6, 6),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=13,
        fontweight="bold",
        color=END_COLORS["global"],
    )
    ax.set_ylim(-4, 104)
    ax.set_xlim(0, study.n_steps)
    ax.set_xlabel(_("step"))
    ax.set_ylabel(_("noisy walks in the global minimum's basin (%)"))
    ax.grid(alpha=0.3)
    noise = ax.twinx()
    noise.plot(np.arange(study.n_steps), study.noise, ":", color="0.25", lw=2)
    noise.set_ylim(0, 1.05 * max(study.noise_std, 1e-9))
    noise.set_ylabel(_("σ of the gradient noise (dotted)"))
    ax.set_title(_("Where the walks are, while the noise decays to 0"), fontsize=12)


def _legend(fig, study: LocalMinimumTrap) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            color=PLAIN_COLOR,
            lw=2.8,
            marker="o",
            ms=4,
            label=_("gradient descent, η = {lr:g}, {steps} steps, no noise: {ending}").format(
                lr=study.lr, steps=study.n_steps, ending=_ending(study.plain_end)
            ),
        ),
    ]
    for k in _examples(study):
        handles.append(
            Line2D(
                [],
                [],
                color=END_COLORS[study.ends[k]],
                lw=1.0,
                marker="X",
                ms=9,
                mec="white",
                label=_("a noisy walk, σ from {noise:g} to 0: {ending}").format(
                    noise=study.noise_std, ending=_ending(study.ends[k])
                ),
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=10.5, frameon=False)


def plot_local_minimum_trap(study: LocalMinimumTrap) -> Figure:
    """The surface with the plain walk and every noisy walk, and f along each walk with the noise's σ.

    Left: the contour map, both minima labelled (global ★, local ▼, with f), the plain walk
    (red) from the start (●), each noisy walk faint and its end (✕) in the colour of the
    basin it ended in. Right: f at each step of each walk, the minima's f dashed, and the
    decaying σ dotted. The title states the share of walks that escaped. 13.0 × 6.6 in.
    """
    fig = new_figure(figsize=FIGSIZE, layout="constrained")
    grid = fig.add_gridspec(1, 2, width_ratios=[1.0, 1.15])
    _draw_map(fig.add_subplot(grid[0]), study)
    _draw_share(fig.add_subplot(grid[1]), study)
    _legend(fig, study)
    if study.plain_end == "local":
        title = _(
            "Plain gradient descent is trapped in the local minimum; with decaying noise it "
            "escaped in {escaped} of {runs} seeded runs"
        ).format(escaped=study.n_escaped, runs=study.n_runs)
    else:
        title = _("Gradient descent with and without decaying noise: where each walk ends")
    fig.suptitle(title, fontsize=14)
    return fig
