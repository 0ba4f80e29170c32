"""Comparing a learner's results with the expected ones, and saying how they differ.

Used by every check family of `deepkiso check`. A mismatch becomes a
``Failure`` that shows both values (shapes and a few numbers) and, where the
received value equals a known wrong answer (a "candidate"), the likely cause
in one sentence: for example a db of shape (5, 3) that equals dout is
"db has shape (5, 3); it should be (3,): sum dout over the batch axis (axis=0)".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from deepkiso.check.registry import Failure
from deepkiso.check.source_lines import locate
from deepkiso.i18n import _

__all__ = [
    "shorten",
    "raised",
    "describe",
    "contrast",
    "as_array",
    "as_scalar",
    "diagnose",
    "expect_close",
    "expect_unchanged",
]

Causes = Iterable[tuple[str, Any]]


_MAX_MESSAGE = 300


def shorten(text: str) -> str:
    """text cut to a few lines at most (300 characters), ending in "…" where it was cut."""
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def raised(exc: BaseException) -> str:
    """ "raised ValueError: shapes (5,3) and (4,3) not aligned …", shortened to a few lines at most."""
    return shorten(
        _("raised {error}: {text}").format(error=type(exc).__name__, text=str(exc).strip())
    )


def describe(value: Any, n_numbers: int = 4) -> str:
    """A short description: "shape (5, 3): [0.1234, -0.5, 1.3, 2, …]", "0.2" for a scalar, "None"."""
    if value is None:
        return "None"
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        text = repr(value)
        return f"{type(value).__name__} {text[:60]}{'…' if len(text) > 60 else ''}"
    if a.ndim == 0:
        return f"{a.item():.6g}"
    numbers = ", ".join(f"{v:.4g}" for v in a.ravel()[:n_numbers])
    more = ", …" if a.size > n_numbers else ""
    return _("shape {shape}: [{numbers}]").format(shape=a.shape, numbers=numbers + more)


def contrast(expected: Any, received: Any) -> tuple[str, str]:
    """describe(expected), describe(received), never the same text when the values differ.

    When four digits hide the difference, both say the largest difference's place and ten digits:
    "shape (5, 3): [0.1234, …]; at (2, 1): 0.1234567891".
    """
    e_text, r_text = describe(expected), describe(received)
    if e_text != r_text:
        return e_text, r_text
    try:
        e, r = np.asarray(expected, dtype=np.float64), np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return e_text, r_text
    if e.shape != r.shape or np.array_equal(e, r, equal_nan=True):
        return e_text, r_text
    if e.ndim == 0:
        return f"{e.item():.12g}", f"{r.item():.12g}"
    worst = np.unravel_index(int(np.nanargmax(np.abs(r - e))), e.shape)
    at = tuple(int(i) for i in worst)
    at_value = _("{description}; at {at}: {value}")
    return (
        at_value.format(description=e_text, at=at, value=f"{e[worst]:.12g}"),
        at_value.format(description=r_text, at=at, value=f"{r[worst]:.12g}"),
    )


def as_array(value: Any, what: str) -> np.ndarray:
    """value as a float64 array; a Failure that says what came back when it is not numbers."""
    if value is None:
        raise Failure(
            _("{what} returned None").format(what=what),
            expected=_("an array"),
            received="None",
            cause=_("a missing return statement"),
        )
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(
            _("{what} is not an array of numbers").format(what=what),
            expected=_("an array"),
            received=describe(value),
        ) from None


def as_scalar(value: Any, what: str) -> float:
    """value as one float (an array holding a single number is accepted)."""
    a = as_array(value, what)
    if a.size != 1:
        raise Failure(
            _("{what} should be one number, got shape {shape}").format(what=what, shape=a.shape),
            expected=_("one number"),
            received=describe(a),
            cause=_("the loss must be summed (and divided by N) to a single number"),
        )
    return float(a.reshape(()))


def diagnose(received: Any, causes: Causes, rtol: float = 1e-6, atol: float = 1e-9) -> str:
    """The sentence of the first candidate that received equals (same shape, close values); else ""."""
    try:
        r = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    for sentence, candidate in causes:
        c = np.asarray(candidate, dtype=np.float64)
        if c.shape == r.shape and np.allclose(r, c, rtol=rtol, atol=atol, equal_nan=True):
            return sentence
    return ""


def expect_close(
    received: Any,
    expected: Any,
    what: str,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    causes: Causes = (),
    shape_cause: str | Callable[[tuple], str] = "",
) -> np.ndarray:
    """Fail unless received has expected's shape and values (|r - e| <= atol + rtol |e|); return it as float64.

    causes: [(sentence, a known wrong answer), …] tried in order to name the likely cause.
    shape_cause: the cause to give for a wrong shape that no candidate explains
        (a sentence, or a function of the received shape).
    """
    causes = list(causes)
    r = as_array(received, what)
    e = np.asarray(expected, dtype=np.float64)
    if r.shape != e.shape:
        cause = diagnose(r, causes, rtol, atol) or (
            shape_cause(r.shape) if callable(shape_cause) else shape_cause
        )
        raise Failure(
            _("{what} has shape {shape}; expected {expected}").format(
                what=what, shape=r.shape, expected=e.shape
            ),
            describe(e),
            describe(r),
            cause,
        )
    finite = np.isfinite(e)
    if not np.isfinite(r[finite]).all():
        raise Failure(
            _("{what} contains inf or nan").format(what=what),
            *contrast(e, r),
            diagnose(r, causes, rtol, atol),
        )
    bad = ~np.isclose(r, e, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        worst = (
            np.unravel_index(int(np.argmax(np.where(bad, np.abs(r - e), -1.0))), r.shape)
            if r.ndim
            else ()
        )
        digits = 6 if f"{e[worst]:.6g}" != f"{r[worst]:.6g}" else 12
        values = {"expected": f"{e[worst]:.{digits}g}", "received": f"{r[worst]:.{digits}g}"}
        if r.ndim:
            message = _("{what} is wrong at {at}: expected {expected}, received {received}")
            values["at"] = str(tuple(int(i) for i in worst))
        else:
            message = _("{what} is wrong: expected {expected}, received {received}")
        raise Failure(
            message.format(what=what, **values), *contrast(e, r), diagnose(r, causes, rtol, atol)
        )
    return r


def expect_unchanged(
    before: np.ndarray,
    after: Any,
    what: str,
    cause: str,
    written_by: tuple[Any, str, str] | None = None,
) -> None:
    """Fail unless after still equals before, bit for bit (a side-effect check).

    written_by: (the learner's object, the method's name, the array's name in it), to point the
        report at the line that writes into the array (x[self.mask] = 0, x -= …) in any language.
    """
    after = np.asarray(after)
    if after.shape == before.shape and np.array_equal(after, before, equal_nan=True):
        return
    if after.shape == before.shape:
        first = tuple(
            int(i)
            for i in np.argwhere(~((after == before) | (np.isnan(after) & np.isnan(before))))[0]
        )
        message = _("{what} was changed (first at {at}: {before} became {after})").format(
            what=what, at=first, before=f"{before[first]:.10g}", after=f"{after[first]:.10g}"
        )
    else:
        message = _("{what} was changed").format(what=what)
    location = ""
    if (
        written_by is not None
    ):  # locate reads the English words of its message, whatever the language
        obj, method, name = written_by
        location = locate(obj, method, f"the caller's {name} was changed")
    raise Failure(
        message,
        expected=describe(before),
        received=describe(after),
        cause=cause,
        location=location,
    )
