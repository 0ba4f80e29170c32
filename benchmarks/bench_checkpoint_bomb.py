"""Benchmark: the peak memory of ``train --resume`` and ``evaluate`` when the checkpoint's .npz is a zip bomb.

A 1 MB .npz whose one member inflates to 1 GiB (zeros, deflated), named by a checkpoint.json with
matching hashes, as a forger would write it. Before the checks, loading it took 1.1 GB per command;
now a deflated member is refused from the zip's table of members, before anything is inflated
(goal: under 100 MB above the same command on the intact run). Each command runs as a real
process and its peak resident set size is read from ``/proc/<pid>/status`` (VmHWM) as it ends.

    python benchmarks/bench_checkpoint_bomb.py
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

BOMB_BYTES = 1 << 30


def peak_rss_mb(argv: list[str]) -> tuple[float, int, str]:
    """(peak resident set size in MB, exit code, last line of stderr) of a real deepkiso process."""
    # The child reports its own high-water mark just before it exits, whatever the command did.
    code = (
        "import atexit, sys\n"
        "from deepkiso.cli import main\n"
        "def report():\n"
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "    print('VmHWM', hwm.split()[1], file=sys.stderr)\n"
        "atexit.register(report)\n"
        f"sys.exit(main({argv!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    lines = done.stderr.strip().splitlines()
    hwm_kb = int(next(line for line in lines if line.startswith("VmHWM")).split()[1])
    message = next((line for line in lines if not line.startswith("VmHWM")), "")
    return hwm_kb / 1024, done.returncode, message


def write_bomb(run_dir: Path) -> int:
    """Replace run_dir's .npz by a bomb and rewrite checkpoint.json to match it; returns the bomb's size."""
    json_path = run_dir / "checkpoint.json"
    meta = json.loads(json_path.read_text())
    (run_dir / meta["arrays"]).unlink()
    bomb = run_dir / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("net/W1.npy", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(BOMB_BYTES >> 20):
                member.write(block)
    data = bomb.read_bytes()
    bomb.unlink()
    meta["arrays_sha256"] = hashlib.sha256(data).hexdigest()
    meta["arrays"] = f"checkpoint-{meta['arrays_sha256'][:16]}.npz"
    (run_dir / meta["arrays"]).write_bytes(data)
    fields = {k: v for k, v in meta.items() if k != "sha256"}
    meta["sha256"] = hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    json_path.write_text(json.dumps(meta))
    return len(data)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        intact, bombed = Path(folder) / "intact", Path(folder) / "bombed"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "deepkiso",
                "train",
                "--out",
                str(intact),
                "--epochs",
                "1",
                "--quiet",
            ],
            check=True,
            capture_output=True,
        )
        shutil.copytree(intact, bombed)
        size = write_bomb(bombed)
        print(f"bomb: {size / 1e6:.2f} MB on disk, {BOMB_BYTES / 2**30:.0f} GiB declared")
        for command in (
            ["train", "--resume", "{run}", "--epochs", "1"],
            ["evaluate", "{run}", "--out", "{run}/c.png"],
        ):
            base_mb, _, _ = peak_rss_mb([part.format(run=intact) for part in command])
            bomb_mb, code, message = peak_rss_mb([part.format(run=bombed) for part in command])
            print(
                f"{command[0]}: intact run {base_mb:.0f} MB, bomb {bomb_mb:.0f} MB "
                f"({bomb_mb - base_mb:+.0f} MB), exit {code}: {message}"
            )


if __name__ == "__main__":
    main()
