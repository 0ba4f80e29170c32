"""What the commands write, and the options that say where: pictures, JSON, ``--out`` and ``--dpi``.

A Figure goes to PNG/SVG/PDF/JPEG and an Animation to GIF, JSON through ``deepkiso.files.write_json``,
each atomically: under a temporary name in its own folder, renamed when complete, so an interrupted
command never leaves half a file. ``add_out_option`` and ``add_dpi_option`` declare the picture
commands' ``--out FILE`` and ``--dpi`` (landscape, numdiff, vanishing, why-not-accuracy; graph's and
experiment's ``--dpi``) with one help text. The leading underscore keeps ``deepkiso.cli`` from taking
this for a command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deepkiso.commands._columns import pad, text_width
from deepkiso.commands._options import DPI
from deepkiso.errors import UsageError
from deepkiso.files import write_atomically, write_json
from deepkiso.i18n import _

__all__ = [
    "FIGURE_SUFFIXES",
    "RUN_PICTURE_DPI",
    "add_dpi_option",
    "add_out_option",
    "check_path",
    "pad",
    "save_figure",
    "save_gif",
    "text_width",
    "write_figure",
    "write_json",
]

FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")
# The pictures train and evaluate put in a run folder (curves, confusion matrix, fit).
RUN_PICTURE_DPI = 100


def add_out_option(parser: argparse.ArgumentParser, default: str) -> None:
    """--out FILE, the picture a command writes (default: default, in the current folder)."""
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(default),
        help=_("the picture: .png, .svg, .pdf or .jpg (default: %(default)s)"),
    )


def add_dpi_option(parser: argparse.ArgumentParser, default: int = 100, of: str = "") -> None:
    """--dpi N, the resolution of the picture(s) a command writes, bounded by DPI.

    of: what is drawn, in the language in use (default: "the picture").
    """
    parser.add_argument(
        "--dpi",
        type=DPI,
        default=default,
        help=_("resolution of {what}, {range} (default: %(default)s)").format(
            what=of or _("the picture"), range=DPI
        ),
    )


def check_path(path: Path, option: str, suffixes: tuple[str, ...] = FIGURE_SUFFIXES) -> Path:
    """Refuse an output name we cannot write before any work is done (a UsageError naming the option)."""
    if path.suffix.lower() not in suffixes:
        raise UsageError(
            _("{option} {path}: the file name must end in one of {suffixes}").format(
                option=option, path=path, suffixes=", ".join(suffixes)
            )
        )
    if path.exists() and path.is_dir():
        raise UsageError(
            _("{option} {path}: is a folder; give a file name").format(option=option, path=path)
        )
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
    print(_("wrote {path}").format(path=path), file=sys.stderr)


def save_gif(animation, path: Path, fps: int, dpi: int) -> None:
    """An animation to an animated GIF with matplotlib's Pillow writer, atomically."""
    from matplotlib.animation import PillowWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: animation.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi))
    print(_("wrote {path}").format(path=path), file=sys.stderr)
