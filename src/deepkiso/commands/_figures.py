"""Writing the commands' pictures: a Figure to PNG/SVG/PDF/JPEG, an Animation to GIF, each atomically.

Shared by the picture commands (landscape, numdiff, why-not-accuracy,
vanishing, and train's and evaluate's pictures). A file is written under a temporary name in its own folder and
renamed when complete, so an interrupted run never leaves half a picture.
The leading underscore keeps ``deepkiso.cli`` from taking this for a command.
"""

from __future__ import annotations

import sys
from pathlib import Path

from deepkiso.errors import UsageError
from deepkiso.files import write_atomically

FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def check_path(path: Path, option: str, suffixes: tuple[str, ...] = FIGURE_SUFFIXES) -> Path:
    """Refuse an output name we cannot write before any work is done (a UsageError naming the option)."""
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {path}: the file name must end in one of {', '.join(suffixes)}")
    if path.exists() and path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")
    return path


def write_figure(figure, path: Path, dpi: int) -> Path:
    """figure.savefig to path in the format its suffix names, atomically, creating its folder; returns path.

    An OSError (a full disk, a read-only folder) names path; the dispatcher prints it as one line.
    """
    fmt = path.suffix.lower().lstrip(".").replace("jpg", "jpeg")
    # No date in SVG/PDF metadata: the same picture always gives the same file. JPEG takes no metadata at all.
    options = {"metadata": {"Date": None}} if fmt in ("svg", "pdf") else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, lambda tmp: figure.savefig(tmp, format=fmt, dpi=dpi, **options))


def save_figure(figure, path: Path, dpi: int) -> None:
    """write_figure, then log the name to stderr."""
    write_figure(figure, path, dpi)
    print(f"wrote {path}", file=sys.stderr)


def save_gif(animation, path: Path, fps: int, dpi: int) -> None:
    """An animation to an animated GIF with matplotlib's Pillow writer, atomically."""
    from matplotlib.animation import PillowWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: animation.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi))
    print(f"wrote {path}", file=sys.stderr)
