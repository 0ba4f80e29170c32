"""Checks of a learner's layers: AddLayer, MulLayer, Relu, Sigmoid, Tanh (2_12, 2_13); Affine is in ``affine``, the losses in ``loss_layers``.

For each layer: forward against ``deepkiso``'s reference on one sample and on
a batch; backward against the numerical gradient (deepkiso's
``numerical_gradient``, float64) of L = Σ forward(x) · dout for a random dout;
that backward scales with dout (2·ones gives twice what ones gives); and side
effects (forward must not change the caller's x). What the exercise does not
ask for (backward leaving dout unchanged) is reported as a note. The helpers
here (``_forward``, ``_numerical``, the "ignores dout" cause) serve ``affine``
and ``loss_layers`` too.
"""

from __future__ import annotations

import numpy as np

from deepkiso import functions as F
from deepkiso.check.expect import (
    as_array,
    as_scalar,
    describe,
    expect_close,
    expect_unchanged,
)
from deepkiso.check.names import call_method
from deepkiso.check.registry import Context, Failure, check
from deepkiso.differentiation import numerical_gradient
from deepkiso.i18n import N_, _

_GRAD_RTOL, _GRAD_ATOL = 1e-5, 1e-7


def _ignores_dout() -> str:
    return _(
        "backward ignores dout: multiply the local derivative by dout (chain rule: dL/dx = dL/dy · dy/dx)"
    )


def _of(name: str, call: str) -> str:
    """ "dx of backward(dout)": what a check compares, in the language in use."""
    return _("{name} of {call}").format(name=name, call=call)


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
            _("{what} should return two gradients (dx, dy)").format(what=what),
            _("a pair (dx, dy)"),
            describe(result),
            "return dx, dy",
        )
    return result


# --------------------------------------------------------------------------- activations: Relu, Sigmoid


def _relu_causes(x, dout):
    return [
        (_ignores_dout(), (x > 0).astype(float)),
        (
            _(
                "passes dout where x <= 0 and blocks it where x > 0: the mask is the wrong way round"
            ),
            np.where(x > 0, 0.0, dout),
        ),
    ]


def _sigmoid_causes(x, dout):
    y = F.sigmoid(x)
    return [
        (_ignores_dout(), y * (1 - y)),
        (
            _(
                "uses the input x: the derivative is y(1 - y) with y the forward output (keep it as self.out)"
            ),
            dout * x * (1 - x),
        ),
    ]


def _tanh_causes(x, dout):
    y = F.tanh(x)
    return [
        (_ignores_dout(), 1 - y**2),
        (
            _("uses the input x: dy/dx = 1 - y² with y the forward output (keep it as self.out)"),
            dout * (1 - x**2),
        ),
        (_("uses sigmoid's derivative y(1 - y): tanh's is 1 - y²"), dout * y * (1 - y)),
    ]


def _relu_in_place() -> str:
    return _(
        "forward set the caller's x to 0 where x <= 0 (in place): "
        "work on a copy, out = x.copy(); out[self.mask] = 0"
    )


def _wrote_into_x() -> str:
    return _("forward wrote into the caller's x: compute a new array")


_ACTIVATIONS = {
    # subject: (reference forward, wrong-answer causes for dx, what forward must not do)
    "Relu": (F.relu, _relu_causes, _relu_in_place),
    "Sigmoid": (F.sigmoid, _sigmoid_causes, _wrote_into_x),
    "Tanh": (F.tanh, _tanh_causes, _wrote_into_x),
}


def _check_activation_backward(ctx: Context, subject: str, x: np.ndarray, label: str) -> None:
    reference, causes, _in_place = _ACTIVATIONS[subject]
    dout = ctx.rng.standard_normal(x.shape)
    layer = ctx.obj()
    expect_close(_forward(layer, x), reference(x), _("forward(x) for {label}").format(label=label))
    dx = _backward(layer, dout)
    expected = _numerical(lambda z: np.sum(reference(z) * dout), x)
    expect_close(
        dx,
        expected,
        _("backward(dout) for {label}").format(label=label),
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=causes(x, dout),
    )


def _register_activation(subject: str) -> None:
    reference, _causes, in_place_cause = _ACTIVATIONS[subject]

    @check(
        subject,
        "2_12",
        N_("forward on one sample (1-D)"),
        name="forward_online",
        needs=("forward",),
    )
    def forward_online(ctx: Context) -> None:
        x = np.array([-1.5, -0.4, 0.0, 0.7, 2.0])
        expect_close(
            _forward(ctx.obj(), x),
            reference(x),
            _("{name}().forward(x) for x = {x}").format(name=ctx.name, x=x.tolist()),
        )

    @check(
        subject,
        "2_12",
        N_("backward on one sample matches the numerical gradient"),
        name="backward_online",
    )
    def backward_online(ctx: Context) -> None:
        _check_activation_backward(
            ctx, subject, _away_from_zero(ctx, (5,)), _("one sample of shape (5,)")
        )

    @check(subject, "2_13", N_("forward and backward on a batch (2-D)"), name="batch")
    def batch(ctx: Context) -> None:
        _check_activation_backward(
            ctx, subject, _away_from_zero(ctx, (4, 3)), _("a batch of shape (4, 3)")
        )

    @check(
        subject,
        "2_12",
        N_("backward scales with dout (2·dout gives 2·dx)"),
        name="scales_with_dout",
    )
    def scales_with_dout(ctx: Context) -> None:
        x = _away_from_zero(ctx, (4, 3))
        layer = ctx.obj()
        _forward(layer, x)
        once = as_array(_backward(layer, np.ones_like(x)), "backward(ones)")
        _forward(layer, x)
        twice = _backward(layer, 2 * np.ones_like(x))
        expect_close(twice, 2 * once, "backward(2 · ones)", causes=[(_ignores_dout(), once)])

    @check(
        subject,
        "2_12",
        N_("forward leaves the caller's x unchanged"),
        name="input_unchanged",
        needs=("forward",),
    )
    def input_unchanged(ctx: Context) -> None:
        x = _away_from_zero(ctx, (4, 3))
        kept = x.copy()
        layer = ctx.obj()
        call_method(layer.forward, x, training=True)
        expect_unchanged(
            kept,
            x,
            _("the caller's x after forward(x)"),
            in_place_cause(),
            written_by=(ctx.obj, "forward", "x"),
        )

    @check(
        subject,
        "2_12",
        N_("backward leaves the caller's dout unchanged"),
        name="dout_unchanged",
        limitation=N_(
            "inside a net the dout a layer receives is a temporary nobody reads again, "
            "so this is harmless there"
        ),
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
            _("the caller's dout after backward(dout)"),
            _(
                "backward writes into dout (e.g. dout[self.mask] = 0): start from a copy, dx = dout.copy()"
            ),
            written_by=(ctx.obj, "backward", "dout"),
        )


for _subject in _ACTIVATIONS:
    _register_activation(_subject)


@check("Sigmoid", "2_12", N_("finite at x = ±1000, forward and backward"))
def sigmoid_extremes(ctx: Context) -> None:
    x = np.array([-1000.0, 1000.0, 0.0])
    layer = ctx.obj()
    at = "[-1000, 1000, 0]"
    expect_close(
        _forward(layer, x),
        F.sigmoid(x),
        _("{call} at x = {x}").format(call="forward(x)", x=at),
        atol=1e-12,
    )
    dout = np.array([1.0, 1.0, 1.0])
    expect_close(
        _backward(layer, dout),
        np.array([0.0, 0.0, 0.25]),
        _("{call} at x = {x}").format(call="backward(ones)", x=at),
        atol=1e-12,
    )


# --------------------------------------------------------------------------- AddLayer, MulLayer


@check("AddLayer", "2_12", N_("forward on two numbers: 100 + 150"), needs=("forward",))
def addlayer_forward_scalars(ctx: Context) -> None:
    expect_close(
        as_scalar(ctx.obj().forward(100.0, 150.0), "forward(100, 150)"), 250.0, "forward(100, 150)"
    )


@check("AddLayer", "2_12", N_("backward passes dout to both inputs"))
def addlayer_backward_scalars(ctx: Context) -> None:
    layer = ctx.obj()
    layer.forward(100.0, 150.0)
    dx, dy = _pair(layer.backward(1.3), "backward(1.3)")
    causes = [(_ignores_dout(), 1.0)]
    expect_close(as_scalar(dx, "dx"), 1.3, _of("dx", "backward(1.3)"), causes=causes)
    expect_close(as_scalar(dy, "dy"), 1.3, _of("dy", "backward(1.3)"), causes=causes)


@check("MulLayer", "2_12", N_("forward on two numbers: 100 × 2"), needs=("forward",))
def mullayer_forward_scalars(ctx: Context) -> None:
    expect_close(
        as_scalar(ctx.obj().forward(100.0, 2.0), "forward(100, 2)"), 200.0, "forward(100, 2)"
    )


@check("MulLayer", "2_12", N_("backward swaps the inputs: (dout · y, dout · x)"))
def mullayer_backward_scalars(ctx: Context) -> None:
    layer = ctx.obj()
    layer.forward(100.0, 2.0)
    dx, dy = _pair(layer.backward(1.5), "backward(1.5)")
    swap = _("the inputs must swap: dx = dout · y and dy = dout · x")
    after = _("{call} after {before}")
    expect_close(
        as_scalar(dx, "dx"),
        3.0,
        _of("dx", after.format(call="backward(1.5)", before="forward(100, 2)")),
        causes=[(swap, 150.0), (_ignores_dout(), 2.0)],
    )
    expect_close(
        as_scalar(dy, "dy"),
        150.0,
        _of("dy", after.format(call="backward(1.5)", before="forward(100, 2)")),
        causes=[(swap, 3.0), (_ignores_dout(), 100.0)],
    )


def _node_batch(ctx: Context, reference, swap_causes: bool) -> None:
    x, y = ctx.rng.standard_normal((4, 3)), ctx.rng.standard_normal((4, 3))
    dout = ctx.rng.standard_normal((4, 3))
    layer = ctx.obj()
    expect_close(
        _forward(layer, x, y), reference(x, y), _("forward(x, y) for x, y of shape (4, 3)")
    )
    dx, dy = _pair(_backward(layer, dout), "backward(dout)")
    expected_dx = _numerical(lambda z: np.sum(reference(z, y) * dout), x)
    expected_dy = _numerical(lambda z: np.sum(reference(x, z) * dout), y)
    swap = _("the inputs must swap: dx = dout · y and dy = dout · x")
    expect_close(
        dx,
        expected_dx,
        _of("dx", "backward(dout)"),
        rtol=_GRAD_RTOL,
        atol=_GRAD_ATOL,
        causes=[(swap, dout * x)] if swap_causes else [],
    )
    expect_close(
        dy,
        expected_dy,
        _of("dy", "backward(dout)"),
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
        expect_close(b, 2 * a, _of(name, "backward(2 · ones)"), causes=[(_ignores_dout(), a)])


@check("AddLayer", "2_13", N_("forward and backward on a batch (2-D)"))
def addlayer_batch(ctx: Context) -> None:
    _node_batch(ctx, lambda a, b: a + b, swap_causes=False)


@check("AddLayer", "2_13", N_("backward scales with dout (2·dout gives 2·dx)"))
def addlayer_scales_with_dout(ctx: Context) -> None:
    _node_scales(ctx)


@check("MulLayer", "2_13", N_("forward and backward on a batch (2-D)"))
def mullayer_batch(ctx: Context) -> None:
    _node_batch(ctx, lambda a, b: a * b, swap_causes=True)


@check("MulLayer", "2_13", N_("backward scales with dout (2·dout gives 2·dx)"))
def mullayer_scales_with_dout(ctx: Context) -> None:
    _node_scales(ctx)
