"""Checks of a learner's Affine layer (2_14): forward, the three gradients, dout's scale, side effects.

backward's dx, dW and db are compared with the numerical gradient (deepkiso's
``numerical_gradient``, float64) of L = Σ (x · W + b) · dout for a random dout,
with the classic wrong answers named (a missing transpose, db not summed over
the batch, a gradient divided by N); one 1-D sample is a note. The helpers are
the other layers' (``layers``).
"""

from __future__ import annotations

import numpy as np

from deepkiso.check.expect import (
    as_array,
    describe,
    diagnose,
    expect_close,
    expect_unchanged,
    raised,
)
from deepkiso.check.layers import (
    _GRAD_ATOL,
    _GRAD_RTOL,
    _backward,
    _forward,
    _ignores_dout,
    _numerical,
    _of,
)
from deepkiso.check.names import call_method, find_array
from deepkiso.check.registry import Context, Failure, check
from deepkiso.i18n import N_, _

_N, _D_IN, _D_OUT = 5, 4, 3


def _affine_arrays(ctx: Context, d_in: int = _D_IN, d_out: int = _D_OUT):
    x = ctx.rng.standard_normal((_N, d_in))
    W = ctx.rng.standard_normal((d_in, d_out))
    b = ctx.rng.standard_normal(d_out)
    dout = ctx.rng.standard_normal((_N, d_out))
    return x, W, b, dout


def _affine_gradient(layer, which: str):
    """(where, value) of the learner's dW or db after backward, under the spellings the course uses
    (self.dW, self.grads["W"], or the second volume's self.grads[0])."""
    if which == "W":
        found = find_array(
            layer, ("dW", "dw", "grad_W", "gW"), ("grads", "grad", "gradients"), ("W", "w", "dW")
        )
    else:
        found = find_array(
            layer, ("db", "grad_b", "gb"), ("grads", "grad", "gradients"), ("b", "db")
        )
    grads = getattr(layer, "grads", None)
    if (
        found is None and isinstance(grads, (list, tuple)) and len(grads) == 2
    ):  # vol. 2: grads = [dW, db]
        index = 0 if which == "W" else 1
        found = f"self.grads[{index}]", grads[index]
    if found is None:
        raise Failure(
            _("after backward, the layer has neither self.d{which} nor self.grads[{key}]").format(
                which=which, key=repr(which)
            ),
            _("d{which} stored on the layer").format(which=which),
            _("nothing"),
            _("store dL/d{which} as self.d{which} in backward").format(which=which),
        )
    return found


def _square_diagnosis(ctx: Context) -> str:
    """Why dx is wrong, told from a square W, where a missing transpose does not crash."""
    x, W, b, dout = _affine_arrays(ctx, d_in=3, d_out=3)
    try:
        layer = ctx.obj(W.copy(), b.copy())
        _forward(layer, x)
        dx = _backward(layer, dout)
    except Exception:  # noqa: BLE001 - only a diagnosis: the failure itself is already reported
        return ""
    return diagnose(
        dx,
        [
            (
                _("dx = dout · W: W must be transposed, dx = dout · Wᵀ (np.dot(dout, self.W.T))"),
                dout @ W,
            ),
            (_ignores_dout(), np.ones_like(dout) @ W.T),
        ],
    )


@check("Affine", "2_14", N_("forward on a batch: x · W + b"), needs=("__init__", "forward"))
def affine_forward_batch(ctx: Context) -> None:
    x, W, b, _dout = _affine_arrays(ctx)
    y = _forward(ctx.obj(W.copy(), b.copy()), x)
    expect_close(
        y,
        x @ W + b,
        _("forward(x) for x of shape {x_shape}, W {w_shape}").format(
            x_shape=x.shape, w_shape=W.shape
        ),
        causes=[(_("b is not added: y = x · W + b"), x @ W)],
    )


@check("Affine", "2_14", N_("backward: dx = dout · Wᵀ matches the numerical gradient"))
def affine_backward_dx(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    layer = ctx.obj(W.copy(), b.copy())
    _forward(layer, x)
    expected = _numerical(lambda z: np.sum((z @ W + b) * dout), x)
    try:
        dx = _backward(layer, dout)
    except Exception as exc:
        cause = _square_diagnosis(ctx)
        if not cause:
            raise
        raise Failure(raised(exc), describe(expected), _("an error"), cause) from exc
    try:
        expect_close(
            dx,
            expected,
            _of("dx", "backward(dout)"),
            rtol=_GRAD_RTOL,
            atol=_GRAD_ATOL,
            shape_cause=_("dx must have x's shape {shape}").format(shape=x.shape),
        )
    except Failure as failure:
        failure.cause = failure.cause or _square_diagnosis(ctx)
        raise


@check("Affine", "2_14", N_("backward: dW = xᵀ · dout matches the numerical gradient"))
def affine_backward_dw(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    layer = ctx.obj(W.copy(), b.copy())
    _forward(layer, x)
    _backward(layer, dout)
    where, dW = _affine_gradient(layer, "W")
    expected = _numerical(lambda w: np.sum((x @ w + b) * dout), W)
    causes = [
        (
            _("dW = doutᵀ · x has Wᵀ's shape: use dW = xᵀ · dout (np.dot(self.x.T, dout))"),
            dout.T @ x,
        ),
        (
            _(
                "dW is divided by the batch size N = {n}: the loss layer already divides by N, Affine must not"
            ).format(n=_N),
            expected / _N,
        ),
        (_ignores_dout(), x.T @ np.ones_like(dout)),
    ]
    expect_close(
        dW,
        expected,
        f"dW ({where})",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes,
        shape_cause=_("dW must have W's shape {shape}: dW = xᵀ · dout").format(shape=W.shape),
    )


@check("Affine", "2_14", N_("backward: db = dout summed over the batch"))
def affine_backward_db(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    layer = ctx.obj(W.copy(), b.copy())
    _forward(layer, x)
    _backward(layer, dout)
    where, db = _affine_gradient(layer, "b")
    expected = _numerical(lambda v: np.sum((x @ W + v) * dout), b)
    causes = [
        (_db_not_summed(dout.shape), dout),
        (
            _(
                "db is the mean over the batch: it should be the sum, np.sum(dout, axis=0) (the loss layer already "
                "divided by N)"
            ),
            dout.mean(axis=0),
        ),
        (
            _("db sums over axis 1: sum over the batch axis, np.sum(dout, axis=0)"),
            dout.sum(axis=1),
        ),
        (
            _("db sums every element: sum over the batch axis only, np.sum(dout, axis=0)"),
            dout.sum(),
        ),
    ]
    expect_close(
        db,
        expected,
        f"db ({where})",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes,
        shape_cause=_db_not_summed,
    )


def _db_not_summed(shape: tuple) -> str:
    return _(
        "db has shape {shape}; it should be ({n},): sum dout over the batch axis (axis=0)"
    ).format(shape=shape, n=_D_OUT)


@check("Affine", "2_14", N_("backward scales with dout (2·dout gives 2·dx, 2·dW, 2·db)"))
def affine_scales_with_dout(ctx: Context) -> None:
    x, W, b, _dout = _affine_arrays(ctx)
    ones = np.ones((_N, _D_OUT))
    results = []
    for dout in (ones, 2 * ones):
        layer = ctx.obj(W.copy(), b.copy())
        _forward(layer, x)
        dx = as_array(_backward(layer, dout), "dx")
        results.append(
            (
                dx,
                as_array(_affine_gradient(layer, "W")[1], "dW"),
                as_array(_affine_gradient(layer, "b")[1], "db"),
            )
        )
    for name, once, twice in zip(("dx", "dW", "db"), *results, strict=True):
        expect_close(
            twice, 2 * once, _of(name, "backward(2 · ones)"), causes=[(_ignores_dout(), once)]
        )


@check(
    "Affine",
    "2_14",
    N_("one sample (1-D x) works too"),
    limitation=N_(
        "2_14 asks for the batch version; one sample works as a batch of one, x.reshape(1, -1)"
    ),
)
def affine_one_sample(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    x1, dout1 = x[0], dout[0]
    layer = ctx.obj(W.copy(), b.copy())
    expect_close(_forward(layer, x1), x1 @ W + b, _("forward(x) for x of shape (4,)"))
    expect_close(
        _backward(layer, dout1),
        W @ dout1,
        _("dx of backward(dout) for dout of shape (3,)"),
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
    )
    where, dW = _affine_gradient(layer, "W")
    one_sample = _("{name} ({where}) for one sample")
    expect_close(
        dW,
        np.outer(x1, dout1),
        one_sample.format(name="dW", where=where),
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
    )
    where, db = _affine_gradient(layer, "b")
    expect_close(
        db, dout1, one_sample.format(name="db", where=where), rtol=_GRAD_RTOL, atol=_GRAD_ATOL
    )


@check("Affine", "2_14", N_("forward and backward leave x, W, b and dout unchanged"))
def affine_unchanged(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    arrays = {"x": x.copy(), "W": W.copy(), "b": b.copy(), "dout": dout.copy()}
    given = {name: a.copy() for name, a in arrays.items()}
    layer = ctx.obj(given["W"], given["b"])
    call_method(layer.forward, given["x"], training=True)
    layer.backward(given["dout"])
    for name, kept in arrays.items():
        expect_unchanged(
            kept,
            given[name],
            _("the caller's {name} after forward and backward").format(name=name),
            _(
                "the layer writes into {name}: compute new arrays (only an optimizer changes W and b)"
            ).format(name=name),
            written_by=(ctx.obj, "backward", name),
        )
