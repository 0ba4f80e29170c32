"""Numerical differentiation, steepest descent and the gradient check.

Exercises 2_2 – 2_5 (numerical_diff, numerical_gradient for arrays of any
shape), 2_3 (gradient_descent with its whole trajectory) and 2_17 (comparing
backprop with the numerical gradient). Differences are taken in float64
whatever the input's dtype: a float32 array (a float32 net's weights) is
perturbed as a float64 copy, and f is evaluated on a copy of itself that reads
that copy, so a float32 net's loss is computed in float64 wherever its code
promotes (float32 data times float64 weights does). A difference quotient in
float32 with h = 1e-4 keeps only about three correct digits, and for |x| > 2048
it has no step at all: x ± h rounds back to x.
"""

from __future__ import annotations

import copy
import math
import types
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

__all__ = [
    "numerical_diff",
    "numerical_gradient",
    "gradient_descent",
    "ParameterCheck",
    "GradientCheckReport",
    "gradient_check",
    "check_layer_gradient",
    "check_net_gradient",
]

METHODS = ("central", "forward", "backward")

_H_NOT_POSITIVE = "{who}: h must be a positive number, got {h!r}"
_H_BELOW_SPACING = ("{who}: h = {h:g} is below the spacing of {dtype} numbers at {where} = {value:.9g} "
                    "(spacing {spacing:.3g}), so x ± h rounds back to x; use a larger h")


def numerical_diff(f: Callable[[float], float], x: float, h: float = 1e-4, method: str = "central") -> float:
    """df/dx at the scalar x by a difference quotient, in float64.

    central:  (f(x + h) - f(x - h)) / 2h   error O(h²)  (the course's choice)
    forward:  (f(x + h) - f(x)) / h        error O(h)   (for the slides' comparison)
    backward: (f(x) - f(x - h)) / h        error O(h)
    x is taken as a float64 number and the result is cast back to x's type (a
    float, or np.float32 for an np.float32 x). An h below the spacing of the
    float64 numbers at x is refused: x ± h would round back to x.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    x64 = np.float64(x)
    _require_step("numerical_diff", h, np.asarray(x64), "x")
    x64 = float(x64)
    if method == "central":
        slope = (float(f(x64 + h)) - float(f(x64 - h))) / (2 * h)
    elif method == "forward":
        slope = (float(f(x64 + h)) - float(f(x64))) / h
    else:
        slope = (float(f(x64)) - float(f(x64 - h))) / h
    return _like(slope, x)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """∂f/∂x_i for every element of x by central differences, in float64.

    x: an array of any shape. f may use its argument or read x itself (or an
    array that shares memory with it, such as a net's own weights, as in
    ``lambda w: net.loss(x, t)``) and ignore its argument.
    Returns an array of x's shape and dtype.

    A float64 x is perturbed in place one element at a time and restored bit
    for bit afterwards, also when f raises. Any other floating x is never
    touched: the differences are taken on a float64 copy, and f on a deep copy
    of itself in which x is that copy (so a float32 net is evaluated in float64);
    an f whose copy does not hold x is called with the float64 copy, and only
    when that changes nothing (f reads x through a global) is x perturbed in
    place in its own dtype. An h below the spacing of the numbers at the
    largest |x_i| (in the dtype perturbed) is refused: x ± h would round back to x.
    """
    if not isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"numerical_gradient: x must be a floating array, got dtype {x.dtype}")
    if x.dtype == np.float64:
        return _gradient_in_place(f, x, h)
    twin = _float64_twin(f, [x])
    if twin is not None:
        f64, (x64,) = twin
        return _gradient_in_place(f64, x64, h).astype(x.dtype)
    grad = _gradient_in_place(f, x.astype(np.float64), h)
    if not grad.any():
        # Perturbing the copy changed nothing: f may read x itself rather than its argument.
        grad = _gradient_in_place(f, x, h)
    return grad.astype(x.dtype)


def _gradient_in_place(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Central differences of f(x), perturbing x in place; float64, x's shape."""
    _require_step("numerical_gradient", h, x, "x")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        grad[idx] = _central_difference(lambda: f(x), x, idx, h)
    return grad


def _central_difference(f: Callable[[], float], x: np.ndarray, index: tuple, h: float) -> float:
    """(f() at x[index] + h  -  f() at x[index] - h) / the step actually taken.

    x is changed in place while f runs and restored bit for bit afterwards, also when f raises.
    The step is measured from the stored values, so an x whose x_i ± h is rounded
    still gets the right quotient.
    """
    original = x[index].copy()
    try:
        x[index] = float(original) + h
        upper = float(x[index])
        f_plus = float(f())
        x[index] = float(original) - h
        lower = float(x[index])
        f_minus = float(f())
    finally:
        x[index] = original
    return (f_plus - f_minus) / (upper - lower)


def _require_step(who: str, h, values: np.ndarray, name: str) -> None:
    """Refuse an h that is not positive, or below the spacing of values' dtype at its largest |value|."""
    if not (isinstance(h, (int, float, np.number)) and h > 0 and math.isfinite(h)):
        raise ValueError(_H_NOT_POSITIVE.format(who=who, h=h))
    if values.size == 0:
        return
    magnitudes = np.abs(values)
    flat = int(np.argmax(np.where(np.isfinite(magnitudes), magnitudes, 0)))
    spacing = float(np.spacing(magnitudes.flat[flat]))
    if h < spacing:
        index = np.unravel_index(flat, values.shape)
        where = f"{name}[{', '.join(str(int(i)) for i in index)}]" if values.ndim else name
        raise ValueError(_H_BELOW_SPACING.format(who=who, h=h, dtype=values.dtype, where=where,
                                                 value=float(values.flat[flat]), spacing=spacing))


def _like(value: float, x):
    """value as x's floating type: np.float32 for an np.float32 x, else a float."""
    dtype = np.asarray(x).dtype
    if np.issubdtype(dtype, np.floating) and dtype != np.float64:
        return dtype.type(value)
    return float(value)


# --------------------------------------------------------------------------
# Float64 twins: f evaluated on copies, so the caller's arrays are never touched


class _ReachMemo(dict):
    """A deepcopy memo pre-filled with the twins, which records which of the targets' twins the copy reached."""

    def __init__(self, twins: dict[int, np.ndarray], targets: set[int]):
        super().__init__(twins)
        self.targets = targets
        self.reached: set[int] = set()

    def get(self, key, default=None):
        if key in self.targets:
            self.reached.add(key)
        return super().get(key, default)


def _float64_twin(f: Callable, arrays: list[np.ndarray]) -> tuple[Callable, list[np.ndarray]] | None:
    """(f64, twins): a deep copy of f in which every float array it holds is float64; twins[i] is arrays[i]'s.

    f may be a function (its closure and defaults are copied: the lambda of
    ``lambda: net.loss(x, t)`` holds net, x and t), a bound method (its object
    is copied) or a callable object. Every floating array f holds (a net's
    weights and biases, its data) becomes float64 in the copy, not only the
    given ones, so that no float32 neighbour rounds their perturbation away
    (``y = x @ W; y += b`` would round b's step to float32 with a float32 W).
    None when f cannot be copied, when its copy does not hold every one of
    ``arrays`` (f reads one through a global), or when it holds a view of one
    (the view would not follow the twin): perturbing the twins would then not
    move f, so the caller works in place instead.
    """
    try:
        held = _float_arrays_held_by(f)
        twins = {id(a): np.array(a, dtype=np.float64) for a in [*held, *arrays]}
        memo = _ReachMemo(twins, targets={id(a) for a in arrays})
        f64 = _deepcopy_callable(f, memo)
    except Exception:  # noqa: BLE001 - what a user's f holds may refuse to be copied: then work in place
        return None
    copied = [o for o in dict.get(memo, id(memo), []) if isinstance(o, np.ndarray)]  # deepcopy's originals
    views = any(o is not a and np.may_share_memory(o, a) for o in [*held, *copied] for a in arrays)
    if memo.reached != memo.targets or views:
        return None
    return f64, [twins[id(a)] for a in arrays]


def _float_arrays_held_by(f: Callable) -> list[np.ndarray]:
    """The floating arrays (other than float64) that f holds: through its closure, defaults, bound object,
    and from there through containers and object attributes (the parts a deep copy copies)."""
    if isinstance(f, types.FunctionType):
        stack = [c.cell_contents for c in f.__closure__ or () if _is_filled(c)]
        stack += [f.__defaults__, f.__kwdefaults__]
    else:
        stack = [f]
    found, seen = [], set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType, str, bytes)):
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind == "f" and obj.dtype != np.float64:
                found.append(obj)
        elif isinstance(obj, dict):
            stack += obj.values()
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack += obj
        elif isinstance(obj, types.MethodType):
            stack.append(obj.__self__)
        else:
            stack += getattr(obj, "__dict__", {}).values()
            stack += [getattr(obj, name) for name in getattr(type(obj), "__slots__", ()) if hasattr(obj, name)]
    return found


def _is_filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # a cell not yet filled (a name the function assigns later)
        return False
    return True


def _deepcopy_callable(f: Callable, memo: dict) -> Callable:
    if not isinstance(f, types.FunctionType):
        return copy.deepcopy(f, memo)  # a bound method copies its object, a callable object itself
    # deepcopy returns a function as it is; a new function over copies of its closure's cells reads the copies.
    cells = tuple(_copy_cell(cell, memo) for cell in f.__closure__ or ())
    twin = types.FunctionType(f.__code__, f.__globals__, f.__name__, copy.deepcopy(f.__defaults__, memo), cells)
    twin.__kwdefaults__ = copy.deepcopy(f.__kwdefaults__, memo)
    return twin


def _copy_cell(cell: types.CellType, memo: dict) -> types.CellType:
    return types.CellType(copy.deepcopy(cell.cell_contents, memo)) if _is_filled(cell) else types.CellType()


def gradient_descent(
    f: Callable[[np.ndarray], float],
    init_x: np.ndarray,
    lr: float = 0.01,
    step_num: int = 100,
    grad: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Steepest descent x ← x - lr · ∇f(x), repeated step_num times.

    init_x: the start, any shape; it is not changed.
    grad: the gradient function; by default the numerical gradient of f.
    Returns (x, trajectory): the final point (float64, init_x's shape) and every
    point visited, shape (step_num + 1, *init_x.shape), trajectory[0] = init_x.
    A learning rate that is too large shows up as a trajectory that grows
    without bound (and finally inf or nan); it is returned, not hidden.
    """
    if step_num < 0:
        raise ValueError(f"step_num must be >= 0, got {step_num}")
    x = np.array(init_x, dtype=np.float64)
    trajectory = np.empty((step_num + 1, *x.shape), dtype=np.float64)
    trajectory[0] = x
    gradient = grad if grad is not None else (lambda z: numerical_gradient(f, z))
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, step_num + 1):
            x = x - lr * np.asarray(gradient(x), dtype=np.float64)
            trajectory[step] = x
    return x, trajectory


# --------------------------------------------------------------------------
# Gradient check (exercise 2_17)

# Per way of evaluating: the difference step and the tolerances. The step balances the
# truncation error (~h²) against rounding (~eps·|f|/h): h ≈ eps^(1/3) of the evaluation's dtype.
# An element passes when |a - n| <= atol + rtol · (|a| + |n|).
# "float32 on a float64 copy": the numerical side is float64, so what limits the tolerance is the
# float32 backprop itself (a few float32 roundings per product, summed over the batch).
# "float32 in place": f could not be copied, so the loss is evaluated in float32 as it stands.
_CHECK_SETTINGS = {
    "float64": {"h": 1e-5, "rtol": 1e-5, "atol": 1e-7},
    "float32 on a float64 copy": {"h": 1e-5, "rtol": 1e-4, "atol": 1e-6},
    "float32 in place": {"h": 1e-2, "rtol": 2e-2, "atol": 2e-3},
}
MODES = ("full", "sample", "directional")


@dataclass
class ParameterCheck:
    """The comparison of one parameter's backprop and numerical gradients."""

    name: str
    shape: tuple
    max_abs_diff: float
    max_rel_error: float
    passed: bool
    worst_index: tuple | None = None  # element index, or the direction's number in directional mode
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
        how = self.dtype if self.evaluation == "float64" else self.evaluation
        head = (
            f"gradient check ({self.mode}, {how}, h={self.h:g}; "
            f"pass when |a-n| <= {self.atol:g} + {self.rtol:g}(|a|+|n|))"
        )
        rows = [head] + ([f"  note: {self.note}"] if self.note else [])
        rows.append(f"  {'parameter':<10} {'shape':<14} {'compared':>8} {'max |a-n|':>10} {'max rel':>9}  result")
        for c in self.checks:
            if c.problem:
                rows.append(f"  {c.name:<10} {str(c.shape):<14} {'-':>8} {'-':>10} {'-':>9}  FAIL: {c.problem}")
                continue
            verdict = "ok" if c.passed else (
                f"FAIL at {c.worst_index}: backprop {c.analytic_at_worst:.6g}, numerical {c.numeric_at_worst:.6g}"
            )
            rows.append(
                f"  {c.name:<10} {str(c.shape):<14} {c.n_compared:>8} "
                f"{c.max_abs_diff:>10.2e} {c.max_rel_error:>9.2e}  {verdict}"
            )
        rows.append("PASSED" if self.passed else f"FAILED: {', '.join(c.name for c in self.failures)}")
        return "\n".join(rows)


def _settings(evaluation: str, rtol: float | None, atol: float | None, h: float | None) -> dict:
    base = _CHECK_SETTINGS[evaluation]
    return {
        "h": base["h"] if h is None else h,
        "rtol": base["rtol"] if rtol is None else rtol,
        "atol": base["atol"] if atol is None else atol,
    }


def _compare(name, shape, analytic, numeric, index_of, rtol, atol) -> ParameterCheck:
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


def _check_elements(f, name, param, analytic, positions, s) -> ParameterCheck:
    """Central differences at the given flat positions of param (restored afterwards)."""
    numeric = np.array([_central_difference(f, param, np.unravel_index(pos, param.shape), s["h"])
                        for pos in positions], dtype=np.float64)
    a = analytic.reshape(-1)[positions].astype(np.float64)
    return _compare(
        name, param.shape, a, numeric,
        lambda k: tuple(int(i) for i in np.unravel_index(positions[k], param.shape)),
        s["rtol"], s["atol"],
    )


def _check_directions(f, name, param, analytic, n_directions, rng, s) -> ParameterCheck:
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
        raise ValueError(f"unknown mode {mode!r}; choose one of {list(MODES)}")
    rng = np.random.default_rng(rng)
    dtypes = {np.dtype(p.dtype) for p in params.values()}
    dtype = np.dtype(np.float64) if dtypes <= {np.dtype(np.float64)} else min(dtypes, key=lambda d: d.itemsize)
    evaluation, loss, perturbed, note = _evaluation(f, params)
    s = _settings(evaluation, rtol, atol, h)
    report = GradientCheckReport(mode=mode, dtype=str(dtype), evaluation=evaluation, note=note, **s)
    for name, param in params.items():
        analytic = grads.get(name)
        if analytic is None:
            report.checks.append(_problem(name, param.shape, "no backprop gradient was given"))
            continue
        analytic = np.asarray(analytic)
        if analytic.shape != param.shape:
            report.checks.append(_problem(
                name, param.shape,
                f"backprop gradient has shape {analytic.shape}, expected {param.shape} (the parameter's shape)",
            ))
            continue
        target = perturbed[name]
        _require_step("gradient_check", s["h"], target, name)
        if mode == "directional":
            check = _check_directions(loss, name, target, analytic, n_directions, rng, s)
        else:
            positions = np.arange(param.size)
            if mode == "sample" and param.size > n_samples:
                positions = np.sort(rng.choice(param.size, size=n_samples, replace=False))
            check = _check_elements(loss, name, target, analytic, positions, s)
        report.checks.append(check)
    return report


def _evaluation(f: Callable[[], float], params: Mapping[str, np.ndarray]) -> tuple[str, Callable, dict, str]:
    """(the settings' key, the loss to call, name -> the array to perturb, a note).

    float64 parameters are perturbed in place; any others on a float64 twin of
    f, so the caller's parameters are never touched, unless f cannot be copied:
    then they are perturbed in place in their own dtype, as the note says.
    """
    if all(p.dtype == np.float64 for p in params.values()):
        return "float64", f, dict(params), ""
    twin = _float64_twin(f, list(params.values()))
    if twin is None:
        return "float32 in place", f, dict(params), (
            "f could not be copied with float64 parameters (it reads them through a global, holds a view of them "
            "or refuses deepcopy), so the loss was evaluated in float32 with loose tolerances")
    f64, twins = twin
    return "float32 on a float64 copy", f64, dict(zip(params, twins)), ""


def _problem(name, shape, text) -> ParameterCheck:
    return ParameterCheck(name=name, shape=tuple(shape), max_abs_diff=math.inf, max_rel_error=math.inf,
                          passed=False, problem=text)


def check_layer_gradient(layer, x: np.ndarray, dout: np.ndarray | None = None, rng=0, **options) -> GradientCheckReport:
    """Gradient check of a layer with forward(x) / backward(dout).

    Checks the input gradient (reported as "x") and every entry of
    ``layer.params`` against the numerical gradient of L = Σ forward(x) · dout,
    where dout is random unless given (a random dout also catches a backward
    that ignores it). x is copied to float64 when it is not floating.
    options: as for ``gradient_check`` (mode, n_samples, ...).
    """
    rng = np.random.default_rng(rng)
    x = np.array(x, dtype=x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64)
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


def check_net_gradient(net, x: np.ndarray, t: np.ndarray, rng=0, **options) -> GradientCheckReport:
    """Gradient check of a net with params, loss(x, t) and gradient(x, t).

    A float32 net is checked against float64 differences on a copy of itself
    (see ``gradient_check``): its own parameters are never touched.
    options: as for ``gradient_check`` (mode, n_samples, ...).
    """
    grads = {name: np.array(g) for name, g in net.gradient(x, t).items()}
    return gradient_check(lambda: net.loss(x, t), net.params, grads, rng=rng, **options)
