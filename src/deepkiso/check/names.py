"""The names `deepkiso check` knows, under the spellings learners actually use.

Learners write ``Relu`` or ``ReLU``, ``SoftmaxWithLoss`` or ``Softmax_with_Loss``,
keep gradients in ``self.dW`` or in ``self.grads["W"]``, parameters in a
``params`` dict or as attributes, and sometimes give ``predict`` a
``train_flg``. This module finds the learner's version of each course name
(exercises 2_1 – 2_18) and calls it whatever its spelling and signature.
"""

from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = [
    "Subject",
    "SUBJECTS",
    "SUBJECT_BY_NAME",
    "subjects_named",
    "discover",
    "find_array",
    "source_line",
    "find_method",
    "call_with",
    "call_method",
    "TRAINING_FLAGS",
]


@dataclass(frozen=True)
class Subject:
    """A course name: its spelling in the course, whether it is a class or a function, other spellings."""

    name: str
    kind: str  # "class" or "function"
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# In the order of the report: functions, layers, nets, then training.
SUBJECTS = (
    Subject("minibatches", "function", ("get_minibatches", "get_mini_batches", "mini_batches", "iterate_minibatches",
                                        "minibatch_iterator", "minibatch_generator", "get_minibatch", "minibatch")),
    Subject("numerical_diff", "function", ("numerical_differentiation", "numerical_derivative", "numeric_diff",
                                           "num_diff")),
    Subject("gradient_descent", "function", ("steepest_descent", "grad_descent")),
    Subject("numerical_gradient", "function", ("numerical_grad", "numerical_gradient_2d", "numerical_gradient_nd",
                                               "_numerical_gradient_no_batch", "numerical_gradient_1d",
                                               "_numerical_gradient_1d", "num_gradient")),
    Subject("sigmoid", "function"),
    Subject("relu", "function"),
    Subject("softmax", "function"),
    Subject("cross_entropy_error", "function", ("cross_entropy", "cross_entropy_loss", "crossentropy")),
    Subject("sum_squared_error", "function", ("mean_squared_error", "squared_error", "sse")),
    Subject("AddLayer", "class", ("Add", "AddNode")),
    Subject("MulLayer", "class", ("Mul", "MulNode", "MultiplyLayer")),
    Subject("Relu", "class", ("ReLU", "ReluLayer", "ReLULayer")),
    Subject("Sigmoid", "class", ("SigmoidLayer",)),
    Subject("Affine", "class", ("AffineLayer", "Linear")),
    Subject("SoftmaxWithLoss", "class", ("Softmax_with_Loss", "SoftmaxWithLossLayer", "SoftmaxCrossEntropy",
                                         "SoftmaxLoss")),
    Subject("SquaredError", "class", ("SquaredErrorLayer", "SumSquaredError", "MeanSquaredError", "IdentityWithLoss",
                                      "Identity_with_Loss", "SquaredLoss")),
    Subject("SimpleNet", "class", ("simpleNet", "SimpleNeuralNet", "SimpleNeuralNetwork", "simple_net")),
    Subject("TwoLayerNet", "class", ("TwoLayerNetwork", "TwoLayerNeuralNetwork", "TwoLayerNN", "two_layer_net")),
    Subject("SGD", "class", ("Sgd", "SGDOptimizer")),
    Subject("train", "function", ("train_network", "train_net", "train_model", "fit")),
)
SUBJECT_BY_NAME = {s.name: s for s in SUBJECTS}

# Names a method may give its "training or inference" flag.
TRAINING_FLAGS = ("train_flg", "train_flag", "training", "is_training", "is_train", "train")


def _normal(name: str) -> str:
    """Spelling-insensitive form: "Softmax_with_Loss" and "SoftmaxWithLoss" both become "softmaxwithloss"."""
    return re.sub(r"[\s_]", "", name).lower()


def subjects_named(token: str) -> list[Subject]:
    """The course names a user means by token: an exact spelling first, otherwise any spelling up to case and "_"."""
    exact = [s for s in SUBJECTS if token in s.spellings]
    if exact:
        return exact
    wanted = _normal(token)
    return [s for s in SUBJECTS if any(_normal(a) == wanted for a in s.spellings)]


def _kind_fits(subject: Subject, obj: Any) -> bool:
    if subject.kind == "class":
        return inspect.isclass(obj)
    return callable(obj) and not inspect.isclass(obj)


def discover(namespace: dict, subjects: Iterable[Subject] = SUBJECTS) -> dict[str, str]:
    """Course name -> the learner's name for it, for every subject the namespace defines.

    A spelling used in the course wins over other spellings; the kind must fit,
    so the function ``relu`` is never taken for the layer ``Relu``.
    """
    by_normal: dict[str, list[str]] = {}
    for key in namespace:
        by_normal.setdefault(_normal(key), []).append(key)
    found = {}
    for subject in subjects:
        for spelling in subject.spellings:
            hits = [spelling] if spelling in namespace else by_normal.get(_normal(spelling), [])
            hit = next((h for h in hits if _kind_fits(subject, namespace[h])), None)
            if hit is not None:
                found[subject.name] = hit
                break
    return found


def code_of(obj: Any):
    """The code object where obj was defined: a function's own, or a class's first method's."""
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if hasattr(obj, "__code__"):
        return obj.__code__
    if inspect.isclass(obj):
        for value in vars(obj).values():
            value = getattr(value, "__func__", value)
            if hasattr(value, "__code__"):
                return value.__code__
    return None


def source_line(obj: Any, pattern: str = "") -> str:
    """ "my_net.py, line 23: z1 = a1": the first line of obj's source that contains pattern (its def line
    when pattern is empty or absent); "" when the source cannot be read (a builtin, a lost notebook cell)."""
    code = code_of(obj)
    try:
        lines, first = inspect.getsourcelines(inspect.unwrap(getattr(obj, "__func__", obj)))
    except (OSError, TypeError):
        return ""
    hits = [i for i, text in enumerate(lines) if pattern and pattern in text]
    index = hits[0] if hits else 0
    where = os.path.basename(code.co_filename) if code is not None and os.path.exists(code.co_filename) else ""
    line = f"line {first + index}: {lines[index].strip()}"
    return f"{where}, {line}" if where else line


def find_array(obj: Any, attributes: Iterable[str], dicts: Iterable[str] = (), keys: Iterable[str] = ()):
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


def _parameters(func: Callable):
    try:
        return list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        return None


def _named(params) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.kind in kinds]


def call_with(func: Callable, values: list[tuple[tuple[str, ...], Any]], optional=(), training: bool | None = None):
    """Call func with values, each under the first of its names that func's signature uses.

    values: [(names, value), …] that func needs, in the course's order; when
        some value has none of its names in the signature, all of them are
        passed by position in that order instead.
    optional: [(names, value), …] passed only where the signature names them
        (for example shuffle or a weight_init_std).
    training: passed as the training flag (train_flg, training, …) when func has one.
    """
    params = _parameters(func)
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
        return func(**{name: value for name, (_, value) in zip(mapped, values, strict=True)}, **extra)
    return func(*(value for _, value in values), **{k: v for k, v in extra.items() if k not in mapped})


def call_method(method: Callable, *args, training: bool | None = None):
    """method(*args), adding the training flag (train_flg=…) when the method takes one."""
    params = _parameters(method)
    if training is not None and params is not None:
        names = _named(params)
        flag = next((n for n in TRAINING_FLAGS if n in names), None)
        if flag is not None and flag not in names[: len(args)]:
            return method(*args, **{flag: training})
    return method(*args)

