"""Benchmark: what accuracy training reaches, how long the default run takes, how much memory a run needs.

Exercises 2_10 and 2_18 measured, not asserted in the test suite:

1. ``deepkiso train`` with no options (the README's first command, on the embedded
   digits), as a real process: its wall time and test accuracy (goal: >= 0.95 in
   well under a minute).
2. Fashion-MNIST (Debian's dataset-fashion-mnist files; skipped with a message when
   absent): ``TwoLayerNet(784, 100, 10)`` with plain SGD, lr 0.1, batch 100, 20
   epochs, seeds 0, 1, 2 (goal: a median >= 0.87 test accuracy), and the best two-layer setting found with the
   library's own optimizers (goal: >= 0.89; the benchmark page's MLPs reach about
   0.877 - 0.883).
3. The peak memory (resident set size) of ``deepkiso train --dataset fashion-mnist``
   as a real process, against the size of its float32 data (goal: under 2x).

Each training run is seeded; the accuracy is the test accuracy after the last epoch.

    python benchmarks/bench_accuracy.py [--skip-best]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deepkiso.data import load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import SGD, Adam
from deepkiso.training import Trainer

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


# Runs ``python -m deepkiso ARGV`` and reports the process's own peak resident set size (VmHWM).
# Not getrusage's ru_maxrss: Linux carries the parent's peak into a forked child's ru_maxrss, so a
# child of this (large) benchmark process would report at least this process's size.
PEAK_WRAPPER = """
import re, runpy, sys
sys.argv = ["deepkiso", *sys.argv[1:]]
try:
    runpy.run_module("deepkiso", run_name="__main__")
finally:
    status = open("/proc/self/status").read()
    print("peak-kib", re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1), file=sys.stderr)
"""


def run_cli(argv: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``python -m deepkiso ARGV`` in cwd: (the result, wall seconds, its peak RSS in MiB)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"deepkiso {' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    peak = int(re.search(r"peak-kib (\d+)", done.stderr).group(1)) / 1024
    return done, seconds, peak


def default_digits_run(workdir: Path) -> None:
    done, seconds, _ = run_cli(["train", "--quiet"], workdir)
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", done.stdout).group(1))
    print(
        f"digits, `deepkiso train` (defaults): test accuracy {accuracy:.4f} in {seconds:.1f} s wall "
        f"(goal >= 0.95 in under a minute: {'met' if accuracy >= 0.95 and seconds < 60 else 'MISSED'})"
    )


def train_fashion(
    data, net, optimizer, batch_size: int, schedule: list[tuple[int, float]], seed: int = 0
):
    """Train with lr schedule [(epochs, lr), ...]; returns (final test accuracy, best test accuracy, seconds)."""
    (x_train, t_train), (x_test, t_test) = data
    sampler = make_sampler("shuffle", n_samples=len(x_train), batch_size=batch_size, rng=seed)
    trainer = Trainer(net, optimizer, sampler, 0)
    started = time.perf_counter()
    for n_epochs, lr in schedule:
        optimizer.lr = lr
        trainer.n_epochs += n_epochs
        trainer.train(x_train, t_train, x_test, t_test, verbose=False)
    seconds = time.perf_counter() - started
    accuracies = [row["test_accuracy"] for row in trainer.history.epochs]
    return accuracies[-1], max(accuracies), seconds


def fashion_runs(skip_best: bool) -> None:
    data = load_dataset("fashion-mnist", data_dir=FASHION_DIR, download=False, progress=False)
    # Plain SGD at lr 0.1 ends each epoch up to a point of accuracy up or down, so three seeds, and their median.
    finals = []
    for seed in (0, 1, 2):
        final, best, seconds = train_fashion(
            data, TwoLayerNet(784, 100, 10, rng=seed), SGD(lr=0.1), 100, [(20, 0.1)], seed=seed
        )
        finals.append(final)
        print(
            f"fashion-mnist, TwoLayerNet(784, 100, 10), SGD lr 0.1, batch 100, 20 epochs, seed {seed}: "
            f"test accuracy {final:.4f} (best epoch {best:.4f}), {seconds:.0f} s"
        )
    median = statistics.median(finals)
    print(
        f"  median over the seeds {median:.4f} (goal >= 0.87: {'met' if median >= 0.87 else 'MISSED'})"
    )
    if skip_best:
        return
    net = TwoLayerNet(784, 1000, 10, weight_init_std="he")
    final, best, seconds = train_fashion(data, net, Adam(), 100, [(15, 1e-3), (5, 1e-4)])
    print(
        f"fashion-mnist, TwoLayerNet(784, 1000, 10, he), Adam lr 1e-3 for 15 epochs then 1e-4 for 5, batch 100: "
        f"test accuracy {final:.4f} (best epoch {best:.4f}), {seconds:.0f} s "
        f"(goal >= 0.89: {'met' if final >= 0.89 else 'MISSED'})"
    )


def memory_run(workdir: Path) -> None:
    (x_train, _), (x_test, _) = load_dataset(
        "fashion-mnist", data_dir=FASHION_DIR, download=False, progress=False
    )
    data_mib = (x_train.nbytes + x_test.nbytes) / 2**20
    del x_train, x_test
    _, seconds, peak = run_cli(
        [
            "train",
            "--dataset",
            "fashion-mnist",
            "--data-dir",
            str(FASHION_DIR),
            "--epochs",
            "2",
            "--quiet",
            "--out",
            "memory",
        ],
        workdir,
    )
    _, _, baseline = run_cli(
        ["--version"], workdir
    )  # the interpreter with the command-line tool imported
    print(
        f"fashion-mnist, `deepkiso train` (2 epochs, {seconds:.0f} s): peak RSS {peak:.0f} MiB = "
        f"{peak / data_mib:.2f}x its float32 data ({data_mib:.0f} MiB); the interpreter with deepkiso, numpy, "
        f"matplotlib and tqdm imported is {baseline:.0f} MiB of it (goal < 2x: {'met' if peak < 2 * data_mib else 'MISSED'})"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--skip-best", action="store_true", help="leave out the (slower) best-setting run"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        default_digits_run(workdir)
        if not FASHION_DIR.is_dir():
            print(
                f"fashion-mnist: skipped, {FASHION_DIR} is absent (apt-get install dataset-fashion-mnist)"
            )
            return 0
        fashion_runs(args.skip_best)
        memory_run(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
