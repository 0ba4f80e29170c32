"""Checkpoint files: save_checkpoint, load_checkpoint and the checks a checkpoint must pass.

``checkpoint.json`` names an ``.npz`` of arrays (stored, not deflated) and holds its
SHA-256, a SHA-256 of its own fields, the numbers of the state and the run's
settings. Both are written under temporary names and renamed; the JSON is renamed
last and only then is the ``.npz`` that the previous JSON named deleted (no other
file, ever), so a crash at any moment leaves a complete, matching pair and no
failure loses trained weights. Reading one back checks the files' kinds and sizes,
the name of the ``.npz``, both hashes, and the ``.npz``'s table of members (stored,
inside the file, headers that account for their sizes, no objects, the shapes of
``checkpoint_layout``) before a single array is read: a zip bomb is refused
before it is inflated.

Version policy (``_CHECKPOINT_VERSION``, written as checkpoint.json's "version"):

* What bumps it: any change a reader of the previous version would misread or refuse: a field
  of checkpoint.json added, removed, renamed or given another meaning, another hash or layout of
  the ``.npz``, another naming of the state's keys ("net/W1", "optimizer/m/W1", "sampler", …).
  Adding a run setting inside "settings" does not (it is the commands' own JSON).
* How an older version is upgraded on load: ``_read_meta`` accepts every version it knows and
  rewrites an older one's fields into today's shape in memory, before any check (version 1,
  whose only hash was the arrays', gets its "arrays_sha256" from "sha256"); the next
  ``save_checkpoint`` writes the current version. A version newer than this deepkiso's is
  refused with one line naming both.
* Every version ever written keeps a test that loads it: version 1 in test_checkpoints (made in
  the test), version 2 from the committed files in tests/training/fixtures/checkpoint_v2
  (written once by make_checkpoint_v2.py, never regenerated), resumed bit-identical.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import stat
import tokenize
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from deepkiso._types import Net
from deepkiso.errors import os_cause
from deepkiso.files import read_regular_file, write_file_atomically
from deepkiso.i18n import _
from deepkiso.optimizers import Optimizer

__all__ = [
    "CHECKPOINT_NAME",
    "Checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "checkpoint_layout",
]

CHECKPOINT_NAME = "checkpoint.json"
_CHECKPOINT_FORMAT = "deepkiso-checkpoint"
_CHECKPOINT_VERSION = 2
_ARRAYS_NAME = re.compile(r"checkpoint-[0-9a-f]{16}\.npz")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# checkpoint.json holds one row per epoch and the sampler's state: a few hundred bytes an epoch.
_MAX_JSON_BYTES = 64 << 20

# One array a checkpoint may hold: (shape, None for any length; dtype; required).
ExpectedArray: TypeAlias = tuple[tuple[int | None, ...], np.dtype[Any], bool]
# One .npz member, checked: (ZipInfo, shape, dtype, fortran_order, header length).
_Member: TypeAlias = tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype[Any], bool, int]


@dataclass
class Checkpoint:
    """A checkpoint read back and verified: ``state`` (as Trainer.state_dict gave it), ``settings``,
    the files' paths and the format ``version`` it was written in."""

    state: dict[str, Any]
    settings: dict[str, Any]
    json_path: Path
    arrays_path: Path
    version: int = _CHECKPOINT_VERSION


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_default(value: object) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(
        _("checkpoint: cannot store a value of type {type} in JSON").format(
            type=type(value).__name__
        )
    )


def _meta_digest(meta: dict[str, Any]) -> str:
    """SHA-256 of checkpoint.json's fields other than "sha256", in a canonical form.

    The fields are hashed as a reader parses them (sorted keys, no spaces, numpy scalars as
    Python numbers), so whitespace does not matter and any edited value does.
    """
    fields = json.loads(
        json.dumps({k: v for k, v in meta.items() if k != "sha256"}, default=_json_default)
    )
    return hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def save_checkpoint(
    directory: str | os.PathLike[str],
    state: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
) -> Path:
    """Write state (arrays to an .npz, everything else to JSON) into directory; returns the JSON's path.

    state: a flat dict like Trainer.state_dict(): numpy arrays, and JSON-serialisable values.
    The .npz is named after its SHA-256 and written first; checkpoint.json, which names it and
    holds its hash and a hash of its own fields, replaces the old one last. Only then is the .npz
    that the old checkpoint.json named removed, and no other: a kill at any moment leaves the old
    pair or the new pair, and no .npz that some checkpoint.json did not give up is ever deleted.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    previous = _named_arrays(directory / CHECKPOINT_NAME)
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    values = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
    buffer = io.BytesIO()
    # stored, not deflated: loading never inflates more than the file holds
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # mypy matches **arrays to allow_pickle too
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    arrays_name = f"checkpoint-{digest[:16]}.npz"
    write_file_atomically(directory / arrays_name, data)
    meta = {
        "format": _CHECKPOINT_FORMAT,
        "version": _CHECKPOINT_VERSION,
        "arrays": arrays_name,
        "arrays_sha256": digest,
        "settings": settings or {},
        "state": values,
    }
    meta["sha256"] = _meta_digest(meta)
    text = json.dumps(meta, indent=1, default=_json_default).encode()
    json_path = write_file_atomically(directory / CHECKPOINT_NAME, text)
    if previous is not None and previous != arrays_name:
        (directory / previous).unlink(missing_ok=True)
    # write_atomically's temporaries of a killed writer (never a checkpoint: never renamed into place):
    # .checkpoint.<pid>-<hex>.part.json, .checkpoint-<hash>.<pid>-<hex>.part.npz
    for stale in directory.glob(".checkpoint*.part.*"):
        stale.unlink(missing_ok=True)
    return json_path


def _named_arrays(json_path: Path) -> str | None:
    """The .npz name that the checkpoint.json at json_path gives, or None where it gives none that is ours."""
    try:
        meta = json.loads(read_regular_file(json_path, _MAX_JSON_BYTES))
    except (FileNotFoundError, ValueError, RecursionError):
        return None
    name = meta.get("arrays") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and _ARRAYS_NAME.fullmatch(name) else None


def load_checkpoint(
    directory: str | os.PathLike[str],
    expected_arrays: Mapping[str, ExpectedArray] | None = None,
) -> Checkpoint:
    """Read back and verify what save_checkpoint wrote into directory.

    expected_arrays: {name: (shape, dtype, required)} of the arrays the checkpoint may hold (see
    ``checkpoint_layout``; None in a shape stands for any length). The .npz's table of members is
    read and checked against it before any array is read: a name not in it, another shape or
    dtype, a required one missing are refused, listing every mismatch.
    Raises FileNotFoundError when directory holds no checkpoint.json at all, and otherwise a
    ValueError naming the file and what is wrong: not a regular file, not JSON, a field of the
    wrong type, a hash that does not match, an .npz that is not a plain one (deflated members,
    headers that do not fit their sizes, object arrays), members that do not fit.
    Version 1 checkpoints (whose JSON fields had no hash) are read too; their fields are still
    checked one by one when a Trainer loads them.
    """
    directory = Path(directory)
    json_path = directory / CHECKPOINT_NAME
    meta = _read_meta(json_path)
    arrays_path = directory / meta["arrays"]
    _check_arrays_file(json_path, arrays_path)
    found = _sha256(arrays_path)
    if found != meta["arrays_sha256"]:
        raise ValueError(
            _(
                "{path}: SHA-256 {found} does not match {recorded} "
                "recorded in {json_name} (the file is damaged)"
            ).format(
                path=arrays_path,
                found=found,
                recorded=meta["arrays_sha256"],
                json_name=json_path.name,
            )
        )
    arrays = _read_npz(arrays_path, expected_arrays)
    return Checkpoint(
        state={**meta["state"], **arrays},
        settings=meta["settings"],
        json_path=json_path,
        arrays_path=arrays_path,
        version=meta["version"],
    )


def checkpoint_layout(net: Net, optimizer: Optimizer) -> dict[str, ExpectedArray]:
    """The arrays a Trainer's checkpoint of net and optimizer holds: {name: (shape, dtype, required)}.

    "net/W1", … as the parameters (required); "optimizer/m/W1", … one per buffer and parameter
    (there once the optimizer has stepped); "history/iteration_loss", float64 of any length (None
    in the shape), one loss per iteration (required).
    """
    layout: dict[str, ExpectedArray] = {
        f"net/{name}": (param.shape, param.dtype, True) for name, param in net.params.items()
    }
    layout.update(
        {
            f"optimizer/{buffer}/{name}": (param.shape, param.dtype, False)
            for buffer in optimizer.buffers
            for name, param in net.params.items()
        }
    )
    layout["history/iteration_loss"] = ((None,), np.dtype(np.float64), True)
    return layout


def _read_meta(json_path: Path) -> dict[str, Any]:
    """checkpoint.json parsed and its fields checked: format, version, names, hashes, types."""
    text = read_regular_file(json_path, _MAX_JSON_BYTES)
    try:
        meta = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            _("{path}: not a readable checkpoint ({error})").format(path=json_path, error=exc)
        ) from None
    except RecursionError:
        raise ValueError(
            _("{path}: not a readable checkpoint (nested too deeply)").format(path=json_path)
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(
            _('{path}: not a deepkiso checkpoint (expected "format": "{format}")').format(
                path=json_path, format=_CHECKPOINT_FORMAT
            )
        )
    version = meta.get("version")
    if type(version) is not int or version not in (1, _CHECKPOINT_VERSION):
        raise ValueError(
            _(
                "{path}: checkpoint version {version!r}, this deepkiso reads versions 1 and {latest}"
            ).format(path=json_path, version=version, latest=_CHECKPOINT_VERSION)
        )
    if version == 1:  # the one hash of version 1 was the arrays' own
        meta = {**meta, "arrays_sha256": meta.get("sha256")}
    required = ("arrays", "arrays_sha256", "state", "settings") + (
        ("sha256",) if version > 1 else ()
    )
    missing = [key for key in required if key not in meta]
    if missing:
        raise ValueError(
            _("{path}: the checkpoint lacks {missing} (found keys {found})").format(
                path=json_path, missing=missing, found=sorted(meta)
            )
        )
    for key in ("state", "settings"):
        if not isinstance(meta[key], dict):
            raise ValueError(
                _('{path}: "{key}" must be an object, got {got}').format(
                    path=json_path, key=key, got=shown(meta[key])
                )
            )
    for key in ("sha256", "arrays_sha256"):
        if key in meta and not (isinstance(meta[key], str) and _SHA256.fullmatch(meta[key])):
            raise ValueError(
                _('{path}: "{key}" must be 64 hexadecimal digits, got {got}').format(
                    path=json_path, key=key, got=shown(meta[key])
                )
            )
    name = meta["arrays"]
    if not (
        isinstance(name, str)
        and _ARRAYS_NAME.fullmatch(name)
        and name[11:27] == meta["arrays_sha256"][:16]
    ):
        raise ValueError(
            _(
                '{path}: "arrays" must be the file name checkpoint-<the first 16 digits of '
                "arrays_sha256>.npz, in the run directory, got {got}"
            ).format(path=json_path, got=shown(name))
        )
    if version > 1 and _meta_digest(meta) != meta["sha256"]:
        raise ValueError(
            _(
                "{path}: its fields do not match the SHA-256 it records "
                "(the file was edited or is damaged)"
            ).format(path=json_path)
        )
    return meta


def shown(value: Any) -> str:
    """value for a message, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_arrays_file(json_path: Path, arrays_path: Path) -> None:
    """arrays_path must be a regular file itself (not a link elsewhere) beside json_path."""
    try:
        info = arrays_path.lstat()
    except FileNotFoundError:
        raise ValueError(
            _("{path}: names {name}, which does not exist").format(
                path=json_path, name=arrays_path.name
            )
        ) from None
    except OSError as exc:
        raise ValueError(
            _("{path}: cannot be read ({cause})").format(path=arrays_path, cause=os_cause(exc))
        ) from None
    if stat.S_ISLNK(info.st_mode):
        raise ValueError(
            _(
                "{path}: a symbolic link; a checkpoint's arrays must be a regular file "
                "in the run directory"
            ).format(path=arrays_path)
        )
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(_("{path}: not a regular file").format(path=arrays_path))


# What reading a damaged .npz or .npy header can raise (zipfile; numpy.lib.format, which parses a
# version 1 header with tokenize and ast.literal_eval).
_NPZ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    ValueError,
    TypeError,
    SyntaxError,
    KeyError,
    EOFError,
    OverflowError,
    RecursionError,
    NotImplementedError,
    OSError,
    tokenize.TokenError,
)


def _read_npz(path: Path, expected: Mapping[str, ExpectedArray] | None) -> dict[str, np.ndarray]:
    """The arrays of the .npz at path, after checking every member's declared size against the file.

    Before any array is read: each member must be stored (not deflated, so it cannot inflate
    beyond the file's size), lie inside the file, hold an .npy whose header's shape and dtype
    account for exactly its size, not hold Python objects, and fit ``expected`` where given.
    """
    with _unreadable_npz(path):
        archive = zipfile.ZipFile(path)
    with archive:
        with _unreadable_npz(path):
            members = _npz_members(path, archive)
        if expected is not None:
            _check_members(path, members, expected)
        with _unreadable_npz(path):
            return {key: _read_member(archive, *member) for key, member in members.items()}


@contextmanager
def _unreadable_npz(path: Path) -> Iterator[None]:
    """Whatever a damaged .npz makes zipfile or numpy raise becomes one ValueError naming path."""
    try:
        yield
    except _BadMember as exc:
        raise ValueError(f"{path}: {exc}") from None
    except _NPZ_ERRORS as exc:
        raise ValueError(
            _("{path}: not a readable .npz of arrays ({error})").format(
                path=path, error=_shown_error(exc)
            )
        ) from None


class _BadMember(ValueError):
    """A member of an .npz that deepkiso refuses to read, and why."""


def _read_member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    fortran_order: bool,
    offset: int,
) -> np.ndarray:
    """The array in member, whose .npy header (offset bytes) declared shape and dtype; a writable copy."""
    with archive.open(member) as f:
        f.seek(offset)
        data = f.read(member.file_size - offset)
    array: np.ndarray = (
        np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C").copy()
    )
    return array


def _shown_error(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _npz_members(path: Path, archive: zipfile.ZipFile) -> dict[str, _Member]:
    """{key: (ZipInfo, shape, dtype, fortran_order, header length)} of every member, checked."""
    size = path.stat().st_size
    members: dict[str, _Member] = {}
    for member in archive.infolist():
        name = member.filename
        if not name.endswith(".npy") or name[:-4] in members:
            raise _BadMember(
                _("member {name!r}: expected one .npy per array name").format(name=name)
            )
        if member.compress_type != zipfile.ZIP_STORED or member.compress_size != member.file_size:
            raise _BadMember(
                _(
                    "member {name!r}: compressed (declares {size} bytes in {compressed}); "
                    "deepkiso writes and reads stored members only"
                ).format(name=name, size=member.file_size, compressed=member.compress_size)
            )
        if member.header_offset + member.compress_size > size:
            raise _BadMember(
                _("member {name!r}: declares {declared} bytes, beyond the file's {size}").format(
                    name=name, declared=member.compress_size, size=size
                )
            )
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            read_header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            if read_header is None:
                raise _BadMember(
                    _("member {name!r}: .npy version {version} is not read here").format(
                        name=name, version=version
                    )
                )
            shape, fortran_order, dtype = read_header(f)
            offset = f.tell()
        if dtype.hasobject:
            raise _BadMember(
                _("member {name!r}: holds Python objects, which are never unpickled").format(
                    name=name
                )
            )
        n_bytes = math.prod(shape) * dtype.itemsize
        if n_bytes != member.file_size - offset:
            raise _BadMember(
                _(
                    "member {name!r}: its header declares shape {shape} of {dtype} "
                    "({n_bytes} bytes), the member holds {held}"
                ).format(
                    name=name,
                    shape=shape,
                    dtype=dtype,
                    n_bytes=n_bytes,
                    held=member.file_size - offset,
                )
            )
        members[name[:-4]] = (member, shape, dtype, fortran_order, offset)
    return members


def _check_members(
    path: Path, members: Mapping[str, _Member], expected: Mapping[str, ExpectedArray]
) -> None:
    """Every member must be one of expected, with its shape (None: any length) and dtype, and every required
    one there; lists every misfit."""
    problems = []
    for key, (_member, shape, dtype, _order, _offset) in members.items():
        if key not in expected:
            problems.append(
                _("{key}: saved, but not an array of this run's net and optimizer").format(key=key)
            )
            continue
        want_shape, want_dtype, _required = expected[key]
        fits = len(shape) == len(want_shape) and all(
            w is None or w == s for s, w in zip(shape, want_shape)
        )
        if not fits or dtype != want_dtype:
            wanted = str(tuple(want_shape)).replace("None", _("any"))
            problems.append(
                _(
                    "{key}: saved {dtype} of shape {shape}, expected {want_dtype} of shape {wanted}"
                ).format(
                    key=key,
                    dtype=dtype,
                    shape=shape,
                    want_dtype=np.dtype(want_dtype),
                    wanted=wanted,
                )
            )
    problems += [
        _("{key}: missing (expected {dtype} of shape {shape})").format(
            key=key, dtype=np.dtype(dtype), shape=shape
        )
        for key, (shape, dtype, required) in expected.items()
        if required and key not in members
    ]
    if problems:
        raise ValueError(
            _("{path}: does not fit this run's net and optimizer: {problems}").format(
                path=path, problems="; ".join(problems)
            )
        )
