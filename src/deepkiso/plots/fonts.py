"""Japanese in deepkiso's figures: a CJK font behind the usual one, glyph by glyph.

The figures are drawn in Japanese with ``--lang ja``, and KMNIST's class names (お, き, す, …)
are kana in either language. matplotlib's default font, DejaVu Sans, has no kana or kanji, so each
text of a deepkiso figure gets a font family *list*: the families it already has (the user's
``font.family``, DejaVu Sans by default), then a Japanese font. matplotlib (3.6 and later) takes
each glyph from the first font of the list that has it, so Latin letters, digits and symbols look
as they always do and only the Japanese characters come from the Japanese font.

The Japanese font is IPAex Gothic, which the ``matplotlib-fontja`` package bundles (a dependency of
deepkiso); without the package, a Noto Sans CJK font installed on the system. Nothing here
changes the user's rcParams: the families are set on the texts of deepkiso's own figures, and
while such a figure draws (``_figure.CourseFigure``), for the tick labels it makes then.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from functools import cache

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = [
    "japanese_family",
    "with_japanese",
    "add_japanese_fallback",
    "use_japanese",
    "japanese_fonts",
    "SYSTEM_FAMILIES",
]

# matplotlib's own font, always there: the one behind all others.
_LAST_RESORT = "DejaVu Sans"
# Installed by fonts-noto-cjk (Debian, Ubuntu), google-noto-sans-cjk (Fedora) and others.
SYSTEM_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
)


@cache
def japanese_family() -> str | None:
    """The family name of the Japanese font deepkiso draws with ("IPAexGothic"), None if there is none.

    The first call registers the font that matplotlib-fontja bundles with matplotlib's font
    manager (adding a font changes no setting).
    """
    family = _bundled_font()
    if family is None:
        installed = {entry.name for entry in font_manager.fontManager.ttflist}
        family = next((name for name in SYSTEM_FAMILIES if name in installed), None)
    if family is not None:
        _bold_as_regular(family)
    return family


def _bundled_font() -> str | None:
    try:
        # Importing matplotlib_fontja registers its font and also sets rcParams["font.family"]
        # to it; the rc_context puts the user's setting back, and only the font stays registered.
        with matplotlib.rc_context():
            import matplotlib_fontja
    except ImportError:
        return None
    path = matplotlib_fontja.get_font_ttf_path()
    name = font_manager.FontProperties(fname=path).get_name()
    if name not in {entry.name for entry in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    return name


def _bold_as_regular(family: str) -> None:
    """Let bold text of family use its regular face, as matplotlib would, without a warning each time.

    IPAex Gothic has one weight. matplotlib synthesizes no bold: asked for one (a graph's node
    names, its title), it logs "Failed to find font weight bold" and uses the regular face. An
    entry of the same file under weight 700 says so once, here.
    """
    entries = [entry for entry in font_manager.fontManager.ttflist if entry.name == family]
    if entries and not any(_weight(entry.weight) >= 600 for entry in entries):
        font_manager.fontManager.ttflist.append(dataclasses.replace(entries[0], weight=700))


def _weight(weight: int | str) -> int:
    return weight if isinstance(weight, int) else font_manager.weight_dict.get(weight, 400)


def with_japanese(families: str | Sequence[str]) -> list[str]:
    """families, then the Japanese font and matplotlib's DejaVu Sans (each once) for the glyphs they lack.

    DejaVu Sans last: where the families are a Japanese font alone (as ``import matplotlib_fontja``
    sets them), the symbols it lacks (≤, ∇, ‖) still come from a font that has them.
    """
    families = [families] if isinstance(families, str) else list(families)
    japanese = japanese_family()
    extra = [name for name in (japanese, _LAST_RESORT) if name is not None and name not in families]
    return [*families, *extra]


def add_japanese_fallback(figure: Figure) -> None:
    """Put the Japanese font behind the families of every text of figure (titles, labels, legends)."""
    for text in figure.findobj(Text):
        properties = text.get_fontproperties()
        families = properties.get_family()
        fallback = with_japanese(families)
        if fallback != families:
            # On the text's own properties, not through set_fontfamily: the text is not stale,
            # it draws the same glyphs wherever the first fonts have them.
            properties.set_family(fallback)


def use_japanese() -> list[str]:
    """Let every figure draw Japanese, also those you make with pyplot yourself; returns the families.

    Unlike the rest of deepkiso, this changes a setting of yours, because you ask for it: it sets
    ``rcParams["font.family"]`` to its families with the Japanese font behind them (undo with
    ``matplotlib.rcdefaults()``, or call it inside ``with matplotlib.rc_context():``).

        from deepkiso.plots.fonts import use_japanese
        use_japanese()
        plt.title("エポックごとの損失")
    """
    families = with_japanese(matplotlib.rcParams["font.family"])
    matplotlib.rcParams["font.family"] = families
    return families


@contextlib.contextmanager
def japanese_fonts(figure: Figure) -> Iterator[None]:
    """While it lasts, figure's texts and the texts made meanwhile (tick labels) have the fallback."""
    add_japanese_fallback(figure)
    with matplotlib.rc_context({"font.family": with_japanese(matplotlib.rcParams["font.family"])}):
        yield
