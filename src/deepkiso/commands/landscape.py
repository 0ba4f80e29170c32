"""``deepkiso landscape``: descent paths on a surface, drawn with its contour map, −∇f arrows and 3-D view.

For exercise 2_3 (steepest descent and the learning rate), exercise 2_6
(saddle points and plateaus) and its group work: for example

    deepkiso landscape --function saddle --start 1,0 --start 1,0.001 --out saddle.png --surface
    deepkiso landscape --function plateau --optimizer sgd momentum adam noisy-gd --lr 0.5 --steps 200 --out race.png
    deepkiso landscape --function bowl --lr 0.1 0.9 1.05 --steps 30 --out lr.png
    deepkiso landscape --function "x**4 - 2*x**2 + y**2" --gif walk.gif --out walk.png

prints one line per path (steps needed to reach the goal, where it stopped and
what kind of point that is) and writes the picture.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from deepkiso.commands._options import SEED, Integer, Number
from deepkiso.commands._output import (
    add_dpi_option,
    add_out_option,
    check_path,
    save_figure,
    save_gif,
)
from deepkiso.errors import UsageError
from deepkiso.landscape import (
    OPTIMIZER_CHOICES,
    SURFACES,
    descend,
    get_surface,
    surface_from_expression,
)

NAME = "landscape"
HELP = "walk down a 2-D surface (bowl, saddle, plateau, …) with optimizers and draw the paths"

# A path is a Python loop of NumPy scalars (about 10 µs a step) and its drawing keeps every point:
# 50 paths of 100,000 steps take about a minute and 80 MB.
STEPS = Integer(1, 100_000)
MAX_PATHS = 50
# The surfaces live near the origin; a million keeps every square (x², x⁴ = 1e24) finite in float64.
COORDINATE = Number(-1e6, 1e6)
# Rates above 100 leave every surface in a step or two; the lr demos use 0.1 to 1.05.
LEARNING_RATE = Number(0, 100, low_open=True)
NOISE = Number(0, 100)
GOAL = Number(-1e300, 1e300)
GIF_FRAMES = Integer(2, 200)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--function",
        default="saddle",
        metavar="NAME_OR_EXPR",
        help=f'one of {", ".join(SURFACES)}, or a formula in x and y such as "x**2 - y**2" '
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--start",
        action="append",
        default=None,
        metavar="X,Y",
        help=f"a starting point, each coordinate {COORDINATE}; repeat for several "
        "(write --start=-2,1.5 for a negative x) "
        "(default: the surface's own, e.g. 1,0.001 for the saddle)",
    )
    parser.add_argument(
        "--optimizer",
        nargs="+",
        default=["sgd"],
        metavar="NAME",
        help=f"one or more of {', '.join(OPTIMIZER_CHOICES)}; sgd is plain gradient descent and "
        "noisy-gd adds Gaussian noise to its gradient (default: sgd)",
    )
    parser.add_argument(
        "--lr",
        nargs="+",
        type=LEARNING_RATE,
        default=[0.1],
        metavar="ETA",
        help=f"learning rate {LEARNING_RATE}: one for all, or one per optimizer; with one optimizer, "
        "several learning rates compare it with itself (default: 0.1)",
    )
    parser.add_argument(
        "--steps",
        type=STEPS,
        default=100,
        help=f"steps per path, {STEPS}; at most {MAX_PATHS} paths (starts x optimizers x rates) "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--noise",
        type=NOISE,
        default=None,
        metavar="STD",
        help=f"standard deviation of the gradient noise of noisy-gd, {NOISE} (default: 1.0)",
    )
    parser.add_argument(
        "--goal",
        type=GOAL,
        default=None,
        help=f"count the steps until f < GOAL, {GOAL} "
        "(default: the surface's, e.g. -1 for the saddle)",
    )
    parser.add_argument(
        "--xlim",
        default=None,
        metavar="LOW,HIGH",
        help=f"x range of the picture, each end {COORDINATE}; write --xlim=-3,3 when LOW is negative "
        "(default: the surface's; -3,3 for a formula)",
    )
    parser.add_argument(
        "--ylim",
        default=None,
        metavar="LOW,HIGH",
        help=f"y range of the picture, each end {COORDINATE}; write --ylim=-3,3 when LOW is negative "
        "(default: the surface's; -3,3 for a formula)",
    )
    add_out_option(parser, "landscape.png")
    parser.add_argument(
        "--surface",
        action="store_true",
        help="add a 3-D view of the surface as a third panel (default: off)",
    )
    parser.add_argument(
        "--gif",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the walk as an animated GIF (default: none)",
    )
    parser.add_argument(
        "--gif-frames",
        type=GIF_FRAMES,
        default=40,
        metavar="N",
        help=f"frames of the GIF, spread evenly over the steps, {GIF_FRAMES} (default: %(default)s)",
    )
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=f"seed of the gradient noise, {SEED} (default: %(default)s)",
    )


def _pair(text: str, option: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(
            f"{option} expects two numbers separated by a comma, such as 1,0.5, got {text!r}"
        ) from None
    if not all(COORDINATE.low <= v <= COORDINATE.high for v in (a, b)):
        raise UsageError(f"{option} expects numbers {COORDINATE}, got {text!r}")
    return a, b


def _range(text: str | None, option: str) -> tuple[float, float] | None:
    if text is None:
        return None
    low, high = _pair(text, option)
    if not low < high:
        raise UsageError(f"{option} expects LOW,HIGH with LOW < HIGH, got {text!r}")
    return low, high


def _surface(args: argparse.Namespace):
    xlim, ylim = _range(args.xlim, "--xlim"), _range(args.ylim, "--ylim")
    if args.function in SURFACES:
        surface = get_surface(args.function)
        changes = {
            k: v
            for k, v in {"x_range": xlim, "y_range": ylim, "goal": args.goal}.items()
            if v is not None
        }
        return dataclasses.replace(surface, **changes)
    try:
        return surface_from_expression(
            args.function, xlim or (-3.0, 3.0), ylim or (-3.0, 3.0), args.goal
        )
    except ValueError as exc:
        raise UsageError(f"--function: not one of {', '.join(SURFACES)}, and {exc}") from None


def _runs(args: argparse.Namespace) -> list[tuple[str, float]]:
    """(optimizer, learning rate) pairs: the shorter list is repeated when it has one entry."""
    optimizers, lrs = [o.lower() for o in args.optimizer], args.lr
    unknown = [o for o in optimizers if o not in OPTIMIZER_CHOICES]
    if unknown:
        raise UsageError(
            f"--optimizer: unknown {unknown[0]!r}; choose from {', '.join(OPTIMIZER_CHOICES)}"
        )
    if len(optimizers) == 1:
        optimizers = optimizers * len(lrs)
    elif len(lrs) == 1:
        lrs = lrs * len(optimizers)
    if len(optimizers) != len(lrs):
        raise UsageError(
            f"--lr: give one learning rate or one per optimizer ({len(optimizers)}), got {len(lrs)}"
        )
    return list(zip(optimizers, lrs))


def _check(args: argparse.Namespace) -> None:
    check_path(args.out, "--out")
    if args.gif is not None:
        check_path(args.gif, "--gif", (".gif",))


def run(args: argparse.Namespace) -> int:
    _check(args)
    surface = _surface(args)
    starts = [_pair(s, "--start") for s in args.start] if args.start else [surface.start]
    runs = _runs(args)
    if len(starts) * len(runs) > MAX_PATHS:
        raise UsageError(
            f"at most {MAX_PATHS} paths (starts x optimizers x learning rates), got "
            f"{len(starts)} x {len(runs)} = {len(starts) * len(runs)}"
        )
    rng = np.random.default_rng(args.seed)
    paths = []
    for start in starts:
        for optimizer, lr in runs:
            noise = args.noise if optimizer == "noisy-gd" else None
            paths.append(
                descend(surface, start, optimizer, lr, args.steps, noise_std=noise, rng=rng)
            )
    _print_table(surface, paths)

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.landscape import animate_descent, plot_landscape

    try:
        figure = plot_landscape(surface, paths, show_surface=args.surface)
    except ValueError as exc:  # a formula with no finite value in the window
        raise UsageError(f"{exc}; choose another --xlim/--ylim") from None
    save_figure(figure, args.out, args.dpi)
    if args.gif is not None:
        print("drawing the animation…", file=sys.stderr)
        save_gif(
            animate_descent(surface, paths, n_frames=args.gif_frames),
            args.gif,
            fps=6,
            dpi=min(args.dpi, 80),
        )
    return 0


def _print_table(surface, paths) -> None:
    goal = f"steps to f<{surface.goal:g}" if surface.goal is not None else "steps to goal"
    print(f"{surface.formula}")
    print(
        f"{'optimizer':<10} {'lr':>7} {'start':>17} {goal:>16} {'end point':>23} {'f(end)':>11}  ends as"
    )
    for p in paths:
        start = f"({p.start[0]:.4g}, {p.start[1]:.4g})"
        end = f"({p.points[-1][0]:.4g}, {p.points[-1][1]:.4g})"
        needed = (
            "-"
            if p.goal is None
            else (str(p.steps_needed) if p.steps_needed is not None else f">{p.n_steps}")
        )
        print(
            f"{p.optimizer:<10} {p.lr:>7.4g} {start:>17} {needed:>16} {end:>23} {p.values[-1]:>11.4g}  {p.kind}"
        )
