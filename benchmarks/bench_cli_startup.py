"""Benchmark: the imports of `deepkiso --help` and of a usage error of every command.

Issue 14's goal: under 300 ms of imports each (a usage error is answered
before any numerics run). Runs each command line several times in a fresh
interpreter with ``python -X importtime`` and prints the least total import
time (the sum over the top-level imports, the interpreter's own start-up
included) and the least wall time of the whole process.

    python benchmarks/bench_cli_startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

COMMAND_LINES = [
    ["--help"],
    ["--version"],
    *(
        [command, "--no-such-option"]
        for command in (
            "train",
            "evaluate",
            "predict",
            "check",
            "graph",
            "experiment",
            "landscape",
            "numdiff",
            "vanishing",
            "why-not-accuracy",
        )
    ),
    # In Japanese the catalog is parsed (a few ms) and argparse's texts are looked up in it.
    ["--lang", "ja", "--help"],
    ["--lang", "ja", "train", "--no-such-option"],
]
TARGET_MS = 300.0


def import_ms(stderr: str) -> float:
    """The sum of the cumulative times of the top-level imports in -X importtime output, in ms."""
    total = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # nested ones are inside
            total += int(cumulative)
    return total / 1000


def measure(argv: list[str], repeats: int) -> tuple[float, float]:
    """(least import ms, least wall ms) of `deepkiso argv` over repeats runs."""
    imports, walls = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "deepkiso", *argv],
            capture_output=True,
            text=True,
            check=False,
        )
        walls.append((time.perf_counter() - started) * 1000)
        imports.append(import_ms(done.stderr))
    return min(imports), min(walls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'command line':<44} {'imports ms':>10} {'wall ms':>8}  (target: imports < {TARGET_MS:g} ms)"
    )
    worst = 0.0
    for argv in COMMAND_LINES:
        imports, wall = measure(argv, args.repeats)
        worst = max(worst, imports)
        print(f"{'deepkiso ' + ' '.join(argv):<44} {imports:>10.0f} {wall:>8.0f}")
    print(f"worst: {worst:.0f} ms of imports ({'met' if worst < TARGET_MS else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
