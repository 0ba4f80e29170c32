"""``deepkiso why-not-accuracy``: the misclassification rate against the cross-entropy, on real data.

For the course's question 「誤識別率を損失関数に設定するとどうなるか」: trains a
small net briefly on the embedded 8×8 digits, walks along a random line
through its weights, and prints and draws both quantities and their numerical
slopes — a staircase whose slope is zero almost everywhere beside a smooth
curve whose slope is not:

    deepkiso why-not-accuracy --out why_not_accuracy.png
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from deepkiso.commands._options import SEED, Integer
from deepkiso.commands._output import add_dpi_option, add_out_option, check_path, save_figure
from deepkiso.data import load_dataset
from deepkiso.i18n import N_, _
from deepkiso.loss_surface import count_zero_gradients, random_direction, scan_line, train_briefly

NAME = "why-not-accuracy"
HELP = N_(
    "why the misclassification rate is no loss: a staircase with zero gradient vs a smooth cross-entropy"
)

# The whole numerical gradient is taken twice, so the time grows with --hidden x --samples:
# at these limits the command takes about a minute and well under 1 GB.
SAMPLES = Integer(1, 1437)  # the embedded digits' training images
HIDDEN_SIZE = Integer(1, 256)
TRAIN_STEPS = Integer(0, 100_000)
POINTS = Integer(3, 10_001)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--samples",
        type=SAMPLES,
        default=100,
        help=_(
            "images the two quantities are measured on, {range}; the rate moves in steps of "
            "1/SAMPLES (default: %(default)s)"
        ).format(range=SAMPLES),
    )
    parser.add_argument(
        "--hidden",
        type=HIDDEN_SIZE,
        default=16,
        help=_("hidden units of the net, {range} (default: %(default)s)").format(range=HIDDEN_SIZE),
    )
    parser.add_argument(
        "--train-steps",
        type=TRAIN_STEPS,
        default=300,
        help=_(
            "SGD steps of the brief training, batch 50, η = 0.1, {range} (default: %(default)s)"
        ).format(range=TRAIN_STEPS),
    )
    parser.add_argument(
        "--points",
        type=POINTS,
        default=401,
        help=_("points along the line, α from -1 to 1, {range} (default: %(default)s)").format(
            range=POINTS
        ),
    )
    add_out_option(parser, "why_not_accuracy.png")
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=_(
            "seed of the training, the samples and the direction, {range} (default: %(default)s)"
        ).format(range=SEED),
    )


def run(args: argparse.Namespace) -> int:
    check_path(args.out, "--out")
    (x, t), _test = load_dataset("digits")
    rng = np.random.default_rng(args.seed)
    print(
        _("training a 64-{hidden}-10 tanh net for {steps} steps…").format(
            hidden=args.hidden, steps=args.train_steps
        ),
        file=sys.stderr,
    )
    net = train_briefly(x, t, hidden_size=args.hidden, n_steps=args.train_steps, rng=rng)
    chosen = rng.choice(len(x), size=args.samples, replace=False)
    xs, ts = x[chosen], t[chosen]
    direction = random_direction(net, rng)
    scan = scan_line(net, xs, ts, direction, np.linspace(-1, 1, args.points))
    counts = count_zero_gradients(net, xs, ts, direction, alphas=(0.0, 0.5))
    _print_summary(scan, counts)

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.loss_surface import plot_loss_vs_error_rate

    save_figure(plot_loss_vs_error_rate(scan, counts), args.out, args.dpi)
    return 0


def _print_summary(scan, counts) -> None:
    print(
        _(
            "along θ* + α·d, α in [{low:g}, {high:g}], {n_points} points, {n_samples} images:"
        ).format(
            low=scan.alphas[0],
            high=scan.alphas[-1],
            n_points=len(scan.alphas),
            n_samples=scan.n_samples,
        )
    )
    print(
        _(
            "  misclassification rate: {n} distinct values from {low:.3f} to {high:.3f}; "
            "numerical slope 0 at {zero:.1%} of the points"
        ).format(
            n=len(np.unique(scan.error_rate)),
            low=scan.error_rate.min(),
            high=scan.error_rate.max(),
            zero=scan.zero_slope_fraction("error_rate"),
        )
    )
    print(
        _(
            "  cross-entropy:          {n} distinct values from {low:.3f} to {high:.3f}; "
            "numerical slope 0 at {zero:.1%} of the points"
        ).format(
            n=len(np.unique(scan.cross_entropy)),
            low=scan.cross_entropy.min(),
            high=scan.cross_entropy.max(),
            zero=scan.zero_slope_fraction("cross_entropy"),
        )
    )
    for c in counts:
        print(
            _(
                "  whole numerical gradient at α = {alpha:g}: {rate_zeros} of {n_params} partial "
                "derivatives are 0 for the rate, {entropy_zeros} for the cross-entropy "
                "({inert} weights from always-blank pixels)"
            ).format(
                alpha=c.alpha,
                rate_zeros=c.error_rate_zeros,
                n_params=c.n_params,
                entropy_zeros=c.cross_entropy_zeros,
                inert=c.inert_params,
            )
        )
