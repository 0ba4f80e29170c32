"""Descent paths: a walk over a surface with one of the library's optimizers, or noisy gradient descent.

Part of ``deepkiso.landscape``. Each path records every point it visits, f there, the steps it
needed to reach the surface's goal and what kind of point it stopped at (``classify_point``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deepkiso._deprecation import renamed_keyword
from deepkiso.i18n import _, n_
from deepkiso.landscape.points import classify_point, minimum_kind
from deepkiso.landscape.surfaces import Surface
from deepkiso.optimizers import OPTIMIZERS, make_optimizer

__all__ = ["DescentPath", "OPTIMIZER_CHOICES", "NOISY_GD_NOISE_STD", "descend"]

# A path is stopped once it is this far from the origin: it has diverged, and
# another step would overflow.
_ESCAPE_NORM = 1e6

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
    minimum: where kind is "minimum", "global" or "local" when that is known
        (see minimum_kind), else None.
    """

    optimizer: str
    lr: float
    noise_std: float
    points: np.ndarray
    values: np.ndarray
    kind: str
    steps_needed: int | None
    goal: float | None
    minimum: str | None = None

    @property
    def start(self) -> np.ndarray:
        return self.points[0]

    @property
    def n_steps(self) -> int:
        return len(self.points) - 1

    def label(self, with_start: bool = False) -> str:
        """A legend entry: "adam, η=0.1: f < −1 after 11 steps, ends still descending"."""
        noisy = self.noise_std > 0 and self.optimizer != "noisy-gd"
        text = f"{self.optimizer}{_('+noise') if noisy else ''}, η={self.lr:g}"
        if with_start:
            text += _(", from ({x}, {y})").format(x=f"{self.start[0]:g}", y=f"{self.start[1]:g}")
        if self.goal is not None:
            goal = f"f < {self.goal:g}".replace("-", "−")
            if self.steps_needed is None:
                text += _(": {goal} not reached in {n} steps").format(goal=goal, n=self.n_steps)
            else:
                text += n_(
                    ": {goal} after {n} step", ": {goal} after {n} steps", self.steps_needed
                ).format(goal=goal, n=self.steps_needed)
        return text + _(", ends {where}").format(where=_kind_phrase(self.kind, self.minimum))


def _kind_phrase(kind: str, minimum: str | None = None) -> str:
    """Where a path stopped, as its legend entry says it ("at a saddle point", "at a local minimum")."""
    if kind == "minimum" and minimum == "local":
        return _("at a local minimum")
    if kind == "minimum" and minimum == "global":
        return _("at the global minimum")
    phrases = {
        "minimum": _("at a minimum"),
        "maximum": _("at a maximum"),
        "saddle": _("at a saddle point"),
        "plateau": _("on a plateau"),
        "descending": _("still descending"),
        "diverging": _("diverging"),
    }
    return phrases[kind]


def _optimizer_and_noise(optimizer: str, lr: float, noise_std: float | None):
    key = optimizer.lower()
    if key not in OPTIMIZER_CHOICES:
        raise ValueError(
            _("unknown optimizer {optimizer!r}; choose one of {choices}").format(
                optimizer=optimizer, choices=list(OPTIMIZER_CHOICES)
            )
        )
    if noise_std is None:
        noise_std = NOISY_GD_NOISE_STD if key == "noisy-gd" else 0.0
    if noise_std < 0:
        raise ValueError(_("noise_std must be >= 0, got {value}").format(value=noise_std))
    return make_optimizer("sgd" if key == "noisy-gd" else key, lr), key, float(noise_std)


@renamed_keyword("steps", "n_steps")
def descend(
    surface: Surface,
    start: npt.ArrayLike,
    optimizer: str = "sgd",
    lr: float = 0.1,
    n_steps: int = 100,
    noise_std: float | None = None,
    rng: np.random.Generator | int | None = 0,
) -> DescentPath:
    """Walk down a surface from start with one of the library's optimizers.

    start: (2,). optimizer: "sgd" (plain gradient descent, x ← x − η∇f),
    "momentum", "adagrad", "rmsprop", "adam" or "noisy-gd" (SGD on ∇f plus
    Gaussian noise). noise_std: the noise's standard deviation per coordinate;
    None means NOISY_GD_NOISE_STD for "noisy-gd" and 0 for the others (any
    value adds noise to any optimizer). rng: an int seed or a Generator for the noise.
    n_steps: how many steps to take (steps= is its deprecated name).
    The walk stops early only when it diverges (|x| > 1e6 or not finite).
    """
    start = np.array(start, dtype=np.float64).reshape(-1)
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise ValueError(
            _("start must be two finite numbers (x, y), got {value}").format(value=start.tolist())
        )
    if n_steps < 0:
        raise ValueError(_("n_steps must be >= 0, got {value}").format(value=n_steps))
    opt, key, noise_std = _optimizer_and_noise(optimizer, lr, noise_std)
    generator = np.random.default_rng(rng)
    params = {"x": start.copy()}
    visited = [start.copy()]
    for _step in range(n_steps):
        grad = surface.gradient(params["x"])
        if noise_std:
            grad = grad + noise_std * generator.standard_normal(2)
        with np.errstate(over="ignore", invalid="ignore"):
            opt.update(params, {"x": grad})
        visited.append(params["x"].copy())
        if not np.all(np.isfinite(params["x"])) or np.linalg.norm(params["x"]) > _ESCAPE_NORM:
            break
    points = np.array(visited)
    values = np.array([surface(p) if np.all(np.isfinite(p)) else math.nan for p in points])
    kind = _path_kind(surface, points, values)
    return DescentPath(
        optimizer=key,
        lr=float(lr),
        noise_std=noise_std,
        points=points,
        values=values,
        kind=kind,
        steps_needed=_steps_needed(values, surface.goal),
        goal=surface.goal,
        minimum=minimum_kind(surface, points[-1]) if kind == "minimum" else None,
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
