"""The numeric options of every command: one bounded type each, whose range the help states.

Every number a command takes has a lowest and a highest value, so no input can ask
for a picture of many gigabytes, a net that does not fit in memory or a run of hours
by a slip of the keyboard. The ranges are chosen for a course laptop or a shared
2-core, 24 GiB machine: each command stays within about 2 GB of memory and, at its
limits, minutes rather than hours. An ``argparse`` ``type=`` that is out of range (or
not a number, or NaN/inf) is refused by ``argparse`` as one line naming the option;
so is a name outside its ``Choice``. ``record_given_options`` tells which options were typed.
The leading underscore keeps ``deepkiso.cli`` from taking this for a command.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from deepkiso import i18n
from deepkiso.errors import UsageError
from deepkiso.i18n import _
from deepkiso.nets import WEIGHT_INITS


@dataclass(frozen=True)
class Integer:
    """An argparse type: an integer from low to high (both included), written in decimal."""

    low: int
    high: int

    def __call__(self, text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("expected an integer from {range}, got {text!r}").format(range=self, text=text)
            ) from None
        if not self.low <= value <= self.high:
            raise argparse.ArgumentTypeError(
                _("expected an integer from {range}, got {value}").format(range=self, value=value)
            )
        return value

    def __str__(self) -> str:
        return _("{low} to {high}").format(low=self.low, high=self.high)


@dataclass(frozen=True)
class Number:
    """An argparse type: a finite number from low to high; above low only when low_open."""

    low: float
    high: float
    low_open: bool = False

    def __call__(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("expected a number {range}, got {text!r}").format(range=self, text=text)
            ) from None
        inside = (value > self.low if self.low_open else value >= self.low) and value <= self.high
        if not (math.isfinite(value) and inside):
            raise argparse.ArgumentTypeError(
                _("expected a number {range}, got {text}").format(range=self, text=text)
            )
        return value

    def __str__(self) -> str:
        if self.low_open:
            return _("above {low:g} up to {high:g}").format(low=self.low, high=self.high)
        return _("from {low:g} to {high:g}").format(low=self.low, high=self.high)


@dataclass(frozen=True)
class Choice:
    """An argparse type: one of choices (names), refused as "unknown <what> ...; choose one of ...".

    what: what a choice is ("data set"), marked with N_ where the Choice is made.
    """

    what: str
    choices: tuple[str, ...]

    def __init__(self, what: str, choices: Iterable[str]):
        object.__setattr__(self, "what", what)
        object.__setattr__(self, "choices", tuple(choices))

    def __call__(self, text: str) -> str:
        if text not in self.choices:
            raise argparse.ArgumentTypeError(
                _("unknown {what} {text!r}; choose one of {choices}").format(
                    what=i18n._(self.what), text=text, choices=", ".join(sorted(self.choices))
                )
            )
        return text


# Memory of a picture grows with dpi²: 600 dpi makes the widest one (landscape's three
# panels, 17 x 5 in) about 120 MB in memory; below 20 dpi FreeType cannot size the letters.
DPI = Integer(20, 600)
# NumPy takes any non-negative seed; 32 bits are plenty and print whole in settings.json.
SEED = Integer(0, 2**32 - 1)
# Training runs in float32 (largest 3.4e38): a rate up to 1e30 stays finite there, as the
# divergence demos need; any larger one would be inf the moment it met a weight.
LEARNING_RATE = Number(0, 1e30, low_open=True)
# The largest training set (MNIST, Fashion-MNIST) has 60,000 images: full-batch descent.
BATCH_SIZE = Integer(1, 60_000)
# 4096 units give a 784-4096-10 net of 3.2 M weights; train also bounds the whole net and batch.
HIDDEN_SIZE = Integer(1, 4096)
MAX_HIDDEN_LAYERS = 10
EPOCHS = Integer(1, 10_000)
# The weights, their gradients and two optimizer buffers, and one batch's activations and
# gradients, must fit in this: a sixth of a 2-core 24 GiB machine shared by a class.
TRAINING_MEMORY_GB = 2
# A standard deviation of the initial weights; above 10 every activation saturates at once.
WEIGHT_STD = Number(0, 10, low_open=True)


def weight_init(text: str) -> str | float:
    """An argparse type: he, xavier or a standard deviation in WEIGHT_STD."""
    if text in WEIGHT_INITS:  # the nets' named initialisations
        return text
    try:
        return WEIGHT_STD(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            _("expected he, xavier or a standard deviation {range}, got {text!r}").format(
                range=WEIGHT_STD, text=text
            )
        ) from None


class _GivenValue(argparse.Action):
    """argparse's "store", which also records in args.options_given that the option was typed."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        _record_given(namespace, self.dest)


class _GivenFlag(argparse.Action):
    """argparse's "store_true", which also records in args.options_given that the flag was typed."""

    def __init__(self, option_strings, dest, default=False, required=False, help=None):
        super().__init__(
            option_strings, dest, nargs=0, default=default, required=required, help=help
        )

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, True)
        _record_given(namespace, self.dest)


def _record_given(namespace: argparse.Namespace, dest: str) -> None:
    # A new tuple each time: the default () is shared by every parse of this parser.
    given = namespace.options_given
    namespace.options_given = given if dest in given else (*given, dest)


def record_given_options(parser: argparse.ArgumentParser) -> None:
    """Have parser record in args.options_given which of its options were typed, in typed order.

    Every "store" and "store_true" option of parser (and of its argument groups, which share its
    registry) records itself when argparse meets it on the command line (None is the action
    argparse takes when add_argument names none). argparse sets a default without calling any
    action, so an option left at its default is never recorded, even one whose default equals
    the typed value. Register before declaring the options.
    """
    for name, action in ((None, _GivenValue), ("store", _GivenValue), ("store_true", _GivenFlag)):
        parser.register("action", name, action)
    parser.set_defaults(options_given=())


def check_training_memory(sizes: list[int], batch_size: int) -> None:
    """Refuse a net (layer sizes, input first) and batch size whose float32 training needs over TRAINING_MEMORY_GB."""
    n_weights = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))
    # Four arrays per weight (itself, its gradient, two optimizer buffers) and per activation
    # (the layer's output, the activation's output, its cache and the gradient flowing back).
    needed = 4 * 4 * (n_weights + batch_size * sum(sizes))
    if needed > TRAINING_MEMORY_GB * 1024**3:
        raise UsageError(
            _(
                "a {sizes} net with batch size {batch_size} needs about {needed:.1f} GB to train; "
                "the limit is {limit} GB: use fewer or smaller --hidden layers or a smaller batch size"
            ).format(
                sizes="-".join(map(str, sizes)),
                batch_size=batch_size,
                needed=needed / 1024**3,
                limit=TRAINING_MEMORY_GB,
            )
        )


def at_most(option: str, values: Sequence[Any], limit: int) -> Sequence[Any]:
    """values (given with nargs="+") if there are at most limit of them, else a UsageError naming the option."""
    if len(values) > limit:
        raise UsageError(
            _("{option} takes at most {limit} values, got {count}").format(
                option=option, limit=limit, count=len(values)
            )
        )
    return values
