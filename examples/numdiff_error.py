"""How wrong and how slow numerical differentiation is (exercise 2_2, 数値微分 vs 解析的微分).

The relative error of the forward and central differences of sin at x = 1,
in float32 and float64, as h runs from 1e-1 to 1e-12, and the measured time
of a numerical gradient against backprop for TwoLayerNets of growing size.
Prints both and saves numdiff_error.png.

    python examples/numdiff_error.py [OUTPUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

from deepkiso.diff_error import difference_errors, time_gradients
from deepkiso.plots.diff_error import plot_numdiff


def main(out_dir: Path) -> Path:
    errors = difference_errors("sin")
    for method, dtype in errors.errors:
        h, best = errors.best_step(method, dtype)
        print(
            f"{method:>7} {dtype}: error {errors.error_at(1e-4, method, dtype):.1e} at h = 1e-4, "
            f"smallest {best:.1e} at h = {h:.0e}"
        )
    timings = time_gradients(hidden_sizes=(2, 8, 32), repeats=2)
    for row in timings:
        print(
            f"{row.n_params:>5} parameters: numerical {row.numerical_seconds * 1e3:8.2f} ms, "
            f"backprop {row.backprop_seconds * 1e3:6.3f} ms, {row.ratio:6.0f}× slower"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "numdiff_error.png"
    plot_numdiff(errors, timings).savefig(out, dpi=80)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
