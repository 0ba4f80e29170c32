"""Benchmark: `deepkiso check --class` on a generated class of 30 submissions (correct, buggy, hostile).

Issue 13's goal: 30 submissions graded with --jobs 2 in under 2 minutes, each
its own row whatever it does. The class (written into a temporary folder):
12 correct Affine layers, 10 with one of five bugs, 8 hostile ones (a hang, a
flood of output, a setsid daemon, a fork bomb bounded at 64 processes under a
cap of 16, 3 x 300 MB subprocesses under a 512 MB limit, a SIGKILL and a
SIGSTOP of the grader, an invalid message on the checker's channel), some as
single files and some as a project folder. Prints the per-exercise table and
the wall time.

    python benchmarks/bench_check_class.py              # --jobs 2, default mode
    python benchmarks/bench_check_class.py --isolate --jobs 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAD = "import os, sys, time, signal, struct, subprocess\nimport numpy as np\n\n\n"
AFFINE = """class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None
{attack}
    def forward(self, x):
        self.x = x
        return {forward}

    def backward(self, dout):
        self.dW = {dW}
        self.db = {db}
        return {dx}
"""
CORRECT = dict(
    forward="x @ self.W + self.b", dW="self.x.T @ dout", db="dout.sum(axis=0)", dx="dout @ self.W.T"
)
BUGS = [
    dict(forward="x @ self.W"),
    dict(db="dout"),
    dict(dW="self.x @ dout"),
    dict(dx="dout @ self.W"),
    dict(db="dout.sum(axis=1)"),
]
ATTACKS = {
    "hang": "while True:\n    pass",
    "flood": "while True:\n    print('x' * 65536)",
    "daemon": "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(600)\n    os._exit(0)",
    "fork_bomb": "for _ in range(6):\n    os.fork()\ntime.sleep(60)",
    "memory": (
        "grow = \"b = b'x' * (300 * 2**20); import time; time.sleep(60)\"\n"
        "kids = [subprocess.Popen([sys.executable, '-S', '-c', grow]) for _ in range(3)]\ntime.sleep(60)"
    ),
    "kill_grader": "os.kill(os.getppid(), signal.SIGKILL)",
    "stop_grader": "os.kill(os.getppid(), signal.SIGSTOP)",
    "forged": "for fd in range(3, 64):\n    try:\n        os.write(fd, struct.pack('>I', 5) + b'{oops')\n"
    "    except OSError:\n        pass",
}


def affine(attack: str = "", **changes) -> str:
    body = "\n".join("        " + line for line in attack.splitlines()) + "\n" if attack else ""
    return HEAD + AFFINE.format(attack=body, **{**CORRECT, **changes})


def write_class(folder: Path) -> None:
    """The 30 submissions: every third correct one and every other buggy one is a project folder."""
    submissions = [(f"correct_{i:02d}", affine()) for i in range(12)]
    submissions += [(f"buggy_{i:02d}", affine(**BUGS[i % len(BUGS)])) for i in range(10)]
    submissions += [(f"hostile_{name}", affine(attack)) for name, attack in ATTACKS.items()]
    for index, (learner, text) in enumerate(submissions):
        if index % 3 == 0:
            (folder / learner / "common").mkdir(parents=True)
            (folder / learner / "common" / "layers.py").write_text(text)
            (folder / learner / "pyproject.toml").write_text("")
        else:
            (folder / f"{learner}.py").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--isolate", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        write_class(Path(folder) / "submissions")
        command = [
            sys.executable,
            "-m",
            "deepkiso",
            "check",
            "--class",
            str(Path(folder) / "submissions"),
            "--only",
            "Affine",
            "--jobs",
            str(args.jobs),
            "--timeout",
            "2",
            "--memory-mb",
            "512",
            "--max-processes",
            "16",
            "--csv",
            str(Path(folder) / "class.csv"),
        ]
        command += ["--isolate"] if args.isolate else []
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.monotonic() - started
        print(result.stdout)
        rows = (Path(folder) / "class.csv").read_text().splitlines()
        hostile = [r for r in rows if r.startswith("hostile_")]
        print("\n".join(sorted({",".join(r.split(",")[:4]) for r in hostile})[:40]))
        print(
            f"\n30 submissions, {len(rows) - 1} rows, --jobs {args.jobs}{' --isolate' if args.isolate else ''}: "
            f"{seconds:.1f} s (exit code {result.returncode})"
        )


if __name__ == "__main__":
    main()
