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

from deepkiso.commands._options import SEED, Integer, at_most
from deepkiso.commands._output import add_dpi_option, add_out_option, check_path, save_figure
from deepkiso.diff_error import SCALAR_FUNCTIONS, difference_errors, time_gradients

NAME = "numdiff"
HELP = "error of forward/central differences against h (float32, float64) and numerical-vs-backprop time"

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
        help="the function to differentiate: sin at x=1, exp at x=1, or the course's "
        "quadratic 0.01x²+0.1x at x=5 (default: %(default)s)",
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=HIDDEN_SIZE,
        default=[2, 8, 32, 128],
        metavar="H",
        help=f"hidden sizes of the TwoLayerNets to time (16 inputs, 4 classes), up to {MAX_SIZES} "
        f"sizes, each {HIDDEN_SIZE} (default: 2 8 32 128)",
    )
    parser.add_argument(
        "--repeats",
        type=REPEATS,
        default=3,
        help=f"time each gradient this many times and keep the best, {REPEATS} (default: %(default)s)",
    )
    parser.add_argument(
        "--no-timing",
        action="store_true",
        help="skip the timing and draw only the error curves (default: off)",
    )
    add_out_option(parser, "numdiff.png")
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=f"seed of the timed nets and data, {SEED} (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    check_path(args.out, "--out")
    at_most("--sizes", args.sizes, MAX_SIZES)

    errors = difference_errors(args.function)
    _print_errors(errors)
    rows = None
    if not args.no_timing:
        print("timing gradients…", file=sys.stderr)
        rows = time_gradients(args.sizes, repeats=args.repeats, rng=args.seed)
        _print_timing(rows)

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.diff_error import plot_numdiff

    save_figure(plot_numdiff(errors, rows), args.out, args.dpi)
    return 0


def _print_errors(errors) -> None:
    f = errors.function
    print(f"relative error of df/dx for {f.formula} at x = {f.x:g}")
    curves = list(errors.errors)
    print(f"{'h':>8} " + " ".join(f"{m + ' ' + d:>17}" for m, d in curves))
    for h in _SHOWN_STEPS:
        print(f"{h:>8.0e} " + " ".join(f"{errors.error_at(h, m, d):>17.2e}" for m, d in curves))
    print(f"{'best h':>8} " + " ".join(f"{errors.best_step(m, d)[0]:>17.1e}" for m, d in curves))


def _print_timing(rows) -> None:
    print("seconds per full gradient (best of the repeats; this machine)")
    print(f"{'hidden':>6} {'params':>7} {'numerical':>11} {'backprop':>11} {'ratio':>8}")
    for r in rows:
        print(
            f"{r.hidden_size:>6} {r.n_params:>7} {r.numerical_seconds:>11.2e} {r.backprop_seconds:>11.2e} "
            f"{r.ratio:>8.0f}"
        )
