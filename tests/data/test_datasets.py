"""Tests for deepkiso.data.datasets: every set loads in the documented shapes, from the documented places."""

import re
from pathlib import Path

import numpy as np
import pytest

from deepkiso.data import (
    DatasetInfo,
    DatasetNotFoundError,
    IdxFormatError,
    available_datasets,
    dataset_info,
    load_dataset,
    write_idx,
)
from deepkiso.data.datasets import locate_idx_files

IMAGE_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Keep every test away from the real user cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def make_mnist_folder(folder, n_train=8, n_test=4, seed=0, suffix=".gz", labels_max=9):
    """A tiny MNIST-format set in folder; returns the arrays written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = (
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        rng.integers(0, labels_max + 1, n_train, dtype=np.uint8),
        rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, labels_max + 1, n_test, dtype=np.uint8),
    )
    for name, array in zip(IMAGE_FILES, arrays, strict=True):
        write_idx(folder / (name + suffix), array)
    return arrays


def test_available_datasets_lists_the_image_and_regression_sets():
    assert available_datasets() == [
        "digits",
        "mnist",
        "fashion-mnist",
        "kmnist",
        "sine",
        "cubic",
        "quadratic",
        "terrain",
    ]
    for name in available_datasets():
        info = dataset_info(name)
        assert isinstance(info, DatasetInfo) and info.name == name and info.description
        assert (info.n_classes is None) == (info.task == "regression") == (info.class_names is None)


@pytest.mark.parametrize("call", [load_dataset, dataset_info])
def test_an_unknown_name_is_refused_with_the_allowed_names(call):
    with pytest.raises(
        ValueError, match=r"unknown data set 'mnits'; choose one of \['digits', 'mnist', "
    ):
        call("mnits")


def test_digits_load_offline_as_normalized_flat_float32_with_int64_labels():
    (x_train, t_train), (x_test, t_test) = load_dataset("digits")
    assert x_train.shape == (1437, 64) and x_test.shape == (360, 64)
    assert x_train.dtype == np.float32 and t_train.dtype == np.int64
    assert x_train.min() == 0 and x_train.max() == 1
    assert set(t_train) == set(t_test) == set(range(10))
    # the fixed stratified split: a fifth of each class, within one image
    per_class = np.bincount(np.concatenate([t_train, t_test]))
    assert np.all(np.abs(np.bincount(t_test) - per_class * 360 / 1797) < 1)


def test_digits_options_flatten_normalize_one_hot_dtype():
    (x, t), _ = load_dataset(
        "digits", flatten=False, normalize=False, one_hot=True, dtype=np.float64
    )
    assert x.shape == (1437, *dataset_info("digits").input_shape) and x.dtype == np.float64
    assert x.max() == 16 and np.all(x == np.round(x))
    assert t.shape == (1437, 10) and t.dtype == np.float64 and np.all(t.sum(axis=1) == 1)
    (_, labels), _ = load_dataset("digits")
    np.testing.assert_array_equal(t.argmax(axis=1), labels)


def test_mnist_format_files_in_data_dir_load_raw_or_gzipped(tmp_path):
    x_train, t_train, _x_test, t_test = make_mnist_folder(tmp_path / "mine", suffix="")
    (xa, ta), (xb, tb) = load_dataset("mnist", data_dir=tmp_path / "mine", download=False)
    assert xa.shape == (8, 784) and xb.shape == (4, 784) and xa.dtype == np.float32
    np.testing.assert_allclose(xa, x_train.reshape(8, 784) / 255)
    np.testing.assert_array_equal(ta, t_train)
    np.testing.assert_array_equal(tb, t_test)
    make_mnist_folder(tmp_path / "zipped", seed=1)
    (xa, _), _ = load_dataset(
        "fashion-mnist", data_dir=tmp_path / "zipped", flatten=False, normalize=False
    )
    assert xa.shape == (8, 28, 28) and xa.max() > 1


def test_the_dotted_file_names_are_found_too(tmp_path):
    folder = tmp_path / "dotted"
    make_mnist_folder(folder)
    for name in IMAGE_FILES:
        (folder / f"{name}.gz").rename(folder / f"{name.replace('-idx', '.idx')}.gz")
    paths = locate_idx_files("mnist", folder, system_dirs=(), download=False)
    assert paths["t_test"].name == "t10k-labels.idx1-ubyte.gz"


def test_without_data_dir_the_cache_comes_first_then_the_system_folder(tmp_path):
    cache, system = tmp_path / "cache", tmp_path / "system"
    for folder in (cache, system):
        make_mnist_folder(folder)

    def found_in():
        # remote_files=(): no recorded checksum judges these home-made files
        paths = locate_idx_files(
            "kmnist", cache_dir=cache, system_dirs=(str(system),), download=False, remote_files=()
        )
        assert len({path.parent for path in paths.values()}) == 1, (
            "all four files come from one folder"
        )
        return paths["x_train"].parent

    assert found_in() == cache
    (cache / "train-images-idx3-ubyte.gz").unlink()  # an incomplete folder is passed over
    assert found_in() == system


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda mine: None, "no such folder"),
        (lambda mine: mine.write_text("a file"), "not a folder"),
        (
            lambda mine: make_mnist_folder(mine) and (mine / "t10k-labels-idx1-ubyte.gz").unlink(),
            r"lacks t10k-labels-idx1-ubyte\[\.gz\]",
        ),
        (
            lambda mine: mine.mkdir(),
            r"lacks train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], "
            r"t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\]",
        ),
    ],
    ids=["missing", "a file", "incomplete", "empty"],
)
def test_a_data_dir_that_lacks_the_files_is_an_error_not_a_fall_back(tmp_path, make, problem):
    mine, cache, system = tmp_path / "mine", tmp_path / "cache", tmp_path / "system"
    for folder in (cache, system):
        make_mnist_folder(folder)  # complete copies elsewhere must not be used instead
    make(mine)
    message = (
        rf"{re.escape(str(mine))}: {problem}; data_dir \(--data-dir\) must be a folder holding "
        rf"train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\], "
        rf"t10k-labels-idx1-ubyte\[\.gz\], and no other folder is searched when it is given$"
    )
    with pytest.raises(DatasetNotFoundError, match=message):
        locate_idx_files(
            "kmnist", mine, cache_dir=cache, system_dirs=(str(system),), remote_files=()
        )


def test_the_user_cache_follows_xdg_cache_home(tmp_path):
    # raw files: no recorded checksum judges KMNIST's decompressed content, so home-made ones are used
    make_mnist_folder(tmp_path / "xdg-cache" / "deepkiso" / "kmnist", suffix="")
    (x, _), _ = load_dataset("kmnist", download=False)
    assert x.shape == (8, 784)


def test_labels_out_of_range_name_the_file(tmp_path):
    make_mnist_folder(tmp_path / "bad", labels_max=12)
    with pytest.raises(
        ValueError, match=r"train-labels-idx1-ubyte.gz: labels must be 0..9, found 1[0-2]"
    ):
        load_dataset("mnist", data_dir=tmp_path / "bad", download=False)


def test_images_and_labels_of_different_counts_name_both_files(tmp_path):
    folder = tmp_path / "bad"
    make_mnist_folder(folder)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    message = (
        r"t10k-labels-idx1-ubyte.gz: holds 3 labels but .*t10k-images-idx3-ubyte.gz holds 4 images"
    )
    with pytest.raises(ValueError, match=message):
        load_dataset("mnist", data_dir=folder, download=False)


def test_images_of_the_wrong_shape_name_the_file(tmp_path):
    folder = tmp_path / "bad"
    make_mnist_folder(folder)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((8, 8, 8), np.uint8))
    with pytest.raises(
        ValueError,
        match=r"train-images-idx3-ubyte.gz: expected unsigned-byte images of shape "
        r"\(N, 28, 28\), found uint8 of shape \(8, 8, 8\)",
    ):
        load_dataset("mnist", data_dir=folder, download=False)


def test_a_corrupt_file_in_data_dir_raises_the_idx_error(tmp_path):
    folder = tmp_path / "bad"
    make_mnist_folder(folder)
    header = bytes.fromhex(
        "00000803 00000008 0000001c 0000001c"
    )  # 8 images of 28x28, then only 20 bytes
    (folder / "train-images-idx3-ubyte.gz").write_bytes(header + bytes(20))
    with pytest.raises(IdxFormatError, match=r"train-images-idx3-ubyte.gz: truncated"):
        load_dataset("mnist", data_dir=folder, download=False)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"name": "digits", "seed": 1},
            r"load_dataset\('digits'\): unknown option\(s\) \['seed'\]; 'digits' takes none",
        ),
        (
            {"name": "sine", "stride": 2},
            r"unknown option\(s\) \['stride'\]; 'sine' takes \['n_samples', 'n_test', 'noise', 'rng'\]",
        ),
        (
            {"name": "digits", "dtype": np.int32},
            r"dtype must be a floating type such as float32, got int32",
        ),
        (
            {"name": "sine", "n_samples": 0},
            r"load_dataset\('sine'\): n_samples must be a positive integer, got 0",
        ),
        ({"name": "cubic", "noise": -1.0}, r"noise must be >= 0, got -1.0"),
    ],
)
def test_load_dataset_says_which_argument_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_dataset(**kwargs)


@pytest.mark.parametrize(
    "name, curve",
    [
        ("sine", lambda x: np.sin(np.pi * x)),
        ("cubic", lambda x: 4 * x**3 - 3 * x),
        ("quadratic", lambda x: 2 * x**2 - 1),
    ],
)
def test_synthetic_regression_sets_follow_their_curve(name, curve):
    (x, t), (x_test, t_test) = load_dataset(name, noise=0.0, dtype=np.float64)
    assert x.shape == t.shape == (200, 1) and x_test.shape == t_test.shape == (100, 1)
    assert x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(t, curve(x))
    np.testing.assert_allclose(x_test.ravel(), np.linspace(-1, 1, 100))
    np.testing.assert_allclose(t_test, curve(x_test))


def test_synthetic_sets_are_reproducible_per_seed():
    (x1, t1), _ = load_dataset("sine", rng=3, n_samples=50)
    (x2, t2), _ = load_dataset(
        "sine", rng=3, n_samples=50, one_hot=True, flatten=False
    )  # these do not apply
    (x3, _), _ = load_dataset("sine", rng=4, n_samples=50)
    assert x1.dtype == t1.dtype == np.float32 and x1.shape == (50, 1)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(t1, t2)
    assert not np.array_equal(x1, x3)
    noise = t1 - np.sin(np.pi * x1)
    assert 0.05 < noise.std() < 0.15  # noise=0.1 by default


def test_terrain_is_real_elevation_over_longitude_and_latitude():
    (x, t), (x_test, _t_test) = load_dataset("terrain", normalize=False, dtype=np.float64)
    assert x.shape[1] == 2 and t.shape == (len(x), 1) and len(x) + len(x_test) == 86 * 101
    assert x[:, 0].min() > -84.42 and x[:, 0].max() < -84.07  # longitude, degrees east
    assert x[:, 1].min() > 36.44 and x[:, 1].max() < 36.74  # latitude, degrees north
    assert t.min() > 200 and t.max() < 1100  # metres
    (x, t), (x_test, _t_test) = load_dataset("terrain", stride=1)
    assert len(x) + len(x_test) == 344 * 403 and len(x_test) == 344 * 403 // 5
    assert x.dtype == t.dtype == np.float32
    assert x.min() == 0 and x.max() == 1 and t.min() == 0 and t.max() == 1


DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(
    not DEBIAN_FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed"
)
def test_fashion_mnist_loads_from_the_debian_package_without_network():
    (x_train, t_train), (x_test, t_test) = load_dataset("fashion-mnist", download=False)
    assert x_train.shape == (60_000, 784) and x_test.shape == (10_000, 784)
    assert np.all(np.bincount(t_train) == 6000) and np.all(np.bincount(t_test) == 1000)
    assert x_train.dtype == np.float32 and x_train.min() >= 0 and x_train.max() == 1


def test_data_dir_may_start_with_a_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    make_mnist_folder(tmp_path / "mine")
    (x, _), _ = load_dataset("mnist", data_dir="~/mine", download=False)
    assert x.shape == (8, 784)


def test_seed_is_a_deprecated_name_of_rng_for_the_synthetic_sets():
    (x_new, _), _ = load_dataset("sine", rng=3, n_samples=20)
    with pytest.warns(DeprecationWarning, match=r"load_dataset\('sine'\): seed= is deprecated"):
        (x_old, _), _ = load_dataset("sine", seed=3, n_samples=20)
    np.testing.assert_array_equal(x_old, x_new)
