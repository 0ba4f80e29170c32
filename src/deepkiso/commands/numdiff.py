"""``deepkiso numdiff``: how wrong and how slow numerical differentiation is, measured.

For exercise 2_2 (数値微分 vs 解析的微分): prints the relative error of the
forward and central differences in float32 and float64 at h = 1e-1 … 1e-12,
the best h of each, and the time of a numerical gradient against backprop for
nets of growing size; draws both as one picture:

    deepkiso numdiff --out numdiff.png
    deepkiso numdiff --function quadratic --no-timing --out quadratic.png
"""

from __future__ import annotations

import argparse
import sys

from deepkiso import i18n
from deepkiso.commands._options import SEED, Integer, at_most
from deepkiso.commands._output import add_dpi_option, add_out_option, check_path, pad, save_figure
from deepkiso.diff_error import SCALAR_FUNCTIONS, difference_errors, time_gradients
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--function",
        choices=sorted(SCALAR_FUNCTIONS),
        default="sin",
        help=_(
            "the function to differentiate: sin at x=1, exp at x=1, or the course's "
            "quadratic 0.01x²+0.1x at x=5 (default: %(default)s)"
        ),
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

    errors = difference_errors(args.function)
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
