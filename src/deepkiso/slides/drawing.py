"""The figures of the slides, drawn from a command line's parsed settings.

Each function takes the ``argparse.Namespace`` of one ``deepkiso`` command line (``catalog``
parses it with that command's own parser) and returns a ``Picture`` that writes the figure.
A command whose ``--out`` is the picture itself (landscape, numdiff, graph, vanishing,
why-not-accuracy, …) draws it with its own ``run``, in this process: one code path, so the slide is
the command's picture whatever options it gains. ``train`` and the experiments write a whole folder
(a run, a sweep); their figure is drawn here with the library and the commands' own helpers (the
run's settings, the sweep's trials and title; a test checks that the trials are the command's).
matplotlib is imported where it draws.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import io
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from deepkiso.commands._output import RUN_PICTURE_DPI, write_figure
from deepkiso.errors import JobError
from deepkiso.i18n import _

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Picture", "batch_size", "command", "learning_curves", "sampling"]


@dataclass
class Picture:
    """What a slide's drawing returns: something that writes the picture to a path (.png or .svg).

    Either a matplotlib figure with the resolution its command uses, or the slide's own command:
    its ``run`` on the parsed line, with ``--out`` set to the path (what it prints is not shown).
    """

    dpi: int = 100
    figure: Figure | None = None
    command: ModuleType | None = None
    args: argparse.Namespace | None = None

    def write(self, path: Path) -> None:
        """Write the picture to path atomically, as its command would."""
        if self.command is not None and self.args is not None:
            args = copy.copy(self.args)
            args.out = path
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                self.command.run(args)
        else:
            assert self.figure is not None
            write_figure(self.figure, path, self.dpi)

    def close(self) -> None:
        """Let go of the figure (they are made outside pyplot, so this only drops the reference)."""
        self.figure = None


def command(args: argparse.Namespace) -> Picture:
    """A command whose --out is the picture itself (landscape, numdiff, graph, vanishing, …): its own run.

    So the slide's picture is, byte for byte, the one its command line makes, with every option
    that command has, now or later.
    """
    return Picture(command=importlib.import_module(args._slide_module), args=args)


def learning_curves(args: argparse.Namespace) -> Picture:
    """``deepkiso train``: a short run's learning curves (the run folder's curves.png)."""
    import dataclasses

    from deepkiso.commands import _runs
    from deepkiso.commands import train as command
    from deepkiso.commands._train_report import curves_figure
    from deepkiso.training import Trainer

    settings = command._new_settings(args)
    (x_train, t_train), (x_test, t_test) = _runs.load_data(settings, args.mirror)
    settings = command._with_sizes(settings, x_train, t_train)
    net = _runs.build_net(settings)
    optimizer = _runs.build_optimizer(settings)
    settings = dataclasses.replace(settings, lr=optimizer.lr)
    sampler = command._make_sampler(settings, t_train)
    trainer = Trainer(net, optimizer, sampler, settings.epochs)
    with np.errstate(over="ignore", invalid="ignore"):
        trainer.train(x_train, t_train, x_test, t_test, verbose=False)
    return Picture(RUN_PICTURE_DPI, curves_figure(settings, trainer, x_train, t_train))


def _run_trials(specs) -> list[dict[str, Any]]:
    from deepkiso.experiments import run_trial

    records = [run_trial(spec) for spec in specs]
    failed = [r for r in records if r["status"] == "failed"]
    if failed:
        raise JobError(
            _("trial {trial} failed: {error}").format(
                trial=failed[0]["trial_id"], error=failed[0]["error"]
            )
        )
    return records


def batch_size_trials(args: argparse.Namespace):
    """The trials and title of ``deepkiso experiment batch-size``, by the command's own plan."""
    from deepkiso.commands import experiment as command
    from deepkiso.commands._experiment_plans import batch_size_plan

    seeds, _info = command._check_common(args)
    return batch_size_plan(args, seeds)


def batch_size(args: argparse.Namespace) -> Picture:
    """``deepkiso experiment batch-size``: its batch_size.png, from trials run here."""
    from deepkiso.experiments import group_results
    from deepkiso.plots.experiments import plot_batch_size_accuracy

    specs, title = batch_size_trials(args)
    groups = group_results(_run_trials(specs))
    return Picture(args.dpi, plot_batch_size_accuracy(groups, title))


def sampling_trials(args: argparse.Namespace):
    """The trials, title and class names of ``deepkiso experiment sampling``, by the command's own plan."""
    from deepkiso.commands import experiment as command
    from deepkiso.commands._experiment_plans import sampling_plan

    seeds, info = command._check_common(args)
    specs, title = sampling_plan(args, seeds, info.class_names)
    return specs, title, info.class_names


def sampling(args: argparse.Namespace) -> Picture:
    """``deepkiso experiment sampling``: its sampling.png, from trials run here."""
    from deepkiso.experiments import group_results
    from deepkiso.experiments.tables import rare_classes
    from deepkiso.plots.experiments import plot_sampling_accuracy

    specs, title, class_names = sampling_trials(args)
    groups = group_results(_run_trials(specs))
    figure = plot_sampling_accuracy(groups, class_names, rare_classes(groups[0]), title)
    return Picture(args.dpi, figure)
