"""Is training stuck? classify_point's rule on a net's whole parameter vector, without its Hessian.

Part of ``deepkiso.landscape``: the lowest and highest curvature come from Hessian-vector products
(differences of two gradients) fed to the Lanczos method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from deepkiso.i18n import _
from deepkiso.landscape.points import CURVATURE_TOL, GRAD_TOL, point_kind

__all__ = ["StallReport", "diagnose_stall", "diagnose_net"]


@dataclass(frozen=True)
class StallReport:
    """kind as in classify_point; the gradient norm and the lowest and highest
    curvature (Hessian eigenvalue) estimates that decided it."""

    kind: str
    gradient_norm: float
    lowest_curvature: float
    highest_curvature: float

    def __str__(self) -> str:
        return _("{kind}: |gradient| = {norm}, curvature from {lowest} to {highest}").format(
            kind=_kind_name(self.kind),
            norm=f"{self.gradient_norm:.3g}",
            lowest=f"{self.lowest_curvature:.3g}",
            highest=f"{self.highest_curvature:.3g}",
        )


def _kind_name(kind: str) -> str:
    """A kind of point as a report names it: the kind itself in English ("saddle"), 鞍点 in Japanese."""
    names = {
        "minimum": _("minimum"),
        "maximum": _("maximum"),
        "saddle": _("saddle"),
        "plateau": _("plateau"),
        "descending": _("descending"),
    }
    return names.get(kind, kind)


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
    return StallReport(
        point_kind(norm, lowest, highest, grad_tol, curvature_tol), norm, lowest, highest
    )


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
