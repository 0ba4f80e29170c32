"""A run's settings: what ``deepkiso train`` decides once, and ``evaluate``, ``predict`` and
``train --resume`` read back from the run folder's ``settings.json``.

``RunSettings`` is everything needed to rebuild a run's net, optimizer and sampler (exercises 2_10,
2_11 and 2_18). ``to_dict`` gives the JSON object that runs have always written, key for key and in
the same order (it is also stored in every checkpoint), so a run folder written by an earlier
deepkiso still evaluates, predicts and resumes; ``from_dict`` reads such an object back, checking
every field first and naming the first misfit. The leading underscore keeps ``deepkiso.cli`` from
taking this for a command.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from deepkiso._types import ActivationName, LossName, OptimizerName, WeightInitName
from deepkiso.data import SAMPLERS, available_datasets, dataset_info
from deepkiso.i18n import _
from deepkiso.layers import ACTIVATIONS
from deepkiso.nets import LOSSES, WEIGHT_INITS
from deepkiso.optimizers import OPTIMIZERS
from deepkiso.training.checkpoints import shown

__all__ = ["RunSettings", "MODELS", "Task", "ModelName", "SamplerName", "ShuffleEvery"]

Task: TypeAlias = Literal["classification", "regression"]
ModelName: TypeAlias = Literal["two-layer", "mlp"]
SamplerName: TypeAlias = Literal[
    "sequential", "shuffle", "replacement", "stratified", "rare-first", "balanced"
]
# "epoch", "once", "never" or every k epochs; None for a sampler other than shuffle.
ShuffleEvery: TypeAlias = Literal["epoch", "once", "never"] | int | None
MODELS: tuple[ModelName, ...] = ("two-layer", "mlp")


@dataclass(frozen=True)
class RunSettings:
    """The settings of one training run, as settings.json holds them (the fields in its order).

    dataset, task: the data set's name and whether it is "classification" or "regression".
    data_dir: the folder its files were read from (--data-dir), None for the usual places.
    model, hidden: "two-layer" (one hidden size) or "mlp" (up to MAX_HIDDEN_LAYERS sizes).
    weight_init: "he", "xavier" or a standard deviation.
    lr: the learning rate; None only before the optimizer is built (then: the optimizer's own).
    shuffle_every: for the shuffle sampler, see ShuffleEvery; None for every other sampler.
    seed: the one seed the initial weights and the sampler are split from.
    checkpoint_every: iterations between checkpoints, 0 for epoch ends only.
    deepkiso_version, started: which deepkiso started the run, and when (ISO 8601, seconds).
    input_size, output_size: the net's ends, from the data (None until it is loaded).
    blas_threads: the BLAS thread count the run trains with (None: unknown, or not yet set).
    blas_threads_by_shape: whether each matrix product takes its count by its shape, up to
        blas_threads (blas.use_threads_by_shape), as a run given no --threads does; settings.json
        holds it only where it is true, as a run with a fixed count wrote it before there was one.
    """

    dataset: str
    task: Task
    data_dir: str | None
    model: ModelName
    hidden: tuple[int, ...]
    activation: ActivationName
    weight_init: WeightInitName | float
    loss: LossName
    optimizer: OptimizerName
    lr: float | None
    batch_size: int
    epochs: int
    sampler: SamplerName
    shuffle_every: ShuffleEvery
    seed: int
    checkpoint_every: int
    deepkiso_version: str | None = None
    started: str | None = None
    input_size: int | None = None
    output_size: int | None = None
    blas_threads: int | None = None
    blas_threads_by_shape: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain JSON values, in settings.json's order (hidden becomes a list)."""
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["hidden"] = list(self.hidden)
        if not self.blas_threads_by_shape:
            del data["blas_threads_by_shape"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSettings:
        """The inverse of ``to_dict``, for a settings.json of any deepkiso so far.

        Every field is checked before anything is built: a ValueError names the missing fields, or
        the first field that is wrong, what it must be and what it is. The fields that may be
        missing or null (data_dir, deepkiso_version, started, blas_threads) become None, a missing
        blas_threads_by_shape False; keys that
        no RunSettings field has are ignored, as a reader of a newer file ignores what it adds.
        """
        if not isinstance(data, Mapping):
            raise ValueError(
                _("expected a JSON object, got {type}").format(type=type(data).__name__)
            )
        missing = [name for name in _REQUIRED if name not in data]
        if missing:
            raise ValueError(_("missing {names}").format(names=", ".join(missing)))
        for key, check in _CHECKS.items():
            if key in data:
                expected = check(data[key], data)
                if expected is not None:
                    raise ValueError(
                        _('"{key}" must be {expected}, got {got}').format(
                            key=key, expected=expected, got=shown(data[key])
                        )
                    )
        fields: dict[str, Any] = {name: data.get(name) for name in _FIELDS}  # optional ones: None
        fields["blas_threads_by_shape"] = data.get("blas_threads_by_shape", False)
        fields["hidden"] = tuple(data["hidden"])
        return cls(**fields)

    @property
    def layer_sizes(self) -> list[int]:
        """The net's layer sizes, input first: [input_size, *hidden, output_size]."""
        if self.input_size is None or self.output_size is None:
            raise ValueError(_("RunSettings: the input and output sizes are not known yet"))
        return [self.input_size, *self.hidden, self.output_size]


_FIELDS = tuple(field.name for field in dataclasses.fields(RunSettings))
_OPTIONAL = ("data_dir", "deepkiso_version", "started", "blas_threads", "blas_threads_by_shape")
_REQUIRED = tuple(name for name in _FIELDS if name not in _OPTIONAL)

# The most weights a net rebuilt from a settings.json may have (256 MiB of float32, three times over
# with Adam's buffers), so an edited size is refused rather than allocated.
MAX_PARAMETERS = 1 << 26


def _is_int_at_least(value: Any, minimum: int) -> bool:
    return type(value) is int and value >= minimum


def _is_positive_number(value: Any) -> bool:
    return type(value) in (int, float) and 0 < value < math.inf


def _n_parameters(data: Mapping[str, Any]) -> int:
    sizes = [data["input_size"], *data["hidden"], data["output_size"]]
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def _check_hidden(value: Any, data: Mapping[str, Any]) -> str | None:
    if not (isinstance(value, list) and value and all(_is_int_at_least(size, 1) for size in value)):
        return _("a non-empty list of positive integers")
    if data.get("model") == "two-layer" and len(value) != 1:
        return _("one size for the two-layer model")
    if (
        all(_is_int_at_least(data.get(key), 1) for key in ("input_size", "output_size"))
        and _n_parameters(data) > MAX_PARAMETERS
    ):
        return _("sizes of a net with at most {limit} weights").format(limit=MAX_PARAMETERS)
    return None


def _one_of(choices: Any) -> Callable[[Any, Mapping[str, Any]], str | None]:
    # isinstance first: an edited file may hold a list, which no dict of choices can be asked about.
    return lambda v, d: (
        None
        if isinstance(v, str) and v in choices
        else _("one of {choices}").format(choices=", ".join(choices))
    )


# For each field: (value, the whole object) -> None when it is right, else what it must be.
_CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], str | None]] = {
    "dataset": lambda v, d: (
        None
        if v in available_datasets()
        else _("one of {choices}").format(choices=", ".join(available_datasets()))
    ),
    "task": lambda v, d: (
        None
        if v in ("classification", "regression")
        and (d.get("dataset") not in available_datasets() or v == dataset_info(d["dataset"]).task)
        else _("the data set's task")
    ),
    "model": _one_of(MODELS),
    "hidden": _check_hidden,
    "activation": _one_of(ACTIVATIONS),
    "loss": _one_of(LOSSES),
    "weight_init": lambda v, d: (
        None
        if (isinstance(v, str) and v in WEIGHT_INITS) or _is_positive_number(v)
        else _("he, xavier or a positive standard deviation")
    ),
    "input_size": lambda v, d: None if _is_int_at_least(v, 1) else _("a positive integer"),
    "output_size": lambda v, d: None if _is_int_at_least(v, 1) else _("a positive integer"),
    "seed": lambda v, d: None if _is_int_at_least(v, 0) else _("a non-negative integer"),
    "optimizer": _one_of(OPTIMIZERS),
    "lr": lambda v, d: None if _is_positive_number(v) else _("a positive number"),
    "batch_size": lambda v, d: None if _is_int_at_least(v, 1) else _("a positive integer"),
    "epochs": lambda v, d: None if _is_int_at_least(v, 1) else _("a positive integer"),
    "sampler": _one_of(SAMPLERS),
    "shuffle_every": lambda v, d: (
        None
        if v in (None, "epoch", "once", "never") or _is_int_at_least(v, 1)
        else _("epoch, once, never, a positive number of epochs or null")
    ),
    "checkpoint_every": lambda v, d: (
        None if _is_int_at_least(v, 0) else _("a non-negative integer")
    ),
    "blas_threads": lambda v, d: (
        None if v is None or _is_int_at_least(v, 1) else _("a positive integer or null")
    ),
    "blas_threads_by_shape": lambda v, d: None if isinstance(v, bool) else _("true or false"),
    "data_dir": lambda v, d: (
        None if v is None or isinstance(v, str) else _("a folder's path or null")
    ),
    "deepkiso_version": lambda v, d: (
        None if v is None or isinstance(v, str) else _("a string or null")
    ),
    "started": lambda v, d: None if v is None or isinstance(v, str) else _("a string or null"),
}
