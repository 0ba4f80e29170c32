"""Running `deepkiso check` in a separate process, with a time limit and a memory limit.

A learner's code may loop forever, allocate an enormous array or crash the
interpreter; none of that may hang or kill the grader, nor the learner's
Jupyter kernel when they call ``check(Affine)`` there. The grader forks
itself: the child (``_worker.serve``) starts at once with numpy and the
checks already imported (the fixed cost of a check is a fork, not a new
interpreter), and for live objects it holds the kernel's very objects,
copy-on-write, so nothing needs saving or re-running and nothing the checks do
reaches the kernel. The child limits its own address space and stops each
step (each file, each notebook cell, each check) after ``timeout`` seconds by
itself. The parent watches from outside too: a child that has not reported
within the step's time and a grace period (code stuck outside Python, or a
learner's ``except BaseException``) is killed with everything it started, the
step is reported as timed out, and a fresh child goes on with the remaining
checks. The parent builds the report only from the child's events, each a framed
message validated against its schema (``protocol``): anything invalid is a
verdict, never a traceback.

The child is contained (``contain``): the grader is a subreaper and kills the
child's whole process tree when a step ends, caps its size and its memory
(resident memory and /dev/shm files of all its processes together, polled),
and removes the /dev/shm files it left. The child runs in a temporary copy
of the learner's project with a scrubbed environment and its own HOME, cannot
open the grader's /proc/PID/fd (the grader is not dumpable meanwhile), and
prints into a bounded log. With ``isolate`` it is exec'd in a bubblewrap
sandbox instead (``isolation``), speaking the same protocol.
Exercises 2_1 – 2_18 are checked this way.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from deepkiso import i18n
from deepkiso.check._worker import Job, serve
from deepkiso.check.contain import (
    DEFAULT_MAX_PROCESSES,
    Tree,
    TreeOverLimit,
    Workspace,
    become_subreaper,
    confine_self,
    scrubbed_environment,
    set_dumpable,
    starting_worker,
    worker_ended,
)
from deepkiso.check.isolation import isolation_tool, sandbox_command
from deepkiso.check.loader import LearnerCode, file_label, find_root, learner_paths, notebook_cells
from deepkiso.check.protocol import INVALID_CAUSE, FramedChannel, FrameReader, InvalidEvent
from deepkiso.check.registry import Check
from deepkiso.check.registry import select as select_checks
from deepkiso.check.report import FAIL, SKIP, Report, Result
from deepkiso.check.verdicts import Grading, check_result
from deepkiso.i18n import N_, _

__all__ = [
    "check_file",
    "check_code",
    "validate_limits",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_MAX_PROCESSES",
    "job_from_json",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 2048
_STARTUP_SECONDS = 60.0  # before the first step: the fork and the first import, on a busy machine
_MAX_RESTARTS = 3
_CRASHED = (
    70  # the child's exit code when deepkiso itself failed in it (its traceback is in the log)
)
_POLL_SECONDS = 0.05  # how often the parent measures the child's process tree
INVALID_TITLE = N_("the checking process sent something invalid")
_STARTING = N_("starting the checker")


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
    invalid: bool = False


@dataclass
class _Limits:
    """How the children of one check run: the job's limits plus the tree's and the sandbox's."""

    max_processes: int = DEFAULT_MAX_PROCESSES
    isolate: bool = False


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _detach(write_fd: int, log_fd: int) -> int:
    """In the child: its own process group, no terminal, prints to the log, only the pipe kept open.

    Returns the descriptor of the pipe to write to. Every other descriptor is
    closed: the parent's sockets (a kernel's) are not the child's to use, and a
    pipe of another check running in a thread of the parent must see its end
    of file when that check's child exits.
    """
    os.setpgid(0, 0)
    # Above 2 first: a parent started without stdin may have been given descriptor 0 for the pipe.
    channel_fd, log_fd = (
        fcntl.fcntl(write_fd, fcntl.F_DUPFD, 3),
        fcntl.fcntl(log_fd, fcntl.F_DUPFD, 3),
    )
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.closerange(3, channel_fd)
    os.closerange(channel_fd + 1, os.sysconf("SC_OPEN_MAX"))
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - lives as long as the process
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    for number in (
        signal.SIGINT,
        signal.SIGTERM,
    ):  # the kernel's or the CLI's handlers are not the child's
        signal.signal(number, signal.SIG_DFL)
    sys.dont_write_bytecode = True  # leave no __pycache__ in the learner's folders
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].switch_backend("agg")
    return channel_fd


def _child_main(
    job: Job, write_fd: int, log_fd: int, folders: dict[str, Path], max_processes: int
) -> None:
    """The child's whole life (forked, or exec'd by ``_exec``): never returns.

    folders: "home", "tmp" and "work" (the working directory) of its workspace.
    """
    status = _CRASHED
    try:
        channel_fd = _detach(write_fd, log_fd)
        confine_self(folders["home"], folders["tmp"], folders["work"], max_processes)
        serve(job, FramedChannel(channel_fd))
        status = 0
    except BaseException:  # noqa: BLE001 - whatever happened, the child must end here, not in the parent's code
        traceback.print_exc()
    finally:
        os._exit(status)


def _job_json(job: Job, workspace: Workspace, max_processes: int) -> bytes:
    """The job for an exec'd child: plain JSON (live objects cannot be sent; isolate checks files only)."""
    return json.dumps(
        {
            "label": job.label,
            "checks": job.checks,
            "timeout": job.timeout,
            "memory_mb": job.memory_mb,
            "paths": [str(p) for p in job.paths],
            "roots": [str(r) for r in job.roots],
            "skip": sorted(job.skip),
            "gated": job.gated,
            "restart": job.restart,
            "max_processes": max_processes,
            "folders": {
                "home": str(workspace.home),
                "tmp": str(workspace.tmp),
                "work": str(workspace.work),
            },
        }
    ).encode("utf-8")


def job_from_json(data: bytes) -> tuple[Job, dict[str, Path], int]:
    """The Job, workspace folders and process limit written by _job_json (in the exec'd child)."""
    fields = json.loads(data)
    folders = {name: Path(folder) for name, folder in fields.pop("folders").items()}
    max_processes = fields.pop("max_processes")
    fields["paths"], fields["roots"] = (
        [Path(p) for p in fields["paths"]],
        [Path(r) for r in fields["roots"]],
    )
    fields["skip"] = set(fields["skip"])
    return Job(**fields), folders, max_processes


class _Child:
    """One checking process (forked, or exec'd in a sandbox), its workspace, its tree and the pipe it reports on."""

    def __init__(self, job: Job, limits: _Limits):
        self.workspace = Workspace(job.paths, job.roots)
        job = replace(job, paths=self.workspace.paths, roots=self.workspace.roots)
        folders = {
            "home": self.workspace.home,
            "tmp": self.workspace.tmp,
            "work": self.workspace.work,
        }
        read_fd, write_fd = os.pipe()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (open for the worker's life; close() closes it)
        self.tree = Tree.before_fork(job.memory_mb, limits.max_processes)
        self.process: subprocess.Popen | None = None
        with starting_worker() as started:
            if limits.isolate:
                self.process = self._exec(job, limits, write_fd)
                pid = self.process.pid
            else:
                pid = self._fork(job, write_fd, folders, limits.max_processes)
            started(pid)
        os.close(write_fd)
        self.tree.root = pid
        self.pid, self.fd, self.reader = pid, read_fd, FrameReader()
        self.returncode: int | None = None

    def _fork(self, job: Job, write_fd: int, folders: dict[str, Path], max_processes: int) -> int:
        for stream in (
            sys.stdout,
            sys.stderr,
        ):  # or the child would print the parent's pending output again
            stream.flush()
        with (
            warnings.catch_warnings()
        ):  # Python 3.12 warns about forking a process with threads (a kernel)
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _child_main(job, write_fd, self.log.fileno(), folders, max_processes)
        try:
            os.setpgid(pid, pid)  # also here, so that a kill right after the fork reaches the group
        except (PermissionError, ProcessLookupError):
            pass  # the child did it first, or has already exited
        return pid

    def _exec(self, job: Job, limits: _Limits, write_fd: int) -> subprocess.Popen:
        command = sandbox_command(
            isolation_tool(), self.workspace.folder, write_fd, job.memory_mb * 1024 * 1024
        )
        env = scrubbed_environment(self.workspace.home, self.workspace.tmp)
        # The worker imports the very deepkiso this grader runs (a checkout on PYTHONPATH too, not an
        # older installed one), so that both speak the same protocol and the same language.
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=self.log,
            stderr=self.log,
            pass_fds=(write_fd,),
            env=env,
            start_new_session=True,
        )
        assert process.stdin is not None  # stdin=PIPE above
        try:
            process.stdin.write(_job_json(job, self.workspace, limits.max_processes))
            process.stdin.close()
        except OSError:
            pass  # it died at once: its log says why
        return process

    def events(self, step: _Step):
        """Yield validated events as they come; return on EOF; raise TimeoutError when step.deadline passes
        without one, TreeOverLimit when the tree is over a limit, InvalidEvent for anything invalid."""
        polls = 0
        while True:
            yield from self.reader.events()
            remaining = step.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _writable, _errors = select.select(
                [self.fd], [], [], min(remaining, _POLL_SECONDS)
            )
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    if self.reader.leftover():
                        raise InvalidEvent(_("a message cut short"))
                    return
                self.reader.feed(chunk)
            polls += 1
            self.tree.poll(scan_files=polls % 4 == 0)

    def kill(self) -> None:
        # The whole tree (found in /proc: the group is not enough once the code called setsid),
        # also when the worker itself has already exited: whatever the learner's code started
        # lives on. Then the worker is reaped, once.
        if self.returncode is not None:
            return
        self.tree.kill()
        try:
            os.killpg(self.pid, signal.SIGKILL)  # where /proc cannot tell the tree (not Linux)
        except (ProcessLookupError, PermissionError):
            pass  # the group is empty: nothing was left running
        if self.process is not None:
            self.returncode = self.process.wait()
        else:
            _pid, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        worker_ended(self.pid)
        self.tree.kill(seconds=1.0)  # anything reparented to this process as the worker died

    def log_tail(self, n_chars: int = 400) -> str:
        self.log.seek(0, os.SEEK_END)
        size = self.log.tell()
        self.log.seek(max(0, size - n_chars))
        return self.log.read().decode("utf-8", "replace").strip()

    def close(self) -> None:
        self.kill()
        os.close(self.fd)
        self.log.close()
        self.workspace.remove()


def _run_child(job: Job, grading: Grading, report: Report, limits: _Limits) -> _Outcome:
    """Run one child to its end, grading what it reports; say where and why it stopped if it did not finish."""
    child = _Child(job, limits)
    grading.restart()
    step = _Step(i18n._(_STARTING), None, time.monotonic() + _STARTUP_SECONDS)
    try:
        try:
            for event in child.events(step):
                kind = event["event"]
                if kind == "step":
                    seconds = float(event["seconds"])
                    step.what, step.check = event["what"], event["check"]
                    step.deadline = time.monotonic() + seconds + _grace(seconds)
                    if step.check is not None:
                        grading.begin(step.check)
                elif kind == "reply":
                    grading.reply(event["check"], event["reply"], child.reader.last_size)
                elif kind == "ended":
                    grading.end(event["check"])
                elif kind == "result":
                    grading.result(event["result"])
                elif kind == "found":
                    grading.found(event["names"])
                    if not job.restart:
                        report.found, report.missing = dict(event["found"]), list(event["missing"])
                elif kind == "done":
                    grading.finish()
                    return _Outcome(finished=True)
        except TimeoutError:
            child.kill()
            return _Outcome(
                False,
                step,
                _(
                    "timed out after {seconds} s; the checker had to stop the process "
                    "(the code did not return to Python, or caught the timeout)"
                ).format(seconds=f"{job.timeout:g}"),
            )
        except TreeOverLimit as exc:
            child.kill()
            return _Outcome(False, step, _("stopped: {reason}").format(reason=exc))
        except InvalidEvent as exc:
            child.kill()
            return _Outcome(
                False,
                step,
                _("{title}: {error}").format(title=i18n._(INVALID_TITLE), error=exc),
                invalid=True,
            )
        child.kill()
        return _Outcome(False, step, _death(child))
    finally:
        child.close()


def _death(child: _Child) -> str:
    code = child.returncode
    tail = child.log_tail()
    if code is not None and code < 0:
        reason = _("the checking process died ({signal})").format(signal=_signal_name(code))
        if code == -signal.SIGKILL:
            reason += _("; perhaps the system ran out of memory")
    elif code == _CRASHED:
        reason = _("the checker itself failed (please report this)")
    else:
        reason = _("the checking process stopped unexpectedly (exit code {code})").format(code=code)
    return reason + (_("; its last output: {output}").format(output=tail) if tail else "")


def _stopped_result(outcome: _Outcome, checks: dict[str, Check], label: str) -> Result:
    if outcome.invalid:
        return Result(
            id="protocol",
            subject=label,
            title=i18n._(INVALID_TITLE),
            status=FAIL,
            message=outcome.reason,
            cause=i18n._(INVALID_CAUSE),
        )
    step = outcome.step
    check = checks.get(step.check) if step and step.check else None
    if check is None:
        what = step.what if step else i18n._(_STARTING)
        return Result(id="import", subject=label, title=what, status=FAIL, message=outcome.reason)
    return check_result(check, FAIL, message=outcome.reason)


def validate_limits(timeout: float, memory_mb: int) -> None:
    """ValueError unless the limits can work."""
    if not timeout > 0:
        raise ValueError(
            _("the timeout must be a positive number of seconds, got {value}").format(value=timeout)
        )
    if memory_mb < 256:
        raise ValueError(
            _(
                "the memory limit must be at least 256 MB (Python and NumPy need that), got {value}"
            ).format(value=memory_mb)
        )


def _run(job: Job, report: Report, checks: dict[str, Check], limits: _Limits) -> Report:
    """Run the job in children until it is finished, starting a fresh child after each one stopped.

    Meanwhile this process is a subreaper (orphans of the tree come back to it)
    and not dumpable (its /proc/PID/fd, its stdout among them, is closed to the
    children, which run as the same user).
    """
    done: set[str] = set()
    grading = Grading(checks, job.gated, report, done, job.memory_mb)
    become_subreaper()
    set_dumpable(False)
    try:
        _run_children(job, grading, report, checks, limits, done)
    finally:
        set_dumpable(True)
    return report


def _run_children(
    job: Job,
    grading: Grading,
    report: Report,
    checks: dict[str, Check],
    limits: _Limits,
    done: set[str],
) -> None:
    for attempt in range(_MAX_RESTARTS + 1):
        outcome = _run_child(
            replace(job, restart=attempt > 0, skip=set(done), gated=dict(job.gated)),
            grading,
            report,
            limits,
        )
        if outcome.finished:
            break
        stopped = _stopped_result(outcome, checks, job.label)
        report.results.append(stopped)
        done.add(stopped.id)
        if stopped.id in ("import", "protocol"):
            break  # the import would stop the same way again; an invalid message: nothing more is trusted
        if next(r for r in report.results if r.subject == stopped.subject) is stopped:
            job.gated[stopped.subject] = (
                stopped.title
            )  # its first check: the others would stop the same way
    else:
        report.results.append(
            Result(
                id="stopped",
                subject=job.label,
                title=_("the remaining checks"),
                status=SKIP,
                message=_("not run: the checker was stopped {count} times").format(
                    count=_MAX_RESTARTS + 1
                ),
            )
        )


def check_file(
    path,
    only: list[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    root=None,
    max_processes: int = DEFAULT_MAX_PROCESSES,
    isolate: bool = False,
) -> Report:
    """Check the learner's file (.py or .ipynb), or several files and folders, and return one report.

    path: a path, or a list of them; a folder stands for the .py files and
        notebooks under it. Each course name is graded once, at the learner's
        own definition (report.found says where it came from).
    only: course names, exercise numbers or check ids to restrict the checks
        to (see ``registry.select``); None for all.
    timeout: seconds allowed for each step: each file (each cell of a
        notebook) and each check.
    memory_mb: how much memory the learner's code may allocate, in each process
        and in all its processes together.
    root: the learner's project root; by default found from each file (``loader.find_root``).
    max_processes: how many processes the learner's code may run at once.
    isolate: run it in a bubblewrap sandbox (``isolation``).
    Raises FileNotFoundError for a missing path and ValueError for an
    unsupported kind of file, an unknown name in only, bad limits, or isolate
    without bubblewrap.
    """
    given = [Path(p) for p in (path if isinstance(path, (list, tuple)) else [path])]
    paths = learner_paths(given)
    validate_limits(timeout, memory_mb)
    if not max_processes >= 1:
        raise ValueError(
            _("the process limit must be at least 1, got {value}").format(value=max_processes)
        )
    if isolate:
        isolation_tool()
    if root is not None and not Path(root).is_dir():
        raise ValueError(_("--root {root}: no such folder").format(root=root))
    for notebook in (p for p in paths if p.suffix == ".ipynb"):
        notebook_cells(
            notebook
        )  # an unreadable notebook is the user's mistake: say so before starting
    checks = {c.id: c for c in select_checks(only)}
    roots = [Path(root).resolve() if root is not None else find_root(p) for p in paths]
    shown = " ".join(str(p) for p in given)
    label = file_label(paths[0], roots[0]) if len(given) == 1 and len(paths) == 1 else shown
    report = Report(
        path=shown, timeout=float(timeout), memory_mb=int(memory_mb), only=list(only or [])
    )
    job = Job(
        label=label,
        checks=list(checks),
        timeout=float(timeout),
        memory_mb=int(memory_mb),
        paths=paths,
        roots=roots,
    )
    return _run(job, report, checks, _Limits(max_processes, isolate))


def check_code(
    code: LearnerCode,
    label: str,
    only: list[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> Report:
    """Check learner code that is already loaded (a kernel's live objects) in a forked child; see check_file."""
    validate_limits(timeout, memory_mb)
    checks = {c.id: c for c in select_checks(only)}
    report = Report(
        path=label, timeout=float(timeout), memory_mb=int(memory_mb), only=list(only or [])
    )
    job = Job(
        label=label,
        checks=list(checks),
        timeout=float(timeout),
        memory_mb=int(memory_mb),
        code=code,
    )
    return _run(job, report, checks, _Limits())
