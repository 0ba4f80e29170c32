"""The sampler names of the sampling experiment (exercise 2_1) and how they map onto samplers.

``parse_sampler("shuffle-every-5")`` gives the name and options for ``deepkiso.data.make_sampler``.
The table of names is in ``deepkiso.experiments.sampling``'s docstring. A leaf module: the
command line, the trial runner and the sampling grid read it without importing one another.
"""

from __future__ import annotations

from typing import Any

from deepkiso.i18n import _

__all__ = ["SAMPLERS", "parse_sampler"]

SAMPLERS = (
    "sequential",
    "shuffle",
    "shuffle-every-K",
    "shuffle-once",
    "shuffle-never",
    "replacement",
    "stratified",
    "rare-first",
    "balanced",
)
_PLAIN = ("sequential", "replacement", "stratified", "rare-first", "balanced")
_SHUFFLE_TIMINGS = {"shuffle": "epoch", "shuffle-once": "once", "shuffle-never": "never"}


def parse_sampler(name: str) -> tuple[str, dict[str, Any]]:
    """A sampler name as above → (name for ``deepkiso.data.make_sampler``, its options).

    e.g. "shuffle-every-5" → ("shuffle", {"shuffle_every": 5}); "stratified" → ("stratified", {}).
    """
    if name in _PLAIN:
        return name, {}
    if name in _SHUFFLE_TIMINGS:
        return "shuffle", {"shuffle_every": _SHUFFLE_TIMINGS[name]}
    if name.startswith("shuffle-every-"):
        k = name[len("shuffle-every-") :]
        if k.isdigit() and int(k) >= 1:
            return "shuffle", {"shuffle_every": int(k)}
    raise ValueError(
        _("unknown sampler {name!r}; choose one of {choices} (K a positive integer)").format(
            name=name, choices=list(SAMPLERS)
        )
    )
