"""Tests of `deepkiso landscape` through cli.main: it prints a row per path and writes its pictures."""

import re

import pytest
from images import assert_animated_gif, assert_picture

from deepkiso.cli import main


def test_saddle_ridge_and_escape_with_surface_panel_and_gif(tmp_path, capsys):
    out, gif = tmp_path / "saddle.png", tmp_path / "walk.gif"
    code = main(["landscape", "--function", "saddle", "--start", "1,0", "--start", "1,0.001", "--steps", "40",
                 "--surface", "--out", str(out), "--gif", str(gif), "--gif-frames", "5", "--dpi", "50"])
    assert code == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "f(x, y) = x² − y²"
    assert rows[2].split()[-1] == "saddle" and " >40 " in rows[2]
    assert rows[3].split()[-1] == "descending" and " 38 " in rows[3]
    # 3 panels of 5.6 in, 5.0 in plus 0.32 in per legend row, at 50 dpi.
    assert_picture(out, 3 * 280, 250 + 2 * 16)
    assert assert_animated_gif(gif) == 5


def test_optimizers_race_with_one_learning_rate_each(tmp_path, capsys):
    out = tmp_path / "race.png"
    code = main(["landscape", "--function", "plateau", "--optimizer", "sgd", "momentum", "adam", "noisy-gd",
                 "--lr", "0.5", "0.5", "0.5", "0.5", "--steps", "30", "--out", str(out), "--dpi", "50"])
    assert code == 0
    printed = [row.split()[0] for row in capsys.readouterr().out.splitlines()[2:]]
    assert printed == ["sgd", "momentum", "adam", "noisy-gd"]
    assert_picture(out, 2 * 280, 250 + 4 * 16)


def test_one_optimizer_with_several_learning_rates_and_an_expression(tmp_path, capsys):
    out = tmp_path / "lr.png"
    code = main(["landscape", "--function", "x^2 + 2*y^2", "--start=-2,1", "--lr", "0.1", "0.6",
                 "--steps", "10", "--xlim=-3,3", "--ylim=-2,2", "--goal", "0.01", "--out", str(out),
                 "--dpi", "50"])
    assert code == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "f(x, y) = x^2 + 2*y^2"
    assert [r.split()[-1] for r in rows[2:]] == ["descending", "diverging"]
    assert_picture(out, 2 * 280, 250 + 2 * 16)


@pytest.mark.parametrize("arguments, message", [
    (["--function", "os.system('ls')"], "--function: not one of bowl, .*attribute access 'os.system' at column 1 is not allowed"),
    (["--start", "1;2"], "--start expects two numbers"),
    (["--optimizer", "sgd", "adam", "--lr", "0.1", "0.2", "0.3"], "give one learning rate or one per optimizer"),
    (["--optimizer", "lion"], "unknown 'lion'"),
    (["--lr", "0"], "--lr must be positive"),
    (["--steps", "0"], "--steps must be between 1 and"),
    (["--xlim", "3,1"], "LOW < HIGH"),
    (["--gif", "walk.gif", "--gif-frames", "1"], "--gif-frames must be at least 2"),
    (["--out", "picture.txt"], "must end in one of .png"),
    (["--gif", "walk.png"], "--gif walk.png: the file name must end in one of .gif"),
])
def test_bad_usage_is_one_line_and_exit_code_2(tmp_path, capsys, arguments, message):
    code = main(["landscape", *arguments, "--out", str(tmp_path / "x.png")] if "--out" not in arguments
                else ["landscape", *arguments])
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err)
    assert not list(tmp_path.iterdir())
