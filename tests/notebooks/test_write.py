"""Tests of write_notebooks and `deepkiso notebooks`: every notebook written, an edited one never overwritten."""

import json

import pytest

from deepkiso.cli import main
from deepkiso.i18n import set_language
from deepkiso.notebooks import (
    NOTEBOOKS,
    NotebookEdited,
    build_notebook,
    implemented,
    write_notebooks,
)
from deepkiso.notebooks.build import GENERATED


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language(None)


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def edit(path):
    notebook = read(path)
    notebook["cells"][-1]["source"] += "\nmy own note"
    path.write_text(json.dumps(notebook), encoding="utf-8")


def test_write_notebooks_writes_every_notebook_in_course_order(tmp_path):
    written = write_notebooks(tmp_path / "course", lang="en")
    assert [p.name for p in written] == [f"{name}.ipynb" for name in NOTEBOOKS]
    assert read(written[0]) == build_notebook(NOTEBOOKS[0], "en", False)


def test_an_unedited_notebook_is_rewritten_and_an_unchanged_one_kept(tmp_path):
    write_notebooks(tmp_path, lang="ja")
    assert len(write_notebooks(tmp_path, lang="en")) == len(NOTEBOOKS)  # deepkiso's own: rewritten
    first = tmp_path / f"{NOTEBOOKS[0]}.ipynb"
    notebook = read(first)
    notebook["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran"}]
    first.write_text(json.dumps(notebook), encoding="utf-8")  # run in Jupyter: outputs only
    assert write_notebooks(tmp_path, lang="en") == []
    assert read(first)["cells"][1]["outputs"][0]["text"] == "ran"  # the outputs are kept


def test_an_edited_notebook_is_refused_and_nothing_is_written(tmp_path):
    write_notebooks(tmp_path, lang="en")
    first = tmp_path / f"{NOTEBOOKS[0]}.ipynb"
    edit(first)
    mine = first.read_bytes()
    with pytest.raises(NotebookEdited) as refused:
        write_notebooks(tmp_path, lang="ja")
    assert refused.value.paths == [first]
    assert first.read_bytes() == mine
    others = [tmp_path / f"{n}.ipynb" for n in NOTEBOOKS[1:]]
    assert all(read(p)["metadata"][GENERATED]["lang"] == "en" for p in others)


def test_force_overwrites_an_edited_notebook(tmp_path):
    write_notebooks(tmp_path, lang="en")
    first = tmp_path / f"{NOTEBOOKS[0]}.ipynb"
    edit(first)
    assert first in write_notebooks(tmp_path, lang="en", force=True)
    assert read(first) == build_notebook(NOTEBOOKS[0], "en", False)


@pytest.mark.parametrize("content", [b"", b"not json", b"[]", b'{"cells": []}', b"\xff\xfe"])
def test_a_file_deepkiso_did_not_write_counts_as_the_learners(tmp_path, content):
    (tmp_path / f"{NOTEBOOKS[0]}.ipynb").write_bytes(content)
    with pytest.raises(NotebookEdited):
        write_notebooks(tmp_path)


def test_the_command_writes_the_notebooks_and_says_so(tmp_path, capsys):
    folder = tmp_path / "course"
    assert main(["notebooks", str(folder), "--lang", "ja", "--solutions"]) == 0
    out = capsys.readouterr().out
    assert str(folder / f"{NOTEBOOKS[0]}.ipynb") in out
    assert f"jupyter lab {folder}" in out
    recorded = read(folder / f"{NOTEBOOKS[-1]}.ipynb")["metadata"][GENERATED]
    assert recorded["lang"] == "ja" and recorded["solutions"] is True


def test_the_command_says_what_it_kept(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path), "--lang", "en"]) == 0
    capsys.readouterr()
    assert main(["notebooks", str(tmp_path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    total = len(NOTEBOOKS)
    assert out.strip().splitlines()[0] == (
        f"0 of {total} notebooks written to {tmp_path} (en, blanks to fill in); {total} unchanged"
    )


def test_the_command_refuses_an_edited_notebook_in_one_line(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path), "--lang", "en"]) == 0
    edit(tmp_path / f"{NOTEBOOKS[0]}.ipynb")
    capsys.readouterr()
    assert main(["notebooks", str(tmp_path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"deepkiso notebooks: error: {tmp_path / NOTEBOOKS[0]}.ipynb is not as deepkiso wrote it "
        "(edited, or another file); write to another folder, or pass --force to overwrite it\n"
    )
    assert main(["notebooks", str(tmp_path), "--lang", "en", "--force"]) == 0


def test_the_command_counts_every_notebook_in_the_way(tmp_path, capsys):
    for name in NOTEBOOKS[:3]:
        (tmp_path / f"{name}.ipynb").write_text("the course's own notebook")
    assert main(["notebooks", str(tmp_path), "--lang", "en"]) == 2
    assert capsys.readouterr().err.endswith("overwrite it (and 2 more like it)\n")


def test_a_folder_in_a_notebooks_place_is_refused_in_one_line(tmp_path, capsys):
    (tmp_path / f"{NOTEBOOKS[0]}.ipynb").mkdir()
    assert main(["notebooks", str(tmp_path), "--lang", "en"]) == 2
    assert main(["notebooks", str(tmp_path), "--lang", "en", "--force"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[1].startswith(f"deepkiso notebooks: failed: {tmp_path}")


def test_the_command_refuses_a_file_for_a_folder(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["notebooks", str(target)]) == 2
    assert (
        capsys.readouterr().err == f"deepkiso notebooks: error: {target}: is a file, not a folder\n"
    )


def test_the_command_speaks_japanese(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path), "--lang", "ja"]) == 0
    n = len(NOTEBOOKS)
    assert (
        f"ノートブック {n} 個のうち {n} 個を {tmp_path} に書き出しました" in capsys.readouterr().out
    )


def test_the_command_names_the_default_folders(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["notebooks", "--lang", "en"]) == 0
    assert main(["notebooks", "--lang", "en", "--solutions"]) == 0
    assert (tmp_path / "notebooks" / f"{NOTEBOOKS[0]}.ipynb").is_file()
    assert read(tmp_path / "solutions" / f"{NOTEBOOKS[0]}.ipynb")["metadata"][GENERATED][
        "solutions"
    ]


def test_implemented_tells_a_written_function_from_a_blank(capsys):
    def blank(x):
        raise NotImplementedError

    def blank_generator(x):
        raise NotImplementedError
        yield x

    assert implemented(lambda x: x, 1)
    assert not implemented(blank, 1)
    assert not implemented(blank_generator, 1)
    assert capsys.readouterr().out == (
        "blank is not written yet: fill in its cell above and run it, then run this cell again\n"
        "blank_generator is not written yet: fill in its cell above and run it, then run this cell again\n"
    )
    set_language("ja")
    assert not implemented(blank, 1)
    assert "blank はまだ実装されていません" in capsys.readouterr().out


def test_implemented_names_a_method_with_its_class(capsys):
    class SimpleNet:
        def loss(self, x):
            raise NotImplementedError

    assert not implemented(SimpleNet().loss, 1)
    assert capsys.readouterr().out.startswith("SimpleNet.loss is not written yet")


def test_implemented_lets_the_learners_own_errors_through():
    def wrong(x):
        return x[10]

    with pytest.raises(IndexError):
        implemented(wrong, [1])
