"""The ``deepkiso`` command-line tool: a thin dispatcher over ``deepkiso.commands``.

Exit codes: 0 success, 1 the job failed (for example a diverging run, a
failed check, or a file that cannot be read or written), 2 bad usage or bad
input (argparse's own convention). Every failure is one line on stderr, never
a traceback.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from deepkiso import __version__
from deepkiso import commands as _commands
from deepkiso.errors import JobError, UsageError, os_error_line
from deepkiso.i18n import LANGUAGES, _, set_language


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


def _command_lines() -> list[tuple[str, str]] | None:
    """(NAME, HELP) of every sub-command, read from the modules' source without importing them.

    Importing them all costs NumPy, matplotlib and more (600 ms) for one screen of text. None when a
    module does not state both as plain strings (the caller then imports the modules).
    """
    lines = []
    for info in pkgutil.iter_modules(_commands.__path__):
        if info.name.startswith("_"):
            continue
        try:
            source = (Path(_commands.__path__[0]) / f"{info.name}.py").read_text(encoding="utf-8")
        except OSError:
            return None
        found = {
            node.targets[0].id: node.value.value
            for node in ast.parse(source).body
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in ("NAME", "HELP")
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        }
        if len(found) != 2:
            return None
        lines.append((found["NAME"], found["HELP"]))
    return sorted(lines)


def _top_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = _Parser(
        prog="deepkiso",
        description="deepkiso (基礎): deep learning from first principles, in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepkiso {__version__}")
    _add_lang_option(parser)
    return parser, parser.add_subparsers(dest="command", metavar="COMMAND")


def _add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=argparse.SUPPRESS,
        help=_(
            "language of messages and figures (default: $DEEPKISO_LANG, else the locale, else en)"
        ),
    )


def _language_in(argv: Sequence[str]) -> str | None:
    """The --lang value argv gives (the last one), read before parsing: the help texts depend on it."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found if found in LANGUAGES else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with command, only that sub-command's options are declared."""
    parser, sub = _top_parser()
    for mod in _command_modules(command):
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        _add_lang_option(p)
        p.set_defaults(_run=mod.run)
    return parser


def _listing_parser(argv: Sequence[str]) -> argparse.ArgumentParser | None:
    """A parser that only lists the commands, when argv names none (`deepkiso --help`, a typo)."""
    lines = _command_lines()
    if lines is None or (argv and argv[0] in {name for name, _ in lines}):
        return None
    parser, sub = _top_parser()
    for name, help_line in lines:
        sub.add_parser(name, help=help_line, description=help_line)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; return the exit code instead of exiting (testable)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = _language_in(argv)
    if lang is not None:
        set_language(lang)
    parser = _listing_parser(argv) or build_parser(argv[0] if argv else None)
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
