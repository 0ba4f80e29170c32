"""Writing files so that a crash never leaves half of one: the one way deepkiso writes a file.

Every output — checkpoints, metrics, pictures, IDX files, downloads, sweep results — is
written under a temporary name beside its target, flushed to disk, renamed over the
target in one step, and the folder is flushed too, so the rename itself survives a
power loss. A failed write or a killed process leaves either the old file or the
complete new one. A failed write also removes its temporary file; a process killed
outright (SIGKILL, power loss) cannot, and leaves ``.STEM.<pid>-<hex>.partSUFFIX``
beside the target (``save_checkpoint`` sweeps up its own on the next save;
``remove_stale_temporaries`` sweeps those of any target whose writer no longer runs).
``read_regular_file`` is the other way round: reading a small file whole, safely.
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deepkiso.errors import os_cause
from deepkiso.i18n import _

__all__ = [
    "read_regular_file",
    "remove_stale_temporaries",
    "write_atomically",
    "write_file_atomically",
    "write_json",
]


def write_atomically(path: str | os.PathLike, write: Callable[[str], object]) -> Path:
    """Call write(temporary path) beside path, then move the result onto path; returns path.

    The temporary name ends with path's suffix, so writers that pick a format from the
    file name (matplotlib, Pillow) pick the right one. If write raises, path is untouched.
    The file gets the usual permissions (the umask), not a private temporary file's.
    """
    path = Path(path)
    temp_path = path.with_name(
        f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.part{path.suffix}"
    )
    try:
        write(str(temp_path))
        _flush_to_disk(temp_path, os.O_RDONLY)
        os.replace(temp_path, path)
    except OSError as exc:
        if exc.filename is not None and str(exc.filename) != str(temp_path):
            raise
        # A full disk or a read-only folder named by the file the user asked for, not our temporary one.
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    finally:
        # Gone after a successful rename; otherwise nothing half-done stays behind.
        temp_path.unlink(missing_ok=True)
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable
        _flush_to_disk(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    return path


def write_file_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write the bytes data to path atomically (see write_atomically); returns path."""
    return write_atomically(path, lambda temp: Path(temp).write_bytes(data))


def write_json(path: str | os.PathLike, data: Any, *, indent: int = 2) -> Path:
    """Write data as JSON (UTF-8, ending in a newline) to path atomically; returns path.

    indent 2 is the layout of a run folder's settings.json; a sweep writes its many trial files
    with 1.
    """
    return write_file_atomically(path, (json.dumps(data, indent=indent) + "\n").encode("utf-8"))


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove the temporaries of path that killed writers left behind; return the removed paths.

    A temporary ``.STEM.<pid>-<hex>.partSUFFIX`` (see write_atomically) is stale when process
    <pid> no longer runs; one whose process still runs may be in the middle of its write and stays.
    """
    path = Path(path)
    if os.name != "posix":  # the liveness test below is POSIX's; elsewhere keep everything
        return []
    name = re.compile(
        rf"\.{re.escape(path.stem)}\.(\d{{1,9}})-[0-9a-f]+\.part{re.escape(path.suffix)}"
    )
    removed = []
    for candidate in path.parent.glob(
        f".{glob.escape(path.stem)}.*.part{glob.escape(path.suffix)}"
    ):
        match = name.fullmatch(candidate.name)
        if match and not _process_runs(int(match[1])):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and belongs to another user
        return True
    return True


def _flush_to_disk(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of path, a regular file of at most max_bytes (a symbolic link to one will do).

    For the small files deepkiso reads whole (checkpoint.json, settings.json): a device such as
    /dev/zero, a pipe or a huge file is refused before a byte is read. FileNotFoundError when
    nothing is there; ValueError naming the path and what is there instead.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise ValueError(
                _("{path}: a symbolic link to {target}, which does not exist").format(
                    path=path, target=os.readlink(path)
                )
            ) from None
        raise FileNotFoundError(_("{path}: missing").format(path=path)) from None
    except OSError as exc:
        raise ValueError(_cannot_read(path, exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(_("{path}: a directory, not a file").format(path=path))
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(
            _("{path}: not a regular file (a device, pipe or socket)").format(path=path)
        )
    if info.st_size > max_bytes:
        raise ValueError(
            _("{path}: {size} bytes, more than the {max_bytes} such a file may have").format(
                path=path, size=info.st_size, max_bytes=max_bytes
            )
        )
    try:
        with open(path, "rb") as f:
            # Its size as stat gave it, not max_bytes: read(n) sets n bytes aside before it reads.
            return f.read(info.st_size + 1)
    except OSError as exc:
        raise ValueError(_cannot_read(path, exc)) from None


def _cannot_read(path: Path, exc: OSError) -> str:
    return _("{path}: cannot be read ({cause})").format(path=path, cause=os_cause(exc))
