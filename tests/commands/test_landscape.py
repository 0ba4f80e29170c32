"""Tests of `deepkiso landscape` through cli.main: it prints a row per path and writes its pictures."""

import re

import pytest
from images import assert_animated_gif, assert_picture

from deepkiso.cli import main


def test_saddle_ridge_and_escape_with_surface_panel_and_gif(tmp_path, capsys):
    out, gif = tmp_path / "saddle.png", tmp_path / "walk.gif"
    code = main(
        [
            "landscape",
            "--function",
            "saddle",
            "--start",
            "1,0",
            "--start",
            "1,0.001",
            "--steps",
            "40",
            "--surface",
            "--out",
            str(out),
            "--gif",
            str(gif),
            "--gif-frames",
            "5",
            "--dpi",
            "50",
        ]
    )
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
    code = main(
        [
            "landscape",
            "--function",
            "plateau",
            "--optimizer",
            "sgd",
            "momentum",
            "adam",
            "noisy-gd",
            "--lr",
            "0.5",
            "0.5",
            "0.5",
            "0.5",
            "--steps",
            "30",
            "--out",
            str(out),
            "--dpi",
            "50",
        ]
    )
    assert code == 0
    printed = [row.split()[0] for row in capsys.readouterr().out.splitlines()[2:]]
    assert printed == ["sgd", "momentum", "adam", "noisy-gd"]
    assert_picture(out, 2 * 280, 250 + 4 * 16)


def test_one_optimizer_with_several_learning_rates_and_an_expression(tmp_path, capsys):
    out = tmp_path / "lr.png"
    code = main(
        [
            "landscape",
            "--function",
            "x^2 + 2*y^2",
            "--start=-2,1",
            "--lr",
            "0.1",
            "0.6",
            "--steps",
            "10",
            "--xlim=-3,3",
            "--ylim=-2,2",
            "--goal",
            "0.01",
            "--out",
            str(out),
            "--dpi",
            "50",
        ]
    )
    assert code == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "f(x, y) = x^2 + 2*y^2"
    assert [r.split()[-1] for r in rows[2:]] == ["descending", "diverging"]
    assert_picture(out, 2 * 280, 250 + 2 * 16)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--function", "os.system('ls')"],
            "--function: not one of bowl, .*attribute access 'os.system' at column 1 is not allowed",
        ),
        (["--start", "1;2"], "--start expects two numbers"),
        (
            ["--optimizer", "sgd", "adam", "--lr", "0.1", "0.2", "0.3"],
            "give one learning rate or one per optimizer",
        ),
        (["--optimizer", "lion"], "unknown 'lion'"),
        (["--lr", "0"], r"argument --lr: expected a number above 0 up to 100, got 0"),
        (["--steps", "0"], "argument --steps: expected an integer from 1 to 100000, got 0"),
        (["--xlim", "3,1"], "LOW < HIGH"),
        (
            ["--gif", "walk.gif", "--gif-frames", "1"],
            "argument --gif-frames: expected an integer from 2 to 200, got 1",
        ),
        (["--dpi", "1"], "argument --dpi: expected an integer from 20 to 600, got 1"),
        (["--start=inf,0"], r"--start expects numbers from -1e\+06 to 1e\+06, got 'inf,0'"),
        (["--start=1e308,1e308"], r"--start expects numbers from -1e\+06 to 1e\+06"),
        (["--xlim=0,1e308"], r"--xlim expects numbers from -1e\+06 to 1e\+06"),
        (["--seed", "-1"], "argument --seed: expected an integer from 0 to 4294967295, got -1"),
        (
            ["--goal", "nan"],
            r"argument --goal: expected a number from -1e\+300 to 1e\+300, got nan",
        ),
        (
            ["--lr", *["0.1"] * 51],
            r"at most 50 paths \(starts x optimizers x learning rates\), got 1 x 51 = 51",
        ),
        (["--out", "picture.txt"], "must end in one of .png"),
        (["--gif", "walk.png"], "--gif walk.png: the file name must end in one of .gif"),
    ],
)
def test_bad_usage_is_one_line_and_exit_code_2(tmp_path, capsys, arguments, message):
    code = main(
        ["landscape", *arguments, "--out", str(tmp_path / "x.png")]
        if "--out" not in arguments
        else ["landscape", *arguments]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("given", "expected"), [([], "linear"), (["--arrows", "log"], "log")])
def test_arrows_option_reaches_the_picture(tmp_path, capsys, monkeypatch, given, expected):
    import deepkiso.plots.landscape as plots

    scales = []
    original = plots.plot_landscape

    def recording(*args, **kwargs):
        scales.append(kwargs.get("arrow_scale"))
        return original(*args, **kwargs)

    monkeypatch.setattr(plots, "plot_landscape", recording)
    out = tmp_path / "bowl.png"
    code = main(
        [
            "landscape",
            "--function",
            "bowl",
            "--steps",
            "3",
            "--dpi",
            "50",
            "--out",
            str(out),
            *given,
        ]
    )
    assert code == 0 and scales == [expected]
    assert_picture(out, 2 * 280, 250 + 16)


def test_arrows_option_refuses_other_scales(capsys):
    assert main(["landscape", "--arrows", "cube"]) == 2
    assert "unknown arrow scale 'cube'; choose one of linear, log" in capsys.readouterr().err
