"""``deepkiso local-minimum``: the local-minimum trap, and how decaying gradient noise escapes it.

For the slide 「ミニバッチ学習では、局所的最小解にトラップされてしまうリスクを低減できる」: on the
double well f(x, y) = (x² − 1)² + 0.3x + y², plain gradient descent from a start in the basin of
the local minimum stays there; gradient descent whose gradient gets Gaussian noise (as a small
mini-batch's does), with σ decaying linearly to 0, is run from the same start with many seeds,
and the share that ends in the global minimum is counted:

    deepkiso local-minimum --out local_minimum.png
    deepkiso local-minimum --runs 50 --noise 2 --seed 1 --out weaker_noise.png

prints where each walk ended (by the basin its end point lies in) and writes the picture.
"""

from __future__ import annotations

import argparse

from deepkiso.commands._options import SEED, Integer, Number
from deepkiso.commands._output import add_dpi_option, add_out_option, check_path, save_figure
from deepkiso.commands.landscape import COORDINATE, parse_pair
from deepkiso.errors import UsageError
from deepkiso.i18n import N_, _
from deepkiso.landscape import get_surface
from deepkiso.landscape.trap import local_minimum_trap

NAME = "local-minimum"
HELP = N_(
    "the local-minimum trap: plain gradient descent stays, descent with decaying noise escapes "
    "in a counted share of seeded runs"
)

# Every point of every walk is put in a basin: at the limits, 100 runs of
# 2,000 steps take about 2 seconds.
RUNS = Integer(1, 100)
STEPS = Integer(1, 2000)
LEARNING_RATE = Number(0, 10, low_open=True)
NOISE = Number(0, 100)
SURFACE = "double-well"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runs",
        type=RUNS,
        default=20,
        help=_(
            "noisy walks, each with its own seeded noise, {range} (default: %(default)s)"
        ).format(range=RUNS),
    )
    parser.add_argument(
        "--steps",
        type=STEPS,
        default=300,
        help=_("steps of every walk, {range} (default: %(default)s)").format(range=STEPS),
    )
    parser.add_argument(
        "--lr",
        type=LEARNING_RATE,
        default=0.1,
        metavar="ETA",
        help=_("learning rate of every walk, {range} (default: %(default)s)").format(
            range=LEARNING_RATE
        ),
    )
    parser.add_argument(
        "--noise",
        type=NOISE,
        default=3.5,
        metavar="STD",
        help=_(
            "standard deviation of the gradient noise at the first step, decaying linearly "
            "to 0 at the last, {range} (default: %(default)s)"
        ).format(range=NOISE),
    )
    parser.add_argument(
        "--start",
        default=None,
        metavar="X,Y",
        help=_(
            "the start of every walk, each coordinate {range}; write --start=-1.5,1 for a "
            "negative x (default: 1.5,1, in the basin of the local minimum)"
        ).format(range=COORDINATE),
    )
    add_out_option(parser, "local_minimum.png")
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=_(
            "seed of the noise; walk k draws from the k-th stream split from it, {range} "
            "(default: %(default)s)"
        ).format(range=SEED),
    )


def run(args: argparse.Namespace) -> int:
    check_path(args.out, "--out")
    surface = get_surface(SURFACE)
    start = parse_pair(args.start, "--start") if args.start is not None else surface.start
    try:
        study = local_minimum_trap(
            surface,
            start=start,
            lr=args.lr,
            n_steps=args.steps,
            noise_std=args.noise,
            n_runs=args.runs,
            rng=args.seed,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _print_summary(study, args.seed)

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.trap import plot_local_minimum_trap

    save_figure(plot_local_minimum_trap(study), args.out, args.dpi)
    return 0


def _where(end: str) -> str:
    names = {
        "global": _("the global minimum"),
        "local": _("the local minimum"),
        "diverging": _("nowhere: thrown off the surface"),
    }
    return names[end]


def _print_summary(study, seed: int) -> None:
    print(study.surface.formula)
    for index, (x, y) in enumerate(study.minima):
        f = study.surface(study.minima[index])
        line = (
            _("  global minimum at ({x}, {y}), f = {f}")
            if index == study.global_minimum
            else _("  local minimum at ({x}, {y}), f = {f}")
        )
        print(line.format(x=f"{x:.3f}", y=f"{y:.3g}", f=f"{f:.3f}"))
    end = study.plain_points[-1]
    print(
        _(
            "gradient descent, η = {lr:g}, {steps} steps from ({x0:g}, {y0:g}): ends at "
            "({x}, {y}), in the basin of {where}"
        ).format(
            lr=study.lr,
            steps=study.n_steps,
            x0=study.start[0],
            y0=study.start[1],
            x=f"{end[0]:.3f}",
            y=f"{end[1]:.3f}",
            where=_where(study.plain_end),
        )
    )
    counts = {e: sum(x == e for x in study.ends) for e in ("global", "local", "diverging")}
    print(
        _(
            "noisy descent, σ from {noise:g} to 0, {runs} runs (seed {seed}): {n_global} end in "
            "the global minimum, {n_local} in the local minimum, {n_thrown} thrown off"
        ).format(
            noise=study.noise_std,
            runs=study.n_runs,
            seed=seed,
            n_global=counts["global"],
            n_local=counts["local"],
            n_thrown=counts["diverging"],
        )
    )
    if study.plain_end == "local":
        print(
            _("escaped the trap in {escaped} of {runs} seeded runs ({share:.0%})").format(
                escaped=study.n_escaped, runs=study.n_runs, share=study.escaped_share
            )
        )
