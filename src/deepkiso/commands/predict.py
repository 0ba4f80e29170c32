"""``deepkiso predict RUN_DIR FILE…``: what a trained net says about your own images.

The step after exercise 2_10: draw a digit (or take an image of the data set's
size) and ask the trained net what it is. PNG files are read with matplotlib,
turned to grey and taken as intensities in [0, 1] (bright ink on a dark
ground, as in MNIST; ``--invert`` for dark ink on white). ``.npy`` files hold
one image, or a stack of them, in the data set's raw pixel units (integers,
normalised as the data set is) or already normalised (floats); for a
regression run they hold input rows. Images are not resized: a wrong size is
an error that names both sizes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepkiso.commands import _runs
from deepkiso.data import dataset_info
from deepkiso.errors import UsageError
from deepkiso.functions import softmax

NAME = "predict"
HELP = "predict the class of images (PNG or .npy) with a trained run"

# ITU-R BT.601 luma weights: how bright each of red, green and blue looks to the eye.
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def add_arguments(parser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by deepkiso train")
    parser.add_argument("files", metavar="FILE", nargs="+", help="PNG or .npy files")
    parser.add_argument("--top", metavar="K", default="1", help="print the K most likely classes (default: 1)")
    parser.add_argument("--invert", action="store_true",
                        help="invert PNG images (dark ink on a light ground) before predicting (default: off)")


def run(args) -> int:
    run_dir = _runs.existing_run_dir(args.run_dir)
    top = _runs.positive_int("--top", args.top)
    settings = _runs.read_settings(run_dir)
    net = _runs.restore_net(run_dir, settings)
    names = _runs.class_names(settings) if settings["task"] == "classification" else None
    inputs = [(path, _read_input(Path(path), settings, args.invert)) for path in args.files]
    for path, x in inputs:
        y = net.predict(x.reshape(len(x), -1))
        for i, row in enumerate(y):
            label = path if len(y) == 1 else f"{path}[{i}]"
            print(f"{label}: {_describe_classes(row, names, top) if names else _describe_values(row)}")
    return 0


def _describe_classes(scores: np.ndarray, names: list[str], top: int) -> str:
    probabilities = softmax(scores.astype(np.float64))
    best = np.argsort(-probabilities, kind="stable")[:top]
    return ", ".join(f"{names[k]} (p={probabilities[k]:.3f})" for k in best)


def _describe_values(values: np.ndarray) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def _read_input(path: Path, settings, invert: bool) -> np.ndarray:
    """The file as a stack of network inputs: (N, *input_shape), normalised like the data set."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".png":
        if settings["task"] != "classification":
            raise UsageError(f"{path}: a regression run takes its inputs as .npy rows, not a picture")
        x = _read_png(path)
        if invert:
            x = 1.0 - x
    elif suffix == ".npy":
        x = _read_npy(path, settings)
    else:
        raise UsageError(f"{path}: expected a .png or .npy file, got {suffix or 'no suffix'}")
    return _as_batch(path, x, settings)


def _read_png(path: Path) -> np.ndarray:
    from matplotlib.image import imread

    try:
        image = imread(path)
    except (OSError, ValueError, SyntaxError) as exc:
        raise UsageError(f"{path}: not a readable PNG ({exc})") from None
    if image.dtype.kind in "ui":
        image = image / np.iinfo(image.dtype).max
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        # RGB(A) to grey; an alpha channel is dropped (the picture is taken as drawn on its ground).
        image = image[..., :3] @ GREY_WEIGHTS if image.shape[2] >= 3 else image[..., 0]
    return image


def _read_npy(path: Path, settings) -> np.ndarray:
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable .npy file ({exc})") from None
    if not isinstance(x, np.ndarray):  # np.load opens an .npz archive whatever the file is called
        x.close()
        raise UsageError(f"{path}: expected one array (.npy), got an .npz archive")
    if x.dtype.kind in "ui" and settings["task"] == "classification":
        # Raw pixels, normalised as load_dataset(normalize=True) does.
        x = x / dataset_info(settings["dataset"]).pixel_max
    elif x.dtype.kind not in "uif":
        raise UsageError(f"{path}: expected numbers, got an array of dtype {x.dtype}")
    return np.asarray(x, dtype=np.float32)


def _as_batch(path: Path, x: np.ndarray, settings) -> np.ndarray:
    """x as (N, *input_shape): one sample (input_shape, or flat) or a stack of them."""
    shape = tuple(dataset_info(settings["dataset"]).input_shape)
    size = settings["input_size"]
    if settings["task"] == "regression" and size == 1 and x.ndim == 1:
        return x.reshape(-1, 1)  # a vector of x values, one prediction each
    if x.shape == shape or x.shape == (size,):
        return x.reshape(1, *shape)
    if x.ndim >= 2 and (x.shape[1:] == shape or x.shape[1:] == (size,)) and len(x) > 0:
        return x.reshape(len(x), *shape)
    expected = "x".join(str(n) for n in shape)
    received = "x".join(str(n) for n in x.shape)
    what = "image" if settings["task"] == "classification" else "input"
    raise UsageError(f"{path}: {what} is {received}, but the run's data set {settings['dataset']} takes "
                     f"{expected} (or a stack of them); resize it first")
