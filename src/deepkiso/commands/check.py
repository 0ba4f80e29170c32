"""`deepkiso check PATH`: grade a learner's own implementations (exercises 2_1 – 2_18) and say what is wrong.

Runs the learner's .py files, notebooks or folders in a separate process with
a time and a memory limit, as their IDE or notebook would (project root found
from the files, or --root), checks every name it knows once, at the learner's
own definition, and prints one line per check (or JSON with --json). Exit code 0 when every check passed, 1 when one
failed, 2 for a usage mistake (a missing file, an unknown --only name).
"""

from __future__ import annotations

import argparse

from deepkiso.check import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, check_file, format_json, format_text
from deepkiso.commands._options import Integer, Number
from deepkiso.errors import UsageError

NAME = "check"
HELP = "check your own functions, layers and nets (.py files, notebooks or folders) against deepkiso's references"

# An hour per check is more than any exercise needs; the process's limit must leave Python and
# NumPy their 256 MB and the rest of a shared 24 GiB machine its room.
TIMEOUT = Number(0, 3600, low_open=True)
MEMORY_MB = Integer(256, 8192)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", nargs="+",
                        help="your .py files, .ipynb notebooks or folders (each name is graded once)")
    parser.add_argument("--only", nargs="+", action="extend", metavar="NAME", default=[],
                        help="check only these: names (Affine, softmax, …), exercise numbers (2_14) or check ids "
                             "(Affine.backward_db); commas work too (default: everything the file defines)")
    parser.add_argument("--root", metavar="DIR", default=None,
                        help="your project's root folder, put on sys.path (default: the nearest folder above each "
                             "file holding common/ or dataset/, pyproject.toml, setup.py or .git; else the file's)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (default: text)")
    parser.add_argument("--timeout", type=TIMEOUT, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds allowed for each file (each notebook cell) and for each check, {TIMEOUT} "
                             f"(default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--memory-mb", type=MEMORY_MB, default=DEFAULT_MEMORY_MB, metavar="M",
                        help=f"memory your code may allocate, in MB, {MEMORY_MB} "
                             f"(default: {DEFAULT_MEMORY_MB})")


def run(args: argparse.Namespace) -> int:
    only = [name for item in args.only for name in item.split(",") if name.strip()]
    try:
        report = check_file(args.path, only=[n.strip() for n in only], timeout=args.timeout,
                            memory_mb=args.memory_mb, root=args.root)
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    print(format_json(report) if args.json else format_text(report))
    return report.exit_code
