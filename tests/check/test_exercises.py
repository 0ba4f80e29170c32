"""The starter files in examples/exercises/: each imports, defines the course's names, and is reported as to do."""

import importlib.util
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from deepkiso.check import FAIL, PASS, SKIP, check_file
from deepkiso.check.names import discover

EXERCISES = Path(__file__).resolve().parents[2] / "examples" / "exercises"
STARTERS = sorted(EXERCISES.glob("ex2_*.py"))


def test_the_readme_lists_every_starter():
    listed = set(
        re.findall(r"`(ex2_\w+\.py)`", (EXERCISES / "README.md").read_text(encoding="utf-8"))
    )
    assert listed == {p.name for p in STARTERS}


@pytest.mark.parametrize("path", STARTERS, ids=[p.name for p in STARTERS])
def test_each_starter_imports_and_defines_names_the_checker_knows(path):
    spec = importlib.util.spec_from_file_location(f"starter_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert discover(vars(module))
    assert (module.__doc__ or "").startswith(
        f"Exercise{'s' if path.stem == 'ex2_12_layers_online' else ''} 2_"
    )


def test_checking_a_starter_says_what_is_not_written_yet():
    with ThreadPoolExecutor(
        max_workers=2
    ) as pool:  # one child process each; two at a time on two cores
        reports = list(pool.map(check_file, STARTERS))
    for path, report in zip(STARTERS, reports, strict=True):
        assert report.exit_code == 1, path.name
        todo = [r for r in report.results if r.status == FAIL]
        assert todo and all(
            r.message == "not written yet (raise NotImplementedError)" for r in todo
        ), path.name
        # The repository is the starters' project root (it holds pyproject.toml): lines are named from there.
        assert all(r.location.startswith(f"examples/exercises/{path.name}, line ") for r in todo), (
            path.name
        )
        # Whatever a starter takes from deepkiso (numerical_gradient, the layers of 2_16) passes.
        assert {r.status for r in report.results} <= {PASS, FAIL, SKIP}
