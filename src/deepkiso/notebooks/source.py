"""Reading a notebook's source: one Python file in the "percent" format, split into cells.

A source (``sources/<name>.py``) holds both languages and both versions (the learner's, with
blanks, and the solutions) of one course notebook (exercises 2_1 – 2_18 and the group works).
A line ``# %% <words>`` starts a cell; the words say what it is:

    # %% [markdown] ja      Markdown in Japanese only (en: English only; no language: both)
    # %%                    code, in both versions
    # %% exercise           code with ``# >>> solution`` … ``# <<< solution`` blocks to blank out
    # %% check              a live check(...) cell
    # %% picture            a figure drawn with deepkiso
    # %% full-run           a long training run, skipped when the notebooks are executed in CI

A code cell may also name a language (``# %% picture ja``). ``parse`` returns the cells as
written; ``build`` makes them into a notebook for one language and version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LANGUAGES", "ROLES", "Cell", "SourceError", "parse"]

LANGUAGES = ("ja", "en")
ROLES = ("exercise", "check", "picture", "full-run")
_HEADER = re.compile(r"^# %%(?P<words>(?:\s.*)?)$")


class SourceError(ValueError):
    """A source file that does not follow the format: names the file and line."""


@dataclass(frozen=True)
class Cell:
    """One cell as the source writes it.

    kind: "markdown" or "code"; role: "" or one of ROLES; lang: "ja", "en" or None (both);
    lines: the cell's lines (for Markdown, without the leading "# "), blank lines around trimmed;
    line: the line number of the cell's header in the source.
    """

    kind: str
    role: str
    lang: str | None
    lines: tuple[str, ...]
    line: int


def parse(text: str, name: str = "<source>") -> list[Cell]:
    """The cells of a source's text, in order; SourceError naming name:line for a malformed one.

    Lines before the first ``# %%`` header are ignored (a module docstring or a comment).
    """
    cells: list[Cell] = []
    header: tuple[str, str, str | None, int] | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line)
        if match is None:
            if header is not None:
                body.append(line)
            continue
        if header is not None:
            cells.append(_cell(header, body, name))
        header, body = (*_words(match["words"].split(), name, number), number), []
    if header is not None:
        cells.append(_cell(header, body, name))
    return cells


def _words(words: list[str], name: str, number: int) -> tuple[str, str, str | None]:
    """(kind, role, lang) of a header's words."""
    kind, role, lang = "code", "", None
    for word in words:
        if word == "[markdown]":
            kind = "markdown"
        elif word in ROLES and not role:
            role = word
        elif word in LANGUAGES and lang is None:
            lang = word
        else:
            raise SourceError(
                f"{name}:{number}: unknown cell word {word!r} (expected [markdown], "
                f"{', '.join(ROLES)}, or a language: {', '.join(LANGUAGES)})"
            )
    if kind == "markdown" and role:
        raise SourceError(f"{name}:{number}: a Markdown cell has no role ({role!r})")
    return kind, role, lang


def _cell(header: tuple[str, str, str | None, int], body: list[str], name: str) -> Cell:
    kind, role, lang, number = header
    if kind == "markdown":
        body = [_markdown_line(line, name, number + i) for i, line in enumerate(body, start=1)]
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    if not body:
        raise SourceError(f"{name}:{number}: an empty cell")
    return Cell(kind, role, lang, tuple(body), number)


def _markdown_line(line: str, name: str, number: int) -> str:
    if not line.strip():
        return ""
    if line == "#":
        return ""
    if line.startswith("# "):
        return line[2:]
    raise SourceError(f"{name}:{number}: a Markdown cell's lines start with '# ': {line[:40]!r}")
