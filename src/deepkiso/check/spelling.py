"""Typos of a course name or method: ``Affain_layer`` for ``Affine``, ``foward`` for ``forward``.

A typo is at most two edits (Damerau–Levenshtein) of the spelling-insensitive
form (case and "_" set aside) of a name of six letters or more, once the words
learners add around a name (My…, …Layer) are set aside; two candidates are
ambiguous and give none.
"""

from __future__ import annotations

import inspect
import re

__all__ = ["normal", "misspelling", "edits", "typo_method"]


def normal(name: str) -> str:
    """Spelling-insensitive form: "Softmax_with_Loss" and "SoftmaxWithLoss" both become "softmaxwithloss"."""
    return re.sub(r"[\s_]", "", name).lower()


# Words a learner adds around a course name: Affine_layer, AffineLayer, MyAffine, affine_class.
_DECORATION = re.compile(r"^(my|own)|(layer|class|func|function|fn|impl)$")


def misspelling(name: str, keys: list[str]) -> str | None:
    """The one name in keys that is name (a course name) with a typo (Affain_layer, gradient_decent), if any.

    A typo is at most two edits (a letter missing, added, changed or two swapped) of the spelling-insensitive
    form of a name of six letters or more, once the words learners add around a name are set aside; two
    candidates are ambiguous and give none.
    """
    target = _DECORATION.sub("", normal(name))
    if len(target) < 6:  # "relu", "sgd": too short to tell a typo from another name
        return None
    hits = []
    for key in keys:
        if key.startswith("__"):
            continue
        word = _DECORATION.sub("", normal(key))
        if word and word != target and not word[-1].isdigit() and edits(word, target) <= 2:
            hits.append(key)
    return hits[0] if len(hits) == 1 else None


def edits(a: str, b: str) -> int:
    """The Damerau–Levenshtein distance (a swap of two neighbours is one edit)."""
    rows = [[max(i, j) if not i * j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def typo_method(cls: type, canonical: str) -> str | None:
    """The learner's method that is canonical misspelt (foward, backword, Forward), when canonical is missing."""
    if hasattr(cls, canonical):
        return None
    # Read statically: a learner's class attribute lookup may run their code (a property, __getattr__).
    methods = {
        a for klass in cls.__mro__[:-1] for a, v in vars(klass).items() if inspect.isfunction(v)
    }
    hits = [
        a
        for a in sorted(methods)
        if not a.startswith("__")
        and (a.lower() == canonical or (len(canonical) >= 6 and edits(a.lower(), canonical) <= 2))
    ]
    return hits[0] if len(hits) == 1 else None
