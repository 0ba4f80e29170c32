"""Writing the slides' figures into a folder, with ``index.html`` and the list of what was written.

Each figure is ``ID.png`` (or ``.svg``, or both) in the folder, written atomically; ``index.html``
shows them in slide order and ``slides.json`` lists the files this command wrote. A second run
overwrites its own files (those slides.json lists) and refuses, before any work, to overwrite a
file it did not write: a folder of the user's own pictures stays as it was.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from deepkiso import i18n
from deepkiso.files import read_regular_file, write_file_atomically, write_json
from deepkiso.i18n import _
from deepkiso.slides import catalog
from deepkiso.slides.catalog import Slide, Written, parse_command
from deepkiso.slides.index import index_html

__all__ = [
    "FORMATS",
    "INDEX",
    "MANIFEST",
    "SlidesError",
    "Written",
    "planned_files",
    "write_slides",
]

FORMATS = ("png", "svg")
INDEX = "index.html"
MANIFEST = "slides.json"
_GENERATOR = "deepkiso slides"


class SlidesError(ValueError):
    """The folder cannot take the slides: not a folder, not writable, or holding a file of someone else's."""


def planned_files(slides: Sequence[Slide], formats: Sequence[str]) -> list[str]:
    """The names write_slides writes into its folder, figures first (in slide order), then the index."""
    return [f"{s.id}.{fmt}" for s in slides for fmt in formats] + [INDEX, MANIFEST]


def _owned(out: Path) -> set[str]:
    """The names an earlier run listed in out/slides.json (empty when there is none)."""
    path = out / MANIFEST
    if not path.exists() and not path.is_symlink():
        return set()
    try:
        data = json.loads(read_regular_file(path, 1_000_000))
        if data.get("generator") != _GENERATOR:
            raise ValueError(path)
        return {str(name) for name in data["files"]}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SlidesError(
            _(
                "{path} exists and was not written by deepkiso slides; "
                "move it away or choose another --out"
            ).format(path=path)
        ) from None


def check_folder(out: Path, names: Sequence[str]) -> set[str]:
    """Refuse out before any work when it cannot take the files names; return the names it owns."""
    if out.exists() and not out.is_dir():
        raise SlidesError(_("{path} is a file, not a folder").format(path=out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SlidesError(
            _("{path}: cannot make the folder ({cause})").format(
                path=out, cause=exc.strerror or exc
            )
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise SlidesError(_("{path}: the folder is not writable").format(path=out))
    owned = _owned(out)
    for name in names:
        path = out / name
        if (path.exists() or path.is_symlink()) and name not in owned and name != MANIFEST:
            raise SlidesError(
                _(
                    "{path} exists and was not written by deepkiso slides; "
                    "move it away or choose another --out"
                ).format(path=path)
            )
    return owned


def _write_manifest(out: Path, files: Sequence[str], slides: Sequence[Slide]) -> None:
    write_json(
        out / MANIFEST,
        {
            "generator": _GENERATOR,
            "language": i18n.language(),
            "files": sorted(files),
            "slides": [
                {"id": s.id, "section": s.section, "command": list(s.command)} for s in slides
            ],
        },
    )


def write_slides(
    out: str | os.PathLike,
    formats: Sequence[str] = ("png",),
    *,
    slides: Sequence[Slide] | None = None,
    on_written: Callable[[Written, int, int], None] | None = None,
) -> list[Written]:
    """Draw every slide's figure into out in each format, then out/index.html; return what was written.

    slides: the figures to write (default: all of SLIDES, in slide order).
    on_written(written, n_done, n_total) is called after each figure. Raises SlidesError (before
    drawing anything) when out is not a writable folder or holds a file of the same name that an
    earlier deepkiso slides did not write.
    """
    out = Path(out)
    slides = catalog.SLIDES if slides is None else slides
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be some of {FORMATS}, got {list(formats)}")
    formats = list(dict.fromkeys(formats))
    names = planned_files(slides, formats)
    owned = check_folder(out, names)
    # Listed before the first figure is written, so an interrupted run's files are its own next time.
    _write_manifest(out, sorted(owned | set(names)), slides)
    written = []
    for n, slide in enumerate(slides, 1):
        start = time.perf_counter()
        picture = slide.draw(parse_command(slide))
        paths = []
        for fmt in formats:
            path = out / f"{slide.id}.{fmt}"
            picture.write(path)
            paths.append(path)
        picture.close()
        done = Written(slide, tuple(paths), time.perf_counter() - start)
        written.append(done)
        if on_written is not None:
            on_written(done, n, len(slides))
    html = index_html(written, formats[0], lang=i18n.language())
    write_file_atomically(out / INDEX, html.encode("utf-8"))
    _write_manifest(out, sorted(owned | set(names)), slides)
    return written
