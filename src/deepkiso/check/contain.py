"""Keeping a checked learner's code inside its box: its process tree, its memory, its files, its environment.

The grader (parent) side:

* ``become_subreaper`` (Linux): a process the learner's code double-forks
  (fork, ``os.setsid()``, fork) is reparented to the grader instead of init,
  so it stays part of the tree the grader watches and kills.
* ``Tree``: the worker and every descendant, found by walking ``/proc`` (not
  only the process group, which ``setsid`` leaves). ``poll`` sums the tree's
  resident memory and the ``/dev/shm`` files its processes hold, counts its
  processes, and says when either is over the limit; ``kill`` stops every
  member and removes the ``/dev/shm`` files the tree created.
* ``Workspace``: a temporary folder with a bounded copy of the learner's
  project (so their code deleting files harms nothing), a HOME and a TMPDIR,
  removed when the check ends.

The worker (child) side, ``confine_self``: an environment reduced to an
allowlist, HOME and TMPDIR in the workspace, the working directory the copy,
no capabilities when the grader runs as root, a per-file size limit (its
prints go to a bounded log) and death with the grader.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from deepkiso.check.loader import _NOT_LEARNER_DIRS
from deepkiso.i18n import _

__all__ = [
    "become_subreaper",
    "set_dumpable",
    "Tree",
    "TreeOverLimit",
    "Workspace",
    "confine_self",
    "starting_worker",
    "worker_ended",
    "scrubbed_environment",
    "DEFAULT_MAX_PROCESSES",
    "COPY_LIMIT_BYTES",
    "LOG_LIMIT_BYTES",
]

DEFAULT_MAX_PROCESSES = 64
COPY_LIMIT_BYTES = 64 * 1024 * 1024  # all the project files copied into the workspace, together
COPY_FILE_LIMIT_BYTES = (
    4 * 1024 * 1024
)  # one file other than .py / .ipynb (a data set is not the code)
COPY_FILE_COUNT = (
    5000  # files copied from a project (a root found high up must not mean copying a disk)
)
LOG_LIMIT_BYTES = 16 * 1024 * 1024  # what the worker prints, and any one file it writes
_SHM = Path("/dev/shm")
# Variables the worker keeps: how to find programs, the language (deepkiso's own, so that the
# worker's messages are in the grader's language, and the locale), hashing and thread counts. Not tokens.
_KEPT_VARIABLES = (
    "PATH",
    "DEEPKISO_LANG",
    "LANG",
    "LANGUAGE",
    "TZ",
    "PYTHONHASHSEED",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
)
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 1, 4, 36
_PR_CAPBSET_DROP, _PR_SET_SECUREBITS, _PR_SET_NO_NEW_PRIVS = 24, 28, 38
_SECURE_NOROOT_LOCKED = 0x2F  # SECBIT_NOROOT, SECBIT_NO_SETUID_FIXUP, and their locks
# The workers (and graders) this process runs now, each the root of its own tree: checks may run
# in threads side by side (a kernel, `--class`), and a child of this process that is no worker's is
# an orphan some tree left. The lock makes starting a worker and walking the trees exclusive.
_WORKERS: set[int] = set()
_WORKERS_LOCK = threading.RLock()


@contextmanager
def starting_worker():
    """with starting_worker() as started: pid = fork(); started(pid) — no tree is walked in between."""
    with _WORKERS_LOCK:
        yield _WORKERS.add


def worker_ended(pid: int) -> None:
    """Call once the worker pid is reaped."""
    with _WORKERS_LOCK:
        _WORKERS.discard(pid)


def _prctl(option: int, value: int) -> bool:
    """prctl(option, value) on Linux; False where it is not there or refused."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Make orphans of this process's descendants its children (not init's); False where impossible."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def set_dumpable(dumpable: bool) -> bool:
    """Whether processes of the same user may open this one's /proc/PID/fd/* (its stdout, for one)."""
    return _prctl(_PR_SET_DUMPABLE, int(dumpable))


# --- the tree of processes ---------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of pid, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            fields = file.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), fields[0].decode()
    except (OSError, IndexError, ValueError):
        return None


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) for every process this system shows in /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(int(name))
            if stat is not None:
                table[int(name)] = stat
    return table


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as file:
            return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _shm_files(pid: int) -> set[str]:
    """The /dev/shm files pid holds open or has mapped."""
    found = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("/dev/shm/"):
                found.add(target.removesuffix(" (deleted)"))
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as file:
            for line in file:
                if "/dev/shm/" in line:
                    found.add(line[line.index("/dev/shm/") :].strip().removesuffix(" (deleted)"))
    except OSError:
        pass
    return found


class TreeOverLimit(Exception):
    """The tree went over its memory or process limit; str() says which, for the report."""


@dataclass
class Tree:
    """A worker process and all its descendants, as /proc shows them now.

    root: the worker's pid. memory_bytes: the limit on what the tree adds to the
    worker's memory when first seen. max_processes: the cap on its size.
    Orphans reparented to this (subreaper) process after the tree began are
    members too: ``others`` are the children this process had before, and the
    other workers running now are not.
    """

    root: int
    memory_bytes: int
    max_processes: int = DEFAULT_MAX_PROCESSES
    others: set[int] = field(default_factory=set)
    baseline: int | None = None
    shm_before: set[str] = field(default_factory=set)
    shm_seen: set[str] = field(default_factory=set)
    linux: bool = field(default_factory=lambda: os.path.isdir("/proc/self"))

    @classmethod
    def before_fork(cls, memory_mb: int, max_processes: int) -> Tree:
        """Note this process's children and /dev/shm now; set root once the worker is forked."""
        me = os.getpid()
        others = (
            {pid for pid, (ppid, _state) in _processes().items() if ppid == me}
            if os.path.isdir("/proc/self")
            else set()
        )
        shm = {str(p) for p in _SHM.iterdir()} if _SHM.is_dir() else set()
        return cls(
            root=0,
            memory_bytes=memory_mb * 1024 * 1024,
            max_processes=max_processes,
            others=others,
            shm_before=shm,
        )

    def members(self) -> list[int]:
        """The worker and its descendants that have not ended (zombies excluded), root first."""
        if not self.linux:
            return []
        with _WORKERS_LOCK:
            table = _processes()
            strangers = self.others | (_WORKERS - {self.root})
        me = os.getpid()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _state) in table.items():
            children.setdefault(ppid, []).append(pid)
        start = [self.root] + [
            p for p in children.get(me, []) if p != self.root and p not in strangers
        ]
        found, queue = [], [p for p in start if p in table]
        while queue:
            pid = queue.pop()
            if pid in found:
                continue
            found.append(pid)
            queue.extend(children.get(pid, []))
        return [p for p in found if table[p][1] not in ("Z", "X")]

    def poll(self, scan_files: bool = True) -> None:
        """Raise TreeOverLimit when the tree holds too many processes or too much memory."""
        members = self.members()
        if not members:
            return
        if len(members) > self.max_processes:
            raise TreeOverLimit(
                _("the code started more than {limit} processes (the limit)").format(
                    limit=self.max_processes
                )
            )
        if scan_files:
            for pid in members:
                self.shm_seen |= _shm_files(pid) - self.shm_before
        used = sum(_resident_bytes(pid) for pid in members) + sum(_size(p) for p in self.shm_seen)
        if self.baseline is None:
            self.baseline = used
        if used - self.baseline > self.memory_bytes:
            raise TreeOverLimit(
                _(
                    "the code used more than {limit} MB of memory, all its "
                    "processes and shared-memory files together (the limit)"
                ).format(limit=self.memory_bytes // 2**20)
            )

    def kill(self, seconds: float = 5.0) -> None:
        """SIGKILL every member until none is left (a fork bomb forks while it dies); reap ours; remove its shm files."""
        deadline = time.monotonic() + seconds
        while self.linux and time.monotonic() < deadline:
            with _WORKERS_LOCK:  # no worker starts (and looks like an orphan) meanwhile
                members = self.members()
                self._stop_and_kill(members)
                self._reap()
            if not members:
                break
            time.sleep(0.005)
        for name in self.shm_seen:
            try:
                os.unlink(name)
            except OSError:
                pass  # already removed by the code itself

    def _stop_and_kill(self, members: list[int]) -> None:
        for pid in members:
            try:
                os.kill(
                    pid, signal.SIGSTOP
                )  # stopped first, so none forks between the walk and the kill
            except ProcessLookupError:
                pass
        for pid in members:
            self.shm_seen |= _shm_files(pid) - self.shm_before
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _reap(self) -> None:
        """Collect the orphans reparented to this process (never a worker: whoever started it waits for it)."""
        me = os.getpid()
        for pid, (ppid, state) in _processes().items():
            if (
                ppid == me
                and state == "Z"
                and pid not in self.others
                and pid not in _WORKERS
                and pid != self.root
            ):
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass


def _size(path: str) -> int:
    try:
        return os.stat(path).st_blocks * 512
    except OSError:
        return 0


# --- the worker's folders ----------------------------------------------------------------------


class Workspace:
    """A temporary folder holding a copy of the learner's project (``work/``), ``home/`` and ``tmp/``.

    Copied from each project root: every .py file and notebook, and other files
    up to COPY_FILE_LIMIT_BYTES each, COPY_LIMIT_BYTES and COPY_FILE_COUNT files
    in all (the files checked are always copied); not hidden
    folders, caches, ``dataset/`` or symbolic links (a link would let the code
    write through it to the original). ``paths`` / ``roots`` are the copies'.
    """

    def __init__(self, paths: list[Path], roots: list[Path]):
        self.folder = Path(tempfile.mkdtemp(prefix="deepkiso-check-"))
        self.work, self.home, self.tmp = (
            self.folder / "work",
            self.folder / "home",
            self.folder / "tmp",
        )
        try:
            self._fill(paths, roots)
        except BaseException:
            self.remove()  # a copy that failed (a full disk) leaves nothing behind
            raise

    def _fill(self, paths: list[Path], roots: list[Path]) -> None:
        for folder in (self.work, self.home, self.tmp):
            folder.mkdir()
        self.budget, self.files_left = COPY_LIMIT_BYTES, COPY_FILE_COUNT
        self.skipped: list[str] = []
        copied: dict[Path, Path] = {}
        for root in sorted(set(roots), key=lambda r: len(r.parts)):
            outer = next((r for r in copied if root.is_relative_to(r)), None)
            if outer is None:
                copied[root] = self.work / f"{len(copied)}" / root.name
                self._copy_tree(root, copied[root])
        self.roots = [self._moved(root, copied) for root in roots]
        self.paths = [self._moved(path, copied, wanted=True) for path in paths]

    def _moved(self, path: Path, copied: dict[Path, Path], wanted: bool = False) -> Path:
        """Where path lies in the copy; a file outside every root is copied on its own."""
        outer = next((r for r in copied if path.is_relative_to(r)), None)
        if outer is not None:
            target = copied[outer] / path.relative_to(outer)
            if wanted and not target.exists() and path.is_file():
                self._copy_file(path, target, always=True)
            return target
        target = self.work / "outside" / path.name
        if wanted:
            self._copy_file(path, target, always=True)
        return target

    def _copy_tree(self, source: Path, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        for folder, dirs, files in os.walk(source):
            here = Path(folder)
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(".")
                and d not in _NOT_LEARNER_DIRS
                # a project in the temp folder holds the workspaces themselves (this one among them)
                and not d.startswith("deepkiso-check-")
                and not (here / d).is_symlink()
            )
            (target / here.relative_to(source)).mkdir(parents=True, exist_ok=True)
            for name in sorted(files):
                self._copy_file(here / name, target / here.relative_to(source) / name)
            if self.files_left <= 0:
                return  # the rest is not copied; the checked files are, by _moved

    def _copy_file(self, source: Path, target: Path, always: bool = False) -> None:
        try:
            if source.is_symlink() or not source.is_file():
                return
            size = source.stat().st_size
            code = source.suffix in (".py", ".ipynb")
            if not always and (
                size > self.budget
                or self.files_left <= 0
                or (not code and size > COPY_FILE_LIMIT_BYTES)
            ):
                self.skipped.append(str(source))
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            self.budget, self.files_left = self.budget - size, self.files_left - 1
        except OSError:
            self.skipped.append(str(source))  # unreadable: the worker would not have read it either

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def scrubbed_environment(home: Path, tmp: Path) -> dict[str, str]:
    """The worker's environment: the allowlist from this one, HOME and TMPDIR its own, no plotting window."""
    kept = {k: v for k, v in os.environ.items() if k in _KEPT_VARIABLES or k.startswith("LC_")}
    kept.setdefault("PATH", os.defpath)
    kept.update(
        HOME=str(home), TMPDIR=str(tmp), MPLBACKEND="Agg", MPLCONFIGDIR=str(home / ".matplotlib")
    )
    return kept


def confine_self(workspace_home: Path, workspace_tmp: Path, cwd: Path, max_processes: int) -> None:
    """In the worker, before the learner's code: scrubbed environment, own folders, no privileges, bounded files."""
    kept = scrubbed_environment(workspace_home, workspace_tmp)  # read before the clear
    os.environ.clear()
    os.environ.update(kept)
    tempfile.tempdir = None  # computed again from TMPDIR
    os.chdir(cwd)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # the grader killed: the worker dies with it
    set_dumpable(
        True
    )  # the grader is not dumpable; the worker must be, so the grader can read its /proc
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (LOG_LIMIT_BYTES, LOG_LIMIT_BYTES))
        if os.geteuid() != 0:  # root ignores it; the grader's polling still holds
            user_processes = sum(1 for pid in _processes() if _owned(pid))
            cap = user_processes + max_processes
            resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass  # the grader's polling of the tree still holds
    if os.geteuid() == 0:
        _drop_root_powers()


def _owned(pid: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}").st_uid == os.geteuid()
    except OSError:
        return False


def _drop_root_powers() -> None:
    """A worker of a root grader keeps uid 0 but no capability, now or after exec (no ptrace of the grader)."""
    if not sys.platform.startswith("linux"):
        return
    _prctl(_PR_SET_SECUREBITS, _SECURE_NOROOT_LOCKED)
    for capability in range(64):
        if not _prctl(_PR_CAPBSET_DROP, capability) and capability > 40:
            break
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (
            ctypes.c_uint32 * 6
        )()  # effective, permitted, inheritable: all zero, twice (64 bits)
        libc.capset(header, data)
    except (OSError, AttributeError):
        pass
