"""Numerical differentiation and steepest descent.

Exercises 2_2 – 2_5 (numerical_diff, numerical_gradient for arrays of any
shape) and 2_3 (gradient_descent with its whole trajectory); the gradient check
of 2_17 is in ``deepkiso.gradcheck`` (re-exported here). Differences are taken
in float64 whatever the input's dtype: a float32 array (a float32 net's weights) is
perturbed as a float64 copy, and f is evaluated on a copy of itself that reads
that copy, so a float32 net's loss is computed in float64 wherever its code
promotes (float32 data times float64 weights does). A difference quotient in
float32 with h = 1e-4 keeps only about three correct digits, and for |x| > 2048
it has no step at all: x ± h rounds back to x.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deepkiso._finite_differences import float64_twin, gradient_in_place, like, require_step

# The gradient check (exercise 2_17) lives in deepkiso.gradcheck; its names stay importable from here.
from deepkiso.gradcheck import (
    GradientCheckReport,
    ParameterCheck,
    check_layer_gradient,
    check_net_gradient,
    gradient_check,
)
from deepkiso.i18n import _

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


def numerical_diff(
    f: Callable[[float], float], x: float, h: float = 1e-4, method: str = "central"
) -> float | np.floating[Any]:
    """df/dx at the scalar x by a difference quotient, in float64.

    central:  (f(x + h) - f(x - h)) / 2h   error O(h²)  (the course's choice)
    forward:  (f(x + h) - f(x)) / h        error O(h)   (for the slides' comparison)
    backward: (f(x) - f(x - h)) / h        error O(h)
    x is taken as a float64 number and the result is cast back to x's type (a
    float, or np.float32 for an np.float32 x). An h below the spacing of the
    float64 numbers at x is refused: x ± h would round back to x.
    """
    if method not in METHODS:
        raise ValueError(
            _("unknown method {method!r}; choose one of {choices}").format(
                method=method, choices=list(METHODS)
            )
        )
    x64 = np.float64(x)
    require_step("numerical_diff", h, np.asarray(x64), "x")
    x64 = float(x64)
    if method == "central":
        slope = (float(f(x64 + h)) - float(f(x64 - h))) / (2 * h)
    elif method == "forward":
        slope = (float(f(x64 + h)) - float(f(x64))) / h
    else:
        slope = (float(f(x64)) - float(f(x64 - h))) / h
    return like(slope, x)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4
) -> np.ndarray:
    """∂f/∂x_i for every element of x by central differences, in float64.

    x: an array of any shape. f may use its argument or read x itself (or an
    array that shares memory with it, such as a net's own weights, as in
    ``lambda w: net.loss(x, t)``) and ignore its argument.
    Returns an array of x's shape and dtype.

    A float64 x is perturbed in place one element at a time and restored bit
    for bit afterwards, also when f raises. Any other floating x is never
    touched: the differences are taken on a float64 copy, and f on a deep copy
    of itself in which x is that copy (so a float32 net is evaluated in float64);
    an f whose copy does not hold x is called with the float64 copy, and only
    when that changes nothing (f reads x through a global) is x perturbed in
    place in its own dtype. An h below the spacing of the numbers at the
    largest |x_i| (in the dtype perturbed) is refused: x ± h would round back to x.
    """
    if not isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            _("numerical_gradient: x must be a floating array, got dtype {dtype}").format(
                dtype=x.dtype
            )
        )
    if x.dtype == np.float64:
        return gradient_in_place(f, x, h)
    twin = float64_twin(f, [x])
    if twin is not None:
        f64, (x64,) = twin
        return gradient_in_place(f64, x64, h).astype(x.dtype)
    grad = gradient_in_place(f, x.astype(np.float64), h)
    if not grad.any():
        # Perturbing the copy changed nothing: f may read x itself rather than its argument.
        grad = gradient_in_place(f, x, h)
    return grad.astype(x.dtype)


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
        raise ValueError(_("step_num must be >= 0, got {step_num}").format(step_num=step_num))
    x = np.array(init_x, dtype=np.float64)
    trajectory = np.empty((step_num + 1, *x.shape), dtype=np.float64)
    trajectory[0] = x
    gradient = grad if grad is not None else (lambda z: numerical_gradient(f, z))
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, step_num + 1):
            x = x - lr * np.asarray(gradient(x), dtype=np.float64)
            trajectory[step] = x
    return x, trajectory
