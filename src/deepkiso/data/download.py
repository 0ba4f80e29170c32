"""Downloading the MNIST-format data sets: several mirrors, recorded checksums, atomic writes.

Exercise 2_10 trains on MNIST-format images that do not ship with the package. ``download_file``
fetches one file, trying each mirror in turn, shows a progress bar on stderr, writes to a temporary
file in the destination folder and renames it only once its checksum matches the figure recorded
here, so an interrupted or corrupted transfer never leaves a file that looks valid.

Where the recorded figures come from (see also the data-set descriptions in ``datasets.py``):

* ``size`` and ``sha256`` of each ``.gz`` file as its mirror serves it: the URL checksum files of
  TensorFlow Datasets 4.9.10 (``tensorflow_datasets/url_checksums/{mnist,fashion_mnist,kmnist}.txt``),
  which record exactly these URLs (MNIST on the cvdf-datasets mirror, Fashion-MNIST on its S3
  website, KMNIST on codh.rois.ac.jp).
* ``md5``: the figures each project publishes (Fashion-MNIST's README; the MNIST and KMNIST figures
  as torchvision 0.29.1 records them in ``torchvision/datasets/mnist.py``).
* ``raw_sha256``: SHA-256 of the decompressed IDX content, computed from Debian's
  ``dataset-fashion-mnist`` files (Fashion-MNIST only). Debian rewrote the gzip headers (it drops
  the stored file name and resets the time stamp), so its ``.gz`` files are 23-24 bytes shorter
  than the served ones while the content is the same.

A download is accepted when its SHA-256 matches ``sha256``; where no SHA-256 is recorded, when its
MD5 matches ``md5``. A file with neither figure is refused rather than trusted.

Every mirror is bounded: it gets ``deadline_for(remote)`` seconds for the whole file (60 s plus
the recorded size at 50 KB/s), it is dropped as soon as it declares or sends more than the
recorded size, and any failure of one mirror (HTTP errors, resets, timeouts, a malformed URL or
header) moves on to the next; the final DownloadError lists them all. ``mirrors_for`` puts one's
own mirror (``$DEEPKISO_MIRROR`` or ``--mirror``) first.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import sys
import time
import urllib.error
import urllib.parse
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deepkiso.files import remove_stale_temporaries, write_atomically
from deepkiso.i18n import _

_CHUNK_BYTES = 1 << 20

# The whole file from one mirror within DEADLINE_BASE_SECONDS plus its recorded size at
# DEADLINE_MIN_RATE bytes per second: a slow line passes, a mirror that drips bytes does not.
DEADLINE_BASE_SECONDS = 60.0
DEADLINE_MIN_RATE = 50_000
MIRROR_VARIABLE = "DEEPKISO_MIRROR"


@dataclass(frozen=True)
class RemoteFile:
    """One file a data set needs, with the figures that tell the real file from anything else.

    name: the file name as the mirrors serve it, e.g. "train-images-idx3-ubyte.gz".
    size: its size in bytes, or None when unknown.
    sha256, md5: hex digests of the served bytes, or None when unknown.
    raw_sha256: hex digest of the decompressed content, or None when unknown.
    """

    name: str
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None
    raw_sha256: str | None = None


class DownloadError(OSError):
    """No mirror delivered a file whose checksum matched; the message lists each mirror's failure."""


MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": (
        "https://storage.googleapis.com/cvdf-datasets/mnist",
        "https://ossci-datasets.s3.amazonaws.com/mnist",
        "http://yann.lecun.com/exdb/mnist",
    ),
    "fashion-mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion",
    ),
    "kmnist": (
        "http://codh.rois.ac.jp/kmnist/dataset/kmnist",
        "https://codh.rois.ac.jp/kmnist/dataset/kmnist",
    ),
}

REMOTE_FILES: dict[str, tuple[RemoteFile, ...]] = {
    "mnist": (
        RemoteFile(
            "train-images-idx3-ubyte.gz",
            9912422,
            sha256="440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            md5="f68b3c2dcbeaaa9fbdd348bbdeb94873",
        ),
        RemoteFile(
            "train-labels-idx1-ubyte.gz",
            28881,
            sha256="3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            md5="d53e105ee54ea40749a09fcbcd1e9432",
        ),
        RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            1648877,
            sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            md5="9fb629c4189551a2d022fa330f9573f3",
        ),
        RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            4542,
            sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            md5="ec29112dd5afa0611ce80d1b7f02629c",
        ),
    ),
    "fashion-mnist": (
        RemoteFile(
            "train-images-idx3-ubyte.gz",
            26421880,
            sha256="3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            md5="8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            raw_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ),
        RemoteFile(
            "train-labels-idx1-ubyte.gz",
            29515,
            sha256="a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            md5="25c81989df183df01b3e8a0aad5dffbe",
            raw_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ),
        RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            4422102,
            sha256="346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            md5="bef4ecab320f06d8554ea6380940ec79",
            raw_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ),
        RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            5148,
            sha256="67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            md5="bb300cfdad3c16e7a12a480ee83cd310",
            raw_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    ),
    "kmnist": (
        RemoteFile(
            "train-images-idx3-ubyte.gz",
            18165135,
            sha256="51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
            md5="bdb82020997e1d708af4cf47b453dcf7",
        ),
        RemoteFile(
            "train-labels-idx1-ubyte.gz",
            29497,
            sha256="e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
            md5="e144d726b3acfaa3e44228e80efcd344",
        ),
        RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            3041136,
            sha256="edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
            md5="5c965bf0a639b31b8f53240b1b52f4d7",
        ),
        RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            5120,
            sha256="20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",
            md5="7320c461ea6c1c855c0b718fb2a4b134",
        ),
    ),
}


def download_file(
    remote: RemoteFile,
    mirrors: Sequence[str],
    dest_dir: str | os.PathLike,
    *,
    progress: bool = True,
    timeout: float = 30.0,
    deadline: float | None = None,
) -> Path:
    """Fetch remote.name from the first mirror that delivers it intact; return its path in dest_dir.

    mirrors: base URLs, tried in order; the file's URL is ``f"{mirror}/{remote.name}"``.
    dest_dir: created if missing. The file appears there only after its checksum matched.
    progress: show a tqdm progress bar on stderr. timeout: seconds to wait for each network read.
    deadline: seconds one mirror gets for the whole file (default: deadline_for(remote)); it is
    checked after every read, so a mirror may overrun it by at most one read's wait.
    A mirror is also abandoned as soon as it sends more than remote.size bytes, or declares more.
    Temporaries that killed downloads of this file left in dest_dir are removed first.
    Raises ValueError when remote records no checksum, DownloadError when every mirror failed,
    listing each mirror's failure, whatever its kind.
    """
    if remote.sha256 is None and remote.md5 is None:
        raise ValueError(
            _(
                "{name}: no SHA-256 or MD5 recorded, refusing to download an unverifiable file"
            ).format(name=remote.name)
        )
    deadline = deadline_for(remote) if deadline is None else deadline
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(dest_dir / remote.name)
    failures = []
    for mirror in mirrors:
        url = f"{mirror.rstrip('/')}/{remote.name}"
        try:
            return _download_verified(
                url, remote, dest_dir, progress=progress, timeout=timeout, deadline=deadline
            )
        except Exception as exc:  # noqa: BLE001 - any failure of one mirror (a bad URL or header, a reset) moves
            # on to the next; none is dropped, every one is listed in the final error
            failures.append(f"{url}: {_describe(exc)}")
    tried = "; ".join(failures) if failures else _("no mirrors given")
    raise DownloadError(
        _("{name}: no mirror delivered it ({tried})").format(name=remote.name, tried=tried)
    )


def deadline_for(remote: RemoteFile) -> float:
    """Seconds one mirror gets to deliver remote: DEADLINE_BASE_SECONDS plus the recorded size at
    DEADLINE_MIN_RATE bytes per second (about 10 minutes for Fashion-MNIST's 26 MB of training
    images); an hour where no size is recorded."""
    if remote.size is None:
        return 3600.0
    return DEADLINE_BASE_SECONDS + remote.size / DEADLINE_MIN_RATE


def mirrors_for(name: str, mirror: str | None = None) -> tuple[str, ...]:
    """The mirrors to try for data set name: one's own first, then MIRRORS[name].

    One's own mirror is mirror, else the environment variable DEEPKISO_MIRROR (unset or empty:
    none). It is a base URL (http://, https:// or file://) holding one folder per data set, laid
    out like the cache: ``{mirror}/{name}/train-images-idx3-ubyte.gz``, so a copy of
    ``~/.cache/deepkiso`` served by any web server (or read as ``file:///…``) is a mirror.
    Raises ValueError naming the setting when the URL is malformed.
    """
    source = "mirror"
    if mirror is None:
        mirror, source = os.environ.get(MIRROR_VARIABLE) or None, MIRROR_VARIABLE
    if mirror is None:
        return MIRRORS[name]
    check_mirror_url(mirror, source)
    return (f"{mirror.rstrip('/')}/{name}", *MIRRORS[name])


def check_mirror_url(url: str, source: str) -> str:
    """url, if it can be a mirror's base URL; else a ValueError naming source (the option or variable)."""
    try:
        parts = urllib.parse.urlsplit(url)
        has_host = bool(parts.hostname)
    except ValueError:  # such as an unclosed "[" of an IPv6 address, or a port that is no number
        parts, has_host = None, False
    if (
        parts is None
        or parts.scheme not in ("http", "https", "file")
        or (parts.scheme != "file" and not has_host)
    ):
        raise ValueError(
            _(
                "{source}: expected a mirror's base URL (http://HOST/PATH, https://… or "
                "file:///PATH), got {url!r}"
            ).format(source=source, url=url)
        )
    return url


def file_matches(path: str | os.PathLike, remote: RemoteFile) -> bool:
    """Whether the file at path is the one remote describes, by any recorded checksum.

    Compares the file's SHA-256 and MD5 with remote.sha256 / remote.md5 (the served ``.gz``) and,
    for a gzip file or an uncompressed one, the SHA-256 of its content with remote.raw_sha256.
    Reads the file in chunks (a gzip file is inflated as it is hashed, never held whole): on the
    development machine about 0.02 s for 30 MB that match the served SHA-256, about 0.3 s for
    Debian's 26 MB Fashion-MNIST training images, which are hashed twice, inflated and hashed again.
    """
    path = Path(path)
    with open(path, "rb") as file:
        sha256, md5 = _hash_stream(file)
    if remote.sha256 is not None and sha256 == remote.sha256:
        return True
    if remote.md5 is not None and md5 == remote.md5:
        return True
    if remote.raw_sha256 is None:
        return False
    with open(path, "rb") as file:
        compressed = file.read(2) == b"\x1f\x8b"
        file.seek(0)
        try:
            content_sha256, _ = _hash_stream(gzip.GzipFile(fileobj=file) if compressed else file)
        except (
            OSError,
            EOFError,
            zlib.error,
        ):  # a damaged gzip stream is simply not the recorded file
            return False
    return content_sha256 == remote.raw_sha256


def file_verified(path: str | os.PathLike, remote: RemoteFile) -> bool:
    """file_matches(path, remote), computed once per process for each size and modification time
    of the file: a second call on an unchanged file costs one stat."""
    status = os.stat(path)
    return _file_matches_once(str(Path(path).resolve()), status.st_size, status.st_mtime_ns, remote)


@functools.lru_cache(maxsize=64)
def _file_matches_once(path: str, size: int, mtime_ns: int, remote: RemoteFile) -> bool:
    # size and mtime_ns are part of the key only: a changed file is hashed again
    return file_matches(path, remote)


def _hash_stream(stream) -> tuple[str, str]:
    """(SHA-256 hex, MD5 hex) of everything stream.read() yields, read in chunks."""
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    while chunk := stream.read(_CHUNK_BYTES):
        sha256.update(chunk)
        md5.update(chunk)
    return sha256.hexdigest(), md5.hexdigest()


class _ChecksumMismatch(Exception):
    """The transfer completed but delivered different bytes from the recorded ones."""


class _MirrorRefused(Exception):
    """The mirror broke a bound (the deadline, the recorded size) or sent a header that makes no sense."""


def _download_verified(
    url: str, remote: RemoteFile, dest_dir: Path, *, progress: bool, timeout: float, deadline: float
) -> Path:
    """One attempt from one URL: stream into a temporary file, check it, and only then move it into place."""

    def fetch(temp_path: str) -> None:
        import urllib.request  # here: it loads http.client, which every other command would wait for

        give_up_at = time.monotonic() + deadline
        with (
            open(temp_path, "wb") as file,
            urllib.request.urlopen(url, timeout=min(timeout, deadline)) as response,
        ):
            declared = _content_length(response, remote)
            sha256, md5, received = _stream(
                response, file, remote, declared, progress, give_up_at, deadline
            )
        if declared is not None and received != declared:
            raise _ChecksumMismatch(
                _("transfer ended early, got {received} of {declared} bytes").format(
                    received=received, declared=declared
                )
            )
        if remote.sha256 is not None and sha256 != remote.sha256:
            raise _ChecksumMismatch(
                _("SHA-256 mismatch, expected {expected}, got {got} ({received} bytes)").format(
                    expected=remote.sha256, got=sha256, received=received
                )
            )
        if remote.sha256 is None and md5 != remote.md5:
            raise _ChecksumMismatch(
                _("MD5 mismatch, expected {expected}, got {got} ({received} bytes)").format(
                    expected=remote.md5, got=md5, received=received
                )
            )

    # A failed check raises inside fetch: the temporary file is removed and nothing is renamed.
    return write_atomically(dest_dir / remote.name, fetch)


def _content_length(response, remote: RemoteFile) -> int | None:
    """The Content-Length the mirror declares, or None; refused when malformed or above remote.size."""
    text = response.headers.get("Content-Length")
    if text is None:
        return None
    if not text.strip().isdigit():
        raise _MirrorRefused(_("bad Content-Length {text!r}").format(text=text))
    declared = int(text)
    if remote.size is not None and declared > remote.size:
        raise _MirrorRefused(
            _("declares {declared} bytes, more than the recorded size of {size}").format(
                declared=declared, size=remote.size
            )
        )
    return declared


def _stream(
    response,
    file,
    remote: RemoteFile,
    declared: int | None,
    progress: bool,
    give_up_at: float,
    deadline: float,
) -> tuple[str, str, int]:
    """Copy response to file in chunks; return (sha256 hex, md5 hex, bytes received).

    Stops with _MirrorRefused once more than remote.size bytes arrived or time.monotonic()
    passed give_up_at. read1 returns what has arrived instead of waiting for a whole chunk, so a
    mirror that drips bytes slowly is caught by the deadline.
    """
    from tqdm import tqdm  # here: only a download shows a bar

    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    received = 0
    # one byte beyond the recorded size is enough to know that the mirror sends too much
    limit = remote.size + 1 if remote.size is not None else None
    with tqdm(
        total=declared or remote.size,
        desc=remote.name,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not progress,
        leave=False,
    ) as bar:
        while chunk := response.read1(
            _CHUNK_BYTES if limit is None else min(_CHUNK_BYTES, limit - received)
        ):
            file.write(chunk)
            sha256.update(chunk)
            md5.update(chunk)
            received += len(chunk)
            bar.update(len(chunk))
            if remote.size is not None and received > remote.size:
                raise _MirrorRefused(
                    _("sent more than the recorded size of {size} bytes; stopped there").format(
                        size=remote.size
                    )
                )
            if time.monotonic() > give_up_at:
                raise _MirrorRefused(
                    _(
                        "not complete within the deadline of {deadline:g} s "
                        "(got {received} of {total} bytes)"
                    ).format(
                        deadline=deadline, received=received, total=declared or remote.size or "?"
                    )
                )
    return sha256.hexdigest(), md5.hexdigest(), received


def _describe(exc: BaseException) -> str:
    import http.client  # loaded already: a download was tried

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, http.client.IncompleteRead):
        return _("transfer ended early, got {got} more bytes, {missing} missing").format(
            got=len(exc.partial), missing=exc.expected
        )
    if isinstance(exc, (OSError, _ChecksumMismatch, _MirrorRefused)):
        return str(exc) or type(exc).__name__
    # anything else (ValueError from a malformed URL, http.client.InvalidURL, ...): say what kind it was
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
