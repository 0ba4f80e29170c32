"""Picture of vanishing gradients: the activations' derivatives with sigmoid's 0.25 bound, and the
gradient norm reaching each layer of a deep net for sigmoid, tanh and ReLU.

Serves the slides on the sigmoid layer's backward pass (勾配消失). Drawn from
plain data (the curves and norms that ``deepkiso.vanishing`` computes), so it
imports nothing of the study itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
from matplotlib.figure import Figure

from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure

__all__ = ["plot_vanishing", "ACTIVATION_COLORS", "GradientNorms"]

SIGMOID_GRAD_MAX = 0.25  # max of y(1 - y), at x = 0


class GradientNorms(Protocol):
    """One net's ‖∂L/∂W_i‖ per layer, from the input (norms[0]) to the loss (``vanishing.LayerGradients``)."""

    @property
    def activation(self) -> str: ...
    @property
    def weight_init(self) -> str | float: ...
    @property
    def norms(self) -> np.ndarray: ...
    @property
    def first_to_last(self) -> float: ...


ACTIVATION_COLORS = {"sigmoid": "#d62728", "tanh": "#ff7f0e", "relu": "#1f77b4"}


def _draw_derivatives(ax, x: np.ndarray, derivatives: Mapping[str, np.ndarray]) -> None:
    for name, dydx in derivatives.items():
        ax.plot(x, dydx, color=ACTIVATION_COLORS[name], lw=2.2, label=f"{name}′(x)")
    ax.axhline(SIGMOID_GRAD_MAX, color=ACTIVATION_COLORS["sigmoid"], ls="--", lw=1.2)
    ax.annotate(
        "sigmoid′(x) = y(1 − y) ≤ 0.25",
        xy=(float(np.max(x)), SIGMOID_GRAD_MAX),
        xytext=(0, 5),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=10,
        color=ACTIVATION_COLORS["sigmoid"],
    )
    ax.set_ylim(-0.05, 1.15)
    ax.set_xlabel("x")
    ax.set_ylabel("dy/dx")
    ax.set_title(_("Derivatives of the activations"), fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=10)


def _draw_norms(ax, results: Sequence[GradientNorms]) -> None:
    for r in results:
        layers = np.arange(1, len(r.norms) + 1)
        color = ACTIVATION_COLORS.get(r.activation, "black")
        ax.semilogy(
            layers,
            r.norms,
            "-o",
            color=color,
            lw=2.2,
            label=_("{activation} ({init} init): layer 1 gets ×{ratio} of the last").format(
                activation=r.activation, init=r.weight_init, ratio=f"{r.first_to_last:.2g}"
            ),
        )
        if r.activation == "sigmoid":
            # What the 0.25 alone would do: one factor per sigmoid layer between W_i and the loss.
            guide = r.norms[-1] * SIGMOID_GRAD_MAX ** (layers[-1] - layers)
            ax.semilogy(
                layers,
                guide,
                ":",
                color=color,
                lw=1.5,
                label=_("×0.25 per layer (the bound alone)"),
            )
    ax.set_xticks(np.arange(1, max(len(r.norms) for r in results) + 1))
    ax.set_xlabel(_("layer (1 = next to the input, last = next to the loss)"))
    ax.set_ylabel(_("‖∂L/∂W‖ at initialisation"))
    depth = len(results[0].norms) - 1 if results else 0
    ax.set_title(
        _("Gradient reaching each layer of a net with {depth} hidden layers").format(depth=depth),
        fontsize=11,
    )
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="lower right", fontsize=9.5)


def plot_vanishing(
    results: Sequence[GradientNorms], x: np.ndarray, derivatives: Mapping[str, np.ndarray]
) -> Figure:
    """Two panels (12.8 × 5.2 in): the activations' derivatives with the 0.25 line, and ‖∂L/∂W‖ per layer.

    x: (M,) points; derivatives: activation name -> dy/dx at x, (M,) each
    (``vanishing.activation_derivatives(x)``).
    """
    if not results:
        raise ValueError(_("plot_vanishing: give at least one LayerGradients, got none"))

    fig = new_figure(figsize=(12.8, 5.2), layout="constrained")
    _draw_derivatives(fig.add_subplot(1, 2, 1), x, derivatives)
    _draw_norms(fig.add_subplot(1, 2, 2), results)
    fig.suptitle(
        _("Vanishing gradients: each sigmoid layer passes back at most a quarter"), fontsize=13
    )
    return fig
