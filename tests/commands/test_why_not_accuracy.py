"""Tests of `deepkiso why-not-accuracy` through cli.main (on the embedded digits)."""

from images import assert_picture

from deepkiso.cli import main


def test_why_not_accuracy_prints_the_zero_slopes_and_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "loss.png"
    code = main(
        [
            "why-not-accuracy",
            "--samples",
            "40",
            "--hidden",
            "4",
            "--train-steps",
            "30",
            "--points",
            "41",
            "--out",
            str(out),
            "--dpi",
            "50",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "misclassification rate:" in printed and "cross-entropy:" in printed
    assert (
        "310 of 310 partial derivatives are 0 for the rate" in printed
    )  # 64·4 + 4 + 4·10 + 10 weights
    assert_picture(out, 600, 420)


def test_why_not_accuracy_refuses_too_many_samples(tmp_path, capsys):
    assert main(["why-not-accuracy", "--samples", "100000", "--out", str(tmp_path / "x.png")]) == 2
    assert "--samples: expected an integer from 1 to 1437, got 100000" in capsys.readouterr().err
