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
import io
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from deepkiso.files import write_file_atomically
from deepkiso.i18n import _

IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK_BYTES = 1 << 20

# Deflate, the compression inside gzip, cannot inflate one byte to more than 1032 bytes
# (a 258-byte match costs at least 2 bits), so a gzip file of n bytes never holds more than
# 1032 * n: a header declaring more is refused without reading on.
GZIP_MAX_RATIO = 1032


class IdxFormatError(ValueError):
    """A file that is not a well-formed IDX file; the message names the file and the fault."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into an array of the shape its header declares.

    Returns a read-only array whose dtype is the file's big-endian type (``>u1`` for MNIST images
    and labels). Convert with ``.astype(...)`` to compute with it or change it.
    The header is checked before anything else is read, and the payload is read into an array of
    the declared size and no further, so a decompression bomb costs no more memory than the
    shape its header declares: a declared size larger than the file can hold (the file's own size
    for a raw file, ``GZIP_MAX_RATIO`` times it for a gzip file) is refused before allocating.
    Raises IdxFormatError (a ValueError) naming the file when the gzip stream is corrupt, the magic
    number, type code or dimensions are wrong, or the payload is shorter or longer than declared.
    """
    path = Path(path)
    with open(path, "rb") as file:
        compressed = file.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        file.seek(0)
        file_size = os.fstat(file.fileno()).st_size
        stream = gzip.GzipFile(fileobj=file, mode="rb") if compressed else file
        with _gzip_errors(path, compressed):
            dtype, shape, header_size = _read_header(path, stream)
            expected = header_size + int(np.prod(shape, dtype=object)) * dtype.itemsize
            _check_declared_size(path, dtype, shape, expected, file_size, compressed)
            payload, extra = _read_payload(stream, expected - header_size)
    if len(payload) < expected - header_size or extra:
        problem = _("has extra bytes after the payload") if extra else _("truncated")
        if not compressed:
            found = str(file_size)
        elif extra:
            # the rest of a (possibly huge) stream is never inflated
            found = _("more than {expected}").format(expected=expected)
        else:
            found = str(header_size + len(payload))
        raise IdxFormatError(
            _(
                "{path}: {problem} (header declares shape {shape} of {dtype} big-endian, "
                "expected {expected} bytes, found {found})"
            ).format(
                path=path,
                problem=problem,
                shape=shape,
                dtype=dtype.name,
                expected=expected,
                found=found,
            )
        )
    array = payload.view(dtype).reshape(shape)
    array.flags.writeable = False
    return array


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
        raise ValueError(
            _("write_idx: IDX holds arrays of 1 to 255 dimensions, got shape {shape}").format(
                shape=array.shape
            )
        )
    if min(array.shape) < 1 or max(array.shape) > 0xFFFFFFFF:
        raise ValueError(
            _("write_idx: every dimension must be 1 to 2**32 - 1, got shape {shape}").format(
                shape=array.shape
            )
        )
    header = bytes([0, 0, type_code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=IDX_DTYPES[type_code]).tobytes()
    content = header + payload
    if path.name.endswith(".gz"):
        # mtime=0: the same array always gives the same bytes, so checksums of written files are stable
        content = gzip.compress(content, mtime=0)
    write_file_atomically(path, content)


@contextmanager
def _gzip_errors(path: Path, compressed: bool) -> Iterator[None]:
    """Turn the errors of a damaged gzip stream into one IdxFormatError; a raw file's OSErrors pass."""
    try:
        yield
    except (OSError, EOFError, zlib.error) as exc:
        if not compressed:
            raise
        raise IdxFormatError(
            _("{path}: corrupt gzip stream ({error})").format(path=path, error=exc)
        ) from exc


def _read_header(path: Path, stream: io.BufferedIOBase) -> tuple[np.dtype, tuple[int, ...], int]:
    """Read and check the magic number and dimensions; return (dtype, shape, header size in bytes).

    Reads 4 bytes, and the 4 * ndim bytes of the dimensions only once those 4 are valid.
    """
    head = stream.read(4)
    if len(head) < 4:
        raise IdxFormatError(
            _("{path}: truncated header (expected at least 4 bytes, found {found})").format(
                path=path, found=len(head)
            )
        )
    if head[0] != 0 or head[1] != 0:
        raise IdxFormatError(
            _(
                "{path}: bad magic number 0x{magic} (an IDX file starts with 0x0000, "
                "then the type code and the number of dimensions)"
            ).format(path=path, magic=head.hex())
        )
    type_code, ndim = head[2], head[3]
    if type_code not in IDX_DTYPES:
        allowed = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
        raise IdxFormatError(
            _("{path}: unknown type code 0x{code:02X} (expected one of {allowed})").format(
                path=path, code=type_code, allowed=allowed
            )
        )
    if ndim == 0:
        raise IdxFormatError(
            _("{path}: header declares 0 dimensions (expected at least 1)").format(path=path)
        )
    header_size = 4 + 4 * ndim
    dims = stream.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise IdxFormatError(
            _(
                "{path}: truncated header ({ndim} dimensions need {size} bytes, found {found})"
            ).format(path=path, ndim=ndim, size=header_size, found=4 + len(dims))
        )
    shape = tuple(int(size) for size in np.frombuffer(dims, dtype=">u4"))
    if 0 in shape:
        raise IdxFormatError(
            _("{path}: header declares an empty dimension, shape {shape}").format(
                path=path, shape=shape
            )
        )
    return IDX_DTYPES[type_code], shape, header_size


def _check_declared_size(
    path: Path,
    dtype: np.dtype,
    shape: tuple[int, ...],
    expected: int,
    file_size: int,
    compressed: bool,
) -> None:
    """Refuse, before allocating, a declared size that the file cannot possibly hold."""
    if not compressed and expected > file_size:
        raise IdxFormatError(
            _(
                "{path}: truncated (header declares shape {shape} of {dtype} big-endian, "
                "expected {expected} bytes, found {found})"
            ).format(path=path, shape=shape, dtype=dtype.name, expected=expected, found=file_size)
        )
    if compressed and expected > GZIP_MAX_RATIO * file_size:
        raise IdxFormatError(
            _(
                "{path}: truncated (header declares shape {shape} of {dtype} big-endian, "
                "expected {expected} bytes, more than a gzip file of {size} bytes can hold: "
                "at most {most})"
            ).format(
                path=path,
                shape=shape,
                dtype=dtype.name,
                expected=expected,
                size=file_size,
                most=GZIP_MAX_RATIO * file_size,
            )
        )


def _read_payload(stream: io.BufferedIOBase, size: int) -> tuple[np.ndarray, int]:
    """Read at most size bytes into a new uint8 array, then probe for one more.

    Returns (payload, extra): payload the (n,) uint8 bytes read, n <= size; extra 1 if the stream
    holds more, else 0.
    np.empty leaves the pages untouched until they are filled, so a declared size that the
    stream does not deliver costs no memory.
    """
    buffer = np.empty(size, dtype=np.uint8)
    # numpy's stubs give ndarray its buffer protocol (__buffer__) only for Python >= 3.12
    view = memoryview(buffer)  # type: ignore[arg-type]
    filled = 0
    while filled < size:
        n_read = stream.readinto(view[filled : filled + _CHUNK_BYTES])
        if not n_read:
            break
        filled += n_read
    return buffer[:filled], len(stream.read(1))


def _type_code_for(dtype: np.dtype) -> int:
    for code, idx_dtype in IDX_DTYPES.items():
        if dtype.kind == idx_dtype.kind and dtype.itemsize == idx_dtype.itemsize:
            return code
    allowed = ", ".join(d.newbyteorder("=").name for d in IDX_DTYPES.values())
    raise ValueError(
        _("write_idx: IDX cannot hold dtype {dtype}; use one of {allowed}").format(
            dtype=dtype, allowed=allowed
        )
    )
