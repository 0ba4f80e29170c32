"""Pictures of numerical differentiation's error against h, and of its cost against backprop.

Serves exercise 2_2 (数値微分 vs 解析的微分): the V-shaped error curves of the
forward and central differences in float32 and float64 with the course's
h = 1e-4 marked, and the measured time of a numerical gradient and of
backprop as a net grows. Takes plain data: the results of ``deepkiso.diff_error`` or
anything of the same shape (the Protocols below).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
from matplotlib.figure import Figure

from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure


class _Function(Protocol):
    @property
    def formula(self) -> str: ...
    @property
    def x(self) -> float: ...


class DifferenceErrors(Protocol):
    """Errors against h (``deepkiso.diff_error.DifferenceErrors`` is one).

    @property
    def steps(self) -> (n,) the values of h; errors[(method, dtype name)]: (n,).: ...
    """

    @property
    def steps(self) -> np.ndarray: ...
    @property
    def errors(self) -> Mapping[tuple[str, str], np.ndarray]: ...

    @property
    def function(self) -> _Function: ...
    def best_step(self, method: str, dtype: str) -> tuple[float, float]: ...


class GradientTiming(Protocol):
    """One net's measured seconds per gradient (``deepkiso.diff_error.GradientTiming`` is one)."""

    @property
    def n_params(self) -> int: ...
    @property
    def numerical_seconds(self) -> float: ...
    @property
    def backprop_seconds(self) -> float: ...


__all__ = ["plot_difference_errors", "plot_gradient_timing", "plot_numdiff"]

_METHOD_COLORS = {"forward": "#d62728", "central": "#1f77b4"}
_DTYPE_STYLES = {"float64": "-", "float32": "--"}
COURSE_STEP = 1e-4


def _method_name(method: str) -> str:
    """A difference method's name as the legend says it ("forward", "central")."""
    return {"forward": _("forward"), "central": _("central")}.get(method, method)


def _draw_errors(ax, result: DifferenceErrors) -> None:
    for (method, dtype), error in result.errors.items():
        color, style = _METHOD_COLORS.get(method, "black"), _DTYPE_STYLES.get(dtype, ":")
        ax.loglog(
            result.steps,
            error,
            style,
            color=color,
            lw=2,
            label=_("{method}, {dtype}").format(method=_method_name(method), dtype=dtype),
        )
        h, best = result.best_step(method, dtype)
        ax.plot(h, best, "o", color=color, ms=7, mec="black", mew=0.8)
    ax.axvline(COURSE_STEP, color="0.3", ls=":", lw=1.5)
    ax.annotate(
        _("the course's\nh = 1e-4"),
        xy=(COURSE_STEP, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-5, -6),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=10,
    )
    # Large h on the left (the x axis is inverted): truncation dominates there, rounding on the right.
    ax.annotate(
        _("← truncation error:\n∝ h (forward), ∝ h² (central)"),
        xy=(0.03, 0.06),
        xycoords="axes fraction",
        ha="left",
        va="bottom",
        fontsize=10,
        color="0.25",
    )
    ax.annotate(
        _("rounding error:\n∝ eps·|f| / h →"),
        xy=(0.97, 0.70),
        xycoords="axes fraction",
        ha="right",
        va="bottom",
        fontsize=10,
        color="0.25",
    )
    ax.invert_xaxis()  # read left to right as h gets smaller, the way a learner tries it
    ax.set_xlabel(_("step h  (smaller →)"))
    ax.set_ylabel(_("relative error |numerical − analytic| / |analytic|"))
    ax.set_title(
        _(
            "Error of difference quotients, {formula} at x = {x}\n(● the best h of each curve)"
        ).format(formula=result.function.formula, x=f"{result.function.x:g}"),
        fontsize=11,
    )
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="lower right", fontsize=10, framealpha=0.95)


def _draw_timing(ax, rows: Sequence[GradientTiming]) -> None:
    n_params = np.array([r.n_params for r in rows])
    numerical = np.array([r.numerical_seconds for r in rows])
    backprop = np.array([r.backprop_seconds for r in rows])
    ax.loglog(
        n_params,
        numerical,
        "-o",
        color="#d62728",
        lw=2,
        label=_("numerical gradient (central differences)"),
    )
    ax.loglog(n_params, backprop, "-o", color="#1f77b4", lw=2, label=_("backpropagation"))
    for n, num, back in zip(n_params, numerical, backprop):
        ax.annotate(
            f"×{num / back:,.0f}",
            xy=(n, np.sqrt(num * back)),
            ha="center",
            va="center",
            fontsize=9,
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.7"),
        )
    ax.set_xlabel(_("number of parameters of the net"))
    ax.set_ylabel(_("seconds per full gradient (measured)"))
    ax.set_title(
        _("Numerical differentiation is slow\n(×: how many times slower than backprop)"),
        fontsize=11,
    )
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="upper left", fontsize=10)


def plot_difference_errors(result: DifferenceErrors) -> Figure:
    """Relative error against h (log-log), one curve per method and dtype; 6.4 × 5.2 in."""
    fig = new_figure(figsize=(6.4, 5.2), layout="constrained")
    _draw_errors(fig.add_subplot(), result)
    return fig


def plot_gradient_timing(rows: Sequence[GradientTiming]) -> Figure:
    """Seconds per gradient against the number of parameters, numerical vs backprop; 6.4 × 5.2 in."""
    fig = new_figure(figsize=(6.4, 5.2), layout="constrained")
    _draw_timing(fig.add_subplot(), rows)
    return fig


def plot_numdiff(result: DifferenceErrors, rows: Sequence[GradientTiming] | None = None) -> Figure:
    """Both pictures side by side (12.8 × 5.2 in), or only the errors when rows is None (6.4 × 5.2 in)."""
    fig = new_figure(figsize=(12.8 if rows else 6.4, 5.2), layout="constrained")
    _draw_errors(fig.add_subplot(1, 2 if rows else 1, 1), result)
    if rows:
        _draw_timing(fig.add_subplot(1, 2, 2), rows)
    return fig
