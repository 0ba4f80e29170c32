"""What ``deepkiso experiment batch-size`` and ``sampling`` run and how they title their pictures, for
options the command has checked; ``deepkiso slides`` draws its two experiment slides from the same.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from deepkiso.commands._options import BATCH_SIZE, Integer, at_most
from deepkiso.errors import UsageError
from deepkiso.experiments import batch_size_trials, parse_schedule, sampling_trials
from deepkiso.i18n import _

__all__ = ["EPOCHS", "MAX_LIST", "batch_size_plan", "sampling_plan", "schedule_option"]

MAX_LIST = 20  # batch sizes, samplers, schedule phases
# A sweep is trials x epochs of training: an experiment's epochs (a schedule's in all) stay below
# train's own bound, so the largest sweep takes hours, not days.
EPOCHS = Integer(1, 1000)


def schedule_option(text: str) -> tuple[tuple[int, int], ...]:
    """--batch-schedule parsed and bounded like the other options."""
    try:
        schedule = parse_schedule(text)
    except ValueError as exc:
        raise UsageError(_("--batch-schedule: {cause}").format(cause=exc)) from None
    at_most("--batch-schedule", schedule, MAX_LIST)
    too_large = [b for b, _epochs in schedule if b > BATCH_SIZE.high]
    if too_large or sum(e for _batch, e in schedule) > EPOCHS.high:
        raise UsageError(
            _(
                "--batch-schedule {text!r}: batch sizes must be {batch_range} and the epochs "
                "{epoch_range} in all"
            ).format(text=text, batch_range=BATCH_SIZE, epoch_range=EPOCHS)
        )
    return schedule


def batch_size_plan(args: argparse.Namespace, seeds: list[int]) -> tuple[list, str]:
    """The trials of ``experiment batch-size`` and its picture's title."""
    schedule = schedule_option(args.batch_schedule) if args.batch_schedule else None
    specs = batch_size_trials(
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
    values = vars(args) | {"seeds": len(seeds)}  # dataset, optimizer, lr, base_batch_size, epochs
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


def sampling_plan(
    args: argparse.Namespace, seeds: list[int], class_names: Sequence[str]
) -> tuple[list, str]:
    """The trials of ``experiment sampling`` and its picture's title."""
    specs = sampling_trials(
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
        order=args.order,
    )
    names = ", ".join(class_names[c] for c in dict.fromkeys(args.imbalance))
    imbalance = (
        _(", {names} kept at {keep:.0%}").format(names=names, keep=args.keep)
        if args.imbalance
        else ""
    )
    dataset = args.dataset + (_(" sorted by label") if args.order == "by-label" else "")
    title = _(
        "{dataset}{imbalance}: samplers, {seeds} seeds, batch {batch_size}, "
        "{optimizer} lr {lr:g}, {epochs} epochs"
    ).format(**vars(args) | {"dataset": dataset, "seeds": len(seeds), "imbalance": imbalance})
    return specs, title
