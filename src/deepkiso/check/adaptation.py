"""Adapting a learner's definition to the course's call shapes, and saying why one cannot be called.

A misspelt method (``foward``) is called under the course's name, a loss
whose parameters are (t, y) gets its arguments in that order, an Affine built
empty and called ``forward(w, x, b)`` is graded as ``Affine(W, b).forward(x)``,
a forward returning (y, loss) has its loss graded; each with one note.
``call_problem`` says when a signature cannot take the course's arguments.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from deepkiso.check.calling import parameters_of
from deepkiso.check.report import not_graded
from deepkiso.check.spelling import typo_method
from deepkiso.check.subjects import SUBJECT_BY_NAME, spelling_note
from deepkiso.i18n import _

__all__ = ["CALLS", "METHODS", "call_problem", "adapt", "conventions"]


# How the checks call each name, in the course's order; a signature that cannot take these is not graded.
CALLS: dict[str, tuple[str, ...]] = {
    "sigmoid": ("x",),
    "relu": ("x",),
    "softmax": ("x",),
    "cross_entropy_error": ("y", "t"),
    "sum_squared_error": ("y", "t"),
    "numerical_diff": ("f", "x"),
    "numerical_gradient": ("f", "x"),
}
_LAYER: dict[str, tuple[str, ...] | None] = {"forward": ("x",), "backward": ("dout",)}
_NODE: dict[str, tuple[str, ...] | None] = {"forward": ("x", "y"), "backward": ("dout",)}
METHODS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "AddLayer": _NODE,
    "MulLayer": _NODE,
    "Relu": _LAYER,
    "Sigmoid": _LAYER,
    "Tanh": _LAYER,
    "Affine": {"__init__": ("W", "b"), **_LAYER},
    # A loss layer's backward may take dout or nothing: both are called the course's way.
    "SoftmaxWithLoss": {"forward": ("x", "t"), "backward": None},
    "SquaredError": {"forward": ("y", "t"), "backward": None},
}
# Parameter names that say which argument is the prediction and which the target.
_PREDICTION = {
    "y",
    "x",
    "pred",
    "prediction",
    "predictions",
    "y_pred",
    "ypred",
    "y_hat",
    "yhat",
    "output",
    "outputs",
    "out",
    "p",
    "prob",
    "probs",
    "score",
    "scores",
    "predicted",
}
_TARGET = {
    "t",
    "target",
    "targets",
    "label",
    "labels",
    "true_label",
    "true_labels",
    "y_true",
    "ytrue",
    "true",
    "answer",
    "teacher",
    "correct",
    "t_label",
    "onehot",
    "one_hot",
}
_METHOD_TYPOS = ("forward", "backward", "predict", "loss", "gradient", "update", "accuracy")


def _signature_text(func: Callable, name: str) -> str:
    params = parameters_of(func)
    if params is None:
        return f"{name}(…)"
    return f"{name}({', '.join(p.name for p in params if p.name != 'self')})"


def _binds(func: Callable, args: tuple, bound: bool) -> bool:
    try:  # an adapter's own signature, not the learner's function it wraps
        signature = inspect.signature(func, follow_wrapped=False)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind(*((None,) if bound else ()), *args)
    except TypeError:
        return False
    return True


def call_problem(
    subject: str, obj: Any, learner_name: str, needs: tuple[str, ...] | None = None
) -> str:
    """Why a check cannot call the learner's obj the way the course does ("" when it can).

    needs: the methods the check calls (default: every method the course gives the class).
    "not graded: expected cross_entropy_error(y, t), found cross_entropy_error(a, b, c)".
    """
    if subject in CALLS:
        args = CALLS[subject]
        if _binds(obj, args, bound=False):
            return ""
        return not_graded(
            _("expected {call}, found {found}").format(
                call=f"{subject}({', '.join(args)})", found=_signature_text(obj, learner_name)
            )
        )
    methods = METHODS.get(subject, {})
    for method in needs if needs is not None else tuple(methods):
        if method not in methods:
            continue
        func = getattr(obj, method, None)
        if func is None or (method == "__init__" and func is object.__init__):
            if method == "__init__":
                continue
            if method == "backward":
                reason = _("{name} has no backward method (a forward-only layer)")
            else:
                reason = _("{name} has no {method} method (a layer without forward)")
            return not_graded(reason.format(name=learner_name, method=method))
        wanted = methods[method]
        if wanted is not None and not _binds(func, wanted, bound=True):
            constructor = method == "__init__"
            call = f"{subject if constructor else method}({', '.join(wanted)})"
            found = _signature_text(func, learner_name if constructor else method)
            return not_graded(_("expected {call}, found {found}").format(call=call, found=found))
    return ""


def _role(name: str) -> str:
    name = name.lower()
    return "t" if name in _TARGET else "y" if name in _PREDICTION else ""


def _swapped(func: Callable) -> bool:
    """True when func's first two parameters are named target then prediction (t, y), unambiguously."""
    params = parameters_of(func)
    if params is None:
        return False
    names = [p.name for p in params if p.name != "self"][:2]
    return len(names) == 2 and [_role(n) for n in names] == ["t", "y"]


_FUNCTION_NAMES = {"f", "func", "function", "fun", "fn", "loss_func", "loss_function"}


def _point_first(func: Callable) -> bool:
    """True when a differentiation function's parameters are named (x, f): the point, then the function."""
    params = parameters_of(func)
    names = [p.name for p in params][:2] if params is not None else []
    return (
        len(names) == 2
        and names[0].lower() not in _FUNCTION_NAMES
        and names[1].lower() in _FUNCTION_NAMES
    )


def _swap_function(func: Callable) -> Callable:
    def in_course_order(y, t, *rest, **options):
        return func(t, y, *rest, **options)

    in_course_order.__wrapped__ = func  # type: ignore[attr-defined]  # code_of and source_line read the learner's own function
    return in_course_order


def adapt(subject: str, obj: Any) -> tuple[Any, list[str]]:
    """(the learner's obj, callable the course's way; what was recognised, one note each).

    A misspelt method (foward) is called under the course's name; a loss whose parameters are named
    (t, y), or (true_label, prediction), gets its arguments in that order.
    """
    notes: list[str] = []
    if not inspect.isclass(obj):
        if subject in ("numerical_diff", "numerical_gradient") and _point_first(obj):
            names = [p.name for p in parameters_of(obj)][:2]
            notes.append(
                _(
                    "your {name} takes ({first}, {second}), the point first; "
                    "it is graded with the arguments in your order"
                ).format(name=subject, first=names[0], second=names[1])
            )
            return _swap_function(obj), notes
        if subject in ("cross_entropy_error", "sum_squared_error") and _swapped(obj):
            names = [p.name for p in parameters_of(obj)][:2]
            notes.append(
                _(
                    "your {name} takes ({first}, {second}), the target first; "
                    "it is graded with the arguments in your order"
                ).format(name=subject, first=names[0], second=names[1])
            )
            return _swap_function(obj), notes
        return obj, notes
    extra = {}
    for canonical in _METHOD_TYPOS:
        typo = typo_method(obj, canonical)
        if typo is not None:
            extra[canonical] = getattr(obj, typo)
            notes.append(
                _("your method {typo} is called as the course's {method}").format(
                    typo=typo, method=canonical
                )
            )
    forward = extra.get("forward", getattr(obj, "forward", None))
    if subject in ("SoftmaxWithLoss", "SquaredError") and forward is not None and _swapped(forward):
        names = [p.name for p in parameters_of(forward) if p.name != "self"][:2]
        extra["forward"] = _swap_method(forward)
        notes.append(
            _(
                "your {name} takes ({first}, {second}), the target first; "
                "it is graded with the arguments in your order"
            ).format(name="forward", first=names[0], second=names[1])
        )
    if subject == "Affine":
        own = _affine_call_shape(obj, extra)
        if own is not None:
            extra.update(own[0])
            notes.append(own[1])
    if (
        subject in ("SoftmaxWithLoss", "SquaredError")
        and forward is not None
        and _returns_pair(forward)
    ):
        extra["forward"] = _loss_only(extra.get("forward", forward))
        notes.append(_("your forward returns (y, loss); the loss is graded"))
    if (
        subject in METHODS
        and "backward" in METHODS[subject]
        and forward is not None
        and not hasattr(obj, "backward")
        and "backward" not in extra
    ):
        notes.append(
            _(
                "{name} is a forward-only layer: its forward is graded, the backward checks are not"
            ).format(name=obj.__name__)
        )
    if not extra:
        return obj, notes
    return type(obj.__name__, (obj,), {**extra, "__module__": obj.__module__}), notes


def _swap_method(method: Callable) -> Callable:
    def forward(self, y, t, *rest, **options):
        return method(self, t, y, *rest, **options)

    forward.__wrapped__ = method  # type: ignore[attr-defined]  # inspect.unwrap finds the learner's
    return forward


_WEIGHT, _INPUT, _BIAS = (
    {"w", "weight", "weights"},
    {"x", "input", "inputs", "a", "z"},
    {"b", "bias", "biases"},
)


def _affine_call_shape(cls: type, extra: dict):
    """({"__init__", "forward", "backward"}, note) for an Affine built empty and called forward(w, x, b).

    The roles come from the parameter names; their order is the learner's. backward may return
    (dx, dW, db): dW and db are then stored as self.dW and self.db, where the checks read them.
    """
    constructor = vars(cls).get("__init__", getattr(cls, "__init__"))  # noqa: B009 - the class's own, not an instance's
    init = parameters_of(constructor) if constructor is not object.__init__ else []
    if init is None or any(
        p.default is inspect.Parameter.empty
        for p in init
        if p.name != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ):
        return None
    forward = extra.get("forward", getattr(cls, "forward", None))
    backward = extra.get("backward", getattr(cls, "backward", None))
    params = [
        p.name for p in (parameters_of(forward) if forward else None) or [] if p.name != "self"
    ]
    roles = [
        "W"
        if n.lower() in _WEIGHT
        else "x"
        if n.lower() in _INPUT
        else "b"
        if n.lower() in _BIAS
        else ""
        for n in params
    ]
    if sorted(roles) != ["W", "b", "x"]:
        return None

    def __init__(self, W, b):
        cls.__init__(self)
        self._course_W, self._course_b = W, b

    def call_forward(self, x):
        arrays = {"W": self._course_W, "x": x, "b": self._course_b}
        return forward(self, *(arrays[r] for r in roles))

    def call_backward(self, dout):
        result = backward(self, dout)
        if isinstance(result, tuple) and len(result) == 3:
            dx, self.dW, self.db = result
            return dx
        return result

    # inspect.unwrap (code_of, source_line) finds the learner's methods behind the adapters.
    call_forward.__wrapped__ = forward  # type: ignore[attr-defined]
    call_backward.__wrapped__ = backward  # type: ignore[attr-defined]
    note = _(
        "your {name} is built empty and called forward({params}); "
        "it is graded as the course's Affine(W, b).forward(x), with your argument order"
    ).format(name=cls.__name__, params=", ".join(params))
    return {"__init__": __init__, "forward": call_forward, "backward": call_backward}, note


def _returns_pair(func: Callable) -> bool:
    """True when func's source returns a tuple of two things (return y, loss)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(func))))
    except (OSError, TypeError, SyntaxError):
        return False
    return any(
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Tuple)
        and len(node.value.elts) == 2
        for node in ast.walk(tree)
    )


def _loss_only(forward: Callable) -> Callable:
    def loss_forward(self, *args, **options):
        result = forward(self, *args, **options)
        if isinstance(result, tuple) and len(result) == 2:
            sizes = [np.size(r) for r in result]
            return result[sizes.index(1)] if sizes.count(1) == 1 else result
        return result

    loss_forward.__wrapped__ = forward  # type: ignore[attr-defined]  # inspect.unwrap finds the learner's
    return loss_forward


def conventions(subject: str, learner_name: str, obj: Any) -> list[str]:
    """Everything the report says was recognised of a learner's name: its spelling, then adapt's notes."""
    notes = [spelling_note(SUBJECT_BY_NAME[subject], learner_name), *adapt(subject, obj)[1]]
    return [note for note in notes if note]
