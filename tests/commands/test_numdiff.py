"""Tests of `deepkiso numdiff` through cli.main."""

from images import assert_picture

from deepkiso.cli import main


def test_numdiff_prints_errors_and_timing_and_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "numdiff.png"
    assert (
        main(["numdiff", "--sizes", "2", "4", "--repeats", "1", "--out", str(out), "--dpi", "50"])
        == 0
    )
    printed = capsys.readouterr().out
    assert "relative error of df/dx for f(x) = sin x at x = 1" in printed
    assert "  1e-04 " in printed and "best h" in printed
    assert "numerical" in printed and "backprop" in printed
    assert_picture(out, 640, 260)


def test_numdiff_without_timing_draws_one_panel(tmp_path, capsys):
    out = tmp_path / "quadratic.png"
    assert (
        main(
            ["numdiff", "--function", "quadratic", "--no-timing", "--out", str(out), "--dpi", "50"]
        )
        == 0
    )
    assert "backprop" not in capsys.readouterr().out
    assert_picture(out, 320, 260)


def test_numdiff_refuses_bad_sizes(tmp_path, capsys):
    assert main(["numdiff", "--sizes", "0", "--out", str(tmp_path / "x.png")]) == 2
    assert "argument --sizes: expected an integer from 1 to 512, got 0" in capsys.readouterr().err
