"""The learning rate η on the bowl f(x, y) = x² + y² (exercise 2_3, 最急降下法 and 学習率).

Each step multiplies the position by 1 − 2η: η = 0.1 creeps in (×0.8),
η = 0.8 jumps across the minimum every step (×−0.6) and still arrives sooner,
and η = 1.05 jumps further each time (×−1.1) and diverges.
Saves bowl_learning_rates.png.

    python examples/bowl_learning_rates.py [OUTPUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

from deepkiso.landscape import descend, get_surface
from deepkiso.plots.landscape import plot_landscape


def main(out_dir: Path) -> Path:
    bowl = get_surface("bowl")
    paths = [descend(bowl, (-2.0, 1.5), "sgd", lr=lr, n_steps=30) for lr in (0.1, 0.8, 1.05)]
    for path in paths:
        print(path.label())
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "bowl_learning_rates.png"
    plot_landscape(bowl, paths, title="Too large a learning rate diverges").savefig(out, dpi=80)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
