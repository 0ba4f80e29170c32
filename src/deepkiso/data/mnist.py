"""``load_mnist`` with the book's signature, so a course notebook's data line has a one-line replacement:

    from dataset.mnist import load_mnist          # the book's layout
    from deepkiso.data import load_mnist          # the same call, the same arrays

The files are found as ``load_dataset`` finds them (a folder you name, the Debian package's
``/usr/share/datasets``, deepkiso's cache) and downloaded only when no copy exists.
"""

from __future__ import annotations

import os

import numpy as np

from deepkiso.data.datasets import _LOADERS, dataset_info
from deepkiso.functions import to_one_hot
from deepkiso.i18n import _

__all__ = ["load_mnist"]

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    dataset: str = "mnist",
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    progress: bool = True,
) -> Arrays:
    """((x_train, t_train), (x_test, t_test)) of an MNIST-format image set, as the book returns them.

    normalize: pixels as float32 in [0, 1] (divided by 255, 16 for digits); False keeps the stored
        values (uint8).
    flatten: images as rows (N, 784); False gives (N, 1, 28, 28), one channel first.
    one_hot_label: labels as one-hot float32 rows (N, 10); False gives (N,) int64 class numbers.
    dataset: "mnist", "fashion-mnist", "kmnist" (or the embedded "digits", 8×8 pixels of 0..16).
    data_dir, download, progress: as for load_dataset (a folder holding the four IDX files; fetch
        into the cache when no copy is found; a progress bar on stderr while downloading).
    Raises ValueError for a name that is not an image set, DatasetNotFoundError when the files can
    be neither found nor downloaded, IdxFormatError for a corrupt file.
    """
    info = dataset_info(dataset)
    if info.pixel_max is None:
        raise ValueError(
            _("load_mnist: {name!r} is not an image set; use one of {names}").format(
                name=dataset, names=", ".join(_image_sets())
            )
        )
    loader, allowed = _LOADERS[dataset]
    options = {
        k: v for k, v in {"download": download, "progress": progress}.items() if k in allowed
    }
    (x_train, t_train), (x_test, t_test) = loader(data_dir=data_dir, **options)
    how = (info.pixel_max, info.n_classes or 0, normalize, flatten, one_hot_label)
    return _as_the_book_returns(x_train, t_train, *how), _as_the_book_returns(x_test, t_test, *how)


def _image_sets() -> list[str]:
    return [name for name in _LOADERS if dataset_info(name).pixel_max is not None]


def _as_the_book_returns(
    images: np.ndarray,
    labels: np.ndarray,
    pixel_max: int,
    n_classes: int,
    normalize: bool,
    flatten: bool,
    one_hot_label: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Stored images (N, H, W) and labels (N,) -> the book's arrays (see load_mnist)."""
    x = images.astype(np.float32) / np.float32(pixel_max) if normalize else images
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *images.shape[1:])
    t = labels.astype(np.int64)
    return x, (to_one_hot(t, n_classes, np.float32) if one_hot_label else t)
