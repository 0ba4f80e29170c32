"""The finite-difference machinery shared by ``differentiation`` and ``gradcheck``.

One central difference at a time, taken on an array perturbed in place and
restored bit for bit; the check that a step h is not below the spacing of the
numbers it is added to; and the float64 twin of a function: f deep-copied so
that it reads float64 copies of a float32 net's arrays, which is how a float32
net is differentiated in float64 without touching the caller's arrays. A leaf:
it imports nothing from deepkiso, so both public modules can stand on it.
"""

from __future__ import annotations

import copy
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from deepkiso.i18n import _


def gradient_in_place(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Central differences of f(x), perturbing x in place; float64, x's shape."""
    require_step("numerical_gradient", h, x, "x")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        grad[idx] = central_difference(lambda: f(x), x, idx, h)
    return grad


def central_difference(
    f: Callable[[], float], x: np.ndarray, index: tuple[int, ...], h: float
) -> float:
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


def require_step(who: str, h: float, values: np.ndarray, name: str) -> None:
    """Refuse an h that is not positive, or below the spacing of values' dtype at its largest |value|."""
    if not (isinstance(h, (int, float, np.number)) and h > 0 and math.isfinite(h)):
        raise ValueError(_("{who}: h must be a positive number, got {h!r}").format(who=who, h=h))
    if values.size == 0:
        return
    magnitudes = np.abs(values)
    flat = int(np.argmax(np.where(np.isfinite(magnitudes), magnitudes, 0)))
    spacing = float(np.spacing(magnitudes.flat[flat]))
    if h < spacing:
        index = np.unravel_index(flat, values.shape)
        where = f"{name}[{', '.join(str(int(i)) for i in index)}]" if values.ndim else name
        raise ValueError(
            _(
                "{who}: h = {h:g} is below the spacing of {dtype} numbers at {where} = {value:.9g} "
                "(spacing {spacing:.3g}), so x ± h rounds back to x; use a larger h"
            ).format(
                who=who,
                h=h,
                dtype=values.dtype,
                where=where,
                value=float(values.flat[flat]),
                spacing=spacing,
            )
        )


def like(value: float, x: object) -> float | np.floating[Any]:
    """value as x's floating type: np.float32 for an np.float32 x, else a float."""
    dtype = np.asarray(x).dtype
    if np.issubdtype(dtype, np.floating) and dtype != np.float64:
        same: np.floating[Any] = dtype.type(value)
        return same
    return float(value)


# --------------------------------------------------------------------------
# Float64 twins: f evaluated on copies, so the caller's arrays are never touched


class _ReachMemo(dict[int, Any]):
    """A deepcopy memo pre-filled with the twins, which records which of the targets' twins the copy reached."""

    def __init__(self, twins: dict[int, np.ndarray], targets: set[int]) -> None:
        super().__init__(twins)
        self.targets = targets
        self.reached: set[int] = set()

    def get(self, key: int, default: Any = None) -> Any:
        if key in self.targets:
            self.reached.add(key)
        return super().get(key, default)


def float64_twin(
    f: Callable[..., Any], arrays: list[np.ndarray]
) -> tuple[Callable[..., Any], list[np.ndarray]] | None:
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
    copied = [
        o for o in dict.get(memo, id(memo), []) if isinstance(o, np.ndarray)
    ]  # deepcopy's originals
    views = any(o is not a and np.may_share_memory(o, a) for o in [*held, *copied] for a in arrays)
    if memo.reached != memo.targets or views:
        return None
    return f64, [twins[id(a)] for a in arrays]


def _float_arrays_held_by(f: Callable[..., Any]) -> list[np.ndarray]:
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
        if id(obj) in seen or isinstance(
            obj, (type, types.ModuleType, types.FunctionType, str, bytes)
        ):
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
            stack += [
                getattr(obj, name)
                for name in getattr(type(obj), "__slots__", ())
                if hasattr(obj, name)
            ]
    return found


def _is_filled(cell: types.CellType) -> bool:
    try:
        __ = cell.cell_contents  # reading it is the test
    except ValueError:  # a cell not yet filled (a name the function assigns later)
        return False
    return True


def _deepcopy_callable(f: Callable[..., Any], memo: dict[int, Any]) -> Callable[..., Any]:
    if not isinstance(f, types.FunctionType):
        return copy.deepcopy(f, memo)  # a bound method copies its object, a callable object itself
    # deepcopy returns a function as it is; a new function over copies of its closure's cells reads the copies.
    cells = tuple(_copy_cell(cell, memo) for cell in f.__closure__ or ())
    twin = types.FunctionType(
        f.__code__, f.__globals__, f.__name__, copy.deepcopy(f.__defaults__, memo), cells
    )
    twin.__kwdefaults__ = copy.deepcopy(f.__kwdefaults__, memo)
    return twin


def _copy_cell(cell: types.CellType, memo: dict[int, Any]) -> types.CellType:
    return (
        types.CellType(copy.deepcopy(cell.cell_contents, memo))
        if _is_filled(cell)
        else types.CellType()
    )
