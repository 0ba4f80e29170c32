"""Calling the learner's functions and methods whatever their signature, and finding their arrays.

Parameters are matched by name (the course's or a learner's usual one), else
passed by position; a training flag (``train_flg``, ``training``, …) is added
where the signature has one. Gradients are found in ``self.dW`` or in
``self.grads["W"]``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "parameters_of",
    "TRAINING_FLAGS",
    "find_array",
    "find_method",
    "call_with",
    "call_method",
]

# Names a method may give its "training or inference" flag.
TRAINING_FLAGS = ("train_flg", "train_flag", "training", "is_training", "is_train", "train")


def find_array(
    obj: Any, attributes: Iterable[str], dicts: Iterable[str] = (), keys: Iterable[str] = ()
):
    """(description, value) of the first attribute, or dict entry (obj.<dict>[<key>]), that exists; else None.

    For example find_array(layer, ("dW", "dw"), ("grads",), ("W",)) finds
    layer.dW or layer.grads["W"].
    """
    for attribute in attributes:
        value = getattr(obj, attribute, None)
        if value is not None and not callable(value):
            return f"self.{attribute}", value
    for name in dicts:
        holder = getattr(obj, name, None)
        if isinstance(holder, dict):
            for key in keys:
                if holder.get(key) is not None:
                    return f"self.{name}[{key!r}]", holder[key]
    return None


def find_method(obj: Any, names: Iterable[str]):
    """(name, bound method) of the first of names that obj has as a callable; else None."""
    for name in names:
        method = getattr(obj, name, None)
        if callable(method):
            return name, method
    return None


def parameters_of(func: Callable):
    try:
        return list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        return None


def _named(params) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.kind in kinds]


def call_with(
    func: Callable,
    values: list[tuple[tuple[str, ...], Any]],
    optional=(),
    training: bool | None = None,
):
    """Call func with values, each under the first of its names that func's signature uses.

    values: [(names, value), …] that func needs, in the course's order; when
        some value has none of its names in the signature, all of them are
        passed by position in that order instead.
    optional: [(names, value), …] passed only where the signature names them
        (for example shuffle or a weight_init_std).
    training: passed as the training flag (train_flg, training, …) when func has one.
    """
    params = parameters_of(func)
    if params is None:
        return func(*(value for _, value in values))
    names = _named(params)
    mapped = [next((n for n in aliases if n in names), None) for aliases, _ in values]
    extra = {}
    for aliases, value in optional:
        hit = next((n for n in aliases if n in names), None)
        if hit is not None:
            extra[hit] = value
    if training is not None:
        flag = next((n for n in TRAINING_FLAGS if n in names), None)
        if flag is not None:
            extra[flag] = training
    if all(mapped):
        return func(
            **{str(name): value for name, (_, value) in zip(mapped, values, strict=True)}, **extra
        )
    return func(
        *(value for _, value in values), **{k: v for k, v in extra.items() if k not in mapped}
    )


def call_method(method: Callable, *args, training: bool | None = None):
    """method(*args), adding the training flag (train_flg=…) when the method takes one."""
    params = parameters_of(method)
    if training is not None and params is not None:
        names = _named(params)
        flag = next((n for n in TRAINING_FLAGS if n in names), None)
        if flag is not None and flag not in names[: len(args)]:
            return method(*args, **{flag: training})
    return method(*args)
