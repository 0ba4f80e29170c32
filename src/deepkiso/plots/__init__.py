"""Figures: every function here takes arrays or results and returns a matplotlib Figure.

Each Figure is made by ``_figure.new_figure``. In a script or the command line it is a plain Figure
outside pyplot, so no figure is left open in pyplot's global registry, and the command-line tool
saves it to a file. In a Jupyter notebook that uses pyplot (its inline backend), it is made through
pyplot, so ``plt.show()``, ``fig.show()`` or the figure as a cell's last line each show it once, and
the inline backend closes it when the cell ends. Code that only saves or renders a figure in a
notebook makes it ``with outside_pyplot():`` (``deepkiso.plots._figure``), so it is not shown too.
Every figure draws Japanese text with the font of ``fonts``.
"""
