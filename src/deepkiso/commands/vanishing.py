"""``deepkiso vanishing``: the gradient reaching each layer of a deep net, sigmoid vs tanh vs ReLU.

For the slides on vanishing gradients (勾配消失): builds a deep MultiLayerNet
per activation, runs backprop once at initialisation, prints ‖∂L/∂W‖ layer by
layer and draws it beside the activations' derivatives with sigmoid's 0.25:

    deepkiso vanishing --out vanishing.png
    deepkiso vanishing --layers 20 --weight-init 0.01 --out small_init.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from deepkiso.commands import _runs
from deepkiso.commands._figures import check_dpi, check_path, save_figure
from deepkiso.errors import UsageError
from deepkiso.layers import ACTIVATIONS
from deepkiso.nets import WEIGHT_INITS
from deepkiso.vanishing import compare_activations

NAME = "vanishing"
HELP = "vanishing gradients: ‖∂L/∂W‖ per layer of a deep net at initialisation, sigmoid vs tanh vs ReLU"

MAX_LAYERS = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layers", type=int, default=10, help="hidden layers (default: %(default)s)")
    parser.add_argument("--width", type=int, default=64, help="units per hidden layer (default: %(default)s)")
    parser.add_argument("--activations", nargs="+", default=["sigmoid", "tanh", "relu"], metavar="NAME",
                        help=f"activations to compare, from {', '.join(sorted(ACTIVATIONS))} "
                             "(default: sigmoid tanh relu)")
    parser.add_argument("--weight-init", default=None, metavar="INIT",
                        help="he, xavier or a standard deviation such as 0.01, for every net "
                             "(default: xavier for sigmoid and tanh, he for relu)")
    parser.add_argument("--out", type=Path, default=Path("vanishing.png"),
                        help="the picture: .png, .svg, .pdf or .jpg (default: %(default)s)")
    parser.add_argument("--dpi", type=int, default=100, help="resolution of the picture (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the batch (default: %(default)s)")


def _weight_init(text: str | None):
    if text is None or text in WEIGHT_INITS:
        return text
    try:
        return _runs.positive_float("--weight-init", text)  # finite too: inf made every norm nan
    except UsageError:
        raise UsageError(f"--weight-init expects he, xavier or a positive number, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    check_dpi(args.dpi)
    check_path(args.out, "--out")
    if not 1 <= args.layers <= MAX_LAYERS:
        raise UsageError(f"--layers must be between 1 and {MAX_LAYERS}, got {args.layers}")
    if args.width < 1:
        raise UsageError(f"--width must be a positive integer, got {args.width}")
    unknown = [a for a in args.activations if a not in ACTIVATIONS]
    if unknown:
        raise UsageError(f"--activations: unknown {unknown[0]!r}; choose from {', '.join(sorted(ACTIVATIONS))}")

    results = compare_activations(args.activations, args.layers, args.width,
                                  weight_init=_weight_init(args.weight_init), rng=args.seed)
    print("‖∂L/∂W‖ per layer at initialisation (layer 1 next to the input)")
    print(f"{'layer':>5} " + " ".join(f"{r.activation + ' (' + str(r.weight_init) + ')':>18}" for r in results))
    for i in range(args.layers + 1):
        print(f"{i + 1:>5} " + " ".join(f"{r.norms[i]:>18.3e}" for r in results))
    print(f"{'L1/L':>5} " + " ".join(f"{r.first_to_last:>18.3e}" for r in results))

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.vanishing import plot_vanishing

    save_figure(plot_vanishing(results), args.out, args.dpi)
    return 0
