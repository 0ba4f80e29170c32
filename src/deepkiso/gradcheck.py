"""The gradient check of exercise 2_17: backprop's gradients against numerical ones.

``gradient_check`` compares analytic gradients with central differences taken
in float64 (a float32 net is evaluated on a float64 copy of itself), over
every element, a random sample of them or random directions, and returns a
``GradientCheckReport`` that prints one line per parameter.
``check_layer_gradient`` and ``check_net_gradient`` set it up for a layer's
``backward`` and a net's ``gradient``. Not to be confused with ``deepkiso
check``, the grader of a learner's code (``deepkiso.check``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict

import numpy as np

from deepkiso._finite_differences import central_difference, float64_twin, require_step
from deepkiso._types import Array, Net, RngLike
from deepkiso.i18n import _

__all__ = [
    "ParameterCheck",
    "GradientCheckReport",
    "gradient_check",
    "check_layer_gradient",
    "check_net_gradient",
]


# Per way of evaluating: the difference step and the tolerances. The step balances the
# truncation error (~h²) against rounding (~eps·|f|/h): h ≈ eps^(1/3) of the evaluation's dtype.
# An element passes when |a - n| <= atol + rtol · (|a| + |n|).
# "float32 on a float64 copy": the numerical side is float64, so what limits the tolerance is the
# float32 backprop itself (a few float32 roundings per product, summed over the batch).
# "float32 in place": f could not be copied, so the loss is evaluated in float32 as it stands.
class _Settings(TypedDict):
    h: float
    rtol: float
    atol: float


_CHECK_SETTINGS: dict[str, _Settings] = {
    "float64": {"h": 1e-5, "rtol": 1e-5, "atol": 1e-7},
    "float32 on a float64 copy": {"h": 1e-5, "rtol": 1e-4, "atol": 1e-6},
    "float32 in place": {"h": 1e-2, "rtol": 2e-2, "atol": 2e-3},
}
MODES = ("full", "sample", "directional")


@dataclass
class ParameterCheck:
    """The comparison of one parameter's backprop and numerical gradients."""

    name: str
    shape: tuple[int, ...]
    max_abs_diff: float
    max_rel_error: float
    passed: bool
    # element index, or the direction's number in directional mode
    worst_index: tuple[int, ...] | None = None
    analytic_at_worst: float = math.nan
    numeric_at_worst: float = math.nan
    n_compared: int = 0
    problem: str = ""  # set when the gradients could not be compared at all


@dataclass
class GradientCheckReport:
    """A gradient check's verdict, one ParameterCheck per parameter.

    ``print(report)`` gives a table; ``report.passed`` is True when every
    parameter passed; ``report.failures`` lists the ones that did not.
    evaluation: how the loss was evaluated, one of the keys of the settings
    table: "float64", "float32 on a float64 copy" or "float32 in place"
    (with the reason in ``note``: f could not be copied).
    """

    mode: str
    dtype: str
    h: float
    rtol: float
    atol: float
    evaluation: str = "float64"
    note: str = ""
    checks: list[ParameterCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[ParameterCheck]:
        return [c for c in self.checks if not c.passed]

    def __getitem__(self, name: str) -> ParameterCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def __str__(self) -> str:
        how = self.dtype if self.evaluation == "float64" else _evaluation_text(self.evaluation)
        head = _(
            "gradient check ({mode}, {how}, h={h:g}; pass when |a-n| <= {atol:g} + {rtol:g}(|a|+|n|))"
        ).format(mode=self.mode, how=how, h=self.h, atol=self.atol, rtol=self.rtol)
        rows = [head] + ([_("  note: {note}").format(note=self.note)] if self.note else [])
        header = (_("parameter"), _("shape"), _("compared"), _("max |a-n|"), _("max rel"))
        rows.append(f"  {_columns(header)}  {_('result')}")
        for c in self.checks:
            if c.problem:
                cells = (c.name, str(c.shape), "-", "-", "-")
                fail = _("FAIL: {problem}").format(problem=c.problem)
                rows.append(f"  {_columns(cells)}  {fail}")
                continue
            verdict = (
                _("ok")
                if c.passed
                else _("FAIL at {index}: backprop {analytic:.6g}, numerical {numeric:.6g}").format(
                    index=c.worst_index, analytic=c.analytic_at_worst, numeric=c.numeric_at_worst
                )
            )
            cells = (
                c.name,
                str(c.shape),
                str(c.n_compared),
                f"{c.max_abs_diff:.2e}",
                f"{c.max_rel_error:.2e}",
            )
            rows.append(f"  {_columns(cells)}  {verdict}")
        rows.append(
            _("PASSED")
            if self.passed
            else _("FAILED: {names}").format(names=", ".join(c.name for c in self.failures))
        )
        return "\n".join(rows)


# The report's columns: (width, right-aligned); widths count a full-width character as two.
_COLUMNS = ((10, False), (14, False), (8, True), (10, True), (9, True))


def _columns(cells: tuple[str, ...]) -> str:
    """The report's cells padded to its columns, as a terminal shows them (CJK takes two places)."""
    import unicodedata

    padded = []
    for text, (width, right) in zip(cells, _COLUMNS):
        shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
        space = " " * max(0, width - shown)
        padded.append(space + text if right else text + space)
    return " ".join(padded)


def _evaluation_text(evaluation: str) -> str:
    """How the loss was evaluated, in words (the settings' key in the language in use)."""
    if evaluation == "float32 on a float64 copy":
        return _("float32 on a float64 copy")
    if evaluation == "float32 in place":
        return _("float32 in place")
    return evaluation


def _settings(
    evaluation: str, rtol: float | None, atol: float | None, h: float | None
) -> _Settings:
    base = _CHECK_SETTINGS[evaluation]
    return {
        "h": base["h"] if h is None else h,
        "rtol": base["rtol"] if rtol is None else rtol,
        "atol": base["atol"] if atol is None else atol,
    }


def _compare(
    name: str,
    shape: tuple[int, ...],
    analytic: np.ndarray,
    numeric: np.ndarray,
    index_of: Callable[[int], tuple[int, ...]],
    rtol: float,
    atol: float,
) -> ParameterCheck:
    """Compare two flat float64 vectors; index_of maps a position to the reported index."""
    diff = np.abs(analytic - numeric)
    scale = np.abs(analytic) + np.abs(numeric)
    rel = diff / np.maximum(scale, np.finfo(np.float64).tiny)
    bad = diff > atol + rtol * scale
    # The worst element is the one that exceeds its allowance by the largest factor.
    excess = diff / (atol + rtol * scale)
    worst = int(np.argmax(excess)) if excess.size else 0
    return ParameterCheck(
        name=name,
        shape=tuple(shape),
        max_abs_diff=float(diff.max()) if diff.size else 0.0,
        max_rel_error=float(rel.max()) if rel.size else 0.0,
        passed=not bool(bad.any()),
        worst_index=index_of(worst) if diff.size else None,
        analytic_at_worst=float(analytic[worst]) if diff.size else math.nan,
        numeric_at_worst=float(numeric[worst]) if diff.size else math.nan,
        n_compared=int(diff.size),
    )


def _check_elements(
    f: Callable[[], float],
    name: str,
    param: np.ndarray,
    analytic: np.ndarray,
    positions: np.ndarray,
    s: _Settings,
) -> ParameterCheck:
    """Central differences at the given flat positions of param (restored afterwards)."""
    numeric = np.array(
        [
            central_difference(f, param, np.unravel_index(pos, param.shape), s["h"])
            for pos in positions
        ],
        dtype=np.float64,
    )
    a = analytic.reshape(-1)[positions].astype(np.float64)
    return _compare(
        name,
        param.shape,
        a,
        numeric,
        lambda k: tuple(int(i) for i in np.unravel_index(positions[k], param.shape)),
        s["rtol"],
        s["atol"],
    )


def _check_directions(
    f: Callable[[], float],
    name: str,
    param: np.ndarray,
    analytic: np.ndarray,
    n_directions: int,
    rng: np.random.Generator,
    s: _Settings,
) -> ParameterCheck:
    """Compare ⟨∇f, u⟩ with (f(p + h u) - f(p - h u)) / 2h for random unit directions u."""
    h = s["h"]
    saved = param.copy()
    numeric = np.empty(n_directions, dtype=np.float64)
    projected = np.empty(n_directions, dtype=np.float64)
    a = analytic.astype(np.float64).reshape(-1)
    try:
        for k in range(n_directions):
            u = rng.standard_normal(param.size)
            u /= np.linalg.norm(u)
            step = (h * u).reshape(param.shape)
            np.copyto(param, saved + step, casting="unsafe")
            f_plus = float(f())
            upper = param.astype(np.float64) - saved
            np.copyto(param, saved - step, casting="unsafe")
            f_minus = float(f())
            lower = param.astype(np.float64) - saved
            np.copyto(param, saved)
            # The step actually taken after rounding to param's dtype.
            taken = (upper - lower).reshape(-1)
            numeric[k] = (f_plus - f_minus) / np.linalg.norm(taken)
            projected[k] = a @ (taken / np.linalg.norm(taken))
    finally:
        np.copyto(param, saved)
    return _compare(name, param.shape, projected, numeric, lambda k: (k,), s["rtol"], s["atol"])


def gradient_check(
    f: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    mode: str = "full",
    n_samples: int = 20,
    n_directions: int = 10,
    rng: np.random.Generator | int | None = 0,
    h: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
) -> GradientCheckReport:
    """Compare backprop gradients with numerical ones, parameter by parameter.

    f: computes the loss from the current values of ``params`` (no argument);
       what is perturbed (see h below) is always restored bit for bit.
    params: name -> array; grads: name -> the backprop gradient, same shape.
    mode: "full" every element (exercise 2_17); "sample" n_samples random
       elements per parameter; "directional" n_directions random unit
       directions per parameter (2 loss evaluations each, so a net with
       hundreds of thousands of parameters is checked in seconds).
    h, rtol, atol: default by how the loss is evaluated (``_CHECK_SETTINGS``).
       float64 parameters are perturbed in place (h=1e-5, rtol=1e-5,
       atol=1e-7). Parameters of any other dtype are never touched: f is
       deep-copied once with float64 copies of them in their place (its
       closure, its bound object), and those copies are perturbed, so a
       float32 net's loss is evaluated in float64 (h=1e-5, rtol=1e-4,
       atol=1e-6: the float32 backprop limits the agreement). Where f cannot
       be copied so (it reads the parameters through a global, say), they are
       perturbed in place in float32 (h=1e-2, rtol=2e-2, atol=2e-3) and the
       report's note says so.
    Returns a GradientCheckReport. A gradient missing or of the wrong shape is
    a failure that says so (for example db of shape (N, 3) instead of (3,)).
    """
    if mode not in MODES:
        raise ValueError(
            _("unknown mode {mode!r}; choose one of {choices}").format(
                mode=mode, choices=list(MODES)
            )
        )
    rng = np.random.default_rng(rng)
    dtypes = {np.dtype(p.dtype) for p in params.values()}
    dtype = (
        np.dtype(np.float64)
        if dtypes <= {np.dtype(np.float64)}
        else min(dtypes, key=lambda d: d.itemsize)
    )
    evaluation, loss, perturbed, note = _evaluation(f, params)
    s = _settings(evaluation, rtol, atol, h)
    report = GradientCheckReport(mode=mode, dtype=str(dtype), evaluation=evaluation, note=note, **s)
    for name, param in params.items():
        analytic = grads.get(name)
        if analytic is None:
            report.checks.append(_problem(name, param.shape, _("no backprop gradient was given")))
            continue
        analytic = np.asarray(analytic)
        if analytic.shape != param.shape:
            report.checks.append(
                _problem(
                    name,
                    param.shape,
                    _(
                        "backprop gradient has shape {got}, expected {expected} "
                        "(the parameter's shape)"
                    ).format(got=analytic.shape, expected=param.shape),
                )
            )
            continue
        target = perturbed[name]
        require_step("gradient_check", s["h"], target, name)
        if mode == "directional":
            check = _check_directions(loss, name, target, analytic, n_directions, rng, s)
        else:
            positions = np.arange(param.size)
            if mode == "sample" and param.size > n_samples:
                positions = np.sort(rng.choice(param.size, size=n_samples, replace=False))
            check = _check_elements(loss, name, target, analytic, positions, s)
        report.checks.append(check)
    return report


def _evaluation(
    f: Callable[[], float], params: Mapping[str, np.ndarray]
) -> tuple[str, Callable[[], float], dict[str, np.ndarray], str]:
    """(the settings' key, the loss to call, name -> the array to perturb, a note).

    float64 parameters are perturbed in place; any others on a float64 twin of
    f, so the caller's parameters are never touched, unless f cannot be copied:
    then they are perturbed in place in their own dtype, as the note says.
    """
    if all(p.dtype == np.float64 for p in params.values()):
        return "float64", f, dict(params), ""
    twin = float64_twin(f, list(params.values()))
    if twin is None:
        return (
            "float32 in place",
            f,
            dict(params),
            _(
                "f could not be copied with float64 parameters (it reads them through a global, "
                "holds a view of them or refuses deepcopy), so the loss was evaluated in float32 "
                "with loose tolerances"
            ),
        )
    f64, twins = twin
    return "float32 on a float64 copy", f64, dict(zip(params, twins)), ""


def _problem(name: str, shape: tuple[int, ...], text: str) -> ParameterCheck:
    return ParameterCheck(
        name=name,
        shape=tuple(shape),
        max_abs_diff=math.inf,
        max_rel_error=math.inf,
        passed=False,
        problem=text,
    )


class _Layer(Protocol):
    """What ``check_layer_gradient`` calls (``params`` and ``grads`` are read when there)."""

    def forward(self, x: np.ndarray) -> Any: ...

    def backward(self, dout: np.ndarray) -> Any: ...


def check_layer_gradient(
    layer: _Layer,
    x: np.ndarray,
    dout: np.ndarray | None = None,
    rng: RngLike = 0,
    **options: Any,
) -> GradientCheckReport:
    """Gradient check of a layer with forward(x) / backward(dout).

    Checks the input gradient (reported as "x") and every entry of
    ``layer.params`` against the numerical gradient of L = Σ forward(x) · dout,
    where dout is random unless given (a random dout also catches a backward
    that ignores it). x is copied to float64 when it is not floating.
    options: as for ``gradient_check`` (mode, n_samples, ...).
    """
    rng = np.random.default_rng(rng)
    x = np.array(
        x, dtype=x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
    )
    out = layer.forward(x)
    if dout is None:
        dout = rng.standard_normal(np.shape(out)).astype(np.asarray(out).dtype)
    dx = layer.backward(dout)
    grads = {"x": dx}
    grads.update({name: np.array(g) for name, g in getattr(layer, "grads", {}).items()})
    params = {"x": x, **getattr(layer, "params", {})}
    # Forward once more on a copy: a layer that caches a view of its input (Affine's flattened x)
    # would otherwise hold a view of x, and a float32 x could not be checked on a float64 twin.
    layer.forward(x.copy())

    def loss() -> float:
        return float(np.sum(np.asarray(layer.forward(x), dtype=np.float64) * dout))

    return gradient_check(loss, params, grads, rng=rng, **options)


def check_net_gradient(
    net: Net, x: Array, t: Array, rng: RngLike = 0, **options: Any
) -> GradientCheckReport:
    """Gradient check of a net with params, loss(x, t) and gradient(x, t).

    A float32 net is checked against float64 differences on a copy of itself
    (see ``gradient_check``): its own parameters are never touched.
    options: as for ``gradient_check`` (mode, n_samples, ...).
    """
    grads = {name: np.array(g) for name, g in net.gradient(x, t).items()}
    return gradient_check(lambda: net.loss(x, t), net.params, grads, rng=rng, **options)
