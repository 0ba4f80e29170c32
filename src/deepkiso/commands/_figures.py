"""Writing the commands' pictures: a Figure to PNG/SVG/PDF, an Animation to GIF, each atomically.

Shared by the picture commands (landscape, numdiff, why-not-accuracy,
vanishing). A file is written under a temporary name in its own folder and
renamed when complete, so an interrupted run never leaves half a picture.
The leading underscore keeps ``deepkiso.cli`` from taking this for a command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from deepkiso.errors import JobError, UsageError
from deepkiso.files import write_atomically

FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def check_path(path: Path, option: str, suffixes: tuple[str, ...] = FIGURE_SUFFIXES) -> Path:
    """Refuse an output name we cannot write before any work is done (a UsageError naming the option)."""
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {path}: the file name must end in one of {', '.join(suffixes)}")
    if path.exists() and path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")
    return path


def check_dpi(dpi: int) -> int:
    if dpi <= 0:
        raise UsageError(f"--dpi must be a positive integer, got {dpi}")
    return dpi


def _write_atomically(path: Path, write: Callable[[str], None]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, write)
    except OSError as exc:
        raise JobError(f"cannot write {path}: {exc.strerror or exc}") from None


def save_figure(figure, path: Path, dpi: int) -> None:
    """figure.savefig to path (format from its suffix), atomically; logs the name to stderr."""
    fmt = path.suffix.lower().lstrip(".").replace("jpg", "jpeg")
    # No date in SVG/PDF metadata: the same picture always gives the same file.
    metadata = {"Date": None} if fmt in ("svg", "pdf") else {}
    _write_atomically(path, lambda tmp: figure.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata))
    print(f"wrote {path}", file=sys.stderr)


def save_gif(animation, path: Path, fps: int, dpi: int) -> None:
    """An animation to an animated GIF with matplotlib's Pillow writer, atomically."""
    from matplotlib.animation import PillowWriter

    _write_atomically(path, lambda tmp: animation.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi))
    print(f"wrote {path}", file=sys.stderr)
