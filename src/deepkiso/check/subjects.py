"""The course names `deepkiso check` knows (exercises 2_1 – 2_18), their other spellings, and finding them.

Learners write ``Relu`` or ``ReLU``, ``SoftmaxWithLoss`` or
``Softmax_with_Loss``: ``discover`` finds the learner's name for each course
name, by its spellings (up to case and "_"), else as a typo of it
(``spelling``).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from deepkiso.check.spelling import misspelling, normal
from deepkiso.i18n import _

__all__ = ["Subject", "SUBJECTS", "SUBJECT_BY_NAME", "subjects_named", "discover", "spelling_note"]


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
    Subject(
        "minibatches",
        "function",
        (
            "get_minibatches",
            "get_mini_batches",
            "mini_batches",
            "iterate_minibatches",
            "minibatch_iterator",
            "minibatch_generator",
            "get_minibatch",
            "minibatch",
            "minibatches_without_replacement",
            "sample_without_replacement",
            "get_minibatch_without_replacement",
            "hifukugen_chuushutsu",
        ),
    ),
    Subject(
        "minibatches_with_replacement",
        "function",
        (
            "get_minibatches_with_replacement",
            "minibatch_with_replacement",
            "get_minibatch_with_replacement",
            "sample_with_replacement",
            "minibatches_replace",
            "fukugen_chuushutsu",
        ),
    ),
    Subject(
        "numerical_diff",
        "function",
        (
            "numerical_differentiation",
            "numerical_derivative",
            "numeric_diff",
            "num_diff",
            "numeric_differentiation",
            "suuchi_bibun",
            "suuti_bibun",
            "bibun",
        ),
    ),
    Subject(
        "gradient_descent",
        "function",
        (
            "steepest_descent",
            "grad_descent",
            "koubai_kouka",
            "koubai_kouka_hou",
            "koubai_koukahou",
            "kobai_kokaho",
        ),
    ),
    Subject(
        "numerical_gradient",
        "function",
        (
            "numerical_grad",
            "numerical_gradient_2d",
            "numerical_gradient_nd",
            "_numerical_gradient_no_batch",
            "numerical_gradient_1d",
            "_numerical_gradient_1d",
            "num_gradient",
            "numeric_gradient",
            "numeric_grad",
            "suuchi_koubai",
            "suuti_koubai",
            "koubai",
        ),
    ),
    Subject("sigmoid", "function"),
    Subject("relu", "function"),
    Subject("softmax", "function"),
    Subject(
        "cross_entropy_error", "function", ("cross_entropy", "cross_entropy_loss", "crossentropy")
    ),
    Subject(
        "sum_squared_error",
        "function",
        (
            "mean_squared_error",
            "mean_square_error",
            "sum_square_error",
            "squared_error",
            "sse",
            "mse",
        ),
    ),
    Subject("AddLayer", "class", ("Add", "AddNode")),
    Subject("MulLayer", "class", ("Mul", "MulNode", "MultiplyLayer", "MultLayer", "MulitLayer")),
    Subject("Relu", "class", ("ReLU", "ReluLayer", "ReLULayer")),
    Subject("Sigmoid", "class", ("SigmoidLayer",)),
    Subject("Tanh", "class", ("TanhLayer", "TanH")),
    Subject("Affine", "class", ("AffineLayer", "Linear")),
    Subject(
        "SoftmaxWithLoss",
        "class",
        ("Softmax_with_Loss", "SoftmaxWithLossLayer", "SoftmaxCrossEntropy", "SoftmaxLoss"),
    ),
    Subject(
        "SquaredError",
        "class",
        (
            "SquaredErrorLayer",
            "SumSquaredError",
            "MeanSquaredError",
            "IdentityWithLoss",
            "Identity_with_Loss",
            "SquaredLoss",
        ),
    ),
    Subject(
        "SimpleNet", "class", ("simpleNet", "SimpleNeuralNet", "SimpleNeuralNetwork", "simple_net")
    ),
    Subject(
        "TwoLayerNet",
        "class",
        ("TwoLayerNetwork", "TwoLayerNeuralNetwork", "TwoLayerNN", "two_layer_net"),
    ),
    Subject("SGD", "class", ("Sgd", "SGDOptimizer")),
    Subject("train", "function", ("train_network", "train_net", "train_model", "fit")),
)
SUBJECT_BY_NAME = {s.name: s for s in SUBJECTS}


def subjects_named(token: str) -> list[Subject]:
    """The course names a user means by token: an exact spelling first, otherwise any spelling up to case and "_"."""
    exact = [s for s in SUBJECTS if token in s.spellings]
    if exact:
        return exact
    wanted = normal(token)
    return [s for s in SUBJECTS if any(normal(a) == wanted for a in s.spellings)]


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
        by_normal.setdefault(normal(key), []).append(key)
    found = {}
    for subject in subjects:
        for spelling in subject.spellings:
            hits = [spelling] if spelling in namespace else by_normal.get(normal(spelling), [])
            hit = next((h for h in hits if _kind_fits(subject, namespace[h])), None)
            if hit is not None:
                found[subject.name] = hit
                break
    taken = set(found.values())
    for subject in subjects:
        if subject.name not in found:
            hit = misspelling(
                subject.name,
                [k for k in namespace if k not in taken and _kind_fits(subject, namespace[k])],
            )
            if hit is not None:
                found[subject.name] = hit
                taken.add(hit)
    return found


def spelling_note(subject: Subject, learner_name: str) -> str:
    """What the report says of a learner's spelling: "" for the course's (up to case and "_"), else a note."""
    if normal(learner_name) == normal(subject.name):
        return ""
    if learner_name in subject.aliases:
        return _("your {name} is graded as the course's {course} (another name for it)").format(
            name=learner_name, course=subject.name
        )
    return _(
        "your {name} is graded as the course's {course} (it looks like a misspelling of it)"
    ).format(name=learner_name, course=subject.name)
