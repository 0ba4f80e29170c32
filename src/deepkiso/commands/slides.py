"""``deepkiso slides``: every figure of the day-2 slides, in slide order, with an index.html.

For an instructor preparing day 2:

    deepkiso slides --out slides
    deepkiso slides --out slides-ja --lang ja --format png svg

draws each figure the slides describe (``deepkiso.slides.SLIDES``: descent paths, saddle, plateau,
the computational graphs, learning curves, the experiments' summaries, …) with the library, writes
``ID.png`` (or ``.svg``) for each and ``index.html``, which shows them with their titles and the
``deepkiso`` line that makes each one on its own. Prints one line per figure, then a summary.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from deepkiso import i18n
from deepkiso.errors import UsageError
from deepkiso.i18n import N_, _

NAME = "slides"
HELP = N_("write every figure of the day-2 slides, in slide order, with an index.html")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("slides"),
        metavar="DIR",
        help=_(
            "the folder for the figures and index.html; files of the same names that deepkiso "
            "slides did not write are never overwritten (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--format",
        nargs="+",
        choices=("png", "svg"),
        default=["png"],
        help=_("the pictures' format: png, svg or both (default: png)"),
    )


def run(args: argparse.Namespace) -> int:
    # Imported here: the slides import matplotlib and every study, and `--help` should not wait for them.
    from deepkiso.slides import SlidesError, Written, write_slides

    def report(written: Written, n: int, total: int) -> None:
        names = ", ".join(str(path) for path in written.paths)
        print(
            _("[{n:>2}/{total}] {title}: {names} ({seconds:.1f} s)").format(
                n=n,
                total=total,
                title=i18n._(written.slide.title),  # marked N_ in deepkiso.slides.catalog
                names=names,
                seconds=written.seconds,
            ),
            file=sys.stderr,
        )

    start = time.perf_counter()
    try:
        written = write_slides(args.out, args.format, on_written=report)
    except SlidesError as exc:
        raise UsageError(_("--out {cause}").format(cause=exc)) from None
    print(
        _("wrote {n} figures and {index} in {seconds:.0f} s").format(
            n=len(written), index=args.out / "index.html", seconds=time.perf_counter() - start
        )
    )
    return 0
