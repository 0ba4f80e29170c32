import numpy as np
import pytest
from matplotlib.image import imsave

from deepkiso.cli import main
from deepkiso.data import load_dataset


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["train", "--out", str(run_dir), "--hidden", "32", "--epochs", "10", "--quiet"]) == 0
    return run_dir


@pytest.fixture(scope="module")
def raw_test_images():
    (_, _), (x_test, t_test) = load_dataset("digits", normalize=False, flatten=False)
    return x_test, t_test


def predicted(line):
    """'file: 7 (p=0.981), …' -> ('7', 0.981)"""
    first = line.split(": ", 1)[1].split(", ")[0]
    name, probability = first.rsplit(" (p=", 1)
    return name, float(probability.rstrip(")"))


def test_predict_npy_stack_in_raw_pixel_units(run_dir, raw_test_images, tmp_path, capsys):
    x_test, t_test = raw_test_images
    np.save(tmp_path / "stack.npy", x_test[:20])
    assert main(["predict", str(run_dir), str(tmp_path / "stack.npy")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"{tmp_path / 'stack.npy'}[{i}]" for i in range(20)]
    guesses = [predicted(line) for line in lines]
    assert sum(name == str(label) for (name, _), label in zip(guesses, t_test[:20])) >= 16
    assert all(0 < p <= 1 for _, p in guesses)


def test_predict_png_rgba_and_normalised_npy_agree(run_dir, raw_test_images, tmp_path, capsys):
    x_test, _ = raw_test_images
    image = x_test[1] / 16.0
    imsave(tmp_path / "digit.png", image, cmap="gray", vmin=0, vmax=1)  # RGBA, 8 bits
    np.save(tmp_path / "digit.npy", image.astype(np.float32))
    assert main(["predict", str(run_dir), str(tmp_path / "digit.png"), str(tmp_path / "digit.npy"), "--top", "3"]) == 0
    png_line, npy_line = capsys.readouterr().out.splitlines()
    assert png_line.startswith(f"{tmp_path / 'digit.png'}: ") and png_line.count("(p=") == 3
    assert predicted(png_line)[0] == predicted(npy_line)[0]
    assert predicted(png_line)[1] == pytest.approx(predicted(npy_line)[1], abs=0.02)


def test_predict_inverts_dark_ink_on_white(run_dir, raw_test_images, tmp_path, capsys):
    x_test, _ = raw_test_images
    image = x_test[2] / 16.0
    imsave(tmp_path / "ink.png", 1.0 - image, cmap="gray", vmin=0, vmax=1)
    imsave(tmp_path / "plain.png", image, cmap="gray", vmin=0, vmax=1)
    assert main(["predict", str(run_dir), str(tmp_path / "plain.png")]) == 0
    plain = predicted(capsys.readouterr().out.strip())
    assert main(["predict", str(run_dir), str(tmp_path / "ink.png"), "--invert"]) == 0
    assert predicted(capsys.readouterr().out.strip())[0] == plain[0]


def test_predict_a_regression_run_takes_x_values(tmp_path, capsys):
    run_dir = tmp_path / "sine"
    assert main(["train", "--dataset", "sine", "--out", str(run_dir), "--epochs", "2", "--hidden", "8", "--quiet"]) == 0
    capsys.readouterr()
    np.save(tmp_path / "x.npy", np.array([-0.5, 0.0, 0.5], dtype=np.float32))
    assert main(["predict", str(run_dir), str(tmp_path / "x.npy")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(np.isfinite(float(line.split(": ")[1])) for line in lines)


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: imsave(d / "f.png", np.zeros((28, 28)), cmap="gray"), "f.png: image is 28x28, but the run's data set digits takes 8x8"),
    (lambda d: np.save(d / "f.npy", np.zeros((3, 7))), "f.npy: image is 3x7, but the run's data set digits takes 8x8"),
    (lambda d: np.save(d / "f.npy", np.array(["a", "b"])), "f.npy: expected numbers, got an array of dtype <U1"),
    (lambda d: np.save(d / "f.npy", np.array([{}], dtype=object)), "f.npy: not a readable .npy file"),
    (lambda d: np.savez(d / "f.npz", x=np.zeros((8, 8))) or (d / "f.npz").rename(d / "f.npy"),
     "f.npy: expected one array (.npy), got an .npz archive"),
    (lambda d: (d / "f.txt").write_text("7"), "f.txt: expected a .png or .npy file, got .txt"),
    (lambda d: (d / "f.png").write_bytes(b"not a png"), "f.png: not a readable PNG"),
    (lambda d: None, "f.png: no such file"),
])
def test_bad_files_are_one_line_and_exit_code_2(run_dir, tmp_path, monkeypatch, capsys, make, message):
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    name = message.split(":")[0]
    assert main(["predict", str(run_dir), name]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("deepkiso predict: error: ") and message in err[0], err


def test_predict_needs_a_run_directory(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "nowhere"), "x.png"]) == 2
    assert "does not exist" in capsys.readouterr().err
