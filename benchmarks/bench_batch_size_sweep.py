"""Benchmark: the batch-size sweep on Fashion-MNIST, timed end to end (group work バッチサイズの決め方).

Runs ``deepkiso experiment batch-size`` exactly as a user would: six batch sizes from 8 to 8192
(×4 apart), three seeds each, the learning rate (SGD, 0.05 at batch 32) fixed, scaled linearly and
scaled by the square root of the batch size (with a 2-epoch warm-up), and a schedule that grows
the batch 32 → 128 → 512 — 63 trials of a 784-100-10 ReLU net trained on all 60,000 training
images, each evaluated after every epoch on the 60,000 + 10,000 images. Prints the command's
table and summary, then the wall time of the whole sweep, which is meant to stay under 30 minutes
on a 2-core machine with --jobs 2.

    python benchmarks/bench_batch_size_sweep.py [--out DIR] [--jobs N] [--epochs E]

The data come from Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist),
the user cache, or a download. --out keeps the results: running again resumes (and then times
only what was left to do).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

from deepkiso.cli import main as deepkiso


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", default=None, help="results folder (default: a new temporary folder)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="trials at once (default: 2)")
    parser.add_argument("--epochs", type=int, default=15, help="epochs per trial (default: 15)")
    args = parser.parse_args()
    if args.epochs < 3:
        parser.error(
            f"--epochs must be at least 3 (the schedule has three phases), got {args.epochs}"
        )
    out = args.out or tempfile.mkdtemp(prefix="deepkiso-bench-batch-size-")
    third = args.epochs // 3
    command = [
        "experiment",
        "batch-size",
        "--dataset",
        "fashion-mnist",
        "--batch-sizes",
        "8",
        "32",
        "128",
        "512",
        "2048",
        "8192",
        "--seeds",
        "3",
        "--epochs",
        str(args.epochs),
        "--hidden",
        "100",
        "--optimizer",
        "sgd",
        "--lr",
        "0.05",
        "--base-batch-size",
        "32",
        "--lr-scaling",
        "none",
        "linear",
        "sqrt",
        "--warmup-epochs",
        "2",
        "--target-accuracy",
        "0.85",
        "--batch-schedule",
        f"32:{third},128:{third},512:{args.epochs - 2 * third}",
        "--jobs",
        str(args.jobs),
        "--out",
        out,
    ]
    print(f"deepkiso {' '.join(command)}", flush=True)
    started = time.perf_counter()
    code = deepkiso(command)
    minutes = (time.perf_counter() - started) / 60
    print(
        f"\nwall time: {minutes:.1f} min for the sweep with --jobs {args.jobs} on {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}); exit code {code}; results in {out}"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
