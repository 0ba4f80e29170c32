"""Benchmark: how long `deepkiso check` takes per file, on the corpus of learner projects and the README's examples.

Issue 12's goal is a median of at most 2 s per .py file and 3 s per notebook,
whatever the notebook's training cells. Each case of tests/check/corpus/ (all
the paths its expected.json names, in one command) and each README example
runs as a real process, ``deepkiso check … --json``, as a learner would start
it: the wall time includes the interpreter's start and the imports (the fixed
cost). The table gives the median and the maximum per kind of file, wall and
CPU (user + system) time, since on a shared machine the wall time mostly
measures the neighbours. Then ``check(Affine)`` on a live class, as in a
notebook (goal: at most 2 s for a layer), five times in this process.

    python benchmarks/bench_check.py                 # this checkout
    python benchmarks/bench_check.py --src OLD/src   # another version's sources (PYTHONPATH), to compare
    python benchmarks/bench_check.py --cases 'load_*' --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "check" / "corpus"
README_EXAMPLES = [  # (folder, paths): the README's project and notebook examples
    (CORPUS / "load_several_files", ["common", "ch05/two_layer_net.py"]),
    (CORPUS / "load_nb_shadowed_by_import", ["2_14_affine_trainee.ipynb"]),
]


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process and its children, exit code) for one run of command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        wall,
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        done.returncode,
    )


def jobs(pattern: str) -> list[tuple[str, Path, list[str]]]:
    """(name, folder, paths) for each corpus case matching pattern, then the README examples."""
    found = []
    for spec_path in sorted(CORPUS.glob(f"{pattern}/expected.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        found.append(
            (
                spec_path.parent.name,
                spec_path.parent,
                list(spec["check"]) + list(spec.get("args", [])),
            )
        )
    return found + [(f"README: {folder.name}", folder, paths) for folder, paths in README_EXAMPLES]


class Affine:
    """The README's live example: a correct batch Affine layer."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


def live_seconds(repeat: int = 5) -> list[float]:
    """Wall seconds of check(Affine) on a live class, each run."""
    from deepkiso.check import check

    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        assert check(Affine).passed
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--src", type=Path, default=None, help="sources to run instead of the installed deepkiso"
    )
    parser.add_argument("--cases", default="*", help="glob of corpus case folders (default: all)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per case; the median is kept (default: 1)"
    )
    args = parser.parse_args()
    env = dict(os.environ)
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
    times: dict[str, list[tuple[float, float]]] = {".py": [], ".ipynb": []}
    for name, folder, paths in jobs(args.cases):
        command = [sys.executable, "-m", "deepkiso.cli", "check", *paths, "--json"]
        runs = [timed(command, folder, env) for _ in range(args.repeat)]
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        code = runs[0][2]
        kind = ".ipynb" if any(p.endswith(".ipynb") for p in paths) else ".py"
        if (
            code != 2
        ):  # exit code 2 is a usage error (an older version given several paths): not comparable
            times[kind].append((wall, cpu))
        print(f"{name:40s} {wall:6.2f} s wall {cpu:6.2f} s CPU  exit {code}")
    for kind, values in times.items():
        if values:
            walls, cpus = [v[0] for v in values], [v[1] for v in values]
            print(
                f"{kind:7s} n={len(values):3d}  wall median {statistics.median(walls):.2f} s, max {max(walls):.2f} s;"
                f"  CPU median {statistics.median(cpus):.2f} s, max {max(cpus):.2f} s"
            )
    if args.src is None:
        live = live_seconds()
        print(
            f"check(Affine) on a live class: median {statistics.median(live):.2f} s, max {max(live):.2f} s"
        )


if __name__ == "__main__":
    main()
