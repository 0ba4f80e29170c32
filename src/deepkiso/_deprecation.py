"""Keyword arguments renamed for one name per idea, with the old name kept for one release.

``@renamed_keyword("seed", "rng")`` lets a caller still write ``seed=0``: the value goes to
``rng``, with a DeprecationWarning that names the new keyword. Giving both is a TypeError. A leaf
module (the standard library only), so every part of the package may use it.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["renamed_keyword", "renamed_option"]

P = ParamSpec("P")
R = TypeVar("R")


def renamed_option(where: str, old: str, new: str, options: dict[str, object]) -> None:
    """Move options[old] to options[new] in place, warning that old is deprecated.

    where: the function's name as the message shows it. For functions that take ``**options``
    and so cannot use the decorator. Raises TypeError when both names are given.
    """
    if old not in options:
        return
    if new in options:
        raise TypeError(f"{where}: give {new}= only ({old}= is its deprecated name), not both")
    warnings.warn(
        f"{where}: {old}= is deprecated and goes in the next release; use {new}= (same meaning)",
        DeprecationWarning,
        stacklevel=3,
    )
    options[new] = options.pop(old)


def renamed_keyword(old: str, new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: the keyword ``old`` still works, as a deprecated name of ``new``."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        where = function.__qualname__.removesuffix(".__init__")

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            renamed_option(where, old, new, kwargs)
            return function(*args, **kwargs)

        return wrapper

    return decorate
