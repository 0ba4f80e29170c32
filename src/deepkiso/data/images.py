"""Images kept as their stored pixels (uint8) and seen as the float rows a net trains on.

A Fashion-MNIST training set is 47 MB as bytes and 188 MB as float32. ``ScaledImages`` keeps the
bytes and converts on the way out: a mini-batch gathered with ``take`` and a chunk sliced for the
evaluation are scaled into float32 as they are read, in one pass each. The numbers are those
``load_dataset`` gives in float32 — the same conversion and the same division by the largest
pixel value, done per batch instead of once — so training on either gives the same weights, bit
for bit.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from deepkiso.i18n import _

__all__ = ["ScaledImages"]


class ScaledImages:
    """The images pixels / pixel_max as dtype (float32), flattened to rows, without storing them so.

    pixels: (N, H, W) or (N, D) integer pixels, kept as they are (not copied).
    pixel_max: what normalize divides by (255, or 16 for digits); None keeps the raw values.
    Looks like the (N, H*W) float array to the Trainer and evaluate: len, shape, ndim, dtype,
    ``take(index, axis=0, out=…)``, ``rows(start, stop, out=…)`` and slicing give float rows; ``np.asarray`` makes the whole array.
    """

    def __init__(
        self,
        pixels: np.ndarray,
        pixel_max: int | None,
        dtype: np.dtype[Any] | type = np.float32,
    ) -> None:
        if pixels.dtype.kind not in "iu" or pixels.ndim < 2:
            raise ValueError(
                _(
                    "ScaledImages: pixels must be an integer array (N, …); got {dtype} of shape {shape}"
                ).format(dtype=pixels.dtype, shape=pixels.shape)
            )
        self.pixels = pixels.reshape(len(pixels), -1)
        self.dtype = np.dtype(dtype)
        self.pixel_max = pixel_max
        # A strong scalar of the float type: pixels / it runs in that type, as x /= pixel_max does
        # on the float copy that load_dataset makes.
        self._divisor = None if pixel_max is None else self.dtype.type(pixel_max)
        self._gathered = np.empty((0, self.pixels.shape[1]), self.pixels.dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.pixels.shape

    @property
    def ndim(self) -> int:
        return 2

    @property
    def nbytes(self) -> int:
        """The bytes held (the pixels), not those of the float array it stands for."""
        return int(self.pixels.nbytes)

    def __len__(self) -> int:
        return len(self.pixels)

    def take(
        self,
        index: np.ndarray,
        axis: int = 0,
        out: np.ndarray | None = None,
        mode: Literal["raise", "wrap", "clip"] = "raise",
    ) -> np.ndarray:
        """Rows index, scaled: (len(index), D) of dtype, written into out when given."""
        if axis != 0:
            raise ValueError(
                _("ScaledImages.take gathers rows only (axis=0); got axis={axis}").format(axis=axis)
            )
        n = len(index)
        if len(self._gathered) < n:  # one byte buffer, grown to the largest batch
            self._gathered = np.empty((n, self.pixels.shape[1]), self.pixels.dtype)
        gathered = self.pixels.take(index, axis=0, out=self._gathered[:n], mode=mode)
        return self._scaled(gathered, out)

    def rows(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Rows start:stop, scaled (into out when given): a chunk of the evaluation, with no gather."""
        return self._scaled(self.pixels[start:stop], out)

    def __getitem__(self, key: Any) -> np.ndarray:
        """Rows key (a slice, an index array), scaled."""
        return self._scaled(self.pixels[key], None)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self._scaled(self.pixels, None)
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def _scaled(self, pixels: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        if out is None:
            out = np.empty(pixels.shape, self.dtype)
        if self._divisor is None:
            out[...] = pixels
            return out
        return np.divide(pixels, self._divisor, out=out)
