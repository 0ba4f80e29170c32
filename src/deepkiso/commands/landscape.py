"""``deepkiso landscape``: descent paths on a surface, drawn with its contour map, −∇f arrows and 3-D view.

For exercise 2_3 (steepest descent and the learning rate), exercise 2_6
(saddle points and plateaus) and its group work: for example

    deepkiso landscape --function saddle --start 1,0 --start 1,0.001 --out saddle.png --surface
    deepkiso landscape --function plateau --optimizer sgd momentum adam noisy-gd --lr 0.5 --steps 200 --out race.png
    deepkiso landscape --function bowl --lr 0.1 0.9 1.05 --steps 30 --out lr.png
    deepkiso landscape --function "x**4 - 2*x**2 + y**2" --gif walk.gif --out walk.png
    deepkiso landscape --function double-well --start 1.5,1 --start=-1.5,1 --out wells.png

prints one line per path (steps needed to reach the goal, where it stopped and
what kind of point that is: a minimum is called local or global where that is known) and
writes the picture. ``deepkiso local-minimum`` draws the double well's trap with many
seeded noisy runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from deepkiso import i18n
from deepkiso.commands._options import SEED, Choice, Integer, Number
from deepkiso.commands._output import (
    add_dpi_option,
    add_out_option,
    check_path,
    pad,
    save_figure,
    save_gif,
    text_width,
)
from deepkiso.errors import UsageError
from deepkiso.i18n import N_, _
from deepkiso.landscape import (
    OPTIMIZER_CHOICES,
    SURFACES,
    descend,
    get_surface,
    surface_from_expression,
)

NAME = "landscape"
HELP = N_("walk down a 2-D surface (bowl, saddle, plateau, …) with optimizers and draw the paths")

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
        help=_(
            'one of {names}, or a formula in x and y such as "x**2 - y**2" (default: %(default)s)'
        ).format(names=", ".join(SURFACES)),
    )
    parser.add_argument(
        "--start",
        action="append",
        default=None,
        metavar="X,Y",
        help=_(
            "a starting point, each coordinate {range}; repeat for several "
            "(write --start=-2,1.5 for a negative x) "
            "(default: the surface's own, e.g. 1,0.001 for the saddle)"
        ).format(range=COORDINATE),
    )
    parser.add_argument(
        "--optimizer",
        nargs="+",
        default=["sgd"],
        metavar="NAME",
        help=_(
            "one or more of {names}; sgd is plain gradient descent and "
            "noisy-gd adds Gaussian noise to its gradient (default: sgd)"
        ).format(names=", ".join(OPTIMIZER_CHOICES)),
    )
    parser.add_argument(
        "--lr",
        nargs="+",
        type=LEARNING_RATE,
        default=[0.1],
        metavar="ETA",
        help=_(
            "learning rate {range}: one for all, or one per optimizer; with one optimizer, "
            "several learning rates compare it with itself (default: 0.1)"
        ).format(range=LEARNING_RATE),
    )
    parser.add_argument(
        "--steps",
        type=STEPS,
        default=100,
        help=_(
            "steps per path, {range}; at most {limit} paths (starts x optimizers x rates) "
            "(default: %(default)s)"
        ).format(range=STEPS, limit=MAX_PATHS),
    )
    parser.add_argument(
        "--noise",
        type=NOISE,
        default=None,
        metavar="STD",
        help=_(
            "standard deviation of the gradient noise of noisy-gd, {range} (default: 1.0)"
        ).format(range=NOISE),
    )
    parser.add_argument(
        "--goal",
        type=GOAL,
        default=None,
        help=_(
            "count the steps until f < GOAL, {range} (default: the surface's, e.g. -1 for the saddle)"
        ).format(range=GOAL),
    )
    parser.add_argument(
        "--xlim",
        default=None,
        metavar="LOW,HIGH",
        help=_(
            "x range of the picture, each end {range}; write --xlim=-3,3 when LOW is negative "
            "(default: the surface's; -3,3 for a formula)"
        ).format(range=COORDINATE),
    )
    parser.add_argument(
        "--ylim",
        default=None,
        metavar="LOW,HIGH",
        help=_(
            "y range of the picture, each end {range}; write --ylim=-3,3 when LOW is negative "
            "(default: the surface's; -3,3 for a formula)"
        ).format(range=COORDINATE),
    )
    add_out_option(parser, "landscape.png")
    parser.add_argument(
        "--surface",
        action="store_true",
        help=_("add a 3-D view of the surface as a third panel (default: off)"),
    )
    parser.add_argument(
        "--arrows",
        type=Choice(N_("arrow scale"), ("linear", "log")),
        default="linear",
        metavar="linear|log",
        help=_(
            "length of the arrows of −∇f: linear, proportional to |∇f| (where it is too small "
            "to draw, a dot), or log, growing with log |∇f| so that every arrow shows "
            "(default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--gif",
        type=Path,
        default=None,
        metavar="PATH",
        help=_("also write the walk as an animated GIF (default: none)"),
    )
    parser.add_argument(
        "--gif-frames",
        type=GIF_FRAMES,
        default=40,
        metavar="N",
        help=_(
            "frames of the GIF, spread evenly over the steps, {range} (default: %(default)s)"
        ).format(range=GIF_FRAMES),
    )
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=_("seed of the gradient noise, {range} (default: %(default)s)").format(range=SEED),
    )


def parse_pair(text: str, option: str) -> tuple[float, float]:
    """Two numbers "A,B" of an option such as --start, each within COORDINATE; a UsageError otherwise."""
    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(
            _(
                "{option} expects two numbers separated by a comma, such as 1,0.5, got {text!r}"
            ).format(option=option, text=text)
        ) from None
    if not all(COORDINATE.low <= v <= COORDINATE.high for v in (a, b)):
        raise UsageError(
            _("{option} expects numbers {range}, got {text!r}").format(
                option=option, range=COORDINATE, text=text
            )
        )
    return a, b


def _range(text: str | None, option: str) -> tuple[float, float] | None:
    if text is None:
        return None
    low, high = parse_pair(text, option)
    if not low < high:
        raise UsageError(
            _("{option} expects LOW,HIGH with LOW < HIGH, got {text!r}").format(
                option=option, text=text
            )
        )
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
        raise UsageError(
            _("--function: not one of {names}, and {cause}").format(
                names=", ".join(SURFACES), cause=exc
            )
        ) from None


def _runs(args: argparse.Namespace) -> list[tuple[str, float]]:
    """(optimizer, learning rate) pairs: the shorter list is repeated when it has one entry."""
    optimizers, lrs = [o.lower() for o in args.optimizer], args.lr
    unknown = [o for o in optimizers if o not in OPTIMIZER_CHOICES]
    if unknown:
        raise UsageError(
            _("--optimizer: unknown {name!r}; choose from {names}").format(
                name=unknown[0], names=", ".join(OPTIMIZER_CHOICES)
            )
        )
    if len(optimizers) == 1:
        optimizers = optimizers * len(lrs)
    elif len(lrs) == 1:
        lrs = lrs * len(optimizers)
    if len(optimizers) != len(lrs):
        raise UsageError(
            _("--lr: give one learning rate or one per optimizer ({expected}), got {got}").format(
                expected=len(optimizers), got=len(lrs)
            )
        )
    return list(zip(optimizers, lrs))


def _check(args: argparse.Namespace) -> None:
    check_path(args.out, "--out")
    if args.gif is not None:
        check_path(args.gif, "--gif", (".gif",))


def run(args: argparse.Namespace) -> int:
    _check(args)
    surface = _surface(args)
    starts = [parse_pair(s, "--start") for s in args.start] if args.start else [surface.start]
    runs = _runs(args)
    if len(starts) * len(runs) > MAX_PATHS:
        raise UsageError(
            _(
                "at most {limit} paths (starts x optimizers x learning rates), got "
                "{starts} x {runs} = {paths}"
            ).format(
                limit=MAX_PATHS,
                starts=len(starts),
                runs=len(runs),
                paths=len(starts) * len(runs),
            )
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
        figure = plot_landscape(surface, paths, show_surface=args.surface, arrow_scale=args.arrows)
    except ValueError as exc:  # a formula with no finite value in the window
        raise UsageError(_("{cause}; choose another --xlim/--ylim").format(cause=exc)) from None
    save_figure(figure, args.out, args.dpi)
    if args.gif is not None:
        print(_("drawing the animation…"), file=sys.stderr)
        save_gif(
            animate_descent(surface, paths, n_frames=args.gif_frames, arrow_scale=args.arrows),
            args.gif,
            fps=6,
            dpi=min(args.dpi, 80),
        )
    return 0


# What the "ends as" column says of each kind of end point (deepkiso.landscape's names for them).
_KINDS = {
    "minimum": N_("minimum"),
    "maximum": N_("maximum"),
    "saddle": N_("saddle"),
    "plateau": N_("plateau"),
    "descending": N_("descending"),
    "diverging": N_("diverging"),
}


# A minimum known to be local or global is named so (deepkiso.landscape.minimum_kind).
_MINIMA = {"local": N_("local minimum"), "global": N_("global minimum")}


def _ends_as(path) -> str:
    if path.kind == "minimum" and path.minimum in _MINIMA:
        return i18n._(_MINIMA[path.minimum])
    return i18n._(_KINDS[path.kind]) if path.kind in _KINDS else path.kind


def _print_table(surface, paths) -> None:
    goal = (
        _("steps to f<{goal:g}").format(goal=surface.goal)
        if surface.goal is not None
        else _("steps to goal")
    )
    print(f"{surface.formula}")
    heads = [_("optimizer"), _("lr"), _("start"), goal, _("end point"), "f(end)", _("ends as")]
    # Columns as wide as the numbers need, or as their heading where it is wider (in Japanese).
    widths = [max(w, text_width(h)) for w, h in zip((10, 7, 17, 16, 23, 11), heads)]

    def row(cells: list[str]) -> str:
        aligned = [pad(cells[0], widths[0], "<")]
        aligned += [pad(cell, width, ">") for cell, width in zip(cells[1:6], widths[1:])]
        return " ".join(aligned) + "  " + cells[6]

    print(row(heads))
    for p in paths:
        needed = (
            "-"
            if p.goal is None
            else (str(p.steps_needed) if p.steps_needed is not None else f">{p.n_steps}")
        )
        cells = [
            p.optimizer,
            f"{p.lr:.4g}",
            f"({p.start[0]:.4g}, {p.start[1]:.4g})",
            needed,
            f"({p.points[-1][0]:.4g}, {p.points[-1][1]:.4g})",
            f"{p.values[-1]:.4g}",
            _ends_as(p),
        ]
        print(row(cells))
