"""Tests of `deepkiso local-minimum` through cli.main."""

import pytest
from images import assert_picture

from deepkiso.cli import main
from deepkiso.i18n import set_language


@pytest.fixture(autouse=True)
def english_afterwards():
    """--lang ja sets the language for the process: each test leaves none set behind."""
    yield
    set_language(None)


def test_it_prints_where_each_walk_ends_and_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "trap.png"
    assert main(["local-minimum", "--out", str(out), "--dpi", "50"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows == [
        "f(x, y) = (x² − 1)² + 0.3x + y²",
        "  global minimum at (-1.036, 0), f = -0.305",
        "  local minimum at (0.960, 0), f = 0.294",
        "gradient descent, η = 0.1, 300 steps from (1.5, 1): ends at (0.960, 0.000), in the basin "
        "of the local minimum",
        "noisy descent, σ from 3.5 to 0, 20 runs (seed 0): 16 end in the global minimum, 4 in the "
        "local minimum, 0 thrown off",
        "escaped the trap in 16 of 20 seeded runs (80%)",
    ]
    assert_picture(out, 650, 330)


def test_options_change_the_count_and_japanese_is_spoken(tmp_path, capsys):
    out = tmp_path / "trap.png"
    argv = ["--lang", "ja", "local-minimum", "--runs", "5", "--steps", "100", "--noise", "0"]
    assert main([*argv, "--out", str(out), "--dpi", "30"]) == 0
    printed = capsys.readouterr().out
    assert "大域的最小解で終わったのが 0 回、局所的最小解が 5 回" in printed
    assert "シードを変えた 5 回のうち 0 回 (0%) でトラップから抜け出しました" in printed
    assert_picture(out, 390, 198)


def test_a_start_in_the_global_basin_is_not_trapped(tmp_path, capsys):
    out = tmp_path / "free.png"
    argv = ["local-minimum", "--start=-1.5,1", "--runs", "2", "--steps", "50", "--out", str(out)]
    assert main([*argv, "--dpi", "20"]) == 0
    printed = capsys.readouterr().out
    assert "in the basin of the global minimum" in printed and "escaped" not in printed


@pytest.mark.parametrize(
    "argv, line",
    [
        (
            ["--runs", "0"],
            "deepkiso local-minimum: error: argument --runs: expected an integer from 1 to 100",
        ),
        (["--start", "a,b"], "deepkiso local-minimum: error: --start expects two numbers"),
        (
            ["--out", "trap.gif"],
            "deepkiso local-minimum: error: --out trap.gif: the file name must end in",
        ),
    ],
)
def test_a_mistake_is_one_line(capsys, argv, line):
    assert main(["local-minimum", *argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(line), err
