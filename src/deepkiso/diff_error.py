"""How wrong, and how slow, numerical differentiation is: the error of a difference quotient as h shrinks,
and the time of a numerical gradient against backprop as a net grows.

Serves exercise 2_2 (numerical differentiation, 数値微分, central difference,
中心差分, against the analytic derivative, 解析的微分) and the slides' two claims
about it: a numerical derivative carries an error, and it is slow, which is why
training uses backpropagation and keeps numerical differentiation for the
gradient check (2_17). The error against h is the V-shaped curve: the
truncation error falls with h (∝ h forward, ∝ h² central) while the rounding
error eps·|f|/h rises, and the bottom of the V sits near eps^(1/2) (forward)
or eps^(1/3) (central): about 1e-8 / 1e-5 in float64 and 3e-4 / 5e-3 in
float32 — the reason for the course's h = 1e-4.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from deepkiso.expression import parse_expression
from deepkiso.i18n import _
from deepkiso.nets import TwoLayerNet

__all__ = [
    "ScalarFunction",
    "SCALAR_FUNCTIONS",
    "difference_quotient",
    "DifferenceErrors",
    "difference_errors",
    "GradientTiming",
    "time_gradients",
    "function_from_formula",
    "Secants",
    "secants",
]


@dataclass(frozen=True)
class ScalarFunction:
    """f and its analytic derivative df/dx, with the point x to differentiate at."""

    name: str
    formula: str
    f: Callable[[np.ndarray], np.ndarray]
    dfdx: Callable[[float], float]
    x: float


SCALAR_FUNCTIONS = {
    t.name: t
    for t in [
        # f''' ≠ 0, so the central difference has a truncation error to show.
        ScalarFunction("sin", "f(x) = sin x", np.sin, np.cos, 1.0),
        ScalarFunction("exp", "f(x) = exp x", np.exp, np.exp, 1.0),
        # The course's function_1. Quadratic: the central difference's truncation error is exactly 0,
        # so only rounding is left, while the forward difference still errs by 0.01·h.
        ScalarFunction(
            "quadratic",
            "f(x) = 0.01x² + 0.1x",
            lambda x: 0.01 * x * x + 0.1 * x,
            lambda x: 0.02 * x + 0.1,
            5.0,
        ),
    ]
}

DEFAULT_STEPS = np.logspace(-1, -12, 56)


def difference_quotient(
    f: Callable, x: float, h: float, method: str = "central", dtype=np.float64
) -> float:
    """A difference quotient computed entirely in dtype (float32 or float64).

    central: (f(x + h) − f(x − h)) / 2h;  forward: (f(x + h) − f(x)) / h.
    x and h are rounded to dtype first, as a learner's float32 arrays would be;
    f must keep its argument's dtype (numpy ufuncs do). In float32 a tiny h
    vanishes in x + h, and the quotient is 0.
    """
    kind = np.dtype(dtype).type
    x_, h_ = kind(x), kind(h)
    if method == "central":
        return float((f(x_ + h_) - f(x_ - h_)) / (kind(2) * h_))
    if method == "forward":
        return float((f(x_ + h_) - f(x_)) / h_)
    raise ValueError(
        _("unknown method {method!r}; choose 'central' or 'forward'").format(method=method)
    )


@dataclass
class DifferenceErrors:
    """Relative errors |numerical − analytic| / |analytic| of difference quotients.

    steps: (n,) the h values, largest first. errors[(method, dtype name)]: (n,).
    An error that comes out exactly 0 is stored as 1e-17, so it still shows on a log scale.
    """

    function: ScalarFunction
    steps: np.ndarray
    errors: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def best_step(self, method: str, dtype: str) -> tuple[float, float]:
        """(h, error) at the bottom of the V for one curve."""
        curve = self.errors[(method, dtype)]
        i = int(np.argmin(curve))
        return float(self.steps[i]), float(curve[i])

    def error_at(self, h: float, method: str, dtype: str) -> float:
        """The error at the step nearest to h (on a log scale)."""
        i = int(np.argmin(np.abs(np.log10(self.steps) - np.log10(h))))
        return float(self.errors[(method, dtype)][i])


_ERROR_FLOOR = 1e-17


def difference_errors(
    function: str | ScalarFunction = "sin",
    steps: Sequence[float] | np.ndarray = DEFAULT_STEPS,
    methods: Sequence[str] = ("forward", "central"),
    dtypes: Sequence = (np.float32, np.float64),
) -> DifferenceErrors:
    """The relative error of each method in each dtype at every h in steps.

    function: a name in SCALAR_FUNCTIONS ("sin", "exp", "quadratic") or a ScalarFunction.
    steps: (n,) values of h; by default 56 from 1e-1 down to 1e-12.
    The analytic derivative, computed in float64, is the reference.
    """
    if isinstance(function, str):
        if function not in SCALAR_FUNCTIONS:
            raise ValueError(
                _("unknown function {function!r}; choose one of {choices}").format(
                    function=function, choices=sorted(SCALAR_FUNCTIONS)
                )
            )
        function = SCALAR_FUNCTIONS[function]
    steps = np.asarray(steps, dtype=np.float64)
    if steps.ndim != 1 or steps.size == 0 or np.any(steps <= 0):
        raise ValueError(
            _("steps must be a 1-D list of positive numbers, got {steps!r}").format(steps=steps)
        )
    exact = float(function.dfdx(function.x))
    result = DifferenceErrors(function=function, steps=steps)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for method in methods:
            for dtype in dtypes:
                numeric = np.array(
                    [difference_quotient(function.f, function.x, h, method, dtype) for h in steps]
                )
                error = np.abs(numeric - exact) / abs(exact)
                result.errors[(method, np.dtype(dtype).name)] = np.maximum(error, _ERROR_FLOOR)
    return result


@dataclass(frozen=True)
class GradientTiming:
    """Seconds for one full gradient of a TwoLayerNet with n_params parameters (the best of the repeats)."""

    hidden_size: int
    n_params: int
    numerical_seconds: float
    backprop_seconds: float

    @property
    def ratio(self) -> float:
        return self.numerical_seconds / self.backprop_seconds


def _best_time(function: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _repeat in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def time_gradients(
    hidden_sizes: Sequence[int] = (2, 8, 32, 128),
    input_size: int = 16,
    output_size: int = 4,
    batch_size: int = 10,
    repeats: int = 3,
    rng: np.random.Generator | int | None = 0,
) -> list[GradientTiming]:
    """Time net.numerical_gradient against net.gradient (backprop) for nets of growing size.

    Each net is TwoLayerNet(input_size, hidden, output_size) in float64 on one
    random batch of batch_size samples; it has (input_size + 1 + output_size)·hidden
    + output_size parameters. The numerical gradient needs 2 loss evaluations
    per parameter, each a whole forward pass, while backprop costs about one
    forward and one backward pass in all: the ratio grows in proportion to
    n_params, and once a forward pass costs in proportion to the net (large
    nets), the numerical time grows as n_params². Wall-clock times: they depend
    on the machine, and are measured, not assumed.
    """
    if repeats < 1:
        raise ValueError(_("repeats must be >= 1, got {value}").format(value=repeats))
    rng = np.random.default_rng(rng)
    x = rng.standard_normal((batch_size, input_size))
    t = rng.integers(0, output_size, size=batch_size)
    rows = []
    for hidden in hidden_sizes:
        net = TwoLayerNet(
            input_size,
            int(hidden),
            output_size,
            weight_init_std="xavier",
            dtype=np.float64,
            rng=rng,
        )
        n_params = sum(p.size for p in net.params.values())
        rows.append(
            GradientTiming(
                hidden_size=int(hidden),
                n_params=n_params,
                numerical_seconds=_best_time(partial(net.numerical_gradient, x, t), repeats),
                backprop_seconds=_best_time(partial(net.gradient, x, t), repeats),
            )
        )
    return rows


# -------------------------------------------------------------------------------------------
# The picture of the slide: the tangent at x against the secants of the central and the forward
# difference (数値微分と解析的微分: the slope over the small range 2h, 中心差分).
# -------------------------------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _formula_text(text: str) -> str:
    """A formula as the slides write it: "0.01*x**2 + 0.1*x" → "0.01x² + 0.1x", "x*exp(x)" → "x·exp(x)"."""
    text = re.sub(r"\s*\*\*\s*(-?\d+)\b", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    text = re.sub(r"(\d)\s*\*\s*(?=[A-Za-z(])", r"\1", text)  # 2*x → 2x, 0.5*(x+1) → 0.5(x+1)
    text = re.sub(r"\s*\*\s*", "·", text)
    return text


def function_from_formula(text: str, x: float = 1.0) -> ScalarFunction:
    """A ScalarFunction from a formula in x that a user typed, such as "x**3" or "0.01*x**2 + 0.1*x".

    The text goes through ``deepkiso.expression``'s whitelist (never eval'd); ``^`` is read as a
    power. f is evaluated by the computational graph (float64), and df/dx by its backward: the
    analytic derivative, exact to rounding. x: the point to differentiate at.
    Raises ValueError naming what is not allowed (another variable than x, a refused piece).
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            _("expected a formula in x, such as 'x**3', got {text!r}").format(text=text)
        )
    source = text.strip().replace("^", "**")
    expression = parse_expression(source)
    others = [name for name in expression.names if name != "x"]
    if others:
        raise ValueError(
            _("formula {text!r}: unknown name {name!r} at column {column}; use x only").format(
                text=text, name=others[0], column=expression.columns[others[0]]
            )
        )

    def f(values):
        values = np.asarray(values, dtype=np.float64)
        if "x" not in expression.names:  # a constant: the same value everywhere
            return np.broadcast_to(expression.evaluate({})[0].data, values.shape).copy()
        y = expression.evaluate({"x": values})[0].data
        if y.shape != values.shape:
            raise ValueError(
                _(
                    "formula {text!r}: expected a value for each x; sum and mean are not elementwise"
                ).format(text=text)
            )
        return y

    def dfdx(at: float) -> float:
        if "x" not in expression.names:
            return 0.0
        output, inputs = expression.evaluate({"x": float(at)})
        output.backward()
        grad = inputs["x"].grad
        return float(grad) if grad is not None else 0.0

    return ScalarFunction(source, f"f(x) = {_formula_text(source)}", f, dfdx, float(x))


@dataclass(frozen=True)
class Secants:
    """The numbers of the central-difference picture at x with step h.

    tangent: f′(x), the analytic derivative; central: (f(x + h) − f(x − h)) / 2h, the slope of
    the secant through x ± h; forward: (f(x + h) − f(x)) / h, the secant through x and x + h.
    curve_x, curve_y: (n,) f over [x − span, x + span], to draw it.
    """

    function: ScalarFunction
    x: float
    h: float
    f_minus: float
    f_x: float
    f_plus: float
    tangent: float
    central: float
    forward: float
    curve_x: np.ndarray
    curve_y: np.ndarray

    @property
    def central_error(self) -> float:
        return self.central - self.tangent

    @property
    def forward_error(self) -> float:
        return self.forward - self.tangent


def secants(
    function: str | ScalarFunction = "x**3",
    x: float | None = None,
    h: float = 0.5,
    *,
    span: float | None = None,
    points: int = 201,
) -> Secants:
    """The tangent at x and the central and forward secants with step h, for the slide's picture.

    function: a name in SCALAR_FUNCTIONS ("sin", "exp", "quadratic"), a formula in x
    ("x**3", see ``function_from_formula``) or a ScalarFunction.
    x: the point (default: the function's own, 1 for a formula). h: the step, > 0; a large one
    (0.5 for x³ at 1) makes the secants' errors visible: on x³ the central one errs by h²
    exactly and the forward one by 3xh + h². span: half the width of the curve drawn
    (default 1.8h, so x ± h sit well inside); points: how many points draw it.
    """
    if isinstance(function, str):
        function = SCALAR_FUNCTIONS.get(function) or function_from_formula(function)
    if x is None:
        x = function.x
    if not (np.isfinite(h) and h > 0):
        raise ValueError(_("h must be a positive number, got {h!r}").format(h=h))
    if not np.isfinite(x):
        raise ValueError(_("x must be a finite number, got {x!r}").format(x=x))
    span = 1.8 * h if span is None else span
    if points < 2:
        raise ValueError(_("points must be >= 2, got {value}").format(value=points))
    x, h = float(x), float(h)
    with np.errstate(all="ignore"):
        values = np.asarray(function.f(np.array([x - h, x, x + h])), dtype=np.float64)
        curve_x = np.linspace(x - span, x + span, points)
        curve_y = np.asarray(function.f(curve_x), dtype=np.float64)
        tangent = float(function.dfdx(x))
    f_minus, f_x, f_plus = (float(v) for v in values)
    if not np.all(np.isfinite([f_minus, f_x, f_plus, tangent])):
        raise ValueError(
            _(
                "{formula} has no finite value or derivative near x = {x:g} with h = {h:g}; "
                "choose another x or h"
            ).format(formula=function.formula, x=x, h=h)
        )
    return Secants(
        function=function,
        x=x,
        h=h,
        f_minus=f_minus,
        f_x=f_x,
        f_plus=f_plus,
        tangent=tangent,
        central=(f_plus - f_minus) / (2 * h),
        forward=(f_plus - f_x) / h,
        curve_x=curve_x,
        curve_y=curve_y,
    )
