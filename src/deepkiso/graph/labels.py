"""What the drawings of a graph say: node values, gradient names, derivative text, colours.

The text pieces that the operations (``engine``, ``operations``), the DOT
output (``dot``) and the matplotlib drawing (``deepkiso.plots.graph``) share,
so a label reads the same wherever it appears. Pure string work: nothing here
knows about Variables beyond their ``name``.
"""

from __future__ import annotations

import re

import numpy as np

from deepkiso.i18n import _

# One palette for the DOT text and the matplotlib drawing, so both renderers agree.
COLORS = {
    "value_fill": "#e8f1fb",
    "value_edge": "#1f4e79",
    "constant_fill": "#f2f2f2",
    "constant_edge": "#7f7f7f",
    "op_fill": "#fff1cc",
    "op_edge": "#b7791f",
    "forward": "#333333",
    "gradient": "#c0392b",
    "text": "#111111",
}


def grouped(text: str, operators: str = " +-/·×") -> str:
    """text in parentheses if it holds one of operators outside parentheses (a leading minus counts).

    So 2(1 - e) stays right, while "× 1/S" needs none.
    """
    outside = text
    while re.search(r"\([^()]*\)", outside):
        outside = re.sub(r"\([^()]*\)", "", outside)
    return f"({text})" if any(ch in operators for ch in outside) else text


def times(coefficient: str, text: str) -> str:
    """coefficient·text: "2x" for a name, "2·3" for a number (where "23" would misread)."""
    text = grouped(text)
    return f"{coefficient}·{text}" if text[:1].isdigit() else f"{coefficient}{text}"


def power_text(base: str, p: float) -> str:
    """base to the power p: "x²", "(1 + e)²", "(x²)³", "x^0.5"."""
    superscripts = {2: "²", 3: "³"}
    if p == 1:
        return base
    base = f"({base})" if base.endswith(("²", "³")) else grouped(base)
    if p in superscripts:
        return base + superscripts[int(p)]
    return f"{base}^{p:g}"


def format_value(a, max_items: int = 3) -> str:
    """A short text for a node's value: a scalar to 4 significant digits, an array as shape plus a few numbers.

    >>> format_value(np.float64(2.0 / 3))
    '0.6667'
    >>> format_value(np.arange(5.0))
    '(5,) [0, 1, 2, …]'
    """
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a) + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0
    items = ", ".join(f"{float(v) + 0.0:.3g}" for v in a.ravel()[:max_items])
    more = ", …" if a.size > max_items else ""
    return f"{a.shape} [{items}{more}]"


def gradient_name(v, output, upstream: str | None = None) -> str:
    """What v's gradient is called in drawings: "∂L/∂x" (L the output's name, "y" if it has none).

    upstream: the name of what the output's gradient came from, when backward
    started from a general ∂L/∂z rather than from 1 (``backward(dout)``): the
    gradients are then ∂upstream/∂v, the output's own included.
    A name that is itself an expression is put in parentheses, "∂y/∂(1 - e)";
    an unnamed node's gradient is just "grad" (in Japanese 勾配).
    """
    if not v.name:
        return _("grad")
    simple = v.name.isidentifier() or re.fullmatch(r"\w+\([^()]*\)", v.name)  # "x1", "exp(a)"
    return f"∂{upstream or output.name or 'y'}/∂{v.name if simple else f'({v.name})'}"


def upstream_name(output) -> str:
    """The name of the loss a general upstream gradient comes from: L, or E when the output is L itself."""
    return "E" if output.name == "L" else "L"


def pretty(text: str) -> str:
    """Trailing digits of names as subscripts, as on the slides: x1 → x₁, W2 → W₂.

    Both renderers draw names this way, in the boxes, on the edges and in the titles.
    """
    subscripts = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    return re.sub(
        r"\b([A-Za-z]+)(\d+)\b", lambda m: m.group(1) + m.group(2).translate(subscripts), text
    )
