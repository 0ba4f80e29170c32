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
from deepkiso.check.functions import OVERFLOW_CAUSE, ROW_OVERFLOW_CAUSE
from deepkiso.check.layers import _GRAD_ATOL, _GRAD_RTOL, _forward, _numerical
from deepkiso.check.names import call_method
from deepkiso.check.registry import Context, Failure, check

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
        (f"dx is not divided by the batch size: dx = (y - t) / N with N = {n}", (y - t)),
        ("dx is divided by the batch size twice", (y - t) / (n * n)),
        ("the sign is reversed: dx = (y - t) / N", (t - y) / n),
    ]
    if one_sample:
        causes.insert(
            0,
            (
                f"dx is divided by t.shape[0], which for one 1-D sample is the number of classes "
                f"({t.shape[-1]}), not the batch size 1",
                (y - t) / t.shape[-1],
            ),
        )
    return causes


@check(
    "SoftmaxWithLoss",
    "2_15",
    "forward on a batch (one-hot t): the mean cross-entropy",
    needs=("forward",),
)
def softmaxwithloss_forward_batch(ctx: Context) -> None:
    x, _, t = _scores(ctx)
    n = x.shape[0]
    expected = F.softmax_cross_entropy(x, t)
    causes = [
        (f"the loss is summed over the batch: divide by the batch size N = {n}", expected * n),
        ("the loss is divided by the batch size N twice", expected / n),
        ("the minus sign is missing: E = -Σ t log y", -expected),
    ]
    loss = as_scalar(_forward(ctx.obj(), x, t), f"forward(x, t) for a batch of {n}")
    expect_close(
        loss, expected, f"forward(x, t) for a batch of {n}", rtol=1e-5, atol=1e-5, causes=causes
    )


@check("SoftmaxWithLoss", "2_15", "backward: dx = (y - t) / N matches the numerical gradient")
def softmaxwithloss_backward(ctx: Context) -> None:
    x, _, t = _scores(ctx)
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


@check("SoftmaxWithLoss", "2_15", "finite at scores of ±1000")
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
    loss = as_scalar(_forward(layer, x, t), "forward(x, t) at scores of ±1000")
    dx = as_array(_loss_backward(layer), "backward() at scores of ±1000")
    if not np.isfinite(loss) or not np.isfinite(dx).all():
        if dx.shape == x.shape and not np.isfinite(dx).all():
            cause = OVERFLOW_CAUSE if not np.isfinite(dx[0]).all() else ROW_OVERFLOW_CAUSE
        else:
            cause = "log(0) is -inf: take log(y + 1e-7) in the cross-entropy"
        raise Failure(
            "the loss or dx is not finite at scores of ±1000",
            f"a finite loss and dx {describe((F.softmax(x) - t) / 4)}",
            f"loss {describe(loss)}, dx {describe(dx)}",
            cause,
        )
    expect_close(dx, (F.softmax(x) - t) / 4, "backward() at scores of ±1000", atol=1e-7)


@check(
    "SoftmaxWithLoss",
    "2_15",
    "one sample (1-D x and t) works too",
    limitation="2_15 works on batches; one sample works as a batch of one, x.reshape(1, -1)",
)
def softmaxwithloss_one_sample(ctx: Context) -> None:
    x = np.array([0.3, 2.9, 4.0])
    t = np.array([0.0, 1.0, 0.0])
    layer = ctx.obj()
    loss = as_scalar(_forward(layer, x, t), "forward(x, t) for one sample")
    expect_close(
        loss, F.softmax_cross_entropy(x, t), "forward(x, t) for one sample", rtol=1e-5, atol=1e-5
    )
    expect_close(
        _loss_backward(layer),
        F.softmax(x) - t,
        "backward() for one sample",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=_dx_causes(F.softmax(x), t, 1, one_sample=True),
    )


@check(
    "SoftmaxWithLoss",
    "2_15",
    "integer labels as t work too",
    limitation="the course passes one-hot targets; integer labels are a convenience",
)
def softmaxwithloss_labels(ctx: Context) -> None:
    x, labels, t = _scores(ctx)
    layer = ctx.obj()
    loss = as_scalar(_forward(layer, x, labels), f"forward(x, t) with t = {labels.tolist()}")
    expect_close(
        loss,
        F.softmax_cross_entropy(x, labels),
        "forward(x, t) with integer labels",
        rtol=1e-5,
        atol=1e-5,
    )
    expect_close(
        _loss_backward(layer),
        _softmax_loss_dx(x, t),
        "backward() after integer labels",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
    )


@check(
    "SoftmaxWithLoss",
    "2_15",
    "backward scales with dout (backward(2) gives 2·dx)",
    limitation="the loss layer is the last layer, so in a net the dout it receives is always 1",
)
def softmaxwithloss_scales_with_dout(ctx: Context) -> None:
    x, _, t = _scores(ctx)
    layer = ctx.obj()
    _forward(layer, x, t)
    once = as_array(_loss_backward(layer, 1.0), "backward(1)")
    _forward(layer, x, t)
    expect_close(
        _loss_backward(layer, 2.0),
        2 * once,
        "backward(2)",
        causes=[("backward ignores dout: dx = dout · (y - t) / N", once)],
    )


@check("SoftmaxWithLoss", "2_15", "forward and backward leave x and t unchanged")
def softmaxwithloss_unchanged(ctx: Context) -> None:
    x, _, t = _scores(ctx)
    given_x, given_t = x.copy(), t.copy()
    layer = ctx.obj()
    call_method(layer.forward, given_x, given_t, training=True)
    _loss_backward(layer)
    cause = "the layer writes into the caller's array (x -= max, say): compute new arrays"
    expect_unchanged(x, given_x, "the caller's x after forward and backward", cause)
    expect_unchanged(t, given_t, "the caller's t after forward and backward", cause)


@check("SquaredError", "2_11", "forward on a batch: ½ Σ (y - t)² divided by N", needs=("forward",))
def squarederror_forward_batch(ctx: Context) -> None:
    y, t = ctx.rng.standard_normal((4, 2)), ctx.rng.standard_normal((4, 2))
    expected = F.sum_squared_error(y, t)
    causes = [
        ("the loss is summed over the batch: divide by the batch size N = 4", expected * 4),
        ("the ½ is missing: L = ½ Σ (y - t)² / N", expected * 2),
        ("the loss is divided by the batch size N twice", expected / 4),
    ]
    loss = as_scalar(_forward(ctx.obj(), y, t), "forward(y, t) for a batch of 4")
    expect_close(loss, expected, "forward(y, t) for a batch of 4", causes=causes)


@check("SquaredError", "2_11", "backward: (y - t) / N matches the numerical gradient")
def squarederror_backward(ctx: Context) -> None:
    y, t = ctx.rng.standard_normal((4, 2)), ctx.rng.standard_normal((4, 2))
    layer = ctx.obj()
    _forward(layer, y, t)
    expected = _numerical(lambda z: F.sum_squared_error(z, t), y)
    causes = [
        ("dy is not divided by the batch size: dy = (y - t) / N with N = 4", y - t),
        ("the sign is reversed: dy = (y - t) / N", (t - y) / 4),
    ]
    expect_close(
        _loss_backward(layer),
        expected,
        "backward()",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes,
    )
