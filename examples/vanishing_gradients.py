"""Vanishing gradients (勾配消失): sigmoid passes back at most a quarter per layer; tanh and ReLU pass it on.

A MultiLayerNet with 10 hidden layers of 64 units per activation, at
initialisation, one backprop pass on a random batch: ‖∂L/∂W‖ layer by layer.
Saves vanishing_gradients.png.

    python examples/vanishing_gradients.py [OUTPUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from deepkiso.plots.vanishing import plot_vanishing
from deepkiso.vanishing import activation_derivatives, compare_activations


def main(out_dir: Path) -> Path:
    results = compare_activations(("sigmoid", "tanh", "relu"), n_hidden_layers=10, width=64)
    for r in results:
        print(
            f"{r.activation:>7}: the first layer gets {r.first_to_last:.1e} of the last layer's gradient"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "vanishing_gradients.png"
    x = np.linspace(-6, 6, 601)
    plot_vanishing(results, x, activation_derivatives(x)).savefig(out, dpi=80)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
