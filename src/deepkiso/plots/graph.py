"""Drawing a computational graph with every node's forward value and gradient.

This serves the chain-rule and computational-graph slides and the two group
works (the detailed squared-error and tanh graphs): ``draw_graph`` returns a
matplotlib Figure of a ``deepkiso.graph`` graph, laid out left to right by our
own layered layout, so it needs nothing beyond matplotlib. ``save_graph``
writes .svg, .png or .dot, using Graphviz's ``dot`` for the pictures when it is
installed and matplotlib otherwise. ``show_graph`` wraps a graph for Jupyter,
where it shows inline as SVG.
The layout itself (``graph_layout``, ``graph_fold``, ``graph_pinned``) is pure geometry; ``graph_drawing`` measures
the text and draws; this module chooses the rows and writes the files.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from deepkiso.files import write_atomically
from deepkiso.graph import Variable, to_dot
from deepkiso.i18n import _, language
from deepkiso.plots.graph_drawing import frame_size, render, text_width
from deepkiso.plots.graph_layout import (
    SLIDE_ASPECT,
    Layout,
    choose_rows,
)
from deepkiso.plots.graph_pinned import placement

__all__ = [
    "draw_graph",
    "save_graph",
    "show_graph",
    "dot_text",
    "chosen_renderer",
    "GraphView",
    "RENDERERS",
    "SUFFIXES",
    "SLIDE_ASPECT",
]

RENDERERS = ("auto", "dot", "matplotlib")
SUFFIXES = (".svg", ".png", ".dot")

# -------------------------------------------------------------------------------------------
# Public API
# -------------------------------------------------------------------------------------------


def draw_graph(
    output: Variable,
    *,
    title: str | None = None,
    show_gradients: bool = True,
    max_items: int = 3,
    max_width: float = 18.0,
    fold: bool = True,
    upstream: str | None = None,
) -> Figure:
    """A Figure of the graph output was computed by, inputs on the left, output on the right.

    Value nodes are boxes: name and forward value (a scalar to 4 significant
    digits; an array as its shape and its first ``max_items`` numbers) and,
    after ``output.backward()``, the gradient in red. Constants are grey.
    Operation nodes are ellipses with their symbol. Forward edges are solid;
    under each one a dashed red edge carries the gradient back, labelled with
    the local derivative it multiplies by.

    fold: a wide graph is folded into rows (read left to right, then the next
    row), as many as make the figure slide-shaped (width over height between
    4:3 and 2.5:1, ``SLIDE_ASPECT``) and no row wider than max_width inches; a
    figure still outside that range gets white margins. fold=False keeps one row.
    upstream: the name of the loss ("L") when backward started from a general
    upstream gradient ∂L/∂z (``output.backward(dout)``): the gradients are named
    ∂L/∂v and an arrow labelled with ∂L/∂z brings it into the output.
    The title may hold mathtext ($x^2$), as a formula's title does.
    """
    return _draw(
        output, title, show_gradients, max_items, max_width, fold, upstream, through_pyplot=None
    )


def _draw(
    output: Variable,
    title: str | None,
    show_gradients: bool,
    max_items: int,
    max_width: float,
    fold: bool,
    upstream: str | None,
    through_pyplot: bool | None,
) -> Figure:
    layout = _layout(output, title, show_gradients, max_items, max_width, fold, upstream)
    return render(layout, title, show_gradients, through_pyplot, max_width)


def _layout(
    output: Variable,
    title: str | None,
    show_gradients: bool,
    max_items: int,
    max_width: float,
    fold: bool,
    upstream: str | None,
) -> Layout:
    """The layout placed as the figure will show it: folded to a slide's shape, or in one row."""
    layout = Layout.build(output, show_gradients, max_items, text_width, upstream)
    if fold:
        choose_rows(layout, max_width, lambda placed: frame_size(placed, title))
    else:
        layout.place(np.inf)
    return layout


def save_graph(
    output: Variable,
    path: str | os.PathLike,
    *,
    renderer: str = "auto",
    title: str | None = None,
    dpi: int = 150,
    max_width: float = 18.0,
    fold: bool = True,
    upstream: str | None = None,
    dot_title: str | None = None,
) -> str:
    """Write the graph to path, by its suffix: .svg or .png (a picture) or .dot (Graphviz's text).

    renderer: "auto" uses Graphviz's ``dot`` when it is on the PATH (in Japanese, only when
    fontconfig has a Japanese font for it) and matplotlib otherwise; "dot" or "matplotlib" forces one. Both fold a wide
    graph into slide-shaped rows (see ``draw_graph``; fold=False keeps one row).
    dot_title: the title as Graphviz shows it, when title is mathtext that only
    matplotlib reads (default: title). The file is written under a temporary name
    and renamed, so it is never half-written.
    Returns the renderer used: "dot", "matplotlib" or "text" (for .dot).
    """
    path = Path(path)
    used = chosen_renderer(path, renderer)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    shown = dot_title if dot_title is not None else title
    if used == "text":
        text = dot_text(output, title=shown, max_width=max_width, fold=fold, upstream=upstream)
        write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        return "text"
    if used == "dot":
        dot = shutil.which("dot")
        assert dot is not None  # chosen_renderer checked
        text = dot_text(
            output, title=shown, max_width=max_width, fold=fold, upstream=upstream, dot=dot
        )
        write_atomically(path, lambda tmp: _run_dot(dot, text, suffix[1:], tmp, dpi))
        return "dot"
    # Not through pyplot: a figure made to be saved is not shown in a notebook's output.
    figure = _draw(output, title, True, 3, max_width, fold, upstream, through_pyplot=False)
    write_atomically(path, lambda tmp: _save_figure(figure, tmp, suffix[1:], dpi))
    return "matplotlib"


def chosen_renderer(path: str | os.PathLike, renderer: str = "auto") -> str:
    """Who save_graph would draw path with: "dot", "matplotlib" or "text" (a .dot file).

    Raises ValueError for a suffix or renderer it does not know, and for "dot" without Graphviz.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            _(
                "save_graph: cannot write {name!r}; the file name must end in one of {suffixes}"
            ).format(name=path.name, suffixes=list(SUFFIXES))
        )
    if renderer not in RENDERERS:
        raise ValueError(
            _("save_graph: unknown renderer {renderer!r}; choose one of {choices}").format(
                renderer=renderer, choices=list(RENDERERS)
            )
        )
    if suffix == ".dot":
        return "text"
    dot = shutil.which("dot")
    if renderer == "dot" and dot is None:
        raise ValueError(
            _(
                "save_graph: the renderer 'dot' needs Graphviz's dot program, which is not on the "
                "PATH; install Graphviz or use the matplotlib renderer"
            )
        )
    if renderer == "auto" and language() == "ja" and not graphviz_has_japanese_font():
        # Graphviz finds its fonts through fontconfig, which may have no Japanese one: its boxes
        # would be empty. matplotlib draws with the font deepkiso brings (plots.fonts).
        return "matplotlib"
    return "dot" if dot is not None and renderer != "matplotlib" else "matplotlib"


@functools.cache
def graphviz_has_japanese_font() -> bool:
    """Whether fontconfig, where Graphviz finds its fonts, knows a font with Japanese glyphs."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        found = subprocess.run(
            [fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return found.returncode == 0 and bool(found.stdout.strip())


def dot_text(
    output: Variable,
    *,
    title: str | None = None,
    max_width: float = 18.0,
    fold: bool = True,
    upstream: str | None = None,
    dot: str | None = None,
) -> str:
    """The DOT text of the graph, folded into slide-shaped rows (``to_dot`` with the layout's rows).

    The rows come from our own layered layout. With dot (the path of Graphviz's
    program), the number of rows is chosen by measuring dot's own drawing of
    each (``dot -Tplain``), and margins are added if its proportions still fall
    outside ``SLIDE_ASPECT``; without it, by the matplotlib drawing's proportions.
    """
    if not fold:
        return to_dot(output, title=title, upstream=upstream)
    layout = Layout.build(output, True, 3, text_width, upstream)
    if dot is None:
        choose_rows(layout, max_width, lambda placed: frame_size(placed, title))
        return to_dot(output, title=title, upstream=upstream, placement=placement(layout))

    def size(placed: Layout) -> tuple[float, float] | None:
        pinned = placement(placed)
        return _dot_size(dot, to_dot(output, title=title, upstream=upstream, placement=pinned))

    choose_rows(layout, max_width, size)
    pinned = placement(layout)
    measured = size(layout)
    if measured is None:  # not even one row could be measured: let the real run report why
        return to_dot(output, title=title, upstream=upstream)
    return to_dot(
        output, title=title, upstream=upstream, placement=pinned, pad=_slide_pad(*measured, 0.06)
    )


def _slide_pad(width: float, height: float, minimum: float) -> tuple[float, float] | None:
    """Margins (x, y) in inches that bring width × height into SLIDE_ASPECT; None if it is already."""
    low, high = SLIDE_ASPECT
    width, height = width + 2 * minimum, height + 2 * minimum
    if width / height > high:
        return minimum, minimum + (width / high - height) / 2 + 0.01
    if width / height < low:
        return minimum + (height * low - width) / 2 + 0.01, minimum
    return None


def _dot_size(dot: str, text: str) -> tuple[float, float] | None:
    """The width and height, in inches, of dot's drawing of text (``dot -Tplain``); None if dot fails."""
    result = subprocess.run(
        [dot, "-Tplain"], input=text.encode("utf-8"), capture_output=True, timeout=120, check=False
    )
    fields = result.stdout.decode("utf-8", errors="replace").split(maxsplit=4)
    if result.returncode != 0 or len(fields) < 4 or fields[0] != "graph":
        return None  # dot cannot fold it so (some versions crash on some foldings)
    return float(fields[2]), float(fields[3])  # "graph scale width height ..."


@dataclass
class GraphView:
    """A graph to look at: shows inline in Jupyter (as SVG) and saves to a file.

    ``GraphView(y)`` or ``show_graph(y)`` as the last line of a notebook cell
    draws y's graph with values and gradients as they are at that moment.
    """

    output: Variable
    title: str | None = None
    max_width: float = 18.0
    fold: bool = True
    upstream: str | None = None

    def figure(self) -> Figure:
        """The drawing as a matplotlib Figure."""
        return draw_graph(
            self.output,
            title=self.title,
            max_width=self.max_width,
            fold=self.fold,
            upstream=self.upstream,
        )

    def save(self, path: str | os.PathLike, **options) -> str:
        """save_graph(self.output, path, **options); returns the renderer used."""
        return save_graph(
            self.output,
            path,
            title=self.title,
            max_width=self.max_width,
            fold=self.fold,
            upstream=self.upstream,
            **options,
        )

    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language, folded as the picture is."""
        return dot_text(
            self.output,
            title=self.title,
            max_width=self.max_width,
            fold=self.fold,
            upstream=self.upstream,
        )

    def _repr_svg_(self) -> str:
        # Outside pyplot: the view is shown as this SVG, not as a figure of the inline backend too.
        figure = _draw(
            self.output,
            self.title,
            True,
            3,
            self.max_width,
            self.fold,
            self.upstream,
            through_pyplot=False,
        )
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()


def show_graph(
    output: Variable,
    *,
    title: str | None = None,
    max_width: float = 18.0,
    fold: bool = True,
    upstream: str | None = None,
) -> GraphView:
    """A GraphView of output's graph, for Jupyter: it shows inline as an SVG drawing."""
    return GraphView(output, title, max_width, fold, upstream)


# -------------------------------------------------------------------------------------------
# Writing files
# -------------------------------------------------------------------------------------------


def _save_figure(figure: Figure, tmp: str, fmt: str, dpi: int) -> None:
    # No date in the SVG's metadata, so the same graph always gives the same file.
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)


def _run_dot(dot: str, text: str, fmt: str, tmp: str, dpi: int) -> None:
    result = subprocess.run(
        [dot, f"-T{fmt}", f"-Gdpi={dpi}", "-o", tmp],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise RuntimeError(
            _("Graphviz dot failed with exit code {code}: {message}").format(
                code=result.returncode, message=message
            )
        )
