"""The package's layering (STYLE.md): imports point one way, with no cycles, and no module grows too big.

Every module under src/deepkiso is parsed (not imported) and every ``import`` of a deepkiso
module is counted, wherever it stands: at the top, inside a function, or under
``if TYPE_CHECKING``. So a cycle cannot hide behind a deferred import, and a figure module cannot
depend on the code that produced its data through a type hint either.

The order, lowest first: the utilities (files, errors, blas) ← functions, differentiation,
gradcheck ← layers (and kernels, their fast forms), optimizers, data ← nets ← training and the course's studies (vanishing,
loss_surface, landscape, diff_error, expression) ← experiments ← commands (and notebooks) ← cli. Beside it:
graph/ and check/ stand on the core alone, plots/ takes plain data (only the utilities and the
graph's Variables), and nothing but ``__main__`` imports cli.py.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_LINES = 600

# Rank of each top-level part of the package: a module may import its own rank or lower ones.
RANKS = {
    "_deprecation": 0,  # renamed keywords kept one release: a leaf (standard library only)
    "_types": 0,  # array aliases, RngLike, the Net protocol: a leaf
    "files": 0,
    "errors": 0,
    "blas": 0,
    "i18n": 0,  # the language in use and the message catalog: a leaf
    "functions": 1,
    "_finite_differences": 1,
    "gradcheck": 1,
    "differentiation": 1,
    "layers": 2,
    "kernels": 2,
    "optimizers": 2,
    "data": 2,
    "graph": 2,
    "nets": 3,
    "deepkiso": 3,  # the package's __init__ re-exports the core
    "expression": 4,
    "training": 4,
    "vanishing": 4,
    "loss_surface": 4,
    "landscape": 4,
    "diff_error": 4,
    "check": 4,
    "plots": 4,
    "experiments": 5,
    "commands": 6,
    "runs": 6,  # load_run: a run folder of the commands, back in Python
    # The course's notebooks: the builder and its sources (which import what they draw with);
    # beside the commands, so nothing below imports them and only `deepkiso notebooks` does.
    "notebooks": 6,
    # deepkiso slides' list of figures: each drawn with the studies, plots, graph examples,
    # training and experiments, from the settings of its own command's parser; beside the commands.
    "slides": 6,
    "cli": 7,
    "__main__": 8,
}
UTILITIES = {"_deprecation", "_types", "files", "errors", "blas", "i18n"}
CORE = UTILITIES | {
    "functions",
    "_finite_differences",
    "gradcheck",
    "differentiation",
    "layers",
    "kernels",
    "optimizers",
    "nets",
    "deepkiso",
}
# Parts that may import only these (besides themselves), whatever their rank.
ONLY = {
    "graph": CORE,
    "check": CORE,
    "plots": UTILITIES | {"graph"},
    # The notebooks draw on every part of the library, but never on the commands.
    "notebooks": {name for name, rank in RANKS.items() if rank < RANKS["commands"]},
}

# Known violations left for later: each (importer, imported) with the reason and the owner, to be fixed
# there and then removed from here (a fixed one fails test_the_allow_list_has_no_stale_entries, so this
# list only shrinks).
ALLOWED: dict[tuple[str, str], str] = {}  # none now; an (importer, imported) pair with its reason

# Modules over MAX_LINES in files other branches own, with the owner; to be split there.
OVERSIZED: dict[str, str] = {}  # none now; a module over MAX_LINES goes here with its reason


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. "deepkiso.experiments.sweep"
    imported: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(SRC.parent)}:{self.line}: {self.importer} imports {self.imported}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every deepkiso module that path imports, at any depth of its syntax tree."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..data import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # "from deepkiso.plots import experiments" imports the module deepkiso.plots.experiments.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "deepkiso" and target in modules and target != name:
                found.append(Import(name, target, path, node.lineno))
    return found


def all_imports() -> list[Import]:
    modules = all_modules()
    return [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]


def part(module: str) -> str:
    """The top-level part a module belongs to: "deepkiso.experiments.sweep" → "experiments"."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "deepkiso"


def layering_problem(imp: Import) -> str | None:
    """Why this import breaks the layering, or None when it is fine."""
    source, target = part(imp.importer), part(imp.imported)
    if source == target:
        return None
    if imp.imported.split(".")[0:2] == ["deepkiso", "cli"] and source != "__main__":
        return "nothing imports cli.py"
    if source in ONLY and target not in ONLY[source]:
        return f"{source}/ may import only {sorted(ONLY[source])}"
    if source not in RANKS or target not in RANKS:
        return f"{source if source not in RANKS else target!r} has no place in RANKS; add it"
    if RANKS[target] > RANKS[source]:
        return (
            f"upward import: {source} (rank {RANKS[source]}) below {target} (rank {RANKS[target]})"
        )
    return None


def layering_violations() -> list[tuple[Import, str]]:
    return [(imp, why) for imp in all_imports() if (why := layering_problem(imp)) is not None]


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.importer, set()).add(imp.imported)
        graph.setdefault(imp.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def test_no_import_cycles_counting_imports_inside_functions():
    imports = all_imports()
    problems = []
    for component in import_cycles(imports):
        members = set(component)
        lines = [
            f"  {imp}" for imp in imports if imp.importer in members and imp.imported in members
        ]
        problems.append(f"cycle among {component}:\n" + "\n".join(lines))
    assert not problems, (
        "import cycles (break them with a leaf module both sides import):\n" + "\n".join(problems)
    )


def test_imports_point_one_way():
    unexpected = [
        f"  {imp}: {why}"
        for imp, why in layering_violations()
        if (imp.importer, imp.imported) not in ALLOWED
    ]
    assert not unexpected, "imports against the layering of STYLE.md:\n" + "\n".join(unexpected)


def test_the_allow_list_has_no_stale_entries():
    current = {(imp.importer, imp.imported) for imp, _ in layering_violations()}
    stale = sorted(set(ALLOWED) - current)
    assert not stale, f"fixed, so remove from ALLOWED in tests/test_architecture.py: {stale}"


def test_every_part_of_the_package_has_a_rank():
    assert sorted({part(name) for name in all_modules()} - set(RANKS)) == []


def test_no_module_in_src_is_over_600_lines():
    sizes = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for path in all_modules().values()
    }
    too_long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert {name: n for name, n in too_long.items() if name not in OVERSIZED} == {}
    assert sorted(set(OVERSIZED) - set(too_long)) == [], "now short enough: remove from OVERSIZED"


# The checker itself, on small made-up trees, so a broken walker cannot pass silently.


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {
        ".".join(Path(r).with_suffix("").parts).removesuffix(".__init__"): tmp_path / r
        for r in files
    }


def test_imports_inside_functions_and_relative_imports_are_counted(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "deepkiso/__init__.py": "",
            "deepkiso/a.py": "def f():\n    from deepkiso import b\n",
            "deepkiso/b.py": "from . import a\n",
            "deepkiso/pkg/__init__.py": "",
            "deepkiso/pkg/c.py": "from ..a import f\nimport deepkiso.b\n",
        },
    )
    found = {
        (imp.importer, imp.imported)
        for name, path in modules.items()
        for imp in imports_of(name, path, modules)
    }
    assert found == {
        ("deepkiso.a", "deepkiso.b"),
        ("deepkiso.b", "deepkiso.a"),
        ("deepkiso.pkg.c", "deepkiso.a"),
        ("deepkiso.pkg.c", "deepkiso.b"),
    }
    imports = [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]
    assert import_cycles(imports) == [["deepkiso.a", "deepkiso.b"]]


def test_an_upward_import_and_a_plots_module_importing_its_producer_are_reported():
    def problem(importer: str, imported: str) -> str | None:
        return layering_problem(Import(importer, imported, SRC / "deepkiso" / "x.py", 1))

    assert "upward import" in problem("deepkiso.layers", "deepkiso.training")
    assert "plots/ may import only" in problem(
        "deepkiso.plots.experiments", "deepkiso.experiments.report"
    )
    assert "check/ may import only" in problem("deepkiso.check.nets", "deepkiso.training")
    assert problem("deepkiso.commands.train", "deepkiso.cli") == "nothing imports cli.py"
    assert problem("deepkiso.experiments.trial", "deepkiso.training") is None
    assert problem("deepkiso.graph.operations", "deepkiso.functions") is None
