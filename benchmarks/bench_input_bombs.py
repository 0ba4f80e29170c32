"""Benchmark: the memory that decompression bombs and lying headers cost the readers (issue 11).

Each input is read in a fresh child process, which reports its peak resident set size above the
baseline it had once deepkiso was imported (goal: under 100 MB for every input):

1. a 1 MB gzip IDX file inflating to 1 GiB of zeros, with a bad magic number;
2. the same with a good header declaring 10 bytes of payload;
3. a 290 KB PNG of 48500 x 48500 1-bit pixels, which decodes to 2.35 GB, given to ``deepkiso predict``
   (beside an 8x8 PNG, whose cost is the baseline of predict itself: Pillow and the net);
4. a .npy file whose header declares 32 GiB of float64, given to ``deepkiso predict``.

A child's address space is capped at its baseline plus 1.5 GB (RLIMIT_AS), so a reader that
inflates everything (the code before issue 11: pass ``--src`` of such a checkout) fails with a
MemoryError instead of taking the shared machine's memory.

    python benchmarks/bench_input_bombs.py [--src OTHER_CHECKOUT/src]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys
from deepkiso.cli import main
from deepkiso.data import read_idx
kind, path, run_dir = sys.argv[1:4]
baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open("/proc/self/status") as status:
    vm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
cap = (vm_kb << 10) + (1536 << 20)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    if kind == "idx":
        read_idx(path)
        outcome = "read"
    else:
        outcome = f"exit {main(['predict', run_dir, path])}"
except MemoryError:
    outcome = "MemoryError"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {str(exc)[-90:]}"
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"above_baseline_mb": (peak_kb - baseline_kb) / 1024, "outcome": outcome}))
"""


def gzip_of_zeros(header: bytes, n_mebibytes: int) -> bytes:
    """header, then n_mebibytes MiB of zeros, as a gzip file of 1 MiB members (about 1 KB each)."""
    member = gzip.compress(bytes(1 << 20), mtime=0)
    return gzip.compress(header, mtime=0) + member * n_mebibytes


def png_bytes(width: int, height: int, bit_depth: int) -> bytes:
    """A grey PNG of width x height black pixels, compressed row by row without holding the image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    compressor = zlib.compressobj(9)
    row = bytes(1 + (width * bit_depth + 7) // 8)  # filter byte 0, then the row's pixels
    parts = [compressor.compress(row) for _ in range(height)]
    idat = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def make_inputs(folder: Path) -> dict[str, tuple[str, Path]]:
    inputs = {}
    path = folder / "bad-magic-idx1-ubyte.gz"
    path.write_bytes(gzip_of_zeros(b"\x12\x34\x08\x01" + struct.pack(">I", 10), 1024))
    inputs["IDX gzip, bad magic"] = ("idx", path)
    path = folder / "small-shape-idx1-ubyte.gz"
    path.write_bytes(gzip_of_zeros(b"\x00\x00\x08\x01" + struct.pack(">I", 10) + bytes(10), 1024))
    inputs["IDX gzip, header declares 10 bytes"] = ("idx", path)
    path = folder / "digit.png"
    path.write_bytes(png_bytes(8, 8, 8))
    inputs["PNG 8x8 in predict (the control)"] = ("predict", path)
    path = folder / "bomb.png"
    path.write_bytes(png_bytes(48500, 48500, 1))  # Pillow decodes 1-bit pixels to a byte each
    inputs["PNG 48500x48500 1-bit in predict"] = ("predict", path)
    path = folder / "huge.npy"
    with open(path, "wb") as file:
        np.lib.format.write_array_header_1_0(
            file, {"descr": "<f8", "fortran_order": False, "shape": (1 << 32,)}
        )
    inputs[".npy header declaring 32 GiB in predict"] = ("predict", path)
    return inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--src", help="the src folder of the deepkiso to measure (default: the installed one)"
    )
    args = parser.parse_args()
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        run_dir = folder / "run"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "deepkiso",
                "train",
                "--out",
                str(run_dir),
                "--epochs",
                "1",
                "--hidden",
                "4",
                "--quiet",
            ],
            env=env,
            check=True,
        )
        for label, (kind, path) in make_inputs(folder).items():
            child = subprocess.run(
                [sys.executable, "-c", CHILD, kind, str(path), str(run_dir)],
                env=env,
                capture_output=True,
                text=True,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"{label:42} {path.stat().st_size / 1e3:8.0f} KB  +{result['above_baseline_mb']:7.1f} MB  "
                f"{result['outcome']}"
            )


if __name__ == "__main__":
    main()
