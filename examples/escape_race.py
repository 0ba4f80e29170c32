"""The group work's question — how to get off a saddle or across a plateau — answered by running it.

Plain gradient descent, Momentum, Adam and gradient descent with added
Gaussian noise (as small mini-batches give) start from the same point, with
the same learning rate. "Steps needed" is the first step at which f drops
below the surface's goal: f < −1 on the saddle (well below the saddle point's
own level, 0), f < 0.1 on the plateau (inside the valley). Saves
saddle_race.png and plateau_race.png.

    python examples/escape_race.py [OUTPUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

from deepkiso.landscape import descend, get_surface
from deepkiso.plots.landscape import plot_landscape

OPTIMIZERS = ("sgd", "momentum", "adam", "noisy-gd")
RACES = {
    # surface: (start, learning rate, steps)
    "saddle": ((1.0, 1e-4), 0.1, 80),
    "plateau": ((3.5, 2.5), 0.5, 200),
}


def main(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (start, lr, steps) in RACES.items():
        surface = get_surface(name)
        paths = [
            descend(surface, start, optimizer, lr=lr, n_steps=steps, rng=0)
            for optimizer in OPTIMIZERS
        ]
        print(f"{surface.formula}, from {start}:")
        for path in paths:
            print("  " + path.label())
        out = out_dir / f"{name}_race.png"
        plot_landscape(surface, paths).savefig(out, dpi=80)
        print(f"wrote {out}")
        written.append(out)
    return written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
