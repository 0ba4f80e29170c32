"""The objective of batch learning and of mini-batch learning: one loss surface, or one per mini-batch.

Part of ``deepkiso.landscape``. Serves the slides 「バッチ学習では、最適化の目的関数は一定。
ミニバッチ学習では、最適化の目的関数は、ミニバッチ毎に異なる」 and 「どの地点での結果を採用する
のが最もよいか」. The model has two parameters, so each objective is a surface one can look at:
a line y = w·x + b fitted to N seeded points (x, t) by the mean of the squared errors
L(w, b) = (1/N) Σₙ ½ (w·xₙ + b − tₙ)². The full batch's surface is one bowl; each mini-batch's is
another bowl with its own minimum. Mini-batch SGD takes each step downhill on the surface of the
mini-batch at hand, so its path zig-zags towards the full-batch minimum and keeps wandering
around it; which point to adopt is then a choice: the parameters at the last step, or the
average of the last epoch's steps.

Everything is exact: each surface is a quadratic in (w, b) computed from its batch's moments, and
each minimum is the least-squares solution of a 2 × 2 system.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deepkiso._types import RngLike, spawn_rngs
from deepkiso.i18n import _

__all__ = ["MinibatchObjective", "minibatch_objective", "batch_loss", "batch_minimum"]

# The line the points scatter around, and how far: enough that 10 points pin it down only roughly.
TRUE_W, TRUE_B = 1.0, 0.5
NOISE = 0.8


def _moments(x: np.ndarray, t: np.ndarray) -> tuple[float, float, float, float, float]:
    return (
        float(np.mean(x * x)),
        float(np.mean(x)),
        float(np.mean(x * t)),
        float(np.mean(t)),
        float(np.mean(t * t)),
    )


def batch_loss(x: np.ndarray, t: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """L(w, b) = (1/N) Σₙ ½ (w·xₙ + b − tₙ)² of the batch (x, t), (N,) each, for w and b of one shape.

    Expanded into the batch's moments, so a whole grid of (w, b) costs no more than one point.
    """
    xx, xm, xt, tm, tt = _moments(np.asarray(x, np.float64), np.asarray(t, np.float64))
    w = np.asarray(w, np.float64)
    b = np.asarray(b, np.float64)
    return 0.5 * (w * w * xx + 2 * w * b * xm + b * b - 2 * w * xt - 2 * b * tm + tt)


def batch_gradient(x: np.ndarray, t: np.ndarray, w: float, b: float) -> np.ndarray:
    """(∂L/∂w, ∂L/∂b) = ((1/N) Σ (w xₙ + b − tₙ) xₙ, (1/N) Σ (w xₙ + b − tₙ)), (2,) float64."""
    error = w * x + b - t
    return np.array([float(np.mean(error * x)), float(np.mean(error))])


def batch_minimum(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The (w, b) where the batch's L is lowest, (2,): the solution of ∇L = 0, a 2 × 2 system.

    Raises ValueError when all the batch's x are equal (every line through their mean fits).
    """
    xx, xm, xt, tm, _tt = _moments(np.asarray(x, np.float64), np.asarray(t, np.float64))
    if xx - xm * xm <= 1e-12 * max(xx, 1.0):
        raise ValueError(
            _("a batch whose x are all equal has no single best line; got x = {x}").format(
                x=np.asarray(x).tolist()
            )
        )
    return np.linalg.solve(np.array([[xx, xm], [xm, 1.0]]), np.array([xt, tm]))


@dataclass(frozen=True)
class MinibatchObjective:
    """The full-batch and mini-batch loss surfaces of y = w·x + b, their minima and an SGD path.

    x, t: (N,) the data; batches: (k, batch_size) the sample indices of each mini-batch (the
        same k mini-batches every epoch, visited in a new order each epoch).
    w_grid: (n_w,), b_grid: (n_b,) the grid's axes; full_surface: (n_b, n_w) L of all N
        points on it; batch_surfaces: (k, n_b, n_w) L of each mini-batch.
    full_minimum: (2,) (w, b); batch_minima: (k, 2).
    path: (steps + 1, 2) the SGD iterates (w, b), path[0] = start; path_batches: (steps,)
        the mini-batch each step used; lr, epochs.
    end: (2,) the last iterate; average: (2,) the mean of the iterates of the last epoch.
    """

    x: np.ndarray
    t: np.ndarray
    batches: np.ndarray
    w_grid: np.ndarray
    b_grid: np.ndarray
    full_surface: np.ndarray
    batch_surfaces: np.ndarray
    full_minimum: np.ndarray
    batch_minima: np.ndarray
    path: np.ndarray
    path_batches: np.ndarray
    lr: float
    epochs: int

    @property
    def n_batches(self) -> int:
        return len(self.batches)

    @property
    def batch_size(self) -> int:
        return int(self.batches.shape[1])

    @property
    def end(self) -> np.ndarray:
        return self.path[-1]

    @property
    def average(self) -> np.ndarray:
        """The mean of the last epoch's iterates (the points after each of its steps)."""
        return np.mean(self.path[-self.n_batches :], axis=0)

    def full_loss(self, point: npt.ArrayLike) -> float:
        """L of all N points at (w, b)."""
        w, b = np.asarray(point, np.float64)
        return float(batch_loss(self.x, self.t, w, b))


def _check(
    n_samples: int, batch_size: int, epochs: int, lr: float, start: np.ndarray, grid_size: int
) -> None:
    if int(batch_size) != batch_size or not 2 <= batch_size <= n_samples // 2:
        raise ValueError(
            _(
                "batch_size must be from 2 to half of n_samples ({half}), so that there are at "
                "least two mini-batches; got {value}"
            ).format(half=n_samples // 2, value=batch_size)
        )
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(_("epochs must be at least 1, got {value}").format(value=epochs))
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(_("lr must be a finite number above 0, got {value}").format(value=lr))
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise ValueError(
            _("start must be two finite numbers (w, b), got {value}").format(value=start.tolist())
        )
    if int(grid_size) != grid_size or grid_size < 3:
        raise ValueError(_("grid_size must be at least 3, got {value}").format(value=grid_size))


def _check_stable(x: np.ndarray, t: np.ndarray, batches: np.ndarray, lr: float) -> None:
    """Refuse a learning rate at which SGD would be thrown off: a step of lr on a bowl of
    curvature λ overshoots and grows when lr·λ > 2, and each batch's steepest curvature is the
    larger eigenvalue of its Hessian [[mean x², mean x], [mean x, 1]]."""
    steepest = 0.0
    for idx in batches:
        xx, xm = float(np.mean(x[idx] ** 2)), float(np.mean(x[idx]))
        steepest = max(steepest, float(np.linalg.eigvalsh(np.array([[xx, xm], [xm, 1.0]]))[-1]))
    if lr * steepest >= 2:
        raise ValueError(
            _(
                "lr = {lr:g} is too large for these mini-batches: SGD would overshoot and "
                "diverge; choose lr below {limit:.3g}"
            ).format(lr=lr, limit=2 / steepest)
        )


def _window(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square window (equal spans in w and b) around every point given, with a margin."""
    low, high = points.min(axis=0), points.max(axis=0)
    centre = (low + high) / 2
    half = 0.5 * float(np.max(high - low)) * 1.25 + 0.25
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def minibatch_objective(
    n_samples: int = 40,
    batch_size: int = 10,
    epochs: int = 5,
    lr: float = 0.5,
    start: npt.ArrayLike = (-0.5, 2.0),
    grid_size: int = 121,
    rng: RngLike = 0,
) -> MinibatchObjective:
    """Fit y = w·x + b to n_samples seeded points with mini-batch SGD, and every surface it walks on.

    The points: x uniform in [−1.5, 1.5], t = 1.0·x + 0.5 + Gaussian noise of σ = 0.8. They are
    shuffled once into n_samples // batch_size mini-batches of batch_size (the rest are left
    out); each epoch visits all of them in a new order, one SGD step
    (w, b) ← (w, b) − lr · ∇L_batch(w, b) each, from start. rng: an int seed or a Generator,
    split into the data's, the partition's and the order's streams.
    grid_size: points per axis of the surfaces' grid, over a square window that holds the
    path and every minimum. Takes a few milliseconds.
    """
    n_samples = int(n_samples)
    if n_samples < 4:
        raise ValueError(_("n_samples must be at least 4, got {value}").format(value=n_samples))
    start = np.array(start, dtype=np.float64).reshape(-1)
    _check(n_samples, batch_size, epochs, lr, start, grid_size)
    data_rng, partition_rng, order_rng = spawn_rngs(rng, 3)
    x = data_rng.uniform(-1.5, 1.5, n_samples)
    t = TRUE_W * x + TRUE_B + NOISE * data_rng.standard_normal(n_samples)
    n_batches = n_samples // int(batch_size)
    batches = partition_rng.permutation(n_samples)[: n_batches * int(batch_size)].reshape(
        n_batches, int(batch_size)
    )

    _check_stable(x, t, batches, float(lr))
    path = [start.copy()]
    used = []
    for _epoch in range(int(epochs)):
        for k in order_rng.permutation(n_batches):
            w, b = path[-1]
            path.append(path[-1] - lr * batch_gradient(x[batches[k]], t[batches[k]], w, b))
            used.append(int(k))
    path_array = np.array(path)

    full_minimum = batch_minimum(x, t)
    batch_minima = np.array([batch_minimum(x[idx], t[idx]) for idx in batches])
    w_range, b_range = _window(np.vstack([path_array, full_minimum, batch_minima]))
    w_grid = np.linspace(*w_range, int(grid_size))
    b_grid = np.linspace(*b_range, int(grid_size))
    W, B = np.meshgrid(w_grid, b_grid)
    return MinibatchObjective(
        x=x,
        t=t,
        batches=batches,
        w_grid=w_grid,
        b_grid=b_grid,
        full_surface=batch_loss(x, t, W, B),
        batch_surfaces=np.stack([batch_loss(x[idx], t[idx], W, B) for idx in batches]),
        full_minimum=full_minimum,
        batch_minima=batch_minima,
        path=path_array,
        path_batches=np.array(used, dtype=np.int64),
        lr=float(lr),
        epochs=int(epochs),
    )
