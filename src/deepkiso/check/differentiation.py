"""Checks of a learner's numerical_diff (2_2), gradient_descent (2_3) and numerical_gradient (2_4, 2_5, 2_7).

The checks use functions whose derivatives are known exactly, and record the
points at which the learner's code evaluates f: that is how a forward
difference (f evaluated at x itself) is told from the central difference the
exercise asks for, whatever step h the learner chose.
"""

from __future__ import annotations

import numpy as np

from deepkiso.check.expect import (
    as_array,
    as_scalar,
    describe,
    diagnose,
    expect_close,
    expect_unchanged,
    raised,
)
from deepkiso.check.names import call_with
from deepkiso.check.registry import Context, Failure, Note, check
from deepkiso.i18n import N_, _


class _Recorded:
    """f, remembering a copy of every argument it is called with."""

    def __init__(self, f):
        self.f = f
        self.args: list[np.ndarray] = []

    def __call__(self, x):
        self.args.append(np.array(x, dtype=np.float64, copy=True))
        return self.f(x)


# --------------------------------------------------------------------------- numerical_diff

_DIFF_CASES = (
    ("x²", lambda x: x**2, 1.0, 2.0),
    ("0.01x² + 0.1x", lambda x: 0.01 * x**2 + 0.1 * x, 5.0, 0.2),
    ("0.01x² + 0.1x", lambda x: 0.01 * x**2 + 0.1 * x, 10.0, 0.3),
)


def _diff_cause(received: float, true: float, x: float, points: list[float]) -> str:
    if points and all(p == x for p in points):
        return _h_too_small()
    return diagnose(
        received,
        [
            (_("divides by h instead of 2h: (f(x + h) - f(x - h)) / (2 * h)"), 2 * true),
            (_("the difference is reversed: (f(x + h) - f(x - h)) / (2 * h)"), -true),
        ],
        rtol=1e-3,
        atol=1e-6,
    )


def _h_too_small() -> str:
    return _("x + h == x in float64 (rounding error): h is far too small; use h = 1e-4")


def _diff_what(name: str, x: str, f: str) -> str:
    return _("{name}(f, {x}) for f(x) = {f}").format(name=name, x=x, f=f)


@check("numerical_diff", "2_2", N_("approximates the derivative"))
def numerical_diff_values(ctx: Context) -> None:
    for text, f, x, true in _DIFF_CASES:
        recorded = _Recorded(f)
        what = _diff_what(ctx.name, f"{x:g}", text)
        received = as_scalar(ctx.obj(recorded, x), what)
        if not np.isclose(received, true, rtol=1e-3, atol=1e-6):
            points = [float(a.reshape(-1)[0]) for a in recorded.args if a.size == 1]
            raise Failure(
                _("{what} is {value}; the derivative is {true}").format(
                    what=what, value=f"{received:.8g}", true=f"{true:g}"
                ),
                describe(true),
                describe(received),
                _diff_cause(received, true, x, points),
            )


@check("numerical_diff", "2_2", N_("uses the central difference (f(x + h) - f(x - h)) / 2h"))
def numerical_diff_central(ctx: Context) -> None:
    x, true = 1.0, 3.0
    recorded = _Recorded(lambda z: z**3)
    received = as_scalar(ctx.obj(recorded, x), _diff_what(ctx.name, "1", "x³"))
    points = [float(a.reshape(-1)[0]) for a in recorded.args if a.size == 1]
    if not points:
        raise Failure(
            _("{name} never called f").format(name=ctx.name),
            _("calls f(x + h) and f(x - h)"),
            _("no call of f"),
        )
    h = max(abs(p - x) for p in points)
    above, below, at = (
        any(p > x for p in points),
        any(p < x for p in points),
        any(p == x for p in points),
    )
    kind = (
        "forward"
        if above and at and not below
        else "backward"
        if below and at and not above
        else ""
    )
    if kind:
        other = "x + h" if kind == "forward" else "x - h"
        difference = _("forward difference") if kind == "forward" else _("backward difference")
        raise Failure(
            _(
                "{name} evaluates f at x and {other}: that is the {difference}, whose error is O(h). "
                "On f(x) = x³ at x = 1 it gives {value}, off by {error}; "
                "the central difference with the same h is off by {central_error}"
            ).format(
                name=ctx.name,
                other=other,
                difference=difference,
                value=f"{received:.10g}",
                error=f"{abs(received - true):.1e}",
                central_error=f"{h * h:.1e}",
            ),
            expected=_("f evaluated at x + h and x - h"),
            received=_("f evaluated at {points}").format(points=sorted(set(points))),
            cause=_(
                "use the central difference (f(x + h) - f(x - h)) / (2 * h), as the exercise asks"
            ),
        )
    if abs(np.mean(points) - x) > 1e-9 * max(1.0, h):
        raise Failure(
            _("{name} evaluates f at points not centred on x: {points}").format(
                name=ctx.name, points=sorted(set(points))
            ),
            "f(x + h) and f(x - h)",
            describe(np.array(points)),
            _("evaluate f at x + h and at x - h, the same distance on each side"),
        )


# --------------------------------------------------------------------------- gradient_descent


def _bowl(x):
    return x[0] ** 2 + x[1] ** 2


def _descend(ctx: Context, init_x: np.ndarray, lr: float, step_num: int):
    return call_with(
        ctx.obj,
        [
            (("f", "func", "function", "fun", "loss"), _bowl),
            (("init_x", "x", "x0", "x_init", "init", "start"), init_x),
            (("lr", "learning_rate", "eta", "alpha"), lr),
            (
                (
                    "step_num",
                    "steps",
                    "n_steps",
                    "num_steps",
                    "iters_num",
                    "n_iter",
                    "max_iter",
                    "iterations",
                ),
                step_num,
            ),
        ],
    )


def _final_point(result, shape: tuple, what: str) -> np.ndarray:
    """The final x from what gradient_descent returned: x, (x, history) or the whole history."""
    if isinstance(result, (tuple, list)) and len(result) == 2 and np.shape(result[0]) == shape:
        return as_array(result[0], what)
    a = as_array(result, what)
    if a.shape == shape:
        return a
    if a.ndim == len(shape) + 1 and a.shape[1:] == shape:
        return a[-1]
    raise Failure(
        _("{what} returned {value}").format(what=what, value=describe(result)),
        _("the final x, shape {shape} (or (x, history))").format(shape=shape),
        describe(result),
        _("return the final x"),
    )


def _on_bowl(call: str) -> str:
    return _("{call} on f = {f}").format(call=call, f="x0² + x1²")


@check("gradient_descent", "2_3", N_("one step is x - lr · ∇f(x)"))
def gradient_descent_one_step(ctx: Context) -> None:
    init_x = np.array([-3.0, 4.0])
    what = _on_bowl(f"{ctx.name}(f, init_x=[-3, 4], lr=0.1, step_num=1)")
    x = _final_point(_descend(ctx, init_x.copy(), 0.1, 1), init_x.shape, what)
    gradient = 2 * init_x
    causes = [
        (_("moves uphill: the update is x = x - lr * grad (minus)"), init_x + 0.1 * gradient),
        (_("returns the start point: return the updated x"), init_x),
        (_("ignores its lr argument (the step matches lr = 0.01)"), init_x - 0.01 * gradient),
    ]
    _expect_descent(x, init_x - 0.1 * gradient, what, causes)


def _inaccurate() -> str:
    return _(
        "close, but not exact: the gradient it uses is inaccurate (see numerical_gradient's checks: "
        "a forward difference, or x left perturbed)"
    )


def _expect_descent(x: np.ndarray, expected: np.ndarray, what: str, causes: list) -> None:
    near = np.allclose(x, expected, rtol=1e-2, atol=1e-2)
    expect_close(
        x,
        expected,
        what,
        rtol=1e-6,
        atol=1e-6,
        causes=causes + ([(_inaccurate(), x)] if near else []),
    )


@check("gradient_descent", "2_3", N_("100 steps reach the minimum of x0² + x1²"))
def gradient_descent_converges(ctx: Context) -> None:
    init_x = np.array([-3.0, 4.0])
    what = _on_bowl(f"{ctx.name}(f, init_x=[-3, 4], lr=0.1, step_num=100)")
    x = _final_point(_descend(ctx, init_x.copy(), 0.1, 100), init_x.shape, what)
    causes = [
        (
            _("ignores its step_num argument (the result is 1 step away from the start)"),
            init_x * 0.8,
        )
    ]
    _expect_descent(x, np.zeros(2), what, causes)


@check(
    "gradient_descent",
    "2_3",
    N_("leaves init_x unchanged"),
    limitation=N_("the exercise does not ask to keep init_x; the caller just sees it change"),
)
def gradient_descent_init_x_unchanged(ctx: Context) -> None:
    init_x = np.array([-3.0, 4.0])
    _descend(ctx, init_x, 0.1, 5)
    expect_unchanged(
        np.array([-3.0, 4.0]),
        init_x,
        _("the caller's init_x"),
        _("x = init_x does not copy, so x -= … changes the caller's array: use x = init_x.copy()"),
        written_by=(ctx.obj, "", "init_x"),
    )


# --------------------------------------------------------------------------- numerical_gradient


def _perturbed_cause() -> str:
    return _(
        "x is left perturbed: after evaluating f(x + h) and f(x - h), "
        "put the original value back (x[idx] = tmp_val)"
    )


def _gradient_causes(f, x: np.ndarray, recorded: _Recorded) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers, computed with the learner's own h, when f was evaluated at x itself."""
    if not any(a.shape == x.shape and np.array_equal(a, x) for a in recorded.args):
        return []
    h = max(
        (float(np.max(np.abs(a - x))) for a in recorded.args if a.shape == x.shape), default=0.0
    )
    if h == 0.0:
        return [(_h_too_small(), np.zeros_like(x))]
    forward = np.zeros_like(x)
    f_x = float(f(x.copy()))
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        forward[idx] = (float(f(x + step)) - f_x) / h
    return [
        (
            _(
                "evaluates f at x itself: a forward difference, error O(h); use (f(x + h) - f(x - h)) / (2 * h)"
            ),
            forward,
        ),
        (
            _("the second evaluation is at x, not x - h: set x[idx] = tmp_val - h before it"),
            forward / 2,
        ),
    ]


def _expect_gradient(
    ctx: Context, f, x: np.ndarray, true: np.ndarray, what: str, shape_cause: str = ""
) -> None:
    recorded = _Recorded(f)
    received = ctx.obj(recorded, x.copy())
    expect_close(
        received,
        true,
        what,
        rtol=1e-6,
        atol=1e-7,
        causes=_gradient_causes(f, x, recorded),
        shape_cause=shape_cause,
    )


@check("numerical_gradient", "2_4", N_("the gradient of a function of a vector"))
def numerical_gradient_values_1d(ctx: Context) -> None:
    for point in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):
        x = np.array(point)
        what = _("{call} for f = {f}").format(call=f"{ctx.name}(f, {point})", f="x0² + x1²")
        _expect_gradient(ctx, _bowl, x, 2 * x, what)


def _skip_one_dimensional(ctx: Context) -> None:
    """Note, not fail, a numerical_gradient written for vectors only (2_4): the 2-D checks belong to 2_5."""
    x = np.array([[1.0, -2.0, 0.5], [0.3, 1.5, -1.0]])
    try:
        ctx.obj(lambda z: float(np.sum(z**2)), x.copy())
    except (IndexError, ValueError, TypeError) as exc:
        raise Note(
            _(
                "{name} is the 1-D version of exercise 2_4 (on a 2-D array it {raised}); "
                "not graded against 2_5, which extends it to 2-D arrays"
            ).format(name=ctx.name, raised=raised(exc)),
            cause=_("for 2_5, visit every element, e.g. with np.nditer(x, flags=['multi_index'])"),
        ) from None


@check("numerical_gradient", "2_5", N_("the gradient with respect to a 2-D array"))
def numerical_gradient_values_2d(ctx: Context) -> None:
    _skip_one_dimensional(ctx)
    x = ctx.rng.standard_normal((2, 3))
    _expect_gradient(
        ctx,
        lambda z: np.sum(z**2),
        x,
        2 * x,
        _("{name}(f, x) for x of shape (2, 3), f = Σ x²").format(name=ctx.name),
        shape_cause=_(
            "the gradient must have x's shape: visit every element, "
            "e.g. with np.nditer(x, flags=['multi_index'])"
        ),
    )


@check("numerical_gradient", "2_4", N_("leaves x exactly as it was"))
def numerical_gradient_restores_x(ctx: Context) -> None:
    x = np.array([3.0, 4.0])
    kept = x.copy()
    ctx.obj(lambda z: np.sum(z**2), x)
    what = _("x after {name}(f, x)").format(name=ctx.name)
    expect_unchanged(kept, x, what, _perturbed_cause())
    _skip_one_dimensional(ctx)
    for x in (ctx.rng.standard_normal((2, 3)),):
        kept = x.copy()
        ctx.obj(lambda z: np.sum(z**2), x)
        expect_unchanged(kept, x, what, _perturbed_cause())


@check(
    "numerical_gradient",
    "2_7",
    N_("works when f reads the array itself (f = lambda w: net.loss(x, t))"),
    limitation=N_(
        "it matters only where f ignores its argument and reads the array itself, "
        "as 2_7's f = lambda w: net.loss(x, t) does"
    ),
)
def numerical_gradient_whole_array(ctx: Context) -> None:
    _skip_one_dimensional(ctx)
    W = ctx.rng.standard_normal((2, 3))
    shapes = []

    def f(w):
        shapes.append(np.shape(w))
        return float(np.sum(W**2) + W[0, 0] * W[1, 2])

    true = 2 * W
    true[0, 0] += W[1, 2]
    true[1, 2] += W[0, 0]
    kept = W.copy()
    received = as_array(ctx.obj(f, W), f"{ctx.name}(f, W)")
    if received.shape == true.shape and np.allclose(received, true, rtol=1e-6, atol=1e-7):
        return
    if not np.array_equal(W, kept):
        cause = _perturbed_cause()
    elif received.shape == true.shape and not received.any():
        cause = _(
            "perturbs a copy of x, so an f that reads the original array sees no change: "
            "perturb x itself, in place, and restore it"
        )
    elif any(s != W.shape for s in shapes):
        cause = _(
            "calls f on one row at a time: that is the gradient at each row's point, while the nets of "
            "2_7 and 2_8 need the gradient with respect to the whole array"
        )
    else:
        cause = ""
    raise Failure(
        _("{name}(f, W) with an f that reads W itself is wrong").format(name=ctx.name),
        describe(true),
        describe(received),
        cause,
    )
