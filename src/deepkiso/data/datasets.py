"""Data sets in one call: MNIST-format images, the embedded 8x8 digits, and regression problems.

Exercise 2_10 trains a two-layer net on MNIST-format images and exercise 2_11 fits a regression
problem; ``load_dataset(name)`` returns ``(x_train, t_train), (x_test, t_test)`` for either kind,
ready for training (float32 inputs, int64 labels or one-hot rows).

Where the files come from:

* ``digits`` ships inside the package (``digits.npz``, 47 KB), so it works offline on a fresh
  install. It is the test part of the UCI "Optical Recognition of Handwritten Digits" data set
  (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0): 1,797 images of 8x8 pixels, values 0..16, as
  scikit-learn 1.9.1 ships it in ``sklearn/datasets/data/digits.csv.gz`` (SHA-256 09f66e6d...aa22).
  The split is fixed in the file: 20 % of each class, 360 images, is the test set (per-class
  counts by largest remainder, the members chosen with ``numpy.random.default_rng(0)``); both parts
  keep the original order.
* ``mnist``, ``fashion-mnist``, ``kmnist`` are read from ``data_dir`` alone when it is given (it
  must hold all four files: ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
  ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each raw or with ``.gz``). Otherwise they
  are looked for in the user cache ``$XDG_CACHE_HOME/deepkiso/<name>``
  (``~/.cache/deepkiso/<name>``), whose files are checked against their recorded checksums once
  per process, then in a system folder where a distribution installs them (Debian's
  ``dataset-fashion-mnist`` package: ``/usr/share/datasets/fashion-mnist``); failing both, they are
  downloaded into the cache (see ``download.py``).
* ``sine``, ``cubic``, ``quadratic`` are generated from ``rng`` (an int seed or a Generator); ``terrain`` is real elevation data
  that matplotlib ships as sample data.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from deepkiso._deprecation import renamed_option
from deepkiso.data import download as _download
from deepkiso.data.idx import read_idx
from deepkiso.data.images import ScaledImages
from deepkiso.data.regression import CURVES, Split, load_terrain, synthetic_loader
from deepkiso.functions import to_one_hot
from deepkiso.i18n import _


@dataclass(frozen=True)
class DatasetInfo:
    """What a data set is, without loading it.

    task: "classification" or "regression".
    input_shape: one sample's shape before flattening, e.g. (28, 28), (8, 8) or (1,).
    n_classes, class_names: for classification; None for regression.
    description: where the data come from and under which licence.
    pixel_max: the largest raw pixel value of an image set (normalize divides by it); None for regression.
    """

    name: str
    task: str
    input_shape: tuple[int, ...]
    n_classes: int | None
    class_names: tuple[str, ...] | None
    description: str
    pixel_max: int | None = None


class DatasetNotFoundError(FileNotFoundError):
    """The files of a data set are nowhere to be found and could not be downloaded."""


_DIGIT_NAMES = tuple(str(digit) for digit in range(10))

_INFOS = {
    info.name: info
    for info in (
        DatasetInfo(
            "digits",
            "classification",
            (8, 8),
            10,
            _DIGIT_NAMES,
            "8x8 handwritten digits, values 0..16 (normalize divides by 16): the test part of the "
            "UCI Optical Recognition of Handwritten Digits data set (E. Alpaydin, C. Kaynak, 1998), "
            "as scikit-learn ships it; CC BY 4.0. Embedded: 1,437 training and 360 test images.",
            pixel_max=16,
        ),
        DatasetInfo(
            "mnist",
            "classification",
            (28, 28),
            10,
            _DIGIT_NAMES,
            "MNIST handwritten digits, 60,000 training and 10,000 test images of 28x28 (Y. LeCun, "
            "C. Cortes, C. J. C. Burges); CC BY-SA 3.0. Downloaded on first use.",
            pixel_max=255,
        ),
        DatasetInfo(
            "fashion-mnist",
            "classification",
            (28, 28),
            10,
            (
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ),
            "Fashion-MNIST, Zalando's article images, 60,000 training and 10,000 test images of "
            "28x28 (H. Xiao, K. Rasul, R. Vollgraf, 2017); MIT licence. Found in Debian's "
            "dataset-fashion-mnist package, or downloaded on first use.",
            pixel_max=255,
        ),
        DatasetInfo(
            "kmnist",
            "classification",
            (28, 28),
            10,
            (
                "o (お)",
                "ki (き)",
                "su (す)",
                "tsu (つ)",
                "na (な)",
                "ha (は)",
                "ma (ま)",
                "ya (や)",
                "re (れ)",
                "wo (を)",
            ),
            "Kuzushiji-MNIST, cursive Japanese hiragana, 60,000 training and 10,000 test images of "
            "28x28 (T. Clanuwat et al., 2018; ROIS-DS Center for Open Data in the Humanities, from "
            "the NIJL Kuzushiji data set, doi:10.20676/00000341); CC BY-SA 4.0. Downloaded on first use.",
            pixel_max=255,
        ),
        DatasetInfo(
            "sine",
            "regression",
            (1,),
            None,
            None,
            "Synthetic: t = sin(pi x) + Gaussian noise; x uniform in [-1, 1] for training, evenly "
            "spaced for testing. Options: rng=0, n_samples=200, n_test=100, noise=0.1.",
        ),
        DatasetInfo(
            "cubic",
            "regression",
            (1,),
            None,
            None,
            "Synthetic: t = 4x^3 - 3x + Gaussian noise (two turning points, values in [-1, 1]); x as "
            "for sine. Options: rng=0, n_samples=200, n_test=100, noise=0.1.",
        ),
        DatasetInfo(
            "quadratic",
            "regression",
            (1,),
            None,
            None,
            "Synthetic: t = 2x^2 - 1 + Gaussian noise; x as for sine. "
            "Options: rng=0, n_samples=200, n_test=100, noise=0.1.",
        ),
        DatasetInfo(
            "terrain",
            "regression",
            (2,),
            None,
            None,
            "Real: elevation in metres over (longitude, latitude) on a 3-arc-second grid around the "
            "Jacksboro fault, Tennessee: matplotlib's sample data jacksboro_fault_dem.npz (a USGS "
            "elevation model), shipped with matplotlib. Option: stride=4 keeps every 4th grid point "
            "in each direction (8,686 points; stride=1 gives all 138,632). Every fifth point in "
            "row-major order is a test point. normalize scales x by the area's extent and t by the "
            "training set's lowest and highest point, both to [0, 1].",
        ),
    )
}

_MNIST_FORMAT = ("mnist", "fashion-mnist", "kmnist")

SYSTEM_DIRS: dict[str, tuple[str, ...]] = {
    "mnist": ("/usr/share/datasets/mnist",),
    "fashion-mnist": ("/usr/share/datasets/fashion-mnist",),
    "kmnist": ("/usr/share/datasets/kmnist",),
}

# part of the data set -> file name without ".gz", as the projects publish them
IDX_FILE_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "t_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "t_test": "t10k-labels-idx1-ubyte",
}
_WANTED = ", ".join(f"{file_name}[.gz]" for file_name in IDX_FILE_NAMES.values())


def available_datasets() -> list[str]:
    """Names load_dataset accepts: the classification sets, then the regression sets."""
    return list(_INFOS)


def dataset_info(name: str) -> DatasetInfo:
    """The DatasetInfo of name; ValueError naming the allowed names when it is unknown."""
    _check_name(name)
    return _INFOS[name]


def load_dataset(
    name: str,
    data_dir: str | os.PathLike | None = None,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    dtype: np.dtype | type = np.float32,
    compact: bool = False,
    **options,
) -> Split:
    """Load a data set as ((x_train, t_train), (x_test, t_test)).

    Classification ("digits", "mnist", "fashion-mnist", "kmnist"):
        x: (N, H*W) if flatten else (N, H, W), of dtype; normalize divides the pixel values by
        their maximum (255, or 16 for digits) so they lie in [0, 1].
        t: (N,) int64 labels, or (N, n_classes) one-hot rows of dtype if one_hot.
        Options for the MNIST-format sets: download=True (fetch into the cache when not found),
        progress=True (progress bar on stderr while downloading), mirror=None (a base URL tried
        before the recorded mirrors; default $DEEPKISO_MIRROR, see download.mirrors_for).
    Regression ("sine", "cubic", "quadratic", "terrain"): x (N, D), t (N, 1), both of dtype;
        flatten and one_hot do not apply. Options as dataset_info(name).description lists them.
    data_dir: the folder holding the MNIST-format files ("~" allowed); when given, nothing else is
        searched or downloaded. The other sets ignore it.
    compact: for an image set, x is a data.ScaledImages that keeps the stored uint8 pixels (a
        quarter of the memory) and gives the same float rows per batch and per chunk (flatten is
        then implied); the regression sets ignore it.
    Raises ValueError for an unknown name or option, IdxFormatError (a ValueError) for a corrupt
    file, DatasetNotFoundError when the files can be neither found nor downloaded.
    """
    info = dataset_info(name)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(
            _("load_dataset: dtype must be a floating type such as float32, got {dtype}").format(
                dtype=dtype
            )
        )
    loader, allowed = _LOADERS[name]
    if "rng" in allowed:
        renamed_option(f"load_dataset({name!r})", "seed", "rng", options)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = sorted(allowed) or _("none")
        raise ValueError(
            _("load_dataset({name!r}): unknown option(s) {unknown}; {name!r} takes {takes}").format(
                name=name, unknown=unknown, takes=takes
            )
        )
    if info.task == "regression":
        return loader(normalize=normalize, dtype=dtype, **options)
    (x_train, t_train), (x_test, t_test) = loader(data_dir=data_dir, **options)
    how = (info, normalize, flatten, one_hot, dtype, compact)
    return _prepare_images(x_train, t_train, *how), _prepare_images(x_test, t_test, *how)


def default_cache_dir(name: str) -> Path:
    """Where downloads of name go: $XDG_CACHE_HOME/deepkiso/name, or ~/.cache/deepkiso/name."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "deepkiso" / name


def locate_idx_files(
    name: str,
    data_dir: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    system_dirs: tuple[str, ...] | None = None,
    download: bool = True,
    mirrors: tuple[str, ...] | None = None,
    remote_files: tuple[_download.RemoteFile, ...] | None = None,
    progress: bool = True,
) -> dict[str, Path]:
    """Find the four IDX files of an MNIST-format set, downloading them if need be.

    data_dir given: the files must be there (raw or gzipped); nothing else is searched or
    downloaded, and a folder that is missing, not a folder or incomplete is a
    DatasetNotFoundError naming what is missing.
    Otherwise looks in cache_dir (default: default_cache_dir(name)), then system_dirs (default:
    SYSTEM_DIRS[name]); the first folder that holds all four files wins. Files in the cache are
    checked against their recorded checksums once per process (download.file_verified); one that
    does not match is passed over, and downloaded again. If download, the missing files are
    fetched into cache_dir from mirrors (default download.mirrors_for(name): $DEEPKISO_MIRROR
    first, then download.MIRRORS[name]) and checked against remote_files (default
    download.REMOTE_FILES[name]).
    Returns {"x_train": path, "t_train": path, "x_test": path, "t_test": path}.
    Raises DatasetNotFoundError with one message saying which files to put where.
    """
    if data_dir is not None:
        return _idx_files_in_data_dir(Path(data_dir).expanduser())
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir(name)
    system_dirs = SYSTEM_DIRS.get(name, ()) if system_dirs is None else system_dirs
    remote_files = _download.REMOTE_FILES[name] if remote_files is None else remote_files
    cached, rejected = _verified(_idx_files_in(cache_dir), remote_files)
    if len(cached) == len(IDX_FILE_NAMES):
        return cached
    system_folders = [Path(folder) for folder in system_dirs]
    for folder in system_folders:
        found = _idx_files_in(folder)
        if len(found) == len(IDX_FILE_NAMES):
            return found
    if not download:
        failure = _("downloading is switched off")
    else:
        try:
            mirrors = _download.mirrors_for(name) if mirrors is None else mirrors
            return {
                **cached,
                **_download_missing(cached, cache_dir, mirrors, remote_files, progress),
            }
        except OSError as exc:  # DownloadError, or a cache folder that cannot be written
            failure = _("download failed: {error}").format(error=exc)
    looked = ", ".join(str(folder) for folder in (cache_dir, *system_folders))
    unusable = ""
    if rejected:
        unusable = _(" (passed over, as not matching the recorded checksums: {files})").format(
            files=", ".join(map(str, rejected))
        )
    raise DatasetNotFoundError(
        _(
            "{name}: the data files are not in {looked}{unusable} and {failure}. Put {wanted} into "
            "{cache_dir}, or into a folder of your own and pass it as data_dir (--data-dir on the "
            "command line)"
        ).format(
            name=name,
            looked=looked,
            unusable=unusable,
            failure=failure,
            wanted=_WANTED,
            cache_dir=cache_dir,
        )
    )


def _check_name(name: str) -> None:
    if name not in _INFOS:
        raise ValueError(
            _("unknown data set {name!r}; choose one of {choices}").format(
                name=name, choices=available_datasets()
            )
        )


def _idx_files_in(folder: Path) -> dict[str, Path]:
    """The parts of the set present in folder, raw or gzipped, also as "train-images.idx3-ubyte"."""
    found = {}
    for part, file_name in IDX_FILE_NAMES.items():
        dotted = file_name.replace("-idx", ".idx")
        for candidate in (file_name, f"{file_name}.gz", dotted, f"{dotted}.gz"):
            if (folder / candidate).is_file():
                found[part] = folder / candidate
                break
    return found


def _idx_files_in_data_dir(folder: Path) -> dict[str, Path]:
    """The four files in a folder the user named, or a DatasetNotFoundError saying what is missing."""
    if not folder.exists():
        problem = _("no such folder")
    elif not folder.is_dir():
        problem = _("not a folder")
    else:
        found = _idx_files_in(folder)
        if len(found) == len(IDX_FILE_NAMES):
            return found
        lacking = (f"{name}[.gz]" for part, name in IDX_FILE_NAMES.items() if part not in found)
        problem = _("lacks {files}").format(files=", ".join(lacking))
    raise DatasetNotFoundError(
        _(
            "{folder}: {problem}; data_dir (--data-dir) must be a folder holding {wanted}, "
            "and no other folder is searched when it is given"
        ).format(folder=folder, problem=problem, wanted=_WANTED)
    )


def _verified(found: dict[str, Path], remote_files) -> tuple[dict[str, Path], list[Path]]:
    """Split found into the files that match their recorded checksums and those that do not.

    A file no recorded figure can judge (say raw MNIST, whose content has no recorded SHA-256)
    counts as verified: it was put there by hand, and the IDX reader still checks its structure.
    """
    verified, rejected = {}, []
    for part, path in found.items():
        remote = _remote_for(path, remote_files)
        if remote is None or _download.file_verified(path, remote):
            verified[part] = path
        else:
            rejected.append(path)
    return verified, rejected


def _remote_for(path: Path, remote_files) -> _download.RemoteFile | None:
    """The recorded figures that can judge the file at path: the served .gz by its checksums, a raw
    file only where the SHA-256 of its content is recorded."""
    for remote in remote_files:
        if path.name == remote.name or (
            path.name == remote.name.removesuffix(".gz") and remote.raw_sha256
        ):
            return remote
    return None


def _download_missing(present, cache_dir, mirrors, remote_files, progress) -> dict[str, Path]:
    """Download every part that is not in present into cache_dir; return {part: path} of those fetched."""
    fetched = {}
    for part, file_name in IDX_FILE_NAMES.items():
        if part in present:
            continue
        remote = next(r for r in remote_files if r.name.removesuffix(".gz") == file_name)
        fetched[part] = _download.download_file(remote, mirrors, cache_dir, progress=progress)
    return fetched


def _load_mnist_format(
    name: str,
    *,
    data_dir=None,
    download: bool = True,
    progress: bool = True,
    mirror: str | None = None,
):
    # the mirror's URL is checked even when the files are found without it, so a typo shows at once
    mirrors = _download.mirrors_for(name, mirror)
    paths = locate_idx_files(name, data_dir, download=download, progress=progress, mirrors=mirrors)
    images_and_labels = []
    for x_part, t_part in (("x_train", "t_train"), ("x_test", "t_test")):
        x, t = read_idx(paths[x_part]), read_idx(paths[t_part])
        _check_images_and_labels(paths[x_part], x, paths[t_part], t, _INFOS[name])
        images_and_labels.append((x, t))
    return images_and_labels[0], images_and_labels[1]


def _check_images_and_labels(
    x_path: Path, x: np.ndarray, t_path: Path, t: np.ndarray, info: DatasetInfo
) -> None:
    if x.dtype != np.uint8 or x.shape[1:] != info.input_shape:
        h, w = info.input_shape
        raise ValueError(
            _(
                "{path}: expected unsigned-byte images of shape (N, {h}, {w}), "
                "found {dtype} of shape {shape}"
            ).format(path=x_path, h=h, w=w, dtype=x.dtype, shape=x.shape)
        )
    if t.dtype != np.uint8 or t.ndim != 1:
        raise ValueError(
            _(
                "{path}: expected a 1-D array of unsigned-byte labels, found {dtype} of shape {shape}"
            ).format(path=t_path, dtype=t.dtype, shape=t.shape)
        )
    if len(t) != len(x):
        raise ValueError(
            _("{t_path}: holds {n_labels} labels but {x_path} holds {n_images} images").format(
                t_path=t_path, n_labels=len(t), x_path=x_path, n_images=len(x)
            )
        )
    assert info.n_classes is not None  # the image sets are all classification sets
    if t.max() >= info.n_classes:
        raise ValueError(
            _("{path}: labels must be 0..{last}, found {found}").format(
                path=t_path, last=info.n_classes - 1, found=int(t.max())
            )
        )


def _load_digits(*, data_dir=None):
    # data_dir is accepted like for the other image sets; the embedded file needs no folder
    with resources.files(__package__).joinpath("digits.npz").open("rb") as file:
        with np.load(file, allow_pickle=False) as archive:
            parts = {key: archive[key] for key in ("x_train", "t_train", "x_test", "t_test")}
    return (parts["x_train"], parts["t_train"]), (parts["x_test"], parts["t_test"])


def _prepare_images(x, t, info, normalize, flatten, one_hot, dtype, compact=False):
    """Raw images (N, H, W) and labels (N,) -> training arrays as load_dataset documents them."""
    labels = t.astype(np.int64)
    if compact:
        images = ScaledImages(x, info.pixel_max if normalize else None, dtype)
        return images, (to_one_hot(labels, info.n_classes, dtype) if one_hot else labels)
    x = x.astype(dtype)
    if normalize:
        # in place on purpose: x is the fresh copy astype just made
        x /= info.pixel_max
    if flatten:
        x = x.reshape(len(x), -1)
    if one_hot:
        return x, to_one_hot(labels, info.n_classes, dtype)
    return x, labels


# name -> (loader, the options it takes beyond load_dataset's own arguments)
_LOADERS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "digits": (_load_digits, ()),
    **{
        name: (functools.partial(_load_mnist_format, name), ("download", "progress", "mirror"))
        for name in _MNIST_FORMAT
    },
    **{name: (synthetic_loader(name), ("rng", "n_samples", "n_test", "noise")) for name in CURVES},
    "terrain": (load_terrain, ("stride",)),
}
