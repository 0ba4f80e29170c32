"""Japanese and English for everything a learner reads: the language in use and the message catalog.

Messages are written in English in the code and looked up in the Japanese catalog,
``deepkiso/locale/ja/*.po`` (the gettext format, one file per part of the package, so translators'
tools read them as they are). The English text is the message's key, so English needs no catalog.

    from deepkiso.i18n import _, N_
    print(_("{name}: expected shape {expected}, got {got}").format(name=..., expected=..., got=...))

``_`` translates now; ``N_`` only marks a text for the catalog, for a constant defined before the
language is known (a check's title, a module-level table): translate it with ``_`` where it is shown.
Placeholders are named (``{expected}``), so a translation can put them in its own order.

The language, first found: ``set_language`` (the ``--lang`` option), ``$DEEPKISO_LANG``, the locale
(``$LC_ALL``, ``$LC_MESSAGES``, ``$LANG`` starting with ``ja``), else English. ``set_language`` also
sets ``$DEEPKISO_LANG``, so the processes deepkiso starts (the checker's worker) speak the same.

The catalogs are read, not compiled: a .po file is parsed once, on the first Japanese message
(5 ms for the 1,400 entries of today), so an editable install needs no build step and the source is the catalog.
"""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path

__all__ = ["LANGUAGES", "language", "set_language", "_", "N_", "n_", "catalog"]

LANGUAGES = ("en", "ja")
_ENV = "DEEPKISO_LANG"
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
_LOCALE_DIR = Path(__file__).with_name("locale")

_chosen: str | None = None


def set_language(lang: str | None) -> None:
    """Use lang ("ja" or "en") from now on, in this process and the ones it starts; None: as the environment says."""
    global _chosen
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    _chosen = lang
    if lang is None:
        os.environ.pop(_ENV, None)
    else:
        os.environ[_ENV] = lang


def language() -> str:
    """The language messages are shown in now: "ja" or "en"."""
    if _chosen is not None:
        return _chosen
    wanted = os.environ.get(_ENV, "").strip().lower()
    if wanted in LANGUAGES:
        return wanted
    for name in _LOCALE_VARIABLES:
        value = os.environ.get(name, "")
        if value:  # the first one set decides, as in C's setlocale
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def _(message: str) -> str:
    """message in the language in use (itself in English, or where the catalog has no translation)."""
    if language() == "en":
        return message
    return catalog(language()).get(message) or message


def N_(message: str) -> str:
    """Mark message for the catalog without translating it yet (translate it with _ where it is shown)."""
    return message


def n_(singular: str, plural: str, count: int) -> str:
    """The form for count: English picks singular or plural; Japanese has one form (the singular's entry)."""
    if language() == "en":
        return singular if count == 1 else plural
    return _(singular)


@cache
def catalog(lang: str) -> dict[str, str]:
    """English text -> its translation, from every .po file of lang (empty entries left out)."""
    entries: dict[str, str] = {}
    for path in sorted((_LOCALE_DIR / lang).glob("*.po")):
        entries.update(read_po(path.read_text(encoding="utf-8")))
    return entries


def read_po(text: str) -> dict[str, str]:
    """The msgid -> msgstr pairs of a .po file's text (gettext's format: quoted lines, C escapes).

    The header (msgid "") and untranslated entries (msgstr "") are left out; "#" lines are comments.
    """
    entries: dict[str, str] = {}
    key: str | None = None
    parts: dict[str, list[str]] = {}

    def flush() -> None:
        msgid, msgstr = "".join(parts.get("msgid", [])), "".join(parts.get("msgstr", []))
        if msgid and msgstr:
            entries[msgid] = msgstr
        parts.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if key is None:
                raise ValueError(f"a .po file's quoted line follows no keyword: {line[:60]}")
            parts[key].append(_unquote(line))
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword == "msgid" and "msgstr" in parts:
            flush()
        key = keyword
        parts[key] = [_unquote(rest)]
    flush()
    return entries


def _unquote(quoted: str) -> str:
    """The text of one quoted .po string ("a\\tb\\n" -> a, tab, b, newline)."""
    if not (len(quoted) >= 2 and quoted[0] == quoted[-1] == '"'):
        raise ValueError(f"a .po file's string must be in double quotes: {quoted[:60]}")
    if "\\" not in quoted:  # most lines: nothing to unescape (literal_eval is the slow part)
        return quoted[1:-1]
    return str(ast.literal_eval(quoted))
