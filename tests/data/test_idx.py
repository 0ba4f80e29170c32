"""Tests for deepkiso.data.idx: read_idx inverts write_idx, and every kind of damage is named."""

import gzip
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from deepkiso.data import IdxFormatError, read_idx, write_idx

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def idx_bytes(type_code, shape, payload):
    """An IDX file written by hand, straight from the format's description."""
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


@settings(max_examples=50, deadline=None)
@given(data=st.data(), compressed=st.booleans(), big_endian=st.booleans())
def test_read_idx_inverts_write_idx(tmp_path_factory, data, compressed, big_endian):
    dtype = np.dtype(data.draw(st.sampled_from(IDX_DTYPES))).newbyteorder(
        ">" if big_endian else "<"
    )
    shape = data.draw(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    array = data.draw(arrays(dtype, shape))
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if compressed else "a.idx")
    write_idx(path, array)
    back = read_idx(path)
    assert back.shape == array.shape
    assert back.dtype == dtype.newbyteorder(">")
    assert back.tobytes() == array.astype(back.dtype).tobytes()


def test_read_idx_reads_a_hand_made_mnist_style_file(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(0x08, (3,), bytes([7, 2, 1])))
    assert read_idx(path).tolist() == [7, 2, 1]
    path.write_bytes(idx_bytes(0x0B, (2, 2), struct.pack(">4h", -1, 2, 300, -400)))
    assert read_idx(path).tolist() == [[-1, 2], [300, -400]]


def test_read_idx_returns_a_read_only_big_endian_view(tmp_path):
    path = tmp_path / "x.idx"
    write_idx(path, np.arange(6, dtype=np.float32).reshape(2, 3))
    array = read_idx(path)
    assert array.dtype == np.dtype(">f4")
    assert not array.flags.writeable
    np.testing.assert_array_equal(array, np.arange(6).reshape(2, 3))


def test_read_idx_tells_gzip_by_content_not_by_name(tmp_path):
    path = tmp_path / "compressed-without-suffix"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (2,), b"\x01\x02")))
    assert read_idx(path).tolist() == [1, 2]


def test_write_idx_gzips_when_the_name_ends_with_gz_and_leaves_no_temporary_file(tmp_path):
    write_idx(tmp_path / "a.gz", np.ones((2, 2), np.uint8))
    write_idx(tmp_path / "a.gz", np.zeros((3,), np.uint8))  # replaces the old file
    assert [p.name for p in tmp_path.iterdir()] == ["a.gz"]
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert read_idx(tmp_path / "a.gz").tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    "array, message",
    [
        (
            np.zeros(3, np.int64),
            r"cannot hold dtype int64; use one of uint8, int8, int16, int32, float32, float64",
        ),
        (np.zeros(3, bool), r"cannot hold dtype bool"),
        (np.float32(1.0), r"1 to 255 dimensions, got shape \(\)"),
        (
            np.zeros((2, 0), np.uint8),
            r"every dimension must be 1 to 2\*\*32 - 1, got shape \(2, 0\)",
        ),
    ],
)
def test_write_idx_refuses_what_idx_cannot_hold(tmp_path, array, message):
    with pytest.raises(ValueError, match=message):
        write_idx(tmp_path / "x.idx", array)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content, message",
    [
        (
            idx_bytes(0x08, (2,), b"\x01\x02").replace(b"\x00\x00", b"\x12\x34", 1),
            r"bad magic number 0x12340801",
        ),
        (
            idx_bytes(0x0A, (2,), b"\x01\x02"),
            r"unknown type code 0x0A \(expected one of 0x08, 0x09",
        ),
        (idx_bytes(0x08, (), b""), r"header declares 0 dimensions \(expected at least 1\)"),
        (idx_bytes(0x08, (3, 0), b""), r"empty dimension, shape \(3, 0\)"),
        (b"\x00\x00\x08", r"truncated header \(expected at least 4 bytes, found 3\)"),
        (
            idx_bytes(0x08, (2, 2, 2), b"")[:10],
            r"truncated header \(3 dimensions need 16 bytes, found 10\)",
        ),
        (
            idx_bytes(0x08, (10, 28, 28), bytes(100)),
            r"truncated \(header declares shape \(10, 28, 28\) of uint8 big-endian, expected 7856 bytes, found 116\)",
        ),
        (
            idx_bytes(0x0C, (3,), bytes(12 + 5)),
            r"has extra bytes after the payload \(.*expected 20 bytes, found 25\)",
        ),
        (
            idx_bytes(0x0E, (2**31, 2**31), bytes(8)),
            r"truncated \(header declares shape \(2147483648, 2147483648\) of float64 big-endian, "
            r"expected 36893488147419103244 bytes, found 20\)",
        ),
        (gzip.compress(idx_bytes(0x08, (2,), b"\x01\x02"))[:-6], r"corrupt gzip stream"),
        (b"\x1f\x8b\x08\x00" + bytes(6) + b"not deflate data at all", r"corrupt gzip stream"),
    ],
    ids=[
        "bad magic",
        "bad type code",
        "no dimensions",
        "empty dimension",
        "short header",
        "short dimensions",
        "truncated payload",
        "extra bytes",
        "absurd dimensions",
        "truncated gzip",
        "corrupt gzip",
    ],
)
def test_read_idx_names_the_file_and_the_fault(tmp_path, content, message):
    path = tmp_path / "damaged-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(IdxFormatError, match=message) as caught:
        read_idx(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert isinstance(caught.value, ValueError)


def gzip_bomb(header, n_megabytes):
    """A gzip file of about n_megabytes KB that inflates to header + n_megabytes MB of zeros.

    Built from gzip members of 1 MB each (a gzip file may hold several, read one after the
    other), so making it costs a few milliseconds and no memory.
    """
    megabyte = gzip.compress(bytes(1 << 20), mtime=0)
    return gzip.compress(header, mtime=0) + megabyte * n_megabytes


def peak_memory_of(call):
    """Peak bytes that Python and NumPy allocated while call() ran (tracemalloc counts both)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"\x12\x34\x08\x01" + struct.pack(">I", 10), r"bad magic number 0x12340801"),
        (
            idx_bytes(0x08, (10,), bytes(10)),
            r"has extra bytes after the payload \(.*expected 18 bytes, found more than 18\)",
        ),
    ],
    ids=["bad magic", "small declared shape"],
)
def test_read_idx_refuses_a_gzip_bomb_without_inflating_it(tmp_path, header, message):
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(gzip_bomb(header, 100))  # 100 KB that inflate to 100 MB

    def read():
        with pytest.raises(IdxFormatError, match=message):
            read_idx(path)

    assert peak_memory_of(read) < 5 << 20


def test_read_idx_refuses_a_declared_size_that_no_gzip_file_of_its_size_can_hold(tmp_path):
    path = tmp_path / "big-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (60000, 28, 28), bytes(1000)), mtime=0))
    size = path.stat().st_size
    with pytest.raises(
        IdxFormatError,
        match=rf"truncated \(header declares shape \(60000, 28, 28\) of uint8 big-endian, "
        rf"expected 47040016 bytes, more than a gzip file of {size} bytes can hold: "
        rf"at most {1032 * size}\)",
    ):
        read_idx(path)


def test_read_idx_names_a_truncated_gzip_payload_by_its_inflated_size(tmp_path):
    path = tmp_path / "short-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (100,), bytes(60)), mtime=0))
    with pytest.raises(IdxFormatError, match=r"truncated \(.*expected 108 bytes, found 68\)"):
        read_idx(path)
