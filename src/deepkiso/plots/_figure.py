"""The Figure every plot function of deepkiso returns: drawn with a Japanese font, shown the usual way.

``new_figure(figsize=..., layout=...)`` makes it. Two places, two needs:

- Scripts and the command line save figures to files. There the Figure is a plain one with an Agg
  canvas, outside pyplot: pyplot keeps every figure it makes in a global registry until it is
  closed, so a loop that makes figures would hold them all. pyplot is never imported for it.
- A Jupyter notebook shows figures. Where pyplot is already imported and a notebook backend is in
  use (the inline backend of a Jupyter kernel), the Figure is made through pyplot, so the three
  usual ways all show it, once: ``plt.show()``, ``fig.show()`` and the figure left as a cell's
  last line. The inline backend shows and closes its figures when the cell ends, so figures made
  in a loop are not kept from one cell to the next.

Either way the Figure is a ``CourseFigure``: it draws with the Japanese font behind the usual one
(``fonts``), so the texts of ``--lang ja`` and KMNIST's kana render.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
import sys
from collections.abc import Iterator
from typing import Any

from matplotlib.figure import Figure

from deepkiso.plots import fonts

__all__ = ["CourseFigure", "new_figure", "outside_pyplot", "NOTEBOOK_BACKENDS", "INLINE_BACKENDS"]

# matplotlib's names of the backends that show figures in a notebook's output: the inline one
# (a Jupyter kernel's default), which shows a cell's figures as pictures when it ends, and the
# interactive ones.
INLINE_BACKENDS = frozenset({"inline", "module://matplotlib_inline.backend_inline"})
NOTEBOOK_BACKENDS = INLINE_BACKENDS | frozenset(
    {
        "nbagg",
        "notebook",
        "ipympl",
        "widget",
        "module://ipympl.backend_nbagg",
    }
)


class CourseFigure(Figure):
    """A matplotlib Figure that draws Japanese text, and shows once in Jupyter whichever way it is asked."""

    def draw(self, renderer) -> None:
        with fonts.japanese_fonts(self):
            super().draw(renderer)

    def show(self, warn: bool = True) -> None:
        """Show the figure: in a notebook's output now, once; elsewhere as pyplot's Figure.show."""
        managed = self.canvas.manager is not None
        if _in_a_notebook() and (not managed or _pyplot_backend() in INLINE_BACKENDS):
            from IPython.display import display

            # Through pyplot's inline backend the display also closes the figure (see
            # _show_once_in_ipython), so the end of the cell does not show it again.
            display(self)
            return
        super().show(warn)

    def _repr_png_(self) -> bytes:
        # Used only where IPython has no printer for Figures (pyplot never imported): the last line
        # of a cell still shows the picture, not "<Figure size 640x480 with 1 Axes>".
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(*, through_pyplot: bool | None = None, **options: Any) -> Figure:
    """A CourseFigure made with options (figsize, layout, …), as Figure(**options) takes them.

    through_pyplot: None (the default) makes it through pyplot where pyplot is imported and a
    notebook backend is in use, and as a plain Figure otherwise; False always makes a plain one
    (a figure made only to be saved, or to be rendered by its caller).
    """
    if through_pyplot is None:
        through_pyplot = _notebook_backend_in_use() and not _outside_pyplot.get()
    if not through_pyplot:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        plain = CourseFigure(**options)
        FigureCanvasAgg(plain)  # drawn to pixels by Agg, like savefig's PNG (canvas.draw works)
        return plain
    import matplotlib.pyplot as plt

    managed = plt.figure(FigureClass=CourseFigure, **options)
    if _pyplot_backend() in INLINE_BACKENDS:
        _show_once_in_ipython()
    return managed


_outside_pyplot: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "deepkiso_outside_pyplot", default=False
)


@contextlib.contextmanager
def outside_pyplot() -> Iterator[None]:
    """Figures made meanwhile are plain ones, even in a notebook: for a figure only saved or rendered.

        with outside_pyplot():
            figure = learning_curve_figure(history)
        figure.savefig(buffer, format="png")

    (Through pyplot, the inline backend would show such a figure again when the cell ends.)
    """
    token = _outside_pyplot.set(True)
    try:
        yield
    finally:
        _outside_pyplot.reset(token)


def _notebook_backend_in_use() -> bool:
    """pyplot is imported (so the user works with it) and its backend shows figures in a notebook."""
    return _pyplot_backend() in NOTEBOOK_BACKENDS


def _pyplot_backend() -> str | None:
    """The name of pyplot's backend in lower case; None where pyplot is not imported or has none yet."""
    if "matplotlib.pyplot" not in sys.modules:
        return None
    import matplotlib

    try:
        backend = matplotlib.get_backend(auto_select=False)
    except TypeError:  # matplotlib < 3.10 has no auto_select; the sentinel means "not chosen yet"
        backend = matplotlib.rcParams._get("backend")
    return backend.lower() if isinstance(backend, str) else None


def _in_a_notebook() -> bool:
    """Running inside a Jupyter kernel (an IPython shell that sends rich output)."""
    shell = _ipython_shell()
    return shell is not None and hasattr(shell, "kernel")


def _ipython_shell():
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def _show_once_in_ipython() -> None:
    """Make a pyplot-made CourseFigure close when IPython displays it.

    The inline backend shows every open figure when a cell ends, so a figure that was already
    shown as the cell's last line (IPython's display of its value) would be shown twice. For
    each picture format, a CourseFigure is printed by the printer IPython has for Figures (the
    one the inline backend set up, so its formats and resolution hold) and then closed in pyplot.
    """
    shell = _ipython_shell()
    if shell is None:
        return
    for mime, formatter in shell.display_formatter.formatters.items():
        if not (mime.startswith("image/") or mime == "application/pdf"):
            continue
        if CourseFigure not in formatter.type_printers:
            formatter.for_type(CourseFigure, functools.partial(_print_and_close, formatter))


def _print_and_close(formatter, figure: Figure):
    """The picture of figure in formatter's format (None where IPython prints Figures in no such format)."""
    try:
        printer = formatter.lookup_by_type(Figure)
    except KeyError:
        return None
    data = printer(figure)
    if figure.canvas.manager is not None and _inline_closes_figures():
        import matplotlib.pyplot as plt

        plt.close(figure)
    return data


def _inline_closes_figures() -> bool:
    """The inline backend is pyplot's and closes the figures when a cell ends (its default).

    Where it keeps them (``InlineBackend.close_figures = False``), figures are meant to live on
    from cell to cell, so showing one does not close it either.
    """
    if _pyplot_backend() not in INLINE_BACKENDS:
        return False
    from matplotlib_inline.config import InlineBackend

    return bool(InlineBackend.instance().close_figures)
