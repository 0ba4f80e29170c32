"""Inside `unshare` (``--isolate`` without bubblewrap): the worker's own view of the file system.

``unshare`` gives the worker new mount, PID, network, IPC and UTS namespaces
(and a user namespace when the grader is not root) and a fresh ``/proc``;
this module, run first thing in the exec'd worker (``_exec``), then builds
what bubblewrap's options would:

* ``/tmp``, ``/run`` and the home folders hidden behind empty tmpfs mounts
  (``/tmp`` bounded, writable; the others read-only);
* a minimal ``/dev`` (null, zero, full, random, urandom; no disks) with a
  private ``/dev/shm`` bounded by the memory limit;
* the workspace (the copy of the learner's project) and the Python folders
  bound back in where a hiding mount covered them;
* every other mount remounted read-only, each one's other flags kept (a user
  namespace may not clear them), and then checked: a mount that is still
  writable stops the worker before the learner's code runs (fail closed).

The mounts are private to the namespace (``unshare --propagation private``):
nothing here reaches the grader's view. The worker drops its capabilities
afterwards (``contain.confine_self``), so the learner's code cannot undo them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
from dataclasses import dataclass

__all__ = ["Plan", "enter", "writable_mounts"]

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND = 32, 4096
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
# statvfs's per-mount flags and the mount(2) flags that set them again on a remount.
_KEPT_FLAGS = (
    (os.ST_NOSUID, _MS_NOSUID),
    (os.ST_NODEV, _MS_NODEV),
    (os.ST_NOEXEC, _MS_NOEXEC),
    (os.ST_NOATIME, _MS_NOATIME),
    (os.ST_NODIRATIME, _MS_NODIRATIME),
    (os.ST_RELATIME, _MS_RELATIME),
)
DEVICES = ("null", "zero", "full", "random", "urandom")


@dataclass(frozen=True)
class Plan:
    """What the worker's view holds: workspace writable, python read-only, hidden folders empty.

    tmp_bytes / shm_bytes: the sizes of the private /tmp and /dev/shm.
    """

    workspace: str
    python: tuple[str, ...]
    hidden: tuple[str, ...]
    tmp_bytes: int
    shm_bytes: int

    @property
    def writable(self) -> tuple[str, ...]:
        return (self.workspace, "/tmp", "/dev/shm")

    def stays_writable(self, point: str) -> bool:
        """Whether the mount at point is left writable: inside a writable folder and not Python's.

        A Python folder may itself lie under /tmp (a CI's virtual environment in a temporary
        folder): bound back onto the private /tmp, it must still be read-only.
        """
        return _inside(point, self.writable) and not _inside(point, self.python)


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> None:
    """mount(2); OSError (with the target's name) when refused."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    result = libc.mount(
        source.encode() if source else None,
        target.encode(),
        kind.encode() if kind else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"mount {target}: {os.strerror(number)}", target)


def _mount_points() -> list[str]:
    """Every mount point in /proc/self/mountinfo, in its order, once each (octal escapes decoded)."""
    points: dict[str, None] = {}
    with open("/proc/self/mountinfo", "rb") as file:
        for line in file:
            field = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), line.split()[4])
            points[os.fsdecode(field)] = None
    return list(points)


def _inside(path: str, folders: tuple[str, ...]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _hide(plan: Plan) -> None:
    """Empty tmpfs mounts over /tmp, /run and the home folders; a minimal /dev with its own /dev/shm."""
    _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={plan.tmp_bytes},mode=1777")
    for folder in plan.hidden:
        if os.path.isdir(folder) and not os.path.islink(folder):
            _mount("tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=755")
    devices = {name: os.open(f"/dev/{name}", os.O_PATH) for name in DEVICES}
    _mount("tmpfs", "/dev", "tmpfs", _MS_NOSUID | _MS_NOEXEC, "size=1m,mode=755")
    for name, fd in devices.items():
        with open(f"/dev/{name}", "w"):
            pass  # the file a device is bound onto
        _mount(f"/proc/self/fd/{fd}", f"/dev/{name}", None, _MS_BIND)
        os.close(fd)
    os.mkdir("/dev/shm", 0o1777)
    _mount("tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={plan.shm_bytes}")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0")):
        os.symlink(target, f"/dev/{name}")
    os.symlink("/proc/self/fd/1", "/dev/stdout")
    os.symlink("/proc/self/fd/2", "/dev/stderr")


def _read_only(point: str, plan: Plan) -> None:
    """Remount the mount at point read-only with its other flags; skip a point another mount hides."""
    if plan.stays_writable(point):
        return
    try:
        flags = os.statvfs(point).f_flag
    except OSError:
        return  # under a hiding mount: not reachable
    if flags & os.ST_RDONLY:
        return
    kept = sum(ms for st, ms in _KEPT_FLAGS if flags & st)
    try:
        _mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | kept)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # EINVAL: point is a plain folder now (its mount hidden)
            raise


def writable_mounts(plan: Plan) -> list[str]:
    """The reachable mount points plan keeps read-only whose mount is writable (none, after enter)."""
    found = []
    for point in _mount_points():
        if plan.stays_writable(point):
            continue
        try:
            if not os.statvfs(point).f_flag & os.ST_RDONLY:
                found.append(point)
        except OSError:
            continue
    return found


def enter(plan: Plan) -> None:
    """Build the worker's view in this (new, private) mount namespace; OSError when it cannot be built."""
    bound = (plan.workspace, *plan.python)
    folders = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in bound}
    _hide(plan)
    for path, fd in folders.items():  # back where a hiding mount covered them
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND)
        os.close(fd)
    for point in _mount_points():
        _read_only(point, plan)
    left = writable_mounts(plan)
    if left:
        raise OSError(errno.EPERM, f"--isolate: these mounts stay writable: {', '.join(left)}")
