"""load_mnist: the book's signature and arrays, from the files load_dataset finds, offline."""

import numpy as np
import pytest

from deepkiso.data import DatasetNotFoundError, load_dataset, load_mnist, write_idx

NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture
def mnist_folder(tmp_path):
    """A tiny MNIST-format set (6 training, 3 test images) and the arrays written."""
    rng = np.random.default_rng(1)
    arrays = (
        rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, 6, dtype=np.uint8),
        rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, 3, dtype=np.uint8),
    )
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name, array in zip(NAMES, arrays, strict=True):
        write_idx(folder / f"{name}.gz", array)
    return folder, arrays


def test_the_book_defaults_give_normalized_rows_and_class_numbers(mnist_folder):
    folder, (x_raw, t_raw, _x_test_raw, t_test_raw) = mnist_folder
    (x, t), (x_test, t_test) = load_mnist(data_dir=folder)
    assert x.shape == (6, 784) and x.dtype == np.float32
    assert x_test.shape == (3, 784)
    np.testing.assert_array_equal(x, x_raw.reshape(6, -1).astype(np.float32) / 255)
    assert t.dtype == np.int64 and np.array_equal(t, t_raw) and np.array_equal(t_test, t_test_raw)
    assert x.min() >= 0.0 and x.max() <= 1.0


def test_positional_flags_as_the_book_passes_them(mnist_folder):
    folder, (x_raw, t_raw, _x, _t) = mnist_folder
    (x, t), _test = load_mnist(False, False, True, data_dir=folder)
    assert x.shape == (6, 1, 28, 28) and x.dtype == np.uint8
    np.testing.assert_array_equal(x[:, 0], x_raw)
    assert t.shape == (6, 10) and t.dtype == np.float32
    np.testing.assert_array_equal(t.argmax(axis=1), t_raw)
    assert np.all(t.sum(axis=1) == 1)


def test_the_same_numbers_as_load_dataset(mnist_folder):
    folder, _arrays = mnist_folder
    (x, t), (x_test, t_test) = load_mnist(normalize=True, flatten=True, data_dir=folder)
    (xd, td), (xd_test, td_test) = load_dataset("mnist", data_dir=folder, download=False)
    for a, b in ((x, xd), (t, td), (x_test, xd_test), (t_test, td_test)):
        np.testing.assert_array_equal(a, b)


def test_other_image_sets_by_name():
    (x, t), (x_test, _t_test) = load_mnist(flatten=False, dataset="digits")
    assert x.shape[1:] == (1, 8, 8) and x.dtype == np.float32 and x.max() <= 1.0
    assert len(x) == len(t) == 1437 and len(x_test) == 360


def test_no_copy_and_no_download_is_one_clear_error(tmp_path):
    with pytest.raises(DatasetNotFoundError):
        load_mnist(data_dir=tmp_path / "empty", download=False)


def test_a_regression_set_is_refused_with_the_image_sets():
    with pytest.raises(ValueError, match="'sine' is not an image set; use one of digits, mnist"):
        load_mnist(dataset="sine")
