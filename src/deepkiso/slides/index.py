"""``index.html``: every slide figure on one page, in slide order, with its title and its command.

A plain HTML page with no script and no outside resource: each figure is an ``<img>`` with a relative
link, its title, a short caption and the ``deepkiso`` line that makes the same figure. Every text is
escaped; the ``lang`` attribute is the language the page was written in.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from deepkiso import i18n
from deepkiso.i18n import _
from deepkiso.slides.catalog import SECTIONS, Written, command_line

__all__ = ["index_html"]

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
figure { margin: 1.5em 0 2.5em; }
img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { margin-top: 0.4em; }
code { display: block; margin-top: 0.3em; padding: 0.4em; background: #f4f4f4; overflow-x: auto; }
nav li { margin: 0.1em 0; }
"""


def index_html(written: Sequence[Written], fmt: str, lang: str = "en") -> str:
    """The page showing written (in its order), with the pictures in format fmt ("png" or "svg")."""
    heading = escape(_("Day 2: every slide figure"))
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="generator" content="deepkiso slides">',
        f"<title>{heading}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{heading}</h1>",
        "<p>"
        + escape(
            _(
                "Each figure is drawn by deepkiso slides; the line under it makes the same "
                "figure on its own."
            )
        )
        + "</p>",
        "<nav><ol>",
    ]
    for item in written:
        lines.append(
            f'<li><a href="#{escape(item.slide.id)}">{escape(i18n._(item.slide.title))}</a></li>'
        )
    lines.append("</ol></nav>")
    section = None
    for number, item in enumerate(written, 1):
        slide = item.slide
        if slide.section != section:
            section = slide.section
            lines.append(f"<h2>{escape(i18n._(SECTIONS[section]))}</h2>")
        title = i18n._(slide.title)  # marked N_ in catalog
        command = command_line(slide, f".{fmt}", lang)
        if slide.folder_picture is not None:
            command += "   # → " + f"runs/{slide.id}/{slide.folder_picture}"
        lines += [
            f'<figure id="{escape(slide.id)}">',
            f'<img src="{escape(quote(f"{slide.id}.{fmt}"))}" alt="{escape(title)}">',
            "<figcaption>",
            f"<strong>{number}. {escape(title)}</strong> {escape(i18n._(slide.caption))}",
            f"<code>{escape(command)}</code>",
            "</figcaption>",
            "</figure>",
        ]
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)
