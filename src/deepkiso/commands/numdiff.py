"""``deepkiso numdiff``: how wrong and how slow numerical differentiation is, measured.

For exercise 2_2 (数値微分 vs 解析的微分): prints the relative error of the
forward and central differences in float32 and float64 at h = 1e-1 … 1e-12,
the best h of each, and the time of a numerical gradient against backprop for
nets of growing size; draws both as one picture:

    deepkiso numdiff --out numdiff.png
    deepkiso numdiff --function quadratic --no-timing --out quadratic.png

With ``--secant`` it draws the slide's picture of the central difference instead: f, its tangent
at x and the secants over 2h (central) and h (forward), with their slopes:

    deepkiso numdiff --secant --function "x**3" --at 1 --h 0.5 --out secant.png
"""

from __future__ import annotations

import argparse
import sys

from deepkiso import i18n
from deepkiso.commands._options import SEED, Integer, Number, at_most
from deepkiso.commands._output import (
    add_dpi_option,
    add_out_option,
    check_path,
    pad,
    save_figure,
    text_width,
)
from deepkiso.diff_error import SCALAR_FUNCTIONS, difference_errors, secants, time_gradients
from deepkiso.errors import UsageError
from deepkiso.i18n import N_, _

NAME = "numdiff"
HELP = N_(
    "error of forward/central differences against h (float32, float64) and numerical-vs-backprop time"
)

_SHOWN_STEPS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12)
# A numerical gradient costs two forward passes per weight: 512 hidden units (10,756 weights)
# take about a second per repeat, and eight sizes of 20 repeats stay within minutes.
HIDDEN_SIZE = Integer(1, 512)
MAX_SIZES = 8
REPEATS = Integer(1, 20)
# The secant picture: any point a slide would use, and a step from invisible to the whole window.
POINT = Number(-1000, 1000)
STEP = Number(0, 100, low_open=True)
SECANT_STEP = 0.5
SECANT_FUNCTION = "x**3"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--function",
        default=None,
        metavar="F",
        help=_(
            "the function to differentiate: sin at x=1, exp at x=1, or the course's "
            "quadratic 0.01x²+0.1x at x=5; with --secant also a formula in x such as "
            '"x**3" (default: sin, and x**3 with --secant)'
        ),
    )
    parser.add_argument(
        "--secant",
        action="store_true",
        help=_(
            "draw the slide's picture instead: f, its tangent at x and the secants of the "
            "central difference (through x ± h) and of the forward difference (through x, x + h), "
            "with their slopes (default: off)"
        ),
    )
    parser.add_argument(
        "--at",
        type=POINT,
        default=None,
        metavar="X",
        help=_(
            "with --secant: the point x, {range} (default: the function's point, 1 for a formula)"
        ).format(range=POINT),
    )
    parser.add_argument(
        "--h",
        type=STEP,
        default=None,
        metavar="H",
        help=_(
            "with --secant: the step h, {range}; large enough to see the secants apart "
            "(default: {default})"
        ).format(range=STEP, default=SECANT_STEP),
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=HIDDEN_SIZE,
        default=[2, 8, 32, 128],
        metavar="H",
        help=_(
            "hidden sizes of the TwoLayerNets to time (16 inputs, 4 classes), up to {limit} "
            "sizes, each {range} (default: 2 8 32 128)"
        ).format(limit=MAX_SIZES, range=HIDDEN_SIZE),
    )
    parser.add_argument(
        "--repeats",
        type=REPEATS,
        default=3,
        help=_(
            "time each gradient this many times and keep the best, {range} (default: %(default)s)"
        ).format(range=REPEATS),
    )
    parser.add_argument(
        "--no-timing",
        action="store_true",
        help=_("skip the timing and draw only the error curves (default: off)"),
    )
    add_out_option(parser, "numdiff.png")
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=_("seed of the timed nets and data, {range} (default: %(default)s)").format(
            range=SEED
        ),
    )


def run(args: argparse.Namespace) -> int:
    check_path(args.out, "--out")
    at_most("--sizes", args.sizes, MAX_SIZES)
    if args.secant:
        return _run_secant(args)
    for option, value in (("--at", args.at), ("--h", args.h)):
        if value is not None:
            raise UsageError(
                _("{option} is for the picture of --secant; add --secant").format(option=option)
            )
    function = args.function or "sin"
    if function not in SCALAR_FUNCTIONS:
        raise UsageError(
            _(
                "--function {name!r}: the error curves need one of {names} (a formula is drawn "
                "with --secant)"
            ).format(name=function, names=", ".join(sorted(SCALAR_FUNCTIONS)))
        )

    errors = difference_errors(function)
    _print_errors(errors)
    rows = None
    if not args.no_timing:
        print(_("timing gradients…"), file=sys.stderr)
        rows = time_gradients(args.sizes, repeats=args.repeats, rng=args.seed)
        _print_timing(rows)

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.diff_error import plot_numdiff

    save_figure(plot_numdiff(errors, rows), args.out, args.dpi)
    return 0


def _run_secant(args: argparse.Namespace) -> int:
    try:
        result = secants(args.function or SECANT_FUNCTION, args.at, args.h or SECANT_STEP)
    except ValueError as exc:  # a refused formula, or one with no finite value there
        raise UsageError(_("--function: {cause}").format(cause=exc)) from None
    print(
        _("slopes at x = {x} with h = {h} for {formula}").format(
            x=f"{result.x:g}", h=f"{result.h:g}", formula=result.function.formula
        )
    )
    rows = [
        (_("tangent f′(x) (analytic)"), result.tangent, None),
        (_("central difference, (f(x+h) − f(x−h)) / 2h"), result.central, result.central_error),
        (_("forward difference, (f(x+h) − f(x)) / h"), result.forward, result.forward_error),
    ]
    width = max(text_width(label) for label, *_rest in rows)
    for label, slope, error in rows:
        line = f"{pad(label, width, '<')}  {slope:>12.6g}"
        if error is not None:
            line += "  " + _("error {error}").format(error=f"{error:+.3e}")
        print(line)

    from deepkiso.plots.diff_error import plot_secants

    save_figure(plot_secants(result), args.out, args.dpi)
    return 0


def _print_errors(errors) -> None:
    f = errors.function
    print(_("relative error of df/dx for {formula} at x = {x:g}").format(formula=f.formula, x=f.x))
    curves = list(errors.errors)
    print(f"{'h':>8} " + " ".join(pad(f"{_method(m)} {d}", 17, ">") for m, d in curves))
    for h in _SHOWN_STEPS:
        print(f"{h:>8.0e} " + " ".join(f"{errors.error_at(h, m, d):>17.2e}" for m, d in curves))
    best = " ".join(f"{errors.best_step(m, d)[0]:>17.1e}" for m, d in curves)
    print(pad(_("best h"), 8, ">") + " " + best)


# The difference quotients by the names diff_error gives them, as a table's heading shows them.
_METHODS = {"forward": N_("forward"), "central": N_("central")}


def _method(name: str) -> str:
    return i18n._(_METHODS[name]) if name in _METHODS else name


def _print_timing(rows) -> None:
    print(_("seconds per full gradient (best of the repeats; this machine)"))
    heads = [_("hidden"), _("params"), _("numerical"), _("backprop"), _("ratio")]
    print(" ".join(pad(head, width, ">") for head, width in zip(heads, (6, 7, 11, 11, 8))))
    for r in rows:
        print(
            f"{r.hidden_size:>6} {r.n_params:>7} {r.numerical_seconds:>11.2e} {r.backprop_seconds:>11.2e} "
            f"{r.ratio:>8.0f}"
        )
