"""Tests for deepkiso.data.download against a local http.server on 127.0.0.1, and its recorded figures.

The server (tests/local_server.py) runs in a thread on a free port and serves small IDX files that
the tests make; the mirror lists and checksums are passed in, so no test reaches the network.
"""

import gzip
import hashlib
import re
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from local_server import described, idx_gz, server, small_mnist_files  # noqa: F401 (server: a fixture)

from deepkiso.data import (
    DatasetNotFoundError,
    DownloadError,
    download,
    load_dataset,
    read_idx,
)
from deepkiso.data.datasets import locate_idx_files
from deepkiso.data.download import (
    MIRRORS,
    REMOTE_FILES,
    RemoteFile,
    deadline_for,
    download_file,
    file_matches,
    mirrors_for,
)

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens, so connecting fails at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_download_file_saves_the_verified_file(server, tmp_path):
    content = idx_gz(tmp_path, np.arange(5, dtype=np.uint8))
    server.routes["/mirror/labels.gz"] = (200, content, "whole")
    cache = tmp_path / "cache" / "set"
    path = download_file(
        described("labels.gz", content), [f"{server.url}/mirror"], cache, progress=False
    )
    assert path == cache / "labels.gz"
    assert path.read_bytes() == content
    assert read_idx(path).tolist() == [0, 1, 2, 3, 4]
    assert [p.name for p in cache.iterdir()] == ["labels.gz"]


def test_download_file_refuses_a_checksum_mismatch_and_leaves_nothing(server, tmp_path):
    content = idx_gz(tmp_path, np.arange(5, dtype=np.uint8))
    server.routes["/labels.gz"] = (200, content, "whole")
    wrong = RemoteFile(
        "labels.gz", len(content), sha256="0" * 64, md5=hashlib.md5(content).hexdigest()
    )
    cache = tmp_path / "cache"
    with pytest.raises(
        DownloadError,
        match=r"labels.gz: no mirror delivered it \(http://127.0.0.1:\d+/labels.gz: "
        r"SHA-256 mismatch, expected 0{64}, got [0-9a-f]{64}",
    ):
        download_file(wrong, [server.url], cache, progress=False)
    assert list(cache.iterdir()) == []


def test_download_file_tries_the_next_mirror_when_one_fails(server, tmp_path):
    content = idx_gz(tmp_path, np.arange(3, dtype=np.uint8))
    server.routes["/good/labels.gz"] = (200, content, "whole")
    mirrors = [closed_port_url(), f"{server.url}/missing", f"{server.url}/good"]
    path = download_file(
        described("labels.gz", content), mirrors, tmp_path / "cache", progress=False
    )
    assert path.read_bytes() == content


def test_download_file_reports_every_mirror_when_all_fail(server, tmp_path):
    content = idx_gz(tmp_path, np.arange(3, dtype=np.uint8))
    mirrors = [closed_port_url(), f"{server.url}/missing"]
    with pytest.raises(DownloadError) as caught:
        download_file(described("labels.gz", content), mirrors, tmp_path / "cache", progress=False)
    message = str(caught.value)
    assert message.count("127.0.0.1") == 2 and "HTTP 404" in message


def test_an_interrupted_transfer_leaves_no_file(server, tmp_path):
    content = idx_gz(tmp_path, np.arange(1000, dtype=np.int32))
    server.routes["/labels.gz"] = (200, content, "short")
    cache = tmp_path / "cache"
    with pytest.raises(
        DownloadError,
        match=rf"transfer ended early, got {len(content) // 2} of {len(content)} bytes",
    ):
        download_file(described("labels.gz", content), [server.url], cache, progress=False)
    assert list(cache.iterdir()) == []


def test_download_file_checks_the_md5_where_no_sha256_is_recorded(server, tmp_path):
    content = idx_gz(tmp_path, np.arange(4, dtype=np.uint8))
    server.routes["/labels.gz"] = (200, content, "whole")
    download_file(
        described("labels.gz", content, sha256=False), [server.url], tmp_path / "ok", progress=False
    )
    with pytest.raises(DownloadError, match=r"MD5 mismatch, expected 0{32}"):
        download_file(
            RemoteFile("labels.gz", md5="0" * 32), [server.url], tmp_path / "bad", progress=False
        )
    assert list((tmp_path / "bad").iterdir()) == []


def test_download_file_refuses_a_file_without_any_checksum(tmp_path):
    with pytest.raises(ValueError, match=r"labels.gz: no SHA-256 or MD5 recorded"):
        download_file(RemoteFile("labels.gz"), ["http://127.0.0.1:9"], tmp_path, progress=False)


def test_download_file_shows_progress_on_stderr_only(server, tmp_path, capsys):
    content = idx_gz(tmp_path, np.arange(4, dtype=np.uint8))
    server.routes["/labels.gz"] = (200, content, "whole")
    download_file(described("labels.gz", content), [server.url], tmp_path / "cache", progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "labels.gz" in captured.err


def test_missing_files_are_downloaded_into_the_cache_and_then_found_there(server, tmp_path):
    served = small_mnist_files(tmp_path / "made")
    for name, content in served.items():
        server.routes[f"/mnist/{name}"] = (200, content, "whole")
    remote_files = tuple(described(name, content) for name, content in served.items())
    cache = tmp_path / "cache"
    paths = locate_idx_files(
        "mnist",
        cache_dir=cache,
        system_dirs=(),
        mirrors=(f"{server.url}/mnist",),
        remote_files=remote_files,
        progress=False,
    )
    assert {part: path.name for part, path in paths.items()} == {
        "x_train": "train-images-idx3-ubyte.gz",
        "t_train": "train-labels-idx1-ubyte.gz",
        "x_test": "t10k-images-idx3-ubyte.gz",
        "t_test": "t10k-labels-idx1-ubyte.gz",
    }
    server.routes.clear()  # found in the cache from now on, without the server
    assert (
        locate_idx_files("mnist", cache_dir=cache, system_dirs=(), mirrors=(), remote_files=())
        == paths
    )


def test_when_nothing_can_be_reached_one_message_says_which_files_to_put_where(
    server, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    served = small_mnist_files(tmp_path / "made")
    remote_files = tuple(described(name, content) for name, content in served.items())
    with pytest.raises(DatasetNotFoundError) as caught:
        locate_idx_files(
            "kmnist",
            system_dirs=(str(tmp_path / "system"),),
            mirrors=(f"{server.url}/gone",),
            remote_files=remote_files,
            progress=False,
        )
    message = str(caught.value)
    cache = tmp_path / "xdg" / "deepkiso" / "kmnist"
    assert message.startswith(f"kmnist: the data files are not in {cache}, {tmp_path / 'system'}")
    assert (
        "download failed: train-images-idx3-ubyte.gz: no mirror delivered it" in message
        and "HTTP 404" in message
    )
    assert re.search(
        rf"Put train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte"
        rf"\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\] into {re.escape(str(cache))}, or into a folder of "
        rf"your own and pass it as data_dir \(--data-dir on the command line\)",
        message,
    )
    assert "\n" not in message


def test_load_dataset_can_be_told_not_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    message = r"kmnist: the data files are not in .* and downloading is switched off"
    with pytest.raises(DatasetNotFoundError, match=message):
        load_dataset("kmnist", download=False)


def test_every_downloadable_set_records_mirrors_sizes_and_both_checksums():
    assert set(MIRRORS) == set(REMOTE_FILES) == {"mnist", "fashion-mnist", "kmnist"}
    for name, remote_files in REMOTE_FILES.items():
        assert len(MIRRORS[name]) >= 2
        assert sorted(r.name for r in remote_files) == [
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
        ]
        for remote in remote_files:
            assert re.fullmatch(r"[0-9a-f]{64}", remote.sha256) and re.fullmatch(
                r"[0-9a-f]{32}", remote.md5
            )
            assert remote.size > 0


def test_file_matches_by_the_inflated_content_where_its_sha256_is_recorded(tmp_path):
    content = b"an IDX file's content" * 100
    (tmp_path / "x.gz").write_bytes(gzip.compress(content, mtime=1))
    (tmp_path / "x").write_bytes(content)
    (tmp_path / "damaged.gz").write_bytes(gzip.compress(content)[:-9])
    remote = RemoteFile("x.gz", sha256="0" * 64, raw_sha256=hashlib.sha256(content).hexdigest())
    assert file_matches(tmp_path / "x.gz", remote) and file_matches(tmp_path / "x", remote)
    assert not file_matches(tmp_path / "damaged.gz", remote)


def test_a_mirror_that_drips_bytes_is_abandoned_at_the_deadline(server, tmp_path):
    content = bytes(range(256)) * 4
    server.routes["/labels.gz"] = (200, content, "drip")  # 1,024 bytes at 100 a second: 10 s
    started = time.monotonic()
    with pytest.raises(
        DownloadError, match=r"not complete within the deadline of 0.3 s \(got \d+ of 1024 bytes\)"
    ):
        download_file(
            described("labels.gz", content),
            [server.url],
            tmp_path / "cache",
            progress=False,
            deadline=0.3,
        )
    assert time.monotonic() - started < 2
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_deadline_grows_with_the_recorded_size():
    assert deadline_for(RemoteFile("a.gz", 0, sha256="0" * 64)) == 60
    assert deadline_for(RemoteFile("a.gz", 26421880, sha256="0" * 64)) == pytest.approx(
        60 + 26421880 / 50_000
    )
    assert deadline_for(RemoteFile("a.gz", None, sha256="0" * 64)) == 3600


def test_a_mirror_sending_more_than_the_recorded_size_is_stopped_there(server, tmp_path):
    small = b"x" * 47
    server.routes["/unsized/labels.gz"] = (200, bytes(4 << 20), "unsized")
    server.routes["/declared/labels.gz"] = (200, bytes(4 << 20), "whole")
    mirrors = [f"{server.url}/unsized", f"{server.url}/declared"]
    with pytest.raises(DownloadError) as caught:
        download_file(described("labels.gz", small), mirrors, tmp_path / "cache", progress=False)
    message = str(caught.value)
    assert (
        f"{server.url}/unsized/labels.gz: sent more than the recorded size of 47 bytes; stopped there"
        in message
    )
    assert (
        f"{server.url}/declared/labels.gz: declares 4194304 bytes, more than the recorded size of 47"
        in message
    )
    assert list((tmp_path / "cache").iterdir()) == []


def test_every_kind_of_mirror_failure_moves_on_to_the_next_and_all_are_listed(server, tmp_path):
    content = idx_gz(tmp_path, np.arange(3, dtype=np.uint8))
    server.routes["/bad-length/labels.gz"] = (200, content, "bad-length")
    server.routes["/good/labels.gz"] = (200, content, "whole")
    failing = [
        "http://[::1",
        f"{server.url}/bad-length",
        "http://127.0.0.1:notaport",
        closed_port_url(),
    ]
    path = download_file(
        described("labels.gz", content),
        [*failing, f"{server.url}/good"],
        tmp_path / "ok",
        progress=False,
    )
    assert path.read_bytes() == content
    with pytest.raises(DownloadError) as caught:
        download_file(described("labels.gz", content), failing, tmp_path / "bad", progress=False)
    message = str(caught.value)
    assert "http://[::1/labels.gz: ValueError: Invalid IPv6 URL" in message
    assert f"{server.url}/bad-length/labels.gz: bad Content-Length 'abc'" in message
    assert "http://127.0.0.1:notaport/labels.gz: InvalidURL: " in message
    assert message.count("; ") == 3 and "\n" not in message


def test_the_temporary_of_a_killed_download_is_swept_up_by_the_next(server, tmp_path):
    content = bytes(range(256)) * 4
    server.routes["/drip/labels.gz"] = (
        200,
        content,
        "drip",
    )  # 10 s: long enough to be killed midway
    server.routes["/labels.gz"] = (200, content, "whole")
    cache = tmp_path / "cache"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys; from deepkiso.data.download import RemoteFile, download_file; "
                "download_file(RemoteFile('labels.gz', 1024, sha256=sys.argv[1]), [sys.argv[2]], sys.argv[3], progress=False)"
            ),
            hashlib.sha256(content).hexdigest(),
            f"{server.url}/drip",
            str(cache),
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while not list(cache.glob(".labels.*.part.gz")) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        child.kill()
        child.wait()
    leftovers = list(cache.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.startswith(f".labels.{child.pid}-"), leftovers
    download_file(described("labels.gz", content), [server.url], cache, progress=False)
    assert [p.name for p in cache.iterdir()] == ["labels.gz"]


def served_mnist(server, tmp_path):
    """Serve a tiny MNIST-format set under /mnist; return its RemoteFiles."""
    served = small_mnist_files(tmp_path / "made")
    for name, content in served.items():
        server.routes[f"/mnist/{name}"] = (200, content, "whole")
    return tuple(described(name, content) for name, content in served.items())


def test_a_cached_file_that_no_longer_matches_is_downloaded_again(server, tmp_path):
    remote_files = served_mnist(server, tmp_path)
    cache = tmp_path / "cache"
    locate = dict(
        cache_dir=cache,
        system_dirs=(),
        mirrors=(f"{server.url}/mnist",),
        remote_files=remote_files,
        progress=False,
    )
    paths = locate_idx_files("mnist", **locate)
    good = paths["t_test"].read_bytes()
    paths["t_test"].write_bytes(good[:-1] + b"!")  # damaged in the cache
    with pytest.raises(
        DatasetNotFoundError,
        match=rf"passed over, as not matching the recorded checksums: "
        rf"{re.escape(str(paths['t_test']))}\) and downloading is switched off",
    ):
        locate_idx_files("mnist", **locate, download=False)
    assert locate_idx_files("mnist", **locate) == paths
    assert paths["t_test"].read_bytes() == good


def test_a_cached_file_is_hashed_once_per_process_while_its_size_and_time_stay(
    server, tmp_path, monkeypatch
):
    remote_files = served_mnist(server, tmp_path)
    cache = tmp_path / "cache"
    locate = dict(
        cache_dir=cache,
        system_dirs=(),
        mirrors=(f"{server.url}/mnist",),
        remote_files=remote_files,
        progress=False,
    )
    paths = locate_idx_files("mnist", **locate)
    hashed = []
    real = download.file_matches
    monkeypatch.setattr(
        download, "file_matches", lambda path, remote: hashed.append(path) or real(path, remote)
    )
    locate_idx_files("mnist", **locate)
    locate_idx_files("mnist", **locate)
    assert len(hashed) == 4
    paths["x_test"].touch()  # a new modification time: hashed again
    locate_idx_files("mnist", **locate)
    assert len(hashed) == 5


def test_deepkiso_mirror_puts_ones_own_mirror_first(server, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPKISO_MIRROR", f"{server.url}/own/")
    assert mirrors_for("kmnist") == (f"{server.url}/own/kmnist", *MIRRORS["kmnist"])
    assert mirrors_for("kmnist", "file:///srv/data")[0] == "file:///srv/data/kmnist"
    served = small_mnist_files(tmp_path / "made")
    for name, content in served.items():
        server.routes[f"/own/kmnist/{name}"] = (200, content, "whole")
    remote_files = tuple(described(name, content) for name, content in served.items())
    paths = locate_idx_files(
        "kmnist",
        cache_dir=tmp_path / "cache",
        system_dirs=(),
        remote_files=remote_files,
        progress=False,
    )
    assert paths["x_train"].read_bytes() == served["train-images-idx3-ubyte.gz"]
    monkeypatch.setenv("DEEPKISO_MIRROR", "")
    assert mirrors_for("kmnist") == MIRRORS["kmnist"]


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "example.org/data", "http://", "http://[::1"]
)
def test_a_malformed_mirror_url_is_refused_naming_its_source(url, monkeypatch):
    with pytest.raises(
        ValueError, match=r"mirror: expected a mirror's base URL \(http://HOST/PATH"
    ):
        mirrors_for("mnist", url)
    monkeypatch.setenv("DEEPKISO_MIRROR", url)
    with pytest.raises(ValueError, match=r"^DEEPKISO_MIRROR: expected a mirror's base URL"):
        load_dataset("mnist", download=False)


needs_debian_fashion = pytest.mark.skipif(
    not DEBIAN_FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed"
)

# Debian's files lack the gzip header's file name and time stamp; these are the served files' time stamps,
# found by searching for the one that reproduces the published MD5
SERVED_MTIMES = {
    "train-images-idx3-ubyte.gz": 1504176606,
    "train-labels-idx1-ubyte.gz": 1504176606,
    "t10k-images-idx3-ubyte.gz": 1504176627,
    "t10k-labels-idx1-ubyte.gz": 1504176627,
}


@needs_debian_fashion
def test_debian_fashion_mnist_files_match_the_recorded_figures():
    for remote in REMOTE_FILES["fashion-mnist"]:
        debian = (DEBIAN_FASHION / remote.name).read_bytes()
        assert file_matches(DEBIAN_FASHION / remote.name, remote)  # by the decompressed content
        assert debian[3] == 0, "Debian's gzip header was expected to carry no file name"
        # the served file: the same deflate stream behind a header with the original name and time
        header = b"\x1f\x8b\x08\x08" + struct.pack("<I", SERVED_MTIMES[remote.name]) + b"\x00\x03"
        served = header + remote.name.removesuffix(".gz").encode() + b"\x00" + debian[10:]
        assert len(served) == remote.size
        assert hashlib.sha256(served).hexdigest() == remote.sha256
        assert hashlib.md5(served).hexdigest() == remote.md5
        assert gzip.decompress(served) == gzip.decompress(debian)
