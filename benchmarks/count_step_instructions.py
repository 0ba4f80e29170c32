"""Benchmark: instructions per training step, deepkiso against the hand-written NumPy loop.

The "/plain" column of bench_training_vs_torch.py (the share of the hand-written loop's speed that
the library keeps) is a ratio of timings, and timings on a loaded machine move by ±20 %. This counts
the instructions instead, with valgrind's callgrind, which gives the same count whatever else the
machine is doing: one epoch of K steps and one of 2K steps, each bracketed by a marker call
(``time.thread_time``, which nothing else here calls, with ``--dump-before`` on it), so that
(count(2K) − count(K)) / K is the cost of one step with the per-epoch set-up cancelled out.

The contestants are bench_training_vs_torch.py's own: ``deepkiso`` (Trainer + TwoLayerNet + SGD +
shuffle sampler), ``numpy_plain`` (the same epoch written out by hand), and ``baseline`` (deepkiso
from another source tree, --baseline SRC). One BLAS thread, random data of Fashion-MNIST's shape.

Instructions are a proxy for time, not time: they count the Python overhead per step exactly, and
the matrix products (the same calls in every contestant) alike, but not the memory stalls of a
pass over a big array. So "/plain" here says how much work the library adds per step; timings on
a quiet machine say what that costs.

    python benchmarks/count_step_instructions.py [--hidden 50 100 1000] [--batch 32 100 1000]
        [--baseline ../old/src]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _steps(hidden: int, batch: int) -> int:
    """K: enough steps for a stable difference, few enough that callgrind (~50× slower) is quick."""
    work = hidden * batch
    return 100 if work <= 10_000 else 40 if work <= 100_000 else 5


def child(contestant: str, hidden: int, batch: int, k: int) -> None:
    """Under callgrind: a warm-up epoch, then epochs of K and 2K steps, each between two markers."""
    import numpy as np

    sys.path.insert(0, str(HERE))
    from bench_training_vs_torch import contestant as make_contestant

    rng = np.random.default_rng(0)
    # One random block repeated: generating every row would cost more than the epochs under valgrind,
    # and the values do not change the instructions of a step.
    x = np.tile(rng.random((batch, 784), dtype=np.float32), (3 * k, 1))
    t = np.tile(rng.integers(0, 10, batch), 3 * k)
    run = make_contestant(contestant, 1, x, t)
    run(hidden, batch, 2 * batch, 1)  # first-call costs: imports, BLAS buffers
    for steps in (k, 2 * k):
        time.thread_time()
        run(hidden, batch, steps * batch, 1)
        time.thread_time()


def _count(contestant: str, hidden: int, batch: int, k: int, src: str | None) -> tuple[int, int]:
    """(instructions of the K-step epoch, of the 2K-step epoch) for one contestant."""
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if src:
        env["PYTHONPATH"] = src
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "cg"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=time_thread_time",
            f"--callgrind-out-file={out}.%p",
            sys.executable,
            __file__,
            "--child",
            contestant,
            str(hidden),
            str(batch),
            str(k),
        ]
        subprocess.run(command, env=env, check=True, capture_output=True)
        dumps = sorted(Path(folder).glob("cg.*.*"), key=lambda p: int(p.suffix[1:]))
        # Dumps, in order: start-up and warm-up, [K epoch], between, [2K epoch], the rest.
        totals = [_summary(path) for path in dumps]
    return totals[1], totals[3]


def _summary(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise SystemExit(f"{path}: no summary line in callgrind's output")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[50, 100, 1000])
    parser.add_argument("--batch", type=int, nargs="+", default=[32, 100, 1000])
    parser.add_argument("--baseline", metavar="SRC", help="another deepkiso source tree to count")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, hidden, batch, k = args.child
        child(name, int(hidden), int(batch), int(k))
        return
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); nothing counted")
        return
    contestants = {"deepkiso": None, "numpy_plain": None}
    if args.baseline:
        contestants["baseline"] = os.path.abspath(args.baseline)
    print("instructions per training step (callgrind, 1 BLAS thread); /plain = plain ÷ library")
    header = f"{'hidden':>6} {'batch':>5} " + " ".join(f"{n:>12}" for n in contestants)
    print(header + "  /plain" + ("  base/plain" if args.baseline else ""))
    for hidden in args.hidden:
        for batch in args.batch:
            k = _steps(hidden, batch)
            per_step = {}
            for name, src in contestants.items():
                once, twice = _count(
                    name if name != "baseline" else "deepkiso", hidden, batch, k, src
                )
                per_step[name] = (twice - once) / k
            plain = per_step["numpy_plain"]
            line = f"{hidden:>6} {batch:>5} " + " ".join(f"{v:>12,.0f}" for v in per_step.values())
            line += f"  {plain / per_step['deepkiso']:6.2f}"
            if args.baseline:
                line += f"  {plain / per_step['baseline']:10.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
