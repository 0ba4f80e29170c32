"""Which top-level statements of a learner's file run (``loader``'s rules), read from their syntax.

``def``, ``class``, ``import``, plain values, values some definition uses,
``sys.path`` changes and blocks holding definitions run; loops, bare calls,
the main block, data-set loading and whatever uses what did not run do not
(``why_not_run`` says why).
"""

from __future__ import annotations
import __future__

import ast
import re
import symtable

from deepkiso.check.subjects import subjects_named
from deepkiso.i18n import N_

__all__ = ["used_by_definitions", "why_not_run"]

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
# Calls that load a data set: never run, the checks bring their own arrays.
_DATA_LOADING = re.compile(
    r"(^|_)(load_mnist|load_dataset|load_data|fetch_openml|fetch|download|urlretrieve)$"
    r"|^(read_csv|loadtxt)$"
)


def _names(node: ast.AST, context: type) -> set[str]:
    """Names node reads (ast.Load) or binds (ast.Store), not counting the bodies of functions it defines."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and isinstance(current.ctx, context):
            found.add(current.id)
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.append(child)
    return found


def _bound(statement: ast.stmt) -> set[str]:
    names = _names(statement, ast.Store)
    if isinstance(statement, _DEFINITIONS):
        names.add(statement.name)
    elif isinstance(statement, _IMPORTS):
        names.update((a.asname or a.name).split(".")[0] for a in statement.names if a.name != "*")
    return names


def used_by_definitions(sources: list[tuple[str, str]]) -> set[str]:
    """The globals the definitions in sources ((text, filename) pairs) may need when they run.

    A global read in a function, lambda or class body (a local variable, such
    as a method's own `grads`, is not one), or in a decorator, a default value
    or a base class.
    """
    used: set[str] = set()
    for text, filename in sources:
        try:
            scopes, tree = symtable.symtable(text, filename, "exec").get_children(), ast.parse(text)
        except SyntaxError:
            continue  # reported when it runs
        while scopes:
            scope = scopes.pop()
            used.update(symbol.get_name() for symbol in scope.get_symbols() if symbol.is_global())
            scopes.extend(scope.get_children())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                heads = [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                heads = [
                    *node.decorator_list,
                    *node.args.defaults,
                    *(d for d in node.args.kw_defaults if d),
                ]
            else:
                continue
            used.update(n.id for head in heads for n in ast.walk(head) if isinstance(n, ast.Name))
    return used


def _calls(node: ast.AST) -> list[ast.Call]:
    calls, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            calls.append(current)
        stack.extend(c for c in ast.iter_child_nodes(current) if not isinstance(c, ast.Lambda))
    return calls


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_main_block(statement: ast.stmt) -> bool:
    test = statement.test if isinstance(statement, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _sets_up_imports(statement: ast.stmt) -> bool:
    """sys.path.append(os.pardir), sys.path.insert(0, ...), os.chdir(...): the book's way to find common/."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    name = _dotted(statement.value.func)
    return name.startswith("sys.path.") or name in ("os.chdir", "chdir")


def _holds_definitions(statement: ast.stmt) -> bool:
    return any(
        isinstance(n, _DEFINITIONS + _IMPORTS) for n in ast.walk(statement) if n is not statement
    )


def why_not_run(statement: ast.stmt, used: set[str], tainted: set[str]) -> str | None:
    """None when the statement runs; otherwise why it does not ("a loop", "loads a data set", …).

    The reason is in English (marked with N_): the report translates it where it is shown.
    """
    if isinstance(statement, _DEFINITIONS + _IMPORTS + (ast.Global, ast.Nonlocal, ast.Pass)):
        return None
    if isinstance(statement, ast.If) and _is_main_block(statement):
        return N_("the main block")
    if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
        return N_("a loop")
    if _names(statement, ast.Load) & tainted:
        return N_("uses what did not run")
    if any(_DATA_LOADING.search(_dotted(c.func).rsplit(".", 1)[-1]) for c in _calls(statement)):
        return N_("loads a data set")
    if isinstance(statement, ast.Expr):
        plain = isinstance(statement.value, ast.Constant)
        return None if plain or _sets_up_imports(statement) else N_("a call")
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = _bound(statement) | {_dotted(t).split(".")[0] for t in _targets(statement)}
        if targets & used or any(subjects_named(t) for t in targets) or not _calls(statement):
            return None
        return N_("a value no definition uses")
    if isinstance(statement, (ast.If, ast.Try, ast.With, ast.AsyncWith)):
        return (
            None
            if _holds_definitions(statement) or _bound(statement) & used
            else N_("a block without definitions")
        )
    if isinstance(statement, ast.Delete):
        return None
    return N_("a statement that defines nothing")


def _targets(statement: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[ast.expr]:
    if isinstance(statement, ast.Assign):
        return statement.targets
    return [statement.target]


def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags


def _uses_relative_imports(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))
