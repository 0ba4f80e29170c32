"""Why the misclassification rate cannot be the loss: a staircase against a smooth curve, measured on real data.

Serves the course's question 「誤識別率を損失関数に設定するとどうなるか」: the
misclassification rate (誤識別率) of a net moves in steps of 1/N as its
weights change, so its gradient is zero almost everywhere and gradient
descent has nothing to follow; the cross-entropy (クロスエントロピー) changes
smoothly and has a gradient everywhere. Here a small net is trained briefly,
both quantities are measured along a line through its weight space,
θ(α) = θ* + α·d, and the numerical derivative of each along the line (and
the whole numerical gradient at a few points) shows where they are zero.
Evaluations run in float64, as numerical differentiation needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deepkiso.differentiation import numerical_gradient
from deepkiso.i18n import _
from deepkiso.nets import MultiLayerNet
from deepkiso.optimizers import SGD

__all__ = [
    "train_briefly",
    "random_direction",
    "LineScan",
    "scan_line",
    "ZeroGradientCount",
    "count_zero_gradients",
]


# The default line: α from −1 to 1 in 400 equal steps (built once).
_DEFAULT_ALPHAS = np.linspace(-1, 1, 401)


def _check_data(x: np.ndarray, t: np.ndarray) -> None:
    if np.ndim(x) != 2 or np.ndim(t) != 1 or len(x) != len(t) or len(x) == 0:
        raise ValueError(
            _(
                "expected x of shape (N, D) and integer labels t of shape (N,), "
                "got shapes {x_shape} and {t_shape}"
            ).format(x_shape=np.shape(x), t_shape=np.shape(t))
        )


def train_briefly(
    x: np.ndarray,
    t: np.ndarray,
    hidden_size: int = 16,
    n_steps: int = 300,
    batch_size: int = 50,
    learning_rate: float = 0.1,
    rng: np.random.Generator | int | None = 0,
) -> MultiLayerNet:
    """A two-layer tanh net trained with plain SGD on mini-batches of (x, t), in float32.

    x: (N, D); t: (N,) integer labels of C = t.max() + 1 classes.
    A few hundred steps leave it good but not perfect, so along any line
    through its weights the error rate has room to move both ways.
    """
    _check_data(x, t)
    rng = np.random.default_rng(rng)
    n_classes = int(np.max(t)) + 1
    net = MultiLayerNet(
        x.shape[1],
        [hidden_size],
        n_classes,
        activation="tanh",
        weight_init="xavier",
        dtype=np.float32,
        rng=rng,
    )
    optimizer = SGD(lr=learning_rate)
    for _step in range(n_steps):
        batch = rng.choice(len(x), size=min(batch_size, len(x)), replace=False)
        optimizer.update(net.params, net.gradient(x[batch], t[batch]))
    return net


def _float64_copy(net: MultiLayerNet) -> MultiLayerNet:
    twin = MultiLayerNet(
        net.input_size,
        net.hidden_sizes,
        net.output_size,
        activation=net.activation,
        loss=net.loss_name,
        dtype=np.float64,
        rng=0,
    )
    twin.load_state_dict(net.state_dict())
    return twin


def random_direction(
    net: MultiLayerNet, rng: np.random.Generator | int | None = 0
) -> dict[str, np.ndarray]:
    """A random direction d in weight space, {name: array of that parameter's shape}, float64.

    Each parameter's part is Gaussian, rescaled to that parameter's own norm
    (a parameter that is all zeros gets norm 1), so α = 1 moves every layer by
    as much as it already weighs and α in [−1, 1] is a fair range to look at.
    """
    rng = np.random.default_rng(rng)
    direction = {}
    for name, param in net.params.items():
        d = rng.standard_normal(param.shape)
        scale = float(np.linalg.norm(param)) or 1.0
        direction[name] = d * (scale / np.linalg.norm(d))
    return direction


@dataclass
class LineScan:
    """Both quantities along θ(α) = θ* + α·d, and their numerical slopes.

    alphas: (n,). error_rate, cross_entropy: (n,) on the N samples given.
    error_rate_slope, cross_entropy_slope: (n,) central differences
    (g(α + h) − g(α − h)) / 2h, the numerical gradient along d.
    """

    alphas: np.ndarray
    error_rate: np.ndarray
    cross_entropy: np.ndarray
    error_rate_slope: np.ndarray
    cross_entropy_slope: np.ndarray
    h: float
    n_samples: int

    def zero_slope_fraction(self, which: str) -> float:
        """The fraction of the points where the slope of "error_rate" or "cross_entropy" is exactly 0."""
        slopes = {"error_rate": self.error_rate_slope, "cross_entropy": self.cross_entropy_slope}
        if which not in slopes:
            raise ValueError(
                _("unknown quantity {which!r}; choose one of {choices}").format(
                    which=which, choices=sorted(slopes)
                )
            )

        return float(np.mean(slopes[which] == 0))


def _error_rate(net: MultiLayerNet, x: np.ndarray, t: np.ndarray) -> float:
    return 1.0 - net.accuracy(x, t)


def _set_along_line(net, origin: dict, direction: dict, alpha: float) -> None:
    for name, param in net.params.items():
        # In place on purpose: the net's layers hold these same arrays.
        param[...] = origin[name] + alpha * direction[name]


def scan_line(
    net: MultiLayerNet,
    x: np.ndarray,
    t: np.ndarray,
    direction: dict[str, np.ndarray] | None = None,
    alphas: Sequence[float] | np.ndarray = _DEFAULT_ALPHAS,
    h: float = 1e-4,
    rng: np.random.Generator | int | None = 0,
) -> LineScan:
    """Misclassification rate and cross-entropy at θ* + α·d for every α, with their slopes along d.

    net: a trained softmax net (left unchanged: a float64 copy is scanned).
    x: (N, D), t: (N,) labels; N sets the error rate's step, 1/N.
    direction: as random_direction returns; random (seeded by rng) when None.
    h: the step of the central differences, the course's 1e-4.
    """
    _check_data(x, t)
    scanned = _float64_copy(net)
    origin = scanned.state_dict()
    direction = random_direction(net, rng) if direction is None else direction
    alphas = np.array(alphas, dtype=np.float64)  # a copy: the scan must not share the default array
    x = np.asarray(x, dtype=np.float64)
    columns: dict[str, list[float]] = {"error": [], "loss": [], "error_slope": [], "loss_slope": []}
    for alpha in alphas:
        values = {}
        for offset in (-h, 0.0, h):
            _set_along_line(scanned, origin, direction, alpha + offset)
            values[offset] = (_error_rate(scanned, x, t), scanned.loss(x, t))
        columns["error"].append(values[0.0][0])
        columns["loss"].append(values[0.0][1])
        columns["error_slope"].append((values[h][0] - values[-h][0]) / (2 * h))
        columns["loss_slope"].append((values[h][1] - values[-h][1]) / (2 * h))
    return LineScan(
        alphas=alphas,
        error_rate=np.array(columns["error"]),
        cross_entropy=np.array(columns["loss"]),
        error_rate_slope=np.array(columns["error_slope"]),
        cross_entropy_slope=np.array(columns["loss_slope"]),
        h=h,
        n_samples=len(x),
    )


@dataclass(frozen=True)
class ZeroGradientCount:
    """At one point θ* + α·d: how many of the n_params partial derivatives are exactly 0.

    inert_params: the first-layer weights from input features that are 0 in
    every sample (blank pixels at the border of a digit): no loss can depend
    on them, so their derivative is 0 for any loss.
    """

    alpha: float
    n_params: int
    error_rate_zeros: int
    cross_entropy_zeros: int
    inert_params: int


def count_zero_gradients(
    net: MultiLayerNet,
    x: np.ndarray,
    t: np.ndarray,
    direction: dict[str, np.ndarray],
    alphas: Sequence[float] = (0.0,),
) -> list[ZeroGradientCount]:
    """The whole numerical gradient (every weight, central differences, h = 1e-4) of
    both quantities at a few points of the line, reduced to a count of zeros.

    Costs 2 evaluations per parameter per point and per quantity: keep the net and N small.
    """
    _check_data(x, t)
    scanned = _float64_copy(net)
    origin = scanned.state_dict()
    x = np.asarray(x, dtype=np.float64)
    inert = int(np.sum(np.all(x == 0, axis=0))) * scanned.params["W1"].shape[1]
    counts = []
    for alpha in alphas:
        _set_along_line(scanned, origin, direction, float(alpha))
        zeros = {"error": 0, "loss": 0}
        for param in scanned.params.values():
            zeros["error"] += int(
                np.sum(numerical_gradient(lambda _: _error_rate(scanned, x, t), param) == 0)
            )
            zeros["loss"] += int(
                np.sum(numerical_gradient(lambda _: scanned.loss(x, t), param) == 0)
            )
        counts.append(
            ZeroGradientCount(
                alpha=float(alpha),
                n_params=sum(p.size for p in scanned.params.values()),
                error_rate_zeros=zeros["error"],
                cross_entropy_zeros=zeros["loss"],
                inert_params=inert,
            )
        )
    return counts
