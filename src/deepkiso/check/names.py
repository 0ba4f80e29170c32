"""The names `deepkiso check` knows, under the spellings learners actually use.

Learners write ``Relu`` or ``ReLU``, ``SoftmaxWithLoss`` or ``Softmax_with_Loss``,
keep gradients in ``self.dW`` or in ``self.grads["W"]``, parameters in a
``params`` dict or as attributes, and sometimes give ``predict`` a
``train_flg``. This module finds the learner's version of each course name
(exercises 2_1 – 2_18) and calls it whatever its spelling and signature.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Subject",
    "SUBJECTS",
    "SUBJECT_BY_NAME",
    "subjects_named",
    "discover",
    "find_array",
    "source_line",
    "locate",
    "find_method",
    "call_with",
    "call_method",
    "TRAINING_FLAGS",
    "spelling_note",
    "call_problem",
    "adapt",
    "conventions",
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
    taken = set(found.values())
    for subject in subjects:
        if subject.name not in found:
            hit = _misspelling(
                subject,
                [k for k in namespace if k not in taken and _kind_fits(subject, namespace[k])],
            )
            if hit is not None:
                found[subject.name] = hit
                taken.add(hit)
    return found


# Words a learner adds around a course name: Affine_layer, AffineLayer, MyAffine, affine_class.
_DECORATION = re.compile(r"^(my|own)|(layer|class|func|function|fn|impl)$")


def _misspelling(subject: Subject, keys: list[str]) -> str | None:
    """The one name in keys that is the subject's name with a typo (Affain_layer, gradient_decent), if any.

    A typo is at most two edits (a letter missing, added, changed or two swapped) of the spelling-insensitive
    form of a name of six letters or more, once the words learners add around a name are set aside; two
    candidates are ambiguous and give none.
    """
    target = _DECORATION.sub("", _normal(subject.name))
    if len(target) < 6:  # "relu", "sgd": too short to tell a typo from another name
        return None
    hits = []
    for key in keys:
        if key.startswith("__"):
            continue
        word = _DECORATION.sub("", _normal(key))
        if word and word != target and not word[-1].isdigit() and _edits(word, target) <= 2:
            hits.append(key)
    return hits[0] if len(hits) == 1 else None


def _edits(a: str, b: str) -> int:
    """The Damerau–Levenshtein distance (a swap of two neighbours is one edit)."""
    rows = [[max(i, j) if not i * j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def spelling_note(subject: Subject, learner_name: str) -> str:
    """What the report says of a learner's spelling: "" for the course's (up to case and "_"), else a note."""
    if _normal(learner_name) == _normal(subject.name):
        return ""
    if learner_name in subject.aliases:
        return f"your {learner_name} is graded as the course's {subject.name} (another name for it)"
    return f"your {learner_name} is graded as the course's {subject.name} (it looks like a misspelling of it)"


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


def source_line(obj: Any, pattern: str = "", regex: str = "") -> str:
    """ "/path/my_net.py, line 23: z1 = a1": the first line of obj's source that contains pattern (or matches
    regex); its def line when there is none; "" when the source cannot be read (a builtin, a lost cell).

    The file is the code's own filename; the checking process relabels it as the report names it
    ("common/layers.py", "cell In[3]").
    """
    code = code_of(obj)
    try:
        lines, first = inspect.getsourcelines(inspect.unwrap(getattr(obj, "__func__", obj)))
    except (OSError, TypeError):
        return ""
    hits = [
        i
        for i, text in enumerate(lines)
        if (pattern and pattern in text) or (regex and re.search(regex, text.split("#")[0]))
    ]
    index = hits[0] if hits else 0
    line = f"line {first + index}: {lines[index].strip()}"
    return f"{code.co_filename}, {line}" if code is not None else line


_METHOD_WORDS = (
    "backward",
    "forward",
    "numerical_gradient",
    "gradient",
    "predict",
    "loss",
    "accuracy",
    "update",
)


def locate(obj: Any, title: str, message: str) -> str:
    """The learner's line a wrong value most likely comes from: "my.py, line 31: self.db = dout".

    The method is the one the check's title names (backward, forward, gradient, …), else obj itself;
    within it, the line that assigns the quantity the message starts with (db, dW, dx, …), else its
    first return line.
    """
    if inspect.isclass(obj):
        method = next(
            (
                getattr(obj, m)
                for m in _METHOD_WORDS
                if m in title and callable(getattr(obj, m, None))
            ),
            None,
        )
        if method is None:
            return ""
    else:
        method = obj
    changed = re.match(r"the caller's (\w+) .*was changed", message or "")
    if changed:  # the line that writes into the caller's array: x[self.mask] = 0, x -= …
        name = changed.group(1)
        for pattern in (f"{name}[", f"{name} -=", f"{name} +=", f"{name} *=", f"{name} /="):
            line = source_line(method, pattern)
            if line and pattern in line and "=" in line.split(pattern, 1)[1]:
                return line
    word = re.match(r"[A-Za-z_][\w\[\]'\"]*", message or "")
    if word and word.group(0) not in ("the", "one", "sample", "batch", "after", "no"):
        name = word.group(0).split("(")[0]
        for pattern in (f"self.{name} =", f"{name} =", f"self.{name}="):
            line = source_line(method, pattern)
            if line and pattern in line:
                return line
    return source_line(method, "return ") or source_line(method)


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


def _parameters(func: Callable):
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
        return func(
            **{name: value for name, (_, value) in zip(mapped, values, strict=True)}, **extra
        )
    return func(
        *(value for _, value in values), **{k: v for k, v in extra.items() if k not in mapped}
    )


def call_method(method: Callable, *args, training: bool | None = None):
    """method(*args), adding the training flag (train_flg=…) when the method takes one."""
    params = _parameters(method)
    if training is not None and params is not None:
        names = _named(params)
        flag = next((n for n in TRAINING_FLAGS if n in names), None)
        if flag is not None and flag not in names[: len(args)]:
            return method(*args, **{flag: training})
    return method(*args)


# --------------------------------------------------------------------------- conventions and call shapes

# How the checks call each name, in the course's order; a signature that cannot take these is not graded.
CALLS = {
    "sigmoid": ("x",),
    "relu": ("x",),
    "softmax": ("x",),
    "cross_entropy_error": ("y", "t"),
    "sum_squared_error": ("y", "t"),
    "numerical_diff": ("f", "x"),
    "numerical_gradient": ("f", "x"),
}
_LAYER = {"forward": ("x",), "backward": ("dout",)}
_NODE = {"forward": ("x", "y"), "backward": ("dout",)}
METHODS = {
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
    params = _parameters(func)
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
        return (
            f"not graded: expected {subject}({', '.join(args)}), found "
            f"{_signature_text(obj, learner_name)}"
        )
    methods = METHODS.get(subject, {})
    for method in needs if needs is not None else tuple(methods):
        if method not in methods:
            continue
        func = getattr(obj, method, None)
        if func is None or (method == "__init__" and func is object.__init__):
            if method == "__init__":
                continue
            kind = "a forward-only layer" if method == "backward" else "a layer without forward"
            return f"not graded: {learner_name} has no {method} method ({kind})"
        args = methods[method]
        if args is not None and not _binds(func, args, bound=True):
            constructor = method == "__init__"
            call = f"{subject if constructor else method}({', '.join(args)})"
            found = _signature_text(func, learner_name if constructor else method)
            return f"not graded: expected {call}, found {found}"
    return ""


def _role(name: str) -> str:
    name = name.lower()
    return "t" if name in _TARGET else "y" if name in _PREDICTION else ""


def _swapped(func: Callable) -> bool:
    """True when func's first two parameters are named target then prediction (t, y), unambiguously."""
    params = _parameters(func)
    if params is None:
        return False
    names = [p.name for p in params if p.name != "self"][:2]
    return len(names) == 2 and [_role(n) for n in names] == ["t", "y"]


_FUNCTION_NAMES = {"f", "func", "function", "fun", "fn", "loss_func", "loss_function"}


def _point_first(func: Callable) -> bool:
    """True when a differentiation function's parameters are named (x, f): the point, then the function."""
    params = _parameters(func)
    names = [p.name for p in params][:2] if params is not None else []
    return (
        len(names) == 2
        and names[0].lower() not in _FUNCTION_NAMES
        and names[1].lower() in _FUNCTION_NAMES
    )


def _swap_function(func: Callable) -> Callable:
    def in_course_order(y, t, *rest, **options):
        return func(t, y, *rest, **options)

    in_course_order.__wrapped__ = func  # code_of and source_line read the learner's own function
    return in_course_order


def _typo_method(cls: type, canonical: str) -> str | None:
    """The learner's method that is canonical misspelt (foward, backword, Forward), when canonical is missing."""
    if hasattr(cls, canonical):
        return None
    # Read statically: a learner's class attribute lookup may run their code (a property, __getattr__).
    methods = {
        a for klass in cls.__mro__[:-1] for a, v in vars(klass).items() if inspect.isfunction(v)
    }
    hits = [
        a
        for a in sorted(methods)
        if not a.startswith("__")
        and (a.lower() == canonical or (len(canonical) >= 6 and _edits(a.lower(), canonical) <= 2))
    ]
    return hits[0] if len(hits) == 1 else None


def adapt(subject: str, obj: Any) -> tuple[Any, list[str]]:
    """(the learner's obj, callable the course's way; what was recognised, one note each).

    A misspelt method (foward) is called under the course's name; a loss whose parameters are named
    (t, y), or (true_label, prediction), gets its arguments in that order.
    """
    notes: list[str] = []
    if not inspect.isclass(obj):
        if subject in ("numerical_diff", "numerical_gradient") and _point_first(obj):
            names = [p.name for p in _parameters(obj)][:2]
            notes.append(
                f"your {subject} takes ({names[0]}, {names[1]}), the point first; it is graded with the "
                "arguments in your order"
            )
            return _swap_function(obj), notes
        if subject in ("cross_entropy_error", "sum_squared_error") and _swapped(obj):
            names = [p.name for p in _parameters(obj)][:2]
            notes.append(
                f"your {subject} takes ({names[0]}, {names[1]}), the target first; it is graded with "
                "the arguments in your order"
            )
            return _swap_function(obj), notes
        return obj, notes
    extra = {}
    for canonical in _METHOD_TYPOS:
        typo = _typo_method(obj, canonical)
        if typo is not None:
            extra[canonical] = getattr(obj, typo)
            notes.append(f"your method {typo} is called as the course's {canonical}")
    forward = extra.get("forward", getattr(obj, "forward", None))
    if subject in ("SoftmaxWithLoss", "SquaredError") and forward is not None and _swapped(forward):
        names = [p.name for p in _parameters(forward) if p.name != "self"][:2]
        extra["forward"] = _swap_method(forward)
        notes.append(
            f"your forward takes ({names[0]}, {names[1]}), the target first; it is graded with the "
            "arguments in your order"
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
        notes.append("your forward returns (y, loss); the loss is graded")
    if (
        subject in METHODS
        and "backward" in METHODS[subject]
        and forward is not None
        and not hasattr(obj, "backward")
        and "backward" not in extra
    ):
        notes.append(
            f"{obj.__name__} is a forward-only layer: its forward is graded, the backward checks are not"
        )
    if not extra:
        return obj, notes
    return type(obj.__name__, (obj,), {**extra, "__module__": obj.__module__}), notes


def _swap_method(method: Callable) -> Callable:
    def forward(self, y, t, *rest, **options):
        return method(self, t, y, *rest, **options)

    forward.__wrapped__ = method
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
    init = _parameters(cls.__init__) if cls.__init__ is not object.__init__ else []
    if init is None or any(
        p.default is inspect.Parameter.empty
        for p in init
        if p.name != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ):
        return None
    forward = extra.get("forward", getattr(cls, "forward", None))
    backward = extra.get("backward", getattr(cls, "backward", None))
    params = [p.name for p in _parameters(forward) or [] if p.name != "self"]
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

    call_forward.__wrapped__, call_backward.__wrapped__ = forward, backward
    note = (
        f"your {cls.__name__} is built empty and called forward({', '.join(params)}); it is graded as "
        "the course's Affine(W, b).forward(x), with your argument order"
    )
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

    loss_forward.__wrapped__ = forward
    return loss_forward


def conventions(subject: str, learner_name: str, obj: Any) -> list[str]:
    """Everything the report says was recognised of a learner's name: its spelling, then adapt's notes."""
    notes = [spelling_note(SUBJECT_BY_NAME[subject], learner_name), *adapt(subject, obj)[1]]
    return [note for note in notes if note]
