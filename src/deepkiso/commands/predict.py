"""``deepkiso predict RUN_DIR FILE…``: what a trained net says about your own images.

The step after exercise 2_10: draw a digit (or take an image of the data set's
size) and ask the trained net what it is. Images (PNG, JPEG, BMP, GIF) are read
with Pillow, turned to grey and taken as intensities in [0, 1] (bright ink on a
dark ground, as in MNIST; ``--invert`` for dark ink on white). ``.npy`` files
hold one image, or a stack of them, in the data set's raw pixel units
(integers 0..pixel_max, normalised as the data set is) or already normalised
(floats in [0, 1]); for a regression run they hold input rows.

Nothing is guessed and nothing is allocated before the header allows it:
an image must be exactly the data set's size (8x8 or 28x28), checked from its
header before decoding; a .npy header must fit its file and declare at most
MAX_NPY_VALUES values; NaN, inf and values outside the data set's range are
refused, each with a message that names the file.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np

from deepkiso.commands import _runs
from deepkiso.commands._options import Integer
from deepkiso.commands._run_settings import RunSettings
from deepkiso.data import dataset_info
from deepkiso.errors import UsageError
from deepkiso.functions import softmax
from deepkiso.i18n import N_, _

NAME = "predict"
HELP = N_("predict the class of images (PNG, JPEG, BMP, GIF or .npy) with a trained run")

# suffix -> the Pillow format it must be: the file's content decides nothing else
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".gif": "GIF"}
# values one .npy file may hold: 85,000 MNIST images, 256 MB as float32
MAX_NPY_VALUES = 1 << 26

# ITU-R BT.601 luma weights: how bright each of red, green and blue looks to the eye.
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# More than every class is every class: the largest data set has 10 classes, the bound leaves room.
TOP = Integer(1, 1000)


def add_arguments(parser) -> None:
    parser.add_argument(
        "run_dir", metavar="RUN_DIR", help=_("a directory written by deepkiso train")
    )
    parser.add_argument(
        "files",
        metavar="FILE",
        nargs="+",
        help=_(
            "images of the data set's size (.png, .jpg, .bmp, .gif) or .npy arrays of at most "
            "{limit} values"
        ).format(limit=MAX_NPY_VALUES),
    )
    parser.add_argument(
        "--top",
        metavar="K",
        type=TOP,
        default=1,
        help=_("print the K most likely classes, {range} (default: 1)").format(range=TOP),
    )
    parser.add_argument(
        "--invert",
        action="store_true",
        help=_("invert images (dark ink on a light ground) before predicting (default: off)"),
    )


def run(args) -> int:
    run_dir = _runs.existing_run_dir(args.run_dir)
    top = args.top
    settings = _runs.read_settings(run_dir)
    net = _runs.restore_net(run_dir, settings)
    names = _runs.class_names(settings) if settings.task == "classification" else None
    inputs = [(path, _read_input(Path(path), settings, args.invert)) for path in args.files]
    for path, x in inputs:
        y = net.predict(x.reshape(len(x), -1))
        for i, row in enumerate(y):
            label = path if len(y) == 1 else f"{path}[{i}]"
            print(
                f"{label}: {_describe_classes(row, names, top) if names else _describe_values(row)}"
            )
    return 0


def _describe_classes(scores: np.ndarray, names: list[str], top: int) -> str:
    probabilities = softmax(scores.astype(np.float64))
    best = np.argsort(-probabilities, kind="stable")[:top]
    return ", ".join(f"{names[k]} (p={probabilities[k]:.3f})" for k in best)


def _describe_values(values: np.ndarray) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def _read_input(path: Path, settings: RunSettings, invert: bool) -> np.ndarray:
    """The file as a stack of network inputs: (N, *input_shape) float32, normalised like the data set."""
    if not path.is_file():
        raise UsageError(_("{path}: no such file").format(path=path))
    suffix = path.suffix.lower()
    if suffix in IMAGE_FORMATS:
        if settings.task != "classification":
            raise UsageError(
                _("{path}: a regression run takes its inputs as .npy rows, not a picture").format(
                    path=path
                )
            )
        x = _read_image(path, IMAGE_FORMATS[suffix], settings)
        if invert:
            x = 1.0 - x
    elif suffix == ".npy":
        x = _read_npy(path)
    else:
        raise UsageError(
            _("{path}: expected a .npy file or an image ({suffixes}), got {suffix}").format(
                path=path, suffixes=", ".join(IMAGE_FORMATS), suffix=suffix or _("no suffix")
            )
        )
    # values first, so that a message's index is one into the file's own array
    return _as_batch(path, _normalised(path, x, settings), settings)


def _read_image(path: Path, image_format: str, settings: RunSettings) -> np.ndarray:
    """The image as grey intensities (H, W) float32 in [0, 1], H x W being the data set's size.

    The size is read from the file's header and checked before any pixel is decoded, so an image
    that would inflate to gigabytes is refused for the price of its header; Pillow's own
    decompression-bomb guard (Image.MAX_IMAGE_PIXELS), which fires while opening, is an error too.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[image_format]) as image:
                width, height = image.size
                _check_image_size(path, (height, width), settings)
                return _grey(image)
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise UsageError(
            _("{path}: not a readable {format} image ({cause})").format(
                path=path, format=image_format, cause=_runs._one_line(exc)
            )
        ) from None


def _check_image_size(path: Path, size: tuple[int, int], settings: RunSettings) -> None:
    """An image is one sample: its (height, width) must be the data set's, as the header says."""
    shape = tuple(dataset_info(settings.dataset).input_shape)
    if size != shape:
        raise UsageError(
            _(
                "{path}: image is {height}x{width}, but the run's data set {dataset} takes "
                "{expected} (refused from its header, before decoding); resize it first"
            ).format(
                path=path,
                height=size[0],
                width=size[1],
                dataset=settings.dataset,
                expected=f"{shape[0]}x{shape[1]}",
            )
        )


def _grey(image) -> np.ndarray:
    """A Pillow image as (H, W) float32 grey intensities in [0, 1]; an alpha channel is dropped
    (the picture is taken as drawn on its ground)."""
    if image.mode.startswith("I"):  # 16-bit grey (a PNG's "I;16"), whose full scale is 65535
        return np.asarray(image, dtype=np.float32) / 65535
    if image.mode in ("1", "L", "LA"):
        return np.asarray(image.convert("L"), dtype=np.float32) / 255
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255
    # the weights sum to 1 only up to float32 rounding: white stays exactly 1
    return np.minimum(rgb @ GREY_WEIGHTS, 1.0)


def _read_npy(path: Path) -> np.ndarray:
    """The one array of a .npy file, its header checked before anything is allocated."""
    with open(path, "rb") as file:
        if (
            file.read(4) == b"PK\x03\x04"
        ):  # np.load would open an .npz archive whatever the file is called
            raise UsageError(
                _("{path}: expected one array (.npy), got an .npz archive").format(path=path)
            )
        file.seek(0)
        shape, dtype = _npy_header(path, file)
        payload = os.fstat(file.fileno()).st_size - file.tell()
    n_values = math.prod(shape)
    if dtype.kind not in "uif":
        raise UsageError(
            _("{path}: expected numbers, got an array of dtype {dtype}").format(
                path=path, dtype=dtype
            )
        )
    if n_values > MAX_NPY_VALUES:
        raise UsageError(
            _(
                "{path}: header declares shape {shape}, {n} values; predict takes at most "
                "{limit} per file (split the stack)"
            ).format(path=path, shape=shape, n=n_values, limit=MAX_NPY_VALUES)
        )
    if n_values * dtype.itemsize > payload:
        raise UsageError(
            _(
                "{path}: truncated (header declares shape {shape} of {dtype}, "
                "{needed} bytes, the file holds {payload} after its header)"
            ).format(
                path=path,
                shape=shape,
                dtype=dtype,
                needed=n_values * dtype.itemsize,
                payload=payload,
            )
        )
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UsageError(_not_npy(path, exc)) from None


def _npy_header(path: Path, file) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from a .npy header (format 1.0 or 2.0), file positioned just after it."""
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    try:
        version = np.lib.format.read_magic(file)
        if version not in readers:
            raise ValueError(
                _("format version {major}.{minor}; 1.0 and 2.0 are read").format(
                    major=version[0], minor=version[1]
                )
            )
        shape, _fortran_order, dtype = readers[version](file)
    except (ValueError, OSError) as exc:
        raise UsageError(_not_npy(path, exc)) from None
    return shape, dtype


def _not_npy(path: Path, exc: BaseException) -> str:
    return _("{path}: not a readable .npy file ({cause})").format(
        path=path, cause=_runs._one_line(exc)
    )


def _as_batch(path: Path, x: np.ndarray, settings: RunSettings) -> np.ndarray:
    """x as (N, *input_shape): one sample (input_shape, or flat) or a stack of them."""
    shape = tuple(dataset_info(settings.dataset).input_shape)
    size = settings.input_size
    if settings.task == "regression" and size == 1 and x.ndim == 1:
        return x.reshape(-1, 1)  # a vector of x values, one prediction each
    if x.shape == shape or x.shape == (size,):
        return x.reshape(1, *shape)
    if x.ndim >= 2 and (x.shape[1:] == shape or x.shape[1:] == (size,)) and len(x) > 0:
        return x.reshape(len(x), *shape)
    expected = "x".join(str(n) for n in shape)
    received = "x".join(str(n) for n in x.shape)
    message = (
        _(
            "{path}: image is {received}, but the run's data set {dataset} takes "
            "{expected} (or a stack of them); resize it first"
        )
        if settings.task == "classification"
        else _(
            "{path}: input is {received}, but the run's data set {dataset} takes "
            "{expected} (or a stack of them); resize it first"
        )
    )
    raise UsageError(
        message.format(path=path, received=received, dataset=settings.dataset, expected=expected)
    )


def _normalised(path: Path, x: np.ndarray, settings: RunSettings) -> np.ndarray:
    """x as float32 network inputs, refused when a value is not finite or outside the data set's range.

    Classification: integers are raw pixels in 0..pixel_max, divided by pixel_max as
    load_dataset(normalize=True) does; floats are normalised already and lie in [0, 1].
    Regression: any finite value that float32 can hold.
    """
    if settings.task == "regression":
        with np.errstate(
            over="ignore"
        ):  # a value beyond float32 becomes inf, which is refused just below
            x32 = x.astype(np.float32)
        _check_finite(path, x32, _("NaN, inf or beyond float32's range"))
        return x32
    pixel_max = dataset_info(settings.dataset).pixel_max
    if x.dtype.kind in "ui" and pixel_max is not None:  # an image set (predict reads only those)
        _check_range(
            path,
            x,
            pixel_max,
            _("raw pixel values (integers) of {dataset}").format(dataset=settings.dataset),
            _("floats are taken as normalised values in [0, 1]"),
        )
        return (x / pixel_max).astype(np.float32)
    _check_finite(path, x, _("NaN or inf"))
    _check_range(
        path,
        x,
        1,
        _("normalised values (floats)"),
        _("integers are taken as raw pixels 0..{high}").format(high=pixel_max),
    )
    return x.astype(np.float32)


def _check_finite(path: Path, x: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise UsageError(
            _(
                "{path}: {bad} of {n} values are not finite ({what}), the first at index {first}"
            ).format(path=path, bad=int(bad.sum()), n=x.size, what=what, first=first)
        )


def _check_range(path: Path, x: np.ndarray, high: int, what: str, hint: str) -> None:
    if x.size == 0:  # nothing to judge: _as_batch refuses an empty stack
        return
    low_found, high_found = x.min(), x.max()
    if low_found < 0 or high_found > high:
        raise UsageError(
            _(
                "{path}: {what} lie in 0..{high}, found {low_found:g} to {high_found:g} ({hint})"
            ).format(
                path=path,
                what=what,
                high=high,
                low_found=low_found,
                high_found=high_found,
                hint=hint,
            )
        )
