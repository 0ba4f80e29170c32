"""Running `deepkiso check` in a separate process, with a time limit and a memory limit.

A learner's code may loop forever, allocate an enormous array or crash the
interpreter; none of that may hang or kill the grader. ``check_file`` starts
``deepkiso.check._worker`` as a child process whose address space is limited
(RLIMIT_AS, ``memory_mb``) and which stops each step (the import, each notebook
cell, each check) after ``timeout`` seconds by itself. The parent watches from
outside too: a child that has not reported within the step's time and a grace
period (code stuck outside Python, or a learner's ``except BaseException``) is
killed, the step is reported as timed out, and a fresh child goes on with the
remaining checks. Exercises 2_1 – 2_18 are checked this way.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import deepkiso
from deepkiso.check.loader import notebook_cells
from deepkiso.check.registry import Check
from deepkiso.check.registry import select as select_checks
from deepkiso.check.report import FAIL, SKIP, Report, Result

__all__ = ["check_file", "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_MB", "SUFFIXES"]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 2048
SUFFIXES = (".py", ".ipynb")
_STARTUP_SECONDS = 60.0  # importing numpy on a busy machine, before the first step
_MAX_RESTARTS = 3


def _grace(seconds: float) -> float:
    """Extra time the parent allows over the child's own limit before it kills the child."""
    return max(2.0, 0.25 * seconds)


@dataclass
class _Step:
    """What the child is doing now, and when the parent stops waiting for it (updated as steps begin)."""

    what: str
    check: str | None
    deadline: float


@dataclass
class _Outcome:
    finished: bool
    step: _Step | None = None
    reason: str = ""


def _child_env() -> dict:
    env = dict(os.environ)
    # One thread for BLAS: the machine is shared, and thread pools inflate the address space.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env["MPLBACKEND"] = "Agg"  # plt.show() in a learner's file must not open a window
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in the learner's folder
    source_root = str(Path(deepkiso.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH", "")) if p)
    return env


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


class _Child:
    """One worker process and the pipe it reports on."""

    def __init__(self, path: Path, settings: dict):
        read_fd, write_fd = os.pipe()
        self.log = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "deepkiso.check._worker", json.dumps({**settings, "fd": write_fd})],
                cwd=path.parent, env=_child_env(), stdin=subprocess.DEVNULL, stdout=self.log,
                stderr=subprocess.STDOUT, pass_fds=(write_fd,), start_new_session=True,
            )
        except OSError:
            os.close(read_fd)
            self.log.close()
            raise
        finally:
            os.close(write_fd)
        self.fd = read_fd
        self.buffer = b""

    def events(self, step: _Step):
        """Yield events as they come; return on EOF; raise TimeoutError when step.deadline passes without one."""
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                yield json.loads(line)
            remaining = step.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return
                self.buffer += chunk

    def kill(self) -> None:
        # The whole session we started, also when the worker itself has already exited: whatever
        # the learner's code started lives on in it. Its id cannot be reused while a member lives,
        # but once the worker is reaped (below) it can: so the session is killed once only.
        if self.process.returncode is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the session is empty: nothing was left running
        self.process.wait()

    def log_tail(self, n_chars: int = 400) -> str:
        self.log.seek(0, os.SEEK_END)
        size = self.log.tell()
        self.log.seek(max(0, size - n_chars))
        return self.log.read().decode("utf-8", "replace").strip()

    def close(self) -> None:
        self.kill()
        os.close(self.fd)
        self.log.close()


def _run_child(path: Path, settings: dict, timeout: float, report: Report, done: set) -> _Outcome:
    """Run one child to its end, adding its results to report; say where and why it stopped if it did not finish."""
    child = _Child(path, settings)
    step = _Step("starting the checker", None, time.monotonic() + _STARTUP_SECONDS)
    try:
        try:
            for event in child.events(step):
                kind = event.get("event")
                if kind == "step":
                    seconds = float(event["seconds"])
                    step.what, step.check = event["what"], event.get("check")
                    step.deadline = time.monotonic() + seconds + _grace(seconds)
                elif kind == "result":
                    result = Result.from_dict(event["result"])
                    report.results.append(result)
                    done.add(result.id)
                elif kind == "found" and not settings.get("restart"):
                    report.found, report.missing = dict(event["found"]), list(event["missing"])
                elif kind == "done":
                    return _Outcome(finished=True)
        except TimeoutError:
            child.kill()
            return _Outcome(False, step, f"timed out after {timeout:g} s; the checker had to stop the process "
                                         "(the code did not return to Python, or caught the timeout)")
        child.kill()
        code = child.process.returncode
        if code is not None and code < 0:
            reason = f"the checking process died ({_signal_name(code)})"
            if code == -signal.SIGKILL:
                reason += "; perhaps the system ran out of memory"
        else:
            reason = f"the checking process stopped unexpectedly (exit code {code})"
        tail = child.log_tail()
        return _Outcome(False, step, reason + (f"; its last output: {tail}" if tail else ""))
    finally:
        child.close()


def _stopped_result(outcome: _Outcome, checks: dict[str, Check], path: Path) -> Result:
    step = outcome.step
    check = checks.get(step.check) if step and step.check else None
    if check is None:
        what = step.what if step else "starting the checker"
        return Result(id="import", subject=path.name, title=what, status=FAIL, message=outcome.reason)
    return Result(id=check.id, subject=check.subject, title=check.title, status=FAIL,
                  exercise=check.exercise, message=outcome.reason)


def check_file(path: str | os.PathLike, only: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
               memory_mb: int = DEFAULT_MEMORY_MB) -> Report:
    """Check the learner's file (.py or .ipynb) and return the report.

    only: course names, exercise numbers or check ids to restrict the checks
        to (see ``registry.select``); None for all.
    timeout: seconds allowed for each step: the import (each cell of a
        notebook) and each check.
    memory_mb: the checking process's address-space limit.
    Raises FileNotFoundError for a missing file and ValueError for an
    unsupported kind of file, an unknown name in only, or bad limits.
    """
    given = Path(path)
    resolved = given.resolve()
    if not resolved.is_file():
        raise FileNotFoundError(f"{given}: no such file")
    if resolved.suffix not in SUFFIXES:
        raise ValueError(f"{given}: expected a .py file or a .ipynb notebook, got {resolved.suffix or 'no suffix'!r}")
    if not timeout > 0:
        raise ValueError(f"the timeout must be a positive number of seconds, got {timeout}")
    if memory_mb < 256:
        raise ValueError(f"the memory limit must be at least 256 MB (Python and NumPy need that), got {memory_mb}")
    if resolved.suffix == ".ipynb":
        notebook_cells(resolved)  # an unreadable notebook is the user's mistake: say so before starting
    checks = {c.id: c for c in select_checks(only)}
    report = Report(path=str(given), timeout=float(timeout), memory_mb=int(memory_mb), only=list(only or []))
    settings = {"path": str(resolved), "checks": list(checks), "timeout": float(timeout), "memory_mb": int(memory_mb)}
    done: set[str] = set()
    gated: dict[str, str] = {}
    for attempt in range(_MAX_RESTARTS + 1):
        restart = {"restart": attempt > 0, "skip": sorted(done), "gated": gated}
        outcome = _run_child(resolved, {**settings, **restart}, timeout, report, done)
        if outcome.finished:
            break
        stopped = _stopped_result(outcome, checks, given)
        report.results.append(stopped)
        done.add(stopped.id)
        if stopped.id == "import":
            break  # the import would stop the same way again
        if next(r for r in report.results if r.subject == stopped.subject) is stopped:
            gated[stopped.subject] = stopped.title  # its first check: the others would stop the same way
    else:
        report.results.append(Result(id="stopped", subject=given.name, title="the remaining checks", status=SKIP,
                                     message=f"not run: the checker was stopped {_MAX_RESTARTS + 1} times"))
    return report

