"""The message catalog's upkeep: which texts the code marks, which lack a Japanese translation.

    python tools/catalog.py missing                  # the marked texts with no Japanese entry
    python tools/catalog.py missing --under check/   # ... only those in src/deepkiso/check/
    python tools/catalog.py stubs check >> src/deepkiso/locale/ja/check.po   # empty entries to fill
    python tools/catalog.py stale                    # entries no code marks any more

A text is marked by ``_("...")``, ``N_("...")`` or ``n_("...", "...", n)`` with string literals
(deepkiso.i18n). tests/test_i18n.py uses ``marked_messages`` to fail on a missing translation.
"""

from __future__ import annotations

import argparse
import ast
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "deepkiso"
LOCALE = PACKAGE / "locale"
MARKERS = {"_": 1, "N_": 1, "n_": 2}  # marker -> how many leading arguments are texts


def marked_messages(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Every marked text in the package's source -> where it stands ("check/report.py:42")."""
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        if path.name == "i18n.py":  # the markers themselves
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            for arg in node.args[: MARKERS.get(node.func.id, 0)]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    where = f"{path.relative_to(package)}:{node.lineno}"
                    found.setdefault(arg.value, []).append(where)
    return found


def placeholders(text: str) -> set[str]:
    """The names of text's str.format fields ("{name}: {got!r}" -> {"name", "got"})."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:  # a lone brace: not a format string
        return set()


def _catalog(lang: str) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "src"))
    from deepkiso.i18n import read_po

    entries: dict[str, str] = {}
    for path in sorted((LOCALE / lang).glob("*.po")):
        entries.update(read_po(path.read_text(encoding="utf-8")))
    return entries


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["missing", "stubs", "stale"])
    parser.add_argument(
        "under", nargs="?", default="", help="only texts in this part of src/deepkiso"
    )
    parser.add_argument("--lang", default="ja")
    args = parser.parse_args(argv)
    marked = marked_messages()
    known = _catalog(args.lang)
    if args.what == "stale":
        for text in sorted(set(known) - set(marked)):
            print(_quote(text))
        return 0
    missing = {
        text: where
        for text, where in marked.items()
        if text not in known and any(w.startswith(args.under) for w in where)
    }
    for text, where in sorted(missing.items(), key=lambda kv: kv[1][0]):
        if args.what == "missing":
            print(f"{where[0]}: {text!r}")
        else:
            print(f'#: {" ".join(where)}\nmsgid {_quote(text)}\nmsgstr ""\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
