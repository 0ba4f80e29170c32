"""Hostile learner code against the grader, in the default mode and with --isolate.

Each learner file defines a wrong Affine (its forward returns zeros) whose
constructor attacks first; the check must still fail it, leave nothing
running, and leak nothing, in each mode where the README claims so. Attacks
a mode cannot stop (listed in the README) are not run in that mode: the
default mode's are not run at all where they would harm this machine
(writing into the installed deepkiso, signalling the grader).
"""

import json
import os
import shutil
import socket
import struct
import time
from pathlib import Path

import pytest

import deepkiso
from deepkiso.check import FAIL, PASS, check_file, format_json
from deepkiso.check.isolation import isolation_available
from deepkiso.check.protocol import MAX_FRAME_BYTES

HAS_BWRAP = isolation_available()  # bwrap, or unshare where bwrap is missing (i13-isolate)
MODES = [
    "default",
    pytest.param(
        "isolate",
        marks=pytest.mark.skipif(
            not HAS_BWRAP,
            reason="bubblewrap (bwrap) is not installed here; .ci/run installs it where it can",
        ),
    ),
]
ONLY = ["Affine.forward_batch"]


def hostile(tmp_path: Path, attack: str, name: str = "hostile.py") -> Path:
    """A learner file whose Affine runs attack (statements, 8-space indented later) in __init__, then is wrong."""
    body = "\n".join("        " + line for line in attack.strip("\n").splitlines())
    text = (
        f"import os, sys, time, struct, socket, subprocess\n\n\nclass Affine:\n"
        f"    def __init__(self, W, b):\n        self.W, self.b = W, b\n{body}\n\n"
        f"    def forward(self, x):\n        return 0 * (x @ self.W)\n\n"
        f"    def backward(self, dout):\n        return dout @ self.W.T\n"
    )
    path = tmp_path / "project" / name
    path.parent.mkdir(exist_ok=True)
    (path.parent / "pyproject.toml").write_text("")
    path.write_text(text)
    return path


def grade(path: Path, mode: str, **limits):
    return check_file(path, only=ONLY, isolate=mode == "isolate", **limits)


def assert_wrong_affine_fails(report):
    assert report.exit_code == 1
    assert not any(r.status == PASS for r in report.results), report.results
    assert any(r.status == FAIL for r in report.results)


def alive(pids) -> list[int]:
    """The pids that still run (not zombies)."""
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in "ZX":
            running.append(pid)
    return running


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "frame",
    [
        b"{oops",  # not JSON
        b'{"event": "result"}',  # a result without its fields
        b'{"event": "launch_missiles"}',  # an unknown event
        b'{"event": "step", "what": 3, "check": null, "seconds": 1}',  # a value of the wrong type
        b"[1, 2]",  # not an object
    ],
)
def test_forged_invalid_events_are_a_verdict_not_a_traceback(tmp_path, mode, frame):
    attack = (
        f"for fd in range(3, 64):\n    try:\n        os.write(fd, struct.pack('>I', {len(frame)}) + {frame!r})\n"
        f"    except OSError:\n        pass"
    )
    report = grade(hostile(tmp_path, attack), mode)
    assert_wrong_affine_fails(report)
    invalid = [r for r in report.results if r.id == "protocol"]
    assert invalid and invalid[0].title == "the checking process sent something invalid"


def _write_frames(*events) -> str:
    """Attack statements that write each event, framed as the grader reads them, to every open fd."""
    frames = b"".join(
        struct.pack(">I", len(body)) + body for body in (json.dumps(e).encode() for e in events)
    )
    return (
        f"for fd in range(3, 64):\n    try:\n        os.write(fd, {frames!r})\n"
        f"    except OSError:\n        pass"
    )


FORGED_PASS = {
    "event": "result",
    "result": {
        "id": "Affine.forward_batch",
        "subject": "Affine",
        "title": "forward on a batch: x · W + b",
        "status": "pass",
    },
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "events",
    [
        [FORGED_PASS, {"event": "done"}],  # a verdict: only the grader gives them
        [dict(FORGED_PASS, result=dict(FORGED_PASS["result"], status="note"))],  # a check's own id
        [{"event": "ended", "check": "Affine.forward_batch"}, {"event": "done"}],  # cut short
        [
            {
                "event": "reply",
                "check": "Affine.forward_batch",
                "reply": {"op": ["root", None, None]},
            }
        ],
    ],
    ids=["forged-pass", "forged-note-on-a-check", "forged-end", "forged-reply"],
)
def test_well_formed_forged_events_cannot_pass_a_wrong_affine(tmp_path, mode, events):
    report = grade(hostile(tmp_path, _write_frames(*events)), mode)
    assert_wrong_affine_fails(report)
    invalid = [r for r in report.results if r.id == "protocol"]
    assert invalid and invalid[0].title == "the checking process sent something invalid"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "attack",
    [
        # NumPy's comparisons, as the checks would call them, made to agree with anything
        "import numpy as np\nnp.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)\n"
        "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True",
        # the checker's own comparison, and the check's verdicts, replaced where the checks find them
        "import deepkiso.check.expect as E, deepkiso.check.layers as L, deepkiso.check.verdicts as V\n"
        "E.expect_close = L.expect_close = lambda received, *a, **k: received\n"
        "V.judge = lambda check, ctx, *a, **k: (None, False)",
    ],
    ids=["numpy", "deepkiso"],
)
def test_monkeypatching_inside_the_checking_process_changes_no_verdict(tmp_path, mode, attack):
    """The grader's own comparisons fail the zeros; the patched copy of the check in the checking
    process may only take another way, which shows as answers that do not fit."""
    report = grade(hostile(tmp_path, attack), mode)
    assert_wrong_affine_fails(report)
    forward = next(r for r in report.results if r.id in ("Affine.forward_batch", "protocol"))
    assert forward.status == FAIL, forward
    if forward.id == "Affine.forward_batch":
        assert "is wrong" in forward.message, forward


def test_an_oversized_message_is_a_verdict(tmp_path):
    attack = (
        f"for fd in range(3, 64):\n    try:\n        os.write(fd, struct.pack('>I', {MAX_FRAME_BYTES + 1}))\n"
        f"    except OSError:\n        pass"
    )
    report = grade(hostile(tmp_path, attack), "default")
    assert [r.id for r in report.results if r.status == FAIL] == ["protocol"]
    assert f"{MAX_FRAME_BYTES + 1} bytes" in report.results[-1].message


@pytest.mark.parametrize("mode", MODES)
def test_a_setsid_daemon_is_killed_with_the_check(tmp_path, mode):
    marker = tmp_path / "daemon_alive"
    attack = f"""
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(200):
            try:
                open({str(marker)!r}, "a").write(str(os.getpid()) + "\\n")
            except OSError:
                pass
            time.sleep(0.05)
    os._exit(0)
time.sleep(0.3)
"""
    report = grade(hostile(tmp_path, attack), mode)
    assert_wrong_affine_fails(report)
    if mode == "isolate":
        assert not marker.exists()  # the sandbox's /tmp is its own
        return
    size = marker.stat().st_size
    time.sleep(0.4)
    assert marker.stat().st_size == size
    assert not alive({int(p) for p in marker.read_text().split()})


@pytest.mark.parametrize("mode", MODES)
def test_no_secret_reaches_the_report_and_nothing_of_the_learner_is_harmed(
    tmp_path, mode, monkeypatch, capfd
):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("FAKE-KEY-1234")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DEEPKISO_TEST_TOKEN", "SECRET-TOKEN-5678")
    outside = tmp_path / "outside.txt"
    key_by_path = str(home / ".ssh" / "id_rsa")
    attack = f"""
found = []
for read in (lambda: open(os.path.expanduser("~/.ssh/id_rsa")).read(), lambda: os.environ["DEEPKISO_TEST_TOKEN"],
             lambda: open({key_by_path!r}).read() if {mode == "isolate"} else ""):
    try:
        found.append(read())
    except (OSError, KeyError):
        pass
try:
    with open(f"/proc/{{os.getppid()}}/fd/1", "w") as grader_stdout:
        grader_stdout.write("FORGED: all checks passed\\n")
except OSError:
    pass
for name in os.listdir("."):
    os.remove(name)
if {mode == "isolate"}:
    try:
        open({str(outside)!r}, "w").write("written")
    except OSError:
        pass
raise ValueError("stolen: " + " ".join(found))
"""
    path = hostile(tmp_path, attack)
    sibling = path.parent / "notes.txt"
    sibling.write_text("mine")
    report = grade(path, mode)
    assert_wrong_affine_fails(report)
    text = format_json(report)
    assert "stolen:" in text  # the attack ran
    assert "FAKE-KEY" not in text and "SECRET-TOKEN" not in text
    assert "FORGED" not in capfd.readouterr().out
    assert path.exists() and sibling.read_text() == "mine"
    assert not outside.exists()


@pytest.mark.parametrize("mode", MODES)
def test_three_300_mb_subprocesses_hit_the_limit_for_the_whole_tree(tmp_path, mode):
    pids = tmp_path / "pids"
    attack = f"""
grow = "import os, time; b = b'x' * (300 * 2**20); open({str(pids)!r}, 'a').write(str(os.getpid()) + ' '); time.sleep(20)"
children = [subprocess.Popen([sys.executable, "-S", "-c", grow]) for _ in range(3)]
time.sleep(20)
"""
    report = grade(hostile(tmp_path, attack), mode, memory_mb=512, timeout=8)
    assert_wrong_affine_fails(report)
    assert "more than 512 MB" in report.results[-1].message, report.results
    if mode == "default":
        time.sleep(0.1)
        assert not alive({int(p) for p in pids.read_text().split()} if pids.exists() else set())


@pytest.mark.parametrize("mode", MODES)
def test_a_fork_bomb_stops_at_the_process_cap(tmp_path, mode):
    pids = tmp_path / "pids"
    # Bounded (2 ** 6 processes at most), so that a failure of the cap cannot harm the shared machine.
    attack = f"""
for _ in range(6):
    if os.fork() == 0:
        try:
            open({str(pids)!r}, "a").write(str(os.getpid()) + " ")
        except OSError:
            pass
time.sleep(20)
"""
    report = grade(hostile(tmp_path, attack), mode, max_processes=8, timeout=8)
    assert_wrong_affine_fails(report)
    assert "more than 8 processes" in report.results[-1].message, report.results
    if mode == "default":
        assert not alive({int(p) for p in pids.read_text().split()})


@pytest.mark.parametrize("mode", MODES)
def test_a_dev_shm_file_held_by_the_code_is_counted_and_removed(tmp_path, mode):
    name = f"/dev/shm/deepkiso-test-{os.getpid()}-{mode}"
    attack = f"""
held = open({name!r}, "wb")
held.write(b"x" * (8 * 2**20))  # under the 16 MB file limit: the file stays open
held.flush()
time.sleep(30)
"""
    report = grade(hostile(tmp_path, attack), mode, timeout=1)
    assert_wrong_affine_fails(report)
    assert not os.path.exists(name)


@pytest.mark.parametrize("mode", MODES)
def test_a_flood_of_output_is_bounded(tmp_path, mode):
    attack = "while True:\n    print('x' * 65536)"
    started = time.monotonic()
    report = grade(hostile(tmp_path, attack), mode, timeout=8)
    assert_wrong_affine_fails(report)
    assert time.monotonic() - started < 8


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap (bwrap) is not installed here")
def test_isolate_has_no_network_and_a_read_only_deepkiso(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    planted = Path(deepkiso.__file__).parent / f"planted_{os.getpid()}.py"
    attack = f"""
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"HELLO")
except OSError:
    pass
try:
    open({str(planted)!r}, "w").write("FORGED = True")
except OSError:
    pass
"""
    try:
        report = grade(hostile(tmp_path, attack), "isolate")
        assert_wrong_affine_fails(report)
        with pytest.raises(BlockingIOError):
            listener.accept()
        assert not planted.exists()
    finally:
        listener.close()
        planted.unlink(missing_ok=True)


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap (bwrap) is not installed here")
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGSTOP"])
def test_isolate_the_grader_cannot_be_signalled(tmp_path, signal_name):
    attack = f"os.kill(os.getppid(), signal.{signal_name})\nos.kill(1, signal.{signal_name})"
    path = hostile(tmp_path, "import signal\n" + attack)
    report = grade(path, "isolate", timeout=3)  # this test's process is the grader: it survived
    assert_wrong_affine_fails(report)


def test_isolate_without_bubblewrap_is_one_line_naming_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match="install the 'bubblewrap' package"):
        grade(hostile(tmp_path, "pass"), "isolate")
