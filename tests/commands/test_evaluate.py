import json

import numpy as np
import pytest

from deepkiso.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["train", "--out", str(run_dir), "--hidden", "32", "--epochs", "5", "--quiet"]) == 0
    return run_dir


def test_evaluate_prints_accuracy_and_a_per_class_table(run_dir, capsys):
    assert main(["evaluate", str(run_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("digits test: 360 samples, accuracy 0.")
    assert out[1].split()[:4] == ["class", "samples", "correct", "accuracy"]
    rows = [line.split() for line in out[2:12]]
    assert [row[0] for row in rows] == [str(k) for k in range(10)]
    assert sum(int(row[1]) for row in rows) == 360
    accuracy = float(out[0].split("accuracy ")[1].split(",")[0])
    assert sum(int(row[2]) for row in rows) == round(accuracy * 360)
    assert out[-1] == f"picture: {run_dir / 'confusion.png'}"
    assert (run_dir / "confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_evaluate_matches_the_last_epoch_of_training(run_dir, capsys):
    last = json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[-1])
    assert main(["evaluate", str(run_dir), "--chunk-size", "50"]) == 0
    out = capsys.readouterr().out
    assert f"accuracy {last['test_accuracy']:.4f}" in out


def test_evaluate_the_training_split_to_a_chosen_file(run_dir, tmp_path, capsys):
    picture = tmp_path / "train.png"
    assert main(["evaluate", str(run_dir), "--split", "train", "--out", str(picture)]) == 0
    assert capsys.readouterr().out.startswith("digits train: 1437 samples")
    assert picture.is_file()


@pytest.mark.parametrize("suffix", [".svg", ".pdf"])
def test_an_out_name_sets_the_picture_format(run_dir, tmp_path, capsys, suffix):
    picture = tmp_path / f"confusion{suffix}"
    assert main(["evaluate", str(run_dir), "--out", str(picture)]) == 0
    head = picture.read_bytes()[:100]
    assert (
        (b"<svg" in head or head.startswith(b"<?xml"))
        if suffix == ".svg"
        else head.startswith(b"%PDF")
    )


def test_evaluate_a_regression_run_draws_its_fit(tmp_path, capsys):
    run_dir = tmp_path / "sine"
    assert (
        main(
            [
                "train",
                "--dataset",
                "sine",
                "--out",
                str(run_dir),
                "--epochs",
                "5",
                "--hidden",
                "8",
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["evaluate", str(run_dir)]) == 0
    assert "squared-error loss" in capsys.readouterr().out
    assert (run_dir / "fit.png").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing"], "run directory missing does not exist"),
        (["{tmp}"], "is not a run directory: it holds no settings.json"),
        (["{run}", "--split", "valid"], "unknown split 'valid'; choose one of test, train"),
        (
            ["{run}", "--chunk-size", "0"],
            "argument --chunk-size: expected an integer from 1 to 60000, got 0",
        ),
        (
            ["{run}", "--out", "{tmp}/c.txt"],
            "the file name must end in one of .png, .svg, .pdf, .jpg, .jpeg",
        ),
        (["{run}", "--out", "{tmp}/nowhere/c.png"], "folder {tmp}/nowhere does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    run_dir, tmp_path, monkeypatch, capsys, argv, message
):
    monkeypatch.chdir(tmp_path)
    argv = [a.format(tmp=tmp_path, run=run_dir) for a in argv]
    assert main(["evaluate", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    message = message.format(tmp=tmp_path)
    assert len(err) == 1 and message in err[0] and err[0].startswith("deepkiso evaluate: error: ")


def test_a_run_without_a_checkpoint_says_how_to_go_on(run_dir, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "settings.json").write_text((run_dir / "settings.json").read_text())
    assert main(["evaluate", str(empty)]) == 2
    assert f"resume it with deepkiso train --resume {empty}" in capsys.readouterr().err


def test_a_checkpoint_that_does_not_fit_lists_every_mismatch(run_dir, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    for path in run_dir.iterdir():
        (other / path.name).write_bytes(path.read_bytes())
    settings = json.loads((other / "settings.json").read_text())
    settings["model"], settings["hidden"] = "mlp", [32, 8]
    (other / "settings.json").write_text(json.dumps(settings))
    assert main(["evaluate", str(other)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    for part in (
        "net/W2: saved float32 of shape (32, 10), expected float32 of shape (32, 8)",
        "net/b2: saved float32 of shape (10,), expected float32 of shape (8,)",
        "net/W3: missing (expected float32 of shape (8, 10))",
        "net/b3: missing",
    ):
        assert part in err[0]


def test_a_damaged_checkpoint_is_named(run_dir, tmp_path, capsys):
    other = tmp_path / "damaged"
    other.mkdir()
    for path in run_dir.iterdir():
        data = path.read_bytes()
        (other / path.name).write_bytes(data[:-5] + b"xxxxx" if path.suffix == ".npz" else data)
    assert main(["evaluate", str(other)]) == 1
    assert "does not match" in capsys.readouterr().err


def test_confusion_matrix_counts_every_sample_once_and_gives_the_mean_loss():
    from deepkiso.commands.evaluate import confusion_matrix
    from deepkiso.nets import TwoLayerNet

    rng = np.random.default_rng(0)
    x, t = rng.random((53, 4), dtype=np.float32), rng.integers(0, 3, 53)
    net = TwoLayerNet(4, 5, 3, weight_init_std="he")
    matrix, loss = confusion_matrix(net, x, t, 3, chunk_size=10)
    assert loss == pytest.approx(
        net.loss(x, t), rel=1e-6
    )  # chunks of 10, 10, …, 3 weighted by their size
    assert matrix.sum() == 53
    assert np.array_equal(matrix.sum(axis=1), np.bincount(t, minlength=3))
    assert np.trace(matrix) == round(net.accuracy(x, t) * 53)


def _copy_run(run_dir, target):
    target.mkdir()
    for path in run_dir.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_a_checkpoint_naming_another_runs_arrays_is_refused(run_dir, tmp_path, capsys):
    # Before, "arrays": "../R2/…" loaded another run's weights without a word.
    other = _copy_run(run_dir, tmp_path / "other")
    meta = json.loads((other / "checkpoint.json").read_text())
    meta["arrays"] = f"../{run_dir.name}/{meta['arrays']}"
    (other / "checkpoint.json").write_text(json.dumps(meta))
    assert main(["evaluate", str(other)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and '"arrays" must be the file name checkpoint-' in err[0], err


def test_a_checkpoint_with_non_finite_weights_is_refused(run_dir, tmp_path, capsys):
    # A version 1 checkpoint (no hash over its fields) whose arrays were rewritten with a NaN weight.
    import hashlib
    import io

    other = _copy_run(run_dir, tmp_path / "nan")
    meta = json.loads((other / "checkpoint.json").read_text())
    with np.load(other / meta["arrays"]) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["net/W1"][0, 0] = np.nan
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    (other / f"checkpoint-{digest[:16]}.npz").write_bytes(buffer.getvalue())
    old = {
        "format": meta["format"],
        "version": 1,
        "arrays": f"checkpoint-{digest[:16]}.npz",
        "sha256": digest,
        "settings": meta["settings"],
        "state": meta["state"],
    }
    (other / "checkpoint.json").write_text(json.dumps(old))
    assert main(["evaluate", str(other)]) == 1
    assert "holds weights that are not finite" in capsys.readouterr().err
