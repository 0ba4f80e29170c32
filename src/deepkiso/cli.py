"""The ``deepkiso`` command-line tool: a thin dispatcher over ``deepkiso.commands``.

Exit codes: 0 success, 1 the job failed (for example a diverging run or a
failed check), 2 bad usage or bad input (argparse's own convention).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from deepkiso import __version__
from deepkiso import commands as _commands
from deepkiso.errors import JobError, UsageError


def _command_modules(wanted: str | None = None):
    """Import every sub-command module, sorted by name; only the one named wanted when there is one.

    One module only, because the others import matplotlib and more: `deepkiso check` must start fast.
    """
    names = [info.name for info in pkgutil.iter_modules(_commands.__path__) if not info.name.startswith("_")]
    module_name = (wanted or "").replace("-", "_")
    if module_name in names:
        names = [module_name]
    mods = [importlib.import_module(f"{_commands.__name__}.{name}") for name in names]
    return sorted(mods, key=lambda m: m.NAME)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepkiso",
        description="deepkiso (基礎): deep learning from first principles, in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepkiso {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _command_modules(command):
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; return the exit code instead of exiting (testable)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help, --version and bad usage
        return int(exc.code or 0)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except UsageError as exc:
        print(f"deepkiso {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except JobError as exc:
        print(f"deepkiso {args.command}: failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"deepkiso {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
