"""Reading and writing IDX files, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST.

Exercise 2_10 trains a two-layer net on MNIST-format images; this module is how those files get
into NumPy. An IDX file is a 4-byte magic number ``00 00 TT DD`` (``TT`` the element type, ``DD``
the number of dimensions), ``DD`` big-endian unsigned 32-bit dimension sizes, then the elements in
row-major order, big-endian. Files may be gzip-compressed; the reader tells by the content, not the
name.

Element types (type code -> NumPy dtype, all big-endian in the file):

    0x08 unsigned byte  >u1      0x0B short   >i2      0x0D float   >f4
    0x09 signed byte    >i1      0x0C int     >i4      0x0E double  >f8
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from deepkiso.files import write_file_atomically

IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


class IdxFormatError(ValueError):
    """A file that is not a well-formed IDX file; the message names the file and the fault."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into an array of the shape its header declares.

    Returns a read-only array whose dtype is the file's big-endian type (``>u1`` for MNIST images
    and labels); it is a view on the file's bytes, made with ``numpy.frombuffer`` without further
    copies. Convert with ``.astype(...)`` to compute with it or change it.
    Raises IdxFormatError (a ValueError) naming the file when the gzip stream is corrupt, the magic
    number, type code or dimensions are wrong, or the payload is shorter or longer than declared.
    """
    path = Path(path)
    data = _read_bytes(path)
    dtype, shape, header_size = _parse_header(path, data)
    expected = header_size + int(np.prod(shape, dtype=object)) * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "has extra bytes after the payload"
        raise IdxFormatError(
            f"{path}: {problem} (header declares shape {shape} of {dtype.name} big-endian, "
            f"expected {expected} bytes, found {len(data)})"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size)
    return array.reshape(shape)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write array as an IDX file; gzip-compressed when path ends with ``.gz``.

    array: at least 1-D, every dimension between 1 and 2**32 - 1, dtype one of uint8, int8,
    int16, int32, float32, float64 (any byte order; the file is big-endian).
    The file is written under a temporary name in the same folder and renamed when complete, so a
    crash never leaves half a file behind.
    """
    path = Path(path)
    array = np.asarray(array)
    type_code = _type_code_for(array.dtype)
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"write_idx: IDX holds arrays of 1 to 255 dimensions, got shape {array.shape}")
    if min(array.shape) < 1 or max(array.shape) > 0xFFFFFFFF:
        raise ValueError(f"write_idx: every dimension must be 1 to 2**32 - 1, got shape {array.shape}")
    header = bytes([0, 0, type_code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=IDX_DTYPES[type_code]).tobytes()
    content = header + payload
    if path.name.endswith(".gz"):
        # mtime=0: the same array always gives the same bytes, so checksums of written files are stable
        content = gzip.compress(content, mtime=0)
    write_file_atomically(path, content)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it starts with the gzip magic number."""
    data = path.read_bytes()
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise IdxFormatError(f"{path}: corrupt gzip stream ({exc})") from exc


def _parse_header(path: Path, data: bytes) -> tuple[np.dtype, tuple[int, ...], int]:
    """Check the magic number and dimensions; return (dtype, shape, header size in bytes)."""
    if len(data) < 4:
        raise IdxFormatError(f"{path}: truncated header (expected at least 4 bytes, found {len(data)})")
    if data[0] != 0 or data[1] != 0:
        raise IdxFormatError(
            f"{path}: bad magic number 0x{data[:4].hex()} (an IDX file starts with 0x0000, "
            f"then the type code and the number of dimensions)"
        )
    type_code, ndim = data[2], data[3]
    if type_code not in IDX_DTYPES:
        allowed = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
        raise IdxFormatError(f"{path}: unknown type code 0x{type_code:02X} (expected one of {allowed})")
    if ndim == 0:
        raise IdxFormatError(f"{path}: header declares 0 dimensions (expected at least 1)")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IdxFormatError(
            f"{path}: truncated header ({ndim} dimensions need {header_size} bytes, found {len(data)})"
        )
    shape = tuple(int(size) for size in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    if 0 in shape:
        raise IdxFormatError(f"{path}: header declares an empty dimension, shape {shape}")
    return IDX_DTYPES[type_code], shape, header_size


def _type_code_for(dtype: np.dtype) -> int:
    for code, idx_dtype in IDX_DTYPES.items():
        if dtype.kind == idx_dtype.kind and dtype.itemsize == idx_dtype.itemsize:
            return code
    allowed = ", ".join(d.newbyteorder("=").name for d in IDX_DTYPES.values())
    raise ValueError(f"write_idx: IDX cannot hold dtype {dtype}; use one of {allowed}")

