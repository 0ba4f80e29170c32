"""Surfaces of two variables f(x, y): the named ones of the slides and exercises, and a user's formula.

Part of ``deepkiso.landscape`` (see its docstring). Each Surface knows f, its gradient (analytic
where known, else central differences) and the window a picture shows it through. All float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deepkiso.expression import parse_expression
from deepkiso.i18n import _

__all__ = ["Surface", "SURFACES", "get_surface", "surface_from_expression"]


@dataclass(frozen=True)
class Surface:
    """A function of two variables f(x, y) with a window to look at it through.

    function: f(x, y) elementwise on arrays of any (equal) shape.
    gradient_function: (∂f/∂x, ∂f/∂y) elementwise, or None to use central
        differences (h = 1e-4, the course's choice).
    x_range, y_range: the window a picture shows.
    goal: a path has "arrived" at its first step with f < goal (None: no goal).
        This is what "the number of steps needed" counts.
    start: a starting point that shows the surface's character, (x, y).
    minima: the surface's minima where they are known, ((x, y), ...); the one with the
        lowest f is the global minimum (大域的最小解), every other a local one (局所的最小解).
        ``basin`` tells which of them a point's descent reaches.
    """

    name: str
    formula: str
    function: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gradient_function: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = (
        None
    )
    x_range: tuple[float, float] = (-3.0, 3.0)
    y_range: tuple[float, float] = (-3.0, 3.0)
    goal: float | None = None
    start: tuple[float, float] = (2.0, 2.0)
    description: str = ""
    minima: tuple[tuple[float, float], ...] = ()

    def __call__(self, point: np.ndarray) -> float:
        """f at one point, point: (2,) = (x, y). Returns a float."""
        point = np.asarray(point, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return float(self.function(point[0], point[1]))

    def values(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f on a grid: x, y of one shape (e.g. from np.meshgrid); returns float64 of that shape."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return np.asarray(
                self.function(np.asarray(x, np.float64), np.asarray(y, np.float64)), np.float64
            )

    def gradient_field(
        self, x: np.ndarray, y: np.ndarray, h: float = 1e-4
    ) -> tuple[np.ndarray, np.ndarray]:
        """(∂f/∂x, ∂f/∂y) on a grid, each of x's shape: analytic where known, else central differences."""
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.gradient_function is not None:
                gx, gy = self.gradient_function(x, y)
                return np.broadcast_to(gx, x.shape).astype(np.float64), np.broadcast_to(
                    gy, y.shape
                ).astype(np.float64)
            gx = (self.function(x + h, y) - self.function(x - h, y)) / (2 * h)
            gy = (self.function(x, y + h) - self.function(x, y - h)) / (2 * h)
            return np.asarray(gx, np.float64), np.asarray(gy, np.float64)

    def gradient(self, point: np.ndarray) -> np.ndarray:
        """∇f at one point: (2,) float64."""
        point = np.asarray(point, dtype=np.float64)
        gx, gy = self.gradient_field(point[0], point[1])
        return np.array([float(gx), float(gy)])

    @property
    def global_minimum(self) -> int | None:
        """The index in minima of the global minimum (the lowest f), None when no minimum is known."""
        if not self.minima:
            return None
        return int(np.argmin([self(np.array(m)) for m in self.minima]))

    def basin(self, points: np.ndarray) -> np.ndarray:
        """Which known minimum each point lies in the basin of: (m,) indices into minima.

        points: (m, 2). The basin of a minimum is the set of points from which
        gradient descent reaches it; here each point walks downhill (steps of
        0.01 ∇f, at most 0.05 long, at most 4000 of them, all points at once, each
        stopping within 0.01 of a minimum) and is given the minimum nearest to where
        it ends. −1 where no minimum is known.
        """
        points = np.array(points, dtype=np.float64).reshape(-1, 2)
        if not self.minima:
            return np.full(len(points), -1)
        minima = np.array(self.minima, dtype=np.float64)
        walkers = points.copy()
        active = np.arange(len(walkers))  # the walkers not yet next to a minimum
        for step in range(_BASIN_STEPS):
            if step % 25 == 0:
                near = np.min(_distances(walkers[active], minima), axis=1) < _BASIN_ARRIVED
                active = active[~near]
                if not active.size:
                    break
            here = walkers[active]
            gx, gy = self.gradient_field(here[:, 0], here[:, 1])
            move = _BASIN_RATE * np.stack([gx, gy], axis=1)
            length = np.linalg.norm(move, axis=1, keepdims=True)
            # A steep wall (or a non-finite gradient) would throw a walker across the ridge.
            with np.errstate(invalid="ignore", divide="ignore"):
                move = np.where(length > _BASIN_MAX_STEP, move * _BASIN_MAX_STEP / length, move)
            walkers[active] = here - np.nan_to_num(move)
        return np.argmin(_distances(walkers, minima), axis=1)


def _distances(points: np.ndarray, minima: np.ndarray) -> np.ndarray:
    """(m, k) the distance of each of m points to each of k minima."""
    return np.linalg.norm(points[:, None, :] - minima[None], axis=2)


# The walk of Surface.basin: small, capped steps, so it follows the slope and never jumps a ridge.
_BASIN_RATE = 0.01
_BASIN_MAX_STEP = 0.05
_BASIN_STEPS = 4000
_BASIN_ARRIVED = 0.01  # a walker this close to a minimum is in its basin: it stops walking


def _plateau(x, y):
    return 1.0 - np.exp(-(x * x + y * y) / 2)


def _plateau_grad(x, y):
    e = np.exp(-(x * x + y * y) / 2)
    return x * e, y * e


# The double well's tilt: it lowers the left well and raises the right one, so that one minimum
# is global (x ≈ −1.04, f ≈ −0.31) and the other local (x ≈ 0.96, f ≈ 0.29), 0.72 below the ridge.
_TILT = 0.3


def _double_well(x, y):
    return (x * x - 1) ** 2 + _TILT * x + y * y


def _double_well_grad(x, y):
    return 4 * x * (x * x - 1) + _TILT, 2 * y


def _double_well_minima() -> tuple[tuple[float, float], ...]:
    """The two minima: the outer roots of ∂f/∂x = 4x³ − 4x + 0.3 (the middle one is the ridge)."""
    roots = np.sort(np.roots([4.0, 0.0, -4.0, _TILT]).real)
    return (float(roots[0]), 0.0), (float(roots[2]), 0.0)


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in [
        Surface(
            "bowl",
            "f(x, y) = x² + y²",
            lambda x, y: x * x + y * y,
            lambda x, y: (2 * x, 2 * y),
            goal=1e-3,
            start=(-2.0, 1.5),
            description="the course's function_2, f(x0, x1) = x0² + x1²: one minimum at the origin",
        ),
        Surface(
            "slides",
            "f(x, y) = 2x² + 3y",
            lambda x, y: 2 * x * x + 3 * y,
            lambda x, y: (4 * x, 3 + 0 * y),
            description="the slides' partial-derivative example, ∇f = (4x, 3): a trough that falls for ever",
        ),
        Surface(
            "saddle",
            "f(x, y) = x² − y²",
            lambda x, y: x * x - y * y,
            lambda x, y: (2 * x, -2 * y),
            goal=-1.0,
            start=(1.0, 1e-3),
            description="a saddle point at the origin: a minimum along x, a maximum along y",
        ),
        Surface(
            "plateau",
            "f(x, y) = 1 − exp(−(x² + y²)/2)",
            _plateau,
            _plateau_grad,
            x_range=(-4.0, 4.0),
            y_range=(-4.0, 4.0),
            goal=0.1,
            start=(3.5, 2.5),
            description="a flat plain (f ≈ 1, gradient and curvature ≈ 0) with one round valley at the origin",
        ),
        Surface(
            "rosenbrock",
            "f(x, y) = (1 − x)² + 100(y − x²)²",
            lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
            lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
            x_range=(-2.0, 2.0),
            y_range=(-1.0, 3.0),
            goal=1e-3,
            start=(-1.5, 2.0),
            description="a curved, narrow valley with its minimum at (1, 1)",
        ),
        Surface(
            "elongated",
            "f(x, y) = x²/20 + y²",
            lambda x, y: x * x / 20 + y * y,
            lambda x, y: (x / 10, 2 * y),
            x_range=(-10.0, 10.0),
            y_range=(-5.0, 5.0),
            goal=1e-2,
            start=(-7.0, 2.0),
            description="a long, narrow bowl: steep across, shallow along (SGD zig-zags, Momentum does not)",
        ),
        Surface(
            "double-well",
            "f(x, y) = (x² − 1)² + 0.3x + y²",
            _double_well,
            _double_well_grad,
            x_range=(-2.0, 2.0),
            y_range=(-2.0, 2.0),
            goal=0.0,
            start=(1.5, 1.0),
            description=(
                "two wells: a global minimum at x ≈ −1.04 and a shallower local one at x ≈ 0.96, "
                "where plain gradient descent from the right is trapped"
            ),
            minima=_double_well_minima(),
        ),
    ]
}


def get_surface(name: str) -> Surface:
    """A named surface (see SURFACES)."""
    if name not in SURFACES:
        raise ValueError(
            _("unknown function {name!r}; choose one of {choices} or give an expression").format(
                name=name, choices=sorted(SURFACES)
            )
        )
    return SURFACES[name]


# --------------------------------------------------------------------------
# A user's expression, read by deepkiso.expression's whitelist (never eval'd)

_CONSTANTS = {"pi": math.pi, "e": math.e}
# x0, x1 as in the course's function_2(x) = x[0]**2 + x[1]**2.
_COORDINATES = {"x": 0, "y": 1, "x0": 0, "x1": 1}


def surface_from_expression(
    text: str,
    x_range: tuple[float, float] = (-3.0, 3.0),
    y_range: tuple[float, float] = (-3.0, 3.0),
    goal: float | None = None,
) -> Surface:
    """A Surface from a formula a user typed, such as "x**2 - y**2" or "2*x^2 + 3*y".

    The text goes through ``deepkiso.expression``'s whitelist (Python's ``ast``,
    never eval): arithmetic with number exponents on x, y (or x0, x1), numbers,
    pi, e and the functions exp, log, sqrt, abs, sin, cos, tanh, sigmoid, relu.
    ``^`` is read as a power. The gradient is taken by central differences.
    Raises ValueError naming what is not allowed.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            _("expression must be a non-empty formula in x and y, got {text!r}").format(text=text)
        )
    # "x^2" means a power to a learner. Swapping the text (not the ^ operator's node)
    # keeps the power's precedence: x^2 + y^2 is (x**2) + (y**2), never x ^ (2 + y) ^ 2.
    expression = parse_expression(text.strip().replace("^", "**"))
    for name in expression.names:
        if name not in _COORDINATES and name not in _CONSTANTS:
            raise ValueError(
                _(
                    "expression {text!r}: unknown name {name!r} at column {column}; "
                    "use x and y (or x0 and x1) and the constants {constants}"
                ).format(
                    text=text,
                    name=name,
                    column=expression.columns[name],
                    constants=sorted(_CONSTANTS),
                )
            )

    def function(x, y):
        coordinates = (x, y)
        values = {**_CONSTANTS, **{name: coordinates[axis] for name, axis in _COORDINATES.items()}}
        return expression.evaluate(values)[0].data

    # A start three quarters of the way across the window: inside it, and away from a centred special point.
    start = (
        x_range[0] + 0.75 * (x_range[1] - x_range[0]),
        y_range[0] + 0.75 * (y_range[1] - y_range[0]),
    )
    return Surface(
        name=text.strip(),
        formula=f"f(x, y) = {text.strip()}",
        function=lambda x, y: np.broadcast_to(function(x, y), np.broadcast(x, y).shape),
        x_range=x_range,
        y_range=y_range,
        goal=goal,
        start=start,
        description="a user's expression",
    )
