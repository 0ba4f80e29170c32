"""Checks of a learner's activation and loss functions: sigmoid, relu, softmax, the two losses.

Exercises 2_7, 2_8, 2_11 and 2_12 use them. Each is compared with
``deepkiso.functions`` on one sample (1-D), on a batch (2-D), on extreme
inputs where the exercise needs them finite (softmax and cross-entropy at
±1000), and must leave its input unchanged.
"""

from __future__ import annotations

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import as_array, as_scalar, describe, expect_close, expect_unchanged
from deepkiso.check.registry import Context, Failure, check
from deepkiso.i18n import N_, _

# Values chosen away from 0, where nothing special happens, but with both signs.
_ONE_SAMPLE = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])


def _batch(ctx: Context, shape=(4, 3), scale: float = 2.0) -> np.ndarray:
    return scale * ctx.rng.standard_normal(shape)


def _call(ctx: Context, *args):
    return ctx.obj(*(np.array(a, copy=True) for a in args))


def _unchanged_after_call(ctx: Context, x: np.ndarray, cause: str) -> None:
    kept = x.copy()
    ctx.obj(x)
    expect_unchanged(
        kept,
        x,
        _("the caller's x, after {name}(x)").format(name=ctx.name),
        cause,
        written_by=(ctx.obj, "", "x"),
    )


def _for_shape(name: str, shape: tuple) -> str:
    return _("{name}(x) for x of shape {shape}").format(name=name, shape=shape)


def _at(name: str, x: str) -> str:
    return _("{name}(x) at x = {x}").format(name=name, x=x)


# --------------------------------------------------------------------------- sigmoid


def _sigmoid_causes(x):
    return [(_("uses exp(x) instead of exp(-x): y = 1 / (1 + exp(-x))"), 1 / (1 + np.exp(x)))]


@check("sigmoid", "2_8", N_("values on one sample (1-D)"))
def sigmoid_values(ctx: Context) -> None:
    x = _ONE_SAMPLE
    expect_close(_call(ctx, x), F.sigmoid(x), f"{ctx.name}(x)", causes=_sigmoid_causes(x))


@check("sigmoid", "2_8", N_("values on a batch (2-D)"))
def sigmoid_batch(ctx: Context) -> None:
    x = _batch(ctx)
    expect_close(
        _call(ctx, x), F.sigmoid(x), _for_shape(ctx.name, x.shape), causes=_sigmoid_causes(x)
    )


@check("sigmoid", "2_8", N_("finite at x = ±1000"))
def sigmoid_extremes(ctx: Context) -> None:
    x = np.array([-1000.0, 1000.0, 0.0])
    expect_close(_call(ctx, x), F.sigmoid(x), _at(ctx.name, "[-1000, 1000, 0]"), atol=1e-12)


@check("sigmoid", "2_8", N_("leaves its input unchanged"))
def sigmoid_input_unchanged(ctx: Context) -> None:
    _unchanged_after_call(ctx, _batch(ctx), _("sigmoid writes into x: compute a new array instead"))


# --------------------------------------------------------------------------- relu


def _relu_causes(x):
    return [
        (
            _("returns the derivative (1 where x > 0), not the value max(0, x)"),
            (x > 0).astype(float),
        )
    ]


@check("relu", "2_12", N_("values on one sample (1-D)"))
def relu_values(ctx: Context) -> None:
    x = _ONE_SAMPLE
    expect_close(_call(ctx, x), F.relu(x), f"{ctx.name}(x)", causes=_relu_causes(x))


@check("relu", "2_12", N_("values on a batch (2-D)"))
def relu_batch(ctx: Context) -> None:
    x = _batch(ctx)
    expect_close(_call(ctx, x), F.relu(x), _for_shape(ctx.name, x.shape), causes=_relu_causes(x))


@check("relu", "2_12", N_("leaves its input unchanged"))
def relu_input_unchanged(ctx: Context) -> None:
    _unchanged_after_call(
        ctx,
        _batch(ctx),
        _(
            "relu zeroed the caller's negative entries in place: return np.maximum(0, x), a new array"
        ),
    )


# --------------------------------------------------------------------------- softmax


def overflow_cause() -> str:
    """Why a softmax without the max shift gives nan at ±1000 (also told by the loss layers' checks)."""
    return _(
        "exp(1000) overflows to inf, and inf / inf is nan: subtract the maximum first, "
        "x - np.max(x, axis=-1, keepdims=True), which leaves the softmax unchanged"
    )


def row_overflow_cause() -> str:
    """Why a softmax shifted by the whole batch's maximum gives nan on a row far below it."""
    return _(
        "one maximum for the whole batch: a row far below it underflows to 0 / 0; "
        "subtract each row's own maximum, np.max(x, axis=-1, keepdims=True)"
    )


@check("softmax", "2_7", N_("values on one sample (1-D)"))
def softmax_values(ctx: Context) -> None:
    x = np.array([0.3, 2.9, 4.0])
    expect_close(_call(ctx, x), F.softmax(x), f"{ctx.name}(x)")


@check("softmax", "2_7", N_("values on a batch: each row sums to 1"))
def softmax_batch(ctx: Context) -> None:
    x = _batch(ctx) + np.array([[0.0], [3.0], [-2.0], [1.0]])  # rows on different levels
    e = np.exp(x)
    causes = [
        (
            _(
                "divides by the sum over the whole batch: sum each row, np.sum(e, axis=-1, keepdims=True)"
            ),
            e / e.sum(),
        ),
        (
            _("sums over axis 0 (down the batch): sum each row, np.sum(e, axis=-1, keepdims=True)"),
            e / e.sum(axis=0),
        ),
    ]
    expect_close(
        _call(ctx, x),
        F.softmax(x),
        _for_shape(ctx.name, x.shape),
        causes=causes,
        shape_cause=_("softmax must return an array of x's shape"),
    )


@check("softmax", "2_7", N_("finite at x = ±1000 (one sample and a batch)"))
def softmax_extremes(ctx: Context) -> None:
    x = np.array([1000.0, 999.0, -1000.0])
    y = as_array(_call(ctx, x), f"{ctx.name}(x)")
    if not np.isfinite(y).all():
        raise Failure(
            _("{what} contains inf or nan").format(what=_at(ctx.name, "[1000, 999, -1000]")),
            describe(F.softmax(x)),
            describe(y),
            overflow_cause(),
        )
    expect_close(y, F.softmax(x), _at(ctx.name, "[1000, 999, -1000]"))
    batch = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0]])
    y = as_array(_call(ctx, batch), f"{ctx.name}(x)")
    if not np.isfinite(y).all():
        raise Failure(
            _("{what} contains inf or nan").format(what=_at(ctx.name, str(batch.tolist()))),
            describe(F.softmax(batch)),
            describe(y),
            row_overflow_cause(),
        )
    expect_close(y, F.softmax(batch), _at(ctx.name, str(batch.tolist())))


@check("softmax", "2_7", N_("leaves its input unchanged"))
def softmax_input_unchanged(ctx: Context) -> None:
    cause = _("x -= np.max(x) changes the caller's array: write x = x - np.max(x, …), a new array")
    _unchanged_after_call(ctx, np.array([0.3, 2.9, 4.0]), cause)
    _unchanged_after_call(ctx, _batch(ctx), cause)


# --------------------------------------------------------------------------- cross_entropy_error


def _probabilities(ctx: Context, n: int = 4, c: int = 3) -> tuple[np.ndarray, np.ndarray]:
    y = F.softmax(ctx.rng.standard_normal((n, c)))
    labels = ctx.rng.integers(0, c, size=n)
    return y, labels


@check("cross_entropy_error", "2_7", N_("value on one sample (1-D, one-hot t)"))
def cross_entropy_error_values(ctx: Context) -> None:
    y = np.array([0.1, 0.05, 0.6, 0.25])
    t = np.array([0.0, 0.0, 1.0, 0.0])
    expected = F.cross_entropy_error(y, t)
    causes = [(_("the minus sign is missing: E = -Σ t log y"), -expected)]
    received = as_scalar(_call(ctx, y, t), f"{ctx.name}(y, t)")
    expect_close(received, expected, f"{ctx.name}(y, t)", rtol=1e-5, causes=causes)


@check("cross_entropy_error", "2_7", N_("a batch of one-hot targets: the mean over the batch"))
def cross_entropy_error_batch(ctx: Context) -> None:
    y, labels = _probabilities(ctx)
    t = F.to_one_hot(labels, y.shape[1], dtype=np.float64)
    n, c = y.shape
    expected = F.cross_entropy_error(y, t)
    causes = [
        (
            _(
                "sums over the batch without dividing by the batch size N = {n}: divide by y.shape[0]"
            ).format(n=n),
            expected * n,
        ),
        (_("divides by the batch size N twice"), expected / n),
        (
            _(
                "divides by the number of elements N·C = {size} (np.mean over everything): divide by N only"
            ).format(size=n * c),
            expected / c,
        ),
    ]
    what = _for_batch(ctx.name, n)
    received = as_scalar(_call(ctx, y, t), what)
    expect_close(received, expected, what, rtol=1e-5, causes=causes)


def _for_batch(name: str, n: int) -> str:
    return _("{name}(y, t) for a batch of {n}").format(name=name, n=n)


@check(
    "cross_entropy_error",
    "2_7",
    N_("a batch of integer labels"),
    limitation=N_("the course passes one-hot targets; integer labels are a convenience"),
)
def cross_entropy_error_labels(ctx: Context) -> None:
    y, labels = _probabilities(ctx)
    received = as_scalar(
        _call(ctx, y, labels),
        _("{call} with t = {t}").format(call=f"{ctx.name}(y, t)", t=labels.tolist()),
    )
    expect_close(
        received,
        F.cross_entropy_error(y, labels),
        _("{name}(y, t) with labels").format(name=ctx.name),
        rtol=1e-5,
    )


@check("cross_entropy_error", "2_7", N_("finite when y is 0 where t is 1"))
def cross_entropy_error_extremes(ctx: Context) -> None:
    y = np.array([1.0, 0.0, 0.0])  # softmax([1000, -1000, -1000]): exactly 0 in float64
    t = np.array([0.0, 1.0, 0.0])
    what = _("{name}(y, t) at y = {y}, t = {t}").format(name=ctx.name, y="[1, 0, 0]", t="[0, 1, 0]")
    received = as_scalar(_call(ctx, y, t), what)
    if not np.isfinite(received):
        raise Failure(
            _("{what} is {value}").format(what=what, value=received),
            _("a large finite number (about 16 with log(y + 1e-7))"),
            describe(received),
            _("log(0) is -inf: add a tiny delta inside the log, np.log(y + 1e-7)"),
        )
    if received < 10:
        raise Failure(
            _("{what} is {value}; a sure wrong answer must cost a lot").format(
                what=what, value=f"{received:.4g}"
            ),
            _("at least 10"),
            describe(received),
            _("the loss must be -Σ t log(y + delta)"),
        )


# --------------------------------------------------------------------------- sum_squared_error


@check("sum_squared_error", "2_11", N_("value on one sample (1-D)"))
def sum_squared_error_values(ctx: Context) -> None:
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.zeros(10)
    t[2] = 1.0
    expected = F.sum_squared_error(y, t)
    causes = [
        (_("the ½ is missing: E = ½ Σ (y - t)²"), 2 * expected),
        (
            _(
                "divides by y.shape[0], which for one 1-D sample is its number of elements ({size}), not the batch "
                "size 1: treat a 1-D y as a batch of one, y.reshape(1, -1)"
            ).format(size=y.size),
            expected / y.size,
        ),
    ]
    received = as_scalar(_call(ctx, y, t), f"{ctx.name}(y, t)")
    expect_close(received, expected, f"{ctx.name}(y, t)", causes=causes)


@check(
    "sum_squared_error",
    "2_11",
    N_("a batch: the mean over the batch"),
    limitation=N_(
        "the course's sum_squared_error is written for one sample; its loss layer divides by N"
    ),
)
def sum_squared_error_batch(ctx: Context) -> None:
    y = ctx.rng.standard_normal((4, 3))
    t = ctx.rng.standard_normal((4, 3))
    expected = F.sum_squared_error(y, t)
    causes = [(_("sums over the batch: divide by the batch size N = 4"), 4 * expected)]
    what = _for_batch(ctx.name, 4)
    received = as_scalar(_call(ctx, y, t), what)
    expect_close(received, expected, what, causes=causes)
