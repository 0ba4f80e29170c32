"""Tests of the notebooks' builder: sources → nbformat v4 notebooks, per language and version."""

import json

import nbformat
import pytest

from deepkiso.notebooks import NOTEBOOKS, SOURCES, build_notebook
from deepkiso.notebooks.build import BLANK_COMMENT, GENERATED, build, cells_hash
from deepkiso.notebooks.source import SourceError, parse

SOURCE = '''# a test source
# %% [markdown] ja
# # タイトル
#
# $$y = x^2$$

# %% [markdown] en
# # Title

# %% [markdown]
# Both: `code`

# %%
import numpy as np
set_language("{{lang}}")

# %% exercise
def square(x):
    """x squared."""
    # >>> solution
    # ja: 要素ごとの2乗
    # en: elementwise
    return x * x
    # <<< solution


# %% check
check(square)

# %% picture
label = "二乗"  # ja
label = "square"  # en

# %% full-run
train_everything()
'''


def notebook(lang="ja", solutions=False, text=SOURCE):
    return build(parse(text, "t.py"), "t", lang, solutions, "0.0")


def sources(nb):
    return [c["source"] for c in nb["cells"]]


def code(nb):
    return "\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("solutions", [False, True])
def test_every_built_notebook_is_valid_nbformat_v4(lang, solutions):
    nbformat.validate(nbformat.from_dict(notebook(lang, solutions)))


def test_the_learners_version_blanks_each_solution_block_at_its_indentation():
    exercise = notebook("ja")["cells"][3]["source"]
    assert exercise == (
        f'def square(x):\n    """x squared."""\n    {BLANK_COMMENT["ja"]}\n    raise NotImplementedError'
    )
    assert "# your code here\n    raise NotImplementedError" in notebook("en")["cells"][3]["source"]
    assert "x * x" not in code(notebook("en"))


def test_the_solutions_keep_the_block_without_its_markers():
    exercise = notebook("en", solutions=True)["cells"][3]["source"]
    assert exercise == 'def square(x):\n    """x squared."""\n    # elementwise\n    return x * x'
    assert ">>>" not in code(notebook("ja", True)) and "<<<" not in code(notebook("ja", True))


def test_markdown_and_code_lines_are_chosen_by_language():
    ja, en = notebook("ja"), notebook("en")
    assert sources(ja)[0] == "# タイトル\n\n$$y = x^2$$"
    assert sources(en)[0] == "# Title"
    assert sources(ja)[1] == sources(en)[1] == "Both: `code`"
    assert 'label = "二乗"' in code(ja) and 'square"' not in code(ja).split("label")[-1]
    assert 'label = "square"' in code(en) and "二乗" not in code(en)
    assert "# 要素ごとの2乗" in code(notebook("ja", True))
    assert "elementwise" not in code(notebook("ja", True))


def test_the_language_placeholder_becomes_the_notebooks_language():
    assert 'set_language("ja")' in code(notebook("ja"))
    assert 'set_language("en")' in code(notebook("en"))


def test_cells_are_tagged_by_role():
    tags = [c["metadata"].get("tags", []) for c in notebook()["cells"]]
    assert tags[3:] == [["exercise"], ["check"], ["picture"], ["full-run", "skip-execution"]]
    assert tags[:3] == [[], [], []]


def test_the_metadata_records_what_was_generated():
    nb = notebook("en", True)
    recorded = nb["metadata"][GENERATED]
    assert recorded["source"] == "t" and recorded["lang"] == "en" and recorded["solutions"]
    assert recorded["cells_sha256"] == cells_hash(nb["cells"])
    assert recorded["cells_sha256"] != notebook("en", False)["metadata"][GENERATED]["cells_sha256"]


def test_the_hash_reads_a_source_split_into_lines_as_jupyter_saves_it():
    cells = notebook()["cells"]
    as_saved = [{**c, "source": c["source"].splitlines(keepends=True)} for c in cells]
    assert cells_hash(as_saved) == cells_hash(cells)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# %% exercise\ndef f():\n    # >>> solution\n    pass\n",
            r"t.py:3: '# >>> solution' is never closed",
        ),
        (
            "# %%\n# >>> solution\nx = 1\n# <<< solution\n",
            r"t.py:2: a solution marker outside an exercise cell",
        ),
        ("# %% exercise\n# <<< solution\n", r"t.py:2: '# <<< solution' without"),
        ("# %% [markdown]\nnot a comment\n", r"t.py:2: a Markdown cell's lines start with '# '"),
        ("# %% pictur\nx = 1\n", r"t.py:1: unknown cell word 'pictur'"),
        ("# %% [markdown] check\n# x\n", r"t.py:1: a Markdown cell has no role"),
        ("# %%\n\n# %%\nx = 1\n", r"t.py:1: an empty cell"),
    ],
)
def test_a_malformed_source_is_refused_naming_its_line(text, message):
    with pytest.raises(SourceError, match=message):
        notebook("en", False, text)
        notebook("en", True, text)


def test_every_source_builds_in_both_languages_and_versions():
    assert NOTEBOOKS, "no sources found"
    for name in NOTEBOOKS:
        for lang in ("ja", "en"):
            for solutions in (False, True):
                nb = build_notebook(name, lang, solutions)
                nbformat.validate(nbformat.from_dict(nb))
                assert nb["cells"][0]["cell_type"] == "markdown", name
                assert nb["cells"][0]["source"].startswith("# "), f"{name}: the title first"


def test_every_source_has_its_blanks_and_its_checks():
    for name in NOTEBOOKS:
        text = (SOURCES / f"{name}.py").read_text(encoding="utf-8")
        cells = parse(text, name)
        roles = {c.role for c in cells}
        if "exercise" in roles:
            assert "check" in roles, f"{name}: exercises without a check cell"
            assert "raise NotImplementedError" in code(build_notebook(name, "ja", False)), name


def test_the_notebooks_come_in_course_order_with_the_group_works_after_their_exercise():
    order = list(NOTEBOOKS)
    numbered = [n for n in order if n[0].isdigit()]
    assert numbered == sorted(numbered, key=lambda n: tuple(int(p) for p in n.split("_")[:2]))
    if "group_batch_size" in order:
        assert order.index("group_batch_size") == order.index("2_1_minibatch_trainee") + 1


def test_an_unknown_notebook_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="no notebook named 'nope'; the notebooks are 2_1_"):
        build_notebook("nope")


def test_the_notebook_json_is_what_jupyter_reads(tmp_path):
    nb = build_notebook(NOTEBOOKS[0], "ja", True)
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    read = nbformat.read(path, as_version=4)
    assert [c.source for c in read.cells] == sources(nb)
