"""Numerical differentiation, steepest descent and the gradient check.

Exercises 2_2 – 2_5 (numerical_diff, numerical_gradient for arrays of any
shape), 2_3 (gradient_descent with its whole trajectory) and 2_17 (comparing
backprop with the numerical gradient). All arithmetic on differences is done
in float64: a difference quotient in float32 with h = 1e-4 keeps only about
three correct digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

__all__ = [
    "numerical_diff",
    "numerical_gradient",
    "gradient_descent",
    "ParameterCheck",
    "GradientCheckReport",
    "gradient_check",
    "check_layer_gradient",
    "check_net_gradient",
]

METHODS = ("central", "forward", "backward")


def numerical_diff(f: Callable[[float], float], x: float, h: float = 1e-4, method: str = "central") -> float:
    """df/dx at the scalar x by a difference quotient.

    central:  (f(x + h) - f(x - h)) / 2h   error O(h²)  (the course's choice)
    forward:  (f(x + h) - f(x)) / h        error O(h)   (for the slides' comparison)
    backward: (f(x) - f(x - h)) / h        error O(h)
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    x = float(x)
    if method == "central":
        return (float(f(x + h)) - float(f(x - h))) / (2 * h)
    if method == "forward":
        return (float(f(x + h)) - float(f(x))) / h
    return (float(f(x)) - float(f(x - h))) / h


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """∂f/∂x_i for every element of x by central differences.

    x: an array of any shape; it is perturbed in place one element at a time,
    so f may read x itself (or an array that shares memory with it, such as a
    net's own weights) and ignore its argument. x is restored bit for bit
    afterwards, also when f raises.
    Returns a float64 array of x's shape.

    The step actually taken is measured from the stored values, so a float32
    x (whose x_i ± h is rounded) still gets the right quotient.
    """
    if not isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"numerical_gradient: x must be a floating array, got dtype {x.dtype}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        grad[idx] = _central_difference(lambda: f(x), x, idx, h)
    return grad


def _central_difference(f: Callable[[], float], x: np.ndarray, index: tuple, h: float) -> float:
    """(f() at x[index] + h  -  f() at x[index] - h) / the step actually taken.

    x is changed in place while f runs and restored bit for bit afterwards, also when f raises.
    The step is measured from the stored values, so a float32 x (whose x_i ± h is rounded)
    still gets the right quotient.
    """
    original = x[index].copy()
    try:
        x[index] = float(original) + h
        upper = float(x[index])
        f_plus = float(f())
        x[index] = float(original) - h
        lower = float(x[index])
        f_minus = float(f())
    finally:
        x[index] = original
    return (f_plus - f_minus) / (upper - lower)


def gradient_descent(
    f: Callable[[np.ndarray], float],
    init_x: np.ndarray,
    lr: float = 0.01,
    step_num: int = 100,
    grad: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Steepest descent x ← x - lr · ∇f(x), repeated step_num times.

    init_x: the start, any shape; it is not changed.
    grad: the gradient function; by default the numerical gradient of f.
    Returns (x, trajectory): the final point (float64, init_x's shape) and every
    point visited, shape (step_num + 1, *init_x.shape), trajectory[0] = init_x.
    A learning rate that is too large shows up as a trajectory that grows
    without bound (and finally inf or nan); it is returned, not hidden.
    """
    if step_num < 0:
        raise ValueError(f"step_num must be >= 0, got {step_num}")
    x = np.array(init_x, dtype=np.float64)
    trajectory = np.empty((step_num + 1, *x.shape), dtype=np.float64)
    trajectory[0] = x
    gradient = grad if grad is not None else (lambda z: numerical_gradient(f, z))
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, step_num + 1):
            x = x - lr * np.asarray(gradient(x), dtype=np.float64)
            trajectory[step] = x
    return x, trajectory


# --------------------------------------------------------------------------
# Gradient check (exercise 2_17)

# Per dtype: the difference step and the tolerances. The step balances the
# truncation error (~h²) against rounding (~eps·|f|/h): h ≈ eps^(1/3).
# An element passes when |a - n| <= atol + rtol · (|a| + |n|).
_CHECK_SETTINGS = {
    np.dtype(np.float64): {"h": 1e-5, "rtol": 1e-5, "atol": 1e-7},
    np.dtype(np.float32): {"h": 1e-2, "rtol": 2e-2, "atol": 2e-3},
}
MODES = ("full", "sample", "directional")


@dataclass
class ParameterCheck:
    """The comparison of one parameter's backprop and numerical gradients."""

    name: str
    shape: tuple
    max_abs_diff: float
    max_rel_error: float
    passed: bool
    worst_index: tuple | None = None  # element index, or the direction's number in directional mode
    analytic_at_worst: float = math.nan
    numeric_at_worst: float = math.nan
    n_compared: int = 0
    problem: str = ""  # set when the gradients could not be compared at all


@dataclass
class GradientCheckReport:
    """A gradient check's verdict, one ParameterCheck per parameter.

    ``print(report)`` gives a table; ``report.passed`` is True when every
    parameter passed; ``report.failures`` lists the ones that did not.
    """

    mode: str
    dtype: str
    h: float
    rtol: float
    atol: float
    checks: list[ParameterCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[ParameterCheck]:
        return [c for c in self.checks if not c.passed]

    def __getitem__(self, name: str) -> ParameterCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def __str__(self) -> str:
        head = (
            f"gradient check ({self.mode}, {self.dtype}, h={self.h:g}; "
            f"pass when |a-n| <= {self.atol:g} + {self.rtol:g}(|a|+|n|))"
        )
        rows = [head, f"  {'parameter':<10} {'shape':<14} {'compared':>8} {'max |a-n|':>10} {'max rel':>9}  result"]
        for c in self.checks:
            if c.problem:
                rows.append(f"  {c.name:<10} {str(c.shape):<14} {'-':>8} {'-':>10} {'-':>9}  FAIL: {c.problem}")
                continue
            verdict = "ok" if c.passed else (
                f"FAIL at {c.worst_index}: backprop {c.analytic_at_worst:.6g}, numerical {c.numeric_at_worst:.6g}"
            )
            rows.append(
                f"  {c.name:<10} {str(c.shape):<14} {c.n_compared:>8} "
                f"{c.max_abs_diff:>10.2e} {c.max_rel_error:>9.2e}  {verdict}"
            )
        rows.append("PASSED" if self.passed else f"FAILED: {', '.join(c.name for c in self.failures)}")
        return "\n".join(rows)


def _settings(dtype: np.dtype, rtol: float | None, atol: float | None, h: float | None) -> dict:
    base = _CHECK_SETTINGS.get(np.dtype(dtype), _CHECK_SETTINGS[np.dtype(np.float32)])
    return {
        "h": base["h"] if h is None else h,
        "rtol": base["rtol"] if rtol is None else rtol,
        "atol": base["atol"] if atol is None else atol,
    }


def _compare(name, shape, analytic, numeric, index_of, rtol, atol) -> ParameterCheck:
    """Compare two flat float64 vectors; index_of maps a position to the reported index."""
    diff = np.abs(analytic - numeric)
    scale = np.abs(analytic) + np.abs(numeric)
    rel = diff / np.maximum(scale, np.finfo(np.float64).tiny)
    bad = diff > atol + rtol * scale
    # The worst element is the one that exceeds its allowance by the largest factor.
    excess = diff / (atol + rtol * scale)
    worst = int(np.argmax(excess)) if excess.size else 0
    return ParameterCheck(
        name=name,
        shape=tuple(shape),
        max_abs_diff=float(diff.max()) if diff.size else 0.0,
        max_rel_error=float(rel.max()) if rel.size else 0.0,
        passed=not bool(bad.any()),
        worst_index=index_of(worst) if diff.size else None,
        analytic_at_worst=float(analytic[worst]) if diff.size else math.nan,
        numeric_at_worst=float(numeric[worst]) if diff.size else math.nan,
        n_compared=int(diff.size),
    )


def _check_elements(f, name, param, analytic, positions, s) -> ParameterCheck:
    """Central differences at the given flat positions of param (restored afterwards)."""
    numeric = np.array([_central_difference(f, param, np.unravel_index(pos, param.shape), s["h"])
                        for pos in positions], dtype=np.float64)
    a = analytic.reshape(-1)[positions].astype(np.float64)
    return _compare(
        name, param.shape, a, numeric,
        lambda k: tuple(int(i) for i in np.unravel_index(positions[k], param.shape)),
        s["rtol"], s["atol"],
    )


def _check_directions(f, name, param, analytic, n_directions, rng, s) -> ParameterCheck:
    """Compare ⟨∇f, u⟩ with (f(p + h u) - f(p - h u)) / 2h for random unit directions u."""
    h = s["h"]
    saved = param.copy()
    numeric = np.empty(n_directions, dtype=np.float64)
    projected = np.empty(n_directions, dtype=np.float64)
    a = analytic.astype(np.float64).reshape(-1)
    try:
        for k in range(n_directions):
            u = rng.standard_normal(param.size)
            u /= np.linalg.norm(u)
            step = (h * u).reshape(param.shape)
            np.copyto(param, saved + step, casting="unsafe")
            f_plus = float(f())
            upper = param.astype(np.float64) - saved
            np.copyto(param, saved - step, casting="unsafe")
            f_minus = float(f())
            lower = param.astype(np.float64) - saved
            np.copyto(param, saved)
            # The step actually taken after rounding to param's dtype.
            taken = (upper - lower).reshape(-1)
            numeric[k] = (f_plus - f_minus) / np.linalg.norm(taken)
            projected[k] = a @ (taken / np.linalg.norm(taken))
    finally:
        np.copyto(param, saved)
    return _compare(name, param.shape, projected, numeric, lambda k: (k,), s["rtol"], s["atol"])


def gradient_check(
    f: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    mode: str = "full",
    n_samples: int = 20,
    n_directions: int = 10,
    rng: np.random.Generator | int | None = 0,
    h: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
) -> GradientCheckReport:
    """Compare backprop gradients with numerical ones, parameter by parameter.

    f: computes the loss from the current values of ``params`` (no argument);
       the parameters are perturbed in place and always restored.
    params: name -> array; grads: name -> the backprop gradient, same shape.
    mode: "full" every element (exercise 2_17); "sample" n_samples random
       elements per parameter; "directional" n_directions random unit
       directions per parameter (2 loss evaluations each, so a net with
       hundreds of thousands of parameters is checked in seconds).
    h, rtol, atol: default by the parameters' dtype (float64: h=1e-5,
       rtol=1e-5, atol=1e-7; float32: h=1e-2, rtol=2e-2, atol=2e-3).
    Returns a GradientCheckReport. A gradient missing or of the wrong shape is
    a failure that says so (for example db of shape (N, 3) instead of (3,)).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {list(MODES)}")
    rng = np.random.default_rng(rng)
    dtypes = {np.dtype(p.dtype) for p in params.values()}
    dtype = np.dtype(np.float32) if np.dtype(np.float32) in dtypes else np.dtype(np.float64)
    s = _settings(dtype, rtol, atol, h)
    report = GradientCheckReport(mode=mode, dtype=str(dtype), **s)
    for name, param in params.items():
        analytic = grads.get(name)
        if analytic is None:
            report.checks.append(_problem(name, param.shape, "no backprop gradient was given"))
            continue
        analytic = np.asarray(analytic)
        if analytic.shape != param.shape:
            report.checks.append(_problem(
                name, param.shape,
                f"backprop gradient has shape {analytic.shape}, expected {param.shape} (the parameter's shape)",
            ))
            continue
        if mode == "directional":
            check = _check_directions(f, name, param, analytic, n_directions, rng, s)
        else:
            positions = np.arange(param.size)
            if mode == "sample" and param.size > n_samples:
                positions = np.sort(rng.choice(param.size, size=n_samples, replace=False))
            check = _check_elements(f, name, param, analytic, positions, s)
        report.checks.append(check)
    return report


def _problem(name, shape, text) -> ParameterCheck:
    return ParameterCheck(name=name, shape=tuple(shape), max_abs_diff=math.inf, max_rel_error=math.inf,
                          passed=False, problem=text)


def check_layer_gradient(layer, x: np.ndarray, dout: np.ndarray | None = None, rng=0, **options) -> GradientCheckReport:
    """Gradient check of a layer with forward(x) / backward(dout).

    Checks the input gradient (reported as "x") and every entry of
    ``layer.params`` against the numerical gradient of L = Σ forward(x) · dout,
    where dout is random unless given (a random dout also catches a backward
    that ignores it). x is copied to float64 when it is not floating.
    options: as for ``gradient_check`` (mode, n_samples, ...).
    """
    rng = np.random.default_rng(rng)
    x = np.array(x, dtype=x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64)
    out = layer.forward(x)
    if dout is None:
        dout = rng.standard_normal(np.shape(out)).astype(np.asarray(out).dtype)
    dx = layer.backward(dout)
    grads = {"x": dx}
    grads.update({name: np.array(g) for name, g in getattr(layer, "grads", {}).items()})
    params = {"x": x, **getattr(layer, "params", {})}

    def loss() -> float:
        return float(np.sum(np.asarray(layer.forward(x), dtype=np.float64) * dout))

    return gradient_check(loss, params, grads, rng=rng, **options)


def check_net_gradient(net, x: np.ndarray, t: np.ndarray, rng=0, **options) -> GradientCheckReport:
    """Gradient check of a net with params, loss(x, t) and gradient(x, t).

    Build the net with dtype=np.float64 for a tight check.
    options: as for ``gradient_check`` (mode, n_samples, ...).
    """
    grads = {name: np.array(g) for name, g in net.gradient(x, t).items()}
    return gradient_check(lambda: net.loss(x, t), net.params, grads, rng=rng, **options)
