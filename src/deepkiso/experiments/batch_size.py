"""The batch-size experiment: how to choose the batch size (group work バッチサイズの決め方).

The slides ask whether the batch size changes the generalization error, what should guide the
first choice, how small or large it may be, and whether changing it during training helps. This
module builds the trial grid that measures it: the same net over a list of batch sizes and
seeds, under a budget of equal epochs or of equal updates, with the learning rate fixed or
scaled with the batch size (linearly, Goyal et al. 2017; by the square root), with an optional
warm-up, and batch-size schedules that grow the batch during training instead of decaying the
learning rate (Smith et al. 2018). The learning-rate rules the trials follow are in ``schedules`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from deepkiso.experiments.schedules import LR_SCALINGS, scaled_lr, warmup_lr
from deepkiso.experiments.spec import Budget, Experiment, LrScaling, TrialSpec
from deepkiso.i18n import _

__all__ = [
    "LR_SCALINGS",
    "BUDGETS",
    "scaled_lr",
    "warmup_lr",
    "parse_schedule",
    "batch_size_trials",
]

BUDGETS = ("epochs", "updates")


class _Common(TypedDict):
    """The fields of TrialSpec that every trial of one grid shares."""

    experiment: Experiment
    dataset: str
    hidden: tuple[int, ...]
    optimizer: str
    lr: float
    base_batch_size: int
    warmup_epochs: float
    target_accuracy: float | None


def parse_schedule(text: str) -> tuple[tuple[int, int], ...]:
    """ "32:5,128:5,512:5" → ((32, 5), (128, 5), (512, 5)): batch size and epochs per phase."""
    phases = []
    for part in text.split(","):
        pieces = part.strip().split(":")
        try:
            batch_size, n_epochs = (int(p) for p in pieces)
        except ValueError:
            raise ValueError(
                _(
                    "batch schedule {text!r}: expected BATCH:EPOCHS pairs separated by commas, "
                    "like 32:5,128:5, got {part!r}"
                ).format(text=text, part=part.strip())
            ) from None
        if batch_size < 1 or n_epochs < 1:
            raise ValueError(
                _(
                    "batch schedule {text!r}: batch sizes and epochs must be positive, got {part!r}"
                ).format(text=text, part=part.strip())
            )
        phases.append((batch_size, n_epochs))
    return tuple(phases)


def batch_size_trials(
    *,
    dataset: str,
    batch_sizes: Sequence[int],
    seeds: Sequence[int],
    epochs: int,
    budget: Budget = "epochs",
    lr: float = 0.1,
    lr_scalings: Sequence[LrScaling] = ("none",),
    base_batch_size: int = 32,
    warmup_epochs: float = 0.0,
    schedule: Sequence[tuple[int, int]] | None = None,
    hidden: Sequence[int] = (64,),
    optimizer: str = "sgd",
    target_accuracy: float | None = None,
) -> list[TrialSpec]:
    """The grid: every batch size × learning-rate scaling × seed, plus the schedule × scaling × seed.

    budget "updates": every fixed batch size makes as many updates as the smallest one makes in
    ``epochs`` epochs (so large batches train for more epochs; Hoffer et al. 2017). A schedule
    always trains its own epochs per phase.
    The same seed gives every batch size the same initial weights, so they are compared in pairs.
    """
    if budget not in BUDGETS:
        raise ValueError(
            _("unknown budget {budget!r}; choose one of {choices}").format(
                budget=budget, choices=list(BUDGETS)
            )
        )
    for scaling in lr_scalings:
        if scaling not in LR_SCALINGS:
            raise ValueError(
                _("unknown learning-rate scaling {scaling!r}; choose one of {choices}").format(
                    scaling=scaling, choices=list(LR_SCALINGS)
                )
            )
    common = _Common(
        experiment="batch-size",
        dataset=dataset,
        hidden=tuple(hidden),
        optimizer=optimizer,
        lr=lr,
        base_batch_size=base_batch_size,
        warmup_epochs=warmup_epochs,
        target_accuracy=target_accuracy,
    )
    reference = min(batch_sizes) if budget == "updates" else None
    specs = []
    for scaling in lr_scalings:
        for batch_size in batch_sizes:
            for seed in seeds:
                specs.append(
                    TrialSpec(
                        seed=seed,
                        phases=((batch_size, epochs),),
                        budget=budget,
                        reference_batch_size=reference,
                        lr_scaling=scaling,
                        **common,
                    )
                )
        if schedule:
            for seed in seeds:
                specs.append(
                    TrialSpec(seed=seed, phases=tuple(schedule), lr_scaling=scaling, **common)
                )
    return specs
