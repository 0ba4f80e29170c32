"""Tests of ``deepkiso graph``: it prints values and gradients, writes real pictures, and turns
every mistake into one line and exit code 2."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import matplotlib.image
import pytest

from deepkiso.cli import main
from deepkiso.graph import EXAMPLES
from deepkiso.plots import graph as plots


@pytest.fixture(autouse=True)
def no_graphviz(monkeypatch):
    """Run as on a fresh install without Graphviz, whatever this machine has."""
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    monkeypatch.setattr("deepkiso.commands.graph.shutil.which", lambda name: None)


def test_expression_prints_value_and_gradients_and_writes_svg(tmp_path, capsys):
    out = tmp_path / "chain.svg"
    assert main(["graph", "(x1 + x2)**2", "--set", "x1=1", "x2=2", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["y = 9", "dy/dx1 = 6", "dy/dx2 = 6"]
    assert f"wrote {out} (matplotlib)" in captured.err
    root = ElementTree.parse(out).getroot()
    assert root.tag.endswith("svg") and float(root.get("width").removesuffix("pt")) > 200


def test_png_is_a_real_image_of_the_requested_resolution(tmp_path):
    out = tmp_path / "chain.png"
    assert (
        main(["graph", "(x1 + x2)**2", "--set", "x1=1", "x2=2", "--out", str(out), "--dpi", "60"])
        == 0
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(out).shape[:2]
    assert 150 < height < 400 and 350 < width < 700  # about 8.9 x 4.4 inches at 60 dpi


def test_dot_output_is_graphviz_text(tmp_path):
    out = tmp_path / "chain.dot"
    assert main(["graph", "x * y", "--set", "x=3", "y=4", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert (
        text.startswith("digraph") and "∂y/∂x = 4" not in text
    )  # the output is f, since y is an input
    assert "∂f/∂x = 4" in text


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_draws(name, tmp_path, capsys):
    out = tmp_path / f"{name}.png"
    assert main(["graph", "--example", name, "--out", str(out), "--dpi", "40"]) == 0
    assert matplotlib.image.imread(out).shape[0] > 100
    assert capsys.readouterr().out.strip()


def test_list_examples_names_them_all(capsys):
    assert main(["graph", "--list-examples"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(EXAMPLES)


def test_example_parameters_can_be_set(capsys):
    assert main(["graph", "--example", "chain_rule", "--set", "x1=3", "x2=-1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["y = 4", "dy/dx1 = 4", "dy/dx2 = 4"]


def test_vectors_and_matrices_can_be_set(capsys):
    assert main(["graph", "sum(w * x)", "--set", "w=1,2,3", "x=2"]) == 0
    assert capsys.readouterr().out.splitlines() == ["y = 12", "dy/dw = [2., 2., 2.]", "dy/dx = 6"]
    assert (
        main(["graph", "--example", "squared_error_detailed", "--set", "y=1,2;3,4", "t=0,0;1,1"])
        == 0
    )
    assert "dL/dy = [[0.5, 1. ],\n [1. , 1.5]]" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["graph", "__import__('os').system('echo hi')"],
            "attribute access \"__import__('os').system\" at column 1",
        ),
        (["graph", "__import__('os')"], "unknown function '__import__' at column 1"),
        (["graph", "x.real", "--set", "x=1"], "attribute access 'x.real' at column 1"),
        (
            ["graph", "x + z", "--set", "x=1"],
            "unknown variable 'z' at column 5: no value was given for it "
            "(give it with --set z=VALUE)",
        ),
        (["graph", "x", "--set", "x=1", "q=2"], "--set q: 'x' has no variable 'q'"),
        (["graph", "x", "--set", "x=one"], "--set x: expected a number"),
        (["graph", "--set", "x=1", "x*2"], "--set expects NAME=VALUE"),
        (["graph", "x*y", "--set", "x=1,2,3", "y=1,2"], "could not be broadcast"),
        (["graph"], "give an expression"),
        (["graph", "x", "--example", "tanh"], "either EXPR or --example"),
        (["graph", "--example", "nope"], "unknown example 'nope'; choose one of chain_rule"),
        (["graph", "--example", "tanh", "--set", "q=1"], "its parameters are x"),
        (["graph", "x", "--set", "x=1", "--out", "x.jpg"], "must end in one of .svg, .png, .dot"),
        (
            ["graph", "x", "--set", "x=1", "--out", "x.svg", "--renderer", "dot"],
            "--renderer dot needs Graphviz",
        ),
        (
            ["graph", "+" * 999 + "x", "--set", "x=1"],
            "the expression is nested 1001 levels deep; at most 500 are accepted",
        ),
        (
            ["graph", "x", "--set", "x=1", "--dpi", "0"],
            "argument --dpi: expected an integer from 20 to 600, got 0",
        ),
    ],
)
def test_mistakes_give_one_line_and_exit_code_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepkiso graph: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_is_a_folder_is_refused_before_any_work(tmp_path, capsys):
    (tmp_path / "chain.svg").mkdir()
    assert main(["graph", "x * 2", "--set", "x=1", "--out", str(tmp_path / "chain.svg")]) == 2
    captured = capsys.readouterr()
    assert (
        captured.out == ""
        and f"--out {tmp_path / 'chain.svg'}: is a folder; give a file name" in captured.err
    )


def test_a_non_finite_result_is_printed_with_a_warning(capsys):
    assert main(["graph", "log(x)", "--set", "x=-1"]) == 0
    captured = capsys.readouterr()
    assert "y = nan" in captured.out and "not finite" in captured.err


def test_a_failing_graphviz_is_a_failed_job(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plots.shutil, "which", lambda name: "/opt/graphviz/bin/dot")
    monkeypatch.setattr(
        plots.subprocess,
        "run",
        lambda command, **kwargs: subprocess.CompletedProcess(command, 3, b"", b"dot crashed"),
    )
    assert main(["graph", "x * 2", "--set", "x=1", "--out", str(tmp_path / "g.svg")]) == 1
    assert "failed: Graphviz dot failed with exit code 3: dot crashed" in capsys.readouterr().err


def test_help_shows_every_default_and_the_librarys_renderers(capsys):
    assert main(["graph", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "{" + ",".join(plots.RENDERERS) + "}" in text
    for default in (
        "(default: auto)",
        "(default: 150)",
        "(default: none, only print the values)",
        "(default: off)",
    ):
        assert default in text


def test_readme_command_runs_as_a_real_process(tmp_path):
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PATH": os.path.dirname(sys.executable),
    }  # no Graphviz on this PATH
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deepkiso",
            "graph",
            "(x1 + x2)**2",
            "--set",
            "x1=1",
            "x2=2",
            "--out",
            "chain.svg",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["y = 9", "dy/dx1 = 6", "dy/dx2 = 6"]
    assert ElementTree.parse(tmp_path / "chain.svg").getroot().tag.endswith("svg")
