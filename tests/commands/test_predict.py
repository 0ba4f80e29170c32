import re
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from matplotlib.image import imsave

from deepkiso.cli import main
from deepkiso.data import load_dataset


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "digits"
    assert (
        main(["train", "--out", str(run_dir), "--hidden", "32", "--epochs", "10", "--quiet"]) == 0
    )
    return run_dir


@pytest.fixture(scope="module")
def sine_run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "sine"
    assert (
        main(
            [
                "train",
                "--dataset",
                "sine",
                "--out",
                str(run_dir),
                "--epochs",
                "2",
                "--hidden",
                "8",
                "--quiet",
            ]
        )
        == 0
    )
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
    np.save(tmp_path / "stack.npy", x_test[:20].astype(np.uint8))  # integers: raw pixel units 0..16
    assert main(["predict", str(run_dir), str(tmp_path / "stack.npy")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"{tmp_path / 'stack.npy'}[{i}]" for i in range(20)
    ]
    guesses = [predicted(line) for line in lines]
    assert sum(name == str(label) for (name, _), label in zip(guesses, t_test[:20])) >= 16
    assert all(0 < p <= 1 for _, p in guesses)


def test_predict_png_rgba_and_normalised_npy_agree(run_dir, raw_test_images, tmp_path, capsys):
    x_test, _ = raw_test_images
    image = x_test[1] / 16.0
    imsave(tmp_path / "digit.png", image, cmap="gray", vmin=0, vmax=1)  # RGBA, 8 bits
    np.save(tmp_path / "digit.npy", image.astype(np.float32))
    assert (
        main(
            [
                "predict",
                str(run_dir),
                str(tmp_path / "digit.png"),
                str(tmp_path / "digit.npy"),
                "--top",
                "3",
            ]
        )
        == 0
    )
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


def test_predict_a_regression_run_takes_x_values(sine_run_dir, tmp_path, capsys):
    run_dir = sine_run_dir
    np.save(tmp_path / "x.npy", np.array([-0.5, 0.0, 0.5], dtype=np.float32))
    assert main(["predict", str(run_dir), str(tmp_path / "x.npy")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(np.isfinite(float(line.split(": ")[1])) for line in lines)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: imsave(d / "f.png", np.zeros((28, 28)), cmap="gray"),
            "f.png: image is 28x28, but the run's data set digits takes 8x8",
        ),
        (
            lambda d: np.save(d / "f.npy", np.zeros((3, 7))),
            "f.npy: image is 3x7, but the run's data set digits takes 8x8",
        ),
        (
            lambda d: np.save(d / "f.npy", np.array(["a", "b"])),
            "f.npy: expected numbers, got an array of dtype <U1",
        ),
        (
            lambda d: np.save(d / "f.npy", np.array([{}], dtype=object)),
            "f.npy: expected numbers, got an array of dtype object",
        ),
        (
            lambda d: (
                np.savez(d / "f.npz", x=np.zeros((8, 8))) or (d / "f.npz").rename(d / "f.npy")
            ),
            "f.npy: expected one array (.npy), got an .npz archive",
        ),
        (
            lambda d: (d / "f.txt").write_text("7"),
            "f.txt: expected a .npy file or an image (.png, .jpg, .jpeg, .bmp, .gif), got .txt",
        ),
        (lambda d: (d / "f.png").write_bytes(b"not a png"), "f.png: not a readable PNG image"),
        (lambda d: None, "f.png: no such file"),
    ],
)
def test_bad_files_are_one_line_and_exit_code_2(
    run_dir, tmp_path, monkeypatch, capsys, make, message
):
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    name = message.split(":")[0]
    assert main(["predict", str(run_dir), name]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("deepkiso predict: error: ") and message in err[0], (
        err
    )


def test_predict_needs_a_run_directory(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "nowhere"), "x.png"]) == 2
    assert "does not exist" in capsys.readouterr().err


def png_bytes(width, height, rows=None):
    """An 8-bit grey PNG written by hand: IHDR declaring width x height, one IDAT, IEND.

    rows: the filtered scanlines (height * (1 + width) bytes); default all black.
    """

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = bytes(height * (1 + width)) if rows is None else rows
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def predict_error(run_dir, path, capsys):
    """The one line predict prints for path, which it must refuse with exit code 2."""
    assert main(["predict", str(run_dir), str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("deepkiso predict: error: "), err
    return err[0]


def test_an_image_of_another_size_is_refused_from_its_header_before_decoding(
    run_dir, tmp_path, capsys
):
    path = tmp_path / "big.png"
    path.write_bytes(png_bytes(5000, 4000))  # 16 KB that decode to 20 million pixels
    tracemalloc.start()
    try:
        message = predict_error(run_dir, path, capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (
        f"{path}: image is 4000x5000, but the run's data set digits takes 8x8 (refused from its header, "
        f"before decoding)"
    ) in message
    assert peak < 10 << 20


def test_an_image_over_pillows_bomb_limit_is_refused_by_pillows_guard(run_dir, tmp_path, capsys):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bytes(20000, 20000, rows=b""))
    message = predict_error(run_dir, path, capsys)
    assert (
        f"{path}: not a readable PNG image (Image size (400000000 pixels) exceeds limit" in message
    )


def test_a_1x64_png_is_not_an_8x8_image(run_dir, tmp_path, capsys):
    path = tmp_path / "row.png"
    path.write_bytes(png_bytes(64, 1))
    assert "row.png: image is 1x64, but the run's data set digits takes 8x8" in predict_error(
        run_dir, path, capsys
    )


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            np.full((8, 8), np.nan, np.float32),
            r"64 of 64 values are not finite \(NaN or inf\), the first at index \(0, 0\)",
        ),
        (
            np.array([[0.5] * 63 + [np.inf]], np.float64),
            r"1 of 64 values are not finite \(NaN or inf\), the first at index \(0, 63\)",
        ),
        (
            np.full((2, 8, 8), 16.0, np.float32),
            r"normalised values \(floats\) lie in 0..1, found 16 to 16 \(integers are taken as raw pixels 0..16\)",
        ),
        (np.full((8, 8), -0.5), r"normalised values \(floats\) lie in 0..1, found -0.5 to -0.5"),
        (
            np.arange(64, dtype=np.uint8).reshape(8, 8),
            r"raw pixel values \(integers\) of digits lie in 0..16, found 0 to 63 \(floats are taken as normalised",
        ),
        (
            np.full(64, -1, np.int16),
            r"raw pixel values \(integers\) of digits lie in 0..16, found -1 to -1",
        ),
    ],
    ids=["nan", "inf", "float raw units", "negative float", "int above pixel_max", "negative int"],
)
def test_predict_refuses_values_that_are_not_finite_or_out_of_the_data_sets_range(
    run_dir, tmp_path, capsys, array, message
):
    np.save(tmp_path / "x.npy", array)
    assert re.search(message, predict_error(run_dir, tmp_path / "x.npy", capsys))


def test_a_regression_run_refuses_inputs_that_are_not_finite(sine_run_dir, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.array([0.0, 1e300, np.nan]))
    message = predict_error(sine_run_dir, tmp_path / "x.npy", capsys)
    assert (
        "x.npy: 2 of 3 values are not finite (NaN, inf or beyond float32's range), the first at index (1,)"
        in message
    )


def npy_header_only(path, shape, dtype="<f8"):
    """A .npy file whose header declares shape but which holds no data."""
    with open(path, "wb") as file:
        np.lib.format.write_array_header_1_0(
            file, {"descr": dtype, "fortran_order": False, "shape": shape}
        )


def test_a_npy_header_declaring_32_gib_is_refused_from_the_header(run_dir, tmp_path, capsys):
    npy_header_only(tmp_path / "huge.npy", (1 << 26, 8, 8))  # 32 GiB of float64
    message = predict_error(run_dir, tmp_path / "huge.npy", capsys)
    assert (
        "huge.npy: header declares shape (67108864, 8, 8), 4294967296 values; predict takes at most "
        "67108864 per file (split the stack)"
    ) in message


def test_a_npy_file_shorter_than_its_header_declares_is_truncated(run_dir, tmp_path, capsys):
    npy_header_only(tmp_path / "short.npy", (1000, 8, 8))
    message = predict_error(run_dir, tmp_path / "short.npy", capsys)
    assert (
        "short.npy: truncated (header declares shape (1000, 8, 8) of float64, 512000 bytes, the file holds 0"
        in message
    )


@pytest.mark.parametrize("suffix", [".bmp", ".gif", ".jpg"])
def test_predict_reads_the_other_image_formats_like_png(
    run_dir, raw_test_images, tmp_path, capsys, suffix
):
    from PIL import Image

    x_test, _ = raw_test_images
    grey = np.round(x_test[3] / 16 * 255).astype(np.uint8)
    Image.fromarray(grey, mode="L").save(tmp_path / f"digit{suffix}")
    np.save(tmp_path / "digit.npy", grey)
    Image.fromarray(grey, mode="L").save(tmp_path / "digit.png")
    assert (
        main(
            ["predict", str(run_dir), str(tmp_path / "digit.png"), str(tmp_path / f"digit{suffix}")]
        )
        == 0
    )
    png_line, other_line = capsys.readouterr().out.splitlines()
    assert predicted(other_line)[0] == predicted(png_line)[0]


def test_a_zip_bomb_as_the_checkpoint_is_refused_before_it_is_inflated(run_dir, tmp_path, capsys):
    import hashlib
    import io
    import json
    import zipfile

    other = tmp_path / "bombed"
    other.mkdir()
    for path in run_dir.iterdir():
        (other / path.name).write_bytes(path.read_bytes())
    meta = json.loads((other / "checkpoint.json").read_text())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # 32 MiB of zeros, deflated to 32 KiB
        archive.writestr("net/W1.npy", bytes(32 << 20), compress_type=zipfile.ZIP_DEFLATED)
    meta["arrays_sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    meta["arrays"] = f"checkpoint-{meta['arrays_sha256'][:16]}.npz"
    (other / meta["arrays"]).write_bytes(buffer.getvalue())
    fields = {k: v for k, v in meta.items() if k != "sha256"}
    meta["sha256"] = hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    (other / "checkpoint.json").write_text(json.dumps(meta))
    np.save(tmp_path / "x.npy", np.zeros((8, 8), np.float32))
    assert main(["predict", str(other), str(tmp_path / "x.npy")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        len(err) == 1 and "member 'net/W1.npy': compressed (declares 33554432 bytes in " in err[0]
    ), err
