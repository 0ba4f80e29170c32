"""``deepkiso notebooks``: write the course's notebooks (exercises 2_1 – 2_18 and the group works).

One notebook per exercise, named as the course names them (``2_1_minibatch_trainee.ipynb`` …), in
the language of ``--lang`` (else ``$DEEPKISO_LANG``, the locale, English): the learner's version
with the blanks to fill, or the solutions with ``--solutions``. A notebook the learner edited is
never overwritten without ``--force``; one deepkiso wrote and nobody touched is brought up to date:

    deepkiso notebooks course --lang ja
    deepkiso notebooks --solutions            # into solutions/
    jupyter lab course/

The notebooks are plain nbformat v4 JSON, written without nbformat: only opening and running them
needs Jupyter (``pip install 'deepkiso[notebooks]'``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from deepkiso.errors import JobError, UsageError
from deepkiso.i18n import N_, _, language

NAME = "notebooks"
HELP = N_("write the course's exercise notebooks (2_1 … 2_18, group works), to fill in or solved")

# The learner's notebooks and the solutions go to different folders unless DIR says otherwise,
# so that asking for the solutions never replaces the notebooks a learner is working in.
DEFAULT_FOLDER = Path("notebooks")
DEFAULT_SOLUTIONS_FOLDER = Path("solutions")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=None,
        metavar="DIR",
        help=_(
            "the folder to write them into, made if missing "
            "(default: {folder}, with --solutions: {solutions})"
        ).format(folder=DEFAULT_FOLDER, solutions=DEFAULT_SOLUTIONS_FOLDER),
    )
    parser.add_argument(
        "--solutions",
        action="store_true",
        help=_("write the notebooks filled in, every check passing (default: with blanks to fill)"),
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help=_("overwrite notebooks that were edited since deepkiso wrote them (default: refuse)"),
    )


def run(args: argparse.Namespace) -> int:
    # Imported here: the builder reads the sources, which `deepkiso --help` should not wait for.
    from deepkiso.notebooks import NOTEBOOKS, NotebookEdited, SourceError, write_notebooks

    default = DEFAULT_SOLUTIONS_FOLDER if args.solutions else DEFAULT_FOLDER
    folder: Path = default if args.folder is None else args.folder
    if folder.exists() and not folder.is_dir():
        raise UsageError(_("{folder}: is a file, not a folder").format(folder=folder))
    lang = language()
    try:
        written = write_notebooks(folder, lang=lang, solutions=args.solutions, force=args.force)
    except NotebookEdited as exc:
        raise UsageError(_edited_line(exc.paths)) from None
    except SourceError as exc:  # a broken source in the package: deepkiso's bug, not the user's
        raise JobError(_("a notebook's source is malformed: {error}").format(error=exc)) from None
    for path in written:
        print(path)
    kind = _("solutions filled in") if args.solutions else _("blanks to fill in")
    print(
        _(
            "{written} of {total} notebooks written to {folder} ({lang}, {kind}); {kept} unchanged"
        ).format(
            written=len(written),
            total=len(NOTEBOOKS),
            folder=folder,
            lang=lang,
            kind=kind,
            kept=len(NOTEBOOKS) - len(written),
        )
    )
    print(_("open them with: jupyter lab {folder}").format(folder=folder))
    return 0


def _edited_line(paths: list[Path]) -> str:
    line = _(
        "{path} is not as deepkiso wrote it (edited, or another file); write to another "
        "folder, or pass --force to overwrite it"
    ).format(path=paths[0])
    if len(paths) > 1:
        line += " " + _("(and {count} more like it)").format(count=len(paths) - 1)
    return line
