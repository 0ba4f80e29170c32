"""Checks of a learner's loss layers: SoftmaxWithLoss (2_15) and SquaredError (2_11).

forward on a batch against deepkiso's reference (the mean loss over N);
backward against the numerical gradient of the loss, with the usual wrong
answers named (not divided by N, divided twice, the sign reversed); finite at
extreme scores; and, as notes, one 1-D sample, integer labels and a dout
other than 1, which the exercises do not ask for.
"""

from __future__ import annotations

import inspect

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import (
    as_array,
    as_scalar,
    describe,
    expect_close,
    expect_unchanged,
)
from deepkiso.check.functions import overflow_cause, row_overflow_cause
from deepkiso.check.layers import _GRAD_ATOL, _GRAD_RTOL, _forward, _numerical
from deepkiso.check.names import call_method
from deepkiso.check.registry import Context, Failure, check
from deepkiso.i18n import N_, _

# --------------------------------------------------------------------------- SoftmaxWithLoss, SquaredError


def _loss_backward(layer, dout: float | None = None):
    """backward() as a loss layer is called (dout=1 by default), or backward(dout)."""
    if dout is not None:
        return layer.backward(dout)
    try:
        params = inspect.signature(layer.backward).parameters.values()
    except (TypeError, ValueError):
        return layer.backward(1.0)
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    needs_dout = any(p.default is inspect.Parameter.empty and p.kind in positional for p in params)
    return layer.backward(1.0) if needs_dout else layer.backward()


def _scores(ctx: Context, n: int = 4, c: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = ctx.rng.standard_normal((n, c))
    labels = ctx.rng.integers(0, c, size=n)
    return x, labels, F.to_one_hot(labels, c, dtype=np.float64)


def _softmax_loss_dx(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return _numerical(lambda z: F.softmax_cross_entropy(z, t), x)


def _dx_causes(y: np.ndarray, t: np.ndarray, n: int, one_sample: bool = False) -> list:
    causes = [
        (
            _("dx is not divided by the batch size: dx = (y - t) / N with N = {n}").format(n=n),
            (y - t),
        ),
        (_("dx is divided by the batch size twice"), (y - t) / (n * n)),
        (_("the sign is reversed: dx = (y - t) / N"), (t - y) / n),
    ]
    if one_sample:
        causes.insert(
            0,
            (
                _(
                    "dx is divided by t.shape[0], which for one 1-D sample is the number of classes "
                    "({classes}), not the batch size 1"
                ).format(classes=t.shape[-1]),
                (y - t) / t.shape[-1],
            ),
        )
    return causes


@check(
    "SoftmaxWithLoss",
    "2_15",
    N_("forward on a batch (one-hot t): the mean cross-entropy"),
    needs=("forward",),
)
def softmaxwithloss_forward_batch(ctx: Context) -> None:
    x, _labels, t = _scores(ctx)
    n = x.shape[0]
    expected = F.softmax_cross_entropy(x, t)
    causes = [
        (_summed_over_the_batch(n), expected * n),
        (_divided_twice(), expected / n),
        (_("the minus sign is missing: E = -Σ t log y"), -expected),
    ]
    what = _("forward(x, t) for a batch of {n}").format(n=n)
    loss = as_scalar(_forward(ctx.obj(), x, t), what)
    expect_close(loss, expected, what, rtol=1e-5, atol=1e-5, causes=causes)


def _summed_over_the_batch(n: int) -> str:
    return _("the loss is summed over the batch: divide by the batch size N = {n}").format(n=n)


def _divided_twice() -> str:
    return _("the loss is divided by the batch size N twice")


@check("SoftmaxWithLoss", "2_15", N_("backward: dx = (y - t) / N matches the numerical gradient"))
def softmaxwithloss_backward(ctx: Context) -> None:
    x, _labels, t = _scores(ctx)
    layer = ctx.obj()
    _forward(layer, x, t)
    dx = _loss_backward(layer)
    expect_close(
        dx,
        _softmax_loss_dx(x, t),
        "backward()",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=_dx_causes(F.softmax(x), t, x.shape[0]),
    )


@check("SoftmaxWithLoss", "2_15", N_("finite at scores of ±1000"))
def softmaxwithloss_extremes(ctx: Context) -> None:
    x = np.array(
        [
            [1000.0, 0.0, -1000.0],
            [-1000.0, 1000.0, 999.0],
            [0.0, 0.0, 0.0],
            [-1000.0, -1000.0, -999.0],
        ]
    )
    labels = np.array([1, 2, 0, 2])
    t = F.to_one_hot(labels, 3, dtype=np.float64)
    layer = ctx.obj()
    at_extremes = _("{call} at scores of ±1000")
    loss = as_scalar(_forward(layer, x, t), at_extremes.format(call="forward(x, t)"))
    dx = as_array(_loss_backward(layer), at_extremes.format(call="backward()"))
    if not np.isfinite(loss) or not np.isfinite(dx).all():
        if dx.shape == x.shape and not np.isfinite(dx).all():
            cause = overflow_cause() if not np.isfinite(dx[0]).all() else row_overflow_cause()
        else:
            cause = _("log(0) is -inf: take log(y + 1e-7) in the cross-entropy")
        raise Failure(
            _("the loss or dx is not finite at scores of ±1000"),
            _("a finite loss and dx {dx}").format(dx=describe((F.softmax(x) - t) / 4)),
            _("loss {loss}, dx {dx}").format(loss=describe(loss), dx=describe(dx)),
            cause,
        )
    expect_close(dx, (F.softmax(x) - t) / 4, at_extremes.format(call="backward()"), atol=1e-7)


@check(
    "SoftmaxWithLoss",
    "2_15",
    N_("one sample (1-D x and t) works too"),
    limitation=N_("2_15 works on batches; one sample works as a batch of one, x.reshape(1, -1)"),
)
def softmaxwithloss_one_sample(ctx: Context) -> None:
    x = np.array([0.3, 2.9, 4.0])
    t = np.array([0.0, 1.0, 0.0])
    layer = ctx.obj()
    for_one = _("{call} for one sample")
    loss = as_scalar(_forward(layer, x, t), for_one.format(call="forward(x, t)"))
    expect_close(
        loss,
        F.softmax_cross_entropy(x, t),
        for_one.format(call="forward(x, t)"),
        rtol=1e-5,
        atol=1e-5,
    )
    expect_close(
        _loss_backward(layer),
        F.softmax(x) - t,
        for_one.format(call="backward()"),
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=_dx_causes(F.softmax(x), t, 1, one_sample=True),
    )


@check(
    "SoftmaxWithLoss",
    "2_15",
    N_("integer labels as t work too"),
    limitation=N_("the course passes one-hot targets; integer labels are a convenience"),
)
def softmaxwithloss_labels(ctx: Context) -> None:
    x, labels, t = _scores(ctx)
    layer = ctx.obj()
    loss = as_scalar(
        _forward(layer, x, labels),
        _("{call} with t = {t}").format(call="forward(x, t)", t=labels.tolist()),
    )
    expect_close(
        loss,
        F.softmax_cross_entropy(x, labels),
        _("forward(x, t) with integer labels"),
        rtol=1e-5,
        atol=1e-5,
    )
    expect_close(
        _loss_backward(layer),
        _softmax_loss_dx(x, t),
        _("backward() after integer labels"),
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
    )


@check(
    "SoftmaxWithLoss",
    "2_15",
    N_("backward scales with dout (backward(2) gives 2·dx)"),
    limitation=N_("the loss layer is the last layer, so in a net the dout it receives is always 1"),
)
def softmaxwithloss_scales_with_dout(ctx: Context) -> None:
    x, _labels, t = _scores(ctx)
    layer = ctx.obj()
    _forward(layer, x, t)
    once = as_array(_loss_backward(layer, 1.0), "backward(1)")
    _forward(layer, x, t)
    expect_close(
        _loss_backward(layer, 2.0),
        2 * once,
        "backward(2)",
        causes=[(_("backward ignores dout: dx = dout · (y - t) / N"), once)],
    )


@check("SoftmaxWithLoss", "2_15", N_("forward and backward leave x and t unchanged"))
def softmaxwithloss_unchanged(ctx: Context) -> None:
    x, _labels, t = _scores(ctx)
    given_x, given_t = x.copy(), t.copy()
    layer = ctx.obj()
    call_method(layer.forward, given_x, given_t, training=True)
    _loss_backward(layer)
    cause = _("the layer writes into the caller's array (x -= max, say): compute new arrays")
    for name, before, after in (("x", x, given_x), ("t", t, given_t)):
        expect_unchanged(
            before,
            after,
            _("the caller's {name} after forward and backward").format(name=name),
            cause,
            written_by=(ctx.obj, "backward", name),
        )


@check(
    "SquaredError",
    "2_11",
    N_("forward on a batch: ½ Σ (y - t)² divided by N"),
    needs=("forward",),
)
def squarederror_forward_batch(ctx: Context) -> None:
    y, t = ctx.rng.standard_normal((4, 2)), ctx.rng.standard_normal((4, 2))
    expected = F.sum_squared_error(y, t)
    causes = [
        (_summed_over_the_batch(4), expected * 4),
        (_("the ½ is missing: L = ½ Σ (y - t)² / N"), expected * 2),
        (_divided_twice(), expected / 4),
    ]
    what = _("forward(y, t) for a batch of {n}").format(n=4)
    loss = as_scalar(_forward(ctx.obj(), y, t), what)
    expect_close(loss, expected, what, causes=causes)


@check("SquaredError", "2_11", N_("backward: (y - t) / N matches the numerical gradient"))
def squarederror_backward(ctx: Context) -> None:
    y, t = ctx.rng.standard_normal((4, 2)), ctx.rng.standard_normal((4, 2))
    layer = ctx.obj()
    _forward(layer, y, t)
    expected = _numerical(lambda z: F.sum_squared_error(z, t), y)
    causes = [
        (_("dy is not divided by the batch size: dy = (y - t) / N with N = 4"), y - t),
        (_("the sign is reversed: dy = (y - t) / N"), (t - y) / 4),
    ]
    expect_close(
        _loss_backward(layer),
        expected,
        "backward()",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes,
    )
