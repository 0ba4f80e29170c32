"""The ``deepkiso`` command-line tool: a thin dispatcher over ``deepkiso.commands``.

Exit codes: 0 success, 1 the job failed (for example a diverging run, a
failed check, or a file that cannot be read or written), 2 bad usage or bad
input (argparse's own convention). Every failure is one line on stderr, never
a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from deepkiso import __version__
from deepkiso import commands as _commands
from deepkiso.errors import JobError, UsageError, os_error_line


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage mistakes are one line (it prints no usage block above them)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _command_modules(wanted: str | None = None):
    """Import every sub-command module, sorted by name; only the one named wanted when there is one.

    One module only, because the others import matplotlib and more: `deepkiso check` must start fast.
    """
    names = [
        info.name
        for info in pkgutil.iter_modules(_commands.__path__)
        if not info.name.startswith("_")
    ]
    module_name = (wanted or "").replace("-", "_")
    if module_name in names:
        names = [module_name]
    mods = [importlib.import_module(f"{_commands.__name__}.{name}") for name in names]
    return sorted(mods, key=lambda m: m.NAME)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
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
    except OSError as exc:
        # The one place every file and network error becomes a line: a full disk, a read-only
        # folder, a name too long. Files are written atomically, so what was saved stays whole.
        print(f"deepkiso {args.command}: failed: {os_error_line(exc)}", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            f"deepkiso {args.command}: failed: out of memory; use smaller sizes (see deepkiso {args.command} --help)",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(f"deepkiso {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
