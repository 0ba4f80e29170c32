"""Tests of `deepkiso vanishing` through cli.main."""

from images import assert_picture

from deepkiso.cli import main


def test_vanishing_prints_norms_per_layer_and_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "vanishing.png"
    assert (
        main(["vanishing", "--layers", "4", "--width", "16", "--out", str(out), "--dpi", "50"]) == 0
    )
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].split() == ["layer", "sigmoid", "(xavier)", "tanh", "(xavier)", "relu", "(he)"]
    assert [r.split()[0] for r in rows[2:7]] == ["1", "2", "3", "4", "5"]
    assert_picture(out, 640, 260)


def test_vanishing_accepts_a_standard_deviation_and_refuses_nonsense(tmp_path, capsys):
    out = tmp_path / "small.png"
    assert (
        main(
            [
                "vanishing",
                "--layers",
                "2",
                "--width",
                "8",
                "--weight-init",
                "0.01",
                "--activations",
                "sigmoid",
                "--out",
                str(out),
                "--dpi",
                "50",
            ]
        )
        == 0
    )
    assert "sigmoid (0.01)" in capsys.readouterr().out
    assert main(["vanishing", "--weight-init", "big", "--out", str(out)]) == 2
    assert (
        "--weight-init: expected he, xavier or a standard deviation above 0 up to 10, got 'big'"
        in capsys.readouterr().err
    )
    assert (
        main(["vanishing", "--weight-init", "inf", "--out", str(out)]) == 2
    )  # every norm would be nan
    assert (
        "--weight-init: expected he, xavier or a standard deviation above 0 up to 10, got 'inf'"
        in capsys.readouterr().err
    )
