"""Tests of `deepkiso numdiff` through cli.main."""

import pytest
from images import assert_picture

from deepkiso.cli import main
from deepkiso.i18n import set_language


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


def test_numdiff_secant_prints_the_slopes_and_draws_the_slides_picture(tmp_path, capsys):
    out = tmp_path / "secant.png"
    argv = ["numdiff", "--secant", "--function", "x**3", "--at", "1", "--h", "0.5"]
    assert main([*argv, "--out", str(out), "--dpi", "50"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "slopes at x = 1 with h = 0.5 for f(x) = x³"
    assert printed[1].split()[-1] == "3"
    assert printed[2].split()[-3:] == ["3.25", "error", "+2.500e-01"]
    assert printed[3].split()[-3:] == ["4.75", "error", "+1.750e+00"]
    assert_picture(out, 360, 270)  # 7.2 × 5.4 in


def test_numdiff_secant_defaults_to_x_cubed_and_speaks_japanese(tmp_path, capsys):
    out = tmp_path / "secant.png"
    try:
        assert main(["--lang", "ja", "numdiff", "--secant", "--out", str(out), "--dpi", "30"]) == 0
    finally:
        set_language(None)  # --lang sets it for the process
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "f(x) = x³ の x = 1、h = 0.5 における傾き"
    assert printed[2].startswith("中心差分") and "誤差 +2.500e-01" in printed[2]
    assert printed[3].startswith("前進差分")
    assert out.is_file()


def test_numdiff_secant_takes_a_named_function_at_its_own_point(tmp_path, capsys):
    out = tmp_path / "q.png"
    assert (
        main(["numdiff", "--secant", "--function", "quadratic", "--h", "2", "--out", str(out)]) == 0
    )
    assert "x = 5 with h = 2 for f(x) = 0.01x² + 0.1x" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--secant", "--function", "y**3"], "--function: formula 'y**3': unknown name 'y'"),
        (["--secant", "--function", "log(x)", "--at", "0"], "no finite value or derivative"),
        (["--secant", "--h", "0"], "argument --h: expected a number above 0 up to 100, got 0"),
        (["--at", "2"], "--at is for the picture of --secant; add --secant"),
        (
            ["--function", "x**2"],
            "--function 'x**2': the error curves need one of exp, quadratic, sin",
        ),
    ],
)
def test_numdiff_secant_mistakes_are_one_line(tmp_path, capsys, argv, message):
    out = tmp_path / "x.png"
    assert main(["numdiff", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()
