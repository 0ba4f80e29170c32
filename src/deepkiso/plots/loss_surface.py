"""Picture of the misclassification rate against the cross-entropy along a line through weight space.

Serves the course's question 「誤識別率を損失関数に設定するとどうなるか」: a
staircase beside a smooth curve (top) and their numerical slopes (bottom),
zero almost everywhere beside nonzero almost everywhere. Takes plain data: the results
of ``deepkiso.loss_surface`` or anything of the same shape (the Protocols below).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from matplotlib.figure import Figure

from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure


class LineScan(Protocol):
    """The scan along θ* + α·d (``deepkiso.loss_surface.LineScan`` is one): arrays of (n,)."""

    @property
    def alphas(self) -> np.ndarray: ...
    @property
    def error_rate(self) -> np.ndarray: ...
    @property
    def cross_entropy(self) -> np.ndarray: ...
    @property
    def error_rate_slope(self) -> np.ndarray: ...
    @property
    def cross_entropy_slope(self) -> np.ndarray: ...
    @property
    def n_samples(self) -> int: ...
    @property
    def h(self) -> float: ...

    def zero_slope_fraction(self, which: str) -> float: ...


class ZeroGradientCount(Protocol):
    """Zero partial derivatives at one α (``deepkiso.loss_surface.ZeroGradientCount`` is one)."""

    @property
    def alpha(self) -> float: ...
    @property
    def n_params(self) -> int: ...
    @property
    def error_rate_zeros(self) -> int: ...
    @property
    def cross_entropy_zeros(self) -> int: ...
    @property
    def inert_params(self) -> int: ...


__all__ = ["plot_loss_vs_error_rate"]

_ERROR_COLOR = "#d62728"
_LOSS_COLOR = "#1f77b4"


def _zero_note(counts: Sequence[ZeroGradientCount]) -> str:
    c = counts[0]
    alphas = ", ".join(f"{k.alpha:g}" for k in counts)
    loss_zeros = max(k.cross_entropy_zeros for k in counts)
    numbers = dict(
        n_params=f"{c.n_params:,}",
        alphas=alphas,
        error_zeros=f"{max(k.error_rate_zeros for k in counts):,}",
        loss_zeros=f"{loss_zeros:,}",
        inert=f"{c.inert_params:,}",
    )
    # "only" when the inert weights are all of the cross-entropy's zeros, as they are on the digits.
    if loss_zeros == c.inert_params:
        note = _(
            "The whole numerical gradient, all {n_params} weights, at α = {alphas}:  "
            "misclassification rate: {error_zeros} of {n_params} partial derivatives are 0;  "
            "cross-entropy: {loss_zeros}\n(only the {inert} weights from pixels that are blank "
            "in every image, which no loss depends on)"
        )
    else:
        note = _(
            "The whole numerical gradient, all {n_params} weights, at α = {alphas}:  "
            "misclassification rate: {error_zeros} of {n_params} partial derivatives are 0;  "
            "cross-entropy: {loss_zeros}\n({inert} of them are the weights from pixels that are "
            "blank in every image, which no loss depends on)"
        )
    return note.format(**numbers)


def plot_loss_vs_error_rate(
    scan: LineScan, counts: Sequence[ZeroGradientCount] | None = None
) -> Figure:
    """2 × 2 panels: error rate and cross-entropy against α (top), their slopes along d (bottom).

    counts: optional whole-gradient zero counts, written under the panels.
    Returns a Figure of 12 × 8.4 in.
    """
    fig = new_figure(figsize=(12, 8.4), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    a = scan.alphas
    n = scan.n_samples

    ax = axes[0, 0]
    ax.plot(a, scan.error_rate, color=_ERROR_COLOR, lw=1.8, drawstyle="steps-mid")
    ax.set_title(
        _("Misclassification rate on {n} images:\na staircase in steps of 1/{n}").format(n=n),
        fontsize=11,
    )
    ax.set_ylabel(_("misclassification rate"))

    ax = axes[0, 1]
    ax.plot(a, scan.cross_entropy, color=_LOSS_COLOR, lw=1.8)
    ax.set_title(
        _("Cross-entropy on the same {n} images:\na smooth curve").format(n=n), fontsize=11
    )
    ax.set_ylabel(_("cross-entropy"))

    zero_error = scan.zero_slope_fraction("error_rate")
    ax = axes[1, 0]
    nonzero = scan.error_rate_slope != 0
    ax.plot(
        a[~nonzero],
        scan.error_rate_slope[~nonzero],
        "o",
        color=_ERROR_COLOR,
        ms=2.5,
        label=_("slope = 0"),
    )
    spike = 1 / (n * 2 * scan.h)
    ax.plot(
        a[nonzero],
        scan.error_rate_slope[nonzero],
        "^",
        color="black",
        ms=6,
        label=_(
            "slope ≠ 0: a step lies within α ± h, so the slope is (1/{n}) / 2h = ±{spike}"
        ).format(n=n, spike=f"{spike:g}"),
    )
    ax.set_title(
        _(
            "Its numerical slope along the line: 0 at {share} of the {n_points} points\n"
            "— nothing for gradient descent to follow"
        ).format(share=f"{zero_error:.1%}", n_points=len(a)),
        fontsize=11,
    )
    ax.set_ylabel(_("slope, central difference (h = {h})").format(h=f"{scan.h:g}"))
    # Symmetric limits put the ±spikes near the top and bottom and leave the band
    # between 0 and the top spikes free for the legend.
    reach = 1.2 * max(spike, float(np.max(np.abs(scan.error_rate_slope))))
    ax.set_ylim(-reach, reach)
    ax.legend(loc="center", bbox_to_anchor=(0.5, 0.7), fontsize=9)

    zero_loss = scan.zero_slope_fraction("cross_entropy")
    ax = axes[1, 1]
    ax.axhline(0, color="0.5", lw=0.8)
    ax.plot(a, scan.cross_entropy_slope, color=_LOSS_COLOR, lw=1.8)
    ax.set_title(
        _(
            "Its numerical slope along the line: 0 at {share} of the points\n"
            "— it shows the way downhill at every point"
        ).format(share=f"{zero_loss:.1%}"),
        fontsize=11,
    )
    ax.set_ylabel(_("slope, central difference (h = {h})").format(h=f"{scan.h:g}"))

    for ax in axes.flat:
        ax.axvline(0, color="0.5", ls=":", lw=1)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel(_("α: weights θ* + α·d  (θ* trained, d a random direction)"))
    if counts:
        fig.supxlabel(_zero_note(counts), fontsize=10)
    fig.suptitle(_("Why not use the misclassification rate as the loss?"), fontsize=13)

    return fig
