"""`deepkiso check --isolate`: the checking process in a bubblewrap sandbox, for code nobody vouches for.

The worker is exec'd (``python -m deepkiso.check._exec FD``) inside ``bwrap``
with: no network (its own, empty network namespace), its own PID namespace
(the grader's pid cannot be named, so it cannot be signalled nor its
``/proc/PID/fd`` opened; when the worker ends, everything it started ends),
a read-only view of the whole system with the home folders and ``/tmp``
hidden behind empty ones, the Python environment and deepkiso read-only, a
private ``/dev/shm`` bounded by the memory limit, and only the workspace (the
copy of the learner's project) writable. It speaks the same framed protocol as
the forked worker, on descriptor FD.
"""

from __future__ import annotations

import os
import pwd
import shutil
import site
import sys
from pathlib import Path

import deepkiso

__all__ = ["isolation_tool", "bwrap_command", "NO_TOOL"]

NO_TOOL = (
    "--isolate needs bubblewrap, which is not installed: install the 'bubblewrap' package "
    "(Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"
)


def isolation_tool() -> str:
    """The bwrap program to use; ValueError (NO_TOOL) when there is none."""
    tool = shutil.which("bwrap")
    if tool is None or not sys.platform.startswith("linux"):
        raise ValueError(NO_TOOL)
    return tool


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


def bwrap_command(tool: str, workspace: Path, fd: int, shm_bytes: int) -> list[str]:
    """The command that runs the exec'd worker on descriptor fd, workspace its only writable folder."""
    command = [
        tool,
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        "--size",
        str(shm_bytes),
        "--tmpfs",
        "/dev/shm",
    ]
    for folder in _hidden_folders():
        command += ["--tmpfs", folder]
    for folder in _python_folders():  # again, in case a home folder hid the virtual environment
        command += ["--ro-bind", folder, folder]
    command += [
        "--bind",
        str(workspace),
        str(workspace),
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--chdir",
        str(workspace),
        "--",
        sys.executable,
        "-m",
        "deepkiso.check._exec",
        str(fd),
    ]
    return command
