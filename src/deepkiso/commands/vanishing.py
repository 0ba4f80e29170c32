"""``deepkiso vanishing``: the gradient reaching each layer of a deep net, sigmoid vs tanh vs ReLU.

For the slides on vanishing gradients (勾配消失): builds a deep MultiLayerNet
per activation, runs backprop once at initialisation, prints ‖∂L/∂W‖ layer by
layer and draws it beside the activations' derivatives with sigmoid's 0.25:

    deepkiso vanishing --out vanishing.png
    deepkiso vanishing --layers 20 --weight-init 0.01 --out small_init.png
"""

from __future__ import annotations

import argparse

from deepkiso.commands._options import SEED, WEIGHT_STD, Integer, weight_init
from deepkiso.commands._output import add_dpi_option, add_out_option, check_path, save_figure
from deepkiso.errors import UsageError
from deepkiso.layers import ACTIVATIONS
from deepkiso.vanishing import activation_derivatives, compare_activations

NAME = "vanishing"
HELP = "vanishing gradients: ‖∂L/∂W‖ per layer of a deep net at initialisation, sigmoid vs tanh vs ReLU"

# 100 layers of 512 units are 26 M float64 weights and gradients (about 420 MB) and one backprop: seconds.
LAYERS = Integer(1, 100)
WIDTH = Integer(1, 512)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--layers", type=LAYERS, default=10, help=f"hidden layers, {LAYERS} (default: %(default)s)"
    )
    parser.add_argument(
        "--width",
        type=WIDTH,
        default=64,
        help=f"units per hidden layer, {WIDTH} (default: %(default)s)",
    )
    parser.add_argument(
        "--activations",
        nargs="+",
        default=["sigmoid", "tanh", "relu"],
        metavar="NAME",
        help=f"activations to compare, from {', '.join(sorted(ACTIVATIONS))} "
        "(default: sigmoid tanh relu)",
    )
    parser.add_argument(
        "--weight-init",
        type=weight_init,
        default=None,
        metavar="INIT",
        help=f"he, xavier or a standard deviation {WEIGHT_STD} such as 0.01, for every net "
        "(default: xavier for sigmoid and tanh, he for relu)",
    )
    add_out_option(parser, "vanishing.png")
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=f"seed of the weights and the batch, {SEED} (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    check_path(args.out, "--out")
    unknown = [a for a in args.activations if a not in ACTIVATIONS]
    if unknown:
        raise UsageError(
            f"--activations: unknown {unknown[0]!r}; choose from {', '.join(sorted(ACTIVATIONS))}"
        )

    results = compare_activations(
        args.activations, args.layers, args.width, weight_init=args.weight_init, rng=args.seed
    )
    print("‖∂L/∂W‖ per layer at initialisation (layer 1 next to the input)")
    print(
        f"{'layer':>5} "
        + " ".join(f"{r.activation + ' (' + str(r.weight_init) + ')':>18}" for r in results)
    )
    for i in range(args.layers + 1):
        print(f"{i + 1:>5} " + " ".join(f"{r.norms[i]:>18.3e}" for r in results))
    print(f"{'L1/L':>5} " + " ".join(f"{r.first_to_last:>18.3e}" for r in results))

    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    import numpy as np

    from deepkiso.plots.vanishing import plot_vanishing

    x = np.linspace(-6, 6, 601)
    save_figure(plot_vanishing(results, x, activation_derivatives(x)), args.out, args.dpi)
    return 0
