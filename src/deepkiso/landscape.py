"""Landscapes of two variables, descent paths on them, and what kind of place a path stops at.

Serves the slides' partial derivatives and gradient vector (f(x, y) = 2x² + 3y,
∇f = (4x, 3)), exercise 2_3 (steepest descent, 最急降下法, and the learning rate
η), exercise 2_6 (visualising saddle points, 鞍点, and plateaus, プラトー) and the
group work that asks how to tell that training sits on one and how to get out:
every named surface here can be walked with the library's optimizers (plus
gradient descent with added noise, as small mini-batches give), and every stop
is classified from the numerical gradient and Hessian — a minimum, a maximum, a
saddle (curvatures of both signs), a plateau (gradient and curvature both near
zero) or still descending. ``diagnose_stall`` asks the same question of a net's
whole parameter vector, without forming its Hessian.

All arithmetic is float64: the classification takes second differences, which
float32 cannot resolve.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from deepkiso.differentiation import numerical_gradient
from deepkiso.expression import parse_expression
from deepkiso.optimizers import OPTIMIZERS, make_optimizer

__all__ = [
    "Surface",
    "SURFACES",
    "get_surface",
    "surface_from_expression",
    "numerical_hessian",
    "PointReport",
    "classify_point",
    "DescentPath",
    "OPTIMIZER_CHOICES",
    "NOISY_GD_NOISE_STD",
    "descend",
    "StallReport",
    "diagnose_stall",
    "diagnose_net",
]

# Below these, a gradient norm and a curvature (Hessian eigenvalue) count as zero.
# They suit the named surfaces, whose curvatures near their special points are 0.1 – 1000.
GRAD_TOL = 1e-3
CURVATURE_TOL = 1e-2

# A path is stopped once it is this far from the origin: it has diverged, and
# another step would overflow.
_ESCAPE_NORM = 1e6


# --------------------------------------------------------------------------
# Surfaces


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


def _plateau(x, y):
    return 1.0 - np.exp(-(x * x + y * y) / 2)


def _plateau_grad(x, y):
    e = np.exp(-(x * x + y * y) / 2)
    return x * e, y * e


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
    ]
}


def get_surface(name: str) -> Surface:
    """A named surface (see SURFACES)."""
    if name not in SURFACES:
        raise ValueError(
            f"unknown function {name!r}; choose one of {sorted(SURFACES)} or give an expression"
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
        raise ValueError(f"expression must be a non-empty formula in x and y, got {text!r}")
    # "x^2" means a power to a learner. Swapping the text (not the ^ operator's node)
    # keeps the power's precedence: x^2 + y^2 is (x**2) + (y**2), never x ^ (2 + y) ^ 2.
    expression = parse_expression(text.strip().replace("^", "**"))
    for name in expression.names:
        if name not in _COORDINATES and name not in _CONSTANTS:
            raise ValueError(
                f"expression {text!r}: unknown name {name!r} at column {expression.columns[name]}; "
                f"use x and y (or x0 and x1) and the constants {sorted(_CONSTANTS)}"
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


# --------------------------------------------------------------------------
# Classifying a point from its numerical gradient and Hessian


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


def _kind(
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
    kind = _kind(
        float(np.linalg.norm(gradient)),
        float(curvatures[0]),
        float(curvatures[-1]),
        grad_tol,
        curvature_tol,
    )
    return PointReport(kind=kind, point=point, gradient=gradient, curvatures=curvatures)


# --------------------------------------------------------------------------
# Descent paths

# Gradient descent with added noise: SGD whose gradient gets Gaussian noise of
# this standard deviation per coordinate, the way a small mini-batch's gradient
# scatters around the full-batch one.
NOISY_GD_NOISE_STD = 1.0
OPTIMIZER_CHOICES = (*OPTIMIZERS, "noisy-gd")


@dataclass
class DescentPath:
    """One walk over a surface.

    points: (n + 1, 2) every point visited, points[0] = start; values: (n + 1,) f there.
    n is the number of steps asked for, or fewer when the walk diverged and was stopped.
    kind: the last point's classification (see classify_point), or "diverging"
        when the walk ended higher than it started, or overflowed.
    steps_needed: the first step at which f < the surface's goal, None if never
        (or if the surface has no goal).
    """

    optimizer: str
    lr: float
    noise_std: float
    points: np.ndarray
    values: np.ndarray
    kind: str
    steps_needed: int | None
    goal: float | None

    @property
    def start(self) -> np.ndarray:
        return self.points[0]

    @property
    def n_steps(self) -> int:
        return len(self.points) - 1

    def label(self, with_start: bool = False) -> str:
        """A legend entry: "adam, η=0.1: f < −1 after 11 steps, ends still descending"."""
        noisy = self.noise_std > 0 and self.optimizer != "noisy-gd"
        text = f"{self.optimizer}{'+noise' if noisy else ''}, η={self.lr:g}"
        if with_start:
            text += f", from ({self.start[0]:g}, {self.start[1]:g})"
        if self.goal is not None:
            goal = f"f < {self.goal:g}".replace("-", "−")
            if self.steps_needed is None:
                text += f": {goal} not reached in {self.n_steps} steps"
            else:
                text += f": {goal} after {self.steps_needed} step{'s' if self.steps_needed != 1 else ''}"
        return f"{text}, ends {_KIND_PHRASES[self.kind]}"


_KIND_PHRASES = {
    "minimum": "at a minimum",
    "maximum": "at a maximum",
    "saddle": "at a saddle point",
    "plateau": "on a plateau",
    "descending": "still descending",
    "diverging": "diverging",
}


def _optimizer_and_noise(optimizer: str, lr: float, noise_std: float | None):
    key = optimizer.lower()
    if key not in OPTIMIZER_CHOICES:
        raise ValueError(
            f"unknown optimizer {optimizer!r}; choose one of {list(OPTIMIZER_CHOICES)}"
        )
    if noise_std is None:
        noise_std = NOISY_GD_NOISE_STD if key == "noisy-gd" else 0.0
    if noise_std < 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std}")
    return make_optimizer("sgd" if key == "noisy-gd" else key, lr), key, float(noise_std)


def descend(
    surface: Surface,
    start: np.ndarray,
    optimizer: str = "sgd",
    lr: float = 0.1,
    steps: int = 100,
    noise_std: float | None = None,
    rng: np.random.Generator | int | None = 0,
) -> DescentPath:
    """Walk down a surface from start with one of the library's optimizers.

    start: (2,). optimizer: "sgd" (plain gradient descent, x ← x − η∇f),
    "momentum", "adagrad", "rmsprop", "adam" or "noisy-gd" (SGD on ∇f plus
    Gaussian noise). noise_std: the noise's standard deviation per coordinate;
    None means NOISY_GD_NOISE_STD for "noisy-gd" and 0 for the others (any
    value adds noise to any optimizer). rng: seed or Generator for the noise.
    The walk stops early only when it diverges (|x| > 1e6 or not finite).
    """
    start = np.array(start, dtype=np.float64).reshape(-1)
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise ValueError(f"start must be two finite numbers (x, y), got {start.tolist()}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    opt, key, noise_std = _optimizer_and_noise(optimizer, lr, noise_std)
    rng = np.random.default_rng(rng)
    params = {"x": start.copy()}
    points = [start.copy()]
    for _ in range(steps):
        grad = surface.gradient(params["x"])
        if noise_std:
            grad = grad + noise_std * rng.standard_normal(2)
        with np.errstate(over="ignore", invalid="ignore"):
            opt.update(params, {"x": grad})
        points.append(params["x"].copy())
        if not np.all(np.isfinite(params["x"])) or np.linalg.norm(params["x"]) > _ESCAPE_NORM:
            break
    points = np.array(points)
    values = np.array([surface(p) if np.all(np.isfinite(p)) else math.nan for p in points])
    return DescentPath(
        optimizer=key,
        lr=float(lr),
        noise_std=noise_std,
        points=points,
        values=values,
        kind=_path_kind(surface, points, values),
        steps_needed=_steps_needed(values, surface.goal),
        goal=surface.goal,
    )


def _path_kind(surface: Surface, points: np.ndarray, values: np.ndarray) -> str:
    last = points[-1]
    if not np.all(np.isfinite(last)) or not np.isfinite(values[-1]):
        return "diverging"
    if np.linalg.norm(last) > _ESCAPE_NORM:
        # Stopped far away: falling for ever (f unbounded below) or thrown out by too large a step.
        return "descending" if values[-1] < values[0] else "diverging"
    kind = classify_point(surface, last).kind
    # Still moving, yet higher than at the start: a descent cannot climb, so the step is too large.
    if kind == "descending" and values[-1] > values[0]:
        return "diverging"
    return kind


def _steps_needed(values: np.ndarray, goal: float | None) -> int | None:
    if goal is None:
        return None
    below = np.flatnonzero(values < goal)
    return int(below[0]) if below.size else None


# --------------------------------------------------------------------------
# Is training stuck? The same rule on a whole parameter vector


@dataclass(frozen=True)
class StallReport:
    """kind as in classify_point; the gradient norm and the lowest and highest
    curvature (Hessian eigenvalue) estimates that decided it."""

    kind: str
    gradient_norm: float
    lowest_curvature: float
    highest_curvature: float

    def __str__(self) -> str:
        return (
            f"{self.kind}: |gradient| = {self.gradient_norm:.3g}, curvature from "
            f"{self.lowest_curvature:.3g} to {self.highest_curvature:.3g}"
        )


def _lanczos_extremes(hessian_times, n: int, n_iterations: int, rng) -> tuple[float, float]:
    """The lowest and highest eigenvalue of the symmetric H, from k = min(n, n_iterations) products Hv.

    Lanczos: the products span a Krylov space in which H is a k × k tridiagonal
    matrix T, whose extreme eigenvalues approach H's fast (exact when k = n).
    Each new vector is orthogonalised against all earlier ones, so rounding
    cannot bring back a direction already found.
    """
    k = min(n, n_iterations)
    basis = np.zeros((k, n))
    diagonal, off_diagonal = [], []
    q = rng.standard_normal(n)
    q /= np.linalg.norm(q)
    for j in range(k):
        basis[j] = q
        w = hessian_times(q)
        diagonal.append(float(q @ w))
        w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(np.linalg.norm(w))
        if j == k - 1 or beta < 1e-10 * max(1.0, abs(diagonal[-1])):
            break
        off_diagonal.append(beta)
        q = w / beta
    m = len(diagonal)
    tridiagonal = (
        np.diag(diagonal) + np.diag(off_diagonal[: m - 1], 1) + np.diag(off_diagonal[: m - 1], -1)
    )
    eigenvalues = np.linalg.eigvalsh(tridiagonal)
    return float(eigenvalues[0]), float(eigenvalues[-1])


def diagnose_stall(
    gradient: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    grad_tol: float = GRAD_TOL,
    curvature_tol: float = CURVATURE_TOL,
    n_iterations: int = 30,
    h: float = 1e-4,
    rng: np.random.Generator | int | None = 0,
) -> StallReport:
    """Tell whether a point θ of a many-variable function is a minimum, saddle, plateau, …

    gradient: θ (n,) -> ∇f(θ) (n,), e.g. backprop. theta: (n,).
    The whole Hessian (n × n) would cost 2n gradients; instead Hessian-vector
    products Hv ≈ (∇f(θ + hv) − ∇f(θ − hv)) / 2h feed the Lanczos method, which
    estimates the lowest and highest curvature from min(n, n_iterations)
    products (exact when n ≤ n_iterations): 2 · n_iterations + 1 gradients in
    all. The decision rule is classify_point's.
    """
    theta = np.array(theta, dtype=np.float64).reshape(-1)
    rng = np.random.default_rng(rng)
    g0 = np.asarray(gradient(theta.copy()), dtype=np.float64).reshape(-1)

    def hessian_times(v: np.ndarray) -> np.ndarray:
        plus = np.asarray(gradient(theta + h * v), dtype=np.float64).reshape(-1)
        minus = np.asarray(gradient(theta - h * v), dtype=np.float64).reshape(-1)
        return (plus - minus) / (2 * h)

    lowest, highest = _lanczos_extremes(hessian_times, theta.size, n_iterations, rng)
    norm = float(np.linalg.norm(g0))
    return StallReport(_kind(norm, lowest, highest, grad_tol, curvature_tol), norm, lowest, highest)


def diagnose_net(net, x: np.ndarray, t: np.ndarray, **options) -> StallReport:
    """diagnose_stall for a net's loss on (x, t), over all its parameters at once.

    net: anything with ``params`` (name -> array) and ``gradient(x, t)`` (e.g.
    MultiLayerNet). The parameters are set to perturbed values and restored
    bit for bit afterwards. A float64 net gives cleaner curvatures: float32
    gradients differ by rounding noise of about 1e-7 / h.
    options: as for diagnose_stall.
    """
    params: Mapping[str, np.ndarray] = net.params
    saved = {name: p.copy() for name, p in params.items()}
    sizes = [p.size for p in params.values()]

    def gradient(theta: np.ndarray) -> np.ndarray:
        for p, piece in zip(params.values(), np.split(theta, np.cumsum(sizes)[:-1])):
            # In place on purpose: the net's layers hold these same arrays.
            p[...] = piece.reshape(p.shape)
        grads = net.gradient(x, t)
        return np.concatenate([np.asarray(grads[name], np.float64).reshape(-1) for name in params])

    theta = np.concatenate([p.astype(np.float64).reshape(-1) for p in params.values()])
    try:
        return diagnose_stall(gradient, theta, **options)
    finally:
        for name, p in params.items():
            p[...] = saved[name]
