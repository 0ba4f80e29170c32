"""A start on the saddle's ridge stalls; a start a thousandth off it escapes (exercise 2_6, 鞍点).

Plain gradient descent, η = 0.1, on f(x, y) = x² − y². From (1, 0) the
gradient never has a y part, so the walk ends exactly on the saddle point and
stays there; from (1, 0.001) the tiny y grows by ×1.2 each step until the walk
falls off the saddle. Each stop is classified from its numerical gradient and
Hessian. Saves saddle_escape.png (contour map, f per step, 3-D view).

    python examples/saddle_escape.py [OUTPUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

from deepkiso.landscape import classify_point, descend, get_surface
from deepkiso.plots.landscape import plot_landscape


def main(out_dir: Path) -> Path:
    saddle = get_surface("saddle")
    paths = [
        descend(saddle, start, "sgd", lr=0.1, n_steps=60) for start in [(1.0, 0.0), (1.0, 0.001)]
    ]
    for path in paths:
        print(path.label(with_start=True))
    report = classify_point(saddle, (0.0, 0.0))
    print(f"the origin: {report.kind}, curvatures {report.curvatures.round(3).tolist()}")
    figure = plot_landscape(
        saddle,
        paths,
        show_surface=True,
        title="Gradient descent on a saddle: on the ridge it stalls, 0.001 off it escapes",
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "saddle_escape.png"
    figure.savefig(out, dpi=80)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
