"""Long fuzz of damaged checkpoints: thousands of the test suite's seeded variants, counted.

The suite runs 240 of them (tests/commands/test_train.py); this runs any range of seeds through
``deepkiso train --resume`` in-process and counts, per kind of damage, the exit codes, and as
failures: a traceback (an exception out of ``main``), a refusal that is not one line, and an
accepted checkpoint whose arrays or bytes were changed (a silent wrong result).

    python benchmarks/fuzz_checkpoints.py [FIRST_SEED] [STOP_SEED]     (default 1000 4000)
"""

from __future__ import annotations

import collections
import contextlib
import io
import random
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "commands"))
import test_train

from deepkiso.cli import main


def run_case(base: Path, seed: int) -> tuple[str, object, str | None]:
    """(kind of damage, exit code or "traceback", what went wrong or None) for one seed."""
    run_dir = base.parent / f"case{seed}"
    shutil.copytree(base, run_dir)
    kind = test_train._fuzz_case(random.Random(seed), run_dir)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["train", "--resume", str(run_dir), "--epochs", "1", "--quiet"])
    except BaseException:  # noqa: BLE001  (counting tracebacks is the point)
        return kind, "traceback", traceback.format_exc().splitlines()[-1]
    finally:
        shutil.rmtree(run_dir)
    lines = err.getvalue().strip().splitlines()
    if code != 0 and len(lines) != 1:
        return kind, code, f"{len(lines)} lines: {lines[:3]}"
    if code == 0 and kind != "field":
        return kind, code, "accepted"
    return kind, code, None


def main_fuzz(first: int, stop: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        with contextlib.redirect_stdout(io.StringIO()):
            main(
                [
                    "train",
                    "--out",
                    str(base),
                    "--hidden",
                    "4",
                    "--epochs",
                    "1",
                    "--batch-size",
                    "100",
                    "--quiet",
                ]
            )
        counts, failures = collections.Counter(), []
        for seed in range(first, stop):
            kind, code, problem = run_case(base, seed)
            counts[kind, code] += 1
            if problem is not None:
                failures.append((seed, kind, problem))
    print(f"{stop - first} cases, seeds {first}..{stop - 1}")
    for (kind, code), count in sorted(counts.items(), key=str):
        print(f"  {kind:10} exit {code}: {count}")
    print(f"failures: {len(failures)}")
    for failure in failures[:20]:
        print("  ", failure)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    main_fuzz(*(arguments + [1000, 4000][len(arguments) :]))
