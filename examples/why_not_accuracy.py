"""Why the misclassification rate is not used as the loss (誤識別率 vs クロスエントロピー).

A 64-16-10 net is trained briefly on the embedded 8×8 digits; along a random
line through its weights the misclassification rate on 100 images is a
staircase whose numerical slope is 0 almost everywhere, while the
cross-entropy is smooth and has a slope everywhere. Saves why_not_accuracy.png.

    python examples/why_not_accuracy.py [OUTPUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from deepkiso.data import load_dataset
from deepkiso.loss_surface import count_zero_gradients, random_direction, scan_line, train_briefly
from deepkiso.plots.loss_surface import plot_loss_vs_error_rate


def main(out_dir: Path) -> Path:
    (x, t), _ = load_dataset("digits")
    rng = np.random.default_rng(0)
    net = train_briefly(x, t, rng=rng)
    chosen = rng.choice(len(x), size=100, replace=False)
    direction = random_direction(net, rng)
    scan = scan_line(net, x[chosen], t[chosen], direction)
    counts = count_zero_gradients(net, x[chosen], t[chosen], direction, alphas=(0.0,))
    print(
        f"slope 0 at {scan.zero_slope_fraction('error_rate'):.1%} of the points for the misclassification rate, "
        f"at {scan.zero_slope_fraction('cross_entropy'):.1%} for the cross-entropy"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "why_not_accuracy.png"
    plot_loss_vs_error_rate(scan, counts).savefig(out, dpi=80)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
