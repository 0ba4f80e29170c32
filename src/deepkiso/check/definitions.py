"""Which of the learner's definitions of each course name is graded, and what the report says of the others.

A name bound more than once (two cells, defined and imported, or defined in
two files) is graded at the learner's own definition, with a word about
each other binding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deepkiso.check.learner_code import LearnerCode, Module, defined_by_learner, where_defined
from deepkiso.check.source_lines import code_of
from deepkiso.i18n import _

__all__ = ["Graded", "graded"]


@dataclass
class Graded:
    """The learner's definition of one course name that the checks get.

    namespace: its module's namespace, with the learner's own definitions put
        back where a later import or assignment replaced them.
    where: where it came from, and the other bindings of the name if any.
    """

    learner_name: str
    obj: Any
    namespace: dict
    where: str


def _identity(obj: Any) -> tuple:
    code_object = code_of(obj) if callable(obj) else None
    return (
        (code_object.co_filename, code_object.co_firstlineno)
        if code_object is not None
        else (id(obj),)
    )


def _own_view(module: Module) -> dict:
    view = dict(module.namespace)
    for name, bindings in module.bindings.items():
        own = [b for b in bindings if b.own]
        if own:
            view[name] = own[-1].obj
    return view


def graded(code: LearnerCode, subjects, discover: Callable) -> dict[str, Graded]:
    """Course name -> the definition to grade: the learner's own first (in the order of the files), once.

    discover(namespace, subjects) -> {course name: learner's name}, as in ``names.discover``.
    A name bound more than once (two cells, defined and imported, or defined in
    two files) is graded at the learner's own definition, the last one made in
    the first file that makes one, and ``where`` names the other bindings.
    """
    single = code.modules[0].label if len(code.modules) == 1 else None
    candidates: dict[str, list[tuple[bool, Module, str, Any, dict]]] = {}
    for module in code.modules:
        view = _own_view(module)
        for course, learner in discover(view, subjects).items():
            obj = view[learner]
            own = any(b.own and b.obj is obj for b in module.bindings.get(learner, ()))
            candidates.setdefault(course, []).append((own, module, learner, obj, view))
    chosen = {}
    for course, found in candidates.items():
        own, module, learner, obj, view = next((c for c in found if c[0]), found[0])
        others = [
            _("also bound by `{statement}` ({where}), not graded").format(
                statement=b.statement, where=_prefix(module, single) + b.where
            )
            for b in module.bindings.get(learner, ())
            if _identity(b.obj) != _identity(obj)
        ]
        seen = {_identity(obj)}
        for _own, other_module, _learner, other, _view in found:
            if _identity(other) not in seen and other_module is not module:
                seen.add(_identity(other))
                where = where_defined(other, code, None)
                others.append(
                    _("also {where} in {module}, not graded").format(
                        where=where, module=other_module.label
                    )
                    if not defined_by_learner(other, code)
                    else _("also defined in {where}, not graded").format(where=where)
                )
        where = where_defined(obj, code, single)
        chosen[course] = Graded(
            learner, obj, {**module.helpers, **view}, "; ".join([where, *dict.fromkeys(others)])
        )
    return chosen


def _prefix(module: Module, single: str | None) -> str:
    return "" if single else f"{module.label}, "
