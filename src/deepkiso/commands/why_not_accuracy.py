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
from pathlib import Path

import numpy as np

from deepkiso.commands._figures import check_dpi, check_path, save_figure
from deepkiso.data import load_dataset
from deepkiso.errors import UsageError
from deepkiso.loss_surface import count_zero_gradients, random_direction, scan_line, train_briefly

NAME = "why-not-accuracy"
HELP = "why the misclassification rate is no loss: a staircase with zero gradient vs a smooth cross-entropy"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=100,
                        help="images the two quantities are measured on; the rate moves in steps of "
                             "1/SAMPLES (default: %(default)s)")
    parser.add_argument("--hidden", type=int, default=16, help="hidden units of the net (default: %(default)s)")
    parser.add_argument("--train-steps", type=int, default=300,
                        help="SGD steps of the brief training, batch 50, η = 0.1 (default: %(default)s)")
    parser.add_argument("--points", type=int, default=401,
                        help="points along the line, α from -1 to 1 (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("why_not_accuracy.png"),
                        help="the picture: .png, .svg, .pdf or .jpg (default: %(default)s)")
    parser.add_argument("--dpi", type=int, default=100, help="resolution of the picture (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the training, the samples and the direction (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    check_dpi(args.dpi)
    check_path(args.out, "--out")
    for option, value, low in (("--samples", args.samples, 1), ("--hidden", args.hidden, 1),
                               ("--train-steps", args.train_steps, 0), ("--points", args.points, 3)):
        if value < low:
            raise UsageError(f"{option} must be at least {low}, got {value}")

    (x, t), _ = load_dataset("digits")
    if args.samples > len(x):
        raise UsageError(f"--samples must be at most {len(x)} (the digits' training images), got {args.samples}")
    rng = np.random.default_rng(args.seed)
    print(f"training a 64-{args.hidden}-10 tanh net for {args.train_steps} steps…", file=sys.stderr)
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
    print(f"along θ* + α·d, α in [{scan.alphas[0]:g}, {scan.alphas[-1]:g}], {len(scan.alphas)} points, "
          f"{scan.n_samples} images:")
    print(f"  misclassification rate: {len(np.unique(scan.error_rate))} distinct values from "
          f"{scan.error_rate.min():.3f} to {scan.error_rate.max():.3f}; numerical slope 0 at "
          f"{scan.zero_slope_fraction('error_rate'):.1%} of the points")
    print(f"  cross-entropy:          {len(np.unique(scan.cross_entropy))} distinct values from "
          f"{scan.cross_entropy.min():.3f} to {scan.cross_entropy.max():.3f}; numerical slope 0 at "
          f"{scan.zero_slope_fraction('cross_entropy'):.1%} of the points")
    for c in counts:
        print(f"  whole numerical gradient at α = {c.alpha:g}: {c.error_rate_zeros} of {c.n_params} partial "
              f"derivatives are 0 for the rate, {c.cross_entropy_zeros} for the cross-entropy "
              f"({c.inert_params} weights from always-blank pixels)")
