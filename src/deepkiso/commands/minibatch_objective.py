"""``deepkiso minibatch-objective``: the objective of batch learning against those of its mini-batches.

For the slides 「ミニバッチ学習では、最適化の目的関数は、ミニバッチ毎に異なる」 and 「どの地点での
結果を採用するのが最もよいか」: a line y = w·x + b is fitted to seeded points by mini-batch SGD,
and the loss surface L(w, b) of all the points is drawn beside the surface of each mini-batch,
each with its own minimum, with the path of SGD over them:

    deepkiso minibatch-objective --out minibatch_objective.png
    deepkiso minibatch-objective --batch-size 5 --lr 0.8 --epochs 10 --out small_batches.png

prints every minimum, the end of SGD and the average of its last epoch, with the loss of all the
points at each, and writes the picture.
"""

from __future__ import annotations

import argparse

from deepkiso.commands._options import SEED, Integer, Number
from deepkiso.commands._output import (
    add_dpi_option,
    add_out_option,
    check_path,
    pad,
    save_figure,
    text_width,
)
from deepkiso.commands.landscape import COORDINATE, parse_pair
from deepkiso.errors import UsageError
from deepkiso.i18n import N_, _
from deepkiso.landscape.minibatch import minibatch_objective

NAME = "minibatch-objective"
HELP = N_(
    "batch vs mini-batch learning: the loss surface of all the points beside each mini-batch's, "
    "with their minima and the path of SGD"
)

# The surfaces come from the batches' moments, so a grid costs the same for any number of
# points; at the limits (2,000 points in batches of 2, 100 epochs) SGD takes 100,000 steps, seconds.
SAMPLES = Integer(4, 2000)
BATCH_SIZE = Integer(2, 1000)
EPOCHS = Integer(1, 100)
LEARNING_RATE = Number(0, 10, low_open=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--samples",
        type=SAMPLES,
        default=40,
        help=_(
            "seeded points (x, t) around t = 1.0·x + 0.5, {range} (default: %(default)s)"
        ).format(range=SAMPLES),
    )
    parser.add_argument(
        "--batch-size",
        type=BATCH_SIZE,
        default=10,
        help=_(
            "points per mini-batch, {range}, at most half of --samples; the first 4 mini-batches "
            "are drawn (default: %(default)s)"
        ).format(range=BATCH_SIZE),
    )
    parser.add_argument(
        "--epochs",
        type=EPOCHS,
        default=5,
        help=_("epochs of SGD, one step per mini-batch, {range} (default: %(default)s)").format(
            range=EPOCHS
        ),
    )
    parser.add_argument(
        "--lr",
        type=LEARNING_RATE,
        default=0.5,
        metavar="ETA",
        help=_("learning rate of SGD, {range} (default: %(default)s)").format(range=LEARNING_RATE),
    )
    parser.add_argument(
        "--start",
        default=None,
        metavar="W,B",
        help=_(
            "the starting parameters w,b, each {range}; write --start=-0.5,2 when w is "
            "negative (default: -0.5,2)"
        ).format(range=COORDINATE),
    )
    add_out_option(parser, "minibatch_objective.png")
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=_(
            "seed of the points, the mini-batches and their order, {range} (default: %(default)s)"
        ).format(range=SEED),
    )


def run(args: argparse.Namespace) -> int:
    check_path(args.out, "--out")
    start = parse_pair(args.start, "--start") if args.start is not None else (-0.5, 2.0)
    if args.batch_size > args.samples // 2:
        raise UsageError(
            _(
                "--batch-size {size}: at most half of --samples ({half}), so that there are "
                "at least two mini-batches"
            ).format(size=args.batch_size, half=args.samples // 2)
        )
    try:
        study = minibatch_objective(
            n_samples=args.samples,
            batch_size=args.batch_size,
            epochs=args.epochs,
            lr=args.lr,
            start=start,
            rng=args.seed,
        )
    except ValueError as exc:
        raise UsageError(_("--lr: {cause}").format(cause=exc)) from None
    _print_summary(study)

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.minibatch import plot_minibatch_objective

    save_figure(plot_minibatch_objective(study), args.out, args.dpi)
    return 0


def _print_summary(study) -> None:
    print(
        _(
            "y = w·x + b on {n} points, {k} mini-batches of {size}; SGD η = {lr:g}, {epochs} "
            "epochs from ({w0:g}, {b0:g})"
        ).format(
            n=len(study.x),
            k=study.n_batches,
            size=study.batch_size,
            lr=study.lr,
            epochs=study.epochs,
            w0=study.path[0][0],
            b0=study.path[0][1],
        )
    )
    rows = [(_("minimum of the full batch"), study.full_minimum)]
    rows += [
        (_("minimum of mini-batch {k}").format(k=k + 1), minimum)
        for k, minimum in enumerate(study.batch_minima)
    ]
    rows += [
        (_("SGD after the last step"), study.end),
        (_("average of the last epoch"), study.average),
    ]
    width = max(text_width(name) for name, _point in rows)
    print(
        pad("", width, "<")
        + "  "
        + pad("w", 8, ">")
        + pad("b", 9, ">")
        + "  "
        + _("L (all points)")
    )
    for name, (w, b) in rows:
        loss = study.full_loss((w, b))
        print(f"{pad(name, width, '<')}  {w:8.3f} {b:8.3f}  {loss:.4f}")
