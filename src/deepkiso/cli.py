"""The ``deepkiso`` command-line tool: a thin dispatcher over ``deepkiso.commands``.

Exit codes: 0 success, 1 the job failed (for example a diverging run, a
failed check, or a file that cannot be read or written), 2 bad usage or bad
input (argparse's own convention). Every failure is one line on stderr, never
a traceback.

Every line the tool prints is in the language in use (``--lang``, ``$DEEPKISO_LANG``, the locale;
see ``deepkiso.i18n``), argparse's own texts included ("usage:", "options", "the following
arguments are required: ..."): ``_speak_argparse_in_language`` points argparse's module-level
``_`` and ``ngettext`` (the gettext functions it calls for each of its texts, Python 3.10 to 3.13)
at deepkiso's catalog, whose ``argparse.po`` holds those texts, listed in ``ARGPARSE_TEXTS``.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from deepkiso import __version__, i18n
from deepkiso import commands as _commands
from deepkiso.errors import JobError, UsageError, os_error_line
from deepkiso.i18n import LANGUAGES, N_, _, language, set_language

# argparse's own texts that a user of deepkiso can meet, exactly as argparse writes them (Python
# 3.10 to 3.13; 3.13 added the last ones). Listed so that the catalog tool knows them as marked:
# their Japanese is in locale/ja/argparse.po, and argparse looks them up through the hook below.
ARGPARSE_TEXTS = [
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("expected %s argument"),  # argparse's ngettext: singular and plural
    N_("expected %s arguments"),
    N_("ignored explicit argument %r"),
    N_("not allowed with argument %s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
    N_(" (default: %(default)s)"),
    N_("%(heading)s:"),
    N_("subcommands"),
    N_("%(prog)s: warning: %(message)s\n"),
]


def _speak_argparse_in_language() -> None:
    """Have argparse look its texts up in deepkiso's catalog, in the language in use.

    argparse translates each of its texts by calling the module globals ``_`` and ``ngettext``
    (``from gettext import gettext as _, ngettext``) when it builds a parser, formats a help or
    reports a mistake. deepkiso's own ``_`` and ``n_`` take their place: they give English as it
    is (as gettext does with no catalog) and Japanese from argparse.po. Installed only when the
    language is Japanese, so English runs leave argparse untouched.
    """
    if hasattr(argparse, "_") and hasattr(argparse, "ngettext"):
        argparse._ = i18n._  # type: ignore[attr-defined]
        argparse.ngettext = i18n.n_  # type: ignore[attr-defined]


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, with Japanese text wrapped by the columns it takes on a terminal.

    argparse wraps at spaces and counts characters; a Japanese sentence has no spaces and each of
    its characters takes two columns. English is left to argparse, as it always was (and
    deepkiso.commands._columns is imported only for Japanese: `deepkiso --help` imports no module
    of the commands).
    """

    def _split_lines(self, text, width):
        if language() == "en":
            return super()._split_lines(text, width)
        from deepkiso.commands import _columns

        return _columns.wrap(text, width)

    def _fill_text(self, text, width, indent):
        if language() == "en":
            return super()._fill_text(text, width, indent)
        from deepkiso.commands import _columns

        return "\n".join(indent + line for line in _columns.wrap(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix):
        # argparse indents the usage's next lines by len(prefix): give it as wide a prefix in spaces.
        shown = _("usage: ") if prefix is None else prefix
        if language() == "en":
            return super()._format_usage(usage, actions, groups, prefix)
        from deepkiso.commands import _columns

        spaces = " " * _columns.text_width(shown)
        return shown + super()._format_usage(usage, actions, groups, spaces)[len(spaces) :]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage mistakes are one line (it prints no usage block above them)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        name, colon, cause = message.removeprefix("argument ").partition(": ")
        if sys.version_info < (3, 11) and message.startswith("argument ") and colon:
            # Python 3.10's ArgumentError writes this prefix without gettext: translated here.
            message = _("argument %(argument_name)s: %(message)s") % {
                "argument_name": name,
                "message": cause,
            }
        self.exit(
            2,
            _("{prog}: error: {message} (see {prog} --help)").format(
                prog=self.prog, message=message
            )
            + "\n",
        )


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
    module does not state both as plain strings, or HELP as ``N_("...")`` (the caller then imports
    the modules). HELP is in English, as the module states it: translate it where it is shown.
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
            node.targets[0].id: text
            for node in ast.parse(source).body
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in ("NAME", "HELP")
            and (text := _literal_text(node.value)) is not None
        }
        if len(found) != 2:
            return None
        lines.append((found["NAME"], found["HELP"]))
    return sorted(lines)


def _literal_text(node: ast.expr) -> str | None:
    """The text of a string literal, or of N_("literal") (a text marked for the catalog); else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "N_"
        and len(node.args) == 1
        and not node.keywords
    ):
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _top_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = _Parser(
        prog="deepkiso",
        description=_("deepkiso (基礎): deep learning from first principles, in NumPy."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"deepkiso {__version__}",
        help=_("show program's version number and exit"),  # argparse 3.10-3.12 leaves it English
    )
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


def _nested_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of parser's own sub-commands, and of theirs, and so on."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # an alias maps to its parser
                found += [child, *_nested_parsers(child)]
    return found


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


def _command_in(argv: Sequence[str]) -> str | None:
    """The sub-command argv names: its first word that is neither an option nor --lang's value."""
    after_lang = False
    for arg in argv:
        if after_lang:
            after_lang = False
        elif arg == "--lang":
            after_lang = True
        elif arg == "--":
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with command, only that sub-command's options are declared."""
    parser, sub = _top_parser()
    for mod in _command_modules(command):
        help_line = i18n._(mod.HELP)  # marked N_ in its module
        p = sub.add_parser(mod.NAME, help=help_line, description=help_line)
        mod.add_arguments(p)
        _add_lang_option(p)
        for nested in _nested_parsers(p):  # experiment's batch-size and sampling
            _add_lang_option(nested)
        p.set_defaults(_run=mod.run)
    return parser


def _listing_parser(argv: Sequence[str]) -> argparse.ArgumentParser | None:
    """A parser that only lists the commands, when argv names none (`deepkiso --help`, a typo)."""
    lines = _command_lines()
    if lines is None or _command_in(argv) in {name for name, _help in lines}:
        return None
    parser, sub = _top_parser()
    for name, help_line in lines:
        shown = i18n._(help_line)  # marked N_ in its module
        sub.add_parser(name, help=shown, description=shown)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; return the exit code instead of exiting (testable)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = _language_in(argv)
    if lang is not None:
        set_language(lang)
    if language() != "en":
        _speak_argparse_in_language()
    parser = _listing_parser(argv) or build_parser(_command_in(argv))
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
        print(
            _("deepkiso {command}: error: {message}").format(command=args.command, message=exc),
            file=sys.stderr,
        )
        return 2
    except JobError as exc:
        print(_failed(args.command, str(exc)), file=sys.stderr)
        return 1
    except OSError as exc:
        # The one place every file and network error becomes a line: a full disk, a read-only
        # folder, a name too long. Files are written atomically, so what was saved stays whole.
        print(_failed(args.command, os_error_line(exc)), file=sys.stderr)
        return 1
    except MemoryError:
        cause = _("out of memory; use smaller sizes (see deepkiso {command} --help)")
        print(_failed(args.command, cause.format(command=args.command)), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("deepkiso {command}: interrupted").format(command=args.command), file=sys.stderr)
        return 130


def _failed(command: str, cause: str) -> str:
    """The line of a job that failed: "deepkiso COMMAND: failed: CAUSE"."""
    return _("deepkiso {command}: failed: {cause}").format(command=command, cause=cause)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
