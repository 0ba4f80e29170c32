"""The ways a two-layer net can compute (``MODELS``), and recognising which one a learner's net computes.

The course's nets (a sigmoid, ReLU or tanh hidden layer; a softmax output with
the cross-entropy, or an identity output with the squared error) and the usual
wrong ones (no hidden activation, a sigmoid output, softmax left on a
regression net, a missing bias, a wrong layer order), each with the sentence
that names its mistake; and the sizes and helpers the net checks share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepkiso import functions as F
from deepkiso import i18n
from deepkiso.check.expect import (
    as_array,
    as_scalar,
)
from deepkiso.check.names import (
    call_method,
    find_method,
)
from deepkiso.i18n import N_, _


def _param_names(n_layers: int) -> tuple[str, ...]:
    """("W1", "b1", …, "WL", "bL") for a net of n_layers Affine layers."""
    return tuple(k for i in range(1, n_layers + 1) for k in (f"W{i}", f"b{i}"))


def _layer_count(params: dict) -> int:
    return len(params) // 2


def _last(params: dict) -> tuple[str, str]:
    n = _layer_count(params)
    return f"W{n}", f"b{n}"


_D_IN, _HIDDEN, _D_OUT, _N = 4, 5, 3, 5
_NUMERICAL = ("numerical_gradient", "numerical_grad", "num_gradient")
_BACKPROP = ("gradient", "backprop_gradient", "gradient_backprop", "grad")


def _copies_cause(name: str) -> str:
    """The cause for a gradient of a parameter the loss does not read (the layers hold copies)."""
    return _(
        "changing params[{name!r}] does not change the loss: the layers hold copies of the "
        "parameters; give them the very arrays in self.params "
        "(Affine(self.params['W1'], self.params['b1']))"
    ).format(name=name)


def _loss(net, x: np.ndarray, t: np.ndarray) -> float:
    """net.loss(x, t), or net.forward(x, t) for a net in the vol. 2 style, whose forward returns the loss."""
    method = net.loss if callable(getattr(net, "loss", None)) else net.forward
    result = call_method(method, np.array(x, copy=True), np.array(t, copy=True), training=True)
    if (
        isinstance(result, tuple)
        and len(result) == 2
        and [np.size(r) for r in result].count(1) == 1
    ):
        result = next(r for r in result if np.size(r) == 1)  # forward(x, t) returning (y, loss)
    return as_scalar(result, "loss(x, t)")


def _is_list_of_arrays(value) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, np.ndarray) for v in value)


# --------------------------------------------------------------------------- the models a net may compute


@dataclass(frozen=True)
class Model:
    """One way a two-layer net can compute, from its parameters to predict(x) and loss(x, t).

    hidden: the activation of a1 ("sigmoid", "relu", "tanh") or "" for none.
    output: what predict returns from a2: "scores" (a2 itself), "softmax" or "sigmoid".
    loss: what loss takes of a2: "cross_entropy" (of softmax(a2)), "squared" (½ Σ (a2 - t)² / N),
        or the wrong "softmax_squared", "sigmoid_cross_entropy", "sigmoid_squared".
    order: "" for Affine → activation → Affine; "activation first" (activation → Affine → Affine)
        or "activation last" (the activation also after the last Affine).
    biases: which of b1, b2 the net adds.
    wrong: "" for a legitimate net, else the cause of the difference, in one sentence: an English
        text marked for the catalog, with {activation} for the hidden activation (``cause`` puts it
        in, in the language in use).
    """

    hidden: str
    output: str
    loss: str
    order: str = ""
    biases: tuple[bool, bool] = (True, True)
    wrong: str = ""
    line: str = ""  # a regular expression for the learner's line that most likely holds the mistake

    def scores(self, params: dict, x: np.ndarray) -> np.ndarray:
        """The last Affine's output of this model, a2 for two layers: (N, C). params: W1, b1, …, WL, bL."""
        act = _ACTIVATION[self.hidden] if self.hidden else (lambda a: a)
        n_layers = _layer_count(params)
        a = x
        for i in range(1, n_layers + 1):
            if self.order == "activation first" and i < n_layers:
                a = act(a)
            keep_bias = self.biases[0] if i == 1 else self.biases[1] if i == n_layers else True
            a = a @ params[f"W{i}"] + (params[f"b{i}"] if keep_bias else 0.0)
            if (
                i < n_layers and self.order != "activation first"
            ) or self.order == "activation last":
                a = act(a)
        return a

    def forward(self, params: dict, x: np.ndarray) -> np.ndarray:
        """predict(x) of this model: (N, C)."""
        return _OUTPUT[self.output](self.scores(params, x))

    def loss_value(self, params: dict, x: np.ndarray, t: np.ndarray, delta: float = 0.0) -> float:
        """loss(x, t) of this model; delta: what a learner adds inside the log, log(y + 1e-7)."""
        a2 = self.scores(params, x)
        if self.loss == "cross_entropy":
            return (
                F.softmax_cross_entropy(a2, t)
                if not delta
                else _cross_entropy(F.softmax(a2), t, delta)
            )
        if self.loss == "sigmoid_cross_entropy":
            return _cross_entropy(F.sigmoid(a2), t, delta)
        squashed = {
            "squared": a2,
            "softmax_squared": F.softmax(a2),
            "sigmoid_squared": F.sigmoid(a2),
        }[self.loss]
        return F.sum_squared_error(squashed, t)

    def describe(self, n_layers: int = 2) -> str:
        """ "a ReLU hidden layer and a softmax output with the cross-entropy (predict returns the scores a2)"."""
        activation = _ACTIVATION_NAME.get(self.hidden, "")
        if not self.hidden:
            hidden = _("no hidden activation")
        elif n_layers > 2:
            hidden = _("{count} {activation} hidden layers").format(
                count=n_layers - 1, activation=activation
            )
        else:
            hidden = _("a {activation} hidden layer").format(activation=activation)
        returns = _("the scores a2") if self.output == "scores" else f"{self.output}(a2)"
        output = {
            "cross_entropy": _("a softmax output with the cross-entropy"),
            "squared": _("an identity output with the squared error (a regression net)"),
            "softmax_squared": _("a softmax output with the squared error"),
            "sigmoid_cross_entropy": _("a sigmoid output with the cross-entropy"),
            "sigmoid_squared": _("a sigmoid output with the squared error"),
        }[self.loss]
        return _("{hidden} and {output} (predict returns {returns})").format(
            hidden=hidden, output=output, returns=returns
        )

    def cause(self) -> str:
        """wrong in the language in use, the hidden activation put in; "" for a legitimate net."""
        if not self.wrong:
            return ""
        # wrong is one of this module's N_-marked texts (the catalog has it); translated here, where
        # it is shown, as docs/TRANSLATING.md says of a text made at import time.
        return i18n._(self.wrong).format(activation=self.hidden)

    def corrected(self) -> Model:
        """The legitimate model closest to this one (sigmoid where the hidden activation is missing)."""
        loss = {"sigmoid_cross_entropy": "cross_entropy"}.get(self.loss, self.loss)
        loss = "squared" if loss.endswith("squared") else loss
        output = "scores" if loss == "squared" or self.output == "sigmoid" else self.output
        return Model(self.hidden or "sigmoid", output, loss)


def _cross_entropy(y: np.ndarray, t: np.ndarray, delta: float) -> float:
    """-Σ t log(y + delta) / N for one-hot t (N, C)."""
    return float(-np.sum(t * np.log(y + delta)) / y.shape[0])


_ACTIVATION = {"sigmoid": F.sigmoid, "relu": F.relu, "tanh": F.tanh}
_ACTIVATION_NAME = {"sigmoid": "sigmoid", "relu": "ReLU", "tanh": "tanh"}
_OUTPUT = {"scores": lambda a: a, "softmax": F.softmax, "sigmoid": F.sigmoid}
_NO_ACTIVATION = N_(
    "predict matches a net without the hidden activation: apply sigmoid/ReLU to a1, "
    "z1 = sigmoid(a1), before the second Affine"
)
_SIGMOID_OUTPUT = N_(
    "the output layer is sigmoid, not softmax: y = softmax(a2), whose rows sum to 1, "
    "with the cross-entropy as the loss"
)
_SOFTMAX_REGRESSION = N_(
    "softmax left on a regression net: the output of a regression net is a2 itself "
    "(the identity), y = a2, with the squared error as the loss"
)
_SIGMOID_REGRESSION = N_(
    "an activation left on the output of a regression net: its output is a2 itself "
    "(the identity), y = a2"
)
_NO_B1 = N_("predict matches a net without the bias b1: a1 = x · W1 + b1")
_NO_B2 = N_("predict matches a net without the bias b2: a2 = z1 · W2 + b2")
_ACTIVATION_LAST = N_(
    "wrong layer order: {activation} is applied after the last Affine too; the output layer "
    "is Affine and then the output function only"
)
_ACTIVATION_FIRST = N_(
    "wrong layer order: {activation} is applied to x before the first Affine; "
    "the order is a1 = x · W1 + b1, z1 = {activation}(a1), a2 = z1 · W2 + b2"
)
# What predict may return for each loss: the scores, or the output function's values.
_OUTPUTS_OF = {
    "cross_entropy": ("scores", "softmax"),
    "squared": ("scores",),
    "softmax_squared": ("scores", "softmax"),
    "sigmoid_cross_entropy": ("scores", "sigmoid"),
    "sigmoid_squared": ("scores", "sigmoid"),
}


def _models() -> tuple[Model, ...]:
    """The legitimate nets first, then the wrong ones, each with its cause."""
    right = [
        Model(h, out, loss)
        for h in _ACTIVATION
        for loss in ("cross_entropy", "squared")
        for out in _OUTPUTS_OF[loss]
    ]
    wrong = [
        Model("", out, loss, wrong=_NO_ACTIVATION, line=r"=\s*a1\s*$")
        for loss in ("cross_entropy", "squared")
        for out in _OUTPUTS_OF[loss]
    ]
    for h in _ACTIVATION:
        for loss, cause in (
            ("sigmoid_cross_entropy", _SIGMOID_OUTPUT),
            ("softmax_squared", _SOFTMAX_REGRESSION),
            ("sigmoid_squared", _SIGMOID_REGRESSION),
        ):
            line = r"softmax\(" if loss == "softmax_squared" else r"sigmoid\(\s*a2"
            wrong += [Model(h, out, loss, wrong=cause, line=line) for out in _OUTPUTS_OF[loss]]
        for loss in ("cross_entropy", "squared"):
            for out in _OUTPUTS_OF[loss]:
                wrong += [
                    Model(
                        h,
                        out,
                        loss,
                        biases=(False, True),
                        line=r"^(?=.*(dot|@))(?=.*W1)(?!.*b1)",
                        wrong=_NO_B1,
                    ),
                    Model(
                        h,
                        out,
                        loss,
                        biases=(True, False),
                        line=r"^(?=.*(dot|@))(?=.*W2)(?!.*b2)",
                        wrong=_NO_B2,
                    ),
                    Model(
                        h,
                        out,
                        loss,
                        order="activation last",
                        wrong=_ACTIVATION_LAST,
                    ),
                    Model(
                        h,
                        out,
                        loss,
                        order="activation first",
                        wrong=_ACTIVATION_FIRST,
                    ),
                ]
    return tuple(right + wrong)


MODELS = _models()
# The learner's loss may differ from the model's by a constant factor (a sum instead of a mean, no ½,
# np.mean over every element); the batch-mean check reports that, the model is still recognised.
_LOSS_FACTORS = (1.0, 2.0, float(_N), 2.0 * _N, 1.0 / _D_OUT, 2.0 / _D_OUT)


@dataclass
class Recognised:
    """The model a learner's net matches, and the constant its loss is off by (1.0 when it is not)."""

    model: Model
    factor: float
    float64: dict
    delta: float = 0.0


def _close(a, b, float32: bool, loose: bool = False) -> bool:
    """a ≈ b for a float32 or a float64 net; loose for a loss, whose log(y + 1e-7) moves it by about 1e-5."""
    rtol, atol = (2e-3, 2e-4) if float32 else (1e-4, 1e-6) if loose else (1e-6, 1e-8)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _predict_of(net, x: np.ndarray):
    found = find_method(net, ("predict",))
    if found is None:
        return None
    return as_array(call_method(found[1], x.copy(), training=False), f"{found[0]}(x)")


def recognise(net, params: dict, x: np.ndarray, t: np.ndarray) -> Recognised | None:
    """The first of MODELS whose predict and loss the net's match, for the net's current parameters."""
    float32 = any(p.dtype != np.float64 for p in params.values())
    float64 = {k: np.array(p, dtype=np.float64) for k, p in params.items()}
    predicted = _predict_of(net, x)
    loss = _loss(net, x, t)
    for model in MODELS:
        if predicted is not None and not _close(predicted, model.forward(float64, x), float32):
            continue
        for delta in (0.0, 1e-7) if model.loss.endswith("cross_entropy") else (0.0,):
            expected = model.loss_value(float64, x, t, delta)
            factor = next(
                (f for f in _LOSS_FACTORS if _close(loss, f * expected, float32, loose=True)), None
            )
            if factor is not None:
                return Recognised(model, factor, float64, delta)
    return None
