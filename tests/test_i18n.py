"""The language in use and the catalog: every marked text has its Japanese, with the same placeholders."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from deepkiso import i18n
from deepkiso.i18n import N_, _, language, n_, read_po, set_language

_TOOL = Path(__file__).resolve().parents[1] / "tools" / "catalog.py"
_spec = importlib.util.spec_from_file_location("catalog_tool", _TOOL)
assert _spec is not None and _spec.loader is not None
catalog_tool = importlib.util.module_from_spec(_spec)
sys.modules["catalog_tool"] = catalog_tool
_spec.loader.exec_module(catalog_tool)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("DEEPKISO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(i18n, "_chosen", None)
    yield monkeypatch
    set_language(None)


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"),  # the first one set decides
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "C"}, "ja"),
        ({"DEEPKISO_LANG": "ja", "LANG": "en_US.UTF-8"}, "ja"),
        ({"DEEPKISO_LANG": "en", "LC_ALL": "ja_JP.UTF-8"}, "en"),
        ({"DEEPKISO_LANG": "klingon", "LANG": "ja_JP.UTF-8"}, "ja"),  # unknown: ignored
    ],
)
def test_language_follows_the_environment(clean_env, env, expected):
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert language() == expected


def test_set_language_wins_and_reaches_child_processes(clean_env):
    clean_env.setenv("LANG", "en_US.UTF-8")
    set_language("ja")
    assert language() == "ja"
    import os

    assert os.environ["DEEPKISO_LANG"] == "ja"
    set_language(None)
    assert language() == "en" and "DEEPKISO_LANG" not in os.environ


def test_set_language_refuses_an_unknown_language(clean_env):
    with pytest.raises(ValueError, match="one of en, ja; got 'fr'"):
        set_language("fr")


def test_translation_and_fallback(clean_env):
    text = "language of messages and figures (default: $DEEPKISO_LANG, else the locale, else en)"
    assert _(text) == text
    set_language("ja")
    assert _(text).startswith("メッセージと図の言語")
    assert _("a text no catalog has") == "a text no catalog has"
    assert N_(text) == text  # marked only


def test_plural_forms(clean_env):
    assert n_("{n} check", "{n} checks", 1) == "{n} check"
    assert n_("{n} check", "{n} checks", 2) == "{n} checks"


def test_read_po_joins_lines_and_unescapes():
    text = r"""# comment
msgid ""
msgstr "Language: ja\n"

#: x.py:1
msgid "two "
"lines\t{x}"
msgstr "二行"
"\"です\""

msgid "untranslated"
msgstr ""
"""
    assert read_po(text) == {"two lines\t{x}": '二行"です"'}


def test_read_po_rejects_a_broken_line():
    with pytest.raises(ValueError, match="double quotes"):
        read_po("msgid 'single'\nmsgstr \"x\"\n")


# The catalog, against the code.

MARKED = catalog_tool.marked_messages()
JAPANESE = i18n.catalog("ja")


def test_every_marked_text_has_a_japanese_translation():
    missing = {text: where[0] for text, where in MARKED.items() if text not in JAPANESE}
    assert not missing, (
        f"{len(missing)} texts have no Japanese entry (python tools/catalog.py missing): "
        + "; ".join(f"{where}: {text!r}" for text, where in list(missing.items())[:20])
    )


def test_translations_keep_the_placeholders():
    wrong = {
        text: JAPANESE[text]
        for text in JAPANESE
        if catalog_tool.placeholders(text) != catalog_tool.placeholders(JAPANESE[text])
    }
    assert not wrong, f"placeholders differ: {wrong}"


def test_no_entry_is_stale():
    stale = sorted(set(JAPANESE) - set(MARKED))
    assert not stale, f"entries no code marks (python tools/catalog.py stale): {stale[:20]}"


def test_no_text_is_entered_twice_with_different_translations():
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in sorted((catalog_tool.LOCALE / "ja").glob("*.po")):
        for text, translation in read_po(path.read_text(encoding="utf-8")).items():
            if text in seen and seen[text][1] != translation:
                clashes.append(f"{text!r}: {seen[text][0]} and {path.name}")
            seen[text] = (path.name, translation)
    assert not clashes, clashes


def test_no_marked_text_is_built_on_the_spot():
    """_(f"...") or _("a" + b) or _("...".format(...)) cannot be found in the catalog: a text is a literal,
    or a name for one marked with N_ where it is defined (docs/TRANSLATING.md)."""
    import ast

    built = (ast.JoinedStr, ast.BinOp, ast.Call)
    bad = []
    for path in sorted(catalog_tool.PACKAGE.rglob("*.py")):
        if path.name == "i18n.py":  # the markers themselves
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_", "n_")
                and any(
                    isinstance(a, built) for a in node.args[: catalog_tool.MARKERS[node.func.id]]
                )
            ):
                bad.append(f"{path.relative_to(catalog_tool.PACKAGE)}:{node.lineno}")
    assert not bad, f"marked texts built on the spot: {bad}"


def test_n_marks_only_literals():
    """N_ is what puts a text in the catalog: its argument must be the text itself."""
    import ast

    bad = []
    for path in sorted(catalog_tool.PACKAGE.rglob("*.py")):
        if path.name == "i18n.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "N_"
                and not (
                    node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                )
            ):
                bad.append(f"{path.relative_to(catalog_tool.PACKAGE)}:{node.lineno}")
    assert not bad, f"N_ given something other than a string literal: {bad}"
