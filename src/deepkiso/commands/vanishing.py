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
from deepkiso.commands._output import add_dpi_option, add_out_option, check_path, pad, save_figure
from deepkiso.errors import UsageError
from deepkiso.i18n import N_, _
from deepkiso.layers import ACTIVATIONS
from deepkiso.vanishing import activation_derivatives, compare_activations

NAME = "vanishing"
HELP = N_(
    "vanishing gradients: ‖∂L/∂W‖ per layer of a deep net at initialisation, sigmoid vs tanh vs ReLU"
)

# 100 layers of 512 units are 26 M float64 weights and gradients (about 420 MB) and one backprop: seconds.
LAYERS = Integer(1, 100)
WIDTH = Integer(1, 512)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--layers",
        type=LAYERS,
        default=10,
        help=_("hidden layers, {range} (default: %(default)s)").format(range=LAYERS),
    )
    parser.add_argument(
        "--width",
        type=WIDTH,
        default=64,
        help=_("units per hidden layer, {range} (default: %(default)s)").format(range=WIDTH),
    )
    parser.add_argument(
        "--activations",
        nargs="+",
        default=["sigmoid", "tanh", "relu"],
        metavar="NAME",
        help=_("activations to compare, from {names} (default: sigmoid tanh relu)").format(
            names=", ".join(sorted(ACTIVATIONS))
        ),
    )
    parser.add_argument(
        "--weight-init",
        type=weight_init,
        default=None,
        metavar="INIT",
        help=_(
            "he, xavier or a standard deviation {range} such as 0.01, for every net "
            "(default: xavier for sigmoid and tanh, he for relu)"
        ).format(range=WEIGHT_STD),
    )
    add_out_option(parser, "vanishing.png")
    add_dpi_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        default=0,
        help=_("seed of the weights and the batch, {range} (default: %(default)s)").format(
            range=SEED
        ),
    )


def run(args: argparse.Namespace) -> int:
    check_path(args.out, "--out")
    unknown = [a for a in args.activations if a not in ACTIVATIONS]
    if unknown:
        raise UsageError(
            _("--activations: unknown {name!r}; choose from {names}").format(
                name=unknown[0], names=", ".join(sorted(ACTIVATIONS))
            )
        )

    results = compare_activations(
        args.activations, args.layers, args.width, weight_init=args.weight_init, rng=args.seed
    )
    print(_("‖∂L/∂W‖ per layer at initialisation (layer 1 next to the input)"))
    print(
        pad(_("layer"), 5, ">")
        + " "
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
