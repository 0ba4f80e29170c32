"""The figures of the slides, drawn with the library from a command line's parsed settings.

Each function takes the ``argparse.Namespace`` of one ``deepkiso`` command line (``catalog``
parses it with that command's own parser) and returns a ``Picture``: a matplotlib Figure, or a
computational graph that ``plots.graph.save_graph`` draws with Graphviz or matplotlib as the
``graph`` command does. Where a command turns its options into objects, its own helpers are used
(the landscape's surface and paths, the graph's example or expression, the training run's settings),
so that the slides and the command cannot drift apart. matplotlib is imported where it draws.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deepkiso.commands._output import RUN_PICTURE_DPI, write_figure
from deepkiso.graph import Variable
from deepkiso.i18n import _

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "Picture",
    "batch_size",
    "graph",
    "landscape",
    "learning_curves",
    "numdiff",
    "sampling",
    "vanishing",
    "why_not_accuracy",
]


@dataclass
class Picture:
    """What a slide's drawing returns: a figure or a graph, and the resolution its command uses."""

    dpi: int
    figure: Figure | None = None
    graph: Variable | None = None
    title: str | None = None
    renderer: str = "auto"

    def write(self, path: Path) -> None:
        """Write the picture to path (.png or .svg) atomically, as its command would."""
        if self.graph is not None:
            from deepkiso.plots.graph import save_graph

            save_graph(self.graph, path, renderer=self.renderer, title=self.title, dpi=self.dpi)
        else:
            assert self.figure is not None
            write_figure(self.figure, path, self.dpi)

    def close(self) -> None:
        """Let go of the figure (they are made outside pyplot, so this only drops the reference)."""
        self.figure = None


def landscape(args: argparse.Namespace) -> Picture:
    """``deepkiso landscape``: descent paths on a named surface (or a formula)."""
    from deepkiso.commands import landscape as command
    from deepkiso.landscape import descend
    from deepkiso.plots.landscape import plot_landscape

    surface = command._surface(args)
    starts = [command._pair(s, "--start") for s in args.start] if args.start else [surface.start]
    rng = np.random.default_rng(args.seed)
    paths = [
        descend(
            surface,
            start,
            optimizer,
            lr,
            args.steps,
            noise_std=args.noise if optimizer == "noisy-gd" else None,
            rng=rng,
        )
        for start in starts
        for optimizer, lr in command._runs(args)
    ]
    return Picture(args.dpi, plot_landscape(surface, paths, show_surface=args.surface))


def numdiff(args: argparse.Namespace) -> Picture:
    """``deepkiso numdiff``: the error of the difference quotients against h, and their cost."""
    from deepkiso.diff_error import difference_errors, time_gradients
    from deepkiso.plots.diff_error import plot_numdiff

    errors = difference_errors(args.function)
    rows = (
        None if args.no_timing else time_gradients(args.sizes, repeats=args.repeats, rng=args.seed)
    )
    return Picture(args.dpi, plot_numdiff(errors, rows))


def why_not_accuracy(args: argparse.Namespace) -> Picture:
    """``deepkiso why-not-accuracy``: the rate's staircase beside the smooth cross-entropy."""
    from deepkiso.data import load_dataset
    from deepkiso.loss_surface import (
        count_zero_gradients,
        random_direction,
        scan_line,
        train_briefly,
    )
    from deepkiso.plots.loss_surface import plot_loss_vs_error_rate

    (x, t), _test = load_dataset("digits")
    rng = np.random.default_rng(args.seed)
    net = train_briefly(x, t, hidden_size=args.hidden, n_steps=args.train_steps, rng=rng)
    chosen = rng.choice(len(x), size=args.samples, replace=False)
    xs, ts = x[chosen], t[chosen]
    direction = random_direction(net, rng)
    scan = scan_line(net, xs, ts, direction, np.linspace(-1, 1, args.points))
    counts = count_zero_gradients(net, xs, ts, direction, alphas=(0.0, 0.5))
    return Picture(args.dpi, plot_loss_vs_error_rate(scan, counts))


def vanishing(args: argparse.Namespace) -> Picture:
    """``deepkiso vanishing``: the activations' derivatives and the gradient norm per layer."""
    from deepkiso.plots.vanishing import plot_vanishing
    from deepkiso.vanishing import activation_derivatives, compare_activations

    results = compare_activations(
        args.activations, args.layers, args.width, weight_init=args.weight_init, rng=args.seed
    )
    x = np.linspace(-6, 6, 601)
    return Picture(args.dpi, plot_vanishing(results, x, activation_derivatives(x)))


def graph(args: argparse.Namespace) -> Picture:
    """``deepkiso graph``: a slide's example or an expression, forward and backward, drawn."""
    from deepkiso.commands import graph as command

    values = command._parse_settings(args.set)
    with np.errstate(all="ignore"):
        if args.example is not None:
            output, _inputs, title = command._example(args.example, values)
        else:
            output, _inputs, title = command._expression(args.expression, values)
        output.backward()
    return Picture(args.dpi, graph=output, title=args.title or title, renderer=args.renderer)


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
        raise RuntimeError(f"{failed[0]['trial_id']}: {failed[0]['error']}")
    return records


def batch_size_trials(args: argparse.Namespace):
    """The trials and title of ``deepkiso experiment batch-size`` (as its command builds them)."""
    from deepkiso.commands import experiment as command
    from deepkiso.experiments import batch_size_trials as trials

    seeds, _info = command._check_common(args)
    schedule = command._schedule(args.batch_schedule) if args.batch_schedule else None
    specs = trials(
        dataset=args.dataset,
        batch_sizes=list(dict.fromkeys(args.batch_sizes)),
        seeds=seeds,
        epochs=args.epochs,
        budget=args.budget,
        lr=args.lr,
        lr_scalings=list(dict.fromkeys(args.lr_scaling)),
        base_batch_size=args.base_batch_size,
        warmup_epochs=args.warmup_epochs,
        schedule=schedule,
        hidden=args.hidden,
        optimizer=args.optimizer,
        target_accuracy=args.target_accuracy or None,
    )
    values = vars(args) | {"seeds": len(seeds)}
    if args.budget == "updates":
        title = _(
            "{dataset}: batch-size sweep, {seeds} seeds, {optimizer} lr {lr:g} at batch "
            "{base_batch_size}, {epochs} epochs of the smallest batch"
        ).format(**values)
    else:
        title = _(
            "{dataset}: batch-size sweep, {seeds} seeds, {optimizer} lr {lr:g} at batch "
            "{base_batch_size}, {epochs} epochs"
        ).format(**values)
    return specs, title


def batch_size(args: argparse.Namespace) -> Picture:
    """``deepkiso experiment batch-size``: its batch_size.png, from trials run here."""
    from deepkiso.experiments import group_results
    from deepkiso.plots.experiments import plot_batch_size_accuracy

    specs, title = batch_size_trials(args)
    groups = group_results(_run_trials(specs))
    return Picture(args.dpi, plot_batch_size_accuracy(groups, title))


def sampling_trials(args: argparse.Namespace):
    """The trials, title and class names of ``deepkiso experiment sampling`` (as its command builds them)."""
    from deepkiso.commands import experiment as command
    from deepkiso.experiments import sampling_trials as trials

    seeds, info = command._check_common(args)
    specs = trials(
        dataset=args.dataset,
        samplers=list(dict.fromkeys(args.samplers)),
        seeds=seeds,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        hidden=args.hidden,
        optimizer=args.optimizer,
        target_accuracy=args.target_accuracy or None,
        imbalance_classes=args.imbalance,
        imbalance_keep=args.keep,
    )
    names = ", ".join(info.class_names[c] for c in dict.fromkeys(args.imbalance))
    imbalance = (
        _(", {names} kept at {keep:.0%}").format(names=names, keep=args.keep)
        if args.imbalance
        else ""
    )
    title = _(
        "{dataset}{imbalance}: samplers, {seeds} seeds, batch {batch_size}, "
        "{optimizer} lr {lr:g}, {epochs} epochs"
    ).format(**vars(args) | {"seeds": len(seeds), "imbalance": imbalance})
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
