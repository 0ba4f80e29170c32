"""Checks of a learner's layers: AddLayer, MulLayer, Relu, Sigmoid, Tanh (2_12, 2_13) and Affine (2_14); the losses are in ``loss_layers``.

For each layer: forward against ``deepkiso``'s reference on one sample and on
a batch; backward against the numerical gradient (deepkiso's
``numerical_gradient``, float64) of L = Σ forward(x) · dout for a random dout;
that backward scales with dout (2·ones gives twice what ones gives); batch
handling (db summed over the batch, the loss divided by N once); and side
effects (forward must not change the caller's x). What the exercise does not
ask for (a batch layer given one 1-D sample, integer labels, a loss layer's
dout) is reported as a note.
"""

from __future__ import annotations

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import (
    as_array,
    as_scalar,
    describe,
    diagnose,
    expect_close,
    expect_unchanged,
    raised,
)
from deepkiso.check.names import call_method, find_array
from deepkiso.check.registry import Context, Failure, check
from deepkiso.differentiation import numerical_gradient

_GRAD_RTOL, _GRAD_ATOL = 1e-5, 1e-7
_IGNORES_DOUT = "backward ignores dout: multiply the local derivative by dout (chain rule: dL/dx = dL/dy · dy/dx)"


def _forward(layer, *inputs):
    """layer.forward on copies of the inputs (with train_flg=True where it takes one)."""
    return call_method(layer.forward, *(np.array(a, copy=True) for a in inputs), training=True)


def _backward(layer, dout):
    return layer.backward(np.array(dout, copy=True))


def _numerical(f, x: np.ndarray) -> np.ndarray:
    """deepkiso's numerical gradient of the scalar f at a float64 copy of x."""
    return numerical_gradient(lambda z: float(f(z)), np.array(x, dtype=np.float64, copy=True))


def _away_from_zero(ctx: Context, shape) -> np.ndarray:
    """Values in ±[0.2, 2], so no element sits on ReLU's kink within a difference step."""
    return ctx.rng.choice([-1.0, 1.0], size=shape) * ctx.rng.uniform(0.2, 2.0, size=shape)


def _pair(result, what: str) -> tuple | list:
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Failure(
            f"{what} should return two gradients (dx, dy)",
            "a pair (dx, dy)",
            describe(result),
            "return dx, dy",
        )
    return result


# --------------------------------------------------------------------------- activations: Relu, Sigmoid


def _relu_causes(x, dout):
    return [
        (_IGNORES_DOUT, (x > 0).astype(float)),
        (
            "passes dout where x <= 0 and blocks it where x > 0: the mask is the wrong way round",
            np.where(x > 0, 0.0, dout),
        ),
    ]


def _sigmoid_causes(x, dout):
    y = F.sigmoid(x)
    return [
        (_IGNORES_DOUT, y * (1 - y)),
        (
            "uses the input x: the derivative is y(1 - y) with y the forward output (keep it as self.out)",
            dout * x * (1 - x),
        ),
    ]


def _tanh_causes(x, dout):
    y = F.tanh(x)
    return [
        (_IGNORES_DOUT, 1 - y**2),
        (
            "uses the input x: dy/dx = 1 - y² with y the forward output (keep it as self.out)",
            dout * (1 - x**2),
        ),
        ("uses sigmoid's derivative y(1 - y): tanh's is 1 - y²", dout * y * (1 - y)),
    ]


_ACTIVATIONS = {
    # subject: (reference forward, wrong-answer causes for dx, what forward must not do)
    "Relu": (
        F.relu,
        _relu_causes,
        "forward set the caller's x to 0 where x <= 0 (in place): "
        "work on a copy, out = x.copy(); out[self.mask] = 0",
    ),
    "Sigmoid": (
        F.sigmoid,
        _sigmoid_causes,
        "forward wrote into the caller's x: compute a new array",
    ),
    "Tanh": (F.tanh, _tanh_causes, "forward wrote into the caller's x: compute a new array"),
}


def _check_activation_backward(ctx: Context, subject: str, x: np.ndarray, label: str) -> None:
    reference, causes, _ = _ACTIVATIONS[subject]
    dout = ctx.rng.standard_normal(x.shape)
    layer = ctx.obj()
    expect_close(_forward(layer, x), reference(x), f"forward(x) for {label}")
    dx = _backward(layer, dout)
    expected = _numerical(lambda z: np.sum(reference(z) * dout), x)
    expect_close(
        dx,
        expected,
        f"backward(dout) for {label}",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes(x, dout),
    )


def _register_activation(subject: str) -> None:
    reference, _, in_place_cause = _ACTIVATIONS[subject]

    @check(
        subject, "2_12", "forward on one sample (1-D)", name="forward_online", needs=("forward",)
    )
    def forward_online(ctx: Context) -> None:
        x = np.array([-1.5, -0.4, 0.0, 0.7, 2.0])
        expect_close(
            _forward(ctx.obj(), x), reference(x), f"{ctx.name}().forward(x) for x = {x.tolist()}"
        )

    @check(
        subject,
        "2_12",
        "backward on one sample matches the numerical gradient",
        name="backward_online",
    )
    def backward_online(ctx: Context) -> None:
        _check_activation_backward(
            ctx, subject, _away_from_zero(ctx, (5,)), "one sample of shape (5,)"
        )

    @check(subject, "2_13", "forward and backward on a batch (2-D)", name="batch")
    def batch(ctx: Context) -> None:
        _check_activation_backward(
            ctx, subject, _away_from_zero(ctx, (4, 3)), "a batch of shape (4, 3)"
        )

    @check(
        subject, "2_12", "backward scales with dout (2·dout gives 2·dx)", name="scales_with_dout"
    )
    def scales_with_dout(ctx: Context) -> None:
        x = _away_from_zero(ctx, (4, 3))
        layer = ctx.obj()
        _forward(layer, x)
        once = as_array(_backward(layer, np.ones_like(x)), "backward(ones)")
        _forward(layer, x)
        twice = _backward(layer, 2 * np.ones_like(x))
        expect_close(twice, 2 * once, "backward(2 · ones)", causes=[(_IGNORES_DOUT, once)])

    @check(
        subject,
        "2_12",
        "forward leaves the caller's x unchanged",
        name="input_unchanged",
        needs=("forward",),
    )
    def input_unchanged(ctx: Context) -> None:
        x = _away_from_zero(ctx, (4, 3))
        kept = x.copy()
        layer = ctx.obj()
        call_method(layer.forward, x, training=True)
        expect_unchanged(kept, x, "the caller's x after forward(x)", in_place_cause)

    @check(
        subject,
        "2_12",
        "backward leaves the caller's dout unchanged",
        name="dout_unchanged",
        limitation="inside a net the dout a layer receives is a temporary nobody reads again, "
        "so this is harmless there",
    )
    def dout_unchanged(ctx: Context) -> None:
        x = _away_from_zero(ctx, (4, 3))
        dout = ctx.rng.standard_normal(x.shape)
        kept = dout.copy()
        layer = ctx.obj()
        _forward(layer, x)
        layer.backward(dout)
        expect_unchanged(
            kept,
            dout,
            "the caller's dout after backward(dout)",
            "backward writes into dout (e.g. dout[self.mask] = 0): start from a copy, dx = dout.copy()",
        )


for _subject in _ACTIVATIONS:
    _register_activation(_subject)


@check("Sigmoid", "2_12", "finite at x = ±1000, forward and backward")
def sigmoid_extremes(ctx: Context) -> None:
    x = np.array([-1000.0, 1000.0, 0.0])
    layer = ctx.obj()
    expect_close(_forward(layer, x), F.sigmoid(x), "forward(x) at x = [-1000, 1000, 0]", atol=1e-12)
    dout = np.array([1.0, 1.0, 1.0])
    expect_close(
        _backward(layer, dout),
        np.array([0.0, 0.0, 0.25]),
        "backward(ones) at x = [-1000, 1000, 0]",
        atol=1e-12,
    )


# --------------------------------------------------------------------------- AddLayer, MulLayer


@check("AddLayer", "2_12", "forward on two numbers: 100 + 150", needs=("forward",))
def addlayer_forward_scalars(ctx: Context) -> None:
    expect_close(
        as_scalar(ctx.obj().forward(100.0, 150.0), "forward(100, 150)"), 250.0, "forward(100, 150)"
    )


@check("AddLayer", "2_12", "backward passes dout to both inputs")
def addlayer_backward_scalars(ctx: Context) -> None:
    layer = ctx.obj()
    layer.forward(100.0, 150.0)
    dx, dy = _pair(layer.backward(1.3), "backward(1.3)")
    causes = [(_IGNORES_DOUT, 1.0)]
    expect_close(as_scalar(dx, "dx"), 1.3, "dx of backward(1.3)", causes=causes)
    expect_close(as_scalar(dy, "dy"), 1.3, "dy of backward(1.3)", causes=causes)


@check("MulLayer", "2_12", "forward on two numbers: 100 × 2", needs=("forward",))
def mullayer_forward_scalars(ctx: Context) -> None:
    expect_close(
        as_scalar(ctx.obj().forward(100.0, 2.0), "forward(100, 2)"), 200.0, "forward(100, 2)"
    )


@check("MulLayer", "2_12", "backward swaps the inputs: (dout · y, dout · x)")
def mullayer_backward_scalars(ctx: Context) -> None:
    layer = ctx.obj()
    layer.forward(100.0, 2.0)
    dx, dy = _pair(layer.backward(1.5), "backward(1.5)")
    swap = "the inputs must swap: dx = dout · y and dy = dout · x"
    expect_close(
        as_scalar(dx, "dx"),
        3.0,
        "dx of backward(1.5) after forward(100, 2)",
        causes=[(swap, 150.0), (_IGNORES_DOUT, 2.0)],
    )
    expect_close(
        as_scalar(dy, "dy"),
        150.0,
        "dy of backward(1.5) after forward(100, 2)",
        causes=[(swap, 3.0), (_IGNORES_DOUT, 100.0)],
    )


def _node_batch(ctx: Context, reference, swap_causes: bool) -> None:
    x, y = ctx.rng.standard_normal((4, 3)), ctx.rng.standard_normal((4, 3))
    dout = ctx.rng.standard_normal((4, 3))
    layer = ctx.obj()
    expect_close(_forward(layer, x, y), reference(x, y), "forward(x, y) for x, y of shape (4, 3)")
    dx, dy = _pair(_backward(layer, dout), "backward(dout)")
    expected_dx = _numerical(lambda z: np.sum(reference(z, y) * dout), x)
    expected_dy = _numerical(lambda z: np.sum(reference(x, z) * dout), y)
    swap = "the inputs must swap: dx = dout · y and dy = dout · x"
    expect_close(
        dx,
        expected_dx,
        "dx of backward(dout)",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=[(swap, dout * x)] if swap_causes else [],
    )
    expect_close(
        dy,
        expected_dy,
        "dy of backward(dout)",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=[(swap, dout * y)] if swap_causes else [],
    )


def _node_scales(ctx: Context) -> None:
    x, y = ctx.rng.standard_normal((4, 3)), ctx.rng.standard_normal((4, 3))
    layer = ctx.obj()
    _forward(layer, x, y)
    once = [
        as_array(g, "backward(ones)")
        for g in _pair(_backward(layer, np.ones((4, 3))), "backward(ones)")
    ]
    _forward(layer, x, y)
    twice = _pair(_backward(layer, 2 * np.ones((4, 3))), "backward(2 · ones)")
    for name, a, b in zip(("dx", "dy"), once, twice, strict=True):
        expect_close(b, 2 * a, f"{name} of backward(2 · ones)", causes=[(_IGNORES_DOUT, a)])


@check("AddLayer", "2_13", "forward and backward on a batch (2-D)")
def addlayer_batch(ctx: Context) -> None:
    _node_batch(ctx, lambda a, b: a + b, swap_causes=False)


@check("AddLayer", "2_13", "backward scales with dout (2·dout gives 2·dx)")
def addlayer_scales_with_dout(ctx: Context) -> None:
    _node_scales(ctx)


@check("MulLayer", "2_13", "forward and backward on a batch (2-D)")
def mullayer_batch(ctx: Context) -> None:
    _node_batch(ctx, lambda a, b: a * b, swap_causes=True)


@check("MulLayer", "2_13", "backward scales with dout (2·dout gives 2·dx)")
def mullayer_scales_with_dout(ctx: Context) -> None:
    _node_scales(ctx)


# --------------------------------------------------------------------------- Affine

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
            f"after backward, the layer has neither self.d{which} nor self.grads[{which!r}]",
            f"d{which} stored on the layer",
            "nothing",
            f"store dL/d{which} as self.d{which} in backward",
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
                "dx = dout · W: W must be transposed, dx = dout · Wᵀ (np.dot(dout, self.W.T))",
                dout @ W,
            ),
            (_IGNORES_DOUT, np.ones_like(dout) @ W.T),
        ],
    )


@check("Affine", "2_14", "forward on a batch: x · W + b", needs=("__init__", "forward"))
def affine_forward_batch(ctx: Context) -> None:
    x, W, b, _ = _affine_arrays(ctx)
    y = _forward(ctx.obj(W.copy(), b.copy()), x)
    expect_close(
        y,
        x @ W + b,
        f"forward(x) for x of shape {x.shape}, W {W.shape}",
        causes=[("b is not added: y = x · W + b", x @ W)],
    )


@check("Affine", "2_14", "backward: dx = dout · Wᵀ matches the numerical gradient")
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
        raise Failure(raised(exc), describe(expected), "an error", cause) from exc
    try:
        expect_close(
            dx,
            expected,
            "dx of backward(dout)",
            rtol=_GRAD_RTOL,
            atol=_GRAD_ATOL,
            shape_cause=f"dx must have x's shape {x.shape}",
        )
    except Failure as failure:
        failure.cause = failure.cause or _square_diagnosis(ctx)
        raise


@check("Affine", "2_14", "backward: dW = xᵀ · dout matches the numerical gradient")
def affine_backward_dw(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    layer = ctx.obj(W.copy(), b.copy())
    _forward(layer, x)
    _backward(layer, dout)
    where, dW = _affine_gradient(layer, "W")
    expected = _numerical(lambda w: np.sum((x @ w + b) * dout), W)
    causes = [
        ("dW = doutᵀ · x has Wᵀ's shape: use dW = xᵀ · dout (np.dot(self.x.T, dout))", dout.T @ x),
        (
            f"dW is divided by the batch size N = {_N}: the loss layer already divides by N, Affine must not",
            expected / _N,
        ),
        (_IGNORES_DOUT, x.T @ np.ones_like(dout)),
    ]
    expect_close(
        dW,
        expected,
        f"dW ({where})",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes,
        shape_cause=f"dW must have W's shape {W.shape}: dW = xᵀ · dout",
    )


@check("Affine", "2_14", "backward: db = dout summed over the batch")
def affine_backward_db(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    layer = ctx.obj(W.copy(), b.copy())
    _forward(layer, x)
    _backward(layer, dout)
    where, db = _affine_gradient(layer, "b")
    expected = _numerical(lambda v: np.sum((x @ W + v) * dout), b)
    causes = [
        (
            f"db has shape {dout.shape}; it should be ({_D_OUT},): sum dout over the batch axis (axis=0)",
            dout,
        ),
        (
            "db is the mean over the batch: it should be the sum, np.sum(dout, axis=0) (the loss layer already "
            "divided by N)",
            dout.mean(axis=0),
        ),
        ("db sums over axis 1: sum over the batch axis, np.sum(dout, axis=0)", dout.sum(axis=1)),
        ("db sums every element: sum over the batch axis only, np.sum(dout, axis=0)", dout.sum()),
    ]
    expect_close(
        db,
        expected,
        f"db ({where})",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes,
        shape_cause=lambda shape: (
            f"db has shape {shape}; it should be ({_D_OUT},): sum dout over the batch axis (axis=0)"
        ),
    )


@check("Affine", "2_14", "backward scales with dout (2·dout gives 2·dx, 2·dW, 2·db)")
def affine_scales_with_dout(ctx: Context) -> None:
    x, W, b, _ = _affine_arrays(ctx)
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
            twice, 2 * once, f"{name} of backward(2 · ones)", causes=[(_IGNORES_DOUT, once)]
        )


@check(
    "Affine",
    "2_14",
    "one sample (1-D x) works too",
    limitation="2_14 asks for the batch version; one sample works as a batch of one, x.reshape(1, -1)",
)
def affine_one_sample(ctx: Context) -> None:
    x, W, b, dout = _affine_arrays(ctx)
    x1, dout1 = x[0], dout[0]
    layer = ctx.obj(W.copy(), b.copy())
    expect_close(_forward(layer, x1), x1 @ W + b, "forward(x) for x of shape (4,)")
    expect_close(
        _backward(layer, dout1),
        W @ dout1,
        "dx of backward(dout) for dout of shape (3,)",
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
    )
    where, dW = _affine_gradient(layer, "W")
    expect_close(
        dW, np.outer(x1, dout1), f"dW ({where}) for one sample", rtol=_GRAD_RTOL, atol=_GRAD_ATOL
    )
    where, db = _affine_gradient(layer, "b")
    expect_close(db, dout1, f"db ({where}) for one sample", rtol=_GRAD_RTOL, atol=_GRAD_ATOL)


@check("Affine", "2_14", "forward and backward leave x, W, b and dout unchanged")
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
            f"the caller's {name} after forward and backward",
            f"the layer writes into {name}: compute new arrays (only an optimizer changes W and b)",
        )
