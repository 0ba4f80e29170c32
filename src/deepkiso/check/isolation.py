"""`deepkiso check --isolate`: the checking process in a sandbox, for code nobody vouches for.

The worker is exec'd (``python -m deepkiso.check._exec FD``) inside one of two
tools, whichever works here (bubblewrap first):

* ``bwrap`` (bubblewrap), with: no network (its own, empty network
  namespace), its own PID namespace, a read-only view of the whole system
  with the home folders, ``/run`` and ``/tmp`` hidden behind empty ones, the
  Python environment and deepkiso read-only, a private ``/tmp`` and
  ``/dev/shm`` bounded by the memory limit, and only the workspace (the copy
  of the learner's project) writable;
* util-linux ``unshare`` where bubblewrap is missing (or cannot run), as root
  or with a user namespace (``--user --map-root-user``) otherwise: new
  network, PID (``--fork --mount-proc``), mount, IPC and UTS namespaces, and
  the same view of the file system, which the worker builds itself in its
  private mount namespace before anything else (``_namespace``). Wrapped in
  ``setpriv --pdeathsig KILL`` where setpriv is installed, so that the
  sandbox dies with the grader as ``bwrap --die-with-parent`` does.

In both, the grader's pid cannot be named, so it cannot be signalled nor its
``/proc/PID/fd`` opened, and when the worker ends, everything it started
ends. The worker speaks the same framed protocol as the forked one, on FD.
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import shutil
import site
import subprocess
import sys
from pathlib import Path

import deepkiso
from deepkiso import i18n
from deepkiso.i18n import N_

__all__ = [
    "isolation_tool",
    "isolation_available",
    "sandbox_command",
    "unshare_command",
    "unshare_flags",
    "NO_TOOL",
]

NO_TOOL = N_(
    "--isolate needs bubblewrap or a working util-linux unshare, and neither is usable here: "
    "install the 'bubblewrap' package (Debian/Ubuntu: apt-get install bubblewrap; "
    "Fedora: dnf install bubblewrap)"
)
_PROBE_SECONDS = 20.0
_HIDDEN_SYSTEM_FOLDERS = ("/run",)  # sockets of system services live here


def _works(command: tuple[str, ...]) -> bool:
    """Whether command (a tool making its namespaces, then `true`) succeeds here."""
    try:
        return (
            subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=_PROBE_SECONDS,
                check=False,
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=8)
def _probe(command: tuple[str, ...]) -> bool:
    """_works, once per command and process (a grader checks many files)."""
    return _works(command)


def unshare_flags() -> list[str]:
    """The namespaces of unshare: a user namespace too unless the grader is root."""
    flags = ["--net", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc"]
    flags += ["--propagation", "private", "--ipc", "--uts"]
    return flags if os.geteuid() == 0 else ["--user", "--map-root-user", *flags]


def isolation_tool() -> str:
    """The program to sandbox the worker with: bwrap, else unshare; ValueError (NO_TOOL) when neither works."""
    if not sys.platform.startswith("linux"):
        raise ValueError(i18n._(NO_TOOL))
    true = shutil.which("true") or "/bin/true"
    bwrap = shutil.which("bwrap")
    if bwrap is not None and _probe(
        (bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--", true)
    ):
        return bwrap
    unshare = shutil.which("unshare")
    if unshare is not None and _probe((unshare, *unshare_flags(), "--", true)):
        return unshare
    raise ValueError(i18n._(NO_TOOL))


def isolation_available() -> bool:
    """Whether --isolate can run here (with either tool)."""
    try:
        isolation_tool()
    except ValueError:
        return False
    return True


def _hidden_folders() -> list[str]:
    """The user's home folders (where keys and tokens live): empty in the sandbox."""
    homes = {os.path.expanduser("~"), os.environ.get("HOME", "")}
    try:
        homes.add(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        pass
    return sorted(h for h in homes if h and h != "/" and os.path.isdir(h))


def _python_folders() -> list[str]:
    """What the worker needs to run deepkiso: the interpreter's prefixes, site-packages, deepkiso's folder."""
    package_parent = str(Path(deepkiso.__file__).resolve().parent.parent)
    folders = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        package_parent,
        *site.getsitepackages(),
    }
    return sorted(f for f in folders if os.path.isdir(f))


def _worker(fd: int) -> list[str]:
    return [sys.executable, "-m", "deepkiso.check._exec", str(fd)]


def sandbox_command(tool: str, workspace: Path, fd: int, shm_bytes: int) -> list[str]:
    """The command that runs the exec'd worker on descriptor fd in tool (a path from isolation_tool)."""
    if Path(tool).name.startswith("unshare"):
        return unshare_command(tool, workspace, fd, shm_bytes)
    command = [tool, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    command += ["--size", str(shm_bytes), "--tmpfs", "/tmp"]
    command += ["--size", str(shm_bytes), "--tmpfs", "/dev/shm"]
    for folder in [*_hidden_folders(), *_HIDDEN_SYSTEM_FOLDERS]:
        if os.path.isdir(folder):
            command += ["--tmpfs", folder]
    for folder in _python_folders():  # again, in case a home folder hid the virtual environment
        command += ["--ro-bind", folder, folder]
    command += ["--bind", str(workspace), str(workspace)]
    command += ["--unshare-all", "--die-with-parent", "--new-session", "--chdir", str(workspace)]
    return [*command, "--", *_worker(fd)]


def unshare_command(tool: str, workspace: Path, fd: int, shm_bytes: int) -> list[str]:
    """unshare's namespaces around the worker, which builds its view first (``_namespace.Plan``)."""
    plan = {
        "workspace": str(workspace),
        "python": _python_folders(),
        "hidden": [*_hidden_folders(), *_HIDDEN_SYSTEM_FOLDERS],
        "tmp_bytes": shm_bytes,
        "shm_bytes": shm_bytes,
    }
    setpriv = shutil.which("setpriv")
    wrapper = [setpriv, "--pdeathsig", "KILL"] if setpriv is not None else []
    return [*wrapper, tool, *unshare_flags(), "--", *_worker(fd), "--namespace", json.dumps(plan)]
