"""What ``Trainer.train`` shows while it runs: a progress bar per epoch, one line per finished epoch,
and, in a Jupyter notebook, the learning curves redrawn after every epoch.

The bar is tqdm's notebook widget inside a Jupyter kernel that has ipywidgets, else tqdm's text bar
on stderr; the epoch lines go to stdout, so a notebook keeps them under the cell and a script's
output can be redirected without the bar.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from typing import Any, Protocol

from deepkiso.i18n import _

__all__ = ["ProgressReport", "epoch_line", "in_notebook"]


class _Run(Protocol):
    """What the report reads of the Trainer (which imports this module, so it is not named here)."""

    epoch: int
    n_epochs: int
    history: Any


def epoch_line(n_epochs: int, metrics: dict[str, Any]) -> str:
    """One finished epoch's summary: "epoch  3/10  loss 0.2810  train acc 0.9213  …  1.2 s".

    metrics: a row of History.epochs; measures that are None (no test data, a regression net) are
    left out.
    """
    width = len(str(n_epochs))
    parts = [
        _("epoch {epoch}/{epochs}").format(epoch=f"{metrics['epoch']:>{width}}", epochs=n_epochs)
    ]
    for key, label in (
        ("train_loss", _("loss {value:.4f}")),
        ("train_accuracy", _("train acc {value:.4f}")),
        ("test_loss", _("test loss {value:.4f}")),
        ("test_accuracy", _("test acc {value:.4f}")),
    ):
        if metrics.get(key) is not None:
            parts.append(label.format(value=metrics[key]))
    parts.append(_("{seconds:.1f} s").format(seconds=metrics["seconds"]))
    return "  ".join(parts)


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (where display() shows rich output under a cell)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return type(shell).__name__ == "ZMQInteractiveShell"


def _tqdm_class() -> Any:
    """tqdm's notebook bar in a kernel with ipywidgets, else its text bar (never a warning about it)."""
    if in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as notebook_tqdm  # a widget

        return notebook_tqdm
    from tqdm import tqdm

    return tqdm


class ProgressReport:
    """The Trainer's own callback (the hooks of training.Callback): a bar per epoch with the running mean of the mini-batch loss, and one line per finished epoch.

    bar: False prints the lines only (deepkiso train --quiet). live_plot: in a notebook, draw the learning curves (plots.learning_curve_figure) under the cell
    and redraw them after every epoch; elsewhere it is ignored with a warning.
    """

    def __init__(self, live_plot: bool = False, bar: bool = True) -> None:
        self.bar = bar
        self.live_plot = live_plot and in_notebook()
        if live_plot and not self.live_plot:
            warnings.warn(
                _("live_plot draws in a Jupyter notebook only; the curves are not drawn here"),
                stacklevel=3,
            )
        self._bar: Any = None
        self._display: Any = None
        self._loss_sum = 0.0
        self._n_losses = 0
        self._next_refresh = 0.0

    def on_epoch_start(self, trainer: _Run, n_batches: int) -> None:
        self._bar = _tqdm_class()(
            total=n_batches,
            desc=_("epoch {epoch}/{epochs}").format(
                epoch=trainer.epoch + 1, epochs=trainer.n_epochs
            ),
            unit=_("batch"),
            leave=False,
            file=sys.stderr,
            dynamic_ncols=True,
            disable=not self.bar,
        )
        self._loss_sum, self._n_losses, self._next_refresh = 0.0, 0, 0.0

    def on_iteration(self, trainer: _Run, loss: float) -> None:
        self._loss_sum += loss
        self._n_losses += 1
        self._bar.update()
        # Formatting the postfix costs more than the update itself: only when the bar is redrawn.
        now = time.monotonic()
        if now >= self._next_refresh and self.bar:
            self._bar.set_postfix_str(
                _("loss {loss:.4f}").format(loss=self._loss_sum / self._n_losses), refresh=False
            )
            self._next_refresh = now + 0.2

    def on_epoch_end(self, trainer: _Run, metrics: dict[str, Any]) -> None:
        self.close()
        print(epoch_line(trainer.n_epochs, metrics), flush=True)
        if self.live_plot:
            self._draw(trainer)

    def close(self) -> None:
        """Take the epoch's bar off the screen (also when training stops with an exception)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _draw(self, trainer: _Run) -> None:
        # A PNG, not the Figure: it shows whatever matplotlib backend the kernel has, and no
        # figure stays open in pyplot.
        import io

        from IPython.display import Image, display

        from deepkiso.plots._figure import outside_pyplot
        from deepkiso.plots.curves import learning_curve_figure

        png = io.BytesIO()
        with outside_pyplot():  # else pyplot would keep each epoch's figure and show it again
            figure = learning_curve_figure(trainer.history)
        figure.savefig(png, format="png", dpi=80)
        image = Image(data=png.getvalue(), format="png")
        if self._display is None:
            self._display = display(image, display_id=True)
        else:
            self._display.update(image)
