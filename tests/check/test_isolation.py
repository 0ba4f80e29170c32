"""`--isolate`: which tool sandboxes the worker (bwrap, else unshare, else one line), and unshare's sandbox.

The detection runs fake tools put on PATH (shell scripts that succeed or fail).
The real unshare sandbox runs where this machine lets it (root, or unprivileged
user namespaces): the attacks of test_attacks.py that --isolate claims to stop
run again here with unshare forced (a PATH holding unshare and not bwrap),
as root and as a user who is not root (a user namespace mapping uid 1000).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deepkiso.check import isolation
from deepkiso.check._namespace import Plan
from deepkiso.check.isolation import NO_TOOL, isolation_tool, sandbox_command, unshare_flags
from deepkiso.cli import main
from tests.check import test_attacks as attacks

LINUX = sys.platform.startswith("linux")
REAL_UNSHARE = shutil.which("unshare")


def fake_tools(folder: Path, **tools: int) -> str:
    """A PATH holding only tools, each a script exiting with its code (0: it works here); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, code in tools.items():
        script = folder / name
        script.write_text(f"#!/bin/sh\nexit {code}\n")
        script.chmod(0o755)
    return str(folder)


@pytest.mark.skipif(not LINUX, reason="--isolate is Linux-only")
@pytest.mark.parametrize(
    "tools, chosen",
    [
        ({"bwrap": 0, "unshare": 0}, "bwrap"),  # both: bubblewrap first
        ({"bwrap": 0}, "bwrap"),
        ({"unshare": 0}, "unshare"),  # only unshare
        ({"bwrap": 1, "unshare": 0}, "unshare"),  # bwrap installed but refused here
    ],
)
def test_the_tool_is_bwrap_else_a_working_unshare(tmp_path, monkeypatch, tools, chosen):
    monkeypatch.setenv("PATH", fake_tools(tmp_path / "bin", **tools))
    assert isolation_tool() == str(tmp_path / "bin" / chosen)


@pytest.mark.parametrize("tools", [{}, {"unshare": 1}, {"bwrap": 1, "unshare": 1}])
def test_without_a_working_tool_isolate_is_one_line_naming_what_to_install(
    tmp_path, monkeypatch, capsys, tools
):
    monkeypatch.setenv("PATH", fake_tools(tmp_path / "bin", **tools))
    with pytest.raises(ValueError, match="install the 'bubblewrap' package"):
        isolation_tool()
    learner = tmp_path / "mine.py"
    learner.write_text("x = 1\n")
    assert main(["check", str(learner), "--isolate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and NO_TOOL in err and "Traceback" not in err


def test_off_linux_isolate_is_the_same_one_line(monkeypatch):
    monkeypatch.setattr(isolation.sys, "platform", "darwin")
    with pytest.raises(ValueError, match="neither is usable here"):
        isolation_tool()


def test_the_unshare_command_makes_every_namespace_and_a_user_one_unless_root(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 1000)
    command = sandbox_command("/usr/bin/unshare", tmp_path, 7, 256 * 2**20)
    worker = command.index("--", command.index("/usr/bin/unshare"))
    flags = command[command.index("/usr/bin/unshare") + 1 : worker]
    for flag in ("--net", "--pid", "--fork", "--mount", "--mount-proc", "--ipc", "--kill-child"):
        assert flag in flags
    assert flags[:2] == ["--user", "--map-root-user"]
    assert command[worker + 1 :][:4] == [sys.executable, "-m", "deepkiso.check._exec", "7"]
    plan = json.loads(command[command.index("--namespace") + 1])
    assert plan["workspace"] == str(tmp_path) and plan["shm_bytes"] == 256 * 2**20
    assert "/run" in plan["hidden"] and plan["python"]
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 0)
    assert "--user" not in unshare_flags()


def test_the_bwrap_command_is_kept_for_bwrap(tmp_path):
    command = sandbox_command("/usr/bin/bwrap", tmp_path, 7, 2**28)
    assert command[0] == "/usr/bin/bwrap" and "--unshare-all" in command
    assert command[command.index("--bind") + 1 : command.index("--bind") + 3] == [str(tmp_path)] * 2


# --- the real unshare sandbox ---------------------------------------------------------------------


def test_a_python_folder_under_tmp_stays_read_only_under_unshare():
    # CI's virtual environment lies in a temporary folder: bound back onto the private /tmp, the
    # installed deepkiso must not be left writable with the rest of /tmp.
    plan = Plan("/tmp/work/copy", ("/tmp/tmp.X/venv", "/usr/lib/python3.11"), (), 1 << 20, 1 << 20)
    assert plan.stays_writable("/tmp") and plan.stays_writable("/tmp/work/copy")
    assert plan.stays_writable("/dev/shm")
    assert not plan.stays_writable("/tmp/tmp.X/venv")
    assert not plan.stays_writable("/tmp/tmp.X/venv/lib/python3.11/site-packages")
    assert not plan.stays_writable("/usr/lib/python3.11") and not plan.stays_writable("/")


def _unshare_runs() -> str:
    """Why the real unshare sandbox cannot run here ("" when it can)."""
    if not LINUX or REAL_UNSHARE is None:
        return "util-linux unshare is not installed"
    result = subprocess.run(
        [REAL_UNSHARE, *unshare_flags(), "--", shutil.which("true") or "/bin/true"],
        capture_output=True,
    )
    if result.returncode != 0:
        return f"unshare cannot make namespaces here: {result.stderr.decode().strip()}"
    return ""


CANNOT_UNSHARE = _unshare_runs()
needs_unshare = pytest.mark.skipif(bool(CANNOT_UNSHARE), reason=CANNOT_UNSHARE)


@pytest.fixture
def only_unshare(tmp_path_factory, monkeypatch):
    """PATH with unshare, setpriv and true, not bwrap: --isolate takes unshare."""
    folder = tmp_path_factory.mktemp("unshare-only")
    for name in ("unshare", "setpriv", "true"):
        found = shutil.which(name)
        if found:
            (folder / name).symlink_to(found)
    monkeypatch.setenv("PATH", str(folder))
    assert isolation_tool() == str(folder / "unshare")


@needs_unshare
@pytest.mark.parametrize("frame", [b"{oops", b'{"event": "launch_missiles"}'])
def test_unshare_forged_events_are_a_verdict(tmp_path, only_unshare, frame):
    attacks.test_forged_invalid_events_are_a_verdict_not_a_traceback(tmp_path, "isolate", frame)


@needs_unshare
def test_unshare_a_setsid_daemon_dies_with_its_namespace(tmp_path, only_unshare):
    attacks.test_a_setsid_daemon_is_killed_with_the_check(tmp_path, "isolate")


@needs_unshare
def test_unshare_hides_home_secrets_and_the_grader_and_writes_nothing_outside(
    tmp_path, only_unshare, monkeypatch, capfd
):
    attacks.test_no_secret_reaches_the_report_and_nothing_of_the_learner_is_harmed(
        tmp_path, "isolate", monkeypatch, capfd
    )


@needs_unshare
def test_unshare_counts_the_memory_of_the_whole_tree(tmp_path, only_unshare):
    attacks.test_three_300_mb_subprocesses_hit_the_limit_for_the_whole_tree(tmp_path, "isolate")


@needs_unshare
def test_unshare_a_fork_bomb_stops_at_the_process_cap(tmp_path, only_unshare):
    attacks.test_a_fork_bomb_stops_at_the_process_cap(tmp_path, "isolate")


@needs_unshare
def test_unshare_a_private_dev_shm(tmp_path, only_unshare):
    attacks.test_a_dev_shm_file_held_by_the_code_is_counted_and_removed(tmp_path, "isolate")


@needs_unshare
def test_unshare_no_network_and_a_read_only_deepkiso(tmp_path, only_unshare):
    attacks.test_isolate_has_no_network_and_a_read_only_deepkiso(tmp_path)


@needs_unshare
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGSTOP"])
def test_unshare_the_grader_cannot_be_signalled(tmp_path, only_unshare, signal_name):
    attacks.test_isolate_the_grader_cannot_be_signalled(tmp_path, signal_name)


SNOOP = """\
import os


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        seen = []
        for path in ("/etc/deepkiso-planted", "/tmp/deepkiso-planted", "/dev/deepkiso-planted"):
            try:
                open(path, "w").write("x")
                seen.append("wrote " + path)
            except OSError:
                pass
        seen += ["sees " + d for d in os.listdir("/dev") if d.startswith(("sd", "vd", "nvme"))]
        raise ValueError("SNOOP " + ";".join(seen))

    def forward(self, x):
        return 0 * x
"""


def _grade_isolated(tmp_path: Path, prefix: list[str]) -> dict:
    path = tmp_path / "project" / "snoop.py"
    path.parent.mkdir()
    path.write_text(SNOOP)
    command = [*prefix, sys.executable, "-m", "deepkiso", "check", str(path), "--isolate"]
    command += ["--only", "Affine.forward_batch", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def _as_user_1000() -> list[str]:
    """A prefix that runs the grader as uid 1000 (a user namespace of root's), [] when not root."""
    if os.geteuid() != 0:
        return []
    return [REAL_UNSHARE, "--user", "--map-user=1000", "--map-group=1000", "--"]


@needs_unshare
@pytest.mark.parametrize("user", ["this user", "uid 1000"])
def test_unshare_the_system_is_read_only_and_dev_holds_no_disk(tmp_path, only_unshare, user):
    prefix = _as_user_1000() if user == "uid 1000" else []
    if user == "uid 1000" and os.geteuid() != 0:
        pytest.skip("this user is not root already: the case above is the non-root one")
    if prefix and subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare cannot map uid 1000 here (no user namespaces)")
    report = _grade_isolated(tmp_path, prefix)
    messages = " ".join(r.get("message", "") for r in report["results"])
    assert "SNOOP" in messages  # the learner's code ran
    assert "wrote /tmp/deepkiso-planted" in messages  # its /tmp is private and writable
    assert "/etc/" not in messages and "/dev/deepkiso" not in messages and "sees" not in messages
    assert not Path("/etc/deepkiso-planted").exists()
    assert not Path("/tmp/deepkiso-planted").exists()
    assert not any(r["status"] == "pass" for r in report["results"])
