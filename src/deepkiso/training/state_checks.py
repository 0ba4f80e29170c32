"""Whether a loaded training state is one a Trainer can continue, field by field, before anything changes.

``Trainer.load_state_dict`` calls ``state_problems``: every epoch and iteration count, the history,
the optimizer's buffers, the net's arrays and the sampler's position are checked against the trainer,
and each problem is one line naming the field, what was expected and what was received.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeGuard

import numpy as np

from deepkiso._types import Net
from deepkiso.i18n import _
from deepkiso.optimizers import Optimizer
from deepkiso.training.checkpoints import shown

__all__ = ["state_problems", "section", "names_or_shapes_differ"]


def state_problems(state: dict[str, Any], net: Net, optimizer: Optimizer) -> list[str]:
    """What in state (whose net arrays fit net's by name and shape) cannot be a state of this net and
    optimizer: one line each, none when the trainer can continue it."""
    problems = []
    epoch, iteration = state["epoch"], state["iteration"]
    for key, value in (("epoch", epoch), ("iteration", iteration)):
        if not _is_count(value):
            problems.append(
                _("{key}: expected an integer >= 0, got {got}").format(key=key, got=shown(value))
            )
    if problems:
        return problems
    problems += _history_problems(
        state["history/epochs"], state["history/iteration_loss"], epoch, iteration
    )
    problems += _optimizer_problems(section(state, "optimizer/"), net.params, optimizer, iteration)
    for name, param in net.params.items():
        value = state[f"net/{name}"]
        if not isinstance(value, np.ndarray) or value.dtype != param.dtype:
            problems.append(
                _("net/{name}: expected {dtype} values, got {got}").format(
                    name=name, dtype=param.dtype, got=_kind(value)
                )
            )
        elif not np.all(np.isfinite(value)):
            problems.append(
                _("net/{name}: expected finite values, got {count} that are not").format(
                    name=name, count=np.count_nonzero(~np.isfinite(value))
                )
            )
    sampler = state["sampler"]
    if not isinstance(sampler, dict):
        problems.append(_("sampler: expected an object, got {got}").format(got=shown(sampler)))
    elif not problems:
        done_in_epoch = iteration - (state["history/epochs"][-1]["iteration"] if epoch else 0)
        for key, want in (("epochs_done", epoch), ("batches_done", done_in_epoch)):
            if sampler.get(key) != want:
                problems.append(
                    _(
                        "sampler/{key}: expected {want} (from epoch {epoch}, "
                        "iteration {iteration}), got {got}"
                    ).format(
                        key=key,
                        want=want,
                        epoch=epoch,
                        iteration=iteration,
                        got=shown(sampler.get(key)),
                    )
                )
    return problems


def section(state: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The entries of state under prefix ("optimizer/"), with the prefix taken off their keys."""
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def _is_count(value: Any) -> TypeGuard[int]:
    return type(value) is int and value >= 0


def _is_number(value: Any) -> TypeGuard[float]:
    """A finite int or float (not a bool) that a float can hold."""
    if type(value) not in (int, float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int beyond 1.8e308
        return False


def _kind(value: Any) -> str:
    """What value is, for a message: an array's dtype and shape, or the value itself."""
    if isinstance(value, np.ndarray):
        return _("{dtype} array of shape {shape}").format(dtype=value.dtype, shape=value.shape)
    return shown(value)


def names_or_shapes_differ(net: Net, arrays: dict[str, Any]) -> bool:
    """Whether arrays differ from net.params in names or shapes (the net's loader then lists how)."""
    return set(arrays) != set(net.params) or any(
        np.shape(arrays[k]) != p.shape for k, p in net.params.items()
    )


def _history_problems(rows: Any, losses: Any, epoch: int, iteration: int) -> list[str]:
    """history/epochs must have one row per finished epoch, in order; history/iteration_loss one finite loss
    per iteration."""
    problems = []
    if (
        not isinstance(losses, np.ndarray)
        or losses.dtype != np.float64
        or losses.shape != (iteration,)
    ):
        problems.append(
            _(
                "history/iteration_loss: expected float64 of shape ({iteration},) (one loss per "
                "iteration), got {got}"
            ).format(iteration=iteration, got=_kind(losses))
        )
    elif not np.all(np.isfinite(losses)):
        problems.append(_("history/iteration_loss: expected finite losses, got some that are not"))
    if not isinstance(rows, list) or len(rows) != epoch:
        got = _("{n} rows").format(n=len(rows)) if isinstance(rows, list) else shown(rows)
        return [
            *problems,
            _(
                "history/epochs: expected a list of {epoch} rows (one per finished epoch), got {got}"
            ).format(epoch=epoch, got=got),
        ]
    previous = 0
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or row.get("epoch") != number:
            problems.append(
                _(
                    'history/epochs row {number}: expected an object with "epoch": {number}, '
                    "got {got}"
                ).format(number=number, got=shown(row))
            )
            continue
        at = row.get("iteration")
        if not _is_count(at) or not previous <= at <= iteration:
            problems.append(
                _(
                    'history/epochs row {number}: expected "iteration" in '
                    "[{previous}, {iteration}], got {got}"
                ).format(number=number, previous=previous, iteration=iteration, got=shown(at))
            )
            continue
        previous = at
        for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"):
            if row.get(key) is not None and not _is_number(row[key]):
                problems.append(
                    _(
                        'history/epochs row {number}: expected a finite number or null as "{key}", '
                        "got {got}"
                    ).format(number=number, key=key, got=shown(row[key]))
                )
    return problems


def _optimizer_problems(
    state: dict[str, Any], params: Mapping[str, np.ndarray], optimizer: Optimizer, iteration: int
) -> list[str]:
    """The optimizer's numbers must be finite (lr positive), its step count the trainer's, and its buffers
    one per parameter (once it has stepped) of that parameter's shape and dtype, finite."""
    problems = []
    lr = state.get("lr")
    if not (_is_number(lr) and lr > 0):
        problems.append(
            _("optimizer/lr: expected a positive finite number, got {got}").format(got=shown(lr))
        )
    for key in optimizer.hyper:
        if not _is_number(state.get(key)):
            problems.append(
                _("optimizer/{key}: expected a finite number, got {got}").format(
                    key=key, got=shown(state.get(key))
                )
            )
    if state.get("iterations") != iteration or not _is_count(state.get("iterations")):
        problems.append(
            _("optimizer/iterations: expected {iteration} (the trainer's), got {got}").format(
                iteration=iteration, got=shown(state.get("iterations"))
            )
        )
    buffers = {k: v for k, v in state.items() if "/" in k}
    wanted = (
        {f"{b}/{name}": param for b in optimizer.buffers for name, param in params.items()}
        if iteration
        else {}
    )
    problems += [
        _("optimizer/{key}: missing (expected {dtype} of shape {shape})").format(
            key=key, dtype=param.dtype, shape=param.shape
        )
        for key, param in wanted.items()
        if key not in buffers
    ]
    for key, value in buffers.items():
        param = wanted.get(key)
        if param is None:
            problems.append(
                _(
                    "optimizer/{key}: not a buffer of {optimizer} after {iteration} iterations"
                ).format(key=key, optimizer=type(optimizer).__name__, iteration=iteration)
            )
        elif (
            not isinstance(value, np.ndarray)
            or value.dtype != param.dtype
            or value.shape != param.shape
        ):
            problems.append(
                _("optimizer/{key}: expected {dtype} of shape {shape}, got {got}").format(
                    key=key, dtype=param.dtype, shape=param.shape, got=_kind(value)
                )
            )
        elif not np.all(np.isfinite(value)):
            problems.append(
                _("optimizer/{key}: expected finite values, got some that are not").format(key=key)
            )
    return problems
