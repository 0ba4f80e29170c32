"""What kind of point this is: a minimum, a maximum, a saddle, a plateau or still descending.

Part of ``deepkiso.landscape``: the numerical gradient and Hessian of a function at a point, and the
one rule (``point_kind``) that every classification in the package uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deepkiso.differentiation import numerical_gradient
from deepkiso.landscape.surfaces import Surface

__all__ = [
    "GRAD_TOL",
    "CURVATURE_TOL",
    "numerical_hessian",
    "point_kind",
    "PointReport",
    "classify_point",
    "minimum_kind",
]

# Below these, a gradient norm and a curvature (Hessian eigenvalue) count as zero.
# They suit the named surfaces, whose curvatures near their special points are 0.1 – 1000.
GRAD_TOL = 1e-3
CURVATURE_TOL = 1e-2


def numerical_hessian(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-3
) -> np.ndarray:
    """The matrix of second derivatives ∂²f/∂x_i∂x_j by central differences.

    x: (n,). Returns (n, n) float64, symmetric.
    Diagonal:  (f(x + h e_i) − 2 f(x) + f(x − h e_i)) / h²
    Off it:    (f(x + h e_i + h e_j) − f(x + h e_i − h e_j)
                − f(x − h e_i + h e_j) + f(x − h e_i − h e_j)) / 4h²
    h = 1e-3 (not the gradient's 1e-4): a second difference divides by h², so
    rounding grows as eps·|f|/h² and a larger step keeps it near 1e-10·|f|.
    """
    x = np.array(x, dtype=np.float64).reshape(-1)
    n = x.size
    eye = np.eye(n) * h
    f0 = float(f(x))
    hessian = np.empty((n, n))
    for i in range(n):
        hessian[i, i] = (float(f(x + eye[i])) - 2 * f0 + float(f(x - eye[i]))) / (h * h)
        for j in range(i + 1, n):
            value = (
                float(f(x + eye[i] + eye[j]))
                - float(f(x + eye[i] - eye[j]))
                - float(f(x - eye[i] + eye[j]))
                + float(f(x - eye[i] - eye[j]))
            ) / (4 * h * h)
            hessian[i, j] = hessian[j, i] = value
    return hessian


def point_kind(
    gradient_norm: float, lowest: float, highest: float, grad_tol: float, curvature_tol: float
) -> str:
    """The rule every classification here uses, from |∇f| and the extreme Hessian eigenvalues."""
    if not (math.isfinite(gradient_norm) and math.isfinite(lowest) and math.isfinite(highest)):
        return "diverging"
    if gradient_norm > grad_tol:
        return "descending"
    if abs(lowest) <= curvature_tol and abs(highest) <= curvature_tol:
        return "plateau"
    if lowest < -curvature_tol and highest > curvature_tol:
        return "saddle"
    return "minimum" if lowest >= -curvature_tol else "maximum"


@dataclass(frozen=True)
class PointReport:
    """What kind of point this is, and the numbers that decided it.

    kind: "minimum", "maximum", "saddle" (curvatures of both signs), "plateau"
        (gradient and every curvature near zero) or "descending" (the gradient
        is not near zero: a descent would still move).
    gradient: (n,) the numerical gradient; curvatures: (n,) the Hessian's eigenvalues, ascending.
    """

    kind: str
    point: np.ndarray
    gradient: np.ndarray
    curvatures: np.ndarray


def classify_point(
    surface: Surface | Callable[[np.ndarray], float],
    point: np.ndarray,
    grad_tol: float = GRAD_TOL,
    curvature_tol: float = CURVATURE_TOL,
) -> PointReport:
    """Classify a point of a function of two (or more) variables.

    surface: a Surface or any f(point) -> float; point: (n,).
    The gradient is the numerical gradient (h = 1e-4) and the curvatures are
    the eigenvalues of the numerical Hessian:
      |∇f| > grad_tol                                 → "descending"
      every |eigenvalue| ≤ curvature_tol              → "plateau"
      eigenvalues below −curvature_tol and above it   → "saddle"
      none below −curvature_tol                       → "minimum"
      otherwise                                       → "maximum"
    """
    point = np.array(point, dtype=np.float64).reshape(-1)
    gradient = numerical_gradient(lambda p: surface(p), point.copy())
    curvatures = np.linalg.eigvalsh(numerical_hessian(surface, point))
    kind = point_kind(
        float(np.linalg.norm(gradient)),
        float(curvatures[0]),
        float(curvatures[-1]),
        grad_tol,
        curvature_tol,
    )
    return PointReport(kind=kind, point=point, gradient=gradient, curvatures=curvatures)


# The grid on which minimum_kind looks for a lower point of a surface whose minima are not known.
_WINDOW_GRID = 201


def minimum_kind(surface: Surface, point: np.ndarray) -> str | None:
    """Whether a minimum at point is the global minimum (大域的最小解) or a local one (局所的最小解).

    surface: a Surface; point: (2,), a point that classify_point calls a minimum.
    Where the surface knows its minima, the answer is the basin the point lies in
    ("global" for the lowest of them, "local" for any other). Otherwise f is
    sampled on a 201 × 201 grid over the surface's window: a lower value there
    proves the minimum "local"; none proves nothing (f may be lower outside the
    window), and the answer is None. It is also None where the point is in no
    known minimum's basin.
    """
    point = np.array(point, dtype=np.float64).reshape(2)
    if surface.minima:
        index = int(surface.basin(point[None])[0])
        if index < 0:
            return None
        return "global" if index == surface.global_minimum else "local"
    x, y = np.meshgrid(
        np.linspace(*surface.x_range, _WINDOW_GRID), np.linspace(*surface.y_range, _WINDOW_GRID)
    )
    values = surface.values(x, y)
    finite = values[np.isfinite(values)]
    here = surface(point)
    if finite.size and math.isfinite(here) and finite.min() < here - 1e-9 * (1 + abs(here)):
        return "local"
    return None
