"""The regression sets of exercise 2_11: curves with noise (sine, cubic, quadratic) and real elevation
over longitude and latitude (terrain), as load_dataset returns them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from deepkiso.i18n import _

__all__ = ["CURVES", "synthetic_loader", "load_terrain"]

# ((x_train, t_train), (x_test, t_test)), as load_dataset returns every set
Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

CURVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sine": lambda x: np.sin(np.pi * x),
    "cubic": lambda x: 4 * x**3 - 3 * x,
    "quadratic": lambda x: 2 * x**2 - 1,
}


def synthetic_loader(name: str):
    curve = CURVES[name]

    def load(
        *,
        normalize: bool,
        dtype: np.dtype,
        rng: int | np.random.Generator | None = 0,
        n_samples: int = 200,
        n_test: int = 100,
        noise: float = 0.1,
    ) -> Split:
        # normalize has nothing to do: x already lies in [-1, 1] and t in about [-1, 1]
        _check_positive_int(name, "n_samples", n_samples)
        _check_positive_int(name, "n_test", n_test)
        if not noise >= 0:
            raise ValueError(
                _("load_dataset({name!r}): noise must be >= 0, got {noise}").format(
                    name=name, noise=noise
                )
            )
        rng = np.random.default_rng(rng)
        x_train = rng.uniform(-1.0, 1.0, size=(n_samples, 1))
        t_train = curve(x_train) + noise * rng.standard_normal((n_samples, 1))
        # an evenly spaced test set, so a fitted curve is drawn and judged over the whole interval
        x_test = np.linspace(-1.0, 1.0, n_test).reshape(n_test, 1)
        t_test = curve(x_test) + noise * rng.standard_normal((n_test, 1))
        return (x_train.astype(dtype), t_train.astype(dtype)), (
            x_test.astype(dtype),
            t_test.astype(dtype),
        )

    return load


def _check_positive_int(name: str, option: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            _("load_dataset({name!r}): {option} must be a positive integer, got {value!r}").format(
                name=name, option=option, value=value
            )
        )


def load_terrain(*, normalize: bool, dtype: np.dtype, stride: int = 4) -> Split:
    from matplotlib import cbook

    _check_positive_int("terrain", "stride", stride)
    with np.load(
        cbook.get_sample_data("jacksboro_fault_dem.npz", asfileobj=False), allow_pickle=False
    ) as dem:
        elevation = dem["elevation"]
        # the file's "ymin" is the latitude of the first (northern) row: rows run southwards
        west, north, step_x, step_y = (
            float(dem["xmin"]),
            float(dem["ymin"]),
            float(dem["dx"]),
            float(dem["dy"]),
        )
    rows, cols = elevation.shape
    row_index, col_index = np.meshgrid(
        np.arange(0, rows, stride), np.arange(0, cols, stride), indexing="ij"
    )
    longitude = west + col_index.ravel() * step_x
    latitude = north - row_index.ravel() * step_y
    x = np.column_stack([longitude, latitude])
    t = elevation[row_index, col_index].reshape(-1, 1).astype(np.float64)
    if normalize:
        extent_low = np.array([west, north - (rows - 1) * step_y])
        extent_size = np.array([(cols - 1) * step_x, (rows - 1) * step_y])
        x = (x - extent_low) / extent_size
    is_test = np.arange(len(x)) % 5 == 4
    x_train, t_train, x_test, t_test = x[~is_test], t[~is_test], x[is_test], t[is_test]
    if normalize:
        low, high = t_train.min(), t_train.max()
        t_train, t_test = (t_train - low) / (high - low), (t_test - low) / (high - low)
    return (x_train.astype(dtype), t_train.astype(dtype)), (
        x_test.astype(dtype),
        t_test.astype(dtype),
    )
