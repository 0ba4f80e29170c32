"""Pictures of numerical differentiation's error against h, and of its cost against backprop.

Serves exercise 2_2 (数値微分 vs 解析的微分): the slide's picture of the
central difference (the tangent at x against the secant over 2h and the forward
difference's secant over h), the V-shaped error curves of the
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


class Secants(Protocol):
    """The tangent and the secants at x with step h (``deepkiso.diff_error.Secants`` is one)."""

    @property
    def function(self) -> _Function: ...
    @property
    def x(self) -> float: ...
    @property
    def h(self) -> float: ...
    @property
    def f_minus(self) -> float: ...
    @property
    def f_x(self) -> float: ...
    @property
    def f_plus(self) -> float: ...
    @property
    def tangent(self) -> float: ...
    @property
    def central(self) -> float: ...
    @property
    def forward(self) -> float: ...
    @property
    def curve_x(self) -> np.ndarray: ...
    @property
    def curve_y(self) -> np.ndarray: ...


__all__ = ["plot_difference_errors", "plot_gradient_timing", "plot_numdiff", "plot_secants"]

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


_TANGENT_COLOR = "#2ca02c"


def _number(value: float) -> str:
    return f"{value + 0.0:.4g}"


def _error(value: float, scale: float) -> str:
    """An error with its sign; one within rounding of 0 (the central difference of a quadratic) is 0."""
    if abs(value) <= 1e-12 * max(1.0, abs(scale)):
        return "0"
    return f"{value + 0.0:+.3g}"


def plot_secants(result: Secants) -> Figure:
    """The central difference as the slide draws it: f, the tangent at x, the secant through
    x ± h (central difference, slope over 2h) and the one through x, x + h (forward difference).

    The legend gives each line's slope (and the secants' errors against f′(x)); the x axis marks
    x − h, x, x + h, with h and 2h drawn under the curve. 7.2 × 5.4 in.
    """
    x, h = result.x, result.h
    fig = new_figure(figsize=(7.2, 5.4), layout="constrained")
    ax = fig.add_subplot()
    xs = np.asarray(result.curve_x)
    ys = np.asarray(result.curve_y)
    ax.plot(xs, ys, color="black", lw=2.4, label=result.function.formula, zorder=3)
    lines = [
        (
            result.tangent,
            x,
            result.f_x,
            _TANGENT_COLOR,
            "-",
            _("tangent at x: true slope f′(x) = {slope}").format(slope=_number(result.tangent)),
        ),
        (
            result.central,
            x + h,
            result.f_plus,
            _METHOD_COLORS["central"],
            "--",
            _("central difference, secant over 2h: slope {slope} (error {error})").format(
                slope=_number(result.central),
                error=_error(result.central - result.tangent, result.tangent),
            ),
        ),
        (
            result.forward,
            x + h,
            result.f_plus,
            _METHOD_COLORS["forward"],
            "-.",
            _("forward difference, secant over h: slope {slope} (error {error})").format(
                slope=_number(result.forward),
                error=_error(result.forward - result.tangent, result.tangent),
            ),
        ),
    ]
    for slope, x0, y0, color, style, label in lines:
        ax.plot(xs, y0 + slope * (xs - x0), style, color=color, lw=1.8, label=label, zorder=2)
    ax.plot(
        [x - h, x, x + h],
        [result.f_minus, result.f_x, result.f_plus],
        "o",
        color="black",
        ms=6,
        zorder=4,
    )
    # The y range of the curve itself (the lines run out of it at the sides), with room below for
    # the h and 2h marks and above for the legend.
    finite = ys[np.isfinite(ys)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    height = (high - low) or 1.0
    bottom, top = low - 0.32 * height, high + 0.42 * height
    ax.set_ylim(bottom, top)
    ax.set_xlim(xs[0], xs[-1])
    for px, py in ((x - h, result.f_minus), (x, result.f_x), (x + h, result.f_plus)):
        ax.plot([px, px], [bottom, py], ":", color="0.45", lw=1, zorder=1)
    ax.set_xticks([x - h, x, x + h])
    ax.set_xticklabels([f"x − h\n{_number(x - h)}", f"x\n{_number(x)}", f"x + h\n{_number(x + h)}"])
    # h from x to x + h, 2h from x − h to x + h, as brackets under the curve.
    for y_mark, start, text in ((0.12, x, "h"), (0.05, x - h, "2h")):
        y_data = bottom + y_mark * (top - bottom)
        ax.annotate(
            "",
            xy=(start, y_data),
            xytext=(x + h, y_data),
            arrowprops=dict(arrowstyle="<->", color="0.25", lw=1.2, shrinkA=0, shrinkB=0),
        )
        ax.text(
            (start + x + h) / 2,
            y_data,
            text,
            ha="center",
            va="center",
            fontsize=11,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
        )
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title(
        _(
            "Numerical differentiation: the tangent and the secants\n{formula} at x = {x}, h = {h}"
        ).format(formula=result.function.formula, x=_number(x), h=_number(h)),
        fontsize=12,
    )
    ax.grid(alpha=0.25)
    ax.legend(loc="upper left", fontsize=9.5, framealpha=0.95)
    return fig
