"""Peak memory of training on an MNIST-format set: images kept as uint8 (what the commands do) or as float32.

    python benchmarks/bench_memory.py [--dataset fashion-mnist] [--hidden 100] [--batch-size 100]

Each case runs in a fresh process (one epoch, evaluation included) and reports its maximum resident
set size; the first line is `deepkiso train` itself. Needs the data set on disk (Debian's
dataset-fashion-mnist, or a copy in deepkiso's cache); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys

CASE = """
import resource
from deepkiso.data import load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import Adam
from deepkiso.training import Trainer
(x, t), (x_test, t_test) = load_dataset({dataset!r}, compact={compact}, download=False, progress=False)
net = TwoLayerNet(x.shape[1], {hidden}, 10, rng=0)
sampler = make_sampler("shuffle", n_samples=len(t), batch_size={batch_size}, rng=0)
Trainer(net, Adam(), sampler, 1).train(x, t, x_test, t_test, verbose=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def first_child_peak_mib(command: list[str]) -> float:
    """The maximum RSS of command's process in MiB. RUSAGE_CHILDREN holds the largest child waited
    for so far, so this is exact only for the first child: call it first."""
    subprocess.run(command, capture_output=True, check=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def case_peak_mib(code: str) -> float:
    """The maximum RSS that a Python snippet prints for itself at its end, in MiB."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    train = [sys.executable, "-m", "deepkiso", "train", "--dataset", args.dataset, "--quiet"]
    train += ["--hidden", str(args.hidden), "--batch-size", str(args.batch_size), "--epochs", "1"]
    train += ["--out", "/tmp/deepkiso-bench-memory", "--force"]
    rows = [("deepkiso train (uint8 images)", first_child_peak_mib(train))]
    for compact, label in ((True, "Trainer, uint8 images"), (False, "Trainer, float32 images")):
        code = CASE.format(
            dataset=args.dataset, compact=compact, hidden=args.hidden, batch_size=args.batch_size
        )
        rows.append((label, case_peak_mib(code)))
    for label, mib in rows:
        print(f"{label:<32} {mib:7.1f} MiB")
    print(f"uint8 / float32: {rows[1][1] / rows[2][1]:.2f}")


if __name__ == "__main__":
    main()
