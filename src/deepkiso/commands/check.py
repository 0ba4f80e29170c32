"""`deepkiso check PATH`: grade a learner's own implementations (exercises 2_1 – 2_18) and say what is wrong.

Runs the learner's .py files, notebooks or folders in a separate, contained
process with a time and a memory limit, as their IDE or notebook would
(project root found from the files, or --root), checks every name it knows
once, at the learner's own definition, and prints one line per check (or JSON
with --json; --json FILE.json writes it). --isolate runs the code in a
sandbox (bubblewrap, or util-linux unshare where bubblewrap is missing). --class FOLDER grades a class: every submission in the
folder, --jobs at a time, into one row per learner and check (--json, --csv)
and a per-exercise summary. Exit code 0 when every check passed, 1 when one
failed, 2 for a usage mistake (a missing file, an unknown --only name).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deepkiso.check import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, check_file, format_json, format_text
from deepkiso.check.batch import grade_class, rows_csv, rows_json, summary_table
from deepkiso.check.contain import DEFAULT_MAX_PROCESSES
from deepkiso.check.isolation import isolation_tool
from deepkiso.check.report import FAIL
from deepkiso.check.sandbox import validate_limits
from deepkiso.commands._options import Integer, Number
from deepkiso.errors import UsageError
from deepkiso.files import write_file_atomically
from deepkiso.i18n import N_, _

NAME = "check"
HELP = N_(
    "check your own functions, layers and nets (.py files, notebooks or folders) against deepkiso's references"
)
_CLASS_SECONDS_PER_STEP = (
    30  # a submission's whole grading may take this many --timeout (a stopped grader ends)
)

# An hour per check is more than any exercise needs; the process's limit must leave Python and
# NumPy their 256 MB and the rest of a shared 24 GiB machine its room.
TIMEOUT = Number(0, 3600, low_open=True)
MEMORY_MB = Integer(256, 8192)
# A fork bomb must stop well before the machine's own process table fills; 16 graders fit 2 cores.
MAX_PROCESSES = Integer(1, 1024)
JOBS = Integer(1, 16)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        metavar="PATH",
        nargs="*",
        help=_(
            "your .py files, .ipynb notebooks or folders (each name is graded once); "
            "with --class, one folder of submissions"
        ),
    )
    parser.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        default=[],
        help=_(
            "check only these: names (Affine, softmax, …), exercise numbers (2_14) or check ids "
            "(Affine.backward_db); commas work too (default: everything the file defines)"
        ),
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        default=None,
        help=_(
            "your project's root folder, put on sys.path (default: the nearest folder above each "
            "file holding common/ or dataset/, pyproject.toml, setup.py or .git; else the file's)"
        ),
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const=True,
        default=None,
        metavar="FILE.json",
        help=_("print the report as JSON (default: text); with a FILE.json, write it there"),
    )
    parser.add_argument(
        "--timeout",
        type=TIMEOUT,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=_(
            "seconds allowed for each file (each notebook cell) and for each check, {range} "
            "(default: {default})"
        ).format(range=TIMEOUT, default=f"{DEFAULT_TIMEOUT:g}"),
    )
    parser.add_argument(
        "--memory-mb",
        type=MEMORY_MB,
        default=DEFAULT_MEMORY_MB,
        metavar="M",
        help=_(
            "memory your code may allocate, in MB, in each process and in all of them together, "
            "{range} (default: {default})"
        ).format(range=MEMORY_MB, default=DEFAULT_MEMORY_MB),
    )
    parser.add_argument(
        "--max-processes",
        type=MAX_PROCESSES,
        default=DEFAULT_MAX_PROCESSES,
        metavar="N",
        help=_("processes your code may run at once, {range} (default: {default})").format(
            range=MAX_PROCESSES, default=DEFAULT_MAX_PROCESSES
        ),
    )
    parser.add_argument(
        "--isolate",
        action="store_true",
        help=_(
            "for untrusted code: run it in a sandbox, bubblewrap or else unshare (no network, "
            "read-only system, no home folder, own /tmp, /dev/shm and process ids)"
        ),
    )
    parser.add_argument(
        "--class",
        dest="class_folder",
        action="store_true",
        help=_(
            "PATH is a folder of submissions: each .py file, notebook or folder in it is one "
            "learner's; one row per learner and check, and a summary per exercise"
        ),
    )
    parser.add_argument(
        "--jobs",
        type=JOBS,
        default=1,
        metavar="N",
        help=_("with --class: submissions graded at once, {range} (default: 1)").format(range=JOBS),
    )
    parser.add_argument(
        "--csv",
        metavar="FILE.csv",
        default=None,
        help=_("with --class: write the rows (learner, name, exercise, verdict, cause) there"),
    )


def run(args: argparse.Namespace) -> int:
    if isinstance(args.json, str) and not args.json.endswith(".json"):
        args.path.insert(0, args.json)  # `--json my.py`: the flag, then a PATH
        args.json = True
    if not args.path:
        raise UsageError(_("check: give the .py files, notebooks or folders to check (PATH)"))
    only = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
    if args.class_folder:
        return _run_class(args, only)
    if args.jobs != 1 or args.csv:
        raise UsageError(
            _("--jobs and --csv grade a class: add --class and give one folder of submissions")
        )
    try:
        report = check_file(
            args.path,
            only=only,
            timeout=args.timeout,
            memory_mb=args.memory_mb,
            root=args.root,
            max_processes=args.max_processes,
            isolate=args.isolate,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if isinstance(args.json, str):
        _write(args.json, format_json(report))
        print(format_text(report))
    else:
        print(format_json(report) if args.json else format_text(report))
    return report.exit_code


def _run_class(args: argparse.Namespace, only: list[str]) -> int:
    if len(args.path) != 1:
        raise UsageError(
            _("--class takes one folder of submissions, got {count} paths").format(
                count=len(args.path)
            )
        )
    if args.root is not None:
        raise UsageError(
            _("--root does not apply to --class: each submission's root is found on its own")
        )
    options = [
        "--timeout",
        f"{args.timeout:g}",
        "--memory-mb",
        str(args.memory_mb),
        "--max-processes",
        str(args.max_processes),
    ]
    options += ["--only", *only] if only else []
    options += ["--isolate"] if args.isolate else []
    try:
        if args.isolate:
            isolation_tool()
        validate_limits(args.timeout, args.memory_mb)
        rows = grade_class(
            Path(args.path[0]),
            args.jobs,
            options,
            _CLASS_SECONDS_PER_STEP * args.timeout + 60,
            on_learner=lambda learner, rows: print(
                _("graded {learner}").format(learner=learner), file=sys.stderr
            ),
        )
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if isinstance(args.json, str):
        _write(args.json, rows_json(rows))
    elif args.json:
        print(rows_json(rows))
    if args.csv:
        _write(args.csv, rows_csv(rows))
    print(summary_table(rows))
    return 1 if any(r.verdict == FAIL for r in rows) else 0


def _write(path: str, text: str) -> None:
    try:
        write_file_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot write the report ({error})").format(path=path, error=exc.strerror)
        ) from None
