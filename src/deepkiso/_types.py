"""The types the package shares: array aliases, random-number sources, the net protocols, the choices.

A leaf module: it imports only NumPy and the standard library, so every module of deepkiso can
stand on it without an import cycle.

* Arrays: ``FloatArray`` (any floating dtype), ``IntArray`` (integer labels, indices), ``Array``.
* Random numbers: ``RngLike`` is what every random thing in deepkiso accepts as ``rng`` — an int
  seed, a ``numpy.random.Generator`` (used, and advanced, as it is) or None (fresh entropy).
  ``as_generator`` turns one into a Generator; ``spawn_rngs`` / ``spawn_seeds`` split one into
  independent streams (the weights', the sampler's, ...). The old ``seed=`` keyword is kept
  one release by ``deepkiso._deprecation.renamed_keyword``.
* ``Net``, ``TrainableNet``, ``LossLayer``: what the gradient checks, the loss scans and the
  Trainer call on a net (structural: any class with these members fits, the learner's own too).
* ``Literal`` types for the string choices of the core: activations, losses, weight
  initialisations, optimizers, gradient-check modes and difference methods.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Literal, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

from deepkiso.i18n import _

__all__ = [
    "Array",
    "FloatArray",
    "IntArray",
    "RngLike",
    "as_generator",
    "spawn_rngs",
    "spawn_seeds",
    "LossLayer",
    "Net",
    "TrainableNet",
    "ActivationName",
    "LossName",
    "WeightInitName",
    "OptimizerName",
    "GradientCheckMode",
    "DifferenceMethod",
]

# -- arrays ---------------------------------------------------------------------------------------

Array: TypeAlias = npt.NDArray[Any]
FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
IntArray: TypeAlias = npt.NDArray[np.integer[Any]]

# -- random numbers -------------------------------------------------------------------------------

RngLike: TypeAlias = int | np.random.Generator | None


def as_generator(rng: RngLike) -> np.random.Generator:
    """A Generator from an int seed, a Generator (returned as it is, not copied) or None (fresh entropy).

    The same as ``np.random.default_rng(rng)``: a given seed gives the stream it always gave.
    """
    return np.random.default_rng(rng)


def _children(rng: RngLike, n: int) -> list[np.random.SeedSequence]:
    """n independent SeedSequences from rng; for an int seed s, ``SeedSequence(s).spawn(n)``."""
    if int(n) != n or n < 0:
        raise ValueError(
            _("spawn: the number of streams must be a non-negative integer, got {n!r}").format(n=n)
        )
    if isinstance(rng, np.random.Generator):
        # The generator's own seed sequence spawns (and counts) its children, so two calls on one
        # Generator give different streams, as two draws from it would.
        seed_seq = rng.bit_generator.seed_seq
        if not isinstance(seed_seq, np.random.SeedSequence):
            raise ValueError(_("spawn: the Generator's bit generator has no SeedSequence to split"))
        return seed_seq.spawn(int(n))
    return np.random.SeedSequence(rng).spawn(int(n))


def spawn_rngs(rng: RngLike, n: int) -> list[np.random.Generator]:
    """n independent Generators from one rng (the initial weights', the sampler's, ...).

    For an int seed s the k-th is ``default_rng(SeedSequence(s).spawn(n)[k])``: it depends on s
    and k only, not on n, so adding a stream at the end leaves the others' numbers as they were.
    """
    return [np.random.default_rng(child) for child in _children(rng, n)]


def spawn_seeds(rng: RngLike, n: int) -> list[int]:
    """n independent int seeds from one rng: the first 32-bit word of each spawned SeedSequence.

    For records that store their seeds as numbers (a trial's JSON); same rules as ``spawn_rngs``.
    """
    return [int(child.generate_state(1)[0]) for child in _children(rng, n)]


# -- nets -----------------------------------------------------------------------------------------


class LossLayer(Protocol):
    """A loss layer: ``forward(y, t)`` returns the batch-mean loss and keeps it in ``loss``."""

    loss: float | None

    def forward(self, x: FloatArray, t: Array) -> float: ...

    def backward(self, dout: float = 1.0) -> FloatArray: ...


class Net(Protocol):
    """What the gradient checks and the loss scans call on a net.

    params: name -> the learnable array, the very arrays the net computes with (so changing one in
        place changes the net). ``gradient`` returns the same names and shapes.
    """

    @property
    def params(self) -> Mapping[str, FloatArray]: ...

    def predict(self, x: Array) -> FloatArray: ...

    def loss(self, x: Array, t: Array) -> float: ...

    def gradient(self, x: Array, t: Array) -> Mapping[str, FloatArray]: ...


class TrainableNet(Net, Protocol):
    """What the Trainer calls on a net, besides ``Net``'s members.

    last_layer: the loss layer, whose ``loss`` after ``gradient`` is the mini-batch loss.
    params: as ``Net``'s, and a mapping the optimizer's ``update`` may assign into.
    """

    @property
    def params(self) -> MutableMapping[str, FloatArray]: ...

    @property
    def last_layer(self) -> LossLayer: ...

    def accuracy(self, x: Array, t: Array) -> float: ...

    def state_dict(self) -> dict[str, FloatArray]: ...

    def load_state_dict(self, state: Mapping[str, Array]) -> None: ...


# -- the string choices ---------------------------------------------------------------------------

ActivationName: TypeAlias = Literal["relu", "sigmoid", "tanh"]
LossName: TypeAlias = Literal["softmax", "squared"]
WeightInitName: TypeAlias = Literal["he", "xavier"]
OptimizerName: TypeAlias = Literal["sgd", "momentum", "adagrad", "rmsprop", "adam"]
GradientCheckMode: TypeAlias = Literal["full", "sample", "directional"]
DifferenceMethod: TypeAlias = Literal["central", "forward", "backward"]
