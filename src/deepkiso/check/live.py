"""`check(Affine)`: grade the objects of a running Jupyter kernel (or any Python session), as they are now.

In a notebook the learner's code lives in the kernel, edited cell by cell and
often never saved. ``check`` grades those very objects, with the same checks,
verdicts and causes as ``deepkiso check FILE``, without re-running or saving
anything: the kernel is forked (``sandbox.check_code``), the child holds the
same objects copy-on-write and runs the checks under the time and memory
limits, and the kernel only reads the child's verdicts, so a live object that
loops forever is stopped and the kernel survives, untouched. Exercises 2_1 –
2_18, from inside their notebooks:

    from deepkiso.check import check
    check(Affine)                                # one name
    check(Affine, SoftmaxWithLoss, numerical_gradient)
    check(globals())                             # every name the checker knows

``%load_ext deepkiso.check`` adds ``%check Affine relu`` (``%check`` alone
grades the notebook's globals).
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path
from typing import Any

from deepkiso import i18n
from deepkiso.check.loader import LearnerCode, Module
from deepkiso.check.report import Report
from deepkiso.check.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, check_code
from deepkiso.i18n import N_, _

__all__ = ["check", "load_ipython_extension"]

_USAGE = N_(
    "check() grades functions and classes: check(Affine), check(Affine, relu) or check(globals())"
)


def _globals_of(obj: Any) -> dict:
    """The module globals obj's code runs in (its helpers: softmax, numerical_gradient, …); {} if unknown."""
    members = (
        [getattr(v, "__func__", v) for v in vars(obj).values()]
        if inspect.isclass(obj)
        else [inspect.unwrap(obj)]
    )
    return next(
        (m.__globals__ for m in members if isinstance(getattr(m, "__globals__", None), dict)), {}
    )


def _gather(objects: tuple) -> tuple[dict, dict, str]:
    """(the names to grade, the names their code may use, the report's label) for check(*objects)."""
    given: dict[str, Any] = {}
    helpers: dict[str, Any] = {}
    labels = []
    for obj in objects:
        if isinstance(obj, dict):
            names = {k: v for k, v in obj.items() if isinstance(k, str) and not k.startswith("_")}
            given.update(names)
            helpers.update(names)
            labels.append("globals()")
        elif callable(obj) and isinstance(getattr(obj, "__name__", None), str):
            given[obj.__name__] = obj
            helpers.update(_globals_of(obj))
            labels.append(obj.__name__)
        else:
            raise TypeError(
                _("{usage}; got {kind} {value}").format(
                    usage=i18n._(_USAGE), kind=type(obj).__name__, value=f"{obj!r:.60}"
                )
            )
    return given, {**helpers, **given}, ", ".join(dict.fromkeys(labels))


def _kernel_cells(code: LearnerCode) -> None:
    """Name the kernel's cells as Jupyter does ("cell In[5]"): IPython maps each cell's code filename to its count."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    for filename, number in getattr(getattr(shell, "compile", None), "_filename_map", {}).items():
        code.labels[filename] = ("", f"cell In[{number}]")


def check(
    *objects: Any,
    only: list[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> Report:
    """Grade live functions and classes (or a whole namespace, globals()) and return the report.

    objects: functions, classes, or dicts of them (globals()); each is graded
        under the course name it spells (Relu, ReLU, relu_layer …).
    only, timeout, memory_mb: as for ``check_file``; timeout bounds each check.
    The report prints as text (str) and renders in Jupyter; report.passed is
    False when a check failed. Raises TypeError for anything that is not a
    function, a class or a dict.
    """
    if not objects:
        raise TypeError(i18n._(_USAGE))
    given, helpers, label = _gather(objects)
    code = LearnerCode(roots=[Path(os.getcwd()).resolve()])
    label = _("live objects: {names}").format(names=label)
    code.modules.append(Module(code.roots[0], label, given, helpers=helpers))
    _kernel_cells(code)
    return check_code(code, label, only=only, timeout=timeout, memory_mb=memory_mb)


def load_ipython_extension(ipython) -> None:
    """`%load_ext deepkiso.check`: adds `%check NAME …` (no name: the notebook's globals) to IPython."""
    from IPython.core.error import UsageError

    def check_magic(line: str) -> Report:
        names = line.split()
        missing = [n for n in names if n not in ipython.user_ns]
        if missing:
            raise UsageError(
                _("%check: no name {name} in this notebook; usage: %check Affine relu").format(
                    name=repr(missing[0])
                )
            )
        return check(*(ipython.user_ns[n] for n in names)) if names else check(ipython.user_ns)

    ipython.register_magic_function(check_magic, magic_kind="line", magic_name="check")
