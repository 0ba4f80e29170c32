"""The local-minimum trap: plain gradient descent stays in the well it starts in; noisy descent can leave.

Part of ``deepkiso.landscape``. Serves the slide 「ミニバッチ学習では、局所的最小解にトラップされて
しまうリスクを低減できる」: on a surface with a local minimum (局所的最小解) and a global one
(大域的最小解), such as ``double-well``, plain gradient descent from a start in the local basin
slides into the local minimum and stays there. A mini-batch's gradient scatters around the full
one; here that scatter is Gaussian noise added to ∇f, whose standard deviation decays linearly to
0 over the walk (annealing), so that a walker can first climb out of a shallow well and then
settles in the well it is in. Many walkers with independent seeded noise give the share that
escaped. Every end point is named by the basin it lies in (``Surface.basin``), not by the bare
word "minimum".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deepkiso._types import RngLike, spawn_rngs
from deepkiso.i18n import _
from deepkiso.landscape.surfaces import Surface, get_surface

__all__ = ["LocalMinimumTrap", "local_minimum_trap", "annealed_noise"]

# A walker this far from the origin has been thrown off the surface; it stops there.
_ESCAPE_NORM = 1e6


def annealed_noise(noise_std: float, n_steps: int) -> np.ndarray:
    """The noise's standard deviation at each step: σ₀ · (1 − t/n) for t = 0 … n − 1, (n,) float64.

    Large at first, so a walker can climb out of a shallow well; small at the end, so it settles.
    """
    return noise_std * (1.0 - np.arange(n_steps, dtype=np.float64) / max(n_steps, 1))


@dataclass(frozen=True)
class LocalMinimumTrap:
    """Plain gradient descent and n_runs noisy descents from one start, and where each ended.

    surface: the landscape (``double-well`` by default), with its known minima.
    minima: (m, 2) the surface's minima; global_minimum: the index of the lowest.
    start: (2,); lr: η of every walk; noise: (n_steps,) the σ of the added noise at each step.
    plain_points: (n_steps + 1, 2) the plain walk; plain_values: (n_steps + 1,) f along it.
    points: (n_runs, n_steps + 1, 2) the noisy walks; values: (n_runs, n_steps + 1).
    plain_end, ends: where each walk ended: "global" or "local" (the basin of the
        global or of a local minimum its end point lies in), or "diverging" (thrown off
        the surface, or not finite).
    global_share: (n_steps + 1,) the share of the noisy walks in the global minimum's
        basin after each step (0 at the start when it lies in a local basin; a walk
        thrown off is in no basin from then on).
    """

    surface: Surface
    minima: np.ndarray
    global_minimum: int
    start: np.ndarray
    lr: float
    noise: np.ndarray
    plain_points: np.ndarray
    plain_values: np.ndarray
    plain_end: str
    points: np.ndarray
    values: np.ndarray
    ends: tuple[str, ...]
    global_share: np.ndarray

    @property
    def n_runs(self) -> int:
        return len(self.ends)

    @property
    def n_steps(self) -> int:
        return len(self.noise)

    @property
    def noise_std(self) -> float:
        """σ at the first step (it decays linearly to 0)."""
        return float(self.noise[0]) if len(self.noise) else 0.0

    @property
    def n_global(self) -> int:
        """How many noisy walks ended in the global minimum's basin."""
        return sum(end == "global" for end in self.ends)

    @property
    def n_escaped(self) -> int:
        """Noisy walks that ended in the global minimum's basin when plain descent did not: the
        walks that escaped the trap (0 when plain descent was not trapped)."""
        return 0 if self.plain_end == "global" else self.n_global

    @property
    def escaped_share(self) -> float:
        return self.n_escaped / self.n_runs if self.n_runs else 0.0


def _check(start: np.ndarray, lr: float, n_steps: int, noise_std: float, n_runs: int) -> None:
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise ValueError(
            _("start must be two finite numbers (x, y), got {value}").format(value=start.tolist())
        )
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(_("lr must be a finite number above 0, got {value}").format(value=lr))
    if int(n_steps) != n_steps or n_steps < 1:
        raise ValueError(_("n_steps must be at least 1, got {value}").format(value=n_steps))
    if not (np.isfinite(noise_std) and noise_std >= 0):
        raise ValueError(
            _("noise_std must be a finite number >= 0, got {value}").format(value=noise_std)
        )
    if int(n_runs) != n_runs or n_runs < 1:
        raise ValueError(_("n_runs must be at least 1, got {value}").format(value=n_runs))


def _walk(
    surface: Surface, start: np.ndarray, lr: float, noise: np.ndarray, kicks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Walk len(kicks) walkers at once: x ← x − η (∇f(x) + σ_t · kick), kicks (walkers, n_steps, 2).

    Returns the points, (walkers, n_steps + 1, 2), and the step at which each walker was thrown
    off the surface, (walkers,) int, n_steps + 1 for one never thrown: a step that would take
    it past |x| = 1e6 (or to a value that is not finite) stops it where it was.
    """
    n_walkers, n_steps = kicks.shape[:2]
    points = np.empty((n_walkers, n_steps + 1, 2))
    points[:, 0] = start
    here = np.tile(start, (n_walkers, 1))
    thrown_at = np.full(n_walkers, n_steps + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_steps):
            gx, gy = surface.gradient_field(here[:, 0], here[:, 1])
            after = here - lr * (np.stack([gx, gy], axis=1) + noise[t] * kicks[:, t])
            off = ~np.all(np.isfinite(after), axis=1) | ~(
                np.linalg.norm(after, axis=1) <= _ESCAPE_NORM
            )
            thrown_at = np.where(off & (thrown_at > n_steps), t + 1, thrown_at)
            here = np.where((thrown_at <= n_steps)[:, None], here, after)
            points[:, t + 1] = here
    return points, thrown_at


def _places(
    surface: Surface, points: np.ndarray, thrown_at: np.ndarray, global_minimum: int
) -> np.ndarray:
    """Where each walker is after each step, (walkers, n_steps + 1) of "global" or "local" (the
    basin of the global minimum or of a local one), or "diverging" from the step it was thrown."""
    n_walkers, n_points = points.shape[:2]
    on = np.arange(n_points)[None, :] < thrown_at[:, None]
    basins = np.full((n_walkers, n_points), -1)
    basins[on] = surface.basin(points[on])
    return np.where(~on, "diverging", np.where(basins == global_minimum, "global", "local")).astype(
        object
    )


def local_minimum_trap(
    surface: Surface | str = "double-well",
    start: npt.ArrayLike | None = None,
    lr: float = 0.1,
    n_steps: int = 300,
    noise_std: float = 3.5,
    n_runs: int = 20,
    rng: RngLike = 0,
) -> LocalMinimumTrap:
    """Plain gradient descent and n_runs annealed noisy descents from one start, on one surface.

    surface: a Surface with known minima (``Surface.minima``) or its name; start: (2,), the
    surface's own start by default (in the local basin for ``double-well``).
    Every walk takes n_steps steps of x ← x − η g with the same η = lr; plain descent uses
    g = ∇f, each noisy walk g = ∇f + σ_t ε_t, ε_t standard Gaussian in each coordinate and
    σ_t = noise_std · (1 − t/n_steps) (``annealed_noise``). rng: an int seed or a Generator;
    walk k draws its noise from the k-th stream ``spawn_rngs(rng, n_runs)`` gives, so a run's
    path depends on the seed and k only. Takes about 0.1 s with the defaults.
    """
    if isinstance(surface, str):
        surface = get_surface(surface)
    if not surface.minima:
        raise ValueError(
            _(
                "{name}: the local-minimum trap needs a surface whose minima are known, "
                "such as double-well"
            ).format(name=surface.name)
        )
    start = np.array(surface.start if start is None else start, dtype=np.float64).reshape(-1)
    _check(start, lr, n_steps, noise_std, n_runs)
    noise = annealed_noise(float(noise_std), int(n_steps))
    kicks = np.stack(
        [np.zeros((int(n_steps), 2))]
        + [g.standard_normal((int(n_steps), 2)) for g in spawn_rngs(rng, int(n_runs))]
    )
    points, thrown_at = _walk(surface, start, float(lr), noise, kicks)
    values = surface.values(points[..., 0], points[..., 1])
    global_minimum = surface.global_minimum
    assert global_minimum is not None  # surface.minima is not empty
    # Every point of every walk, by its basin (most of the 0.1 s that the defaults take).
    places = _places(surface, points, thrown_at, global_minimum)
    ends = [str(place) for place in places[:, -1]]
    return LocalMinimumTrap(
        surface=surface,
        minima=np.array(surface.minima, dtype=np.float64),
        global_minimum=global_minimum,
        start=start,
        lr=float(lr),
        noise=noise,
        plain_points=points[0],
        plain_values=values[0],
        plain_end=ends[0],
        points=points[1:],
        values=values[1:],
        ends=tuple(ends[1:]),
        global_share=np.mean(places[1:] == "global", axis=0),
    )
