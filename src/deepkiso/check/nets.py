"""Checks of a learner's nets: SimpleNet (2_7) and TwoLayerNet (2_8, 2_10, 2_11, 2_16 – 2_18).

A learner's TwoLayerNet may use sigmoid, ReLU or tanh, and a softmax or an
identity output. Its parameters (``net.params`` or attributes W1, b1, …) are
set in place to seeded values, and what it computes, predict(x) and loss(x, t),
is matched against the ways a two-layer net can compute (``MODELS``): the
course's nets, and the usual wrong ones (no hidden activation, a sigmoid
output, softmax left on a regression net, a missing bias, a wrong layer order),
so a wrong model fails with a cause that names the difference and a legitimate
variant is said and checked against its own reference. The gradient checks
compare with the float64 gradient of the recognised model (the net's own loss
when none is recognised); the laws hold whatever the model: the loss of a batch
repeated twice equals the batch's loss; ``numerical_gradient`` and ``gradient``
agree with each other (2_17, with the relative error per parameter); a few SGD
steps lower the loss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import (
    as_array,
    as_scalar,
    contrast,
    describe,
    expect_close,
    expect_unchanged,
)
from deepkiso.check.names import (
    SUBJECT_BY_NAME,
    adapt,
    call_method,
    call_with,
    discover,
    find_array,
    find_method,
    source_line,
)
from deepkiso.check.registry import Context, Failure, Note, Skip, check
from deepkiso.differentiation import numerical_gradient


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
_COPIES_CAUSE = (
    "changing params[{name!r}] does not change the loss: the layers hold copies of the parameters; "
    "give them the very arrays in self.params (Affine(self.params['W1'], self.params['b1']))"
)


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


# --------------------------------------------------------------------------- SimpleNet


def _simple_net(ctx: Context):
    net = ctx.obj()
    found = find_array(net, ("W", "w"), ("params",), ("W", "w"))
    if found is None or not isinstance(found[1], np.ndarray):
        raise Failure(
            f"{ctx.name}() has no weight array self.W (or self.params['W'])",
            "W of shape (2, 3)",
            describe(found[1]) if found else "nothing",
        )
    where, W = found
    if W.shape != (2, 3):
        raise Failure(
            f"{where} has shape {W.shape}", "shape (2, 3): 2 inputs, 3 classes", describe(W)
        )
    W[...] = ctx.rng.standard_normal((2, 3))  # in place: the net keeps reading its own array
    return net, where, W


_X_ONE, _T_ONE = np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])


@check("SimpleNet", "2_7", "predict(x) = x · W")
def simplenet_predict(ctx: Context) -> None:
    net, _where, W = _simple_net(ctx)
    method = find_method(net, ("predict", "forward"))
    if method is None:
        raise Failure(f"{ctx.name} has no predict method", "predict(x) = x · W", "nothing")
    scores = call_method(method[1], _X_ONE.copy(), training=False)
    expect_close(scores, _X_ONE @ W, f"{method[0]}(x) for x = [0.6, 0.9]")


@check("SimpleNet", "2_7", "loss(x, t) = cross-entropy of softmax(x · W)")
def simplenet_loss(ctx: Context) -> None:
    net, _where, W = _simple_net(ctx)
    expected = F.softmax_cross_entropy(_X_ONE @ W, _T_ONE)
    expect_close(
        _loss(net, _X_ONE, _T_ONE),
        expected,
        "loss(x, t) for x = [0.6, 0.9], t = [0, 0, 1]",
        rtol=1e-5,
        atol=1e-6,
        causes=[("the minus sign is missing: E = -Σ t log y", -expected)],
    )


@check("SimpleNet", "2_7", "the gradient dL/dW")
def simplenet_gradient(ctx: Context) -> None:
    net, where, W = _simple_net(ctx)
    kept = W.copy()
    method = find_method(net, (*_NUMERICAL, *_BACKPROP))
    if method is not None:
        what = f"{method[0]}(x, t)"
        result = method[1](_X_ONE.copy(), _T_ONE.copy())
        dW = result.get("W", result.get("w")) if isinstance(result, dict) else result
    else:
        found = discover(ctx.namespace, [SUBJECT_BY_NAME["numerical_gradient"]])
        if not found:
            raise Skip(
                f"{ctx.name} has no numerical_gradient method and the file no numerical_gradient function"
            )
        what = f"{found['numerical_gradient']}(lambda w: net.loss(x, t), {where})"
        learners = adapt("numerical_gradient", ctx.namespace[found["numerical_gradient"]])[0]
        dW = learners(lambda w: net.loss(_X_ONE.copy(), _T_ONE.copy()), W)
    expect_unchanged(
        kept,
        W,
        f"{where} after {what}",
        "numerical_gradient leaves W perturbed: put the original value back (x[idx] = tmp_val)",
    )
    expected = np.outer(_X_ONE, F.softmax(_X_ONE @ W) - _T_ONE)
    expect_close(
        dW,
        expected,
        f"dL/dW from {what}",
        rtol=1e-4,
        atol=1e-6,
        causes=[
            (
                "the gradient is all zeros: numerical_gradient perturbs a copy of W, which loss never "
                "reads; perturb W itself, in place, and restore it",
                np.zeros((2, 3)),
            )
        ],
    )


# --------------------------------------------------------------------------- TwoLayerNet


def _net_params(net, name: str) -> dict[str, np.ndarray]:
    """The learner's own parameter arrays, W1, b1, W2, b2, from net.params or from attributes."""
    params = getattr(net, "params", None)
    if (
        _is_list_of_arrays(params) and len(params) >= 4 and len(params) % 2 == 0
    ):  # vol. 2: [W1, b1, W2, b2]
        return dict(zip(_param_names(len(params) // 2), params, strict=True))
    n_layers = 2  # more when the net has W3, W4, …: a deeper variant
    while (
        params.get(f"W{n_layers + 1}")
        if isinstance(params, dict)
        else getattr(net, f"W{n_layers + 1}", None)
    ) is not None:
        n_layers += 1
    found = {}
    for key in _param_names(n_layers):
        if isinstance(params, dict):
            value = params.get(key, params.get(key.lower()))
        else:
            value = getattr(net, key, getattr(net, key.lower(), None))
        if isinstance(value, np.ndarray):
            found[key] = value
    missing = [k for k in _param_names(n_layers) if k not in found]
    if missing:
        where = f"{name}.params" if isinstance(params, dict) else f"{name}'s attributes"
        raise Failure(
            f"{where} lack {', '.join(missing)}",
            "arrays W1, b1, W2, b2 in self.params",
            f"keys {sorted(params)}" if isinstance(params, dict) else "no params dict",
            "keep the parameters in self.params = {'W1': …, 'b1': …, 'W2': …, 'b2': …}",
        )
    return found


def _is_list_of_arrays(value) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, np.ndarray) for v in value)


def _backward_gradient(net):
    """gradient(x, t) of a vol. 2 net: forward(x, t), backward(), then its grads list as W1, b1, W2, b2."""

    def backward(x, t):
        net.forward(x, t)
        net.backward()
        return list(net.grads)

    backward.__wrapped__ = type(net).backward  # source_line points at the learner's backward
    return backward


def _two_layer_net(ctx: Context):
    """A learner's net of sizes 4 → 5 → 3, its parameter arrays set in place to seeded values."""
    net = call_with(
        ctx.obj,
        [
            (("input_size", "n_input", "input_dim", "n_in", "d_in"), _D_IN),
            (("hidden_size", "n_hidden", "hidden_dim", "hidden", "n_hid"), _HIDDEN),
            (("output_size", "n_output", "output_dim", "n_out", "d_out"), _D_OUT),
        ],
        optional=[(("weight_init_std", "weight_init", "init_std", "std"), 0.5)],
    )
    params = _net_params(net, ctx.name)
    n_layers = _layer_count(params)
    widths = [_D_IN] + [_HIDDEN] * (n_layers - 1) + [_D_OUT]
    shapes = {}
    for i in range(1, n_layers + 1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (widths[i - 1], widths[i]), (widths[i],)
    wrong = [
        f"{k} {params[k].shape} (expected {shapes[k]})"
        for k in params
        if params[k].shape != shapes[k]
    ]
    if wrong:
        raise Failure(
            f"{ctx.name}(input_size=4, hidden_size=5, output_size=3) has wrongly shaped parameters: "
            + ", ".join(wrong),
            "W1 (4, 5), b1 (5,), W2 (5, 3), b2 (3,)",
            ", ".join(wrong),
            "W1 is (input_size, hidden_size) and W2 is (hidden_size, output_size)",
        )
    for key, param in params.items():
        # Small weights keep every softmax output well above the 1e-7 a learner adds inside the log,
        # so that log(y + 1e-7) does not show up as a gradient error.
        scale = 0.3 if key.startswith("W") else 0.1
        # In place: the net's layers may hold these very arrays.
        param[...] = scale * ctx.rng.standard_normal(param.shape)
    return net, params


def _targets(ctx: Context, net, params, x: np.ndarray) -> tuple[np.ndarray, bool]:
    """(t, is_classification): one-hot t for a softmax net, real values for a regression net.

    With W2 = b2 = 0 a softmax net gives every class 1/C, so its loss is ln C
    (times a power of N if the averaging is wrong); a regression net gives 0.
    """
    labels = ctx.rng.integers(0, _D_OUT, size=len(x))
    one_hot = F.to_one_hot(labels, _D_OUT, dtype=np.float64)
    saved = {k: p.copy() for k, p in params.items()}
    try:
        for key in _last(params):
            params[key][...] = 0
        ratio = _loss(net, x, one_hot) / np.log(_D_OUT)
    finally:
        for k, p in params.items():
            p[...] = saved[k]
    if any(np.isclose(ratio, float(len(x)) ** k, rtol=1e-3) for k in (-2, -1, 0, 1)):
        return one_hot, True
    return ctx.rng.standard_normal((len(x), _D_OUT)), False


def _setup(ctx: Context):
    net, params = _two_layer_net(ctx)
    x = ctx.rng.standard_normal((_N, _D_IN))
    t, classification = _targets(ctx, net, params, x)
    return net, params, x, t, classification


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
    wrong: "" for a legitimate net, else the cause of the difference, in one sentence.
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
        hidden = (
            f"a {_ACTIVATION_NAME[self.hidden]} hidden layer"
            if self.hidden
            else "no hidden activation"
        )
        if self.hidden and n_layers > 2:
            hidden = f"{n_layers - 1} {_ACTIVATION_NAME[self.hidden]} hidden layers"
        returns = "the scores a2" if self.output == "scores" else f"{self.output}(a2)"
        output = {
            "cross_entropy": "a softmax output with the cross-entropy",
            "squared": "an identity output with the squared error (a regression net)",
            "softmax_squared": "a softmax output with the squared error",
            "sigmoid_cross_entropy": "a sigmoid output with the cross-entropy",
            "sigmoid_squared": "a sigmoid output with the squared error",
        }[self.loss]
        return f"{hidden} and {output} (predict returns {returns})"

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
_NO_ACTIVATION = (
    "predict matches a net without the hidden activation: apply sigmoid/ReLU to a1, "
    "z1 = sigmoid(a1), before the second Affine"
)
_SIGMOID_OUTPUT = (
    "the output layer is sigmoid, not softmax: y = softmax(a2), whose rows sum to 1, "
    "with the cross-entropy as the loss"
)
_SOFTMAX_REGRESSION = (
    "softmax left on a regression net: the output of a regression net is a2 itself "
    "(the identity), y = a2, with the squared error as the loss"
)
_SIGMOID_REGRESSION = (
    "an activation left on the output of a regression net: its output is a2 itself "
    "(the identity), y = a2"
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
                        wrong="predict matches a net without the bias b1: a1 = x · W1 + b1",
                    ),
                    Model(
                        h,
                        out,
                        loss,
                        biases=(True, False),
                        line=r"^(?=.*(dot|@))(?=.*W2)(?!.*b2)",
                        wrong="predict matches a net without the bias b2: a2 = z1 · W2 + b2",
                    ),
                    Model(
                        h,
                        out,
                        loss,
                        order="activation last",
                        wrong=f"wrong layer order: {h} is applied after the last Affine too; the output layer "
                        "is Affine and then the output function only",
                    ),
                    Model(
                        h,
                        out,
                        loss,
                        order="activation first",
                        wrong=f"wrong layer order: {h} is applied to x before the first Affine; "
                        f"the order is a1 = x · W1 + b1, z1 = {h}(a1), a2 = z1 · W2 + b2",
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


def _reference_grads(net, params: dict, x, t) -> dict[str, np.ndarray]:
    """The gradient of the net's loss: of the recognised model in float64, else of the net's own loss.

    A float32 net perturbed in place needs a step so large that it crosses ReLU's kinks; the
    recognised model is differentiated on float64 copies of the parameters with the usual step.
    """
    found = recognise(net, params, x, t)
    if found is None:
        return _numerical_grads(net, params, x, t)
    arrays = found.float64

    def loss(_):
        return found.factor * found.model.loss_value(arrays, x, t, found.delta)

    return {key: numerical_gradient(loss, arrays[key]) for key in arrays}


def _grads(method, params: dict, x, t, what: str) -> dict[str, np.ndarray]:
    """Call a gradient method and return copies of its W1, b1, W2, b2, checking that the parameters survive."""
    kept = {k: p.copy() for k, p in params.items()}
    result = method(np.array(x, copy=True), np.array(t, copy=True))
    for key, param in params.items():
        expect_unchanged(
            kept[key],
            param,
            f"params[{key!r}] after {what}",
            "numerical_gradient leaves the parameters perturbed: put each original value back "
            "(x[idx] = tmp_val)",
        )
    if _is_list_of_arrays(result) and len(result) == len(params):  # vol. 2: [dW1, db1, dW2, db2]
        result = dict(zip(params, result, strict=True))
    if not isinstance(result, dict):
        raise Failure(
            f"{what} returned {describe(result)}",
            "a dict {'W1': …, 'b1': …, 'W2': …, 'b2': …}",
            describe(result),
        )
    grads = {}
    for key in params:
        value = result.get(key, result.get(key.lower()))
        if value is None:
            raise Failure(
                f"{what} returned keys {sorted(result)}; {key} is missing",
                "keys W1, b1, W2, b2",
                f"keys {sorted(result)}",
            )
        grads[key] = np.array(value, dtype=np.float64)  # a copy: some nets reuse these buffers
        if grads[key].shape != params[key].shape:
            cause, line = _shape_cause(method, key, grads[key].shape, params)
            raise Failure(
                f"{key} of {what} has shape {grads[key].shape}; params[{key!r}] has shape "
                f"{params[key].shape}",
                describe(params[key]),
                describe(grads[key]),
                cause,
                line,
            )
    return grads


def _shape_cause(method, key: str, shape: tuple, params: dict) -> tuple[str, str]:
    """(cause, the learner's line) for a gradient of the wrong shape, told from what the method is."""
    line = source_line(method, f"'{key}'") or source_line(method, f'"{key}"')
    others = [k for k, p in params.items() if k != key and p.shape == shape]
    if others:
        return (
            f"grads[{key!r}] has the shape of params[{others[0]!r}]: a copy-paste slip, the gradient of "
            f"{others[0]} stored under {key!r}; compute it from params[{key!r}]"
        ), line
    if getattr(method, "__name__", "") in _NUMERICAL:
        return (
            f"numerical_gradient(f, x) returns an array of x's shape: pass params[{key!r}] itself as x"
        ), line
    if key.startswith("b") and shape and shape[0] == _N:
        return "the bias gradient is not summed over the batch: db = np.sum(dout, axis=0)", line
    return "dW = xᵀ · dout has W's shape", line


def _numerical_grads(net, params: dict, x, t) -> dict[str, np.ndarray]:
    """deepkiso's numerical gradient of the net's own loss, each parameter perturbed in place and restored."""
    grads = {}
    for key, param in params.items():
        h = 1e-4 if param.dtype == np.float64 else 1e-2
        grads[key] = numerical_gradient(lambda _: _loss(net, x, t), param, h=h)
    return grads


def _tolerances(params: dict) -> tuple[float, float]:
    """(rtol, atol) for comparing gradients of the net: loose enough for a cross-entropy's log(y + 1e-7)."""
    return (1e-4, 1e-6) if all(p.dtype == np.float64 for p in params.values()) else (2e-2, 2e-3)


def _expect_grads(received: dict, expected: dict, what: str, params: dict) -> None:
    rtol, atol = _tolerances(params)
    for key in expected:
        if not expected[key].any() and received[key].any():
            raise Failure(
                f"{key} of {what} is not zero, yet changing params[{key!r}] does not change the loss",
                describe(expected[key]),
                describe(received[key]),
                _COPIES_CAUSE.format(name=key),
            )
        causes = [
            (
                "the gradient is all zeros: numerical_gradient perturbs a copy of the parameter, which loss never "
                "reads; perturb it in place and restore it",
                np.zeros_like(expected[key]),
            ),
            (
                f"{what} is N = {_N} times the gradient of loss(x, t): the loss and the backward pass disagree about "
                "dividing by the batch size (divide once, in both)",
                expected[key] * _N,
            ),
            (
                f"{what} is the gradient of loss(x, t) divided by N = {_N}: the loss and the backward pass disagree "
                "about dividing by the batch size (divide once, in both)",
                expected[key] / _N,
            ),
            ("the sign is reversed", -expected[key]),
        ]
        expect_close(
            received[key], expected[key], f"{key} of {what}", rtol=rtol, atol=atol, causes=causes
        )


def _vol2(obj) -> bool:
    """A net in the style of the second volume: forward(x, t) returns the loss, backward() fills self.grads."""
    return (
        find_method(obj, _BACKPROP) is None
        and callable(getattr(obj, "backward", None))
        and callable(getattr(obj, "forward", None))
    )


def _require(ctx: Context, names, later: str = "") -> None:
    """Skip unless the learner's class has one of the methods names (asked before building anything)."""
    if find_method(ctx.obj, names) is None and not (names == _BACKPROP and _vol2(ctx.obj)):
        raise Skip(f"{ctx.name} has no {names[0]} method{later}")


def _method(ctx: Context, net, names, later: str = ""):
    found = find_method(net, names)
    if found is None and names == _BACKPROP and _vol2(net):
        return "forward(x, t) and backward()", _backward_gradient(net)
    if found is None:
        raise Skip(f"{ctx.name} has no {names[0]} method{later}")
    return found


@check("TwoLayerNet", "2_8", "builds with params W1, b1, W2, b2 of the right shapes")
def twolayernet_builds(ctx: Context) -> str | None:
    net, params = _two_layer_net(ctx)
    if _is_list_of_arrays(getattr(net, "params", None)):
        raise Note(
            f"{ctx.name}.params is a list (the second volume's style); it is graded as [W1, b1, W2, b2] "
            "in that order, and grads likewise"
        )
    if _layer_count(params) > 2:
        return (
            f"recognised a deeper variant: {_layer_count(params)} Affine layers (W1 … W{_layer_count(params)}); "
            "it is checked against the reference net of the same depth"
        )
    return None


@check("TwoLayerNet", "2_8", "predict and loss match the course's net given the same weights")
def twolayernet_reference(ctx: Context) -> str:
    net, params, x, t, _ = _setup(ctx)
    for key, param in params.items():
        # Larger than _setup's weights, so that sigmoid, tanh, ReLU and no activation differ clearly
        # (recognise matches the loss with and without the 1e-7 a learner adds inside the log).
        param[...] = (0.6 if key.startswith("W") else 0.3) * ctx.rng.standard_normal(param.shape)
    found = recognise(net, params, x, t)
    if found is None:
        raise Note(
            "predict and loss match none of the two-layer nets the check knows (a sigmoid, ReLU or tanh "
            "hidden layer; a softmax output with the cross-entropy, or an identity output with the "
            "squared error), so they were checked only against the net's own gradients",
            cause="a variant the check does not know (another activation or loss) is graded by the laws "
            "below only",
        )
    model = found.model
    if model.wrong:
        right = model.corrected()
        predicted = _predict_of(net, x)
        if predicted is not None:
            expected, received = contrast(right.forward(found.float64, x), predicted)
        else:  # a net with a loss only: compare the losses
            expected, received = contrast(right.loss_value(found.float64, x, t), _loss(net, x, t))
        predict = find_method(net, ("predict",))
        where = _mistake_line(net, predict, model)
        raise Failure(
            f"with the check's weights, {ctx.name} computes like a net with "
            f"{model.describe(_layer_count(params))}",
            expected,
            received,
            model.wrong,
            where,
        )
    return (
        f"recognised {model.describe(_layer_count(params))}; predict and loss match deepkiso's reference net "
        "with the same weights"
    )


def _mistake_line(net, predict, model: Model) -> str:
    """The learner's line of a wrong model's mistake: in predict, in __init__ (layers) or the loss layer."""
    places = [
        m
        for m in (
            predict[1] if predict else None,
            type(net).__init__,
            getattr(getattr(net, "lastLayer", getattr(net, "last_layer", None)), "forward", None),
        )
        if m is not None
    ]
    for method in places:
        line = source_line(method, regex=model.line) if model.line else ""
        if line and re.search(model.line, line.split(": ", 1)[-1]):
            return line
    return source_line(places[0]) if places else ""


@check("TwoLayerNet", "2_8", "predict(x) gives one row per sample")
def twolayernet_predict(ctx: Context) -> None:
    _require(ctx, ("predict", "forward"))
    net, _params, x, _t, _ = _setup(ctx)
    name, method = _method(ctx, net, ("predict", "forward"))
    y = as_array(call_method(method, x.copy(), training=False), f"{name}(x)")
    if y.shape != (_N, _D_OUT) or not np.isfinite(y).all():
        raise Failure(
            f"{name}(x) for x of shape {x.shape} gives {describe(y)}",
            f"finite, shape ({_N}, {_D_OUT})",
            describe(y),
        )


@check("TwoLayerNet", "2_8", "the loss is the batch mean: a batch repeated twice has the same loss")
def twolayernet_loss_batch_mean(ctx: Context) -> None:
    net, _params, x, t, _ = _setup(ctx)
    once = _loss(net, x, t)
    twice = _loss(net, np.concatenate([x, x]), np.concatenate([t, t]))
    causes = [
        ("the loss is summed over the batch: divide by the batch size N", 2 * once),
        ("the loss is divided by the batch size N twice", once / 2),
    ]
    expect_close(
        twice,
        once,
        f"loss of the batch repeated twice (2N = {2 * _N} samples)",
        rtol=1e-6,
        atol=1e-9,
        causes=causes,
    )


@check(
    "TwoLayerNet", "2_8", "numerical_gradient(x, t) matches deepkiso's numerical gradient of loss"
)
def twolayernet_numerical_gradient(ctx: Context) -> None:
    _require(ctx, _NUMERICAL)
    net, params, x, t, _ = _setup(ctx)
    name, method = _method(ctx, net, _NUMERICAL)
    received = _grads(method, params, x, t, f"{name}(x, t)")
    _expect_grads(received, _reference_grads(net, params, x, t), f"{name}(x, t)", params)


@check("TwoLayerNet", "2_16", "gradient(x, t) by backpropagation matches the numerical gradient")
def twolayernet_gradient(ctx: Context) -> None:
    _require(ctx, _BACKPROP, " (exercise 2_16 adds it)")
    net, params, x, t, _ = _setup(ctx)
    name, method = _method(ctx, net, _BACKPROP, " (exercise 2_16 adds it)")
    # A forward pass on other samples first: a gradient that skips its own forward pass then reads stale values.
    _loss(net, x[::-1] * 0.5 + 0.3, t[::-1])
    received = _grads(method, params, x, t, f"{name}(x, t)")
    expected = _reference_grads(net, params, x, t)
    try:
        _expect_grads(received, expected, f"{name}(x, t)", params)
    except Failure as failure:
        if _stale_forward(net, method, name, params, x, t, expected):
            failure.cause, failure.location = _stale_cause(name), source_line(method)
        raise


def _stale_cause(name: str) -> str:
    return (
        f"{name}(x, t) uses what the previous forward pass left in the layers: run the forward pass on x "
        "first, self.loss(x, t), then the backward pass"
    )


def _stale_forward(net, method, name: str, params: dict, x, t, expected: dict) -> bool:
    """True when the gradient is right just after a forward pass on x, i.e. it skips its own."""
    _loss(net, x, t)
    try:
        _expect_grads(
            _grads(method, params, x, t, f"{name}(x, t)"), expected, f"{name}(x, t)", params
        )
    except Failure:
        return False
    return True


@check("TwoLayerNet", "2_17", "numerical_gradient and gradient agree (the gradient check)")
def twolayernet_gradients_agree(ctx: Context) -> str:
    _require(ctx, _NUMERICAL)
    _require(ctx, _BACKPROP, " (exercise 2_16 adds it)")
    net, params, x, t, _ = _setup(ctx)
    numerical_name, numerical = _method(ctx, net, _NUMERICAL)
    backprop_name, backprop = _method(ctx, net, _BACKPROP, " (exercise 2_16 adds it)")
    by_numbers = _grads(numerical, params, x, t, f"{numerical_name}(x, t)")
    by_backprop = _grads(backprop, params, x, t, f"{backprop_name}(x, t)")
    rtol, atol = _tolerances(params)
    errors = []
    for key in params:  # _grads has checked that both have params[key]'s shape
        diff = float(np.mean(np.abs(by_numbers[key] - by_backprop[key])))
        if not np.allclose(by_backprop[key], by_numbers[key], rtol=rtol, atol=atol):
            cause, method = _which_is_wrong(
                net,
                params,
                x,
                t,
                key,
                (numerical_name, numerical, by_numbers),
                (backprop_name, backprop, by_backprop),
            )
            raise Failure(
                f"{key}: the mean |backprop - numerical| is {diff:.3g}",
                *contrast(by_numbers[key], by_backprop[key]),
                cause,
                source_line(method),
            )
        errors.append(f"{key} {_relative_error(by_backprop[key], by_numbers[key]):.1e}")
    return "relative error max |a - n| / max(|a| + |n|): " + ", ".join(errors)


def _which_is_wrong(
    net, params: dict, x, t, key: str, numerical: tuple, backprop: tuple
) -> tuple[str, object]:
    """(cause, the method to blame) when the gradient check fails: the one that differs from the reference."""
    expected = _reference_grads(net, params, x, t)
    rtol, atol = _tolerances(params)
    (numerical_name, numerical_method, by_numbers), (backprop_name, backprop_method, _) = (
        numerical,
        backprop,
    )
    if np.allclose(by_numbers[key], expected[key], rtol=rtol, atol=atol):
        if _stale_forward(net, backprop_method, backprop_name, params, x, t, expected):
            return _stale_cause(backprop_name), backprop_method
        return (
            f"{backprop_name} (backpropagation) is the wrong one: {numerical_name} matches the reference",
            backprop_method,
        )
    return (
        f"{numerical_name} is the wrong one: it differs from the reference gradient of loss",
        numerical_method,
    )


def _relative_error(a: np.ndarray, n: np.ndarray) -> float:
    scale = float(np.max(np.abs(a) + np.abs(n)))
    return float(np.max(np.abs(a - n))) / scale if scale > 0 else 0.0


def _descends(ctx: Context, names, later: str, steps: int) -> None:
    _require(ctx, names, later)
    net, params, x, t, classification = _setup(ctx)
    name, method = _method(ctx, net, names, later)
    before = _loss(net, x, t)
    for _ in range(steps):
        grads = _grads(method, params, x, t, f"{name}(x, t)")
        for key, param in params.items():
            # In place, as an optimizer does: the net's layers hold these arrays.
            param -= 0.1 * grads[key].astype(param.dtype)
    after = _loss(net, x, t)
    if not after < before:
        task = "classification" if classification else "regression"
        raise Failure(
            f"{steps} SGD steps (lr = 0.1) with {name} on a small {task} batch did not lower the loss",
            f"a loss below {before:.6g}",
            f"{after:.6g}",
            "the loss did not move: the layers may hold copies of params"
            if after == before
            else "the gradient points uphill: check its sign",
        )


@check("TwoLayerNet", "2_10", "a few SGD steps with numerical_gradient lower the loss")
def twolayernet_descends_numerical(ctx: Context) -> None:
    _descends(ctx, _NUMERICAL, "", steps=3)


@check("TwoLayerNet", "2_18", "a few SGD steps with gradient (backprop) lower the loss")
def twolayernet_descends_backprop(ctx: Context) -> None:
    _descends(ctx, _BACKPROP, " (exercise 2_16 adds it)", steps=10)


def _labels_note(net, method, name: str, x, t, expected: float) -> None:
    """A Note when accuracy is right given integer labels (it was wrong, or raised, on one-hot t)."""
    labels = np.argmax(t, axis=1)
    try:
        by_labels = as_scalar(
            call_method(method, x.copy(), labels, training=False), f"{name}(x, labels)"
        )
    except Exception:  # noqa: BLE001 - not a labels version either: the one-hot result is reported
        return
    if np.isclose(by_labels, expected):
        raise Note(
            f"{name}(x, t) takes integer labels (t = {labels.tolist()}); with those it is right",
            cause="the course passes one-hot t: t = np.argmax(t, axis=1) when t.ndim == 2 accepts both",
        )


@check("TwoLayerNet", "2_8", "accuracy(x, t) is the fraction of samples predicted right")
def twolayernet_accuracy(ctx: Context) -> None:
    _require(ctx, ("accuracy",))
    net, _params, x, t, classification = _setup(ctx)
    if not classification:
        raise Skip("a regression net has no accuracy")
    name, method = _method(ctx, net, ("accuracy",))
    predict = find_method(net, ("predict", "forward"))
    if predict is None:
        raise Skip(f"{ctx.name} has no predict method")
    scores = as_array(call_method(predict[1], x.copy(), training=False), "predict(x)")
    expected = float(np.mean(np.argmax(scores, axis=1) == np.argmax(t, axis=1)))
    try:
        received = as_scalar(
            call_method(method, x.copy(), t.copy(), training=False), f"{name}(x, t)"
        )
    except Exception as exc:  # a net written for integer labels may raise on one-hot t
        _labels_note(net, method, name, x, t, expected)
        raise exc
    if not np.isclose(received, expected):
        _labels_note(net, method, name, x, t, expected)
    expect_close(
        received,
        expected,
        f"{name}(x, t) with one-hot t",
        causes=[
            (f"counts the right answers without dividing by the batch size N = {_N}", expected * _N)
        ],
    )
