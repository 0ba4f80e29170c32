"""Tests of `deepkiso minibatch-objective` through cli.main."""

import pytest
from images import assert_picture

from deepkiso.cli import main
from deepkiso.i18n import set_language
from deepkiso.landscape.minibatch import minibatch_objective


@pytest.fixture(autouse=True)
def english_afterwards():
    """--lang ja sets the language for the process: each test leaves none set behind."""
    yield
    set_language(None)


def test_it_prints_every_minimum_and_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "objective.png"
    assert main(["minibatch-objective", "--out", str(out), "--dpi", "50"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == (
        "y = w·x + b on 40 points, 4 mini-batches of 10; SGD η = 0.5, 5 epochs from (-0.5, 2)"
    )
    study = minibatch_objective()  # the command's defaults are the library's
    full = rows[2].split()
    assert full[:4] == ["minimum", "of", "the", "full"]
    assert [float(v) for v in full[-3:]] == pytest.approx(
        [*study.full_minimum, study.full_loss(study.full_minimum)], abs=1e-3
    )
    assert [r.split()[:4] for r in rows[3:7]] == [
        ["minimum", "of", "mini-batch", str(k)] for k in range(1, 5)
    ]
    assert rows[7].startswith("SGD after the last step") and rows[8].startswith(
        "average of the last epoch"
    )
    assert_picture(out, 650, 380)


def test_in_japanese(tmp_path, capsys):
    out = tmp_path / "objective.png"
    assert main(["--lang", "ja", "minibatch-objective", "--out", str(out), "--dpi", "30"]) == 0
    printed = capsys.readouterr().out
    assert "ミニバッチ 1 の最小点" in printed and "L (全データ)" in printed
    assert_picture(out, 390, 228)


@pytest.mark.parametrize(
    "argv, line",
    [
        (
            ["--batch-size", "30"],
            "deepkiso minibatch-objective: error: --batch-size 30: at most half of --samples (20), "
            "so that there are at least two mini-batches",
        ),
        (
            ["--lr", "3"],
            "deepkiso minibatch-objective: error: --lr: lr = 3 is too large for these mini-batches: "
            "SGD would overshoot and diverge; choose lr below",
        ),
        (["--start", "1"], "deepkiso minibatch-objective: error: --start expects two numbers"),
        (
            ["--out", "x.txt"],
            "deepkiso minibatch-objective: error: --out x.txt: the file name must end in",
        ),
    ],
)
def test_a_mistake_is_one_line(tmp_path, capsys, argv, line):
    assert main(["minibatch-objective", *argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(line), err
