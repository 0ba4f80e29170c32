"""The learning-rate rules the trials follow: scaling with the batch size and a linear warm-up.

The batch-size experiment (group work バッチサイズの決め方) sets them per trial and the trial
runner applies them; a leaf module, so the runner need not import the experiment that builds
its grid.
"""

from __future__ import annotations

import math

from deepkiso.i18n import _

__all__ = ["LR_SCALINGS", "scaled_lr", "warmup_lr"]

LR_SCALINGS = ("none", "linear", "sqrt")


def scaled_lr(lr: float, batch_size: int, base_batch_size: int, scaling: str) -> float:
    """The learning rate for batch_size when lr suits base_batch_size.

    none: lr;  linear: lr·B/B₀ (the gradient's noise falls as 1/B, so take B/B₀ times longer steps);
    sqrt: lr·√(B/B₀) (keeps the variance of the update's noise constant).
    """
    if scaling == "none":
        return lr
    if scaling == "linear":
        return lr * batch_size / base_batch_size
    if scaling == "sqrt":
        return lr * math.sqrt(batch_size / base_batch_size)
    raise ValueError(
        _("unknown learning-rate scaling {scaling!r}; choose one of {choices}").format(
            scaling=scaling, choices=list(LR_SCALINGS)
        )
    )


def warmup_lr(iteration: int, target_lr: float, start_lr: float, warmup_iterations: int) -> float:
    """The learning rate of update number ``iteration`` (1, 2, …) during a linear warm-up.

    Rises in equal steps from start_lr to target_lr, reaching it at update warmup_iterations;
    target_lr from then on (and at once when warmup_iterations is 0).
    """
    if iteration >= warmup_iterations:
        return target_lr
    return start_lr + (target_lr - start_lr) * iteration / warmup_iterations
