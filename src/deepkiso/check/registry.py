"""The catalogue of checks that `deepkiso check` runs, and how a check reports its verdict.

A check is a function of a ``Context`` (the learner's object and a seeded
generator) that returns to pass (a string it returns is shown under the PASS:
what was recognised, the relative errors of a gradient check) and raises
``Failure``, ``Note`` or ``Skip`` otherwise. Each belongs to one course name
("Affine") and one exercise ("2_14"); the family modules (``functions``, ``differentiation``, ``layers``,
``nets``, ``training``) register theirs with ``@check``. The report lists the
names in the order of ``names.SUBJECTS``, and each name's checks in the order
they were registered.
"""

from __future__ import annotations

import difflib
import importlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from deepkiso.check.names import (
    SUBJECT_BY_NAME,
    SUBJECTS,
    call_problem,
    locate,
    subjects_named,
)
from deepkiso.check.remote import FACTS, fact
from deepkiso.i18n import _

__all__ = [
    "Failure",
    "Note",
    "Skip",
    "Context",
    "Check",
    "check",
    "all_checks",
    "select",
    "EXERCISES",
]

FAMILIES = (
    "functions",
    "differentiation",
    "layers",
    "affine",
    "loss_layers",
    "simple_net",
    "nets",
    "training",
)


class Failure(Exception):
    """A wrong result on something the exercise asks for.

    expected / received: short descriptions (see ``expect.describe``).
    cause: the likely cause in one sentence, when it can be told.
    location: the learner's line the failure points at ("my_net.py, line 23: z1 = a1"), when it is known.
    """

    def __init__(
        self,
        message: str,
        expected: str = "",
        received: str = "",
        cause: str = "",
        location: str = "",
    ):
        super().__init__(message)
        self.message, self.expected, self.received, self.cause = message, expected, received, cause
        self.location = location


class Note(Exception):
    """Something worth knowing that the exercise did not ask for; not a failure."""

    def __init__(self, message: str, cause: str = ""):
        super().__init__(message)
        self.message, self.cause = message, cause


class Skip(Exception):
    """The check cannot run on this learner's code (for example a method the exercise adds later)."""


@dataclass
class Context:
    """What a check gets: the learner's object under its own spelling, and a generator.

    obj: the learner's function or class, made callable the course's way (``names.adapt``),
        seen through a proxy (``remote``): every answer it gives is a plain value.
    name: the learner's spelling of it ("Relu").
    rng: seeded from the check's id, so every run draws the same numbers.
    """

    obj: Any
    name: str
    rng: np.random.Generator


@dataclass(frozen=True)
class Check:
    """One line of the report.

    limitation: set when the check tests something the exercise did not ask
        for; any failure of it is then reported as a note that gives this reason.
    """

    id: str
    subject: str
    exercise: str
    title: str
    func: Callable[[Context], str | None]
    limitation: str = ""

    def context(self, obj: Any, name: str) -> Context:
        """The check's context for obj (already adapted, a proxy), with its seeded generator."""
        seed = zlib.crc32(self.id.encode("utf-8"))
        return Context(obj=obj, name=name, rng=np.random.default_rng(seed))


_CHECKS: list[Check] = []

FACTS["call_problem"] = lambda session, obj, subject, name, needs: call_problem(
    subject, obj, name, tuple(needs) if needs is not None else None
)


def check(
    subject: str,
    exercise: str,
    title: str,
    limitation: str = "",
    name: str | None = None,
    needs: tuple[str, ...] | None = None,
):
    """Register the decorated function as a check of ``subject`` for ``exercise``.

    The check's id is "subject.name", name defaulting to the function's name
    without its subject prefix. needs: the methods of a class the check calls
    (default: all that the course gives it, ``names.METHODS``); a learner's
    class or function that cannot be called so is not graded (Skip), not failed.
    """
    if (
        subject not in SUBJECT_BY_NAME
    ):  # a typo in a family module fails at import, not in a learner's report
        raise KeyError(f"check: unknown subject {subject!r}")

    def register(func: Callable[[Context], Any]) -> Callable[[Context], Any]:
        short = name or func.__name__.removeprefix(subject.lower() + "_").strip("_")

        def guarded(ctx: Context):
            problem = fact(ctx.obj, "call_problem", subject, ctx.name, needs)
            if problem:
                raise Skip(problem)
            try:
                return func(ctx)
            except Failure as failure:
                if (
                    not failure.location and failure.__cause__ is None
                ):  # a wrong value: point at the method
                    failure.location = locate(ctx.obj, title, failure.message)
                raise

        _CHECKS.append(Check(f"{subject}.{short}", subject, exercise, title, guarded, limitation))
        return func

    return register


def all_checks() -> list[Check]:
    """Every registered check, in report order (the families' modules are imported here)."""
    for family in FAMILIES:
        importlib.import_module(f"deepkiso.check.{family}")
    order = {s.name: i for i, s in enumerate(SUBJECTS)}
    return sorted(
        _CHECKS, key=lambda c: order[c.subject]
    )  # stable: keeps registration order per subject


EXERCISES = tuple(f"2_{i}" for i in range(1, 19))


def _exercise(token: str) -> str | None:
    m = re.fullmatch(r"(?:ex)?\s*2[._-](\d{1,2})", token.strip().lower())
    return f"2_{int(m.group(1))}" if m else None


def select(only: list[str] | None) -> list[Check]:
    """The checks that ``--only`` names; all of them when only is empty.

    Each item may be a course name or a spelling of it ("Relu", "softmax_with_loss"),
    an exercise number ("2_14", "2.14") or a check id ("Affine.backward_db").
    Raises ValueError naming the item and the choices when an item matches nothing.
    """
    checks = all_checks()
    if not only:
        return checks
    chosen: set[str] = set()
    for token in only:
        by_id = [c for c in checks if c.id.lower() == token.lower()]
        exercise = _exercise(token)
        subjects = {s.name for s in subjects_named(token)}
        if by_id:
            chosen.update(c.id for c in by_id)
        elif exercise:
            hits = [c for c in checks if c.exercise == exercise]
            if not hits:
                with_checks = sorted(
                    {c.exercise for c in checks}, key=lambda e: int(e.split("_")[1])
                )
                raise ValueError(
                    _(
                        "exercise {exercise} has no checks (it has no code to check); "
                        "exercises with checks: {exercises}"
                    ).format(exercise=exercise, exercises=", ".join(with_checks))
                )
            chosen.update(c.id for c in hits)
        elif subjects:
            chosen.update(c.id for c in checks if c.subject in subjects)
        else:
            names = [s.name for s in SUBJECTS]
            close = difflib.get_close_matches(token, names + [c.id for c in checks], n=1)
            hint = _(" (did you mean {name}?)").format(name=repr(close[0])) if close else ""
            raise ValueError(
                _(
                    "unknown --only name {token}{hint}; choose a name ({names}), "
                    "an exercise number (2_1 … 2_18) or a check id such as 'Affine.backward_db'"
                ).format(token=repr(token), hint=hint, names=", ".join(names))
            )
    return [c for c in checks if c.id in chosen]
