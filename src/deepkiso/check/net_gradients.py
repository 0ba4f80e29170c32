"""A learner's net's gradients, and the reference ones they are compared with.

The reference is the float64 gradient of the recognised model (``net_models``),
else deepkiso's numerical gradient of the net's own loss; a gradient method
must leave the parameters as it found them.
"""

from __future__ import annotations

import numpy as np

from deepkiso.check.expect import (
    describe,
    expect_close,
    expect_unchanged,
)
from deepkiso.check.names import (
    source_line,
)
from deepkiso.check.net_models import (
    _N,
    _NUMERICAL,
    _copies_cause,
    _is_list_of_arrays,
    _loss,
    recognise,
)
from deepkiso.check.registry import Failure
from deepkiso.differentiation import numerical_gradient
from deepkiso.i18n import _


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
            _("params[{key}] after {what}").format(key=repr(key), what=what),
            _(
                "numerical_gradient leaves the parameters perturbed: put each original value back "
                "(x[idx] = tmp_val)"
            ),
        )
    if _is_list_of_arrays(result) and len(result) == len(params):  # vol. 2: [dW1, db1, dW2, db2]
        result = dict(zip(params, result, strict=True))
    if not isinstance(result, dict):
        raise Failure(
            _("{what} returned {value}").format(what=what, value=describe(result)),
            _("a dict {'W1': …, 'b1': …, 'W2': …, 'b2': …}"),
            describe(result),
        )
    grads = {}
    for key in params:
        value = result.get(key, result.get(key.lower()))
        if value is None:
            raise Failure(
                _("{what} returned keys {keys}; {key} is missing").format(
                    what=what, keys=sorted(result), key=key
                ),
                _("keys W1, b1, W2, b2"),
                _("keys {keys}").format(keys=sorted(result)),
            )
        grads[key] = np.array(value, dtype=np.float64)  # a copy: some nets reuse these buffers
        if grads[key].shape != params[key].shape:
            cause, line = _shape_cause(method, key, grads[key].shape, params)
            raise Failure(
                _(
                    "{key} of {what} has shape {shape}; params[{key_repr}] has shape {expected}"
                ).format(
                    key=key,
                    what=what,
                    shape=grads[key].shape,
                    key_repr=repr(key),
                    expected=params[key].shape,
                ),
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
        return _(
            "grads[{key}] has the shape of params[{other}]: a copy-paste slip, the gradient of "
            "{other_name} stored under {key}; compute it from params[{key}]"
        ).format(key=repr(key), other=repr(others[0]), other_name=others[0]), line
    if getattr(method, "__name__", "") in _NUMERICAL:
        return _(
            "numerical_gradient(f, x) returns an array of x's shape: pass params[{key}] itself as x"
        ).format(key=repr(key)), line
    if key.startswith("b") and shape and shape[0] == _N:
        return _("the bias gradient is not summed over the batch: db = np.sum(dout, axis=0)"), line
    return _("dW = xᵀ · dout has W's shape"), line


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
                _(
                    "{key} of {what} is not zero, yet changing params[{key_repr}] does not change "
                    "the loss"
                ).format(key=key, what=what, key_repr=repr(key)),
                describe(expected[key]),
                describe(received[key]),
                _copies_cause(key),
            )
        causes = [
            (
                _(
                    "the gradient is all zeros: numerical_gradient perturbs a copy of the parameter, "
                    "which loss never reads; perturb it in place and restore it"
                ),
                np.zeros_like(expected[key]),
            ),
            (
                _(
                    "{what} is N = {n} times the gradient of loss(x, t): the loss and the backward "
                    "pass disagree about dividing by the batch size (divide once, in both)"
                ).format(what=what, n=_N),
                expected[key] * _N,
            ),
            (
                _(
                    "{what} is the gradient of loss(x, t) divided by N = {n}: the loss and the "
                    "backward pass disagree about dividing by the batch size (divide once, in both)"
                ).format(what=what, n=_N),
                expected[key] / _N,
            ),
            (_("the sign is reversed"), -expected[key]),
        ]
        expect_close(
            received[key],
            expected[key],
            _("{key} of {what}").format(key=key, what=what),
            rtol=rtol,
            atol=atol,
            causes=causes,
        )
