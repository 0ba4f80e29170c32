"""Checks of a learner's TwoLayerNet (2_8, 2_10, 2_11, 2_16 – 2_18).

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
from typing import Any

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import (
    as_array,
    as_scalar,
    contrast,
    describe,
    expect_close,
)
from deepkiso.check.names import (
    call_method,
    call_with,
    find_method,
    source_line,
)
from deepkiso.check.net_gradients import _expect_grads, _grads, _reference_grads, _tolerances
from deepkiso.check.net_models import (
    _BACKPROP,
    _D_IN,
    _D_OUT,
    _HIDDEN,
    _N,
    _NUMERICAL,
    Model,
    _is_list_of_arrays,
    _last,
    _layer_count,
    _loss,
    _param_names,
    _predict_of,
    recognise,
)
from deepkiso.check.registry import Context, Failure, Note, Skip, check
from deepkiso.check.remote import class_of
from deepkiso.i18n import N_, _

# --------------------------------------------------------------------------- TwoLayerNet


def _net_params(net, name: str) -> dict[str, np.ndarray]:
    """The learner's own parameter arrays, W1, b1, W2, b2, from net.params or from attributes."""
    params: Any = getattr(net, "params", None)
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
        where = (
            f"{name}.params"
            if isinstance(params, dict)
            else _("{name}'s attributes").format(name=name)
        )
        raise Failure(
            _("{where} lack {missing}").format(where=where, missing=", ".join(missing)),
            _("arrays W1, b1, W2, b2 in self.params"),
            _("keys {keys}").format(keys=sorted(params))
            if isinstance(params, dict)
            else _("no params dict"),
            _("keep the parameters in self.params = {'W1': …, 'b1': …, 'W2': …, 'b2': …}"),
        )
    return found


def _backward_gradient(net):
    """gradient(x, t) of a vol. 2 net: forward(x, t), backward(), then its grads list as W1, b1, W2, b2."""

    def backward(x, t):
        net.forward(x, t)
        net.backward()
        return list(net.grads)

    backward.__wrapped__ = class_of(net).backward  # source_line points at the learner's backward
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
    shapes: dict[str, tuple[int, ...]] = {}
    for i in range(1, n_layers + 1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (widths[i - 1], widths[i]), (widths[i],)
    wrong = ", ".join(
        _("{key} {shape} (expected {expected})").format(
            key=k, shape=params[k].shape, expected=shapes[k]
        )
        for k in params
        if params[k].shape != shapes[k]
    )
    if wrong:
        raise Failure(
            _(
                "{name}(input_size=4, hidden_size=5, output_size=3) has wrongly shaped parameters: "
                "{wrong}"
            ).format(name=ctx.name, wrong=wrong),
            "W1 (4, 5), b1 (5,), W2 (5, 3), b2 (3,)",
            wrong,
            _("W1 is (input_size, hidden_size) and W2 is (hidden_size, output_size)"),
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


def _vol2(obj) -> bool:
    """A net in the style of the second volume: forward(x, t) returns the loss, backward() fills self.grads."""
    return (
        find_method(obj, _BACKPROP) is None
        and callable(getattr(obj, "backward", None))
        and callable(getattr(obj, "forward", None))
    )


def _no_method(name: str, method: str, later: bool = False) -> str:
    """ "TwoLayerNet has no gradient method (exercise 2_16 adds it)"; later: a method 2_16 adds."""
    if later:
        return _("{name} has no {method} method (exercise 2_16 adds it)").format(
            name=name, method=method
        )
    return _("{name} has no {method} method").format(name=name, method=method)


def _require(ctx: Context, names, later: bool = False) -> None:
    """Skip unless the learner's class has one of the methods names (asked before building anything)."""
    if find_method(ctx.obj, names) is None and not (names == _BACKPROP and _vol2(ctx.obj)):
        raise Skip(_no_method(ctx.name, names[0], later))


def _method(ctx: Context, net, names, later: bool = False):
    found = find_method(net, names)
    if found is None and names == _BACKPROP and _vol2(net):
        return _("forward(x, t) and backward()"), _backward_gradient(net)
    if found is None:
        raise Skip(_no_method(ctx.name, names[0], later))
    return found


@check("TwoLayerNet", "2_8", N_("builds with params W1, b1, W2, b2 of the right shapes"))
def twolayernet_builds(ctx: Context) -> str | None:
    net, params = _two_layer_net(ctx)
    if _is_list_of_arrays(getattr(net, "params", None)):
        raise Note(
            _(
                "{name}.params is a list (the second volume's style); it is graded as "
                "[W1, b1, W2, b2] in that order, and grads likewise"
            ).format(name=ctx.name)
        )
    if _layer_count(params) > 2:
        return _(
            "recognised a deeper variant: {count} Affine layers (W1 … W{count}); "
            "it is checked against the reference net of the same depth"
        ).format(count=_layer_count(params))
    return None


@check("TwoLayerNet", "2_8", N_("predict and loss match the course's net given the same weights"))
def twolayernet_reference(ctx: Context) -> str:
    net, params, x, t, _classification = _setup(ctx)
    for key, param in params.items():
        # Larger than _setup's weights, so that sigmoid, tanh, ReLU and no activation differ clearly
        # (recognise matches the loss with and without the 1e-7 a learner adds inside the log).
        param[...] = (0.6 if key.startswith("W") else 0.3) * ctx.rng.standard_normal(param.shape)
    found = recognise(net, params, x, t)
    if found is None:
        raise Note(
            _(
                "predict and loss match none of the two-layer nets the check knows (a sigmoid, ReLU "
                "or tanh hidden layer; a softmax output with the cross-entropy, or an identity output "
                "with the squared error), so they were checked only against the net's own gradients"
            ),
            cause=_(
                "a variant the check does not know (another activation or loss) is graded by the "
                "laws below only"
            ),
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
            _("with the check's weights, {name} computes like a net with {model}").format(
                name=ctx.name, model=model.describe(_layer_count(params))
            ),
            expected,
            received,
            model.cause(),
            where,
        )
    return _(
        "recognised {model}; predict and loss match deepkiso's reference net with the same weights"
    ).format(model=model.describe(_layer_count(params)))


def _mistake_line(net, predict, model: Model) -> str:
    """The learner's line of a wrong model's mistake: in predict, in __init__ (layers) or the loss layer."""
    places = [
        m
        for m in (
            predict[1] if predict else None,
            class_of(net).__init__,
            getattr(getattr(net, "lastLayer", getattr(net, "last_layer", None)), "forward", None),
        )
        if m is not None
    ]
    for method in places:
        line = source_line(method, regex=model.line) if model.line else ""
        if line and re.search(model.line, line.split(": ", 1)[-1]):
            return line
    return source_line(places[0]) if places else ""


@check("TwoLayerNet", "2_8", N_("predict(x) gives one row per sample"))
def twolayernet_predict(ctx: Context) -> None:
    _require(ctx, ("predict", "forward"))
    net, _params, x, _t, _classification = _setup(ctx)
    name, method = _method(ctx, net, ("predict", "forward"))
    y = as_array(call_method(method, x.copy(), training=False), f"{name}(x)")
    if y.shape != (_N, _D_OUT) or not np.isfinite(y).all():
        raise Failure(
            _("{name}(x) for x of shape {shape} gives {value}").format(
                name=name, shape=x.shape, value=describe(y)
            ),
            _("finite, shape {shape}").format(shape=(_N, _D_OUT)),
            describe(y),
        )


@check(
    "TwoLayerNet",
    "2_8",
    N_("the loss is the batch mean: a batch repeated twice has the same loss"),
)
def twolayernet_loss_batch_mean(ctx: Context) -> None:
    net, _params, x, t, _classification = _setup(ctx)
    once = _loss(net, x, t)
    twice = _loss(net, np.concatenate([x, x]), np.concatenate([t, t]))
    causes = [
        (_("the loss is summed over the batch: divide by the batch size N"), 2 * once),
        (_("the loss is divided by the batch size N twice"), once / 2),
    ]
    expect_close(
        twice,
        once,
        _("loss of the batch repeated twice (2N = {count} samples)").format(count=2 * _N),
        rtol=1e-6,
        atol=1e-9,
        causes=causes,
    )


@check(
    "TwoLayerNet",
    "2_8",
    N_("numerical_gradient(x, t) matches deepkiso's numerical gradient of loss"),
)
def twolayernet_numerical_gradient(ctx: Context) -> None:
    _require(ctx, _NUMERICAL)
    net, params, x, t, _classification = _setup(ctx)
    name, method = _method(ctx, net, _NUMERICAL)
    received = _grads(method, params, x, t, f"{name}(x, t)")
    _expect_grads(received, _reference_grads(net, params, x, t), f"{name}(x, t)", params)


@check(
    "TwoLayerNet",
    "2_16",
    N_("gradient(x, t) by backpropagation matches the numerical gradient"),
)
def twolayernet_gradient(ctx: Context) -> None:
    _require(ctx, _BACKPROP, later=True)
    net, params, x, t, _classification = _setup(ctx)
    name, method = _method(ctx, net, _BACKPROP, later=True)
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
    return _(
        "{name}(x, t) uses what the previous forward pass left in the layers: run the forward pass "
        "on x first, self.loss(x, t), then the backward pass"
    ).format(name=name)


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


@check("TwoLayerNet", "2_17", N_("numerical_gradient and gradient agree (the gradient check)"))
def twolayernet_gradients_agree(ctx: Context) -> str:
    _require(ctx, _NUMERICAL)
    _require(ctx, _BACKPROP, later=True)
    net, params, x, t, _classification = _setup(ctx)
    numerical_name, numerical = _method(ctx, net, _NUMERICAL)
    backprop_name, backprop = _method(ctx, net, _BACKPROP, later=True)
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
                _("{key}: the mean |backprop - numerical| is {diff:.3g}").format(
                    key=key, diff=diff
                ),
                *contrast(by_numbers[key], by_backprop[key]),
                cause,
                source_line(method),
            )
        errors.append(f"{key} {_relative_error(by_backprop[key], by_numbers[key]):.1e}")
    return _("relative error max |a - n| / max(|a| + |n|): {errors}").format(
        errors=", ".join(errors)
    )


def _which_is_wrong(
    net, params: dict, x, t, key: str, numerical: tuple, backprop: tuple
) -> tuple[str, object]:
    """(cause, the method to blame) when the gradient check fails: the one that differs from the reference."""
    expected = _reference_grads(net, params, x, t)
    rtol, atol = _tolerances(params)
    (
        (numerical_name, numerical_method, by_numbers),
        (backprop_name, backprop_method, _by_backprop),
    ) = (
        numerical,
        backprop,
    )
    if np.allclose(by_numbers[key], expected[key], rtol=rtol, atol=atol):
        if _stale_forward(net, backprop_method, backprop_name, params, x, t, expected):
            return _stale_cause(backprop_name), backprop_method
        return (
            _(
                "{backprop} (backpropagation) is the wrong one: {numerical} matches the reference"
            ).format(backprop=backprop_name, numerical=numerical_name),
            backprop_method,
        )
    return (
        _("{numerical} is the wrong one: it differs from the reference gradient of loss").format(
            numerical=numerical_name
        ),
        numerical_method,
    )


def _relative_error(a: np.ndarray, n: np.ndarray) -> float:
    scale = float(np.max(np.abs(a) + np.abs(n)))
    return float(np.max(np.abs(a - n))) / scale if scale > 0 else 0.0


def _descends(ctx: Context, names, later: bool, steps: int) -> None:
    _require(ctx, names, later)
    net, params, x, t, classification = _setup(ctx)
    name, method = _method(ctx, net, names, later)
    before = _loss(net, x, t)
    for _step in range(steps):
        grads = _grads(method, params, x, t, f"{name}(x, t)")
        for key, param in params.items():
            # In place, as an optimizer does: the net's layers hold these arrays.
            param -= 0.1 * grads[key].astype(param.dtype)
    after = _loss(net, x, t)
    if not after < before:
        task = _("classification") if classification else _("regression")
        raise Failure(
            _(
                "{steps} SGD steps (lr = 0.1) with {name} on a small {task} batch did not lower "
                "the loss"
            ).format(steps=steps, name=name, task=task),
            _("a loss below {before:.6g}").format(before=before),
            f"{after:.6g}",
            _("the loss did not move: the layers may hold copies of params")
            if after == before
            else _("the gradient points uphill: check its sign"),
        )


@check("TwoLayerNet", "2_10", N_("a few SGD steps with numerical_gradient lower the loss"))
def twolayernet_descends_numerical(ctx: Context) -> None:
    _descends(ctx, _NUMERICAL, later=False, steps=3)


@check("TwoLayerNet", "2_18", N_("a few SGD steps with gradient (backprop) lower the loss"))
def twolayernet_descends_backprop(ctx: Context) -> None:
    _descends(ctx, _BACKPROP, later=True, steps=10)


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
            _("{name}(x, t) takes integer labels (t = {labels}); with those it is right").format(
                name=name, labels=labels.tolist()
            ),
            cause=_(
                "the course passes one-hot t: t = np.argmax(t, axis=1) when t.ndim == 2 accepts both"
            ),
        )


@check("TwoLayerNet", "2_8", N_("accuracy(x, t) is the fraction of samples predicted right"))
def twolayernet_accuracy(ctx: Context) -> None:
    _require(ctx, ("accuracy",))
    net, _params, x, t, classification = _setup(ctx)
    if not classification:
        raise Skip(_("a regression net has no accuracy"))
    name, method = _method(ctx, net, ("accuracy",))
    predict = find_method(net, ("predict", "forward"))
    if predict is None:
        raise Skip(_no_method(ctx.name, "predict"))
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
        _("{name}(x, t) with one-hot t").format(name=name),
        causes=[
            (
                _("counts the right answers without dividing by the batch size N = {n}").format(
                    n=_N
                ),
                expected * _N,
            )
        ],
    )
