"""Text by the columns it takes on a terminal, where a full-width character (kana, kanji) takes two.

For tables and help whose headings may be Japanese: ``text_width`` measures, ``pad`` aligns, ``wrap``
breaks a paragraph into lines. Only the standard library, so ``deepkiso.cli`` may use it before any
command is imported. The leading underscore keeps ``deepkiso.cli`` from taking this for a command.
"""

from __future__ import annotations

import unicodedata

__all__ = ["pad", "text_width", "wrap"]

# Punctuation that must not begin a line (kinsoku): it stays with the text before it.
_NO_LINE_START = set("、。，．・：；？！」』）】〉》)]}>,.:;!?%")  # noqa: RUF001 (full-width on purpose)
# ... and what must not end one: it stays with the text after it.
_NO_LINE_END = set("「『（【〈《([{<")  # noqa: RUF001 (full-width on purpose)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def text_width(text: str) -> int:
    """Columns text takes on a terminal: a full-width character takes two, any other one."""
    return sum(2 if _is_wide(c) else 1 for c in text)


def pad(text: str, width: int, align: str) -> str:
    """text padded with spaces to width terminal columns, on the right ("<") or the left (">")."""
    fill = " " * max(0, width - text_width(text))
    return text + fill if align == "<" else fill + text


def wrap(text: str, width: int) -> list[str]:
    """text's words in lines of at most width columns (a longer word gets a line of its own).

    A line may break at a space or beside a full-width character, as Japanese breaks between any
    two characters, but never before closing punctuation. Runs of white space become one space.
    """
    pieces: list[str] = []  # words, single full-width characters and single spaces
    for char in " ".join(text.split()):
        if char == " ":
            pieces.append(char)
        elif (
            pieces
            and pieces[-1] != " "
            and (char in _NO_LINE_START or pieces[-1][-1] in _NO_LINE_END)
        ) or (not _is_wide(char) and pieces and pieces[-1] != " " and not _is_wide(pieces[-1][-1])):
            pieces[-1] += char
        else:
            pieces.append(char)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if line and text_width(line + piece) > width:
            lines.append(line.rstrip())
            line = "" if piece == " " else piece
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines
